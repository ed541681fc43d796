"""The ``influence`` command line: database, loading, scoring, serving, the demo.

Every command reads its configuration from :class:`influence.settings.Settings`
(``INFLUENCE_*`` environment variables). Errors print what was wrong and how to fix it,
and exit with the code of their class (see ``influence.errors.ERROR_CODES``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from influence import commands_edgelists, commands_load, commands_topics, localdb
from influence.commands_api import app as api_app
from influence.commands_consent import app as consent_app
from influence.commands_evaluate import evaluate_influence
from influence.commands_evaluate_keywords import evaluate_keywords
from influence.commands_evaluate_topics import evaluate_topics
from influence.commands_topics import app as topics_app
from influence.commands_topics import evaluate_communities
from influence.errors import InfluenceError, InvalidInputError, StoreUnavailableError, code_for
from influence.loaders.base import Item
from influence.settings import Settings, get_settings

console = Console(stderr=True)
out = Console()

app = typer.Typer(help="Open, explainable, consent-first influence scores on Neo4j + GDS.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Manage the project's own local Neo4j + GDS server.",
                     no_args_is_help=True)
load_app = typer.Typer(help="Load real data into Neo4j (every record loaded, skipped with a "
                       "reason, or quarantined with a reason).", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure what the scores and communities are worth on real data.",
                           no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(load_app, name="load")
app.add_typer(evaluate_app, name="evaluate")
load_app.command("events")(commands_load.events)
load_app.command("twitter")(commands_load.twitter)
load_app.command("mastodon")(commands_load.mastodon)
load_app.command("bluesky")(commands_load.bluesky)
load_app.command("reddit")(commands_load.reddit)
for _fmt in ("snap", "higgs", "konect", "bitcoin"):  # timestamped edge lists
    load_app.command(_fmt)(getattr(commands_edgelists, f"load_{_fmt}"))
evaluate_app.command("influence")(evaluate_influence)
app.add_typer(topics_app, name="topics")
app.add_typer(api_app, name="api")
app.add_typer(consent_app, name="consent")
evaluate_app.command("communities")(evaluate_communities)
evaluate_app.command("topics")(evaluate_topics)
evaluate_app.command("keywords")(evaluate_keywords)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SE_DUMP = REPO_ROOT.parent / "shared" / "data" / "stackexchange-beer"


def _say(message: str) -> None:
    console.print(f"[bold cyan]>[/] {message}")


# --- db -----------------------------------------------------------------------------------------


@db_app.command("start")
def db_start() -> None:
    """Provision (first run: Neo4j 5.26 + GDS 2.13 from Maven Central) and start the server."""
    settings = get_settings()
    _require_local(settings)
    started = time.monotonic()
    status = localdb.start(settings, progress=_say)
    _say(f"Neo4j ready on {status.uri} (pid {status.pid}, data in {status.data_dir}) "
         f"after {time.monotonic() - started:.1f}s")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local server and wait until its Java process has exited."""
    settings = get_settings()
    _require_local(settings)
    _say("Neo4j stopped." if localdb.stop(settings) else "Neo4j was not running.")


@db_app.command("status")
def db_status() -> None:
    """Say whether the local server runs (exit 0) or not (exit 6)."""
    settings = get_settings()
    _require_local(settings)
    status = localdb.status(settings)
    if status.running:
        out.print(f"running pid={status.pid} uri={status.uri} data={status.data_dir}")
    else:
        out.print(f"stopped uri={status.uri} data={status.data_dir}")
        raise typer.Exit(code_for(StoreUnavailableError("")).exit_code)


@db_app.command("logs")
def db_logs(lines: Annotated[int, typer.Option(help="Lines from the end of each log.")] = 40,
            ) -> None:
    """Print the tail of the server's logs."""
    out.print(localdb.log_tail(get_settings(), lines), markup=False, highlight=False)


def _require_local(settings: Settings) -> None:
    if not settings.uses_local_server:
        raise InvalidInputError(
            f"INFLUENCE_NEO4J_URI is set ({settings.neo4j_uri}): that server is not managed here.",
            hint="Unset INFLUENCE_NEO4J_URI to use the project's own local server.",
        )


