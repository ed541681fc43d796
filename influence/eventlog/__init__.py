"""The event log: the graph's canonical interactions as Parquet, for a distributed engine.

Layout of a log folder (docs/FORMATS.md, "The event log")::

    events/day=YYYY-MM-DD/part-N.parquet   network, actor, target, kind, word, at, value
    accounts.parquet                       network, id, person, created_at
    people.parquet                         id, objecting
    _log.json                              what was written, and when

One row per interaction, as the graph stores it after the loaders' deduplication (``word`` is
the event word of :func:`influence.domain.event_word`: equal words are the same interaction),
partitioned by the UTC day of the event. :func:`write_log` rewrites the log from the graph
(idempotent: the same graph gives the same rows); erased people are never in it, since they
are not in the graph, and :func:`forget` removes a person erased after the log was written
(the erasure calls it; :func:`traces` is its check).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from influence.domain import EVENT_TIME_SHIFT
from influence.engine.engagement import Lookup
from influence.errors import InvalidInputError
from influence.eventlog import queries as q
from influence.store import QueryRunner
from influence.timeutil import DAY_S

PAGE_NODES = 100_000
"""Account node ids read per export query."""
PARTS = ("events", "accounts.parquet", "people.parquet", "_log.json")
EVENTS = pa.schema([("network", pa.string()), ("actor", pa.string()), ("target", pa.string()),
                    ("kind", pa.string()), ("word", pa.int64()), ("at", pa.int64()),
                    ("value", pa.float64()), ("day", pa.string())])
"""One row per interaction (``day`` becomes the partition folder)."""


@dataclass(frozen=True)
class LogReport:
    """What :func:`write_log` wrote."""

    directory: Path
    events: int
    days: int
    accounts: int
    people: int
    seconds: float


@dataclass(frozen=True)
class Trace:
    """Rows of a log file that name an erased person or account."""

    file: Path
    column: str
    rows: int


def _events(store: QueryRunner, accounts: Lookup, account_ids: pa.Array,
            networks: pa.Array) -> pa.Table:
    top = int(store.read(q.LOG_MAX_NODE)[0]["top"])
    tables = []
    for lo in range(0, top + 1, PAGE_NODES):
        page = store.columns(q.LOG_INTERACTIONS, lo=lo, hi=lo + PAGE_NODES)
        if not page["ev"]:
            continue
        sizes = np.fromiter((len(e) for e in page["ev"]), dtype=np.int64, count=len(page["ev"]))
        words = np.fromiter((w for e in page["ev"] for w in e), dtype=np.int64,
                            count=int(sizes.sum()))
        values = np.full(len(words), np.nan)
        start = 0
        for size, vals in zip(sizes, page["vals"], strict=True):
            if vals:
                values[start:start + size] = vals
            start += size
        src = np.repeat(accounts.find(np.array(page["sources"], dtype=np.int64)), sizes)
        dst = np.repeat(accounts.find(np.array(page["targets"], dtype=np.int64)), sizes)
        kinds = pa.array(np.repeat(np.array([t.lower() for t in page["types"]]), sizes))
        seconds = words >> EVENT_TIME_SHIFT
        day = (seconds // int(DAY_S)).astype("datetime64[D]").astype(str)
        tables.append(pa.table(schema=EVENTS, data={
            "network": pc.take(networks, pa.array(src)),
            "actor": pc.take(account_ids, pa.array(src)),
            "target": pc.take(account_ids, pa.array(dst)),
            "kind": kinds,
            "word": pa.array(words),
            "at": pa.array(seconds),
            "value": pa.array(values, mask=np.isnan(values)),
            "day": pa.array(day),
        }))
    return pa.concat_tables(tables) if tables else EVENTS.empty_table()


def write_log(store: QueryRunner, directory: Path) -> LogReport:
    """Write (or rewrite) the event log in ``directory`` from the graph.

    The new log is written beside the old one and then put in its place, so a failed write
    leaves the old log whole.

    Raises:
        InvalidInputError: ``directory`` exists and is not a folder.
    """
    started = time.monotonic()
    if directory.exists() and not directory.is_dir():
        raise InvalidInputError(f"The event log {directory} is a file, not a folder.",
                                hint="Give a folder (created when missing).")
    directory.mkdir(parents=True, exist_ok=True)
    people = store.columns(q.LOG_PEOPLE)
    accounts = store.columns(q.LOG_ACCOUNTS)
    account_ids = pa.array(accounts["ids"], pa.string())
    networks = pa.array(accounts["networks"], pa.string())
    events = _events(store, Lookup(np.array(accounts["nodes"], dtype=np.int64)), account_ids,
                     networks)
    staging = directory / f".writing-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        ds.write_dataset(events.sort_by([("day", "ascending"), ("word", "ascending")]),
                         staging / "events", format="parquet",
                         partitioning=ds.partitioning(pa.schema([("day", pa.string())]),
                                                      flavor="hive"),
                         basename_template="part-{i}.parquet", max_rows_per_file=5_000_000)
        pq.write_table(pa.table({
            "network": networks, "id": account_ids,
            "person": pa.array(accounts["people"], pa.string()),
            "created_at": pa.array(accounts["created"], pa.int64())}),
            staging / "accounts.parquet")
        pq.write_table(pa.table({"id": pa.array(people["ids"], pa.string()),
                                 "objecting": pa.array(people["objecting"], pa.bool_())}),
                       staging / "people.parquet")
        days = len(pc.unique(events["day"])) if events.num_rows else 0
        (staging / "_log.json").write_text(json.dumps({
            "format": 1, "written_at": int(time.time()), "events": events.num_rows,
            "days": days, "accounts": len(account_ids), "people": len(people["ids"])}) + "\n")
        for part in PARTS:
            _replace(staging / part, directory / part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return LogReport(directory, events.num_rows, days, len(account_ids), len(people["ids"]),
                     time.monotonic() - started)


def _replace(new: Path, old: Path) -> None:
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()
    if new.exists():
        new.rename(old)


def _named(table: pa.Table, column: str, values: set[str]) -> pa.Array:
    """Rows whose ``network:column`` (an account key) is in ``values``."""
    key = pc.binary_join_element_wise(table["network"], table[column], ":")
    return pc.is_in(key, value_set=pa.array(sorted(values), pa.string()))


def _either_end(table: pa.Table, keys: set[str]) -> pa.Array:
    return pc.or_(_named(table, "actor", keys), _named(table, "target", keys))


def _event_files(directory: Path, keys: set[str]) -> list[Path]:
    """The log's event files (none to look at when there are no account keys)."""
    return sorted((directory / "events").rglob("*.parquet")) if keys else []


