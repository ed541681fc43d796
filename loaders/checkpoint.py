"""Checkpoints of resumable loads, stored in the graph they describe.

A checkpoint is ``(:LoadCheckpoint {key, position, fingerprint})``: ``position`` is the ordinal
of the last input item whose batch has committed. It lives in the database (not in a file) so
that wiping or replacing the database also forgets it. ``fingerprint`` identifies the input
(paths, sizes, modification times): a changed input starts from the beginning again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from influence.loaders import queries as q
from influence.store import QueryRunner


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    """A digest of the inputs' names, sizes and modification times (and options)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for value in extra:
        digest.update(f"{value}\n".encode())
    return digest.hexdigest()[:32]


@dataclass
class Checkpoint:
    """The committed position of one load (``key`` names it, e.g. ``events:<fingerprint>``).

    Args:
        store: where the checkpoint lives (the database being loaded).
        key: the run's name.
        fingerprint: the input's fingerprint; a stored checkpoint of other input is ignored.
    """

    store: QueryRunner
    key: str
    fingerprint: str

    def start(self) -> int:
        """The position to resume after (0 when there is nothing to resume)."""
        rows = self.store.read(q.GET_CHECKPOINT, key=self.key)
        if not rows or rows[0]["fingerprint"] != self.fingerprint:
            return 0
        return int(rows[0]["position"] or 0)

    def commit(self, position: int) -> None:
        """Record that items up to ``position`` are committed (call after the flush)."""
        self.store.write(q.SET_CHECKPOINT, key=self.key, position=position,
                         fingerprint=self.fingerprint, updated_at=int(time.time()))

    def finish(self) -> None:
        """The run completed: forget the checkpoint, so the next run reads everything again."""
        self.store.write(q.CLEAR_CHECKPOINT, key=self.key)
