"""Topic scores: the PageRank formula, the scale, storage, policy and explanations."""

from __future__ import annotations

import math
from typing import Any

import pytest

from influence.engine import ranking, topics
from influence.engine.model import ModelParams
from influence.errors import NotFoundError
from influence.store import Row
from tests.fakes import RecordingStore

PARAMS = ModelParams()
BASE = 1.0 - PARAMS.damping


def test_pagerank_matches_the_gds_fixed_point_on_a_chain() -> None:
    # a -> b -> c, unit weights: raw_b = base + d * raw_a, raw_c = base + d * raw_b
    raw, _ = topics.pagerank([0, 1], [1, 2], [1.0, 1.0], 3, PARAMS)
    d = PARAMS.damping
    assert raw[0] == pytest.approx(BASE)
    assert raw[1] == pytest.approx(BASE + d * BASE)
    assert raw[2] == pytest.approx(BASE + d * (BASE + d * BASE))


def test_pagerank_splits_a_source_by_weight() -> None:
    raw, _ = topics.pagerank([0, 0], [1, 2], [3.0, 1.0], 3, PARAMS)
    d = PARAMS.damping
    assert raw[1] == pytest.approx(BASE + d * BASE * 0.75)
    assert raw[2] == pytest.approx(BASE + d * BASE * 0.25)


def test_pagerank_of_a_cycle_converges_to_its_fixed_point() -> None:
    long = ModelParams(max_iterations=500)
    raw, iterations = topics.pagerank([0, 1], [1, 0], [1.0, 1.0], 2, long)
    # symmetric fixed point: r = base + d r  =>  r = base / (1 - d) = 1
    assert raw[0] == pytest.approx(1.0, abs=1e-5)
    assert 1 < iterations < long.max_iterations  # stopped by the tolerance


def test_scale_maps_base_to_1_reference_to_100_and_is_monotone() -> None:
    ref = PARAMS.scale_reference
    assert topics.scale(BASE, BASE, ref) == 1.0
    assert topics.scale(BASE * ref * 2, BASE, ref) == 100.0
    values = [topics.scale(BASE * x, BASE, ref) for x in (1.5, 3, 10, 50)]
    assert values == sorted(values)
    assert all(1 < v < 100 for v in values)


def test_percentiles_count_strictly_lower_scores() -> None:
    assert ranking.percentiles([10.0, 20.0, 20.0, 30.0]) == [0.0, 25.0, 25.0, 75.0]


def _pairs(rows: list[tuple[str, str, str, float]]) -> list[Row]:
    return [{"topic": t, "source": s, "target": d, "weight": w} for t, s, d, w in rows]


def test_compute_writes_one_score_per_engaged_person_and_topic() -> None:
    # people p:1 (node 11), p:2 (12), p:3 (13), each with one account (21, 22, 23)
    store = RecordingStore(answers={
        "topic_types": [{"topic": "hops"}, {"topic": "malt"}],
        "person_ids": [{"nodes": [11, 12, 13], "ids": ["p:1", "p:2", "p:3"]}],
        "scoring_account_owners": [{"accounts": [21, 22, 23], "owners": [11, 12, 13],
                                    "networks": ["n", "n", "n"], "created": [-1, -1, -1]}],
        # one relationship per (accounts, kind, topics); 'ghost' is no known topic
        "topic_columns": [{"sources": [21, 23, 22, 21], "targets": [22, 22, 21, 22],
                           "keys": ["hops", "hops", "malt", "ghost"],
                           "parts": [math.e - 1, math.e - 1, math.e - 1, math.e - 1]}],
    })
    run = topics.compute_topic_scores(store, PARAMS, asof=1000)
    assert store.names().count("topic_columns") == 1  # one read for every topic
    written = [dict(zip(("topic", "person", "score", "raw"), row, strict=True))
               for name, params in store.calls if name == "write_topic_scores"
               for row in zip(params["topics"], params["people"], params["scores"],
                              params["raws"], strict=True)]
    assert {(r["person"], r["topic"]) for r in written} == {(12, "hops"), (11, "malt")}
    assert run.topics_scored == 2
    assert run.scores_written == 2
    assert run.topics == 2
    assert store.names().index("clear_topic_scores") < store.names().index("write_topic_scores")
    hops = next(r for r in written if r["topic"] == "hops")
    # both engagers of p:2 weigh log(1 + (e - 1)) = 1
    assert hops["raw"] == pytest.approx(BASE + 2 * PARAMS.damping * BASE)
    assert hops["score"] == topics.scale(hops["raw"], BASE, PARAMS.scale_reference)

