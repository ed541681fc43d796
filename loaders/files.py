"""The one place the loaders open input files: plain or compressed, told apart by magic bytes.

Every adapter reads its files through :func:`open_binary` (a decompressed byte stream),
:func:`numbered_lines` (its lines, numbered from 1) or :func:`open_text`, and finds them with
:func:`input_files` / :func:`find_member`. Supported compressions, whatever the file is
called: gzip (``1f 8b``), bzip2 (``BZh``), xz (``fd 37 7a 58 5a 00``) and Zstandard
(``28 b5 2f fd``, also skippable frames; several frames are read one after the other, with
windows up to 2 GiB as in Pushshift's Reddit dumps). The suffixes ``.gz``, ``.bz2``, ``.xz``,
``.zst`` are stripped when a file's kind is read from its name (``Posts.xml.gz`` is
``Posts.xml``, ``events.jsonl.zst`` is JSON Lines), but a file is decompressed only when its
first bytes say so. Archives and compressions we do not read (zip, 7z, rar, lz4, lzip, lzop,
Unix compress, snappy) are refused with :class:`~influence.errors.InvalidInputError` naming
the format and how to unpack it, before anything is loaded.

Progress: a :class:`ByteMeter` passed to the openers counts the bytes read from the files on
disk, i.e. compressed bytes for a compressed file, so a progress bar on bytes needs no first
pass to count lines. :func:`count_lines` is exact for plain files and an estimate for
compressed ones (see there).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO, cast

from influence.errors import InvalidInputError

Codec = Literal["gzip", "bz2", "xz", "zstd"]
CODECS: tuple[Codec, ...] = ("gzip", "bz2", "xz", "zstd")
COMPRESSED_SUFFIXES: dict[str, Codec] = {
    ".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd", ".zstd": "zstd"}
"""Suffixes stripped from a file's name to tell its kind (the magic bytes decide decoding)."""
READ_SIZE = 1 << 16
"""Bytes per read from disk (and the size of the decoded stream's buffer)."""
MAX_ZSTD_WINDOW = 1 << 31
"""Pushshift's Reddit dumps are compressed with ``--long=31``: a 2 GiB window."""
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Unsupported:
    """A recognised archive or compression that the loaders do not read."""

    name: str
    unpack: str
    """How to turn it into something readable (``{file}`` stands for the file's name)."""


