"""Datasets of an evaluation: read whole into memory as canonical records, through the same
source table as ``influence load`` (bad lines quarantined with their reason)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from influence.errors import InvalidInputError
from influence.jobs.sources import source
from influence.loaders.base import Parsed, Rejected
from influence.loaders.quarantine import Quarantine
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
    """All records of a dataset, its network name and the number of quarantined lines."""
    opened = source(fmt).open([path], network, None)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    quarantine = Quarantine(settings.quarantine_dir, f"evaluate-{opened.network}-{stamp}")
    records: list[Record] = []
    rejected = 0
    try:
        for item in opened.items:
            if isinstance(item, Parsed):
                records.extend(item.records)
            elif isinstance(item, Rejected):
                rejected += 1
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
    finally:
        quarantine.close()
    return records, opened.network, rejected
