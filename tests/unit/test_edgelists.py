"""Edge-list adapters: real files parse completely; bad lines are rejected with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from influence.errors import InvalidInputError
from influence.loaders.base import Parsed, Rejected
from influence.loaders.edgelists import EdgeListAdapter
from influence.loaders.records import InteractionKind, InteractionRecord
from tests.conftest import SHARED_DATA

COLLEGE = SHARED_DATA / "snap-collegemsg" / "CollegeMsg.txt"
BITCOIN = SHARED_DATA / "snap-bitcoin-alpha" / "soc-sign-bitcoinalpha.csv"


def _records(adapter: EdgeListAdapter) -> list[InteractionRecord]:
    out = []
    for item in adapter:
        assert isinstance(item, Parsed), item
        out += [r for r in item.records if isinstance(r, InteractionRecord)]
    return out


def test_collegemsg_parses_every_line() -> None:
    records = _records(EdgeListAdapter(COLLEGE, "snap", network="college"))
    assert len(records) == 59_835
    assert records[0].actor == "1"
    assert records[0].target == "2"
    assert records[0].at == 1082040961
    assert records[0].kind is InteractionKind.MESSAGE
    assert len({r.actor for r in records} | {r.target for r in records}) == 1_899


def test_bitcoin_alpha_skips_header_and_keeps_ratings() -> None:
    records = _records(EdgeListAdapter(BITCOIN, "bitcoin"))
    assert len(records) == 24_186
    assert records[0].kind is InteractionKind.RATE
    assert (records[0].actor, records[0].target, records[0].value) == ("7188", "1", 10.0)
    assert sum(1 for r in records if r.value is not None and r.value < 0) == 1_536


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "edges.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_higgs_kinds_and_bad_kind(tmp_path: Path) -> None:
    items = list(EdgeListAdapter(_write(tmp_path, "1 2 1341100972 RT\n3 4 1341100973 MT\n"
                                        "5 6 1341100974 RE\n7 8 1341100975 XX\n"), "higgs"))
    kinds = [r.kind for i in items if isinstance(i, Parsed) for r in i.records
             if isinstance(r, InteractionRecord)]
    assert kinds == [InteractionKind.SHARE, InteractionKind.MENTION, InteractionKind.REPLY]
    assert isinstance(items[3], Rejected)
    assert "unknown Higgs interaction" in items[3].reason
    assert items[3].line == 4


def test_konect_comments_weight_and_rejections(tmp_path: Path) -> None:
    text = ("% asym positive\n% 4 3 3\n1 2 1 1082040961\n2 3 2.5 1082040962\n"
            "3 1 1\n4 5 1 yesterday\n6 7 x 1082040963\n")
    items = list(EdgeListAdapter(_write(tmp_path, text), "konect"))
    assert len(items) == 5  # comment lines are not items
    parsed = [i for i in items if isinstance(i, Parsed)]
    assert [r.value for i in parsed for r in i.records
            if isinstance(r, InteractionRecord)] == [1.0, 2.5]
    reasons = [i.reason for i in items if isinstance(i, Rejected)]
    assert reasons[0].startswith("wrong field count")
    assert reasons[1].startswith("unparseable timestamp")
    assert reasons[2].startswith("unparseable weight")


def test_snap_rejects_negative_time_and_blank_ids(tmp_path: Path) -> None:
    items = list(EdgeListAdapter(_write(tmp_path, "1 2 -5\n1 2 3 4\n1 2 10.5\n"), "snap"))
    assert all(isinstance(i, Rejected) for i in items)
    assert isinstance(items[0], Rejected)
    assert items[0].reason.startswith("invalid record: at")


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        EdgeListAdapter(tmp_path / "nope.txt", "snap")
    with pytest.raises(InvalidInputError):
        EdgeListAdapter(_write(tmp_path, ""), "csv")  # type: ignore[arg-type]
