"""Weighted person pairs into a GDS graph, by value or through a file the server reads.

A Cypher-aggregation projection (``gds.graph.project`` over rows) takes its rows either from
parameters (three lists in one request) or from ``LOAD CSV`` of a file in the server's import
folder. Parameters need no shared folder but the whole request sits in the server's heap as
boxed values: at 30M interactions (28M pairs) a 6 GB heap did not take it within the driver's
timeout (bench/results/spark.md). The file streams: 3M random pairs projected in 6.2-7.9 s
against 11.7-16.4 s by value (two runs each, 2 GB heap), and with it the 30M recompute
completed (bench/results/spark.md, 18:57). The file is used when the store has a folder the server
reads (``Store.import_dir``: the local server's own, or ``INFLUENCE_NEO4J_IMPORT_DIR``) and
there are at least :data:`FILE_PAIRS` pairs.

PageRank's pairs (``shares=True``) are each pair's share of its source's total weight (the
caller divides: weighted PageRank divides every weight by its source's total, so shares give
the same ranks), written as float32: shorter numbers parse faster, and a share cannot
underflow the way a raw decayed weight could (on the 1M benchmark, with the legacy Cypher
projection, :data:`~influence.engine.queries.PROJECT_PAIRS_FILE`, 1.7-1.9 s; float32 and a
Cypher aggregation 2.5 s; full doubles and a Cypher aggregation 2.9-3.2 s; 2-3 runs each).
"""

from __future__ import annotations

import uuid

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from influence.errors import EnvironmentProblemError
from influence.store import Query, QueryRunner, Row

FILE_PAIRS = 100_000
"""From this many pairs on, a store with an import folder gets them as a file."""


def project_pairs(store: QueryRunner, *, by_value: Query, by_file: Query, graph: str,
                  sources: np.ndarray, targets: np.ndarray, weights: np.ndarray,
                  nodes: np.ndarray | None = None, shares: bool = False) -> list[Row]:
    """Run ``by_value`` (``$sources``, ``$targets``, ``$weights``) or ``by_file`` (``$url`` of
    a headerless CSV: source, target, weight), both with ``$graph``; the projection's rows.
    ``nodes``: the pairs' distinct node ids, as ``$nodes`` of a file query that lists its nodes
    (GDS's legacy Cypher projection). ``shares``: the weights are shares of their source's
    total (PageRank), written to a file as float32."""
    folder = store.import_dir
    if folder is None or len(sources) < FILE_PAIRS:
        return store.write_rows(by_value, graph=graph, sources=sources.tolist(),
                                targets=targets.tolist(), weights=weights.tolist())
    name = f"influence-pairs-{uuid.uuid4().hex}.csv"
    path = folder / name
    params = {} if nodes is None else {"nodes": nodes.tolist()}
    try:
        try:
            table = pa.table({"source": np.asarray(sources, dtype=np.int64),
                              "target": np.asarray(targets, dtype=np.int64),
                              "weight": np.asarray(weights, dtype=np.float32 if shares
                                                   else np.float64)})
            pa_csv.write_csv(table, path, pa_csv.WriteOptions(include_header=False))
        except OSError as error:
            raise EnvironmentProblemError(
                f"Could not write the {len(sources):,} projection pairs to {path}: {error}",
                hint="INFLUENCE_NEO4J_IMPORT_DIR must be a writable folder the server reads "
                     "file:/// URLs from; unset it to send the pairs in the request.") from error
        return store.write_rows(by_file, graph=graph, url=f"file:///{name}", **params)
    finally:
        path.unlink(missing_ok=True)
