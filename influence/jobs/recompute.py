"""The recompute job: everything derived from the interactions, in the engine's order.

1. influence scores (with sub-scores, confidence, percentiles and the dated snapshot);
2. topic scores (one PageRank per topic);
3. topic communities and people communities (GDS Louvain or Leiden).

The CLI's ``influence score`` / ``influence topics compute`` / ``influence recompute``, the
client's ``recompute()``, the GraphQL ``recompute`` mutation and ``consent erase --rescore``
all run this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from influence.engine import generation
from influence.engine.communities import (
    Algorithm,
    CommunityRun,
    compute_people_communities,
    compute_topic_communities,
)
from influence.engine.model import ModelParams
from influence.engine.scoring import PairGraph, ScoreRun, compute_scores_with_pairs
from influence.engine.topics import TopicRun, compute_topic_scores, list_topics
from influence.errors import InvalidInputError
from influence.jobs.progress import SILENT, Progress
from influence.store import QueryRunner

ALGORITHMS: tuple[Algorithm, ...] = ("louvain", "leiden")


@dataclass(frozen=True)
class RecomputeReport:
    """What a recompute did; a step that was not asked for is ``None``."""

    asof: int
    scores: ScoreRun | None
    topics: TopicRun | None
    topic_communities: CommunityRun | None
    people_communities: CommunityRun | None
    seconds: float


def algorithm(value: str) -> Algorithm:
    """The community algorithm named ``value``.

    Raises:
        InvalidInputError: not ``louvain`` or ``leiden``.
    """
    for known in ALGORITHMS:
        if value == known:
            return known
    raise InvalidInputError(f"Unknown algorithm {value!r}.", hint="Use louvain or leiden.")


def recompute(store: QueryRunner, params: ModelParams, asof: int | None = None, *,
              scores: bool = True, topics: bool = True, communities: bool = True,
              community_algorithm: Algorithm = "louvain",
              progress: Progress = SILENT) -> RecomputeReport:
    """Recompute the steps asked for, as of one date.

    Args:
        store: the database.
        params: the model parameters.
        asof: scoring date as epoch seconds; default now. Events after it are ignored, older
            ones decay towards it.
        scores: recompute the influence scores and their snapshot.
        topics: recompute topic scores.
        communities: recompute topic and people communities.
        community_algorithm: ``louvain`` or ``leiden``.
        progress: told about each step (and each topic).

    Returns:
        What each step did.
    """
    started = time.monotonic()
    when = int(time.time()) if asof is None else asof
    score_run = topic_run = topic_comms = people_comms = None
    pairs: PairGraph | None = None
    if scores:
        progress.stage("recompute: influence scores", 1)
        score_run, pairs = compute_scores_with_pairs(store, params, asof=when)
        progress.advance()
        progress.note(f"scored {score_run.people_in_graph} people over "
                      f"{score_run.engagement_pairs} engagement pairs in "
                      f"{score_run.seconds:.1f}s (half-life {score_run.half_life_days:g} days; "
                      f"PageRank {score_run.iterations} iterations, "
                      f"converged={score_run.converged})")
    if topics:
        progress.stage("recompute: topic scores", len(list_topics(store, 1_000_000)))
        topic_run = compute_topic_scores(store, params, asof=when,
                                         on_topic=lambda _: progress.advance())
        progress.note(f"topic scores: {topic_run.scores_written} (person, topic) scores on "
                      f"{topic_run.topics_scored}/{topic_run.topics} topics from "
                      f"{topic_run.engagement_pairs} engagement pairs in "
                      f"{topic_run.seconds:.1f}s")
    if communities:
        progress.stage("recompute: communities", 2)
        topic_comms = compute_topic_communities(store, community_algorithm)
        progress.advance()
        people_comms = compute_people_communities(store, params, asof=when,
                                                  algorithm=community_algorithm, pairs=pairs)
        progress.advance()
        for run in (topic_comms, people_comms):
            progress.note(f"{run.kind} communities ({run.algorithm}): {run.communities} over "
                          f"{run.nodes} {'topics' if run.kind == 'topics' else 'people'}, "
                          f"modularity {run.modularity:.3f}, {run.seconds:.1f}s")
    generation.bump(store)  # the API's cached answers are dropped
    return RecomputeReport(when, score_run, topic_run, topic_comms, people_comms,
                           time.monotonic() - started)
