"""The Stack Exchange adapter on the real bundled dump, and on broken variants of it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from influence.errors import InvalidInputError
from influence.loaders.base import Parsed, Rejected, Skipped
from influence.loaders.quarantine import Quarantine
from influence.loaders.records import AccountRecord, InteractionRecord, PostRecord
from influence.loaders.stackexchange import FILES, StackExchangeAdapter, site_of
from influence.loaders.writer import Writer, load
from tests.conftest import SE_DUMP


@pytest.fixture(scope="module")
def items() -> list[Parsed | Rejected | Skipped]:
    return list(StackExchangeAdapter(SE_DUMP))


def test_interactions_match_the_manifest(items: list[Parsed | Rejected | Skipped]) -> None:
    kinds = Counter(r.kind.value for i in items if isinstance(i, Parsed) for r in i.records
                    if isinstance(r, InteractionRecord))
    assert kinds["answer"] == 1_389 - 21  # answers with both ids, minus self-answers
    assert 0 < kinds["accept"] <= 365
    assert kinds["comment"] > 1_000
    assert kinds["edit"] > 0
    assert kinds["like"] > 0


def test_answers_inherit_their_question_tags(items: list[Parsed | Rejected | Skipped]) -> None:
    posts = [r for i in items if isinstance(i, Parsed) for r in i.records
             if isinstance(r, PostRecord)]
    answers = [p for p in posts if p.kind == "answer"]
    assert answers
    assert sum(1 for a in answers if a.topics) / len(answers) > 0.95
    tags = Counter(t for p in posts if p.kind == "question" for t in p.topics)
    assert tags.most_common(2) == [("taste", 64), ("brewing", 53)]  # MANIFEST.md


def test_every_row_is_counted_once_in_a_dry_run(tmp_path: Path) -> None:
    tally = load(StackExchangeAdapter(SE_DUMP), Writer(None), Quarantine(tmp_path, "dry"))
    assert tally.balanced
    assert tally.read == StackExchangeAdapter(SE_DUMP).total_rows() == 29_602


def test_broken_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    for name in FILES:
        (dump / name).write_bytes((SE_DUMP / name).read_bytes())
    users = (dump / "Users.xml").read_bytes().splitlines(keepends=True)
    users.insert(3, b'  <row Id="9999" CreationDate="not a date" />\n')
    users.insert(4, b'  <row Id="9998" CreationDate="2015-01-01T00:00:00.000"\n')
    users.insert(5, b'  <row Id="\xff\xfe" />\n')
    users.insert(6, b'  <row CreationDate="2015-01-01T00:00:00.000" />\n')
    (dump / "Users.xml").write_bytes(b"".join(users))
    qdir = tmp_path / "q"
    tally = load(StackExchangeAdapter(dump), Writer(None), Quarantine(qdir, "broken"))
    assert tally.balanced
    assert {"unparseable timestamp", "malformed XML row", "bad encoding",
            "missing field"} <= set(tally.quarantine_reasons)
    lines = (qdir / "broken.jsonl").read_text().splitlines()
    assert len(lines) == tally.quarantined


def test_a_folder_without_a_dump_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a Stack Exchange dump"):
        StackExchangeAdapter(tmp_path)


def test_users_carry_their_display_name_and_profile_page(
        items: list[Parsed | Rejected | Skipped]) -> None:
    accounts = {r.id: r for i in items if isinstance(i, Parsed) for r in i.records
                if isinstance(r, AccountRecord)}
    assert len(accounts) == 3_948  # Users.xml rows (MANIFEST.md)
    # the dump's own rows (Users.xml): Id="1" is Geoff Dalgas; names keep their accents
    assert accounts["1"].display_name == "Geoff Dalgas"
    assert accounts["1"].url == "https://beer.stackexchange.com/users/1"
    assert sum(a.display_name is not None for a in accounts.values()) == 3_948
    assert any(a.display_name == "Gabriel Nuñez" for a in accounts.values())


@pytest.mark.parametrize(("folder", "site"), [
    ("beer.stackexchange.com", "beer.stackexchange.com"),  # archive.org's name, extracted
    ("mathoverflow.net.7z", "mathoverflow.net"),
    ("stackexchange-beer", "beer.stackexchange.com"),     # the bundled copy's name
    ("my-dump", None),                                     # unknown: no profile links
])
def test_the_site_is_read_from_the_folder_name(tmp_path: Path, folder: str,
                                               site: str | None) -> None:
    assert site_of(tmp_path / folder) == site
