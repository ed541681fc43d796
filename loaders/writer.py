"""Writes canonical records to Neo4j in batches and keeps the books of a load run.

Every input item ends in exactly one of three bins: loaded, skipped (well-formed but carries
nothing the engine uses, tallied by reason) or quarantined (bad, written to the quarantine
file with its source line and reason): ``read == loaded + skipped + quarantined``.

Writes are batched ``UNWIND ... MERGE`` statements, so writing the same records twice leaves
the same graph. With a :class:`~influence.loaders.checkpoint.Checkpoint`, the position of the
last item whose batch has committed is stored after each flush; a rerun after a crash skips
to it (re-applying at most one batch, which is harmless because the writes are idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

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
    if isinstance(record, InteractionRecord):
        return [("interactions", {
            "key": _key(record.network, record.id), "network": record.network,
            "actor": record.actor, "target": record.target,
            "actor_key": _key(record.network, record.actor),
            "target_key": _key(record.network, record.target),
            "kind": record.kind.value, "at": record.at,
            "post_key": _key(record.network, record.post), "topics": list(record.topics),
            "value": record.value,
        })]
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
            "parent_key": _key(record.network, record.parent), "topics": list(record.topics),
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


def _endpoints(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct accounts at either end of a batch of interactions."""
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        for key, ident in ((row["actor_key"], row["actor"]), (row["target_key"], row["target"])):
            if key not in seen:
                seen[key] = {"key": key, "network": row["network"], "id": ident}
    return list(seen.values())


_ORDER = (("people", q.UPSERT_PEOPLE), ("accounts", q.UPSERT_ACCOUNTS),
          ("links", q.LINK_ACCOUNTS), ("topics", q.UPSERT_TOPICS), ("posts", q.UPSERT_POSTS),
          ("post_links", q.UPSERT_POST_LINKS), ("interactions", q.UPSERT_INTERACTIONS),
          ("consent", q.UPSERT_CONSENT))


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
    written: dict[str, int] = field(default_factory=dict)

    def add(self, record: Record, *, autoflush: bool = True) -> None:
        """Buffer one record; with ``autoflush``, flush as soon as a buffer is full."""
        for kind, row in _rows(record):
            self._buffers.setdefault(kind, []).append(row)
        if autoflush and self.full():
            self.flush()

    def full(self) -> bool:
        """True when some buffer holds a whole batch."""
        return any(len(rows) >= self.batch_size for rows in self._buffers.values())

    def flush(self) -> None:
        """Write every buffered row; on return all of it is committed."""
        for kind, query in _ORDER:
            rows = self._buffers.pop(kind, [])
            for start in range(0, len(rows), self.batch_size):
                if self.store is None:
                    continue
                batch = rows[start:start + self.batch_size]
                if kind == "interactions":  # accounts first: the MERGE of edges stays lean
                    self.store.write(q.ENSURE_ACCOUNTS, rows=_endpoints(batch))
                self.store.write(query, rows=batch)
            if rows:
                self.written[kind] = self.written.get(kind, 0) + len(rows)


def _apply_self_policy(item: Parsed, policy: SelfPolicy, tally: Tally) -> Item:
    if policy == "keep":
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
    writer: Writer,
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
