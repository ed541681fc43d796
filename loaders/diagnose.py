"""Why nothing of an input could be read, so that such a load fails loudly with the cause.

A load whose every item was quarantined, or that read no item from a non-empty file, has
almost always been given the wrong thing: a compression the loaders do not read, a file of
another format (the wrong ``influence load <format>`` or ``--format``), the right columns with
the wrong delimiter, or text in another encoding than UTF-8. :func:`require_readable` is what a
job calls after a load (or after reading an evaluation's dataset); it raises
:class:`~influence.errors.InvalidInputError` (exit code 4) with the message and hint of
:func:`diagnose`, which looks at the input itself (magic bytes, the first decompressed lines)
and at the reasons of the first rejected lines.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from influence.errors import InvalidInputError
from influence.loaders import files
from influence.loaders.base import Rejected
from influence.loaders.quarantine import Tally

Cause = Literal["unsupported compression", "corrupt compressed data", "wrong format",
                "wrong delimiter", "wrong encoding", "unknown"]
Command = Literal["load", "evaluate"]
EVALUATE_FORMATS = ("snap", "higgs", "konect", "bitcoin", "stackexchange")
JSON_FORMATS = ("events", "twitter", "mastodon", "bluesky", "reddit")
SAMPLE_BYTES = 1 << 16
"""Decompressed bytes read from the start of each file to see what it holds."""
SAMPLE_LINES = 20
_MAX_FILES = 16


@dataclass(frozen=True)
class Diagnosis:
    """The likely cause of an unreadable input, as a message and a fix-it hint."""

    cause: Cause
    message: str
    hint: str

    def error(self) -> InvalidInputError:
        return InvalidInputError(self.message, hint=self.hint)


@dataclass(frozen=True)
class _Layout:
    """What a format's lines look like."""

    describe: str
    delimiter: Literal["whitespace", "comma", "xml", "json", "csv"]
    fields: int = 0


_LAYOUTS: dict[str, _Layout] = {
    "snap": _Layout("`src dst unix_seconds` lines separated by spaces or tabs", "whitespace", 3),
    "higgs": _Layout("`A B unix_seconds RT|MT|RE` lines separated by spaces", "whitespace", 4),
    "konect": _Layout("`from to weight unix_seconds` lines separated by spaces", "whitespace", 4),
    "bitcoin": _Layout("comma-separated `Source,Target,Rating,Time` lines", "comma", 4),
    "stackexchange": _Layout("a Stack Exchange dump's XML files, one `<row .../>` per line",
                             "xml"),
    "events": _Layout("canonical records as JSON Lines or CSV with a header row", "csv"),
    "twitter": _Layout("Twitter/X API v2 JSON, one object per line", "json"),
    "mastodon": _Layout("Mastodon API status JSON, one status per line", "json"),
    "bluesky": _Layout("AT Protocol repo records as JSON lines", "json"),
    "reddit": _Layout("Pushshift Reddit NDJSON, one object per line", "json"),
}
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes", " ": "spaces"}
_NAMES = {"snap": "a SNAP temporal edge list (`src dst unix_seconds`)",
          "higgs": "a SNAP Higgs activity file (`A B unix_seconds RT|MT|RE`)",
          "konect": "a KONECT temporal edge list (`from to weight unix_seconds`)",
          "bitcoin": "SNAP signed trust ratings (`Source,Target,Rating,Time`)",
          "stackexchange": "a Stack Exchange dump file (`<row .../>` XML)",
          "events": "the canonical event format", "twitter": "Twitter/X API JSON",
          "mastodon": "Mastodon status JSON", "bluesky": "Bluesky repo records",
          "reddit": "Pushshift Reddit JSON"}
_HIGGS_KINDS = {"RT", "MT", "RE"}
_BITCOIN_HEADER = ("source", "target", "rating", "time")


