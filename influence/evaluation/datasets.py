"""Datasets of an evaluation: read whole into memory as canonical records, through the same
source table as ``influence load`` (bad lines quarantined with their reason; compressed files
read as they are; a dataset of which nothing could be read fails with the likely cause)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from influence.errors import InvalidInputError
from influence.jobs.sources import source
from influence.loaders.base import Parsed, Rejected
from influence.loaders.diagnose import SAMPLE_LINES
from influence.loaders.quarantine import Quarantine, Tally
from influence.loaders.records import Record
from influence.settings import Settings

DatasetFormat = Literal["snap", "higgs", "konect", "bitcoin", "stackexchange"]
FORMATS: tuple[DatasetFormat, ...] = ("snap", "higgs", "konect", "bitcoin", "stackexchange")


def dataset_format(value: str) -> DatasetFormat:
    """The dataset format named ``value``.

    Raises:
        InvalidInputError: not one of :data:`FORMATS`.
    """
    for known in FORMATS:
        if value == known:
            return known
    raise InvalidInputError(f"Unknown --format {value!r}.", hint=f"Use one of {FORMATS}.")


def read_dataset(path: Path, fmt: DatasetFormat, network: str | None,
                 settings: Settings) -> tuple[list[Record], str, int]:
    """All records of a dataset, its network name and the number of quarantined lines.

    Files may be compressed (gzip, bzip2, xz, zstd), e.g. SNAP's
    ``soc-sign-bitcoinotc.csv.gz`` or a dump folder of ``Posts.xml.gz``, ...

    Raises:
        InvalidInputError: a bad path, or nothing of the dataset could be read (every line
            quarantined, or none read from a non-empty file); the message names the likely
            cause (:func:`influence.loaders.diagnose.diagnose`).
    """
    opened = source(fmt).open([path], network, None)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    quarantine = Quarantine(settings.quarantine_dir, f"evaluate-{opened.network}-{stamp}")
    records: list[Record] = []
    tally = Tally()
    first_rejected: list[Rejected] = []
    try:
        for item in opened.items:
            tally.read += 1
            if isinstance(item, Parsed):
                tally.loaded += 1
                records.extend(item.records)
            elif isinstance(item, Rejected):
                tally.quarantined += 1
                tally.quarantine_reasons[Tally.category(item.reason)] += 1
                if len(first_rejected) < SAMPLE_LINES:
                    first_rejected.append(item)
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
            else:
                tally.skipped += 1
    finally:
        quarantine.close()
    opened.require_readable(tally, rejected=first_rejected, command="evaluate")
    return records, opened.network, tally.quarantined
