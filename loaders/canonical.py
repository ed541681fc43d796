"""The canonical event format: JSON Lines or CSV files of people, accounts, posts, topics,
interactions, consent statements and identity links (see docs/FORMATS.md).

JSON Lines: one object per line with a ``type`` field, e.g.::

    {"type": "interaction", "network": "mastodon", "actor": "ana", "target": "bo",
     "kind": "reply", "at": "2024-05-01T10:00:00Z"}

CSV: a header row; the record type comes from a ``type`` column or, without one, from the
file name (``people.csv``, ``accounts.csv``, ``posts.csv``, ``topics.csv``,
``interactions.csv``, ``consent.csv``, ``links.csv`` / ``identities.csv``). Empty cells are
absent values; list cells (``topics``) are ``|``-separated.

Timestamps (``at``, ``created_at``) are ISO-8601 (naive = UTC) or epoch seconds. An
interaction without an ``id`` gets a deterministic one (a digest of its fields), so reloading
the same file is idempotent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from influence.errors import InvalidInputError
from influence.loaders import files
from influence.loaders.base import Items, Parsed, Rejected, RowError, build, parse_iso_utc
from influence.loaders.records import (
    AccountRecord,
    ConsentRecord,
    InteractionKind,
    InteractionRecord,
    LinkRecord,
    PersonRecord,
    PostRecord,
    Record,
    TopicRecord,
)

_INTERACTION_LINE = b'"interaction"'
MAX_LINE_BYTES = 1 << 20
"""Longer input lines are quarantined as oversized without being parsed."""

TYPES: dict[str, type[Record]] = {
    "person": PersonRecord, "account": AccountRecord, "post": PostRecord,
    "topic": TopicRecord, "interaction": InteractionRecord, "consent": ConsentRecord,
    "link": LinkRecord,
}
_FILE_TYPES = {
    "people": "person", "persons": "person", "person": "person",
    "accounts": "account", "account": "account", "posts": "post", "post": "post",
    "topics": "topic", "topic": "topic", "interactions": "interaction",
    "interaction": "interaction", "events": "interaction", "consent": "consent",
    "consents": "consent", "links": "link", "link": "link", "identities": "link",
    "identity": "link",
}
_TIME_FIELDS = ("at", "created_at")
_LIST_FIELDS = ("topics",)
_KINDS = {kind.value for kind in InteractionKind}
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)


def parse_time(value: Any) -> int:
    """Epoch seconds from epoch seconds (number or numeric string) or ISO-8601 text."""
    if isinstance(value, bool):
        raise RowError(f"unparseable timestamp: {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise RowError(f"unparseable timestamp: {value!r}")
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return parse_iso_utc(text)
        if not math.isfinite(number):
            raise RowError(f"unparseable timestamp: {value!r}")
        return int(number)
    raise RowError(f"unparseable timestamp: {value!r}")


def interaction_id(fields: dict[str, Any]) -> str:
    """A deterministic id for an interaction given without one."""
    basis = "|".join(str(fields.get(k)) for k in ("actor", "target", "kind", "at", "post"))
    return "h" + hashlib.sha1(basis.encode(), usedforsecurity=False).hexdigest()[:20]


def to_record(fields: dict[str, Any], default_type: str | None = None,
              default_network: str | None = None) -> Record:
    """Validate one canonical record given as a dict (JSON object or CSV row).

    Raises:
        RowError: unknown type or interaction kind, unparseable timestamp.
        pydantic.ValidationError: a missing, oversized or otherwise invalid field.
    """
    fields = dict(fields)
    kind_of = fields.pop("type", None) or default_type
    if kind_of is None:
        raise RowError("missing field: type")
    model = TYPES.get(str(kind_of).strip().lower())
    if model is None:
        raise RowError(f"unknown record type: {kind_of!r} (known: {', '.join(TYPES)})")
    if default_network and "network" in model.model_fields and not fields.get("network"):
        fields["network"] = default_network
    for name in _TIME_FIELDS:
        if fields.get(name) is not None:
            fields[name] = parse_time(fields[name])
    for name in _LIST_FIELDS:
        if isinstance(fields.get(name), str):
            fields[name] = [t for t in fields[name].split("|") if t.strip()]
    if model is InteractionRecord:
        kind = fields.get("kind")
        if isinstance(kind, str) and kind.strip().lower() not in _KINDS:
            raise RowError(f"unknown interaction kind: {kind!r} (known: {', '.join(_KINDS)})")
        if isinstance(kind, str):
            fields["kind"] = kind.strip().lower()
        if not fields.get("id"):
            fields["id"] = interaction_id(fields)
    return model.model_validate(fields)


class CanonicalAdapter:
    """Reads canonical JSON Lines and CSV files (directories: every such file, sorted).

    Args:
        paths: files or directories.
        network: network for records that do not name one.
        max_line_bytes: longer lines are quarantined unparsed.
        default_type: record type of rows that do not name one (e.g. ``link`` for a
            mapping file), instead of guessing from the file name.
    """

    def __init__(self, paths: list[Path], network: str | None = None,
                 max_line_bytes: int = MAX_LINE_BYTES, default_type: str | None = None) -> None:
        self.files = files.input_files(paths, JSON_SUFFIXES + CSV_SUFFIXES, "canonical")
        self.network = network
        self.default_type = default_type
        self.max_line_bytes = max_line_bytes
        self.meter = files.ByteMeter(files.size_of(self.files))

    def total_rows(self) -> int:
        """Lines in all files (an upper bound for CSV headers), for progress bars (estimated
        for compressed files)."""
        return sum(files.count_lines(path) for path in self.files)

    def __iter__(self) -> Items:
        self.meter.reset()
        for path in self.files:
            if files.logical_suffix(path) in CSV_SUFFIXES:
                yield from self._csv(path)
            else:
                yield from self._jsonl(path)

    def text_items(self) -> Items:
        """The items that can carry post text, for the keyword pass of a load: a JSON line
        without the bytes ``"text"`` is passed over unparsed (CSV files are read whole)."""
        self.meter.reset()
        for path in self.files:
            if files.logical_suffix(path) in CSV_SUFFIXES:
                yield from self._csv(path)
            else:
                yield from self._jsonl(path, needle=b'"text"')

    def _jsonl(self, path: Path, needle: bytes | None = None) -> Items:
        source = path.name
        for number, raw_bytes in files.numbered_lines(path, self.meter):
            if needle is not None and needle not in raw_bytes:
                continue
            if len(raw_bytes) > self.max_line_bytes:
                yield Rejected(source, number, raw_bytes[:200].decode("utf-8", "replace"),
                               f"oversized record: {len(raw_bytes)} bytes > "
                               f"{self.max_line_bytes}")
                continue
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Rejected(source, number, raw_bytes.decode("utf-8", "replace"),
                               f"bad encoding: {exc}")
                continue
            text = raw.strip()
            if not text:
                continue
            if self.default_type is None and _INTERACTION_LINE in raw_bytes:
                try:  # a plain interaction: one validation in pydantic's own JSON parser
                    yield Parsed(source, number, (InteractionRecord.model_validate_json(text),))
                    continue
                except ValidationError:
                    pass  # anything less plain gets the full treatment and its reasons
            try:
                fields = orjson.loads(text)
            except orjson.JSONDecodeError:
                try:  # the standard parser accepts a little more (NaN) and explains better
                    fields = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield Rejected(source, number, text, f"malformed JSON: {exc}")
                    continue
            if not isinstance(fields, dict):
                yield Rejected(source, number, text, "malformed JSON: not an object")
                continue
            yield build(source, number, text, self._make(fields, self.default_type))

    def _make(self, fields: dict[str, Any], default_type: str | None) -> Iterator[Record]:
        yield to_record(fields, default_type, self.network)

    def _csv(self, path: Path) -> Items:
        source = path.name
        default_type = self.default_type or _FILE_TYPES.get(files.logical_stem(path).lower())
        last_line = 0
        with files.decoding_errors(path, lambda: f"after line {last_line}"), \
                files.open_text(path, self.meter, errors="surrogateescape", newline="") as fh:
            reader = csv.reader(fh)
            header: list[str] | None = None
            for row in reader:
                first_line, last_line = last_line + 1, reader.line_num
                if header is None:
                    header = [h.strip().lower() for h in row]
                    if "type" not in header and default_type is None:
                        raise InvalidInputError(
                            f"{path}: CSV without a 'type' column, and its name does not say "
                            "which records it holds.",
                            hint="Add a 'type' column or name the file e.g. interactions.csv.")
                    continue
                raw = ",".join(row)
                if not any(cell.strip() for cell in row):
                    continue
                if any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
                    yield Rejected(source, first_line, raw.encode("utf-8", "surrogateescape")
                                   .decode("utf-8", "replace"), "bad encoding: not UTF-8")
                    continue
                if len(raw) > self.max_line_bytes:
                    yield Rejected(source, first_line, raw[:200],
                                   f"oversized record: {len(raw)} bytes > {self.max_line_bytes}")
                    continue
                if len(row) != len(header):
                    yield Rejected(source, first_line, raw,
                                   f"malformed CSV: {len(row)} fields, header has {len(header)}")
                    continue
                fields = {k: v for k, v in zip(header, row, strict=True) if v.strip() != ""}
                yield build(source, first_line, raw, self._make(fields, default_type))
