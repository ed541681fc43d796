"""Fail loudly: an input of which nothing could be read ends with InvalidInputError (exit code 4)
naming the likely cause. Every case is a real file from ../shared/data, or one derived from it
in a temporary folder."""

from __future__ import annotations

import gzip
import lzma
import shutil
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from influence.errors import InvalidInputError, code_for
from influence.evaluation.datasets import read_dataset
from influence.jobs.sources import source
from influence.loaders.base import Parsed, Rejected, Skipped
from influence.loaders.diagnose import (
    Diagnosis,
    diagnose,
    nothing_read,
    quarantine_samples,
    require_readable,
)
from influence.loaders.quarantine import Quarantine, Tally
from influence.settings import Settings
from tests.conftest import SE_DUMP, SHARED_DATA

COLLEGE = SHARED_DATA / "snap-collegemsg" / "CollegeMsg.txt"
ALPHA = SHARED_DATA / "snap-bitcoin-alpha" / "soc-sign-bitcoinalpha.csv"
OTC = SHARED_DATA / "snap-bitcoin-otc" / "soc-sign-bitcoinotc.csv.gz"
POSTS = SE_DUMP / "Posts.xml"
REDDIT = Path(__file__).resolve().parents[1] / "data" / "reddit"


def _read(fmt: str, path: Path, quarantine_dir: Path | None = None
          ) -> tuple[Tally, list[Rejected]]:
    """Read a source through the source table as a load does: its tally and first rejections
    (and, with ``quarantine_dir``, the quarantine file a load would write)."""
    opened = source(fmt).open([path], None, None)
    tally, rejected = Tally(), []
    quarantine = Quarantine(quarantine_dir, fmt) if quarantine_dir else None
    for item in opened.items:
        tally.read += 1
        if isinstance(item, Parsed):
            tally.loaded += 1
        elif isinstance(item, Skipped):
            tally.skipped += 1
        else:
            tally.quarantined += 1
            tally.quarantine_reasons[Tally.category(item.reason)] += 1
            rejected.append(item)
            if quarantine is not None:
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
    if quarantine is not None:
        quarantine.close()
    return tally, rejected[:20]


def _fails(fmt: str, path: Path, command: str = "load") -> InvalidInputError:
    """Read ``path`` as ``fmt`` and check the job layer's call fails; return the error."""
    tally, rejected = _read(fmt, path)
    assert nothing_read(tally)
    with pytest.raises(InvalidInputError) as caught:
        require_readable([path], fmt, tally, rejected=rejected,
                         command="evaluate" if command == "evaluate" else "load")
    assert code_for(caught.value).exit_code == 4
    return caught.value


def _diagnosis(fmt: str, path: Path) -> Diagnosis:
    tally, rejected = _read(fmt, path)
    return diagnose([path], fmt, tally, rejected)


def _copy_lines(source_file: Path, target: Path, change: Iterable[str] | None = None,
                encoding: str = "utf-8") -> Path:
    lines = source_file.read_text(encoding="utf-8").splitlines()
    target.write_bytes(("\n".join(change if change is not None else lines) + "\n")
                       .encode(encoding))
    return target


def test_collegemsg_given_as_bitcoin_names_the_snap_format() -> None:
    error = _fails("bitcoin", COLLEGE)
    assert "could be read as bitcoin" in error.message
    assert "SNAP temporal edge list" in error.message
    assert "`1 2 1082040961`" in error.message
    assert f"influence load snap {COLLEGE}" in (error.hint or "")
    assert _diagnosis("bitcoin", COLLEGE).cause == "wrong format"


def test_the_evaluate_command_is_told_the_format_option() -> None:
    error = _fails("konect", COLLEGE, command="evaluate")
    assert error.hint == "Use --format snap."


def test_evaluate_fails_loudly_through_the_dataset_reader(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="SNAP temporal edge list") as caught:
        read_dataset(COLLEGE, "bitcoin", None, Settings(quarantine_dir=tmp_path))
    assert caught.value.hint == "Use --format snap."


def test_stack_exchange_posts_given_to_the_snap_loader() -> None:
    error = _fails("snap", POSTS)
    assert "Stack Exchange dump file" in error.message
    assert f"influence load stackexchange {SE_DUMP}" in (error.hint or "")  # the folder


def test_bitcoin_csv_given_as_snap() -> None:
    error = _fails("snap", ALPHA)
    assert "SNAP signed trust ratings" in error.message
    assert "influence load bitcoin" in (error.hint or "")


