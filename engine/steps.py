"""The model's arithmetic on edge arrays (docs/MODEL.md, "How a score is computed").

Every step of the score but the propagation is a vectorised operation on the columns the
recompute reads (one entry per interaction relationship, then one per engager/target pair of
people); the propagation is GDS weighted PageRank (engine/scoring.py). The same steps, in the
same order and with the same parameters, are what any other engine must compute to give the
same scores (the Spark engine follows this module).

Arrays are numpy; people are dense indices ``0 .. n-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from influence.domain import EVENT_TIME_UNIT
from influence.engine.model import FALLBACK_HALF_LIFE_DAYS, HALF_LIFE_BOUNDS_DAYS, ModelParams
from influence.timeutil import DAY_S


@dataclass(frozen=True)
class Pairs:
    """Engager -> target pairs of people with engagement inside the window.

    ``strength`` is the kind-weighted, decayed sum of the pair's interactions, ``n`` how many
    there are, ``last`` the time of the latest; ``network_parts[k]`` is the share of
    ``strength`` from network ``k`` (one row per pair and network in ``part_pair``,
    ``part_network``, ``part_strength``).
    """

    source: np.ndarray
    target: np.ndarray
    strength: np.ndarray
    n: np.ndarray
    last: np.ndarray
    part_pair: np.ndarray
    part_network: np.ndarray
    part_strength: np.ndarray

    @property
    def size(self) -> int:
        return len(self.source)


def person_pairs(source: np.ndarray, target: np.ndarray, network: np.ndarray, *,
                 parts: np.ndarray, counts: np.ndarray, lasts: np.ndarray,
                 people: int) -> Pairs:
    """Relationships (people indices at both ends, already without self-engagement) summed
    into pairs of people; relationships with nothing inside the window are left out."""
    keep = counts > 0
    source, target, network = source[keep], target[keep], network[keep]
    parts, counts, lasts = parts[keep], counts[keep], lasts[keep]
    key = source.astype(np.int64) * people + target
    pair_keys, pair_of = np.unique(key, return_inverse=True)
    size = len(pair_keys)
    strength = np.bincount(pair_of, weights=parts, minlength=size)
    n = np.bincount(pair_of, weights=counts, minlength=size).astype(np.int64)
    last = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last, pair_of, lasts)
    source, target = pair_keys // people, pair_keys % people
    networks = int(network.max()) + 1 if len(network) else 1
    if networks == 1:  # one network: a part per pair, the pair's strength
        return Pairs(source=source, target=target, strength=strength, n=n, last=last,
                     part_pair=np.arange(size), part_network=np.zeros(size, dtype=np.int64),
                     part_strength=strength)
    part_keys, part_of = np.unique(pair_of.astype(np.int64) * networks + network,
                                   return_inverse=True)
    part_strength = np.bincount(part_of, weights=parts, minlength=len(part_keys))
    return Pairs(source=source, target=target, strength=strength, n=n, last=last,
                 part_pair=part_keys // networks, part_network=part_keys % networks,
                 part_strength=part_strength)


def redecay(parts: np.ndarray, counts: np.ndarray, lasts: np.ndarray, multi: np.ndarray,
            multi_sizes: np.ndarray, *, asof: int, decayed_s: float,
            half_life_s: float) -> np.ndarray:
    """The interaction columns' strengths, decayed with ``decayed_s``, as they are with another
    half-life: a relationship's strength is its kind weight times ``sum(2 ^ ((t - asof) /
    half_life))`` over its events in the window, so a relationship with one event (at
    ``lasts``) is rescaled by ``2 ^ ((t - asof) (1 / half_life - 1 / decayed))``, and one with
    several (``counts`` > 1, whose event words are ``multi``, ``multi_sizes`` per relationship
    in order) by the ratio of its two sums. Equal to the strengths read with ``half_life_s``
    to rounding (a few units in the last place)."""
    value = parts.astype(np.float64, copy=True)
    single = counts == 1
    value[single] *= np.exp2((lasts[single] - asof) * (1.0 / half_life_s - 1.0 / decayed_s))
    several = np.flatnonzero(counts > 1)
    if len(several):
        ages = (multi // EVENT_TIME_UNIT - asof).astype(np.float64)
        of = np.repeat(np.arange(len(several)), multi_sizes)
        before = np.bincount(of, weights=np.exp2(ages / decayed_s), minlength=len(several))
        after = np.bincount(of, weights=np.exp2(ages / half_life_s), minlength=len(several))
        value[several] *= np.divide(after, before, out=np.zeros(len(several)),
                                    where=before > 0)
    return value


def activity_half_life(first: np.ndarray, last: np.ndarray, asof: int, window_s: float) -> float:
    """The derived half-life in days: half the mean activity span (first to last interaction,
    given or received, inside the window) of the people active in the window, within
    :data:`HALF_LIFE_BOUNDS_DAYS`; :data:`FALLBACK_HALF_LIFE_DAYS` when nobody is. ``last`` is
    -1 for people without an interaction in the window."""
    active = last >= 0
    if not active.any():
        return FALLBACK_HALF_LIFE_DAYS
    start = np.maximum(first[active], asof - window_s)
    return half_life_of_span(float(np.mean(np.maximum(last[active] - start, 0))))


def half_life_of_span(mean_span_s: float | None) -> float:
    """The derived half-life in days from the mean activity span in seconds (None: nobody
    active): half of it, within :data:`HALF_LIFE_BOUNDS_DAYS`, rounded to 0.01 day."""
    if mean_span_s is None:
        return FALLBACK_HALF_LIFE_DAYS
    low, high = HALF_LIFE_BOUNDS_DAYS
    return round(min(max(0.5 * (mean_span_s / DAY_S), low), high), 2)


def pod_factors(pairs: Pairs, people: int, tolerance: float,
                exponent: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Engagement pods: a reciprocated pair whose two people share more than ``tolerance``
    mutual contacts (people both engage and are engaged by) keeps ``(tolerance / shared) **
    exponent`` of its weight. Returns the factor of every pair (1.0 for most) and the shared
    counts."""
    factor = np.ones(pairs.size)
    shared = np.zeros(pairs.size, dtype=np.int64)
    key = pairs.source.astype(np.int64) * people + pairs.target
    reverse = pairs.target.astype(np.int64) * people + pairs.source
    ordered = np.sort(key)
    # searched in ascending order, the reverse keys cost a fraction of a random-order search
    by_reverse = np.argsort(reverse)
    position = np.searchsorted(ordered, reverse[by_reverse])
    position[position >= len(key)] = 0
    mutual = np.zeros(len(key), dtype=bool)
    if len(key):
        mutual[by_reverse] = ordered[position] == reverse[by_reverse]
    if not mutual.any():
        return factor, shared
    ms, mt = pairs.source[mutual], pairs.target[mutual]
    graph = sparse.csr_matrix((np.ones(len(ms)), (ms, mt)), shape=(people, people))
    # shared mutual contacts of (s, t): rows s and t of the mutual graph, multiplied
    counts = np.asarray(graph[ms].multiply(graph[mt]).sum(axis=1)).ravel().astype(np.int64)
    shared[mutual] = counts
    pod = mutual.copy()
    pod[mutual] = counts > tolerance
    factor[pod] = (tolerance / shared[pod]) ** exponent
    return factor, shared


