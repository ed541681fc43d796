"""``influence db ...``: the project's own local Neo4j + GDS server."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from influence import localdb
from influence.cli.output import out, say
from influence.errors import InvalidInputError, StoreUnavailableError, code_for
from influence.settings import Settings, get_settings

app = typer.Typer(help="Manage the project's own local Neo4j + GDS server.",
                  no_args_is_help=True)


def require_local(settings: Settings) -> None:
    """Raise unless the local server (not ``INFLUENCE_NEO4J_URI``) is in use."""
    if not settings.uses_local_server:
        raise InvalidInputError(
            f"INFLUENCE_NEO4J_URI is set ({settings.neo4j_uri}): that server is not managed here.",
            hint="Unset INFLUENCE_NEO4J_URI to use the project's own local server.",
        )


@app.command("start")
def start() -> None:
    """Provision (first run: Neo4j 5.26 + GDS 2.13 from Maven Central) and start the server."""
    settings = get_settings()
    require_local(settings)
    started = time.monotonic()
    status = localdb.start(settings, progress=say)
    say(f"Neo4j ready on {status.uri} (pid {status.pid}, data in {status.data_dir}) "
        f"after {time.monotonic() - started:.1f}s")


@app.command("stop")
def stop() -> None:
    """Stop the local server and wait until its Java process has exited."""
    settings = get_settings()
    require_local(settings)
    say("Neo4j stopped." if localdb.stop(settings) else "Neo4j was not running.")


@app.command("status")
def status() -> None:
    """Say whether the local server runs (exit 0) or not (exit 6)."""
    settings = get_settings()
    require_local(settings)
    state = localdb.status(settings)
    if state.running:
        out.print(f"running pid={state.pid} uri={state.uri} data={state.data_dir}")
    else:
        out.print(f"stopped uri={state.uri} data={state.data_dir}")
        raise typer.Exit(code_for(StoreUnavailableError("")).exit_code)


@app.command("logs")
def logs(lines: Annotated[int, typer.Option(help="Lines from the end of each log.")] = 40,
         ) -> None:
    """Print the tail of the server's logs."""
    out.print(localdb.log_tail(get_settings(), lines), markup=False, highlight=False)
