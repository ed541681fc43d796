"""Adapters for timestamped edge lists: SNAP temporal, SNAP Higgs, KONECT and Bitcoin Alpha CSV.

Every data line becomes one :class:`InteractionRecord` (``actor`` engaged with ``target``);
malformed lines are rejected with a reason (the writer quarantines them). Formats:

* ``snap``: ``src dst unix_seconds`` (e.g. SNAP CollegeMsg); kind ``message`` by default.
* ``higgs``: ``A B unix_seconds RT|MT|RE``, A acted on B: RT is a ``share``, MT a
  ``mention``, RE a ``reply``.
* ``konect``: ``from to weight unix_seconds`` with ``%`` comment lines; the weight is kept
  as the interaction's ``value``; kind ``message`` by default.
* ``bitcoin``: ``Source,Target,Rating,Time`` CSV (header optional); a ``rate`` interaction
  whose ``value`` is the rating (-10..+10). ``Time`` may have a fraction (SNAP's Bitcoin OTC
  file has ``1289241911.72836``); it is floored to whole seconds.

Files may be compressed (gzip, bzip2, xz, zstd: :mod:`influence.loaders.files`), e.g. SNAP's
own ``soc-sign-bitcoinotc.csv.gz``. Interaction ids are the line numbers, so reloading the same
file is idempotent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from influence.errors import InvalidInputError
from influence.loaders import files
from influence.loaders.base import Items, RowError, build
from influence.loaders.records import InteractionKind, InteractionRecord

EdgeFormat = Literal["snap", "higgs", "konect", "bitcoin"]
EDGE_FORMATS: tuple[EdgeFormat, ...] = ("snap", "higgs", "konect", "bitcoin")
HIGGS_KINDS = {"RT": InteractionKind.SHARE, "MT": InteractionKind.MENTION,
               "RE": InteractionKind.REPLY}
DEFAULT_NETWORKS: dict[EdgeFormat, str] = {
    "snap": "snap", "higgs": "higgs", "konect": "konect", "bitcoin": "bitcoin"}
_BITCOIN_HEADER = "source,target,rating,time"


def _epoch(value: str, fractional: bool = False) -> int:
    """Whole epoch seconds; with ``fractional``, a fraction is floored instead of refused."""
    try:
        number = float(value)
    except ValueError as exc:
        raise RowError(f"unparseable timestamp: {value!r} is not a number") from exc
    if not math.isfinite(number) or (not fractional and number != int(number)):
        raise RowError(f"unparseable timestamp: {value!r} is not whole epoch seconds")
    return math.floor(number)


def _number(value: str, what: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise RowError(f"unparseable {what}: {value!r} is not a number") from exc
    if not math.isfinite(number):
        raise RowError(f"unparseable {what}: {value!r} is not finite")
    return number


class EdgeListAdapter:
    """Yields one item per data line of a timestamped edge list.

    Args:
        path: the edge-list file.
        fmt: one of ``snap``, ``higgs``, ``konect``, ``bitcoin``.
        network: network name stored on accounts (default: the format's name).
        kind: interaction kind for formats without one (``snap``, ``konect``); default
            ``message``.

    Raises:
        InvalidInputError: when the file does not exist or the format is unknown.
    """

    def __init__(self, path: Path, fmt: EdgeFormat, network: str | None = None,
                 kind: InteractionKind = InteractionKind.MESSAGE) -> None:
        if fmt not in EDGE_FORMATS:
            raise InvalidInputError(f"Unknown edge-list format {fmt!r}.",
                                    hint=f"Use one of {', '.join(EDGE_FORMATS)}.")
        if path.is_dir():
            raise InvalidInputError(f"{path} is a folder; an edge-list loader reads one file.",
                                    hint="Pass the path of the file, e.g. CollegeMsg.txt.")
        if not path.is_file():
            raise InvalidInputError(f"No edge-list file at {path}.",
                                    hint="Pass the path of the file, e.g. CollegeMsg.txt.")
        files.require_supported(path)  # refuse an archive or compression we do not read
        self.path = path
        self.fmt = fmt
        self.network = network or DEFAULT_NETWORKS[fmt]
        self.kind = kind
        self.meter = files.ByteMeter(files.size_of([path]))

    def total_rows(self) -> int:
        """Number of lines in the file (an upper bound on items, for progress bars; an
        estimate for a compressed file)."""
        return files.count_lines(self.path)

    def __iter__(self) -> Items:
        source = self.path.name
        self.meter.reset()
        for number, raw_bytes in files.numbered_lines(self.path, self.meter):
            try:
                raw = raw_bytes.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raw = raw_bytes.decode("utf-8", "replace").strip()
                yield build(source, number, raw, self._fail(f"bad encoding: {exc}"))
                continue
            if not raw or raw.startswith(("%", "#")):
                continue
            if self.fmt == "bitcoin" and number == 1 and raw.lower().replace(
                    " ", "") == _BITCOIN_HEADER:
                continue
            yield build(source, number, raw, self._records(number, raw))

    @staticmethod
    def _fail(reason: str) -> Iterator[InteractionRecord]:
        if reason:
            raise RowError(reason)
        yield from ()

    def _records(self, number: int, raw: str) -> Iterator[InteractionRecord]:
        # split() on whitespace leaves no blanks to strip
        fields = [f.strip() for f in raw.split(",")] if self.fmt == "bitcoin" else raw.split()
        value: float | None = None
        kind = self.kind
        if self.fmt == "snap":
            if len(fields) != 3:
                raise RowError(f"wrong field count: expected 'src dst unix_seconds', "
                               f"got {len(fields)} field(s)")
            actor, target, at = fields[0], fields[1], _epoch(fields[2])
        elif self.fmt == "higgs":
            if len(fields) != 4:
                raise RowError(f"wrong field count: expected 'A B unix_seconds RT|MT|RE', "
                               f"got {len(fields)} field(s)")
            actor, target, at = fields[0], fields[1], _epoch(fields[2])
            if fields[3].upper() not in HIGGS_KINDS:
                raise RowError(f"unknown Higgs interaction: {fields[3]!r} (expected RT, MT, RE)")
            kind = HIGGS_KINDS[fields[3].upper()]
        elif self.fmt == "konect":
            if len(fields) != 4:
                raise RowError(f"wrong field count: expected 'from to weight unix_seconds', "
                               f"got {len(fields)} field(s)")
            actor, target = fields[0], fields[1]
            value, at = _number(fields[2], "weight"), _epoch(fields[3])
        else:
            if len(fields) != 4:
                raise RowError(f"wrong field count: expected 'Source,Target,Rating,Time', "
                               f"got {len(fields)} field(s)")
            actor, target = fields[0], fields[1]
            value, at = _number(fields[2], "rating"), _epoch(fields[3], fractional=True)
            kind = InteractionKind.RATE
        yield InteractionRecord(network=self.network, id=str(number), actor=actor,
                                target=target, kind=kind, at=at, value=value)
