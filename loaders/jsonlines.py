"""Reading JSON Lines input robustly: every line becomes an object or a rejection reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from influence.errors import InvalidInputError
from influence.loaders.base import Items, RowError, parse_iso_utc

MAX_LINE_BYTES = 4 << 20
"""Longer lines (4 MiB) are rejected as oversized without being parsed."""


def input_files(paths: list[Path], suffixes: tuple[str, ...] = (".jsonl", ".ndjson", ".json")
                ) -> list[Path]:
    """Files given directly, plus the matching files of given folders (sorted).

    Raises:
        InvalidInputError: a path does not exist or nothing matched.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes)
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInputError(f"{path} does not exist.")
    if not files:
        raise InvalidInputError("No input files found.",
                                hint=f"Give files or folders of {', '.join(suffixes)} files.")
    return files


def count_lines(path: Path, chunk: int = 1 << 20) -> int:
    """Newlines in a file, read in chunks (for progress totals of large inputs)."""
    with path.open("rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(chunk), b""))


class JsonLinesSource:
    """What the JSON Lines adapters share: their input files, network name and row total."""

    default_network = ""

    def __init__(self, paths: list[Path], network: str | None = None) -> None:
        self.files = input_files(paths)
        self.network = network or self.default_network

    def total_rows(self) -> int:
        """Lines in all files (the progress bar's total)."""
        return sum(count_lines(p) for p in self.files)

    def __iter__(self) -> Items:
        raise NotImplementedError  # each adapter reads its own record shapes


def read_objects(path: Path, max_line_bytes: int = MAX_LINE_BYTES
                 ) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
    """(line number, raw text, the object or a rejection reason) for each non-blank line."""
    with path.open("rb") as fh:
        for number, raw_bytes in enumerate(fh, start=1):
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
            yield number, text, value if isinstance(value, dict) else \
                "malformed JSON: not an object"


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
