"""Attribution and history arithmetic of explanations, on recorded query answers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from influence.engine.explain import NO_ENGAGEMENT, explain
from influence.engine.model import ModelParams
from influence.engine.reads import score_history
from influence.errors import ConsentDeniedError, NotFoundError
from tests.fakes import RecordingStore

PARAMS = ModelParams(half_life_days=90.0)  # a run stores the half-life it used
ASOF = 1_000 + 200 * 86_400
PERSON = {"id": "x:1", "consent": "opted_in", "score": 40.0, "percentile": 90.0,
          "confidence": 0.3, "slot": 0, "networks": ["a", "b"]}
MINE = {"raw": 4.0, "engagers": 3, "interactions": 7, "last_engaged": 1_000}
# Each engager: what the recompute knew of them (trust, PageRank, pod factor on x:1) and the
# credit the explanation must find: log(1 + strength) * pod * attention * trust * standing
# factor, with a PageRank at the teleport share (standing 1, factor 1).
EDGES = [
    {"engager": "x:2", "consent": "opted_in", "slot": 2, "networks": ["a", "b"],
     "kinds": ["reply", "like"], "parts": [3.0, 1.0], "interactions": 4,
     "trust": 1.0, "pod": 1.0, "credit": 2.0},
    {"engager": "x:3", "consent": "unknown", "slot": 3, "networks": ["a"],
     "kinds": ["reply"], "parts": [3.0], "interactions": 2, "trust": 0.9, "pod": 0.5,
     "credit": 1.5},
    {"engager": "x:4", "consent": "opted_in", "slot": 4, "networks": ["b"],
     "kinds": ["like"], "parts": [0.5], "interactions": 1, "trust": 0.02, "pod": 1.0,
     "credit": 0.5},
]


def _store(person: dict[str, Any], edges: list[dict[str, Any]],
           mine: dict[str, Any] = MINE) -> RecordingStore:
    size = 10
    chunk: dict[str, Any] = {name: [math.nan] * size for name in
                             ("raw", "pagerank", "trust", "attention")}
    chunk.update({name: [-1] * size for name in ("engagers", "interactions", "last_engaged")})
    for name, value in mine.items():
        chunk[name][0] = -1 if value is None else value
    pods: list[tuple[int, float]] = []
    for e in edges:
        strength = sum(e["parts"])
        chunk["trust"][e["slot"]] = e["trust"]
        chunk["pagerank"][e["slot"]] = 1.0 - PARAMS.damping
        chunk["attention"][e["slot"]] = e["credit"] / (math.log1p(strength) * e["pod"]
                                                       * e["trust"])
        if e["pod"] < 1.0:
            pods.append((e["slot"], e["pod"]))
    chunk.update(chunk=0, pod_sources=[s for s, _ in pods], pod_targets=[0] * len(pods),
                 pod_factors=[f for _, f in pods])
    engagers = [{k: e[k] for k in ("engager", "consent", "slot", "networks", "kinds", "parts",
                                   "interactions")} for e in edges]
    return RecordingStore(answers={
        "explain_person": [person], "explain_engagers": engagers, "score_run_chunks": [chunk],
        "current_score_run": [{"run": "r1", "asof": ASOF, "chunk_size": size,
                               "params": PARAMS.model_dump_json()}]})


def test_contributions_split_the_score_by_credit_and_part_strength() -> None:
    why = explain(_store(PERSON, EDGES), "x:1", "not_opted_out")
    # x:2 carries 2/4 of 40 = 20, split 15 (a, reply) / 5 (b, like); x:3 15; x:4 5.
    assert {c.name: c.contribution for c in why.by_network} == {"a": 30.0, "b": 10.0}
    assert {c.name: c.contribution for c in why.by_kind} == {"reply": 30.0, "like": 10.0}
    assert [(p.person_id, p.contribution, p.share) for p in why.top_people] == [
        ("x:2", 20.0, 0.5), ("x:3", 15.0, 0.375), ("x:4", 5.0, 0.125)]


def test_hidden_engagers_are_pooled_anonymously_and_the_rest_as_others() -> None:
    why = explain(_store(PERSON, EDGES), "x:1", "opted_in", first=1)
    assert [(p.person_id, p.contribution, p.people, p.anonymous) for p in why.top_people] == [
        ("x:2", 20.0, 1, False), (None, 15.0, 1, True), (None, 5.0, 1, False)]
    assert math.isclose(sum(p.contribution for p in why.top_people), why.score)


def test_hints_name_what_limits_the_score() -> None:
    hints = " ".join(explain(_store(PERSON, EDGES), "x:1", "opted_in").hints)
    assert "Few distinct engagers (3)" in hints
    assert "Low confidence (0.30)" in hints
    assert "No new engagement for 200 days" in hints
    assert "possible engagement pod" in hints
    assert "One engager carries 50% of the score." in hints
    assert "comes from a" not in hints  # network a carries 75 %, under the 80 % threshold
    dominant = " ".join(explain(_store(PERSON, EDGES[:2]), "x:1", "opted_in").hints)
    assert "86% of the score comes from a" in dominant  # (1.5 + 1.5) / 3.5


def test_nobody_engaged_means_the_floor_and_no_people() -> None:
    floor = {**PERSON, "score": 1.0, "confidence": 0.0}
    why = explain(_store(floor, [], {"raw": 0.0, "engagers": 0, "interactions": 0,
                                     "last_engaged": None}), "x:1", "opted_in")
    assert [(c.name, c.contribution) for c in why.by_network] == [(NO_ENGAGEMENT, 1.0)]
    assert why.top_people == ()


def test_unpublished_or_unknown_people_are_refused() -> None:
    with pytest.raises(ConsentDeniedError):
        explain(_store({**PERSON, "consent": "unknown"}, EDGES), "x:1", "opted_in")
    with pytest.raises(NotFoundError):
        explain(RecordingStore(), "nobody", "opted_in")


def test_history_reports_the_change_from_the_previous_snapshot() -> None:
    store = RecordingStore(answers={
        "person": [{"id": "x:1", "consent": "opted_in", "score": 41.0, "percentile": 90.0,
                    "accounts": []}],
        "score_history": [
            {"asof": 2, "score": 40.0, "percentile": 90.0, "confidence": 0.3},
            {"asof": 3, "score": 41.5, "percentile": 91.0, "confidence": 0.3}],
        "previous_snapshot": [{"score": 40.25}],
    })
    points = score_history(store, "x:1", 2, 3, "opted_in")
    assert [(p.asof, p.change) for p in points] == [(2, -0.25), (3, 1.5)]
    assert dict(store.calls)["previous_snapshot"] == {"id": "x:1", "before": 2,
                                                      "chunk_size": 1000}
