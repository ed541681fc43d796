"""The batched writer, against a recording fake of the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from influence.domain import event_word
from influence.errors import EnvironmentProblemError
from influence.loaders.base import Parsed, Rejected, Skipped
from influence.loaders.quarantine import Quarantine
from influence.loaders.records import AccountRecord, InteractionKind, InteractionRecord
from influence.loaders.writer import Writer, load
from tests.fakes import RecordingStore


def _interaction(i: int) -> InteractionRecord:
    return InteractionRecord(network="n", id=str(i), actor="a", target="b",
                             kind=InteractionKind.REPLY, at=1_000 + i)


def test_batches_flush_in_dependency_order(tmp_path: Path) -> None:
    store = RecordingStore()
    items: list[Parsed | Skipped | Rejected] = [
        Parsed("f", 1, (AccountRecord(network="n", id="a"),)),
        *[Parsed("f", i + 2, (_interaction(i),)) for i in range(5)],
        Skipped("f", 7, "not used"),
        Rejected("f", 8, "<bad", "malformed XML row: x"),
    ]
    tally = load(items, Writer(store, batch_size=2), Quarantine(tmp_path, "run"))
    assert (tally.read, tally.loaded, tally.skipped, tally.quarantined) == (8, 6, 1, 1)
    # the second interaction fills a batch: accounts are flushed before interactions
    writes = [n for n in store.names() if n != "tombstone_hashes"]  # erasure screen reads first
    assert writes[:3] == ["upsert_accounts", "ensure_accounts", "upsert_interactions_reply"]
    # five interactions of one pair and kind: one grouped row per flushed batch
    written = sum(len(r["ev"]) for n, p in store.calls if n.startswith("upsert_interactions")
                  for r in p["rows"])
    assert written == 5
    assert store.names()[-1] == "link_orphan_accounts"
    assert (tmp_path / "run.jsonl").read_text().count("\n") == 1


def test_rows_carry_network_scoped_keys() -> None:
    store = RecordingStore()
    writer = Writer(store, batch_size=10)
    writer.add(_interaction(7))
    writer.flush()
    (ensure, _), (name, params) = store.calls
    assert ensure == "ensure_accounts"
    row = params["rows"][0]
    assert name == "upsert_interactions_reply"  # one statement per relationship type
    assert (store.key_of(row["a"]), store.key_of(row["b"])) == ("n:a", "n:b")
    assert (row["ka"], row["kb"]) == ("n:a", "n:b")  # the write checks the ids still fit
    assert (row["tk"], row["topics"]) == ("", None)
    assert row["ev"] == [event_word(1_007, "n:7")]  # time 1007, 20 bits of the hash of "n:7"
    assert row["ev"][0] >> 20 == 1_007
    assert "vals" not in row  # no values: the plain statement


def test_a_pair_that_interacts_often_is_one_row_per_batch() -> None:
    store = RecordingStore()
    writer = Writer(store, batch_size=100)
    for i in range(40):
        writer.add(_interaction(i))
    writer.add(_interaction(40).model_copy(update={"kind": InteractionKind.LIKE}))
    writer.flush()
    rows = [(n.rsplit("_", 1)[-1], r) for n, p in store.calls
            if n.startswith("upsert_interactions") for r in p["rows"]]
    assert sorted((t, len(r["ev"])) for t, r in rows) == [("like", 1), ("reply", 40)]
    assert len({w for _, r in rows for w in r["ev"]}) == 41


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    writer = Writer(None, batch_size=1)
    tally = load([Parsed("f", 1, (_interaction(1),))], writer, Quarantine(tmp_path, "d"))
    assert tally.loaded == 1
    assert writer.written["interactions"] == 1
    assert not (tmp_path / "d.jsonl").exists()


def test_account_ids_are_looked_up_once_per_run() -> None:
    store = RecordingStore()
    writer = Writer(store, batch_size=10)
    writer.add(_interaction(1))
    writer.flush()
    writer.add(_interaction(2))
    writer.flush()
    assert store.names().count("ensure_accounts") == 1
    assert store.names().count("upsert_interactions_reply") == 2


def test_an_id_that_no_longer_fits_is_looked_up_again() -> None:
    answers = iter([[{"written": 0}], [{"written": 1}]])  # first: the account went meanwhile
    store = RecordingStore(answers={"upsert_interactions_reply": lambda _: next(answers)})
    writer = Writer(store, batch_size=10)
    writer.add(_interaction(1))
    writer.flush()
    assert store.names() == ["ensure_accounts", "upsert_interactions_reply",
                             "ensure_accounts", "upsert_interactions_reply"]


def test_rows_that_still_find_no_account_fail_loudly() -> None:
    store = RecordingStore(answers={"upsert_interactions_reply": [{"written": 0}]})
    writer = Writer(store, batch_size=10)
    writer.add(_interaction(1))
    with pytest.raises(EnvironmentProblemError, match="found no account"):
        writer.flush()


def test_a_word_given_twice_in_a_batch_is_written_once() -> None:
    store = RecordingStore()
    writer = Writer(store, batch_size=10)
    writer.add(_interaction(1))
    writer.add(_interaction(1))  # the same interaction twice in the file
    writer.flush()
    (row,) = next(p["rows"] for n, p in store.calls if n == "upsert_interactions_reply")
    assert row["ev"] == [event_word(1_001, "n:1")]


def test_a_background_flush_commits_before_its_callback_and_raises_later() -> None:
    store = RecordingStore()
    writer = Writer(store, batch_size=10)
    seen: list[list[str]] = []
    writer.add(_interaction(1))
    writer.flush(wait=False, then=lambda: seen.append(store.names()))
    writer.close()
    assert seen == [["ensure_accounts", "upsert_interactions_reply"]]

    failing = RecordingStore(answers={"upsert_interactions_reply": [{"written": 0}]})
    writer = Writer(failing, batch_size=10)
    writer.add(_interaction(1))
    writer.flush(wait=False)  # returns at once; the failure surfaces at the next call
    with pytest.raises(EnvironmentProblemError):
        writer.close()
