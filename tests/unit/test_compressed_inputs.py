"""Compressed inputs read transparently (gzip, bzip2, xz, zstd), told apart by magic bytes, by
every adapter and the evaluation's dataset reader; progress measured in bytes on disk."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import zstandard

from influence.errors import InvalidInputError
from influence.evaluation.datasets import read_dataset
from influence.jobs.sources import by_bytes, source
from influence.loaders import files
from influence.loaders.base import Item, Parsed, Rejected, Skipped
from influence.loaders.canonical import CanonicalAdapter
from influence.loaders.edgelists import EdgeListAdapter
from influence.loaders.labelled import read_labelled
from influence.loaders.mastodon import MastodonAdapter
from influence.loaders.records import InteractionRecord
from influence.loaders.reddit import RedditAdapter
from influence.loaders.stackexchange import FILES, StackExchangeAdapter
from influence.settings import Settings
from tests.conftest import SE_DUMP, SHARED_DATA

COLLEGE = SHARED_DATA / "snap-collegemsg" / "CollegeMsg.txt"
OTC = SHARED_DATA / "snap-bitcoin-otc" / "soc-sign-bitcoinotc.csv.gz"
EMAIL = SHARED_DATA / "snap-email-eu-core"
POLBOOKS = SHARED_DATA / "polbooks" / "polbooks.gml"
DATA = Path(__file__).resolve().parents[1] / "data"

COMPRESS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": (".gz", gzip.compress),
    "bz2": (".bz2", bz2.compress),
    "xz": (".xz", lzma.compress),
    "zstd": (".zst", lambda data: zstandard.ZstdCompressor().compress(data)),
}


def _compressed(source_file: Path, folder: Path, codec: str, name: str | None = None) -> Path:
    suffix, compress = COMPRESS[codec]
    target = folder / (name or source_file.name + suffix)
    target.write_bytes(compress(source_file.read_bytes()))
    return target


def _summary(items: Iterable[Item]) -> tuple[Counter[str], list[tuple[str, int, str]]]:
    """(items by bin, (source, line, reason) of every rejection or skip)."""
    bins: Counter[str] = Counter()
    reasons: list[tuple[str, int, str]] = []
    for item in items:
        bins[type(item).__name__] += 1
        if isinstance(item, Rejected | Skipped):
            reasons.append((item.source, item.line, item.reason))
    return bins, reasons


def _interactions(items: Iterable[Item]) -> list[InteractionRecord]:
    return [r for i in items if isinstance(i, Parsed) for r in i.records
            if isinstance(r, InteractionRecord)]


@pytest.mark.parametrize("codec", list(COMPRESS))
def test_every_codec_reads_collegemsg_like_the_plain_file(tmp_path: Path, codec: str) -> None:
    path = _compressed(COLLEGE, tmp_path, codec)
    assert files.compression(path) == codec
    adapter = EdgeListAdapter(path, "snap", network="college")
    records = _interactions(adapter)
    assert records == _interactions(EdgeListAdapter(COLLEGE, "snap", network="college"))
    assert len(records) == 59_835
    assert adapter.meter.position() == adapter.meter.total == path.stat().st_size
    assert adapter.total_rows() == 59_835  # small enough to be counted, not estimated


def test_magic_bytes_decide_not_the_suffix(tmp_path: Path) -> None:
    disguised = _compressed(COLLEGE, tmp_path, "gzip", name="CollegeMsg.txt")
    plain_named_gz = tmp_path / "plain.txt.gz"
    plain_named_gz.write_bytes(COLLEGE.read_bytes()[:2_000])
    assert files.compression(disguised) == "gzip"
    assert files.compression(plain_named_gz) is None
    assert len(_interactions(EdgeListAdapter(disguised, "snap"))) == 59_835
    assert _interactions(EdgeListAdapter(plain_named_gz, "snap"))[0].actor == "1"


def test_bitcoin_otc_is_read_from_the_publishers_gzip() -> None:
    opened = source("bitcoin").open([OTC], None, None)
    assert opened.compressed
    assert opened.total_bytes == OTC.stat().st_size == 397_258  # MANIFEST.md
    bins, reasons = _summary(opened.items)
    assert reasons == []
    assert bins == {"Parsed": 35_592}
    assert opened.position() == opened.total_bytes
    records = _interactions(source("bitcoin").open([OTC], None, None).items)
    assert (records[0].actor, records[0].target, records[0].value) == ("6", "2", 4.0)
    assert records[0].at == 1289241911  # 1289241911.72836, floored to seconds
    assert len({r.actor for r in records} | {r.target for r in records}) == 5_881


def test_stackexchange_dump_of_compressed_files_reads_like_the_plain_dump(
        tmp_path: Path) -> None:
    codecs = ["gzip", "zstd", "xz", "bz2"]
    for index, name in enumerate(FILES):
        _compressed(SE_DUMP / name, tmp_path, codecs[index % len(codecs)])
    assert {p.suffix for p in tmp_path.iterdir()} == {".gz", ".zst", ".xz", ".bz2"}
    compressed = StackExchangeAdapter(tmp_path)
    assert _summary(compressed) == _summary(StackExchangeAdapter(SE_DUMP))
    posts = files.find_member(tmp_path, "Posts.xml")
    assert posts is not None
    assert posts.name == "Posts.xml.zst"
    # one pass reads every file once and Posts.xml twice (index, then load)
    assert compressed.meter.position() == compressed.meter.total == sum(
        p.stat().st_size for p in tmp_path.iterdir()) + posts.stat().st_size
    assert compressed.total_rows() == 29_602


def test_a_folder_of_jsonl_zst_and_csv_gz_reads_like_the_plain_folder(tmp_path: Path) -> None:
    plain = DATA / "canonical"
    _compressed(plain / "events.jsonl", tmp_path, "zstd")
    _compressed(plain / "interactions.csv", tmp_path, "gzip")
    _compressed(plain / "identities.csv", tmp_path, "xz")
    adapter = CanonicalAdapter([tmp_path])
    assert [p.name for p in adapter.files] == ["events.jsonl.zst", "identities.csv.xz",
                                               "interactions.csv.gz"]
    def shape(items: Iterable[Item]) -> list[tuple[str, int, object]]:
        return [(files.logical_name(Path(i.source)), i.line,
                 i.records if isinstance(i, Parsed) else type(i)) for i in items]

    assert shape(adapter) == shape(CanonicalAdapter([plain]))  # CSV types from the stem too
    assert adapter.meter.position() == adapter.meter.total


@pytest.mark.parametrize("network", ["twitter", "mastodon", "bluesky", "reddit"])
def test_social_adapters_read_zstd_folders(tmp_path: Path, network: str) -> None:
    for path in sorted((DATA / network).iterdir()):
        _compressed(path, tmp_path, "zstd")
    plain = source(network).open([DATA / network], None, None)
    packed = source(network).open([tmp_path], None, None)
    assert packed.compressed
    assert not plain.compressed

    def shape(items: Iterable[Item]) -> list[tuple[int, object]]:
        return [(i.line, i.records if isinstance(i, Parsed) else i.reason) for i in items]

    assert shape(packed.items) == shape(plain.items)
    assert packed.position() == packed.total_bytes > 0


def test_pushshift_zstd_with_a_2_gib_window(tmp_path: Path) -> None:
    params = zstandard.ZstdCompressionParameters.from_level(19, window_log=31,
                                                            enable_ldm=True)
    compressor = zstandard.ZstdCompressor(compression_params=params)
    for path in (DATA / "reddit").iterdir():
        with (tmp_path / f"{path.name}.zst").open("wb") as out, \
                compressor.stream_writer(out) as writer:
            writer.write(path.read_bytes())  # streamed: no content size, the window stays 2 GiB
    plain = [(i.line, type(i).__name__) for i in RedditAdapter([DATA / "reddit"])]
    assert [(i.line, type(i).__name__) for i in RedditAdapter([tmp_path])] == plain


def test_concatenated_gzip_members_and_zstd_frames_are_read_whole(tmp_path: Path) -> None:
    data = COLLEGE.read_bytes()
    half = data.index(b"\n", len(data) // 2) + 1
    members = tmp_path / "members.txt.gz"
    members.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    frames = tmp_path / "frames.txt.zst"
    zstd = zstandard.ZstdCompressor()
    frames.write_bytes(zstd.compress(data[:half]) + zstd.compress(data[half:]))
    for path in (members, frames):
        assert len(_interactions(EdgeListAdapter(path, "snap"))) == 59_835


def test_truncated_gzip_fails_with_invalid_input_naming_the_line(tmp_path: Path) -> None:
    truncated = tmp_path / "soc-sign-bitcoinotc.csv.gz"
    truncated.write_bytes(OTC.read_bytes()[:200_000])
    adapter = EdgeListAdapter(truncated, "bitcoin")
    with pytest.raises(InvalidInputError, match=r"gzip data is corrupt or truncated after line "
                       r"\d+") as caught:
        list(adapter)
    assert "gzip -t" in (caught.value.hint or "")


def test_archives_and_unsupported_compressions_are_refused_up_front(tmp_path: Path) -> None:
    zipped = tmp_path / "CollegeMsg.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(COLLEGE, "CollegeMsg.txt")
    tarred = tmp_path / "CollegeMsg.tar.gz"
    with tarfile.open(tarred, "w:gz") as archive:
        archive.add(COLLEGE, "CollegeMsg.txt")
    lz4_named_gz = tmp_path / "CollegeMsg.txt.gz"  # an lz4 frame header, whatever the name
    lz4_named_gz.write_bytes(b"\x04\x22\x4d\x18\x64\x40\xa7" + COLLEGE.read_bytes()[:100])
    for path, name, unpack in ((zipped, "zip archive", "unzip"), (tarred, "tar archive", "tar"),
                               (lz4_named_gz, "lz4", "lz4 -d")):
        with pytest.raises(InvalidInputError, match=name) as caught:
            EdgeListAdapter(path, "snap")
        assert unpack in (caught.value.hint or "")


def test_a_folder_of_unsupported_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl.lz4").write_bytes(b"\x04\x22\x4d\x18\x64\x40\xa7")
    with pytest.raises(InvalidInputError, match=r"events\.jsonl\.lz4 is lz4"):
        CanonicalAdapter([tmp_path])
    with pytest.raises(InvalidInputError, match="is lz4"):
        RedditAdapter([tmp_path / "events.jsonl.lz4"])


def test_a_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    edges = tmp_path / "edges.txt"
    edges.write_bytes(b"\xef\xbb\xbf" + COLLEGE.read_bytes()[:500])
    assert _interactions(EdgeListAdapter(edges, "snap"))[0].actor == "1"
    csv_file = tmp_path / "interactions.csv"
    csv_file.write_bytes(b"\xef\xbb\xbf" + (DATA / "canonical" / "interactions.csv").read_bytes())
    assert _summary(CanonicalAdapter([csv_file]))[1] == _summary(
        CanonicalAdapter([DATA / "canonical" / "interactions.csv"]))[1]


class _Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int | None]] = []
        self.steps: list[int] = []

    def stage(self, description: str, total: int | None = None, *,
              unit: str = "items") -> None:
        self.stages.append((description, total))

    def advance(self, steps: int = 1) -> None:
        self.steps.append(steps)

    def note(self, message: str) -> None:
        return None


def test_progress_in_compressed_bytes_restarts_with_each_pass(tmp_path: Path) -> None:
    path = _compressed(COLLEGE, tmp_path, "xz")
    opened = source("snap").open([path], None, None)
    for _ in range(2):  # e.g. the keyword pass, then the load
        progress = _Recorder()
        progress.stage("loading", opened.total_bytes)
        assert sum(1 for _ in by_bytes(opened, opened.items, progress, every=1_000)) == 59_835
        assert sum(progress.steps) == opened.total_bytes == path.stat().st_size
        assert len(progress.steps) > 10  # advanced along the way, not only at the end


def test_row_totals_of_compressed_files_are_estimated_from_a_sample(tmp_path: Path) -> None:
    path = _compressed(SHARED_DATA / "snap-sx-mathoverflow" / "sx-mathoverflow-c2a.txt",
                       tmp_path, "gzip")
    assert files.count_lines(path) == 195_330  # MANIFEST.md; decompressed whole: under 8 MiB
    estimate = files.count_lines(path, sample=1 << 20)
    assert abs(estimate - 195_330) / 195_330 < 0.05


def test_labelled_graphs_read_compressed_edges_labels_and_gml(tmp_path: Path) -> None:
    edges = _compressed(EMAIL / "email-Eu-core.txt", tmp_path, "bz2")
    labels = _compressed(EMAIL / "email-Eu-core-department-labels.txt", tmp_path, "zstd")
    packed = read_labelled(edges, labels)
    plain = read_labelled(EMAIL / "email-Eu-core.txt",
                          EMAIL / "email-Eu-core-department-labels.txt")
    assert (packed.edges, packed.labels) == (plain.edges, plain.labels)
    gml = read_labelled(_compressed(POLBOOKS, tmp_path, "xz"), None)
    assert len(gml.names) == 105
    assert Counter(gml.labels.values()) == {"c": 49, "l": 43, "n": 13}  # MANIFEST.md


def test_mastodon_page_arrays_with_a_bad_line_are_rejected_not_fatal(tmp_path: Path) -> None:
    statuses = (DATA / "mastodon" / "home_timeline.jsonl").read_text(encoding="utf-8")
    page = "[" + ",".join(line for line in statuses.splitlines() if line.strip()) + "]\n"
    path = tmp_path / "pages.jsonl.gz"
    path.write_bytes(gzip.compress((page + "[{not json\n" + "[1]\n").encode()))
    items = list(MastodonAdapter([path]))
    reasons = [i.reason for i in items if isinstance(i, Rejected)]
    assert any(r.startswith("malformed JSON: Expecting") for r in reasons)
    assert "malformed JSON: not an object" in reasons
    assert any(isinstance(i, Parsed) for i in items)


def test_evaluation_reads_the_compressed_dataset(tmp_path: Path) -> None:
    records, network, quarantined = read_dataset(OTC, "bitcoin", None,
                                                 Settings(quarantine_dir=tmp_path))
    assert (len(records), network, quarantined) == (35_592, "bitcoin", 0)
