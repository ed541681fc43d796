"""What every temporal hold-out shares: a scratch database, wiped, loaded up to a cut."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from influence.engine.model import ModelParams
from influence.evaluation import queries as q
from influence.jobs.load import load_records
from influence.jobs.recompute import recompute
from influence.loaders.records import AccountRecord, InteractionRecord, PostRecord, Record
from influence.schema import migrate
from influence.settings import Settings
from influence.store import QueryRunner

Say = Callable[[str], None]
"""Called with a line before each long step."""


def quiet(_: str) -> None:
    return None


def wipe(store: QueryRunner) -> None:
    """Delete everything in the (scratch) database and re-apply the schema."""
    store.auto_commit(q.WIPE_RELATIONSHIPS)  # first, so that hubs are cheap to delete
    store.auto_commit(q.WIPE_ALL)
    migrate(store)


def in_window(record: Record, start: float, end: float) -> bool:
    """True when the record belongs to [start, end); timeless records go with the first one."""
    if isinstance(record, InteractionRecord):
        return start <= record.at < end
    if isinstance(record, PostRecord):
        return start <= record.created_at < end
    if isinstance(record, AccountRecord):
        created = record.created_at if record.created_at is not None else -math.inf
        return start <= created < end
    at: int | None = getattr(record, "at", None)
    if at is None:  # timeless records (people, topics, links) load with the first batch
        return start == -math.inf
    return start <= at < end


def load_window(store: QueryRunner, records: Iterable[Record], settings: Settings,
                start: float, end: float) -> int:
    """Load the records of [start, end) through the job layer; how many were loaded."""
    report = load_records(store, (r for r in records if in_window(r, start, end)), settings,
                          run_name="evaluation")
    return report.tally.loaded


def load_before_cut(store: QueryRunner, records: Iterable[Record], settings: Settings, *,
                    cut: int, say: Say, events: int) -> None:
    """Wipe the scratch database and load what happened before the cut."""
    say(f"wiping the scratch database and loading {events:,} events before the cut")
    wipe(store)
    load_window(store, records, settings, -math.inf, cut)


def rescore(store: QueryRunner, params: ModelParams, asof: int) -> None:
    """The scores as of ``asof`` through the recompute job (topics and communities not needed)."""
    recompute(store, params, asof, topics=False, communities=False)
