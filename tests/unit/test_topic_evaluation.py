"""Topic-influence evaluation: personalised PageRank and the pure helpers (no database)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from influence.engine import topics
from influence.engine.model import ModelParams
from influence.evaluation.topics import (
    COUNT,
    FILTERED,
    PERSONALISED,
    TopicEvent,
    TopicQuality,
    distinct_engagers_by_topic,
    engagement_by_topic,
    summarise,
)

PARAMS = ModelParams(max_iterations=500)
D = PARAMS.damping
BASE = 1.0 - D


# --- pagerank with a teleport vector --------------------------------------------------------


def test_all_ones_teleport_is_plain_pagerank() -> None:
    src, dst, w = [0, 1, 2, 2, 3], [1, 2, 0, 3, 1], [1.0, 2.0, 1.0, 3.0, 0.5]
    plain, _ = topics.pagerank(src, dst, w, 4, PARAMS)
    ones, _ = topics.pagerank(src, dst, w, 4, PARAMS, teleport=np.ones(4))
    assert np.allclose(plain, ones)


def test_teleport_on_one_node_of_a_chain_is_the_closed_form() -> None:
    # a -> b -> c with the teleport on a only: raw = (1-d) t + d M raw, so
    # raw_a = 1-d, raw_b = d (1-d), raw_c = d^2 (1-d)
    raw, _ = topics.pagerank([0, 1], [1, 2], [1.0, 1.0], 3, PARAMS,
                             teleport=np.array([1.0, 0.0, 0.0]))
    assert raw[0] == pytest.approx(BASE)
    assert raw[1] == pytest.approx(D * BASE)
    assert raw[2] == pytest.approx(D * D * BASE)


def test_teleport_on_one_node_of_a_cycle_is_the_closed_form() -> None:
    # a <-> b, teleport on a: x = (1-d) + d y, y = d x  =>  x = (1-d) / (1-d^2) = 1 / (1+d)
    raw, _ = topics.pagerank([0, 1], [1, 0], [1.0, 1.0], 2, PARAMS,
                             teleport=np.array([1.0, 0.0]))
    assert raw[0] == pytest.approx(1.0 / (1.0 + D), abs=1e-5)
    assert raw[1] == pytest.approx(D / (1.0 + D), abs=1e-5)


def test_teleport_splits_by_out_weight_and_is_linear() -> None:
    # a -> b (3), a -> c (1); teleport 2 on a: raw_b = d * 2(1-d) * 3/4
    raw, _ = topics.pagerank([0, 0], [1, 2], [3.0, 1.0], 3, PARAMS,
                             teleport=np.array([2.0, 0.0, 0.0]))
    assert raw[0] == pytest.approx(2 * BASE)
    assert raw[1] == pytest.approx(D * 2 * BASE * 0.75)
    assert raw[2] == pytest.approx(D * 2 * BASE * 0.25)


@pytest.mark.parametrize("bad", [np.ones(2), np.array([1.0, -0.5, 0.0]), np.ones((3, 1))])
def test_bad_teleport_raises(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="teleport"):
        topics.pagerank([0, 1], [1, 2], [1.0, 1.0], 3, PARAMS, teleport=bad)


def test_personalised_topic_pagerank_teleports_on_the_topic_participants() -> None:
    # whole graph a -> b -> c, c -> a; the topic is only the pair a -> b (weight 1)
    all_pairs = [{"source": "a", "target": "b", "weight": 1.0},
                 {"source": "b", "target": "c", "weight": 1.0},
                 {"source": "c", "target": "a", "weight": 1.0}]
    topic_pairs = [{"topic": "t", "source": "a", "target": "b", "weight": 1.0}]
    both = topics.personalised_topic_pagerank(all_pairs, topic_pairs, PARAMS)
    # teleport shares a: 1, b: 1 (scaled to sum to 2): on the 3-cycle,
    # x = (1-d) t + d x_prev  =>  solve the linear system exactly
    m = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)  # row = target
    expected = np.linalg.solve(np.eye(3) - D * m, BASE * np.array([1.0, 1.0, 0.0]))
    assert [both[p] for p in "abc"] == pytest.approx(list(expected), abs=1e-5)
    received = topics.personalised_topic_pagerank(all_pairs, topic_pairs, PARAMS,
                                                  teleport_on="received")
    expected = np.linalg.solve(np.eye(3) - D * m, BASE * np.array([0.0, 1.0, 0.0]))
    assert [received[p] for p in "abc"] == pytest.approx(list(expected), abs=1e-5)
    assert received["b"] > received["c"] > received["a"]


def test_personalised_topic_pagerank_without_topic_pairs_is_all_zero() -> None:
    all_pairs = [{"source": "a", "target": "b", "weight": 1.0}]
    assert topics.personalised_topic_pagerank(all_pairs, [], PARAMS) == {"a": 0.0, "b": 0.0}


# --- hold-out targets and baselines ---------------------------------------------------------

EVENTS = [
    TopicEvent("x", "a", 1, ("ipa", "stout")),
    TopicEvent("x", "a", 2, ("ipa",)),  # a repeat engager counts once in distinct
    TopicEvent("y", "a", 3, ("ipa",)),
    TopicEvent("a", "a", 4, ("ipa",)),  # self-engagement is left out
    TopicEvent("a", "b", 5, ("stout",)),
    TopicEvent("y", "b", 6, ()),  # no topic: counted nowhere
]


def test_distinct_engagers_by_topic() -> None:
    assert distinct_engagers_by_topic(EVENTS) == {
        "ipa": Counter({"a": 2}), "stout": Counter({"a": 1, "b": 1})}


def test_engagement_by_topic() -> None:
    assert engagement_by_topic(EVENTS) == {
        "ipa": Counter({"a": 3}), "stout": Counter({"a": 1, "b": 1})}


# --- summarise ------------------------------------------------------------------------------


def _q(rho: float) -> TopicQuality:
    return TopicQuality(rho, 0.5, 0.5)


def test_summarise_counts_wins_losses_and_nan_as_zero() -> None:
    per_topic = {
        "t1": {FILTERED: _q(0.2), PERSONALISED: _q(0.4), COUNT: _q(0.2)},
        "t2": {FILTERED: _q(0.3), PERSONALISED: _q(0.1), COUNT: _q(0.3)},
        "t3": {FILTERED: _q(math.nan), PERSONALISED: _q(0.5), COUNT: _q(0.0)},
        "t4": {FILTERED: _q(0.1), PERSONALISED: _q(math.nan), COUNT: _q(0.1)},
    }
    out = {m.method: m for m in summarise(per_topic, (FILTERED, PERSONALISED, COUNT))}
    f, p, c = out[FILTERED], out[PERSONALISED], out[COUNT]
    assert f.spearman == pytest.approx((0.2 + 0.3 + 0.0 + 0.1) / 4)
    assert f.undefined == 1
    assert (f.wins, f.losses, f.p_vs_filtered) == (0, 0, None)
    assert p.spearman == pytest.approx((0.4 + 0.1 + 0.5 + 0.0) / 4)
    assert p.undefined == 1
    # vs filtered: t1 +0.2, t2 -0.2, t3 +0.5 (NaN -> 0), t4 -0.1 (NaN -> 0)
    assert (p.wins, p.losses) == (2, 2)
    assert p.p_vs_filtered is not None
    assert 0.0 < p.p_vs_filtered <= 1.0
    # COUNT equals filtered on every topic once NaN is 0: no p-value
    assert (c.wins, c.losses, c.p_vs_filtered) == (0, 0, None)
    assert p.topics == 4
    assert p.ndcg10 == pytest.approx(0.5)


def test_topic_quality_of_a_constant_ranking_is_nan_without_a_warning() -> None:
    import warnings

    from influence.evaluation.topics import topic_quality

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quality = topic_quality({}, Counter({"a": 2, "b": 1}), ["a", "b", "c"])
    assert math.isnan(quality.spearman)
    good = topic_quality({"a": 3.0, "b": 2.0, "c": 1.0}, Counter({"a": 2, "b": 1}), ["a", "b", "c"])
    assert good.spearman == pytest.approx(1.0)
    assert good.ndcg10 == pytest.approx(1.0)
