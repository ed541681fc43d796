"""``influence migrate``, ``influence score`` and ``influence recompute``."""

from __future__ import annotations

from typing import Annotated

import typer

from influence.cli.output import bars, say
from influence.jobs.recompute import algorithm as community_algorithm
from influence.jobs.recompute import recompute as run_recompute
from influence.settings import get_settings
from influence.store import Store
from influence.timeutil import day_label, instant

Asof = Annotated[str | None, typer.Option(help="Scoring date, ISO-8601 (default: now).")]
Algorithm = Annotated[str, typer.Option(help="louvain or leiden (GDS).")]


def migrate() -> None:
    """Create constraints and indexes (versioned migrations in schema/migrations)."""
    from influence.schema import migrate as run_migrations

    with Store(get_settings()) as store:
        applied = run_migrations(store)
    say(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")


def score(asof: Asof = None) -> None:
    """Recompute influence scores with GDS and write them onto people (and a dated snapshot).

    Example: influence score --asof 2016-12-10
    """
    recompute_steps(asof, scores=True, topics=False, communities=False)


def recompute(asof: Asof = None, algorithm: Algorithm = "louvain",
              progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
              ) -> None:
    """Recompute scores, topic scores, topic and people communities (all of it).

    What the GraphQL recompute mutation and the client's recompute() do.

    Example: influence recompute --asof 2016-12-10
    """
    recompute_steps(asof, scores=True, topics=True, communities=True, algorithm=algorithm,
                    progress=progress)


def recompute_steps(asof: str | None, *, scores: bool, topics: bool, communities: bool,
                    algorithm: str = "louvain", progress: bool = False) -> None:
    """Run the recompute job for the chosen steps and print what each did."""
    settings = get_settings()
    when = instant(asof)
    with Store(settings) as store, bars(show=progress) as progress_bars:
        report = run_recompute(store, settings.model, when, scores=scores, topics=topics,
                               communities=communities,
                               community_algorithm=community_algorithm(algorithm),
                               progress=progress_bars)
    say(f"recomputed as of {day_label(report.asof)} in {report.seconds:.1f}s")


def register(app: typer.Typer) -> None:
    """Add these commands to the top-level app."""
    app.command("migrate")(migrate)
    app.command("score")(score)
    app.command("recompute")(recompute)
