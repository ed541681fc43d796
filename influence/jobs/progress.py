"""How a job reports on its way: stages with an optional total, steps, and notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    """What a long job tells whoever runs it (the CLI draws bars, the API stays silent)."""

    def stage(self, description: str, total: int | None = None, *,
              unit: str = "items") -> None:
        """A new stage begins (the previous one is done); ``total`` steps, if known, counted
        in ``unit`` (``items``, ``bytes``, ``topics``, ...)."""

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""

    def note(self, message: str) -> None:
        """A line worth telling the person running the job."""


class Silent:
    """Progress that tells nobody (API mutations, tests)."""

    def stage(self, description: str, total: int | None = None, *,
              unit: str = "items") -> None:
        return None

    def advance(self, steps: int = 1) -> None:
        return None

    def note(self, message: str) -> None:
        return None


class Notes(Silent):
    """Progress that passes notes (and stage names) to a callback and ignores steps."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say

    def stage(self, description: str, total: int | None = None, *,
              unit: str = "items") -> None:
        self._say(description)

    def note(self, message: str) -> None:
        self._say(message)


SILENT = Silent()