def nothing_read(tally: Tally) -> bool:
    """Nothing was loaded or deliberately skipped: every item read was quarantined, or none
    was read (a resumed run that found everything loaded already does not count)."""
    return tally.loaded == 0 and tally.skipped == 0 and tally.resumed == 0


def require_readable(paths: Sequence[Path], fmt: str, tally: Tally, *,
                     rejected: Sequence[Rejected] = (), quarantine: Path | None = None,
                     command: Command = "load") -> None:
    """Fail loudly when nothing of a non-empty input could be read.

    Call it after a load (or after reading a dataset) with the run's tally. Nothing happens
    when something was loaded or skipped, when a resumed run had nothing left, or when the
    input files are all empty.

    Args:
        paths: the input files (folders are looked into).
        fmt: the format they were read as (``snap``, ``stackexchange``, ``events``, ...).
        tally: the run's counts.
        rejected: the first rejected items, if at hand.
        quarantine: the run's quarantine file, to read the first rejected lines from when
            ``rejected`` is not given.
        command: ``load`` or ``evaluate``, for the command the hint suggests.

    Raises:
        InvalidInputError: nothing could be read; the message and hint name the likely cause
            (:func:`diagnose`).
    """
    if not nothing_read(tally):
        return
    expanded = _expand(paths)
    if not any(p.stat().st_size for p in expanded):
        return
    if not rejected and quarantine is not None:
        rejected = quarantine_samples(quarantine)
    raise diagnose(expanded, fmt, tally, rejected, command=command).error()


def quarantine_samples(path: Path, limit: int = SAMPLE_LINES) -> list[Rejected]:
    """The first rejected lines of a quarantine file (none if it does not exist)."""
    out: list[Rejected] = []
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            out.append(Rejected(str(entry.get("source", "")), int(entry.get("line", 0)),
                                str(entry.get("raw", "")), str(entry.get("reason", ""))))
            if len(out) >= limit:
                break
    return out


def diagnose(paths: Sequence[Path], fmt: str, tally: Tally | None = None,
             rejected: Sequence[Rejected] = (), *, command: Command = "load") -> Diagnosis:
    """The likely reason an input could not be read as ``fmt``.

    Looks, in order, for: a compression or archive the loaders do not read; corrupt
    compressed data; text that is not UTF-8 (UTF-16, Latin-1/Windows-1252); lines that look
    like another format; the right number of fields with another delimiter. Otherwise the
    most common quarantine reasons are reported.
    """
    expanded = _expand(paths)[:_MAX_FILES]
    looks = [_look(path) for path in expanded if path.stat().st_size]
    for finder in (_compression, _corrupt, _encoding):
        for look in looks:
            found = finder(look, fmt, command, rejected)
            if found is not None:
                return found
    for look in looks:
        found = _shape(look, fmt, command)
        if found is not None:
            return found
    return _fallback(expanded, fmt, tally, rejected, command)


# --- what a file holds ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Look:
    path: Path
    raw: bytes
    """First bytes on disk."""
    codec: files.Codec | None
    unsupported: files.Unsupported | None
    data: bytes
    """The first decompressed bytes (empty if they could not be decompressed)."""
    error: str = ""


