"""The model's arithmetic (engine/steps.py) on small hand-made arrays: the derived half-life,
the slow start of trust, the pod discount and what ordinary reciprocity keeps."""

from __future__ import annotations

import numpy as np
import pytest

from influence.engine import steps
from influence.engine.model import FALLBACK_HALF_LIFE_DAYS, ModelParams
from influence.timeutil import DAY_S


def _pairs(edges: list[tuple[int, int]], people: int) -> steps.Pairs:
    src = np.array([a for a, _ in edges], dtype=np.int64)
    dst = np.array([b for _, b in edges], dtype=np.int64)
    n = len(edges)
    return steps.person_pairs(src, dst, np.zeros(n, dtype=np.int64), parts=np.ones(n),
                              counts=np.ones(n, dtype=np.int64),
                              lasts=np.zeros(n, dtype=np.int64), people=people)


def test_the_half_life_is_half_the_mean_activity_span_within_bounds() -> None:
    asof = 1000 * DAY_S
    first = np.array([asof - 40 * DAY_S, asof - 20 * DAY_S, asof - 5 * DAY_S])
    last = np.array([asof, asof - 10 * DAY_S, -1])  # the third is not active in the window
    assert steps.activity_half_life(first, last, asof, 730 * DAY_S) == pytest.approx(
        0.5 * (40 + 10) / 2)
    # a first interaction before the window counts from the window's start
    old = np.array([asof - 5000 * DAY_S])
    assert steps.activity_half_life(old, np.array([asof]), asof, 730 * DAY_S) == 365.0
    # bounds and nobody active
    same_day = np.array([asof])
    assert steps.activity_half_life(same_day, same_day, asof, 730 * DAY_S) == 1.0
    assert steps.activity_half_life(same_day, np.array([-1]), asof,
                                    730 * DAY_S) == FALLBACK_HALF_LIFE_DAYS
    # the rule both engines share, from the mean span alone (the Spark engine's input)
    assert steps.half_life_of_span(30 * DAY_S) == 15.0
    assert steps.half_life_of_span(None) == FALLBACK_HALF_LIFE_DAYS


def test_trust_starts_slowly_with_age_and_fully_when_engaged() -> None:
    params = ModelParams()
    asof = 100 * DAY_S
    # person 3 is engaged by 0, 1 and 2; nobody engages 0, 1, 2
    pairs = _pairs([(0, 3), (1, 3), (2, 3)], 4)
    pod = np.ones(pairs.size)
    since = np.array([asof - DAY_S, asof - 7 * DAY_S, asof - 60 * DAY_S, asof - DAY_S])
    trust = steps.trust(pairs, pod, since, asof, params)
    assert trust[0] == pytest.approx(0.001 + 0.999 * (1 - np.exp(-(1 / 30) ** 2)))
    assert trust[0] < 0.003  # a day-old farm account
    assert 0.04 < trust[1] < 0.07  # a week old
    assert trust[2] > 0.97  # two months old
    assert trust[3] > 0.6  # a day old, but engaged by three people
    linear = steps.trust(pairs, pod, since, asof,
                         params.model_copy(update={"trust_age_exponent": 1.0}))
    assert linear[0] > 10 * trust[0]  # the first wave's onset gave a day-old account 3 %


def test_the_pod_discount_is_cubed_and_two_people_who_talk_keep_their_credit() -> None:
    members = 6  # everyone engages everyone: each pair shares 4 mutual contacts
    pod_edges = [(a, b) for a in range(members) for b in range(members) if a != b]
    talk = [(6, 7), (7, 6)]  # two people who talk, with no mutual contacts
    pairs = _pairs(pod_edges + talk, 8)
    factor, shared = steps.pod_factors(pairs, 8, tolerance=2.0, exponent=3.0)
    in_pod = pairs.source < members
    assert set(shared[in_pod]) == {4}
    assert factor[in_pod] == pytest.approx((2 / 4) ** 3)
    assert factor[~in_pod].tolist() == [1.0, 1.0]


def test_diminishing_returns_can_be_switched_off_for_the_ablation() -> None:
    strength = np.array([0.0, 1.0, 9.0])
    assert steps.pair_base(strength, ModelParams()) == pytest.approx(np.log1p(strength))
    off = ModelParams(diminishing_returns=False)
    assert steps.pair_base(strength, off).tolist() == [0.0, 1.0, 9.0]


def test_strengths_decayed_again_equal_the_ones_decayed_with_that_half_life() -> None:
    rng = np.random.default_rng(5)
    asof, unit = 1_700_000_000, 1 << 20
    # relationships with 0 (a kind of weight 0), 1 and several events in the window
    counts = np.array([1, 3, 0, 1, 2, 5, 1])
    weights = rng.uniform(0.5, 3.0, len(counts))
    times = [asof - rng.integers(0, 400 * 86_400, n) for n in counts]
    words = [t * unit + rng.integers(0, unit, len(t)) for t in times]

    def decayed(half_life_s: float) -> np.ndarray:
        return np.array([w * sum(2.0 ** ((int(e) // unit - asof) / half_life_s) for e in ev)
                         for w, ev in zip(weights, words, strict=True)])

    lasts = np.array([int(t.max()) if len(t) else -1 for t in times])
    multi = [ev for ev in words if len(ev) > 1]
    again = steps.redecay(decayed(90 * 86_400.0), counts, lasts,
                          np.concatenate(multi).astype(np.int64),
                          np.array([len(ev) for ev in multi]), asof=asof,
                          decayed_s=90 * 86_400.0, half_life_s=17.5 * 86_400)
    assert again == pytest.approx(decayed(17.5 * 86_400), rel=1e-12)
    assert again[2] == 0.0