# --- schema, load, score -----------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Create constraints and indexes (versioned migrations in schema/migrations)."""
    from influence.schema import migrate as run_migrations
    from influence.store import Store

    with Store(get_settings()) as store:
        applied = run_migrations(store)
    _say(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")


@load_app.command("stackexchange")
def load_stackexchange(
    path: Annotated[Path, typer.Argument(help="Folder of a site dump (Users.xml, Posts.xml, "
                                         "Votes.xml, Comments.xml, PostHistory.xml, ...).")]
    = DEFAULT_SE_DUMP,
    network: Annotated[str, typer.Option(help="Network name stored on accounts.")]
    = "stackexchange",
    dry_run: Annotated[bool, typer.Option(help="Validate only; write nothing.")] = False,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any record is quarantined.")]
    = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Load a Stack Exchange dump.

    Each file has one <row .../> per line, e.g. from Posts.xml:
    <row Id="5" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T20:26:05.383"
    OwnerUserId="7" Score="3" Body="..." />
    """
    from influence.loaders.stackexchange import StackExchangeAdapter

    adapter = StackExchangeAdapter(path, network=network)
    _run_load(adapter, adapter.total_rows(), f"stackexchange-{network}", dry_run=dry_run,
              strict=strict, show_progress=progress, inputs=adapter.files())


def _run_load(items: Iterable[Item], total: int, run_name: str, *, dry_run: bool, strict: bool,
              show_progress: bool, inputs: list[Path] | None = None) -> None:
    from influence.commands_load import run_load

    run_load(items, total, run_name, inputs=inputs or [], dry_run=dry_run, strict=strict,
             show_progress=show_progress)


@app.command()
def score(
    asof: Annotated[str | None, typer.Option(help="Scoring date, ISO-8601 (default: now).")]
    = None,
) -> None:
    """Recompute influence scores with GDS and write them onto people."""
    from influence.engine.scoring import compute_scores
    from influence.loaders.base import RowError, parse_iso_utc
    from influence.store import Store

    try:
        when = parse_iso_utc(asof) if asof else None
    except RowError as exc:
        raise InvalidInputError(str(exc), hint="Use e.g. --asof 2016-12-10") from exc
    settings = get_settings()
    with Store(settings) as store:
        run = compute_scores(store, settings.model, asof=when)
    _say(f"scored {run.people_in_graph} people over {run.engagement_pairs} engagement pairs "
         f"as of {datetime.fromtimestamp(run.asof, UTC):%Y-%m-%d} in {run.seconds:.1f}s "
         f"(PageRank {run.iterations} iterations, converged={run.converged})")


# --- serve, demo ---------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")]
    = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql in development)."""
    import uvicorn

    from influence.api.app import create_app

    settings = get_settings()
    host, port = host or settings.api_host, port or settings.api_port
    _say(f"GraphQL API on http://{host}:{port}/graphql")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


SAMPLE_QUERY = "{ leaderboard(first: 5) { edges { node { id score percentile confidence } } } }"


@app.command()
def demo(
    data: Annotated[Path, typer.Option(help="Stack Exchange dump to load.")] = DEFAULT_SE_DUMP,
    asof: Annotated[str, typer.Option(help="Scoring date (the dump ends 2016-12-09).")]
    = "2016-12-10",
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the API after.")]
    = True,
) -> None:
    """Start the database, load the bundled Stack Exchange data, score it and serve the API.

    Scores, topic scores and topic/people communities are computed as of --asof; the API
    serves GraphQL at /graphql and the graph explorer at /ui/.
    """
    settings = get_settings()
    if settings.uses_local_server:
        db_start()
    migrate()
    load_stackexchange(path=data, network="stackexchange", dry_run=False, strict=False,
                       progress=sys.stderr.isatty())
    score(asof=asof)
    commands_topics.compute(asof=asof, algorithm="louvain")
    url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    _say(f"Explorer: http://{settings.api_host}:{settings.api_port}/ui/")
    _say(f"Try:  curl -s {url} -H 'content-type: application/json' "
         f"-d '{json.dumps({'query': SAMPLE_QUERY})}'")
    if settings.publish_policy == "opted_in":
        _say("Publish policy is 'opted_in' and the dump has no consent records, so no score is "
             "shown; set INFLUENCE_PUBLISH_POLICY=not_opted_out to show them (the Makefile demo "
             "does, see README).")
    if serve_api:
        serve(host=None, port=None)


def main() -> None:
    """Entry point: run the CLI, turning engine errors into a message and an exit code."""
    try:
        app()
    except InfluenceError as error:
        console.print(f"[bold red]error:[/] {error.message}", highlight=False, soft_wrap=True)
        if error.hint:
            console.print(f"[yellow]hint:[/] {error.hint}", highlight=False, soft_wrap=True)
        sys.exit(code_for(error).exit_code)
