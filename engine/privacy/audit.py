"""The append-only audit log: every consent, erasure, export, objection and token is recorded;
people appear only as a salted hash."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from influence.engine import generation
from influence.engine.privacy import queries as q
from influence.engine.privacy.tombstones import person_subject
from influence.settings import Settings
from influence.store import QueryRunner

ACTIONS = ("consent", "erase", "export", "objection", "token")
"""What the log records."""


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the append-only audit log. ``subject`` is a salted hash, never an id."""

    id: str
    at: float
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]


def append(runner: QueryRunner, actor: str, action: str, subject: str | None,
           detail: dict[str, Any]) -> None:
    """Append one event; ``subject`` must already be a salted hash. Every audited change
    (consent, erasure, objection, ...) also moves the read generation, so that the API's
    cached answers are dropped at once."""
    runner.write(q.APPEND_AUDIT, at=time.time(), actor=actor, action=action, subject=subject,
                 detail=json.dumps(detail, sort_keys=True))
    generation.bump(runner)


def audit_log(runner: QueryRunner, *, person_id: str | None = None, action: str | None = None,
              first: int = 100, settings: Settings | None = None) -> list[AuditEvent]:
    """The newest audit events first, optionally about one person (matched by hash) or action.

    Args:
        runner: the database.
        person_id: only events about this person (also works after the person was erased).
        action: only events of this action (one of :data:`ACTIONS`).
        first: how many events at most.
        settings: where the tombstone salt comes from.
    """
    subject = None if person_id is None else person_subject(runner, person_id, settings)
    rows = runner.read(q.AUDIT_LOG, subject=subject, action=action, first=first)
    return [AuditEvent(r["id"], r["at"], r["actor"], r["action"], r["subject"],
                       json.loads(r["detail"] or "{}")) for r in rows]
