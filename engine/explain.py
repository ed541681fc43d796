"""Explanations: contributions that sum to a person's score, and what limits it (docs/MODEL.md).

Computed on read, for the one person asked about, from the run that produced the score: the
person's engagers and the decayed strength of their interactions as of the run's date (one
query), the engagers' trust, attention share and PageRank from the run's chunks, and the pod
factors the run found. Each engager's credit is what the recompute gave them
(:func:`influence.engine.steps.credit`), so each gets the share ``credit / raw`` of the score;
within an engager, the share is split over their (network, kind) parts in proportion to their
decayed strength. Summing by engager, by network and by kind gives three breakdowns that each
add up to the score exactly (before display rounding). Engagers the publish policy hides are
pooled into one anonymous entry.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from influence.domain import PublishPolicy, published_states
from influence.engine import read_queries as q
from influence.engine import steps
from influence.engine.model import ModelParams
from influence.engine.scoring import type_weights, window_words
from influence.errors import ConsentDeniedError, NotFoundError
from influence.store import QueryRunner, Row
from influence.timeutil import DAY_S

NO_ENGAGEMENT = "(no engagement in the window: the scale's floor)"


@dataclass(frozen=True)
class Contribution:
    """Part of the score carried by one network or one interaction kind."""

    name: str
    contribution: float
    share: float


@dataclass(frozen=True)
class PersonContribution:
    """Part of the score carried by one engager (or a pooled group of them).

    ``person_id`` is None for the pooled entries: engagers hidden by the consent policy
    (``anonymous``) and engagers beyond the top list (``others``); ``people`` counts them.
    """

    person_id: str | None
    contribution: float
    share: float
    interactions: int
    people: int = 1
    anonymous: bool = False


@dataclass(frozen=True)
class Explanation:
    """Why a person has their score; every breakdown sums to ``score`` (within rounding)."""

    person_id: str
    score: float
    percentile: float | None
    confidence: float | None
    asof: int | None
    engagers: int
    interactions: int
    by_network: tuple[Contribution, ...]
    by_kind: tuple[Contribution, ...]
    top_people: tuple[PersonContribution, ...]
    hints: tuple[str, ...]


def explain(store: QueryRunner, person_id: str, policy: PublishPolicy, *, first: int = 10,
            params: ModelParams | None = None) -> Explanation:
    """Explain a person's score from the latest recompute.

    Args:
        store: the database.
        person_id: e.g. ``stackexchange:123``.
        policy: the publish policy; the person must be published under it, and engagers who
            are not are pooled into one anonymous contribution.
        first: how many engagers to name in ``top_people`` (the rest are pooled as "others").
        params: ignored for the numbers (the run's own parameters are used, so the
            explanation matches the score); kept for callers that pass the settings' model.

    Returns:
        The explanation.

    Raises:
        NotFoundError: no such person, or no score computed yet.
        ConsentDeniedError: the person's score is not published under ``policy``.
    """
    del params
    rows = store.read(q.EXPLAIN_PERSON, id=person_id)
    if not rows:
        raise NotFoundError(f"No person with id {person_id!r}.",
                            hint="Ids look like 'stackexchange:123'; search with people(search:).")
    person = dict(rows[0])
    states = published_states(policy)
    if person["consent"] not in states:
        raise ConsentDeniedError(f"The score of {person_id!r} is not published.",
                                 hint="Only people whose consent the publish policy allows.")
    runs = store.read(q.CURRENT_RUN)
    if person["score"] is None or person["slot"] is None or not runs:
        raise NotFoundError(f"{person_id!r} has no score yet.", hint="Run `influence score`.")
    run = runs[0]
    run_params = ModelParams.model_validate(json.loads(run["params"]))
    edges = _engagers(store, person_id, int(person["slot"]), run, run_params)
    mine = _chunk_values(store, run, [int(person["slot"])]).get(int(person["slot"]), {})
    person.update(asof=run["asof"], engagers=int(mine.get("engagers", -1)),
                  interactions=int(mine.get("interactions", -1)),
                  last_engaged=None if mine.get("last_engaged", -1) < 0
                  else int(mine["last_engaged"]))
    score: float = person["score"]
    raw = sum(e["credit"] for e in edges)
    if raw <= 0:
        floor: tuple[Contribution, ...] = (Contribution(NO_ENGAGEMENT, score, 1.0),)
        by_network, by_kind = floor, floor
        people: tuple[PersonContribution, ...] = ()
    else:
        by_network, by_kind = _breakdowns(edges, score, raw)
        people = _people(edges, score, raw, states, first)
    return Explanation(
        person_id=person["id"], score=score, percentile=person["percentile"],
        confidence=person["confidence"], asof=person["asof"],
        engagers=max(person["engagers"], 0), interactions=max(person["interactions"], 0),
        by_network=by_network, by_kind=by_kind, top_people=people,
        hints=tuple(_hints(person, edges, people, by_network, raw=raw, params=run_params)),
    )


def _chunk_values(store: QueryRunner, run: Row, slots: list[int]) -> dict[int, dict[str, float]]:
    """Each slot's values in the run's chunks (raw, trust, attention, PageRank, counts)."""
    size = int(run["chunk_size"])
    out: dict[int, dict[str, float]] = {}
    wanted: dict[int, list[int]] = defaultdict(list)
    for slot in slots:
        wanted[slot // size].append(slot)
    for row in store.read(q.RUN_CHUNKS, run=run["run"], chunks=sorted(wanted)):
        for slot in wanted[row["chunk"]]:
            at = slot % size
            out[slot] = {name: row[name][at] for name in
                         ("raw", "pagerank", "trust", "attention", "engagers", "interactions",
                          "last_engaged") if at < len(row[name])}
            out[slot]["pods"] = {s: f for s, t, f in zip(row["pod_sources"], row["pod_targets"],
                                                         row["pod_factors"], strict=True)
                                 if t == slot}  # type: ignore[assignment]
    return out


def _engagers(store: QueryRunner, person_id: str, slot: int, run: Row,
              params: ModelParams) -> list[Row]:
    """The person's engagers with their parts and the credit the run gave them, highest first."""
    asof = int(run["asof"])
    lo, hi = window_words(asof, params)
    rows = store.read(q.EXPLAIN_ENGAGERS, id=person_id, lo=lo, hi=hi, asof=asof,
                      half_life_s=params.half_life_s, weights=type_weights(params))
    slots = [int(r["slot"]) for r in rows if r["slot"] is not None]
    values = _chunk_values(store, run, [slot, *slots])
    pods: dict[int, float] = values.get(slot, {}).get("pods", {})  # type: ignore[assignment]
    base = 1.0 - params.damping
    edges = []
    for r in rows:
        engager = values.get(int(r["slot"])) if r["slot"] is not None else None
        strength = float(sum(r["parts"]))
        if engager is None or strength <= 0 or _missing(engager.get("trust")):
            continue
        pod = float(pods.get(int(r["slot"]), 1.0))
        weight = float(steps.pair_base(np.array([strength]), params)[0]) * pod * \
            float(engager["attention"]) * float(engager["trust"])
        pagerank = float(engager["pagerank"]) if not _missing(engager["pagerank"]) else base
        standing = math.log2(1.0 + pagerank / base)
        credit = weight * ((1.0 - params.propagation_blend) + params.propagation_blend * standing)
        edges.append({**r, "strength": strength, "credit": credit, "pod": pod,
                      "trust": float(engager["trust"])})
    edges.sort(key=lambda e: (-e["credit"], e["engager"]))
    return edges


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _breakdowns(edges: list[Row], score: float, raw: float
                ) -> tuple[tuple[Contribution, ...], tuple[Contribution, ...]]:
    networks: dict[str, float] = defaultdict(float)
    kinds: dict[str, float] = defaultdict(float)
    for edge in edges:
        if edge["credit"] <= 0 or not edge["strength"]:
            continue
        for network, kind, part in zip(edge["networks"], edge["kinds"], edge["parts"],
                                       strict=True):
            value = score * edge["credit"] / raw * part / edge["strength"]
            networks[network] += value
            kinds[kind] += value
    return _ranked(networks, score), _ranked(kinds, score)


