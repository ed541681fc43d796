"""Community detection against ground-truth labels: NMI, ARI and modularity (GDS Louvain or
Leiden, or label propagation on Spark, on a labelled graph such as email-Eu-core's departments
or polbooks' leanings)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, get_args

from influence.engine.communities import Algorithm, detect_partition
from influence.loaders.labelled import LabelledGraph
from influence.store import QueryRunner

Evaluated = Algorithm | Literal["spark-lpa"]
"""What the evaluation compares: GDS's algorithms, or Spark's label propagation
(:func:`influence.engine.spark.label_propagation`, the one that runs at Spark's scale)."""
EVALUATED: tuple[Evaluated, ...] = (*get_args(Algorithm), "spark-lpa")


@dataclass(frozen=True)
class CommunityEvaluation:
    """Communities found on a labelled graph, scored against its labels."""

    algorithm: str
    directed: bool
    nodes: int
    edges: int
    labelled_nodes: int
    label_classes: int
    communities: int
    nmi: float
    ari: float
    modularity: float
    labels_modularity: float
    seconds: float


def _modularity(edges: dict[tuple[int, int], float], nodes: int, partition: list[int],
                directed: bool) -> float:
    import networkx as nx
    from networkx.algorithms.community import modularity

    g: nx.Graph[int] = nx.DiGraph() if directed else nx.Graph()
    g.add_nodes_from(range(nodes))
    g.add_weighted_edges_from((a, b, w) for (a, b), w in edges.items())
    groups: dict[int, set[int]] = {}
    for node, community in enumerate(partition):
        groups.setdefault(community, set()).add(node)
    return float(modularity(g, list(groups.values()), weight="weight"))


def evaluate_communities(store: QueryRunner | None, graph: LabelledGraph, *,
                         directed: bool = False,
                         algorithm: Evaluated = "louvain") -> CommunityEvaluation:
    """Detect communities on a labelled graph and compare them to the labels.

    The edge list goes straight into a GDS in-memory graph
    (:func:`influence.engine.communities.detect_partition`; nothing is written to the
    database). Undirected (default): ``a-b`` and ``b-a`` merge into one edge of
    summed weight. ``directed`` keeps directions for Louvain and modularity (Leiden needs an
    undirected graph and always symmetrises). Nodes without an edge are singleton communities.
    ``spark-lpa`` runs label propagation in a local Spark session instead (undirected; no
    ``store`` needed).

    Returns:
        NMI and ARI (scikit-learn) of the found communities against the labels over the
        labelled nodes, the found partition's modularity and, for reference, the labels'.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    started = time.monotonic()
    directed = directed and algorithm == "louvain"
    merged: dict[tuple[int, int], float] = {}
    for a, b, w in graph.edges:
        key = (a, b) if directed else (min(a, b), max(a, b))
        merged[key] = merged.get(key, 0.0) + w
    nodes = len(graph.names)
    if algorithm == "spark-lpa":
        from influence.engine import spark

        partition, _ = spark.label_propagation(spark.session(), merged, nodes)
    else:
        if store is None:
            raise ValueError("GDS algorithms need a store")
        partition = detect_partition(store, merged, nodes, algorithm=algorithm,
                                     directed=directed)
    labelled = sorted(graph.labels)
    truth = [graph.labels[n] for n in labelled]
    found = [partition[n] for n in labelled]
    codes = {label: i for i, label in enumerate(sorted(set(graph.labels.values())))}
    label_partition = [codes[graph.labels[n]] if n in graph.labels else -1 - n
                       for n in range(nodes)]
    return CommunityEvaluation(
        algorithm=algorithm, directed=directed, nodes=nodes, edges=len(merged),
        labelled_nodes=len(labelled), label_classes=len(codes),
        communities=len(set(partition)),
        nmi=float(normalized_mutual_info_score(truth, found)),
        ari=float(adjusted_rand_score(truth, found)),
        modularity=_modularity(merged, nodes, partition, directed),
        labels_modularity=_modularity(merged, nodes, label_partition, directed),
        seconds=time.monotonic() - started,
    )
