"""The bulk path for large first loads: interactions and their accounts are staged as CSV in
the server's import directory and loaded with ``LOAD CSV`` + ``CALL { } IN TRANSACTIONS``.

Validation, quarantine and the accounting are exactly those of the incremental path (the same
:func:`~influence.loaders.writer.load`); only the writing of the two big record kinds
changes. Other records (people, links, posts, topics, consent) go through the batched
``UNWIND`` writer as usual.

On an empty database (no ENGAGED edge yet) edges are ``CREATE``d after de-duplicating their
ids in Python, which is what makes the path fast; otherwise they are ``MERGE``d, so a bulk run
after an interrupted one is still idempotent. The bulk path does not checkpoint: an interrupted
bulk run is simply run again (it then merges).

``neo4j-admin database import`` would be faster still, but needs the database offline and
replaced, which a running server shared with the API cannot offer; it is not used.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from influence.loaders import queries as q
from influence.loaders.writer import Writer
from influence.store import QueryRunner

_ACCOUNT_COLUMNS = ("key", "network", "id")
_EDGE_COLUMNS = ("key", "actor_key", "target_key", "kind", "at", "network", "post_key",
                 "value", "topics")


@dataclass
class BulkWriter(Writer):
    """A :class:`Writer` that stages interactions as CSV and loads them in :meth:`commit`.

    Args:
        import_dir: the server's import directory (``server.directories.import``).
        create: ``CREATE`` edges (the database had none) instead of ``MERGE``.
        tx_rows: rows per inner transaction of ``CALL { } IN TRANSACTIONS``.
    """

    import_dir: Path = Path()
    create: bool = False
    tx_rows: int = 50_000
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _files: dict[str, tuple[IO[str], Any]] = field(default_factory=dict)
    _accounts: set[str] = field(default_factory=set)
    _edges: set[str] = field(default_factory=set)
    staged: int = 0

    def _csv(self, name: str, columns: tuple[str, ...]) -> Any:
        if name not in self._files:
            self.import_dir.mkdir(parents=True, exist_ok=True)
            fh = (self.import_dir / f"bulk-{self._run}-{name}.csv").open(
                "w", encoding="utf-8", newline="")
            writer = csv.writer(fh)
            writer.writerow(columns)
            self._files[name] = (fh, writer)
        return self._files[name][1]

    def flush(self) -> None:
        """Stage buffered interactions as CSV; write everything else as usual."""
        rows = self._buffers.pop("interactions", [])
        if rows:
            accounts, edges = self._csv("accounts", _ACCOUNT_COLUMNS), self._csv(
                "interactions", _EDGE_COLUMNS)
            for row in rows:
                if self.create:
                    if row["key"] in self._edges:
                        continue
                    self._edges.add(row["key"])
                for key, ident in ((row["actor_key"], row["actor"]),
                                   (row["target_key"], row["target"])):
                    if key not in self._accounts:
                        self._accounts.add(key)
                        accounts.writerow((key, row["network"], ident))
                edges.writerow((row["key"], row["actor_key"], row["target_key"], row["kind"],
                                row["at"], row["network"], row["post_key"], row["value"],
                                "|".join(row["topics"]) or None))
                self.staged += 1
            self.written["interactions"] = self.written.get("interactions", 0) + len(rows)
        super().flush()

    def commit(self, store: QueryRunner) -> None:
        """Load the staged files into the database, then remove them."""
        self.flush()
        for fh, _ in self._files.values():
            fh.close()
        try:
            for name, query in (("accounts", q.BULK_ACCOUNTS),
                                ("interactions", q.BULK_CREATE_INTERACTIONS if self.create
                                 else q.BULK_MERGE_INTERACTIONS)):
                if name in self._files:
                    url = f"file:///bulk-{self._run}-{name}.csv"
                    store.auto_commit(query, url=url, batch=self.tx_rows)
            store.auto_commit(q.LINK_ORPHAN_ACCOUNTS)
        finally:
            for name in self._files:
                (self.import_dir / f"bulk-{self._run}-{name}.csv").unlink(missing_ok=True)
            self._files.clear()
