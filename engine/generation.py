"""The read generation: a token that changes whenever what the read paths show may have
changed (a recompute finished, a load finished, a consent change or erasure was audited), and
the current scoring run. Together they key the API's response cache, in every worker process
(influence/api/cache.py)."""

from __future__ import annotations

from influence.store import Query, QueryRunner

BUMP = Query(
    "reads_generation_bump",
    """
    MERGE (g:Meta {id: 'reads'})
    SET g.generation = randomUUID()
    RETURN g.generation AS generation
    """,
)

CURRENT = Query(
    "reads_generation_current",
    """
    OPTIONAL MATCH (g:Meta {id: 'reads'})
    OPTIONAL MATCH (r:ScoreRun {current: true})
    RETURN g.generation AS generation, r.id AS run
    """,
)


def bump(store: QueryRunner) -> None:
    """Say that what the reads show has changed (cached answers are dropped)."""
    store.write(BUMP)


def current(store: QueryRunner) -> tuple[str | None, str | None]:
    """The read generation and the current scoring run's id (random tokens: a database
    replaced by an import cannot repeat an earlier pair)."""
    rows = store.read(CURRENT)
    if not rows:
        return None, None
    return rows[0]["generation"], rows[0]["run"]
