"""``influence migrate``, ``influence score`` and ``influence recompute``."""

from __future__ import annotations

from typing import Annotated

import typer

from influence.cli.output import bars, say
from influence.cli.priority import yield_cpu
from influence.engine.spark import SparkOptions
from influence.jobs.recompute import SparkJob
from influence.jobs.recompute import algorithm as community_algorithm
from influence.jobs.recompute import engine as scoring_engine
from influence.jobs.recompute import recompute as run_recompute
from influence.settings import get_settings
from influence.store import Store
from influence.timeutil import day_label, instant

Asof = Annotated[str | None, typer.Option(help="Scoring date, ISO-8601 (default: now).")]
Algorithm = Annotated[str, typer.Option(help="louvain or leiden (GDS).")]
Engine = Annotated[str, typer.Option(
    help="Where scores are computed: gds (in Neo4j) or spark (pyspark, from the event log "
         "in INFLUENCE_EVENT_LOG_DIR, written from the graph first when unset; master "
         "INFLUENCE_SPARK_MASTER).")]


def migrate() -> None:
    """Create constraints and indexes (versioned migrations in schema/migrations)."""
    from influence.schema import migrate as run_migrations

    with Store(get_settings()) as store:
        applied = run_migrations(store)
    say(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")


def score(asof: Asof = None, engine: Engine = "gds") -> None:
    """Recompute influence scores and write them onto people (and a dated snapshot).

    Examples: influence score --asof 2016-12-10;
    influence score --engine spark (the same model on Apache Spark)
    """
    recompute_steps(asof, scores=True, topics=False, communities=False, engine=engine,
                    nice=True)


def recompute(asof: Asof = None, algorithm: Algorithm = "louvain", engine: Engine = "gds",
              progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
              ) -> None:
    """Recompute scores, topic scores, topic and people communities (all of it).

    What the GraphQL recompute mutation and the client's recompute() do.

    Example: influence recompute --asof 2016-12-10
    """
    recompute_steps(asof, scores=True, topics=True, communities=True, algorithm=algorithm,
                    engine=engine, progress=progress, nice=True)


def recompute_steps(asof: str | None, *, scores: bool, topics: bool, communities: bool,
                    algorithm: str = "louvain", engine: str = "gds",
                    progress: bool = False, nice: bool = False) -> None:
    """Run the recompute job for the chosen steps and print what each did.

    ``nice``: a command of its own, so its process yields the CPU to serving
    (``INFLUENCE_JOB_NICE``); not when the same process serves the API after (``demo``).
    """
    settings = get_settings()
    if nice:
        yield_cpu(settings)
    when = instant(asof)
    chosen = scoring_engine(engine)
    spark = SparkJob(settings.event_log_dir,
                     SparkOptions(settings.spark_master, settings.spark_driver_memory))
    with Store(settings) as store, bars(show=progress) as progress_bars:
        report = run_recompute(store, settings.model, when, scores=scores, topics=topics,
                               communities=communities,
                               community_algorithm=community_algorithm(algorithm),
                               engine=chosen, spark=spark, progress=progress_bars)
    say(f"recomputed as of {day_label(report.asof)} in {report.seconds:.1f}s")


def register(app: typer.Typer) -> None:
    """Add these commands to the top-level app."""
    app.command("migrate")(migrate)
    app.command("score")(score)
    app.command("recompute")(recompute)