def test_reddit_json_given_as_twitter(tmp_path: Path) -> None:
    shutil.copytree(REDDIT, tmp_path / "reddit")
    error = _fails("twitter", tmp_path / "reddit")
    assert "Pushshift Reddit JSON" in error.message
    assert "influence load reddit" in (error.hint or "")


def test_json_given_to_an_edge_list_loader() -> None:
    diagnosis = _diagnosis("snap", REDDIT / "RS_2024-05_sample.ndjson")
    assert diagnosis.cause == "wrong format"
    assert "influence load reddit" in diagnosis.hint


def test_collegemsg_with_an_unsupported_compression_scheme(tmp_path: Path) -> None:
    # legacy .lzma (LZMA-alone) has no magic bytes we could refuse up front: every line is
    # quarantined, and the diagnosis names the format from the suffix and the binary content
    legacy = tmp_path / "CollegeMsg.txt.lzma"
    legacy.write_bytes(lzma.compress(COLLEGE.read_bytes(), format=lzma.FORMAT_ALONE))
    error = _fails("snap", legacy)
    assert "legacy lzma" in error.message
    assert "xz -d CollegeMsg.txt.lzma" in (error.hint or "")
    assert _diagnosis("snap", legacy).cause == "unsupported compression"


def test_a_compressed_file_of_unknown_kind_is_called_not_text(tmp_path: Path) -> None:
    raw_zlib = tmp_path / "CollegeMsg.txt"  # a bare zlib stream, named like the text
    raw_zlib.write_bytes(zlib.compress(COLLEGE.read_bytes()))
    error = _fails("snap", raw_zlib)
    assert "is not text, and not in a compression the loaders read" in error.message
    assert _diagnosis("snap", raw_zlib).cause == "unsupported compression"


def test_lz4_is_named_by_its_magic_bytes_up_front_and_by_the_diagnosis(tmp_path: Path) -> None:
    lz4 = tmp_path / "CollegeMsg.txt.gz"  # lz4 frame magic, whatever the suffix says
    lz4.write_bytes(b"\x04\x22\x4d\x18\x64\x40\xa7" + COLLEGE.read_bytes()[:5_000])
    with pytest.raises(InvalidInputError, match="is lz4"):
        source("snap").open([lz4], None, None)
    diagnosis = diagnose([lz4], "snap")
    assert diagnosis.cause == "unsupported compression"
    assert "lz4 -d CollegeMsg.txt.gz" in diagnosis.hint


def test_comma_separated_snap_is_a_wrong_delimiter(tmp_path: Path) -> None:
    commas = _copy_lines(COLLEGE, tmp_path / "CollegeMsg.txt",
                         (line.replace(" ", ",") for line in
                          COLLEGE.read_text(encoding="utf-8").splitlines()))
    error = _fails("snap", commas)
    assert "separated by commas, where snap expects spaces or tabs" in error.message
    assert "tr ',' ' '" in (error.hint or "")
    assert _diagnosis("snap", commas).cause == "wrong delimiter"


@pytest.mark.parametrize(("delimiter", "word"), [("\t", "tabs"), (";", "semicolons")])
def test_bitcoin_with_another_delimiter(tmp_path: Path, delimiter: str, word: str) -> None:
    changed = _copy_lines(ALPHA, tmp_path / "alpha.csv",
                          (line.replace(",", delimiter) for line in
                           ALPHA.read_text(encoding="utf-8").splitlines()))
    error = _fails("bitcoin", changed)
    assert f"separated by {word}, where bitcoin expects commas" in error.message
    assert _diagnosis("bitcoin", changed).cause == "wrong delimiter"


def test_headerless_tab_separated_ratings_suggest_konect_or_commas(tmp_path: Path) -> None:
    tabs = tmp_path / "otc.tsv.gz"
    tabs.write_bytes(gzip.compress(gzip.decompress(OTC.read_bytes()).replace(b",", b"\t")))
    error = _fails("bitcoin", tabs)
    assert "KONECT" in error.message
    assert "separated by tabs where bitcoin expects commas" in (error.hint or "")


def test_utf16_collegemsg_is_a_wrong_encoding(tmp_path: Path) -> None:
    wide = _copy_lines(COLLEGE, tmp_path / "CollegeMsg.txt", encoding="utf-16")
    error = _fails("snap", wide)
    assert "is UTF-16 text; the loaders read UTF-8" in error.message
    assert "iconv -f UTF-16 -t UTF-8" in (error.hint or "")


