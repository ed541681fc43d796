"""What the commands print: notes on stderr, results on stdout, progress bars, load reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from influence.jobs.bars import Bars
from influence.jobs.load import LoadReport

console = Console(stderr=True)
"""Notes, progress and errors (stderr)."""
out = Console()
"""Results (stdout)."""


def bars(*, show: bool = True) -> Bars:
    """Progress bars on stderr (see :class:`influence.jobs.bars.Bars`)."""
    return Bars(show=show, console=console)


def say(message: str) -> None:
    """A note for the person running the command."""
    console.print(f"[bold cyan]>[/] {message}", highlight=False)


def print_load(report: LoadReport) -> None:
    """The summary table of a load, the accounting equation and the reasons (stderr)."""
    tally = report.tally
    table = Table(title=f"{report.run_name}{' (dry run)' if report.dry_run else ''}")
    columns = ("read", "loaded", "skipped", "quarantined")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(tally, c)) for c in columns))
    console.print(table)
    console.print(f"  read {tally.read} = loaded {tally.loaded} + skipped {tally.skipped} "
                  f"+ quarantined {tally.quarantined}"
                  f"{'' if tally.balanced else '  (UNBALANCED: a bug, please report)'}")
    if tally.resumed:
        console.print(f"  resumed after item {tally.resumed} (committed by an interrupted run)")
    if tally.self_interactions_dropped:
        console.print(f"  self-interactions dropped from loaded items: "
                      f"{tally.self_interactions_dropped}")
    for reason, count in tally.skipped_reasons.most_common():
        console.print(f"  skipped {count:>7}  {reason}")
    for reason, count in tally.quarantine_reasons.most_common():
        console.print(f"  quarantined {count:>3}  {reason}")
    if tally.quarantined:
        console.print(f"  quarantine file: {report.quarantine_path}")
    summary = ", ".join(f"{k}={v}" for k, v in report.written.items()) or "none"
    say(f"records {'validated' if report.dry_run else 'written'}: {summary}")


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table cell; ``-`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def rich_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A table of text cells, the first column left-aligned and the others right-aligned."""
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same cells as a Markdown table (for docs/EVALUATION.md)."""
    lines = ["| " + " | ".join(columns) + " |", "|---|" + "---:|" * (len(columns) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write an output file the user asked for, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    say(f"wrote {path}")