def forget(directory: Path, person_id: str, account_keys: Sequence[str]) -> int:
    """Remove an erased person and their accounts' interactions (either end) from the log in
    ``directory`` (nothing when there is no log). Returns the event rows removed."""
    if not (directory / "_log.json").exists():
        return 0
    keys = set(account_keys)
    removed = 0
    for file in _event_files(directory, keys):
        table = pq.read_table(file, partitioning=None)
        hit = _either_end(table, keys)
        count = pc.sum(hit).as_py() or 0
        if count:
            kept = table.filter(pc.invert(hit))
            if kept.num_rows:
                pq.write_table(kept, file)
            else:
                file.unlink()
            removed += count
    accounts = pq.read_table(directory / "accounts.parquet")
    drop = pc.or_(_named(accounts, "id", keys),
                  pc.equal(accounts["person"], pa.scalar(person_id)))
    pq.write_table(accounts.filter(pc.invert(drop)), directory / "accounts.parquet")
    people = pq.read_table(directory / "people.parquet")
    pq.write_table(people.filter(pc.not_equal(people["id"], pa.scalar(person_id))),
                   directory / "people.parquet")
    return removed


def traces(directory: Path, person_id: str, account_keys: Sequence[str]) -> list[Trace]:
    """Every log file and column still naming the person or one of the accounts."""
    if not (directory / "_log.json").exists():
        return []
    keys, found = set(account_keys), []
    for file in _event_files(directory, keys):
        table = pq.read_table(file, columns=["network", "actor", "target"], partitioning=None)
        for column in ("actor", "target"):
            rows = pc.sum(_named(table, column, keys)).as_py() or 0
            if rows:
                found.append(Trace(file, column, rows))
    accounts = pq.read_table(directory / "accounts.parquet")
    for column, hit in (("id", _named(accounts, "id", keys)),
                        ("person", pc.equal(accounts["person"], pa.scalar(person_id)))):
        rows = pc.sum(hit).as_py() or 0
        if rows:
            found.append(Trace(directory / "accounts.parquet", column, rows))
    people = pq.read_table(directory / "people.parquet")
    rows = pc.sum(pc.equal(people["id"], pa.scalar(person_id))).as_py() or 0
    if rows:
        found.append(Trace(directory / "people.parquet", "id", rows))
    return found