def test_latin1_ids_are_a_wrong_encoding(tmp_path: Path) -> None:
    lines = COLLEGE.read_text(encoding="utf-8").splitlines()[:300]
    latin = _copy_lines(COLLEGE, tmp_path / "CollegeMsg.txt",
                        (f"user-{a}-é {b} {t}" for a, b, t in (line.split() for line in lines)),
                        encoding="latin-1")
    error = _fails("snap", latin)
    assert "is not UTF-8 text" in error.message
    assert "'bad encoding'" in error.message
    assert "iconv -f WINDOWS-1252 -t UTF-8" in (error.hint or "")


def test_a_utf16_stack_exchange_dump_says_so(tmp_path: Path) -> None:
    for name in ("Users.xml", "Posts.xml"):
        (tmp_path / name).write_bytes((SE_DUMP / name).read_text(encoding="utf-8-sig")
                                      .encode("utf-16"))
    tally, rejected = _read("stackexchange", tmp_path)
    assert tally.read == tally.quarantined > 0
    with pytest.raises(InvalidInputError, match="UTF-16"):
        require_readable(source("stackexchange").open([tmp_path], None, None).files,
                         "stackexchange", tally, rejected=rejected)


def test_a_dump_folder_without_rows_reads_nothing_and_says_why(tmp_path: Path) -> None:
    for name in ("Users.xml", "Posts.xml"):  # right names, edge-list content
        shutil.copy(COLLEGE, tmp_path / name)
    tally, rejected = _read("stackexchange", tmp_path)
    assert tally.read == 0  # no line starts with <row: zero records from non-empty files
    with pytest.raises(InvalidInputError, match="SNAP temporal edge list") as caught:
        require_readable([tmp_path], "stackexchange", tally, rejected=rejected)
    assert "influence load snap" in (caught.value.hint or "")


def test_a_file_of_only_comments_reads_nothing(tmp_path: Path) -> None:
    comments = _copy_lines(COLLEGE, tmp_path / "out.collegemsg",
                           (f"% {line}" for line in
                            COLLEGE.read_text(encoding="utf-8").splitlines()[:50]))
    error = _fails("konect", comments)
    assert error.message.startswith("No record found in")


def test_the_quarantine_file_serves_as_the_first_rejected_lines(tmp_path: Path) -> None:
    tally, _ = _read("bitcoin", COLLEGE, quarantine_dir=tmp_path)
    samples = quarantine_samples(tmp_path / "bitcoin.jsonl")
    assert len(samples) == 20
    assert samples[0].reason.startswith("wrong field count")
    opened = source("bitcoin").open([COLLEGE], None, None)
    with pytest.raises(InvalidInputError, match="SNAP temporal edge list"):
        opened.require_readable(tally, quarantine=tmp_path / "bitcoin.jsonl")


def test_quarantined_records_of_the_right_shape_get_the_reasons(tmp_path: Path) -> None:
    reversed_time = _copy_lines(COLLEGE, tmp_path / "CollegeMsg.txt",
                                (f"{a} {b} -{t}" for a, b, t in
                                 (line.split() for line in
                                  COLLEGE.read_text(encoding="utf-8").splitlines()[:100])))
    diagnosis = _diagnosis("snap", reversed_time)
    assert diagnosis.cause == "unknown"
    assert "all 100 record(s) were quarantined" in diagnosis.message
    assert "Reasons: invalid record (100)" in diagnosis.message


def test_good_resumed_empty_and_partly_bad_inputs_pass(tmp_path: Path) -> None:
    tally, rejected = _read("bitcoin", OTC)
    require_readable([OTC], "bitcoin", tally, rejected=rejected)  # read fine
    require_readable([COLLEGE], "bitcoin", Tally(resumed=59_835))  # all loaded by an earlier run
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    require_readable([empty], "snap", Tally())  # nothing to read is not an error
    mixed = _copy_lines(COLLEGE, tmp_path / "mixed.txt",
                        [*COLLEGE.read_text(encoding="utf-8").splitlines()[:10], "x y z"])
    tally, rejected = _read("snap", mixed)
    assert (tally.loaded, tally.quarantined) == (10, 1)
    require_readable([mixed], "snap", tally, rejected=rejected)
    skipped_only = Tally(read=5, skipped=5)  # e.g. Bluesky profile records: read, not used
    require_readable([COLLEGE], "bluesky", skipped_only)
