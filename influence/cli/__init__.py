"""The ``influence`` command line; one module per command group, as ``influence --help`` lists
them: ``db``, ``load``, ``migrate``/``score``/``recompute``, ``topics``, ``consent``,
``evaluate``, ``log``, ``api``, ``serve``/``demo``.

Every command is a thin adapter over the job layer (:mod:`influence.jobs`) and the engine's
read paths. :func:`main` is the one place where errors become a message and an exit code:
an :class:`~influence.errors.InfluenceError` prints what was wrong and how to fix it, and any
other error prints one line and the path of a log holding its traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer

from influence.cli import api, consent, db, evaluate, load, log, score, serve, topics
from influence.cli.output import console
from influence.errors import InfluenceError, code_for

app = typer.Typer(help="Open, explainable, consent-first influence scores on Neo4j + GDS.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(db.app, name="db")
app.add_typer(load.app, name="load")
score.register(app)
app.add_typer(topics.app, name="topics")
app.add_typer(consent.app, name="consent")
app.add_typer(evaluate.app, name="evaluate")
app.add_typer(log.app, name="log")
app.add_typer(api.app, name="api")
serve.register(app)

INTERRUPTED = 130


def error_log() -> Path:
    """Where unexpected errors of any command are logged with their traceback."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "influence" / "errors.log"


def _log_unexpected(error: BaseException) -> Path | None:
    path = error_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} influence {' '.join(sys.argv[1:])}\n")
            fh.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    return path


def main() -> None:
    """Entry point: run the CLI; every error ends as a message and an exit code."""
    try:
        code = app(standalone_mode=False)
    except InfluenceError as error:
        console.print(f"[bold red]error:[/] {error.message}", highlight=False, soft_wrap=True)
        if error.hint:
            console.print(f"[yellow]hint:[/] {error.hint}", highlight=False, soft_wrap=True)
        sys.exit(code_for(error).exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        console.print("[bold red]interrupted[/]")
        sys.exit(INTERRUPTED)
    except KeyboardInterrupt:
        console.print("[bold red]interrupted[/] (a load resumes from its checkpoint when run "
                      "again)")
        sys.exit(INTERRUPTED)
    except Exception as error:
        # A usage error (unknown command or option, bad value): click's ClickException, or
        # the same class of the click copy that typer >= 0.2x bundles (``typer._click``).
        show, exit_code = getattr(error, "show", None), getattr(error, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        logged = _log_unexpected(error)
        console.print(f"[bold red]unexpected error:[/] {type(error).__name__}: {error}",
                      highlight=False, soft_wrap=True)
        where = f"the traceback is in {logged}" if logged else "the traceback could not be saved"
        console.print(f"[yellow]hint:[/] this is a bug or an unforeseen environment problem; "
                      f"{where}. Please report it with that file.", highlight=False,
                      soft_wrap=True)
        sys.exit(code_for(InfluenceError("")).exit_code)
    if isinstance(code, int) and code:
        sys.exit(code)
