"""Writes canonical records to Neo4j in batches and keeps the books of a load run.

Every input item ends in exactly one of three bins: loaded, skipped (well-formed but carries
nothing the engine uses, tallied by reason) or quarantined (bad, written to the quarantine
file with its source line and reason): ``read == loaded + skipped + quarantined``.

Writes are batched ``UNWIND ... MERGE`` statements, so writing the same records twice leaves
the same graph. Interactions are written aggregated: one relationship per (actor account,
target account, kind, topics) carrying the event words of its interactions
(:func:`influence.domain.event_word`); a batch groups its interactions first, so a pair that
interacts often costs one write per batch, and only events a relationship does not hold yet
are added. With a :class:`~influence.loaders.checkpoint.Checkpoint`, the position of the
last item whose batch has committed is stored after each flush; a rerun after a crash skips
to it (re-applying at most one batch, which is harmless because the writes are idempotent).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol

from influence.domain import event_word, relationship_type
from influence.errors import EnvironmentProblemError
from influence.loaders import queries as q
from influence.loaders.base import Item, Parsed, Rejected, Skipped
from influence.loaders.checkpoint import Checkpoint
from influence.loaders.quarantine import Quarantine, Tally
from influence.loaders.records import (
    AccountRecord,
    ConsentRecord,
    InteractionRecord,
    LinkRecord,
    PersonRecord,
    PostLinkRecord,
    PostRecord,
    Record,
    TopicRecord,
)
from influence.loaders.screening import ERASED_REASON, Erased, screen
from influence.store import Query, QueryRunner

SelfPolicy = Literal["quarantine", "skip", "keep"]
"""What to do with an interaction whose actor is its target."""


def _key(network: str, ident: str | None) -> str | None:
    return None if ident is None else f"{network}:{ident}"


def _rows(record: Record) -> list[tuple[str, dict[str, Any]]]:  # noqa: PLR0911 - one per type
    """The rows of every record but an interaction (those are grouped, see :class:`Events`)."""
    if isinstance(record, AccountRecord):
        rows: list[tuple[str, dict[str, Any]]] = [("accounts", {
            "key": record.key, "network": record.network, "id": record.id,
            "created_at": record.created_at, "reputation": record.reputation,
            "handle": record.handle, "display_name": record.display_name, "url": record.url,
        })]
        if record.person is not None:
            rows.append(("links", {"key": record.key, "network": record.network,
                                   "id": record.id, "person": record.person}))
        return rows
    if isinstance(record, PostRecord):
        return [("posts", {
            "key": _key(record.network, record.id), "network": record.network, "id": record.id,
            "kind": record.kind, "created_at": record.created_at, "author": record.author,
            "author_key": _key(record.network, record.author),
            "parent_key": _key(record.network, record.parent), "topics": sorted(set(record.topics)),
            "upvotes": record.upvotes, "downvotes": record.downvotes,
        })]
    if isinstance(record, LinkRecord):
        return [("links", {"key": record.key, "network": record.network, "id": record.account,
                           "person": record.person})]
    if isinstance(record, PersonRecord):
        return [("people", {"id": record.id, "name": record.name})]
    if isinstance(record, TopicRecord):
        return [("topics", {"name": record.name, "parent": record.parent, "posts": None})]
    if isinstance(record, PostLinkRecord):
        return [("post_links", {"post_key": _key(record.network, record.post),
                                "target_key": _key(record.network, record.target),
                                "network": record.network, "kind": record.kind,
                                "at": record.at})]
    assert isinstance(record, ConsentRecord)
    return [("consent", {"person": record.person, "state": record.state.value,
                         "source": record.source, "at": record.at})]


GroupKey = tuple[str, str, str, str, tuple[str, ...], str | None]
"""network, actor, target, kind, sorted topics, post key (only when no topics)."""


@dataclass
class Events:
    """The interactions of one batch, grouped as they are stored: by (network, actor, target,
    kind, topics), each group its event words (a word given twice counts once) with their
    values (when the source has them)."""

    groups: dict[GroupKey, dict[int, float | None]] = field(default_factory=dict)
    count: int = 0

    def add(self, record: InteractionRecord) -> None:
        topics = tuple(sorted(set(record.topics))) if record.topics else ()
        post = None if topics or record.post is None else f"{record.network}:{record.post}"
        key = (record.network, record.actor, record.target, record.kind.value, topics, post)
        word = event_word(record.at, f"{record.network}:{record.id}")
        self.groups.setdefault(key, {}).setdefault(word, record.value)
        self.count += 1

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """The distinct accounts at either end of the batch's interactions, by key."""
        seen: dict[str, dict[str, Any]] = {}
        for network, actor, target, *_ in self.groups:
            for ident in (actor, target):
                key = f"{network}:{ident}"
                if key not in seen:
                    seen[key] = {"key": key, "network": network, "id": ident}
        return seen

    def statements(self, node_ids: dict[str, int]) -> list[tuple[Query, dict[str, Any]]]:
        """The batch's writes: per relationship type, the plain rows and the rows with values
        or a post's topics (see :data:`influence.loaders.queries.UPSERT_INTERACTIONS`)."""
        plain: dict[str, list[dict[str, Any]]] = {}
        full: dict[str, list[dict[str, Any]]] = {}
        types = {kind: relationship_type(kind) for kind in {key[3] for key in self.groups}}
        for (network, actor, target, kind, topics, post), events in self.groups.items():
            ka, kb = f"{network}:{actor}", f"{network}:{target}"
            words = list(events)
            valued = any(v is not None for v in events.values())
            if valued or post is not None:
                full.setdefault(types[kind], []).append({
                    "a": node_ids[ka], "ka": ka, "b": node_ids[kb], "kb": kb,
                    "topics": list(topics), "post": post, "ev": words,
                    "vals": [math.nan if v is None else v for v in events.values()]
                    if valued else None})
            else:
                plain.setdefault(types[kind], []).append({
                    "a": node_ids[ka], "ka": ka, "b": node_ids[kb], "kb": kb,
                    "tk": "|".join(topics), "topics": list(topics) or None, "ev": words})
        return ([(q.UPSERT_INTERACTIONS[t], {"rows": rows}) for t, rows in plain.items()]
                + [(q.UPSERT_INTERACTIONS_FULL[t], {"rows": rows}) for t, rows in full.items()])


