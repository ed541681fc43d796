"""The canonical format: every record type parses, every kind of bad line is quarantined."""

from __future__ import annotations

from pathlib import Path

import pytest

from influence.domain import event_word
from influence.errors import InvalidInputError
from influence.loaders.base import Parsed, Rejected
from influence.loaders.canonical import CanonicalAdapter, parse_time, to_record
from influence.loaders.checkpoint import Checkpoint
from influence.loaders.quarantine import Quarantine
from influence.loaders.records import InteractionRecord, LinkRecord
from influence.loaders.writer import Writer, load
from tests.fakes import RecordingStore

DATA = Path(__file__).resolve().parents[1] / "data"


def test_timestamps_iso_or_epoch() -> None:
    assert parse_time("2024-05-01T08:30:00Z") == 1714552200
    assert parse_time("2024-05-01T10:30:00+02:00") == 1714552200
    assert parse_time("2024-05-01 08:30:00") == 1714552200
    assert parse_time(1714552200) == parse_time("1714552200") == parse_time(1714552200.9)
    for bad in ("yesterday", "nan", True, None):
        with pytest.raises(ValueError, match="unparseable timestamp"):
            parse_time(bad)


def test_interaction_without_id_gets_a_stable_one() -> None:
    fields = {"type": "interaction", "network": "n", "actor": "a", "target": "b",
              "kind": "Reply", "at": "2024-01-01T00:00:00Z"}
    first, again = to_record(fields), to_record(dict(fields))
    assert isinstance(first, InteractionRecord)
    assert isinstance(again, InteractionRecord)
    assert first.id == again.id
    assert first.kind.value == "reply"
    other = to_record({**fields, "target": "c"})
    assert isinstance(other, InteractionRecord)
    assert other.id != first.id


def test_sample_corpus_loads_completely(tmp_path: Path) -> None:
    items = list(CanonicalAdapter([DATA / "canonical"]))
    assert all(isinstance(i, Parsed) for i in items)
    types = [r.type for i in items if isinstance(i, Parsed) for r in i.records]
    assert set(types) == {"person", "account", "link", "topic", "post", "interaction",
                          "consent"}
    links = [r for i in items if isinstance(i, Parsed) for r in i.records
             if isinstance(r, LinkRecord)]
    assert {(r.person, r.key) for r in links} >= {("p-cy", "mastodon:cy@hachyderm.io"),
                                                  ("p-cy", "bluesky:did:plc:cy5t8w3")}
    tally = load(items, Writer(None), Quarantine(tmp_path, "ok"))
    assert (tally.read, tally.loaded, tally.quarantined) == (23, 23, 0)


def test_broken_corpus_every_bad_line_quarantined_with_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("events.jsonl", "interactions.csv"):
        (broken / name).write_bytes((DATA / "broken" / name).read_bytes())
    with (broken / "events.jsonl").open("a") as fh:  # one oversized record (2 MB)
        fh.write('{"type": "post", "network": "m", "id": "huge", "kind": "post", "author": '
                 f'"a", "created_at": 1, "topics": ["{"x" * 2_000_000}"]}}\n')
    tally = load(CanonicalAdapter([broken]), Writer(None), Quarantine(tmp_path / "q", "b"))
    assert tally.balanced
    assert tally.read == 19
    assert tally.loaded == 4
    assert tally.quarantined == 15
    assert dict(tally.quarantine_reasons) == {
        "malformed JSON": 2, "missing field": 2, "unparseable timestamp": 2,
        "unknown interaction kind": 1, "self-interaction": 2, "unknown record type": 1,
        "bad encoding": 2, "oversized field": 1, "oversized record": 1, "malformed CSV": 1}
    lines = (tmp_path / "q" / "b.jsonl").read_text().splitlines()
    assert len(lines) == 15
    assert '"source": "interactions.csv", "line": 4' in "\n".join(lines)


@pytest.mark.parametrize(("policy", "loaded", "skipped", "quarantined"),
                         [("keep", 6, 0, 12), ("skip", 4, 2, 12)])
def test_self_interaction_policy(tmp_path: Path, policy: str, loaded: int, skipped: int,
                                 quarantined: int) -> None:
    tally = load(CanonicalAdapter([DATA / "broken"]), Writer(None), Quarantine(tmp_path, "s"),
                 self_interactions=policy)  # type: ignore[arg-type]
    assert (tally.loaded, tally.skipped, tally.quarantined) == (loaded, skipped, quarantined)
    assert tally.balanced


def test_csv_without_type_needs_a_telling_name(tmp_path: Path) -> None:
    path = tmp_path / "stuff.csv"
    path.write_text("network,actor,target,kind,at\nn,a,b,reply,1\n")
    with pytest.raises(InvalidInputError, match="type"):
        list(CanonicalAdapter([path]))
    mapped = list(CanonicalAdapter([path], default_type="interaction"))
    assert isinstance(mapped[0], Parsed)


def test_checkpoint_resumes_after_the_committed_batch(tmp_path: Path) -> None:
    lines = [f'{{"type":"interaction","network":"n","actor":"a{i}","target":"b","kind":"like",'
             f'"at":{i}}}' for i in range(10)]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n")
    store = RecordingStore(answers={"get_load_checkpoint": [{"position": 6, "fingerprint": "f"}]})
    tally = load(CanonicalAdapter([path]), Writer(store, batch_size=3),
                 Quarantine(tmp_path, "c"), checkpoint=Checkpoint(store, "k", "f"))
    assert (tally.resumed, tally.read, tally.loaded) == (6, 4, 4)
    actors = [store.key_of(r["a"]) for n, p in store.calls if n.startswith("upsert_interactions")
              for r in p["rows"]]
    assert actors == ["n:a6", "n:a7", "n:a8", "n:a9"]
    positions = [p["position"] for n, p in store.calls if n == "set_load_checkpoint"]
    assert positions == [9]
    assert store.names()[-1] == "clear_load_checkpoint"


def test_checkpoint_of_other_input_is_ignored(tmp_path: Path) -> None:
    store = RecordingStore(answers={"get_load_checkpoint": [{"position": 6, "fingerprint": "x"}]})
    assert Checkpoint(store, "k", "f").start() == 0


def test_rejected_rows_do_not_reach_the_store(tmp_path: Path) -> None:
    store = RecordingStore()
    items = list(CanonicalAdapter([DATA / "broken"]))
    load(items, Writer(store), Quarantine(tmp_path, "r"))
    words = {f"{r.network}:{r.id}": event_word(r.at, f"{r.network}:{r.id}")
             for item in items if isinstance(item, Parsed) for r in item.records
             if isinstance(r, InteractionRecord)}
    stored = {w for n, p in store.calls if n.startswith("upsert_interactions") for r in p["rows"]
              for w in r["ev"]}
    kept = {key for key, word in words.items() if word in stored}
    assert kept == {"mastodon:ok-1", "mastodon:ok-2", "reddit:c1", "reddit:c7"}
    assert len(stored) == len(kept)
    assert sum(isinstance(i, Rejected) for i in items) == 12
