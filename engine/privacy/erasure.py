"""Erasure (the right to be forgotten): remove a person and everything about them, leave
tombstones, scrub remaining references and verify that nothing still names them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from influence.engine.privacy import audit
from influence.engine.privacy import queries as q
from influence.engine.privacy.tombstones import account_hash, salt, subject_hash
from influence.engine.scoring import forget_person_scores
from influence.errors import NotFoundError
from influence.settings import Settings
from influence.store import QueryRunner, Row

BATCH = 2000
IDENTITY_KEYS = frozenset({"id", "key", "name"})
"""Properties the erasure scrub never rewrites (they identify someone else's node)."""


@dataclass(frozen=True)
class Trace:
    """A property that still names an erased person, account or post."""

    kind: Literal["node", "relationship", "event log"]
    element: str
    labels: tuple[str, ...]
    key: str
    value: Any


@dataclass(frozen=True)
class Erasure:
    """What :func:`erase` removed. ``residual`` lists traces left (empty when verified)."""

    person_hash: str
    accounts: int
    posts: int
    interactions: int
    scrubbed: int
    residual: tuple[Trace, ...] = field(default_factory=tuple)
    already_erased: bool = False


def not_found(person_id: str) -> NotFoundError:
    """The error for a person id that names nobody."""
    return NotFoundError(f"No person with id {person_id!r}.",
                         hint="Ids look like 'stackexchange:123'.")


def _java_pattern(values: Sequence[str]) -> str:
    """A Cypher (Java) regex: a string naming one of ``values`` as a whole word."""
    words = "|".join(r"\Q" + v.replace(r"\E", r"\E\\E\Q") + r"\E"
                     for v in sorted(values, key=len, reverse=True))
    return rf"(?s).*(?<![\w:])({words})(?!\w).*"


def _python_pattern(values: Sequence[str]) -> re.Pattern[str]:
    words = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<![\w:])({words})(?!\w)")


def find_traces(runner: QueryRunner, values: Sequence[str],
                posts: Sequence[str] = ()) -> list[Trace]:
    """Every node or relationship property (or list element) that names an erased person or
    account (``values``: equal to one, or containing it as a whole word, so ``a:7@2016`` names
    ``a:7`` and ``a:70`` does not), and every post key or post reference in ``posts``.

    Post keys share the ``network:id`` namespace with account keys (post 80 and account 80 are
    both ``stackexchange:80``), so post identity and post references are checked only against
    ``posts``. Tombstones and audit events are not searched (they hold hashes only).
    """
    traces = []
    queries: list[tuple[Any, dict[str, Any]]] = []
    if values:
        params = {"values": list(values), "pattern": _java_pattern(values)}
        queries += [(("node", q.NODE_TRACES), params), (("relationship", q.RELATIONSHIP_TRACES),
                                                        params)]
    for (kind, query), params in queries:
        for row in runner.read(query, **params):
            traces += [Trace(kind, row["element"], tuple(row["labels"]), key, value)
                       for key, value in row["hits"]]
    for chunk in _chunks(posts):
        for row in runner.read(q.POST_TRACES, posts=chunk):
            traces += [Trace(row["kind"], row["element"], tuple(row["labels"]), key, value)
                       for key, value in row["hits"]]
    return traces


def _scrubbed(value: Any, erased: set[str], pattern: re.Pattern[str]) -> Any:
    if isinstance(value, list):
        return [v for v in value
                if v not in erased and not (isinstance(v, str) and pattern.search(v))]
    return None


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), BATCH):
        yield list(values[start:start + BATCH])


def erase(runner: QueryRunner, person_id: str, actor: str, *, reason: str = "erasure request",
          settings: Settings | None = None) -> Erasure:
    """Erase a person: their node, accounts, posts, every interaction of those accounts, and
    derived data hanging off them; leave tombstones; scrub and verify remaining references.

    Other people's stored scores still reflect the erased person's past interactions until the
    next recompute (``influence consent erase --rescore`` runs it at once); no stored property
    names the erased person after this returns.

    Args:
        runner: the database.
        person_id: the person to erase.
        actor: who asked (goes into the audit log, which keeps only the salted hash).
        reason: a short reason without personal data (audit log).
        settings: salt configuration.

    Returns:
        Counts of what was removed, and any residual traces (empty: verified clean).

    Raises:
        NotFoundError: no such person and no tombstone for them.
    """
    salt_value = salt(runner, settings)
    person_hash = subject_hash(salt_value, "person", person_id)
    rows = runner.read(q.ERASURE_SUBJECT, id=person_id)
    if not rows:
        tomb = runner.read(q.TOMBSTONE_EXISTS, hash=person_hash)
        if tomb and tomb[0]["found"]:
            return Erasure(person_hash, 0, 0, 0, 0, already_erased=True)
        raise not_found(person_id)
    subject = rows[0]
    accounts: list[Row] = [a for a in subject["accounts"] if a.get("key")]
    posts: list[str] = [p for p in subject["posts"] if p]
    tombstones = [{"hash": person_hash, "kind": "person"}]
    tombstones += [{"hash": account_hash(salt_value, a["network"], a["id"]), "kind": "account"}
                   for a in accounts]
    tombstones += [{"hash": subject_hash(salt_value, "post", key), "kind": "post"}
                   for key in posts]
    for start in range(0, len(tombstones), BATCH):
        runner.write(q.ADD_TOMBSTONES, rows=tombstones[start:start + BATCH], at=int(time.time()))
    forget_person_scores(runner, subject["slot"])  # their entries in every run's chunks
    runner.write(q.DELETE_SATELLITES, id=person_id)
    runner.auto_commit(q.DELETE_DERIVED, id=person_id)
    for chunk in _chunks(posts):
        runner.write(q.DELETE_POSTS, keys=chunk)
    account_keys = [a["key"] for a in accounts]
    for chunk in _chunks(account_keys):
        runner.write(q.DELETE_ACCOUNTS, keys=chunk)
    runner.write(q.DELETE_PERSON, id=person_id)
    named = sorted({person_id, *account_keys})
    scrubbed, words = 0, _python_pattern(named)
    for trace in find_traces(runner, named, posts):
        if trace.key in IDENTITY_KEYS:
            continue  # an identity is never rewritten: it stays a residual trace
        query = q.SCRUB_NODE if trace.kind == "node" else q.SCRUB_RELATIONSHIP
        value = _scrubbed(trace.value, {*named, *posts}, words)
        runner.write(query, element=trace.element, props={trace.key: value})
        scrubbed += 1
    residual = tuple(find_traces(runner, named, posts))
    log = settings.event_log_dir if settings is not None else None
    if log is not None:  # the Parquet event log a distributed engine reads (docs/PRIVACY.md)
        from influence import eventlog

        eventlog.forget(log, person_id, account_keys)
        residual += tuple(Trace("event log", str(t.file), (), t.column, t.rows)
                          for t in eventlog.traces(log, person_id, account_keys))
    audit.append(runner, actor, "erase", person_hash,
                 {"accounts": len(accounts), "posts": len(posts),
                  "interactions": subject["interactions"], "scrubbed": scrubbed,
                  "reason": reason})
    return Erasure(person_hash, len(accounts), len(posts), subject["interactions"], scrubbed,
                   residual)


def erase_opted_out(runner: QueryRunner, actor: str,
                    settings: Settings | None = None) -> list[Erasure]:
    """Erase every person whose consent is ``opted_out`` (e.g. imported by a loader)."""
    return [erase(runner, row["id"], actor, reason="opted out (imported)", settings=settings)
            for row in runner.read(q.OPTED_OUT_PEOPLE)]
