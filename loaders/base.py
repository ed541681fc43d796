"""What adapters yield: parsed records, rejections and deliberate skips, with source lines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from influence.loaders.records import Record
from influence.timeutil import iso_to_epoch


@dataclass(frozen=True)
class Parsed:
    """One input row that produced records."""

    source: str
    line: int
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Rejected:
    """One input row that cannot be loaded, and why."""

    source: str
    line: int
    raw: str
    reason: str


@dataclass(frozen=True)
class Skipped:
    """One well-formed row that carries nothing the engine uses (tallied by reason)."""

    source: str
    line: int
    reason: str


Item = Parsed | Rejected | Skipped
Items = Iterator[Item]


class RowError(ValueError):
    """A row-level problem an adapter turns into a :class:`Rejected` item."""


class SkipRow(Exception):  # noqa: N818 - a signal, not an error
    """Raised while building records: the row is fine but deliberately not loaded."""


def parse_iso_utc(value: str) -> int:
    """Epoch seconds of an ISO-8601 timestamp (``Z`` allowed; naive values are UTC)."""
    try:
        return iso_to_epoch(value)
    except ValueError as exc:
        raise RowError(str(exc)) from exc


def describe(exc: ValidationError) -> str:
    """A one-line reason from a pydantic validation error."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{where}: {err['msg']}")
    return "invalid record: " + "; ".join(parts)


def build(source: str, line: int, raw: str, make: Iterable[Record] | None) -> Item:
    """Wrap the records made from one row, turning validation failures into a rejection."""
    try:
        records = tuple(make or ())
    except ValidationError as exc:
        return Rejected(source, line, raw, describe(exc))
    except RowError as exc:
        return Rejected(source, line, raw, str(exc))
    except SkipRow as exc:
        return Skipped(source, line, str(exc))
    return Parsed(source, line, records)