_MAGIC: tuple[tuple[bytes, Codec], ...] = (
    (b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"))
_UNSUPPORTED_MAGIC: tuple[tuple[bytes, Unsupported], ...] = (
    (b"PK\x03\x04", Unsupported("a zip archive", "unzip {file}")),
    (b"PK\x05\x06", Unsupported("an (empty) zip archive", "unzip {file}")),
    (b"7z\xbc\xaf\x27\x1c", Unsupported("a 7z archive", "7z x {file}")),
    (b"Rar!\x1a\x07", Unsupported("a rar archive", "unrar x {file}")),
    (b"\x04\x22\x4d\x18", Unsupported("lz4", "lz4 -d {file}")),
    (b"\x02\x21\x4c\x18", Unsupported("lz4 (legacy frame)", "lz4 -d {file}")),
    (b"LZIP\x01", Unsupported("lzip", "lzip -d {file}")),
    (b"\x89LZO\x00\r\n\x1a\n", Unsupported("lzop", "lzop -d {file}")),
    (b"\x1f\x9d", Unsupported("Unix compress (.Z)", "uncompress {file}")),
    (b"\xff\x06\x00\x00sNaPpY", Unsupported("snappy (framed)", "a snappy tool")),
)
UNSUPPORTED_SUFFIXES: dict[str, Unsupported] = {
    ".zip": Unsupported("a zip archive", "unzip {file}"),
    ".7z": Unsupported("a 7z archive", "7z x {file}"),
    ".rar": Unsupported("a rar archive", "unrar x {file}"),
    ".lz4": Unsupported("lz4", "lz4 -d {file}"),
    ".lz": Unsupported("lzip", "lzip -d {file}"),
    ".lzo": Unsupported("lzop", "lzop -d {file}"),
    ".z": Unsupported("Unix compress (.Z)", "uncompress {file}"),
    ".sz": Unsupported("snappy (framed)", "a snappy tool"),
    ".br": Unsupported("brotli", "brotli -d {file}"),
    ".lzma": Unsupported("legacy lzma (.lzma)", "xz -d {file}"),
}
"""Suffixes of formats we do not read; brotli and legacy lzma have no reliable magic bytes,
so for them the suffix is the only sign (used when nothing else explains an input)."""


def _zstd_frame(head: bytes) -> bool:
    """A skippable Zstandard frame (magic 0x184D2A50-5F, little-endian)."""
    return len(head) >= 4 and head[1:4] == b"\x2a\x4d\x18" and 0x50 <= head[0] <= 0x5F


def sniff(head: bytes) -> Codec | Unsupported | None:
    """What the first bytes of a file say it is: a codec we read, one we do not, or neither."""
    for magic, codec in _MAGIC:
        if head.startswith(magic):
            return codec
    if _zstd_frame(head):
        return "zstd"
    for magic, unsupported in _UNSUPPORTED_MAGIC:
        if head.startswith(magic):
            return unsupported
    return None


def unsupported_error(path: Path, unsupported: Unsupported) -> InvalidInputError:
    """The error for a file in a format the loaders do not read."""
    how = unsupported.unpack.format(file=path.name)
    return InvalidInputError(
        f"{path} is {unsupported.name}, which the loaders do not read.",
        hint=f"Unpack it first ({how}), or compress the plain file with gzip, bzip2, xz or "
        "zstd, which are read as they are.")


def compression(path: Path) -> Codec | None:
    """The compression of a file from its first bytes (``None``: a plain file).

    Raises:
        InvalidInputError: the file is an archive or compression the loaders do not read.
        OSError: the file cannot be read.
    """
    with path.open("rb") as fh:
        head = fh.read(16)
    found = sniff(head)
    if isinstance(found, Unsupported):
        raise unsupported_error(path, found)
    return found


_TAR = Unsupported("a tar archive", "tar xf {file}")


def is_tar(data: bytes) -> bool:
    """The first bytes of a tar archive (POSIX ``ustar`` header)."""
    return data[257:262] == b"ustar"


def require_supported(path: Path) -> Codec | None:
    """:func:`compression`, also refusing tar archives (plain or compressed, ``.tar.gz``),
    whose members would otherwise be read as one text with headers in it.

    Raises:
        InvalidInputError: an archive or compression the loaders do not read.
        OSError: the file cannot be read.
    """
    codec = compression(path)
    data = raw_head(path, 512) if codec is None else head(path, 512)
    if is_tar(data):
        raise unsupported_error(path, _TAR if codec is None else Unsupported(
            f"a tar archive ({codec}-compressed)", "tar xf {file}"))
    return codec


def logical_name(path: Path) -> str:
    """The file's name without a compression suffix (``Posts.xml.gz`` -> ``Posts.xml``)."""
    name = path.name
    suffix = Path(name).suffix.lower()
    if suffix in COMPRESSED_SUFFIXES and len(name) > len(suffix):
        return name[: -len(suffix)]
    return name


def logical_suffix(path: Path) -> str:
    """The suffix that tells a file's kind, lower-cased (``events.JSONL.zst`` -> ``.jsonl``)."""
    return Path(logical_name(path)).suffix.lower()


def logical_stem(path: Path) -> str:
    """The name without compression suffix or kind: ``interactions.csv.gz`` -> ``interactions``."""
    return Path(logical_name(path)).stem


class ByteMeter:
    """Bytes read from input files on disk (compressed bytes, for compressed files).

    An adapter owns one, sets :attr:`total` to the bytes one pass over its input reads (a file
    read twice counts twice) and resets it when a pass starts; :meth:`position` is the
    progress of the current pass, comparable with :attr:`total`.
    """

    def __init__(self, total: int = 0) -> None:
        self.total = total
        self._done = 0

    def position(self) -> int:
        """Bytes read from disk since the last :meth:`reset`."""
        return self._done

    def reset(self) -> None:
        self._done = 0

    def add(self, count: int) -> None:
        self._done += count


class _Counting(io.RawIOBase):
    """A raw file that adds what it reads to a :class:`ByteMeter` (``max_read``: at most that
    many bytes per read, so that a decompressor's read-ahead stays small)."""

    def __init__(self, raw: io.RawIOBase, meter: ByteMeter, max_read: int | None = None) -> None:
        self._raw = raw
        self._meter = meter
        self._max_read = max_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._max_read is not None:
            buffer = memoryview(buffer)[: self._max_read]
        count = self._raw.readinto(buffer) or 0
        self._meter.add(count)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Decoded(io.RawIOBase):
    """A decompressing stream as a raw stream, closing the file under it too."""

    def __init__(self, inner: Any, raw: io.RawIOBase) -> None:
        self._inner = inner
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return int(self._inner.readinto(buffer) or 0)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._raw.close()
            super().close()


def _decoder(codec: Codec, raw_stream: io.RawIOBase) -> Any:
    raw = cast(BinaryIO, raw_stream)
    if codec == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if codec == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if codec == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    try:
        import zstandard
    except ImportError as exc:  # a declared dependency; only a broken install lacks it
        raise InvalidInputError(
            "Reading Zstandard (.zst) input needs the 'zstandard' package.",
            hint="pip install zstandard (it is a dependency of influence-engine).") from exc
    return zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW).stream_reader(
        raw, read_size=READ_SIZE, read_across_frames=True, closefd=False)


def open_binary(path: Path, meter: ByteMeter | None = None) -> BinaryIO:
    """The file's content as a buffered byte stream, decompressed if its magic bytes say so.

    Iterating the stream gives its lines (``b"...\\n"``); close it (or use ``with``) when done.
    Decompression errors surface while reading: :func:`numbered_lines` and
    :func:`decoding_errors` turn them into :class:`InvalidInputError`.

    Args:
        path: the file.
        meter: counts the bytes read from disk (for progress on compressed size).

    Raises:
        InvalidInputError: an archive or compression the loaders do not read.
        OSError: the file cannot be opened.
    """
    return io.BufferedReader(_open_raw(path, meter), buffer_size=READ_SIZE)


def _open_raw(path: Path, meter: ByteMeter | None, max_read: int | None = None) -> io.RawIOBase:
    """The decoded content as an unbuffered stream, reading from disk through ``meter``."""
    codec = compression(path)
    raw: io.RawIOBase = io.FileIO(path, "rb")
    if meter is not None:
        raw = _Counting(raw, meter, max_read)
    return raw if codec is None else _Decoded(_decoder(codec, raw), raw)


def open_text(path: Path, meter: ByteMeter | None = None, *, errors: str = "strict",
              newline: str | None = None) -> TextIO:
    """The file's content as UTF-8 text (decompressed as in :func:`open_binary`; a leading
    byte order mark is dropped, as spreadsheet programs write one into CSV files).

    Raises:
        InvalidInputError: an archive or compression the loaders do not read.
        OSError: the file cannot be opened.
    """
    return io.TextIOWrapper(open_binary(path, meter), encoding="utf-8-sig", errors=errors,
                            newline=newline)


def corrupt_data_errors() -> tuple[type[BaseException], ...]:
    """What reading a corrupt or truncated compressed stream raises (gzip, bz2, xz, zstd)."""
    errors: list[type[BaseException]] = [EOFError, zlib.error, lzma.LZMAError, OSError]
    try:
        import zstandard
    except ImportError:
        return tuple(errors)
    return (*errors, zstandard.ZstdError)


@contextmanager
def decoding_errors(path: Path, where: Callable[[], str] = lambda: "") -> Iterator[None]:
    """Turn a corrupt or truncated compressed file into :class:`InvalidInputError`.

    Errors of plain files (a disk error) pass unchanged. ``where`` may say how far the read
    got (e.g. ``"after line 120"``).
    """
    try:
        yield
    except corrupt_data_errors() as exc:
        codec = _quiet_compression(path)
        if codec is None:
            raise
        at = where()
        raise InvalidInputError(
            f"{path}: the {codec} data is corrupt or truncated{' ' + at if at else ''}: {exc}",
            hint=f"Test the file ({_TEST[codec].format(file=path.name)}) and download it again "
            "if the test fails.") from exc


_TEST: dict[Codec, str] = {"gzip": "gzip -t {file}", "bz2": "bzip2 -t {file}",
                           "xz": "xz -t {file}", "zstd": "zstd -t {file}"}


def _quiet_compression(path: Path) -> Codec | None:
    try:
        return compression(path)
    except (OSError, InvalidInputError):
        return None


def numbered_lines(path: Path, meter: ByteMeter | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, raw bytes with the line end) of every line of a file; a UTF-8 byte
    order mark at the start of the file is dropped (Stack Exchange dumps start with one).

    Raises:
        InvalidInputError: an unsupported archive or compression, or corrupt compressed data.
    """
    number = 0
    with decoding_errors(path, lambda: f"after line {number}"), open_binary(path, meter) as fh:
        first = fh.readline()
        if first:
            number = 1
            yield 1, first.removeprefix(UTF8_BOM)
        for number, raw in enumerate(fh, start=2):
            yield number, raw


def head(path: Path, size: int = 1 << 16) -> bytes:
    """Up to ``size`` decompressed bytes from the start of a file (never raises on bad data).

    Raises:
        InvalidInputError: an archive or compression the loaders do not read.
        OSError: the file cannot be opened.
    """
    with open_binary(path) as fh:
        try:
            return fh.read(size)
        except corrupt_data_errors():
            return b""


def raw_head(path: Path, size: int = 16) -> bytes:
    """The first bytes of the file on disk, as they are."""
    with path.open("rb") as fh:
        return fh.read(size)


def size_of(paths: Sequence[Path]) -> int:
    """Bytes on disk of the files."""
    return sum(p.stat().st_size for p in paths)


def count_lines(path: Path, predicate: Callable[[bytes], bool] | None = None,
                sample: int = 8 << 20) -> int:
    """Lines of a file (those for which ``predicate`` holds, if given), for progress totals.

    Exact for a plain file. For a compressed file it is an estimate that avoids decompressing
    the whole file twice: the lines in its first ``sample`` decompressed bytes, scaled by the
    file's compressed size over the compressed bytes those took (read 8 KiB at a time, so the
    decompressor's read-ahead barely skews the ratio): within a few percent for gzip, xz and
    zstd, coarser for bzip2, which decodes 900 kB blocks at a time. Exact when the file
    decompresses to less than ``sample``.

    Raises:
        InvalidInputError: an unsupported archive or compression, or corrupt compressed data.
    """
    codec = compression(path)
    if codec is None:
        if predicate is None:
            with path.open("rb") as fh:
                return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
        with path.open("rb") as fh:
            return sum(1 for line in fh if predicate(line))
    meter = ByteMeter()
    counted = produced = 0
    carry = b""
    with decoding_errors(path), _open_raw(path, meter, max_read=8 << 10) as stream:
        while produced < sample:
            block = stream.read(READ_SIZE)
            if not block:
                return counted + (1 if carry and (predicate is None or predicate(carry)) else 0)
            produced += len(block)
            if predicate is None:
                counted += block.count(b"\n")
                continue
            lines = (carry + block).split(b"\n")
            carry = lines.pop()
            counted += sum(1 for line in lines if predicate(line))
    return round(counted * path.stat().st_size / max(meter.position(), 1))


def input_files(paths: Sequence[Path], suffixes: tuple[str, ...], what: str = "input"
                ) -> list[Path]:
    """Files given directly, plus the files of given folders whose kind (the suffix before
    any compression suffix) is one of ``suffixes``, sorted by name.

    Raises:
        InvalidInputError: a path does not exist, nothing matched (naming files of the right
            kind in a compression we do not read, if the folder has some), or a file is an
            archive or compression we do not read.
    """
    files: list[Path] = []
    unread: list[Path] = []
    for path in paths:
        if path.is_dir():
            for member in sorted(path.iterdir()):
                if not member.is_file():
                    continue
                if logical_suffix(member) in suffixes:
                    files.append(member)
                elif Path(member.stem).suffix.lower() in suffixes and \
                        member.suffix.lower() in UNSUPPORTED_SUFFIXES:
                    unread.append(member)
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInputError(f"{path} does not exist.",
                                    hint=f"Give {what} files or folders of them.")
    if not files:
        if unread:
            kind = UNSUPPORTED_SUFFIXES[unread[0].suffix.lower()]
            raise InvalidInputError(
                f"No readable {what} files: {', '.join(p.name for p in unread[:3])} "
                f"{'is' if len(unread) == 1 else 'are'} {kind.name}, which the loaders do not "
                "read.", hint=f"Unpack first ({kind.unpack.format(file=unread[0].name)}), or "
                "use gzip, bzip2, xz or zstd, which are read as they are.")
        raise InvalidInputError(
            f"No {what} files found.",
            hint=f"Give files or folders of {', '.join(suffixes)} files (optionally "
            "compressed: .gz, .bz2, .xz, .zst).")
    for file in files:
        require_supported(file)  # refuse archives we do not read before anything is loaded
    return files


def find_member(directory: Path, name: str) -> Path | None:
    """``directory/name``, or the same name with a compression suffix (``Posts.xml.gz``)."""
    plain = directory / name
    if plain.is_file():
        return plain
    for suffix in COMPRESSED_SUFFIXES:
        candidate = directory / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_text(path: Path) -> str:
    """The whole file as UTF-8 text (decompressed as in :func:`open_binary`).

    Raises:
        InvalidInputError: an unsupported archive or compression, or corrupt compressed data.
        UnicodeDecodeError: the content is not UTF-8.
        OSError: the file cannot be read.
    """
    with decoding_errors(path), open_binary(path) as fh:
        return fh.read().decode("utf-8-sig")

