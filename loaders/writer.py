"""Writes canonical records to Neo4j in batches and keeps the books of a load run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from influence.loaders import queries as q
from influence.loaders.base import Item, Parsed, Rejected, Skipped
from influence.loaders.quarantine import Quarantine, Tally
from influence.loaders.records import (
    AccountRecord,
    InteractionRecord,
    PostRecord,
    Record,
)
from influence.store import QueryRunner


def _key(network: str, ident: str | None) -> str | None:
    return None if ident is None else f"{network}:{ident}"


def _row(record: Record) -> tuple[str, dict[str, Any]]:
    if isinstance(record, AccountRecord):
        return "accounts", {
            "key": record.key, "network": record.network, "id": record.id,
            "person": record.person or record.key, "created_at": record.created_at,
            "reputation": record.reputation,
        }
    if isinstance(record, PostRecord):
        return "posts", {
            "key": _key(record.network, record.id), "network": record.network, "id": record.id,
            "kind": record.kind, "created_at": record.created_at, "author": record.author,
            "author_key": _key(record.network, record.author),
            "parent_key": _key(record.network, record.parent), "topics": list(record.topics),
            "upvotes": record.upvotes, "downvotes": record.downvotes,
        }
    if isinstance(record, InteractionRecord):
        return "interactions", {
            "key": _key(record.network, record.id), "network": record.network,
            "actor": record.actor, "target": record.target,
            "actor_key": _key(record.network, record.actor),
            "target_key": _key(record.network, record.target),
            "kind": record.kind.value, "at": record.at,
            "post_key": _key(record.network, record.post), "topics": list(record.topics),
            "value": record.value,
        }
    return "consent", {"person": record.person, "state": record.state.value,
                       "source": record.source, "at": record.at}


_ORDER = (("accounts", q.UPSERT_ACCOUNTS), ("posts", q.UPSERT_POSTS),
          ("interactions", q.UPSERT_INTERACTIONS), ("consent", q.UPSERT_CONSENT))


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

    def add(self, record: Record) -> None:
        kind, row = _row(record)
        buffer = self._buffers.setdefault(kind, [])
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        for kind, query in _ORDER:
            rows = self._buffers.pop(kind, [])
            if rows and self.store is not None:
                self.store.write(query, rows=rows)
            self.written[kind] = self.written.get(kind, 0) + len(rows)


def load(
    items: Iterable[Item],
    writer: Writer,
    quarantine: Quarantine,
    on_item: Callable[[], None] = lambda: None,
) -> Tally:
    """Feed an adapter's items through the writer; every row ends loaded, skipped or quarantined."""
    tally = Tally()
    try:
        for item in items:
            tally.read += 1
            if isinstance(item, Parsed):
                for record in item.records:
                    writer.add(record)
                tally.loaded += 1
            elif isinstance(item, Skipped):
                tally.skipped += 1
                tally.skipped_reasons[item.reason] += 1
            elif isinstance(item, Rejected):
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
                tally.quarantined += 1
                tally.quarantine_reasons[item.reason.split(":")[0]] += 1
            on_item()
        writer.flush()
        if writer.store is not None:
            writer.store.auto_commit(q.LINK_ORPHAN_ACCOUNTS)
    finally:
        quarantine.close()
    return tally