_ORDER = (("people", q.UPSERT_PEOPLE), ("accounts", q.UPSERT_ACCOUNTS),
          ("links", q.LINK_ACCOUNTS), ("topics", q.UPSERT_TOPICS), ("posts", q.UPSERT_POSTS),
          ("post_links", q.UPSERT_POST_LINKS), ("interactions", None),
          ("consent", q.UPSERT_CONSENT))


class Sink(Protocol):
    """What :func:`load` writes records to: the batched :class:`Writer`, or the import files
    of a first load (:class:`influence.loaders.import_files.ImportWriter`)."""

    @property
    def store(self) -> QueryRunner | None: ...

    @property
    def written(self) -> dict[str, int]: ...

    def add(self, record: Record, *, autoflush: bool = True) -> None: ...

    def full(self) -> bool: ...

    def flush(self, *, wait: bool = True, then: Callable[[], None] | None = None) -> None: ...

    def close(self) -> None: ...


@dataclass
class Writer:
    """Buffers records by kind and flushes them in dependency order.

    A flush with ``wait=False`` hands the batch to a background thread and returns at once,
    so the next batch is parsed while this one is written (at most one batch in flight); its
    ``then`` runs once the batch has committed (a checkpoint). A plain ``flush()`` returns
    when everything is committed. Node ids of accounts are remembered for the run: each write
    checks that every id still names its account, and looks them all up again if not.

    Args:
        store: where to write; ``None`` validates only (``--dry-run``).
        batch_size: rows per ``UNWIND`` transaction (interactions: events per transaction).
    """

    store: QueryRunner | None
    batch_size: int = 10_000
    _buffers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _events: Events = field(default_factory=Events)
    _ids: dict[str, int] = field(default_factory=dict)
    _worker: ThreadPoolExecutor | None = None
    _pending: Future[None] | None = None
    written: dict[str, int] = field(default_factory=dict)

    def add(self, record: Record, *, autoflush: bool = True) -> None:
        """Buffer one record; with ``autoflush``, flush as soon as a buffer is full."""
        if isinstance(record, InteractionRecord):
            self._events.add(record)
        else:
            for kind, row in _rows(record):
                self._buffers.setdefault(kind, []).append(row)
        if autoflush and self.full():
            self.flush()

    def full(self) -> bool:
        """True when some buffer holds a whole batch."""
        return self._events.count >= self.batch_size or \
            any(len(rows) >= self.batch_size for rows in self._buffers.values())

    def flush(self, *, wait: bool = True, then: Callable[[], None] | None = None) -> None:
        """Write every buffered row (in the background unless ``wait``); ``then`` runs after
        the commit. Raises what a background write raised."""
        buffers, events = self._buffers, self._events
        self._buffers, self._events = {}, Events()
        self._await()
        if self.store is None or not wait:
            if self.store is None:
                self._count(buffers, events)
                if then is not None:
                    then()
                return
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="influence-writer")
            self._pending = self._worker.submit(self._write, self.store, buffers, events, then)
            return
        self._write(self.store, buffers, events, then)

    def close(self) -> None:
        """Wait for a batch in flight (its error is raised) and stop the background thread."""
        try:
            self._await()
        finally:
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None

    def _await(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _count(self, buffers: dict[str, list[dict[str, Any]]], events: Events) -> None:
        for kind, rows in buffers.items():
            if rows:
                self.written[kind] = self.written.get(kind, 0) + len(rows)
        if events.count:
            self.written["interactions"] = self.written.get("interactions", 0) + events.count

    def _write(self, store: QueryRunner, buffers: dict[str, list[dict[str, Any]]],
               events: Events, then: Callable[[], None] | None) -> None:
        for kind, query in _ORDER:
            if query is None:
                self._write_events(store, events)
                continue
            rows = buffers.get(kind, [])
            for start in range(0, len(rows), self.batch_size):
                store.write(query, rows=rows[start:start + self.batch_size])
        self._count(buffers, events)
        if then is not None:
            then()

    def _write_events(self, store: QueryRunner, events: Events) -> None:
        if not events.count:
            return
        endpoints = events.endpoints()
        for attempt in range(2):
            missing = [row for key, row in endpoints.items() if key not in self._ids]
            if missing:
                found = store.write_rows(q.ENSURE_ACCOUNTS, rows=missing)[0]
                self._ids.update(zip(found["keys"], found["ids"], strict=True))
            statements = events.statements(self._ids)
            results = store.write_batch(statements)
            written = sum(int(rows[0]["written"]) for rows in results if rows)
            if written == sum(len(params["rows"]) for _, params in statements):
                return
            if attempt:
                raise EnvironmentProblemError(
                    f"{sum(len(p['rows']) for _, p in statements) - written} interaction "
                    "group(s) found no account although the accounts were just written",
                    hint="Was an account erased while this load ran? Load the file again.")
            self._ids.clear()  # an account went (erased) since its id was remembered


def retract(store: QueryRunner, records: Iterable[InteractionRecord]) -> int:
    """Take interactions out of the graph again (an evaluation's injected engagement).

    Returns:
        How many interaction records were given.
    """
    groups: dict[tuple[str, str, str], list[int]] = {}
    count = 0
    for record in records:
        key = (f"{record.network}:{record.actor}", f"{record.network}:{record.target}",
               relationship_type(record.kind))
        groups.setdefault(key, []).append(event_word(record.at, f"{record.network}:{record.id}"))
        count += 1
    rows = [{"a": a, "b": b, "type": t, "ev": ev} for (a, b, t), ev in groups.items()]
    for start in range(0, len(rows), 5000):
        store.write(q.RETRACT_INTERACTIONS, rows=rows[start:start + 5000])
    return count


def _apply_self_policy(item: Parsed, policy: SelfPolicy, tally: Tally) -> Item:
    records = item.records
    if policy == "keep" or not (
            (isinstance(records[0], InteractionRecord) and records[0].actor == records[0].target)
            if len(records) == 1  # the common case, without a generator
            else any(isinstance(r, InteractionRecord) and r.actor == r.target for r in records)):
        return item
    selfish = [r for r in item.records
               if isinstance(r, InteractionRecord) and r.actor == r.target]
    if not selfish:
        return item
    rest = tuple(r for r in item.records if r not in selfish)
    if rest:  # e.g. a post that mentions its own author: keep the post, drop the self-credit
        tally.self_interactions_dropped += len(selfish)
        return Parsed(item.source, item.line, rest)
    reason = f"self-interaction: account {selfish[0].actor} engaged with itself"
    if policy == "skip":
        return Skipped(item.source, item.line, "self-interaction")
    return Rejected(item.source, item.line, f"{selfish[0].model_dump_json()}", reason)


def _screen_erased(item: Item, erased: Erased | None) -> Item:
    """Drop records of erased people (docs/PRIVACY.md); a row left empty is skipped."""
    if erased is None or erased.empty or not isinstance(item, Parsed):
        return item
    kept = tuple(r for r in (screen(record, erased) for record in item.records)
                 if r is not None)
    if item.records and not kept:
        return Skipped(item.source, item.line, ERASED_REASON)
    return Parsed(item.source, item.line, kept)


def load(
    items: Iterable[Item],
    writer: Sink,
    quarantine: Quarantine,
    on_item: Callable[[], None] = lambda: None,
    *,
    checkpoint: Checkpoint | None = None,
    self_interactions: SelfPolicy = "quarantine",
    erased: Erased | None = None,
) -> Tally:
    """Feed an adapter's items through the writer; every item ends loaded, skipped or quarantined.

    Args:
        items: what an adapter yields, in a deterministic order.
        writer: the batching writer (``store=None`` for a dry run).
        quarantine: where rejected items go.
        on_item: called once per item (progress bars).
        checkpoint: when given, resume after its committed position and advance it after
            every committed batch; cleared when the run completes.
        self_interactions: policy for interactions whose actor is the target.
        erased: who was erased (the engine's tombstones); their records are skipped.

    Returns:
        The run's tally; items before a resumed checkpoint are counted in ``resumed`` only.
    """
    tally = Tally()
    start = checkpoint.start() if checkpoint is not None else 0
    tally.resumed = start
    try:
        for ordinal, read_item in enumerate(items, start=1):
            if ordinal <= start:
                on_item()
                continue
            tally.read += 1
            item = read_item
            if isinstance(item, Parsed):
                item = _apply_self_policy(item, self_interactions, tally)
            item = _screen_erased(item, erased)
            if isinstance(item, Parsed):
                for record in item.records:
                    writer.add(record, autoflush=False)
                tally.loaded += 1
            elif isinstance(item, Skipped):
                tally.skipped += 1
                tally.skipped_reasons[item.reason] += 1
            else:
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
                tally.quarantined += 1
                tally.quarantine_reasons[Tally.category(item.reason)] += 1
            if writer.full():
                writer.flush(wait=False, then=None if checkpoint is None
                             else partial(checkpoint.commit, ordinal))
            on_item()
        writer.flush()
        if writer.store is not None:
            writer.store.auto_commit(q.LINK_ORPHAN_ACCOUNTS)
        if checkpoint is not None:
            checkpoint.finish()
    finally:
        try:
            writer.close()
        finally:
            quarantine.close()
    return tally