def _expand(paths: Sequence[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file())
        elif path.is_file():
            out.append(path)
    return out


def _look(path: Path) -> _Look:
    raw = files.raw_head(path, 16)
    found = files.sniff(raw)
    if isinstance(found, files.Unsupported):
        return _Look(path, raw, None, found, b"")
    errors: tuple[type[BaseException], ...] = (*files.corrupt_data_errors(), InvalidInputError)
    try:
        with files.open_binary(path) as fh:
            data = fh.read(SAMPLE_BYTES)
    except errors as exc:
        return _Look(path, raw, found, None, b"", str(exc))
    return _Look(path, raw, found, None, data)


def _utf16(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = data[:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > len(sample) // 4 and min(even, odd) < len(sample) // 50:
            return "UTF-16"
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def _is_text(data: bytes) -> bool:
    """Few control characters and no NUL in the first 4 KiB."""
    sample = data[:4096]
    if not sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return b"\x00" not in sample and controls <= len(sample) // 100


def _text_lines(look: _Look) -> list[str]:
    text = look.data.removeprefix(files.UTF8_BOM).decode("utf-8", "replace")
    if len(look.data) >= SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n")]  # the last line may be cut short
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            lines.append(stripped)
        if len(lines) >= SAMPLE_LINES:
            break
    return lines


def _name(fmt: str) -> str:
    return _NAMES.get(fmt, fmt)


def _suggest(formats: Sequence[str], command: Command, path: Path) -> str:
    """How to read the file as the first of ``formats`` (with the others as alternatives)."""
    best = formats[0]
    target = path.parent if best == "stackexchange" else path
    others = f" (or {', '.join(formats[1:])})" if len(formats) > 1 else ""
    if command == "evaluate":
        usable = [f for f in formats if f in EVALUATE_FORMATS]
        if not usable:
            return (f"`influence evaluate influence` reads {'|'.join(EVALUATE_FORMATS)}; "
                    f"load this file with `influence load {best} {target}` instead.")
        if usable[0] == "stackexchange":
            return f"Use --format stackexchange on the dump folder {target}."
        rest = f" (or {', '.join(usable[1:])})" if len(usable) > 1 else ""
        return f"Use --format {usable[0]}{rest}."
    return f"Load it with `influence load {best} {target}`{others}."


# --- the causes, in the order they are looked for ------------------------------------------

def _compression(look: _Look, fmt: str, command: Command,
                 rejected: Sequence[Rejected]) -> Diagnosis | None:
    unsupported = look.unsupported
    if unsupported is None and files.is_tar(look.data):
        unsupported = files.Unsupported(
            f"a tar archive ({look.codec}-compressed)" if look.codec else "a tar archive",
            "tar xf {file}")
    if unsupported is None and look.codec is None and not _is_text(look.data) \
            and _utf16(look.data) is None:
        unsupported = files.UNSUPPORTED_SUFFIXES.get(look.path.suffix.lower())
        if unsupported is None:
            return Diagnosis(
                "unsupported compression",
                f"{look.path} is not text, and not in a compression the loaders read (gzip, "
                f"bzip2, xz, zstd): its first bytes are {look.raw[:8].hex(' ')}.",
                "If it is compressed or archived in another format, unpack it first, or "
                "recompress the plain file with gzip, bzip2, xz or zstd.")
    if unsupported is None:
        return None
    error = files.unsupported_error(look.path, unsupported)
    return Diagnosis("unsupported compression", error.message, error.hint or "")


def _corrupt(look: _Look, fmt: str, command: Command,
             rejected: Sequence[Rejected]) -> Diagnosis | None:
    if look.codec is None or look.data:
        return None
    test = {"gzip": "gzip -t", "bz2": "bzip2 -t", "xz": "xz -t", "zstd": "zstd -t"}[look.codec]
    return Diagnosis("corrupt compressed data",
                     f"{look.path} starts like {look.codec} data but cannot be decompressed: "
                     f"{look.error or 'no data'}.",
                     f"Test it ({test} {look.path.name}) and download it again.")


def _encoding(look: _Look, fmt: str, command: Command,
              rejected: Sequence[Rejected]) -> Diagnosis | None:
    wide = _utf16(look.data)
    if wide is not None:
        return Diagnosis("wrong encoding",
                         f"{look.path} is {wide} text; the loaders read UTF-8.",
                         f"Convert it: iconv -f {wide} -t UTF-8 {look.path.name} > "
                         f"{files.logical_name(look.path)}.utf8")
    bad_encoding = [r for r in rejected if r.reason.startswith("bad encoding")]
    if _is_utf8(look.data) and not (rejected and len(bad_encoding) * 2 >= len(rejected)):
        return None
    try:
        look.data.decode("cp1252")
        legacy, iconv = "Windows-1252 (or Latin-1)", "WINDOWS-1252"
    except UnicodeDecodeError:
        legacy, iconv = "Latin-1 (or another 8-bit encoding)", "ISO-8859-1"
    return Diagnosis("wrong encoding",
                     f"{look.path} is not UTF-8 text: it looks like {legacy}"
                     + (f"; {len(bad_encoding)} of the first {len(rejected)} rejected lines "
                        "are 'bad encoding'" if bad_encoding else "") + ".",
                     f"Convert it: iconv -f {iconv} -t UTF-8 {look.path.name} > "
                     f"{files.logical_name(look.path)}.utf8 (decompress it first if it is "
                     "compressed), and load the result.")


def _shape(look: _Look, fmt: str, command: Command) -> Diagnosis | None:
    lines = _text_lines(look)
    if not lines:
        return None
    natural, variants, seen = _candidates(lines)
    layout = _LAYOUTS.get(fmt)
    first = lines[0] if len(lines[0]) <= 100 else lines[0][:97] + "..."
    if fmt in natural or layout is None:
        return None
    if natural:
        hint = _suggest(natural, command, look.path)
        if fmt in variants:
            hint += (f" If it is {fmt} data after all, it is separated by {seen} where {fmt} "
                     f"expects {_expected_delimiter(layout)}.")
        return Diagnosis("wrong format",
                         f"Nothing in {look.path} could be read as {fmt} ({layout.describe}): "
                         f"it looks like {_name(natural[0])} (first line: `{first}`).", hint)
    if fmt in variants:
        return Diagnosis("wrong delimiter",
                         f"Nothing in {look.path} could be read as {fmt}: its lines have the "
                         f"fields of {fmt} separated by {seen}, where {fmt} expects "
                         f"{_expected_delimiter(layout)} (first line: `{first}`).",
                         _convert(seen, layout, look.path))
    return None


def _expected_delimiter(layout: _Layout) -> str:
    return "spaces or tabs" if layout.delimiter == "whitespace" else "commas"


def _convert(seen: str, layout: _Layout, path: Path) -> str:
    symbol = {v: k for k, v in _DELIMITERS.items()}.get(seen, ",")
    new = " " if layout.delimiter == "whitespace" else ","
    shown = "\\t" if symbol == "\t" else symbol
    name = files.logical_name(path)
    return (f"Convert the delimiter, e.g. tr '{shown}' '{new}' < {name} > fixed-{name} "
            "(for a compressed file, decompress it first), and load the result.")


def _candidates(lines: list[str]) -> tuple[list[str], list[str], str]:
    """Formats the lines fit with their own delimiter, formats they would fit with another
    delimiter, and the delimiter seen (as words, e.g. ``tabs``)."""
    first = lines[0]
    if first.startswith("{"):
        return _json_candidates(lines), [], "JSON"
    if first.startswith("["):
        return ["mastodon"], [], "JSON"
    if first.startswith("<"):
        rows = any(line.startswith("<row") for line in lines)
        return (["stackexchange"] if rows else []), [], "XML"
    if first.lower().startswith(("graph", "creator")):
        return [], [], "GML"
    return _delimited([line for line in lines if not line.startswith(("%", "#"))])


def _delimited(data: list[str]) -> tuple[list[str], list[str], str]:
    """:func:`_candidates` for lines of delimited fields (comment lines left out)."""
    if not data:
        return [], [], ""
    delimiter, width = _delimiter(data)
    if delimiter is None:
        return [], [], ""
    rows = [_split(line, delimiter) for line in data]
    header = [h.strip().strip('"').lower() for h in rows[0]]
    body = rows[1:] if not any(_number(h) for h in header) else rows
    natural: list[str] = []
    variants: list[str] = []
    seen = _DELIMITERS[delimiter]
    whitespace = delimiter in (" ", "\t")

    def fit(name: str, ok: bool) -> None:
        (natural if ok else variants).append(name)

    if tuple(header) == _BITCOIN_HEADER or _canonical_header(header):
        fit("bitcoin" if tuple(header) == _BITCOIN_HEADER else "events", delimiter == ",")
        return natural, variants, seen  # a header says which format it is
    if body and width == 3 and all(_number(f) for r in body for f in r):
        fit("snap", whitespace)
    if body and width == 4 and all(r[3].upper() in _HIGGS_KINDS for r in body):
        fit("higgs", whitespace)
    if body and width == 4 and all(_number(f) for r in body for f in r):
        fit("konect", whitespace)
        fit("bitcoin", delimiter == ",")
    return list(dict.fromkeys(natural)), list(dict.fromkeys(variants)), seen


def _split(line: str, delimiter: str) -> list[str]:
    """Fields as the edge-list adapters see them: any whitespace, or the one delimiter."""
    return line.split() if delimiter in (" ", "\t") else [f.strip() for f in line.split(delimiter)]


def _delimiter(lines: list[str]) -> tuple[str | None, int]:
    """The delimiter that splits every line into the same number (>= 2) of fields."""
    for delimiter in (",", ";", "\t", "|"):
        widths = {len(line.split(delimiter)) for line in lines}
        if len(widths) == 1 and (width := widths.pop()) >= 2:
            return delimiter, width
    widths = {len(line.split()) for line in lines}
    if len(widths) == 1 and (width := widths.pop()) >= 2:
        return " ", width
    return None, 0


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _canonical_header(header: list[str]) -> bool:
    from influence.loaders.canonical import TYPES

    known = {"type"} | {name for model in TYPES.values() for name in model.model_fields}
    return len(header) >= 2 and all(h in known for h in header)


def _json_candidates(lines: list[str]) -> list[str]:
    keys: Counter[str] = Counter()
    objects: list[dict[str, Any]] = []
    for line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            objects.append(value)
            keys.update(value.keys())
    if not objects:
        return list(JSON_FORMATS)
    from influence.loaders.canonical import TYPES

    found: list[str] = []
    if all(str(o.get("type", "")).lower() in TYPES for o in objects):
        found.append("events")
    if keys["data"] or keys["author_id"]:
        found.append("twitter")
    if keys["account"] and (keys["in_reply_to_account_id"] or keys["reblog"]
                            or keys["mentions"]):
        found.append("mastodon")
    if (keys["repo"] or keys["did"]) and (keys["record"] or keys["commit"]):
        found.append("bluesky")
    if keys["subreddit"] or keys["created_utc"]:
        found.append("reddit")
    return found or list(JSON_FORMATS)


# --- when the file looks right: the reasons ------------------------------------------------

def _fallback(paths: Sequence[Path], fmt: str, tally: Tally | None,
              rejected: Sequence[Rejected], command: Command) -> Diagnosis:
    where = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    layout = _LAYOUTS.get(fmt)
    expected = f" ({layout.describe})" if layout else ""
    how = "`--format`" if command == "evaluate" else "the `influence load` format"
    if tally is not None and tally.quarantined:
        reasons = tally.quarantine_reasons or Counter(Tally.category(r.reason)
                                                      for r in rejected)
        top = "; ".join(f"{reason} ({count})" for reason, count in reasons.most_common(3))
        first = next(iter(rejected), None)
        example = (f" First: {first.source} line {first.line}: {first.reason}"
                   if first is not None else "")
        return Diagnosis("unknown",
                         f"Nothing in {where} could be read as {fmt}{expected}: all "
                         f"{tally.quarantined} record(s) were quarantined. Reasons: {top}."
                         + example,
                         f"Check {how}, the delimiter and the encoding (UTF-8) against "
                         "docs/FORMATS.md.")
    return Diagnosis("unknown",
                     f"No record found in {where} as {fmt}{expected}, though the input is "
                     "not empty.",
                     f"Check {how} and that the files hold {fmt} data (docs/FORMATS.md).")