def test_topic_pairs_give_a_relationship_to_each_topic_of_its_key() -> None:
    store = RecordingStore(answers={
        "person_ids": [{"nodes": [11, 12, 13], "ids": ["p:1", "p:2", "p:3"]}],
        "scoring_account_owners": [{"accounts": [21, 22, 23], "owners": [11, 12, 13],
                                    "networks": ["n", "n", "n"], "created": [-1, -1, -1]}],
        "topic_columns": [{"sources": [21, 23, 21, 22], "targets": [22, 22, 22, 22],
                           "keys": ["hops|malt", "malt", "malt", "yeast"],
                           "parts": [1.0, 2.0, 4.0, 8.0]}],
    })
    pairs = topics.topic_pairs(store, PARAMS, asof=1000)
    assert pairs.topics == ["hops", "malt", "yeast"]  # yeast: self-engagement only, no pair
    rows = {(pairs.topics[t], int(pairs.people[a]), int(pairs.people[b])): w
            for t, a, b, w in zip(pairs.topic, pairs.source, pairs.target, pairs.weight,
                                  strict=True)}
    assert rows == pytest.approx({("hops", 11, 12): math.log1p(1.0),
                                  ("malt", 11, 12): math.log1p(5.0),
                                  ("malt", 13, 12): math.log1p(2.0)})


def test_person_topics_hides_scores_the_policy_does_not_publish() -> None:
    row = {"id": "p:1", "consent": "unknown",
           "topics": [{"topic": "hops", "score": 40.0, "percentile": 90.0}]}
    store = RecordingStore(answers={"person_topics": [row]})
    hidden = topics.person_topics(store, "p:1", "opted_in")
    shown = topics.person_topics(store, "p:1", "not_opted_out")
    assert hidden.topics[0].score is None
    assert not hidden.published
    assert shown.topics[0].score == 40.0
    assert shown.published


def test_unknown_person_and_topic_are_not_found() -> None:
    with pytest.raises(NotFoundError):
        topics.person_topics(RecordingStore(), "p:404", "opted_in")
    with pytest.raises(NotFoundError):
        topics.topic_leaderboard(RecordingStore(), "nothing", 5, "opted_in")


def test_topic_leaderboard_passes_the_published_states() -> None:
    store = RecordingStore(answers={"topic_exists": [{"topic": "hops"}]})
    topics.topic_leaderboard(store, "hops", 5, "opted_in")
    assert store.calls[-1][1]["states"] == ["opted_in"]


def test_explanation_points_sum_to_the_score_and_hide_unpublished_engagers() -> None:
    def contributions(_: dict[str, Any]) -> list[Row]:
        common = {"score": 30.0, "raw": 0.5, "asof": 1000}
        return [
            {"engager": "p:2", "consent": "opted_in", "kinds": ["answer"], "weight": 2.0,
             "out_weight": 2.0, "engager_raw": 0.3, **common},
            {"engager": "p:3", "consent": "unknown", "kinds": ["comment", "like"],
             "weight": 1.0, "out_weight": 4.0, "engager_raw": None, **common},
            {"engager": "p:4", "consent": "opted_in", "kinds": ["like"], "weight": 0.5,
             "out_weight": 1.0, "engager_raw": None, **common},
        ]

    store = RecordingStore(answers={
        "topic_exists": [{"topic": "hops"}],
        "person_topics": [{"id": "p:1", "consent": "opted_in", "topics": []}],
        "topic_contributions": contributions,
    })
    e = topics.explain_topic(store, "p:1", "hops", PARAMS, "opted_in", top=3)
    total = e.base + sum(c.points for c in e.contributions) + e.other_points
    assert total == pytest.approx(30.0, abs=0.01)
    # terms: p:2 0.85*0.3*2/2, p:4 0.85*0.15*0.5/1, p:3 0.85*0.15*1/4 (not published: hidden)
    assert [c.person for c in e.contributions] == ["p:2", "p:4", None]
    assert e.contributions[0].points == pytest.approx(29.0 * 0.255 / (0.255 + 0.06375 + 0.031875),
                                                      abs=0.01)
    top2 = topics.explain_topic(store, "p:1", "hops", PARAMS, "opted_in", top=2)
    assert top2.other_points == pytest.approx(e.contributions[2].points, abs=0.01)
