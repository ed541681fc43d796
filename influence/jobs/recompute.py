"""The recompute job: everything derived from the interactions, in the engine's order.

1. influence scores (with sub-scores, confidence, percentiles and the dated snapshot), on
   GDS or, from the Parquet event log, on Apache Spark (``engine="spark"``);
2. topic scores (one PageRank per topic);
3. topic communities and people communities (GDS Louvain or Leiden).

The CLI's ``influence score`` / ``influence topics compute`` / ``influence recompute``, the
client's ``recompute()``, the GraphQL ``recompute`` mutation and ``consent erase --rescore``
all run this.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from influence.engine import generation
from influence.engine.communities import (
    Algorithm,
    CommunityRun,
    compute_people_communities,
    compute_topic_communities,
)
from influence.engine.model import ModelParams
from influence.engine.scoring import (
    PairGraph,
    ScoreRun,
    compute_scores_with_pairs,
    write_external,
)
from influence.engine.spark import SparkOptions
from influence.engine.topics import TopicRun, compute_topic_scores, list_topics
from influence.errors import InvalidInputError
from influence.jobs.progress import SILENT, Progress
from influence.store import QueryRunner

ALGORITHMS: tuple[Algorithm, ...] = ("louvain", "leiden")
Engine = Literal["gds", "spark"]
ENGINES: tuple[Engine, ...] = ("gds", "spark")
Name = TypeVar("Name", bound=str)


@dataclass(frozen=True)
class SparkJob:
    """How the Spark engine runs: the event log it reads (None: written from the graph into
    a temporary folder first) and the session's options."""

    log: Path | None = None
    options: SparkOptions = field(default_factory=SparkOptions)


@dataclass(frozen=True)
class RecomputeReport:
    """What a recompute did; a step that was not asked for is ``None``."""

    asof: int
    scores: ScoreRun | None
    topics: TopicRun | None
    topic_communities: CommunityRun | None
    people_communities: CommunityRun | None
    seconds: float


def one_of(value: str, known: tuple[Name, ...], what: str) -> Name:
    """``value`` as one of the names in ``known``.

    Raises:
        InvalidInputError: none of them (the hint lists them).
    """
    for name in known:
        if value == name:
            return name
    raise InvalidInputError(f"Unknown {what} {value!r}.",
                            hint=f"Use {' or '.join(known)}.")


def algorithm(value: str) -> Algorithm:
    """The community algorithm named ``value``.

    Raises:
        InvalidInputError: not ``louvain`` or ``leiden``.
    """
    return one_of(value, ALGORITHMS, "algorithm")


def engine(value: str) -> Engine:
    """The scoring engine named ``value``.

    Raises:
        InvalidInputError: not ``gds`` or ``spark``.
    """
    return one_of(value, ENGINES, "engine")


def score_on_spark(store: QueryRunner, params: ModelParams, asof: int, job: SparkJob,
                   progress: Progress = SILENT) -> tuple[ScoreRun, PairGraph]:
    """The influence scores computed by Spark from the event log, written to the graph as the
    GDS recompute writes them (:func:`influence.engine.scoring.write_external`)."""
    from influence.engine import spark
    from influence.eventlog import write_log

    with tempfile.TemporaryDirectory(prefix="influence-log-") as scratch:
        log = job.log
        if log is None or not (log / "_log.json").exists():
            report = write_log(store, log or Path(scratch))
            progress.note(f"event log: {report.events} interactions written to "
                          f"{report.directory} in {report.seconds:.1f}s")
            log = report.directory
        result = spark.score_log(spark.session(job.options), log, params, asof)
    return write_external(store, result, asof)


def recompute(store: QueryRunner, params: ModelParams, asof: int | None = None, *,
              scores: bool = True, topics: bool = True, communities: bool = True,
              community_algorithm: Algorithm = "louvain", engine: Engine = "gds",
              spark: SparkJob | None = None, progress: Progress = SILENT) -> RecomputeReport:
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
        engine: where the influence scores are computed: ``gds`` (in Neo4j) or ``spark``
            (from the event log; the same model, docs/MODEL.md).
        spark: the Spark engine's log and session (default: a log written from the graph,
            ``local[2]``).
        progress: told about each step (and each topic).

    Returns:
        What each step did.
    """
    started = time.monotonic()
    when = int(time.time()) if asof is None else asof
    score_run = topic_run = topic_comms = people_comms = None
    pairs: PairGraph | None = None
    if scores:
        progress.stage(f"recompute: influence scores ({engine})", 1)
        if engine == "spark":
            score_run, pairs = score_on_spark(store, params, when, spark or SparkJob(), progress)
        else:
            score_run, pairs = compute_scores_with_pairs(store, params, asof=when)
        progress.advance()
        progress.note(f"scored {score_run.people_in_graph} people over "
                      f"{score_run.engagement_pairs} engagement pairs in "
                      f"{score_run.seconds:.1f}s (half-life {score_run.half_life_days:g} days; "
                      f"PageRank {score_run.iterations} iterations"
                      + (", converged)" if score_run.converged else
                         f", stopped at the cap before the {params.tolerance:g} tolerance: on "
                         "the bundled data that leaves every score within 0.01 points of the "
                         "converged one, docs/MODEL.md 'Convergence')"))
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
    generation.scores_changed(store)  # the API's cached answers are recomputed
    return RecomputeReport(when, score_run, topic_run, topic_comms, people_comms,
                           time.monotonic() - started)
