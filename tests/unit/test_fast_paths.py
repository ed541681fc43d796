"""The recompute's vectorised shortcuts answer exactly what the plain way does: id lookups by
table and by binary search, the pod discount's reverse-pair search on pairs in any order, the
short ``repr`` of bulky query parameters, and people's account facts derived from the owners
(engine/engagement.py, engine/steps.py, influence/store.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from influence.engine import engagement, steps
from influence.store import _sent
from tests.fakes import RecordingStore


@pytest.mark.parametrize("spread", [3, 10_000_000])  # dense node ids, sparse ones
def test_lookup_finds_every_id_and_nothing_else(spread: int) -> None:
    rng = np.random.default_rng(4)
    ids = rng.choice(2_000 * spread, size=2_000, replace=False).astype(np.int64)
    lookup = engagement.Lookup(ids)
    assert (lookup._table is not None) == (spread == 3)
    asked = np.concatenate([ids, rng.integers(-5, 2_000 * spread + 5, 3_000), [-1]])
    where = {int(v): i for i, v in enumerate(ids)}
    expected = [where.get(int(v), -1) for v in asked]
    assert lookup.find(asked).tolist() == expected


def test_lookup_of_strings_and_of_nothing() -> None:
    names = np.array(["b", "a", "c"])
    assert engagement.Lookup(names).find(np.array(["c", "x", "b"])).tolist() == [2, -1, 0]
    empty = engagement.Lookup(np.array([], dtype=np.int64))
    assert empty.find(np.array([1, 2])).tolist() == [-1, -1]


def test_pod_counts_match_a_brute_force_count_whatever_the_pair_order() -> None:
    rng = np.random.default_rng(9)
    people = 30
    edges = {(int(a), int(b)) for a, b in rng.integers(0, people, (400, 2)) if a != b}
    src = np.array([a for a, _ in edges])
    dst = np.array([b for _, b in edges])
    n = len(edges)
    pairs = steps.person_pairs(src, dst, np.zeros(n, dtype=np.int64), parts=np.ones(n),
                               counts=np.ones(n, dtype=np.int64),
                               lasts=np.zeros(n, dtype=np.int64), people=people)
    shuffled = rng.permutation(pairs.size)
    pairs = replace(pairs, source=pairs.source[shuffled], target=pairs.target[shuffled])
    factor, shared = steps.pod_factors(pairs, people, tolerance=2.0)
    mutual = {(a, b) for a, b in edges if (b, a) in edges}
    contacts = {p: {b for a, b in mutual if a == p} for p in range(people)}
    for s, t, f, c in zip(pairs.source, pairs.target, factor, shared, strict=True):
        expected = len(contacts[s] & contacts[t]) if (s, t) in mutual else 0
        assert c == expected
        assert f == (pytest.approx(2.0 / expected) if expected > 2 else 1.0)
    assert (shared > 2).any()  # the random graph has pods to find


def test_bulky_parameters_travel_unchanged_with_a_short_repr() -> None:
    long = list(range(1_000))
    chunks = [{"scores": [0.5] * 1_000, "chunk": 0}]
    sent = _sent({"nodes": long, "chunks": chunks, "few": [1, 2], "name": "g"})
    assert sent["nodes"] == long
    assert sent["chunks"] == chunks
    assert repr(sent["nodes"]) == "<1000 values>"
    assert repr(sent["chunks"]) == "<1 values>"
    assert sent["few"] == [1, 2]
    assert repr(sent["few"]) == "[1, 2]"
    assert sent["name"] == "g"


def test_people_get_their_accounts_earliest_creation_and_network_count() -> None:
    store = RecordingStore(answers={
        "scoring_people_columns": [{"nodes": [1, 2, 3], "ids": ["p:1", "p:2", "p:3"],
                                    "slots": [0, -1, 4], "objecting": [False, True, False]}],
        # p:1 on two networks (one account of unknown creation), two accounts of p:2 on one
        "scoring_account_owners": [{"accounts": [10, 11, 12, 13], "owners": [1, 1, 2, 2],
                                    "networks": ["x", "y", "x", "x"],
                                    "created": [-1, 500, 300, 200]}],
    })
    people, owners = engagement.read_people_and_owners(store)
    assert people.created.tolist() == [500, 200, -1]
    assert people.networks.tolist() == [2, 1, 0]
    assert people.slots.tolist() == [0, -1, 4]
    assert people.objecting.tolist() == [False, True, False]
    assert owners.people_of([11, 13, 99]).tolist() == [0, 1, -1]


def test_pairs_on_one_network_have_the_parts_the_general_way_gives() -> None:
    rng = np.random.default_rng(8)
    n = 500
    src, dst = rng.integers(0, 30, n), rng.integers(0, 30, n)
    parts, lasts, counts = rng.random(n), rng.integers(0, 1000, n), np.ones(n, dtype=np.int64)
    one = steps.person_pairs(src, dst, np.zeros(n, dtype=np.int64), parts=parts, counts=counts,
                             lasts=lasts, people=30)
    general = steps.person_pairs(src, dst, np.ones(n, dtype=np.int64), parts=parts,
                                 counts=counts, lasts=lasts, people=30)  # network 1 of 2
    assert one.part_pair.tolist() == general.part_pair.tolist()
    assert one.part_strength.tolist() == general.part_strength.tolist()
    assert set(one.part_network.tolist()) == {0}
    assert set(general.part_network.tolist()) == {1}
