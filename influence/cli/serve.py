"""``influence serve`` and ``influence demo``."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from influence.cli import db
from influence.cli.load import DEFAULT_SE_DUMP
from influence.cli.output import bars, print_load, say
from influence.cli.score import migrate, recompute_steps
from influence.jobs.load import LoadRequest, load
from influence.settings import get_settings

SAMPLE_QUERY = "{ leaderboard(first: 5) { edges { node { id score percentile confidence } } } }"


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")]
    = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Worker processes on the port (default INFLUENCE_API_WORKERS, 1); "
        "they share one rate-limit budget per key.")] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql in development) and the explorer at /ui/."""
    import uvicorn

    from influence.api.app import create_app

    settings = get_settings()
    host, port = host or settings.api_host, port or settings.api_port
    workers = workers or settings.api_workers
    say(f"GraphQL API on http://{host}:{port}/graphql"
        + (f" ({workers} worker processes)" if workers > 1 else ""))
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                    access_log=False)  # the API logs every GraphQL request itself (JSON)
        return
    with tempfile.TemporaryDirectory(prefix="influence-api-") as scratch:
        # The workers are new processes that read their settings from the environment.
        if settings.rate_limit_file is None:
            os.environ["INFLUENCE_RATE_LIMIT_FILE"] = str(Path(scratch) / "buckets.sqlite")
        uvicorn.run("influence.api.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", access_log=False)


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
        db.start()
    migrate()
    with bars(show=sys.stderr.isatty()) as progress_bars:
        report = load(LoadRequest("stackexchange", (data,)), settings, progress=progress_bars)
    print_load(report)
    recompute_steps(asof, scores=True, topics=True, communities=True,
                    progress=sys.stderr.isatty())
    url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    say(f"Explorer: http://{settings.api_host}:{settings.api_port}/ui/")
    say(f"Try:  curl -s {url} -H 'content-type: application/json' "
        f"-d '{json.dumps({'query': SAMPLE_QUERY})}'")
    if settings.publish_policy == "opted_in":
        say("Publish policy is 'opted_in' and the dump has no consent records, so no score is "
            "shown; set INFLUENCE_PUBLISH_POLICY=not_opted_out to show them (the Makefile demo "
            "does, see README).")
    if serve_api:
        serve(host=None, port=None, workers=None)


def register(app: typer.Typer) -> None:
    """Add these commands to the top-level app."""
    app.command("serve")(serve)
    app.command("demo")(demo)
