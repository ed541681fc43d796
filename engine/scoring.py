"""Computes influence scores in Neo4j with GDS and writes them onto people."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from influence.engine import queries as q
from influence.engine.consent import clear_objected_scores
from influence.engine.model import ModelParams
from influence.store import QueryRunner

DAY_S = 86_400


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
    """Project the person influence graph, run weighted PageRank, scale to 1-100.

    Args:
        store: the database.
        params: the model parameters.
        asof: scoring date as epoch seconds; default now.

    Returns:
        A summary of the run.
    """
    started = time.monotonic()
    asof = int(time.time()) if asof is None else asof
    run_id = uuid.uuid4().hex
    graph = f"influence-{run_id}"
    store.auto_commit(q.RESET_PAGERANK)
    projected = store.write_rows(
        q.PROJECT_INFLUENCE, graph=graph, asof=asof, window_s=params.window_days * DAY_S,
        half_life_s=params.half_life_days * DAY_S, weights=params.kind_weights,
    )
    try:
        nodes = projected[0]["nodes"] if projected else 0
        pairs = projected[0]["relationships"] if projected else 0
        iterations, converged = 0, True
        if nodes:
            result = store.write_rows(
                q.PAGERANK_WRITE, graph=graph, damping=params.damping,
                max_iterations=params.max_iterations, tolerance=params.tolerance,
            )[0]
            iterations, converged = result["iterations"], result["converged"]
    finally:
        store.write_rows(q.DROP_GRAPH, graph=graph)
    # An unengaged person keeps GDS's teleport share, 1 - damping: that is score 1.
    store.write(q.SCALE_SCORES, base=1.0 - params.damping, reference=params.scale_reference,
                run=run_id)
    clear_objected_scores(store)  # objection to profiling: no score (docs/PRIVACY.md)
    store.write(q.PERCENTILES)
    return ScoreRun(run_id, asof, nodes, pairs, iterations, converged,
                    time.monotonic() - started)
