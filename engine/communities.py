"""Topic communities and people communities, computed by GDS Louvain (or Leiden).

* **Topic communities**: topics are nodes; two topics are linked with weight
  ``posts tagged with both + audience_weight * accounts that posted on both`` (co-occurrence
  plus shared audience; each account counts its ``max_topics_per_account`` most used topics).
  Each community is stored as ``(:TopicCommunity {id, name, size, posts, topics, modularity})``
  named by its three largest topics, and each topic gets ``t.community``.
* **People communities**: the person interaction graph of the score (same kind weights,
  decay and window), undirected, stored as ``p.community``.

Both runs store a ``(:CommunitySummary {kind, communities, modularity, ...})``. Louvain runs
with concurrency 1, so a run on the same graph gives the same communities.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from influence.domain import PublishPolicy, published_states
from influence.engine import community_queries as q
from influence.engine.graph_reads import check_skip
from influence.engine.model import ModelParams
from influence.engine.projection import project_pairs
from influence.engine.queries import DROP_GRAPH
from influence.engine.scoring import PairGraph, pair_graph
from influence.store import Query, QueryRunner

Algorithm = Literal["louvain", "leiden"]
SEED = 42


@dataclass(frozen=True)
class CommunityRun:
    """What one community detection did."""

    kind: str
    algorithm: str
    nodes: int
    relationships: int
    communities: int
    modularity: float
    seconds: float


@dataclass(frozen=True)
class TopicCommunity:
    """A cluster of related topics, named by its largest topics."""

    id: int
    name: str
    size: int
    posts: int
    topics: tuple[str, ...]
    modularity: float


@dataclass(frozen=True)
class PeopleCommunity:
    """A community of people; ``top`` lists only people the publish policy lets us show."""

    id: int
    size: int
    top: tuple[str, ...]
    topics: tuple[str, ...]


def mutate_query(algorithm: Algorithm) -> Query:
    """The GDS mutate procedure for an algorithm."""
    return q.LEIDEN_MUTATE if algorithm == "leiden" else q.LOUVAIN_MUTATE


def stream_query(algorithm: Algorithm) -> Query:
    """The GDS stream procedure for an algorithm."""
    return q.LEIDEN_STREAM if algorithm == "leiden" else q.LOUVAIN_STREAM


def _detect(store: QueryRunner, graph: str, projected: list[dict[str, int]],
            algorithm: Algorithm, prop: str) -> tuple[int, int, int, float]:
    nodes = projected[0]["nodes"] if projected else 0
    rels = projected[0]["relationships"] if projected else 0
    try:
        if not nodes:
            return 0, 0, 0, 0.0
        result = store.write_rows(mutate_query(algorithm), graph=graph, property=prop, seed=SEED)
        store.write_rows(q.WRITE_COMMUNITY, graph=graph, property=prop)
        return nodes, rels, int(result[0]["communities"]), float(result[0]["modularity"])
    finally:
        if projected:
            store.write_rows(DROP_GRAPH, graph=graph)


def compute_topic_communities(store: QueryRunner, algorithm: Algorithm = "louvain", *,
                              audience_weight: float = 1.0, max_topics_per_account: int = 50,
                              name_topics: int = 3) -> CommunityRun:
    """Cluster topics by co-occurrence and shared audience and store the communities.

    Args:
        store: the database.
        algorithm: ``louvain`` (default) or ``leiden``.
        audience_weight: weight of one shared poster relative to one shared post.
        max_topics_per_account: cap on each account's topics (bounds the pair count).
        name_topics: how many top topics name a community.

    Returns:
        A summary with the number of communities and the modularity.
    """
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    graph = f"topic-communities-{run_id}"
    store.write(q.CLEAR_TOPIC_COMMUNITIES)
    projected = store.write_rows(q.PROJECT_TOPIC_GRAPH, graph=graph,
                                 audience_weight=audience_weight,
                                 max_topics_per_account=max_topics_per_account)
    nodes, rels, count, modularity = _detect(store, graph, projected, algorithm, "community")
    now = int(time.time())
    if nodes:
        store.write_rows(q.NAME_TOPIC_COMMUNITIES, name_topics=name_topics,
                         modularity=modularity, algorithm=algorithm, run=run_id, now=now)
    seconds = time.monotonic() - started
    store.write(q.SAVE_SUMMARY, kind="topics", communities=count, modularity=modularity,
                algorithm=algorithm, members=nodes, run=run_id, now=now, seconds=seconds)
    return CommunityRun("topics", algorithm, nodes, rels, count, modularity, seconds)


def compute_people_communities(store: QueryRunner, params: ModelParams,
                               asof: int | None = None, algorithm: Algorithm = "louvain", *,
                               pairs: PairGraph | None = None) -> CommunityRun:
    """Cluster people on the (undirected) interaction graph of the score; store ``p.community``.

    Args:
        store: the database.
        params: the model parameters (kind weights, half-life, window).
        asof: date of the interaction window as epoch seconds; default now.
        algorithm: ``louvain`` (default) or ``leiden``.
        pairs: the score's pair graph, when a recompute just computed it (no second read).

    Returns:
        A summary with the number of communities and the modularity.
    """
    started = time.monotonic()
    asof = int(time.time()) if asof is None else asof
    run_id = uuid.uuid4().hex
    graph = f"people-communities-{run_id}"
    store.auto_commit(q.CLEAR_PEOPLE_COMMUNITIES)
    pairs = pairs if pairs is not None else pair_graph(store, params, asof)
    projected = project_pairs(
        store, by_value=q.PROJECT_PEOPLE_GRAPH, by_file=q.PROJECT_PEOPLE_GRAPH_FILE, graph=graph,
        sources=pairs.sources, targets=pairs.targets, weights=np.log1p(pairs.strength)) \
        if len(pairs.sources) else []
    nodes, rels, count, modularity = _detect(store, graph, projected, algorithm, "community")
    seconds = time.monotonic() - started
    store.write(q.SAVE_SUMMARY, kind="people", communities=count, modularity=modularity,
                algorithm=algorithm, members=nodes, run=run_id, now=int(time.time()),
                seconds=seconds)
    return CommunityRun("people", algorithm, nodes, rels, count, modularity, seconds)


def summary(store: QueryRunner, kind: Literal["topics", "people"]) -> dict[str, object] | None:
    """The stored summary of the last run of a kind (None before the first run)."""
    rows = store.read(q.SUMMARY, kind=kind)
    return rows[0] if rows else None


def topic_communities(store: QueryRunner, first: int = 20, skip: int = 0,
                      topics: int | None = 10) -> list[TopicCommunity]:
    """A page of the stored topic communities, largest first.

    Args:
        first: communities per page.
        skip: communities before the page.
        topics: the largest topics listed per community (None: all of them).
    """
    return [TopicCommunity(r["id"], r["name"], r["size"], r["posts"], tuple(r["topics"]),
                           r["modularity"])
            for r in store.read(q.TOPIC_COMMUNITIES, first=first, skip=check_skip(skip),
                                topics=topics)]


def people_communities(store: QueryRunner, policy: PublishPolicy, first: int = 20,
                       skip: int = 0, members: int = 5) -> list[PeopleCommunity]:
    """A page of the stored people communities, largest first.

    Sizes count everyone; the listed top members (by score, up to ``members``) and the
    community's three top topics come only from people the publish policy lets us show.
    """
    rows = store.read(q.PEOPLE_COMMUNITIES, states=published_states(policy), first=first,
                      skip=check_skip(skip), members=members)
    return [PeopleCommunity(r["id"], r["size"], tuple(r["top"]), tuple(r["topics"]))
            for r in rows]


def count_communities(store: QueryRunner, kind: Literal["topics", "people"]) -> int:
    """How many communities of a kind are stored."""
    query = q.COUNT_TOPIC_COMMUNITIES if kind == "topics" else q.COUNT_PEOPLE_COMMUNITIES
    return int(store.read(query)[0]["n"])


def detect_partition(store: QueryRunner, edges: dict[tuple[int, int], float], nodes: int, *,
                     algorithm: Algorithm = "louvain", directed: bool = False) -> list[int]:
    """Communities of an edge list held in memory, with GDS; nothing is written to the database.

    The edges (integer node ids ``0 .. nodes-1``, one weight per pair) are projected straight
    from parameters into a GDS in-memory graph, run through Louvain or Leiden and dropped.
    ``directed`` keeps directions (Louvain only; Leiden always symmetrises).

    Returns:
        The community of each node; nodes without an edge are singletons.
    """
    name = f"detect-communities-{uuid.uuid4().hex}"
    store.write_rows(q.PROJECT_EDGE_LIST, graph=name,
                     edges=[[a, b, w] for (a, b), w in edges.items()],
                     undirected=[] if directed else ["*"])
    try:
        rows = store.read(stream_query(algorithm), graph=name, seed=SEED)
    finally:
        store.write_rows(DROP_GRAPH, graph=name)
    partition = list(range(nodes, 2 * nodes))  # singletons unless detected
    for row in rows:
        partition[row["node"]] = int(row["community"])
    return partition
