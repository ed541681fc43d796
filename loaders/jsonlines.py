"""Reading JSON Lines input robustly: every line becomes an object or a rejection reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from influence.loaders import files
from influence.loaders.base import Items, Rejected, RowError, parse_iso_utc

MAX_LINE_BYTES = 4 << 20
"""Longer lines (4 MiB) are rejected as oversized without being parsed."""
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def input_files(paths: list[Path], suffixes: tuple[str, ...] = JSON_SUFFIXES) -> list[Path]:
    """Files given directly, plus the matching files of given folders (sorted); compressed
    files count by the suffix under the compression suffix (``RC_2024-05.ndjson.zst``).

    Raises:
        InvalidInputError: a path does not exist, nothing matched, or a file is an archive or
            compression the loaders do not read.
    """
    return files.input_files(paths, suffixes, "JSON Lines")


def count_lines(path: Path) -> int:
    """Newlines in a file, for progress totals (an estimate for compressed files:
    :func:`influence.loaders.files.count_lines`)."""
    return files.count_lines(path)


class JsonLinesSource:
    """What the JSON Lines adapters share: their input files, network name, row total and a
    meter of the bytes read from disk (for progress on compressed size)."""

    default_network = ""
    passes = 1
    """How many times one iteration reads every file (its byte total counts each)."""

    def __init__(self, paths: list[Path], network: str | None = None) -> None:
        self.files = input_files(paths)
        self.network = network or self.default_network
        self.meter = files.ByteMeter(self.passes * files.size_of(self.files))

    def total_rows(self) -> int:
        """Lines in all files (the progress bar's total; estimated for compressed files)."""
        return sum(count_lines(p) for p in self.files)

    def __iter__(self) -> Items:
        self.meter.reset()
        return self._objects()

    def _objects(self) -> Items:
        """Every file's objects through :meth:`items`; a line that is no object is rejected."""
        for path in self.files:
            for line, raw, obj in self.lines(path):
                if isinstance(obj, str):
                    yield Rejected(path.name, line, raw, obj)
                else:
                    yield from self.items(path.name, line, raw, obj)

    def lines(self, path: Path) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
        """(line number, raw text, the object or a rejection reason) of one file."""
        return read_objects(path, meter=self.meter)

    def items(self, source: str, line: int, raw: str, obj: dict[str, Any]) -> Items:
        """The items of one object (each adapter reads its own record shapes)."""
        raise NotImplementedError


def read_objects(path: Path, max_line_bytes: int = MAX_LINE_BYTES,
                 meter: files.ByteMeter | None = None
                 ) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
    """(line number, raw text, the object or a rejection reason) for each non-blank line
    (of the decompressed content, for a compressed file)."""
    for number, text, value in parsed_lines(path, max_line_bytes, meter):
        yield number, text, value if isinstance(value, dict | str) else \
            "malformed JSON: not an object"


def parsed_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES,
                 meter: files.ByteMeter | None = None) -> Iterator[tuple[int, str, Any]]:
    """(line number, text, the parsed JSON value) for each non-blank line, or (number, raw
    text, a rejection reason as ``str``) for a line that is oversized, not UTF-8 or not JSON
    (a JSON string value is returned as ``[value]``, so a ``str`` is always a reason)."""
    for number, raw_bytes in files.numbered_lines(path, meter):
        if len(raw_bytes) > max_line_bytes:
            yield (number, raw_bytes[:200].decode("utf-8", "replace"),
                   f"oversized record: {len(raw_bytes)} bytes > {max_line_bytes}")
            continue
        try:
            text = raw_bytes.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            yield number, raw_bytes.decode("utf-8", "replace"), f"bad encoding: {exc}"
            continue
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, text, f"malformed JSON: {exc}"
            continue
        yield number, text, [value] if isinstance(value, str) else value


def need(obj: dict[str, Any], *fields: str) -> None:
    """Raise a ``missing field`` rejection unless every field is present and non-empty."""
    for name in fields:
        if obj.get(name) in (None, ""):
            raise RowError(f"missing field: {name}")


def iso(value: Any) -> int:
    """Epoch seconds of an ISO-8601 value with an optional trailing ``Z``."""
    if not isinstance(value, str):
        raise RowError(f"unparseable timestamp: {value!r}")
    text = value.strip()
    return parse_iso_utc(text)
