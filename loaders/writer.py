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
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from influence.domain import event_word, relationship_type
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
from influence.store import QueryRunner

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
    kind, topics), each group a list of event words and (when the source has them) values."""

    groups: dict[GroupKey, tuple[list[int], list[float | None]]] = field(default_factory=dict)
    count: int = 0

    def add(self, record: InteractionRecord) -> None:
        topics = tuple(sorted(set(record.topics))) if record.topics else ()
        post = None if topics or record.post is None else f"{record.network}:{record.post}"
        key = (record.network, record.actor, record.target, record.kind.value, topics, post)
        words, values = self.groups.setdefault(key, ([], []))
        words.append(event_word(record.at, f"{record.network}:{record.id}"))
        values.append(record.value)
        self.count += 1

    def endpoints(self) -> list[dict[str, Any]]:
        """The distinct accounts at either end of the batch's interactions."""
        seen: dict[str, dict[str, Any]] = {}
        for network, actor, target, *_ in self.groups:
            for ident in (actor, target):
                seen.setdefault(f"{network}:{ident}", {"key": f"{network}:{ident}",
                                                     "network": network, "id": ident})
        return list(seen.values())

    def rows(self, node_ids: dict[str, int]) -> list[dict[str, Any]]:
        """One write row per group, with the accounts' node ids."""
        out = []
        for (network, actor, target, kind, topics, post), (words, values) in self.groups.items():
            valued = any(v is not None for v in values)
            out.append({
                "a": node_ids[f"{network}:{actor}"], "b": node_ids[f"{network}:{target}"],
                "type": relationship_type(kind), "topics": list(topics), "post": post,
                "ev": words,
                "vals": [math.nan if v is None else v for v in values] if valued else None,
            })
        return out


_ORDER = (("people", q.UPSERT_PEOPLE), ("accounts", q.UPSERT_ACCOUNTS),
          ("links", q.LINK_ACCOUNTS), ("topics", q.UPSERT_TOPICS), ("posts", q.UPSERT_POSTS),
          ("post_links", q.UPSERT_POST_LINKS), ("interactions", q.UPSERT_INTERACTIONS),
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

    def flush(self) -> None: ...


@dataclass
class Writer:
    """Buffers records by kind and flushes them in dependency order.

    Args:
        store: where to write; ``None`` validates only (``--dry-run``).
        batch_size: rows per ``UNWIND`` transaction.
    """

    store: QueryRunner | None
    batch_size: int = 5000
    _buffers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _events: Events = field(default_factory=Events)
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

    def flush(self) -> None:
        """Write every buffered row; on return all of it is committed."""
        for kind, query in _ORDER:
            if kind == "interactions":
                self._flush_events()
                continue
            rows = self._buffers.pop(kind, [])
            if self.store is not None:
                for start in range(0, len(rows), self.batch_size):
                    self.store.write(query, rows=rows[start:start + self.batch_size])
            if rows:
                self.written[kind] = self.written.get(kind, 0) + len(rows)

    def _flush_events(self) -> None:
        events, self._events = self._events, Events()
        if not events.count:
            return
        if self.store is not None:
            found = self.store.write_rows(q.ENSURE_ACCOUNTS, rows=events.endpoints())[0]
            ids = dict(zip(found["keys"], found["ids"], strict=True))
            rows = events.rows(ids)
            for start in range(0, len(rows), self.batch_size):
                self.store.write(q.UPSERT_INTERACTIONS, rows=rows[start:start + self.batch_size])
        self.written["interactions"] = self.written.get("interactions", 0) + events.count


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
    if policy == "keep" or not any(isinstance(r, InteractionRecord) and r.actor == r.target
                                   for r in item.records):
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
                writer.flush()
                if checkpoint is not None:
                    checkpoint.commit(ordinal)
            on_item()
        writer.flush()
        if writer.store is not None:
            writer.store.auto_commit(q.LINK_ORPHAN_ACCOUNTS)
        if checkpoint is not None:
            checkpoint.finish()
    finally:
        quarantine.close()
    return tally
