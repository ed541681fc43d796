"""``influence log ...``: the Parquet event log a distributed engine reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from influence import eventlog
from influence.cli.output import say
from influence.errors import InvalidInputError
from influence.settings import get_settings
from influence.store import Store

app = typer.Typer(help="The Parquet event log (docs/FORMATS.md, 'The event log').",
                  no_args_is_help=True)


@app.command("write")
def write(directory: Annotated[Path | None, typer.Argument(
        help="Log folder (default: INFLUENCE_EVENT_LOG_DIR).")] = None) -> None:
    """Write (or rewrite) the event log from the graph: every interaction as one Parquet row,
    partitioned by day, with the accounts and people beside it. Idempotent."""
    settings = get_settings()
    folder = directory or settings.event_log_dir
    if folder is None:
        raise InvalidInputError("No event log folder given.",
                                hint="Give one (influence log write DIR) or set "
                                     "INFLUENCE_EVENT_LOG_DIR.")
    with Store(settings) as store:
        report = eventlog.write_log(store, folder)
    say(f"event log {report.directory}: {report.events:,} interactions over {report.days:,} "
        f"days, {report.accounts:,} accounts, {report.people:,} people "
        f"({report.seconds:.1f}s)")