def _ranked(values: dict[str, float], score: float) -> tuple[Contribution, ...]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(Contribution(k, round(v, 4), round(v / score, 4)) for k, v in ordered)


def _people(edges: list[Row], score: float, raw: float, states: list[str],
            first: int) -> tuple[PersonContribution, ...]:
    named: list[PersonContribution] = []
    hidden = [0.0, 0, 0]  # contribution, interactions, people
    others = [0.0, 0, 0]
    for edge in edges:  # credit descending
        value = score * edge["credit"] / raw
        pool = None
        if edge["consent"] not in states:
            pool = hidden
        elif len(named) >= first:
            pool = others
        if pool is None:
            named.append(PersonContribution(edge["engager"], round(value, 4),
                                            round(value / score, 4), edge["interactions"]))
        else:
            pool[0] += value
            pool[1] += edge["interactions"]
            pool[2] += 1
    pooled = [PersonContribution(None, round(v, 4), round(v / score, 4), int(n), int(c), anon)
              for (v, n, c), anon in ((hidden, True), (others, False)) if c]
    return tuple(named + pooled)


def _hints(person: Row, edges: list[Row], people: tuple[PersonContribution, ...],
           by_network: tuple[Contribution, ...], *, raw: float, params: ModelParams
           ) -> list[str]:
    hints: list[str] = []
    engagers = person["engagers"] or 0
    if raw <= 0:
        return ["Nobody engaged with this person inside the scoring window, so the score is "
                "the scale's floor (1)."]
    if engagers < params.confidence_engagers:
        hints.append(f"Few distinct engagers ({engagers}): engagement from more different "
                     "people raises the score most; repeats from the same person count less "
                     "and less.")
    top = max((p for p in people if p.person_id is not None), key=lambda p: p.share,
              default=None)
    if top is not None and top.share >= 0.5 and engagers > 1:
        hints.append(f"One engager carries {100 * top.share:.0f}% of the score.")
    if len(person["networks"]) > 1 and by_network and by_network[0].share >= 0.8:
        hints.append(f"{100 * by_network[0].share:.0f}% of the score comes from "
                     f"{by_network[0].name}; the other linked networks add little.")
    if (person["confidence"] or 0.0) < 0.5:
        hints.append(f"Low confidence ({person['confidence']:.2f}): little data supports this "
                     "score, so it can move a lot with new engagement.")
    last, asof = person["last_engaged"], person["asof"]
    if last is not None and asof is not None and asof - last > params.half_life_s:
        days = (asof - last) // DAY_S
        hints.append(f"No new engagement for {days} days: older engagement fades with a "
                     f"{params.half_life_days:g}-day half-life.")
    new_engagers = sum(1 for e in edges if (e["trust"] or 0.0) < 0.5)
    if new_engagers and new_engagers >= 0.3 * len(edges):
        hints.append(f"{new_engagers} engagers are new or unengaged accounts (low trust); "
                     "their engagement is discounted.")
    if any((e["pod"] or 1.0) < 1.0 for e in edges):
        hints.append("Some engagement is reciprocal inside a tight group (a possible "
                     "engagement pod) and is discounted.")
    return hints
