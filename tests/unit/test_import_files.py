"""The import files of a first load, without a server: groups, words, topics, values."""

from __future__ import annotations

import csv
from pathlib import Path

from influence.domain import event_word
from influence.loaders.import_files import ImportWriter
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    LinkRecord,
    PostRecord,
    Record,
)


def _interaction(i: int, actor: str = "a", target: str = "b", **extra: object) -> InteractionRecord:
    return InteractionRecord.model_validate({
        "network": "n", "id": str(i), "actor": actor, "target": target,
        "kind": extra.pop("kind", InteractionKind.REPLY), "at": 1_000 + i, **extra})


def _rows(tmp_path: Path, records: list[object]) -> list[dict[str, str]]:
    writer = ImportWriter(tmp_path / "import")
    for record in records:
        writer.add(record, autoflush=False)  # type: ignore[arg-type]
    files = writer.finish()
    path = dict(files.relationships)[""]  # the interactions file: types in a column
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_events_of_one_group_are_one_line_and_a_repeat_counts_once(tmp_path: Path) -> None:
    rows = _rows(tmp_path, [_interaction(1), _interaction(2), _interaction(1),
                            _interaction(3, kind=InteractionKind.LIKE)])
    assert [(r[":START_ID(Account)"], r[":END_ID(Account)"], r[":TYPE"]) for r in rows] == [
        ("n:a", "n:b", "REPLY"), ("n:a", "n:b", "LIKE")]
    words = sorted(event_word(1_000 + i, f"n:{i}") for i in (1, 2))
    assert rows[0]["ev:long[]"] == ";".join(map(str, words))
    assert rows[1]["ev:long[]"] == str(event_word(1_003, "n:3"))
    assert (rows[0]["tk"], rows[0]["topics:string[]"], rows[0]["vals:double[]"]) == ("", "", "")


def test_an_interaction_on_an_untagged_post_takes_the_post_topics(tmp_path: Path) -> None:
    post = PostRecord(network="n", id="p1", author="b", kind="question", created_at=900,
                      topics=("stout", "hops"))
    rows = _rows(tmp_path, [_interaction(1, post="p1"), post,
                            _interaction(2, topics=["ale"])])
    by_tk = {r["tk"]: r for r in rows}
    assert set(by_tk) == {"hops|stout", "ale"}
    assert by_tk["hops|stout"]["topics:string[]"] == "hops;stout"


def test_values_are_aligned_with_the_words_and_nan_where_missing(tmp_path: Path) -> None:
    rows = _rows(tmp_path, [_interaction(1, kind=InteractionKind.RATE, value=-3),
                            _interaction(2, kind=InteractionKind.RATE)])
    (row,) = rows
    words = [event_word(1_001, "n:1"), event_word(1_002, "n:2")]
    order = sorted(range(2), key=lambda i: words[i])
    assert row["ev:long[]"] == ";".join(str(words[i]) for i in order)
    assert row["vals:double[]"].split(";") == [["-3.0", "NaN"][i] for i in order]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_people_accounts_and_owners_implied_or_given(tmp_path: Path) -> None:
    writer = ImportWriter(tmp_path / "import")
    records: list[Record] = [_interaction(1, actor="a", target="b"),
                             AccountRecord(network="n", id="b", reputation=7),
                             AccountRecord(network="n", id="b", handle="@b",
                                           display_name='Bo "the, baker" Ñ',
                                           url="https://n.example/b"),
                             LinkRecord(network="n", account="a", person="alice")]
    for record in records:
        writer.add(record, autoflush=False)
    files = writer.finish()
    nodes = dict(files.nodes)
    people = {r["id:ID(Person)"]: r for r in _csv(nodes["Person"])}
    assert sorted(people) == ["alice", "n:b"]  # n:a belongs to alice; n:b is its own person
    assert [people[p]["slot:long"] for p in ("alice", "n:b")] == ["0", "1"]
    accounts = {r["key:ID(Account)"]: r for r in _csv(nodes["Account"])}
    assert (accounts["n:b"]["network"], accounts["n:b"]["id"],
            accounts["n:b"]["reputation:long"]) == ("n", "b", "7")
    assert accounts["n:a"]["reputation:long"] == ""
    # a later record adds names to what an earlier one gave; quotes and commas survive the CSV
    assert (accounts["n:b"]["handle"], accounts["n:b"]["display_name"],
            accounts["n:b"]["url"]) == ("@b", 'Bo "the, baker" Ñ', "https://n.example/b")
    assert accounts["n:a"]["display_name"] == ""
    owners = {(r[":START_ID(Person)"], r[":END_ID(Account)"])
              for r in _csv(dict(files.relationships)["HAS_ACCOUNT"])}
    assert owners == {("alice", "n:a"), ("n:b", "n:b")}
