"""The read generation: what the API's response cache keys its answers by, in every worker
process (influence/api/cache.py). Two parts:

* the **privacy generation**, a token replaced whenever who may be shown or what is known
  of them may have changed: a load finished (it may carry consent records), a consent
  change, objection or erasure was audited. A cached answer never outlives it.
* the **scores version**: the current scoring run and a token replaced when a recompute
  finishes (scores, topic scores, communities). With ``INFLUENCE_API_STALE_S`` the API may
  answer from the previous version for a few seconds while it refreshes.
"""

from __future__ import annotations

from influence.engine import queries as q
from influence.store import QueryRunner


def bump(store: QueryRunner) -> None:
    """Say that who may be shown, or what is known of them, has changed (every cached
    answer is dropped at once)."""
    store.write(q.GENERATION_BUMP)


def scores_changed(store: QueryRunner) -> None:
    """Say that a recompute finished (cached answers are recomputed)."""
    store.write(q.SCORES_BUMP)


def current(store: QueryRunner) -> tuple[str | None, str | None]:
    """The privacy generation and the scores version (random tokens: a database replaced by
    an import cannot repeat an earlier pair)."""
    rows = store.read(q.GENERATION_CURRENT)
    if not rows:
        return None, None
    return rows[0]["generation"], f"{rows[0]['scores']}|{rows[0]['run']}"
