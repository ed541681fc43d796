"""The read generation: a token that changes whenever what the read paths show may have
changed (a recompute finished, a load finished, a consent change or erasure was audited), and
the current scoring run. Together they key the API's response cache, in every worker process
(influence/api/cache.py)."""

from __future__ import annotations

from influence.engine import queries as q
from influence.store import QueryRunner


def bump(store: QueryRunner) -> None:
    """Say that what the reads show has changed (cached answers are dropped)."""
    store.write(q.GENERATION_BUMP)


def current(store: QueryRunner) -> tuple[str | None, str | None]:
    """The read generation and the current scoring run's id (random tokens: a database
    replaced by an import cannot repeat an earlier pair)."""
    rows = store.read(q.GENERATION_CURRENT)
    if not rows:
        return None, None
    return rows[0]["generation"], rows[0]["run"]