def trust(pairs: Pairs, pod: np.ndarray, since: np.ndarray, asof: int,
          params: ModelParams) -> np.ndarray:
    """Engager trust per person: from the account's age before the scoring date, or from the
    (pod-discounted) engagement the person receives, whichever says more; a fresh account
    that nobody engages counts ``trust_floor``. Age counts from a slow start
    (``1 - exp(-(age / trust_age_days)^e)``, ``e = trust_age_exponent`` = 2 by default: a
    day-old account 0.1 %, a week-old one 5 %,
    a month-old one 63 %), so that a farm of fresh accounts buys nothing.
    ``since`` is the earliest of the account creation and the first engagement given
    (-1: unknown, age 0)."""
    people = len(since)
    received = np.bincount(pairs.target, weights=pod, minlength=people)
    age_days = np.where(since >= 0, (asof - since) / DAY_S, 0.0)
    by_age = 1.0 - np.exp(-np.power(age_days / params.trust_age_days,
                                    params.trust_age_exponent))
    by_received = 1.0 - np.exp(-received / params.trust_received)
    value: np.ndarray = params.trust_floor + (1.0 - params.trust_floor) * np.maximum(
        by_age, by_received)
    return value


def pair_base(strength: np.ndarray, params: ModelParams) -> np.ndarray:
    """A pair's base weight: ``log(1 + strength)`` (diminishing returns), or the strength
    itself with ``diminishing_returns`` off (the evaluation's ablation)."""
    value: np.ndarray = np.log1p(strength) if params.diminishing_returns else strength
    return value


