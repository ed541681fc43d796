"""Computes influence scores in Neo4j with GDS and writes them onto people (docs/MODEL.md)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from influence.engine import queries as q
from influence.engine.model import ModelParams
from influence.engine.privacy.consent import clear_objected_scores
from influence.store import QueryRunner
from influence.timeutil import DAY_S


@dataclass(frozen=True)
class ScoreRun:
    """What one recompute did."""

    run_id: str
    asof: int
    people_in_graph: int
    engagement_pairs: int
    iterations: int
    converged: bool
    seconds: float


def compute_scores(store: QueryRunner, params: ModelParams, asof: int | None = None) -> ScoreRun:
    """Recompute every person's score as of a date and keep a dated snapshot.

    Steps (each one named Cypher/GDS statement, see docs/MODEL.md): engager->target edges with
    decayed kind-weighted strength; pod factors; engager trust and attention-normalised edge
    weights; GDS weighted PageRank on those edges; edge credit blended from weight and the
    engager's PageRank standing; 1-100 scale, confidence, per-network sub-scores; percentiles;
    the snapshot for ``asof`` (replaced when the same date is recomputed).

    Args:
        store: the database.
        params: the model parameters.
        asof: scoring date as epoch seconds; default now. Only interactions at or before it
            (and inside the window) count.

    Returns:
        A summary of the run.
    """
    started = time.monotonic()
    asof = int(time.time()) if asof is None else asof
    run_id = uuid.uuid4().hex
    graph = f"influence-{run_id}"
    base = 1.0 - params.damping
    store.auto_commit(q.CLEAR_INFLUENCE)
    store.auto_commit(q.RESET_PAGERANK)
    store.auto_commit(q.BUILD_INFLUENCE, asof=asof, window_s=params.window_days * DAY_S,
                      half_life_s=params.half_life_days * DAY_S, weights=params.kind_weights)
    store.auto_commit(q.POD_FACTORS, tolerance=params.pod_tolerance)
    store.auto_commit(q.TRUST_AND_WEIGHTS, asof=asof, day_s=DAY_S, floor=params.trust_floor,
                      age_scale=params.trust_age_days, received_scale=params.trust_received,
                      budget=params.attention_budget)
    projected = store.write_rows(q.PROJECT_INFLUENCE, graph=graph)
    nodes, pairs, iterations, converged = 0, 0, 0, True
    try:
        nodes = projected[0]["nodes"] if projected else 0
        pairs = projected[0]["relationships"] if projected else 0
        if nodes:
            result = store.write_rows(
                q.PAGERANK_WRITE, graph=graph, damping=params.damping,
                max_iterations=params.max_iterations, tolerance=params.tolerance,
            )[0]
            iterations, converged = result["iterations"], result["converged"]
    finally:
        if projected:
            store.write_rows(q.DROP_GRAPH, graph=graph)
    store.auto_commit(q.EDGE_CREDIT, blend=params.propagation_blend, base=base)
    store.auto_commit(q.SCORE_PEOPLE, midpoint=params.score_midpoint, run=run_id, asof=asof,
                      conf_engagers=params.confidence_engagers,
                      conf_interactions=params.confidence_interactions)
    clear_objected_scores(store)  # objection to profiling: no score (docs/PRIVACY.md)
    store.write(q.PERCENTILES)
    store.auto_commit(q.WRITE_SNAPSHOTS, asof=asof, run=run_id)
    return ScoreRun(run_id, asof, nodes, pairs, iterations, converged,
                    time.monotonic() - started)


def forget_person_scores(store: QueryRunner, person_id: str) -> int:
    """Delete a person's score snapshots and model edges (for erasure on opt-out).

    Args:
        store: the database.
        person_id: the person being erased.

    Returns:
        How many snapshots were deleted.
    """
    rows = store.write_rows(q.FORGET_PERSON_SCORES, id=person_id)
    return int(rows[0]["removed"]) if rows else 0
