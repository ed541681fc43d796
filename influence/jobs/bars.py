"""A job's :class:`~influence.jobs.progress.Progress` drawn as rich progress bars (the CLI and
the notebook client use it)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBars
from rich.text import Text


class _RateColumn(ProgressColumn):
    """Items (or MB) per second, blank until rich has measured a speed."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("")
        if task.fields.get("unit") == "bytes":
            return Text(f"{speed / 1e6:>6.1f} MB/s", style="progress.data.speed")
        return Text(f"{speed:>8.0f} {task.fields.get('unit', 'items')}/s",
                    style="progress.data.speed")


class _AmountColumn(ProgressColumn):
    """Done / total, in MB for bytes."""

    def render(self, task: Task) -> Text:
        if task.fields.get("unit") == "bytes":
            done = f"{task.completed / 1e6:.1f}"
            total = "?" if task.total is None else f"{task.total / 1e6:.1f}"
            return Text(f"{done}/{total} MB", style="progress.download")
        total = "?" if task.total is None else f"{int(task.total)}"
        return Text(f"{int(task.completed)}/{total}", style="progress.download")


class Bars:
    """Rich progress bars (on stderr unless another console is given).

    Use as a context manager; each stage gets its own bar (rate and ETA when the total is
    known), notes are printed above the bars.
    """

    def __init__(self, *, show: bool = True, console: Console | None = None) -> None:
        self._bars = RichBars(TextColumn("[progress.description]{task.description}"),
                              BarColumn(), _AmountColumn(), _RateColumn(),
                              TimeElapsedColumn(), TimeRemainingColumn(),
                              console=console or Console(stderr=True), disable=not show)
        self._task: TaskID | None = None
        self._show = show

    def __enter__(self) -> Bars:
        self._bars.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._finish()
        self._bars.__exit__(exc_type, exc, tb)

    def _finish(self) -> None:
        if self._task is not None:
            task = self._bars.tasks[self._task]
            if task.total is not None:
                self._bars.update(self._task, completed=task.total)

    def stage(self, description: str, total: int | None = None, *,
              unit: str = "items") -> None:
        self._finish()
        self._task = self._bars.add_task(description, total=total, unit=unit)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None and steps:
            self._bars.advance(self._task, steps)

    def note(self, message: str) -> None:
        self._bars.console.print(f"[bold cyan]>[/] {message}", highlight=False)