def attention_share(pairs: Pairs, pod: np.ndarray, people: int,
                    params: ModelParams) -> np.ndarray:
    """Per engager: the share of their edge weights they may hand out (attention budget)."""
    budget = params.attention_budget
    attention = np.bincount(pairs.source, weights=pair_base(pairs.strength, params) * pod,
                            minlength=people)
    return np.where(attention > budget, budget / np.where(attention > 0, attention, 1.0), 1.0)


def edge_weights(pairs: Pairs, pod: np.ndarray, share: np.ndarray,
                 trust_of: np.ndarray, params: ModelParams) -> np.ndarray:
    """The weight of every pair: diminishing returns, pod factor, attention share, trust."""
    weights: np.ndarray = pair_base(pairs.strength, params) * pod * share[pairs.source] * \
        trust_of[pairs.source]
    return weights


def credit(pairs: Pairs, weights: np.ndarray, pagerank: np.ndarray,
           params: ModelParams) -> np.ndarray:
    """Credit of every pair: its weight times ``(1 - blend) + blend * standing`` of the
    engager, ``standing = log2(1 + PageRank / teleport share)`` (1 for an engager nobody
    engages). ``pagerank`` holds GDS's raw PageRank per person (the teleport share ``1 - d``
    for people outside the propagation graph)."""
    base = 1.0 - params.damping
    standing = np.log2(1.0 + pagerank[pairs.source] / base)
    value: np.ndarray = weights * ((1.0 - params.propagation_blend)
                                   + params.propagation_blend * standing)
    return value


def scale(raw: np.ndarray, midpoint: float) -> np.ndarray:
    """Raw credit to the 1-100 score, rounded to 0.01: ``1 + 99 L / (L + K)``,
    ``L = ln(1 + raw)``, ``K = ln(1 + midpoint)``."""
    log = np.log1p(np.maximum(raw, 0.0))
    value: np.ndarray = np.round(100.0 * (1.0 + 99.0 * log / (log + np.log1p(midpoint)))) \
        / 100.0
    return value


def confidence(engagers: np.ndarray, interactions: np.ndarray,
               params: ModelParams) -> np.ndarray:
    """How much evidence backs a score, 0-1 (rounded to 0.001)."""
    value: np.ndarray = np.round(1000.0 * (1.0 - np.exp(-engagers / params.confidence_engagers))
                                 * (1.0 - np.exp(-interactions
                                                 / params.confidence_interactions))) / 1000.0
    return value


def percentiles(scores: np.ndarray) -> np.ndarray:
    """Share of scores strictly below each score, in percent with one decimal (the
    definition of :func:`influence.engine.ranking.percentiles`, vectorised)."""
    ordered = np.sort(scores)
    below = np.searchsorted(ordered, scores, side="left")
    value: np.ndarray = np.round(1000.0 * below / max(len(scores), 1)) / 10.0
    return value
