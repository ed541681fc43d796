"""Rank arithmetic shared by the engine and its evaluations: PageRank on edge arrays (GDS's
formula) and percentiles (the share of scores strictly below)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy import sparse


def pagerank(sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray,
             weights: Sequence[float] | np.ndarray | None, nodes: int, *, damping: float,
             tolerance: float, max_iterations: int, teleport: np.ndarray | None = None,
             dangling: Literal["drop", "spread"] = "drop") -> tuple[np.ndarray, int]:
    """Weighted PageRank by power iteration on edge arrays.

    With ``dangling="drop"`` this is exactly what GDS computes (unnormalised, the mass of
    nodes without out-edges is dropped): ``raw_i = (1 - d) * t_i + d * sum_j raw_j * w_ji /
    W_j``, iterated from ``(1 - d) * t`` until no score moves by more than ``tolerance``.
    Without ``teleport`` every ``t_i`` is 1; with it, ``t`` is the personalisation vector
    (GDS personalised PageRank with ``sourceNodes`` is ``t_i = 1`` on the sources). With
    ``dangling="spread"`` it is the textbook PageRank: scores sum to 1 and the mass of
    dangling nodes is spread evenly (networkx's ``pagerank``), convergence measured in L1.

    Args:
        sources, targets: edge endpoints as node indices.
        weights: edge weights (``None``: every edge weighs 1).
        nodes: the number of nodes.

    Returns:
        The scores by node index, and the number of iterations run.
    """
    src = np.asarray(sources, dtype=np.int64)
    dst = np.asarray(targets, dtype=np.int64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    out = np.bincount(src, weights=w, minlength=nodes)
    norm = np.divide(w, out[src], out=np.zeros_like(w), where=out[src] > 0)
    matrix = sparse.csr_matrix((norm, (dst, src)), shape=(nodes, nodes))
    if dangling == "spread":
        return _textbook(matrix, out == 0, nodes, damping=damping, tolerance=tolerance,
                        max_iterations=max_iterations)
    if teleport is None:
        base: float | np.ndarray = 1.0 - damping
    else:
        if teleport.shape != (nodes,) or bool(np.any(teleport < 0)):
            raise ValueError("teleport must be a non-negative vector with one entry per node")
        base = (1.0 - damping) * teleport.astype(np.float64)
    raw = np.full(nodes, base) if teleport is None else np.array(base, dtype=np.float64)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        new = base + damping * (matrix @ raw)
        delta = float(np.max(np.abs(new - raw))) if nodes else 0.0
        raw = new
        if delta < tolerance:
            break
    return raw, iterations


def _textbook(matrix: sparse.csr_matrix, dangling: np.ndarray, nodes: int, *, damping: float,
              tolerance: float, max_iterations: int) -> tuple[np.ndarray, int]:
    rank = np.full(nodes, 1.0 / nodes) if nodes else np.zeros(0)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        spread = damping * rank[dangling].sum() / nodes + (1.0 - damping) / nodes
        new = damping * (matrix @ rank) + spread
        delta = float(np.abs(new - rank).sum())
        rank = new
        if delta < tolerance:
            break
    return rank, iterations


def percentiles(scores: Sequence[float]) -> list[float]:
    """Share of scores strictly below each score, in percent with one decimal.

    The definition of every percentile the engine shows (overall and topic scores).
    """
    ordered = sorted(scores)
    n = len(ordered)
    return [round(1000.0 * bisect.bisect_left(ordered, s) / n) / 10.0 for s in scores]
