"""Consent, erasure, access export, objection to profiling and the audit log (docs/PRIVACY.md).

* :func:`set_consent` records a person's consent with its source and time; opting out erases.
* :func:`erase` removes a person, their accounts, their posts and every interaction touching
  those accounts, leaves salted-hash :class:`Tombstones` that loaders check so the same accounts
  are never ingested again, and verifies that no property anywhere still names them.
* :func:`export_person` returns everything held about a person as JSON-ready data.
* :func:`object_to_profiling` keeps the data but stops scores being computed or published.
* :func:`audit_log` reads the append-only log; events name people only by a salted hash.
* :func:`person_token` / :func:`authorize` implement the tokens of the GraphQL mutations.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from influence.engine import consent_queries as q
from influence.engine.reads import PublishPolicy, published_states
from influence.errors import (
    ConsentDeniedError,
    InfluenceError,
    InvalidInputError,
    NotFoundError,
    UnauthenticatedError,
)
from influence.settings import Settings, get_settings
from influence.store import QueryRunner, Row

ConsentValue = Literal["opted_in", "opted_out", "unknown"]
CONSENT_STATES: tuple[str, ...] = ("opted_in", "opted_out", "unknown")
ERASED_REASON = "erased (tombstoned)"
"""The skip reason loaders report for records of erased people."""
BATCH = 2000
IDENTITY_KEYS = frozenset({"id", "key", "name"})
"""Properties the erasure scrub never rewrites (they identify someone else's node)."""


# --- hashing and tombstones -----------------------------------------------------------------


def salt(runner: QueryRunner, settings: Settings | None = None) -> str:
    """The tombstone salt: ``tombstone_salt`` from settings, else one generated and kept in the DB.

    The database-kept salt is created once (``(:PrivacySalt)``) so every process agrees on it.
    """
    settings = settings or get_settings()
    if settings.tombstone_salt is not None:
        return settings.tombstone_salt.get_secret_value()
    rows = runner.write_rows(q.SALT, candidate=secrets.token_hex(32), at=int(time.time()))
    return str(rows[0]["value"])


def account_hash(salt_value: str, network: str, account_id: str) -> str:
    """sha256(salt + network + ':' + account id): how an erased account is remembered."""
    return hashlib.sha256(f"{salt_value}{network}:{account_id}".encode()).hexdigest()


def subject_hash(salt_value: str, kind: Literal["person", "post"], key: str) -> str:
    """The salted hash of a person id or post key (tombstones and audit subjects)."""
    return hashlib.sha256(f"{salt_value}{kind}\x00{key}".encode()).hexdigest()


@dataclass(frozen=True)
class Tombstones:
    """The salted hashes of erased people, accounts and posts, for screening records at load."""

    salt: str
    hashes: frozenset[str]

    @classmethod
    def load(cls, runner: QueryRunner, settings: Settings | None = None) -> Tombstones:
        """Read every tombstone once (a load then screens records in memory)."""
        hashes = frozenset(r["hash"] for r in runner.read(q.TOMBSTONE_HASHES))
        return cls(salt(runner, settings) if hashes else "", hashes)

    def account(self, network: str, account_id: str | None) -> bool:
        return account_id is not None and \
            account_hash(self.salt, network, account_id) in self.hashes

    def post(self, network: str, post_id: str | None) -> bool:
        return post_id is not None and \
            subject_hash(self.salt, "post", f"{network}:{post_id}") in self.hashes

    def person(self, person_id: str | None) -> bool:
        return person_id is not None and subject_hash(self.salt, "person", person_id) in self.hashes

    def screen(self, record: Any) -> Any | None:
        """The record to load, ``None`` to drop it, or a copy without a link to an erased post.

        Records are matched by their ``type`` field, so new record types pass unchanged unless
        they carry an account, person or post this function knows about.
        """
        if not self.hashes:
            return record
        kind, net = getattr(record, "type", None), getattr(record, "network", "")
        if kind == "account":
            erased = self.account(net, record.id) or self.person(record.person)
        elif kind == "post":
            erased = self.account(net, record.author) or self.post(net, record.id)
            if not erased and self.post(net, record.parent):
                return record.model_copy(update={"parent": None})
        elif kind == "interaction":
            erased = self.account(net, record.actor) or self.account(net, record.target)
            if not erased and self.post(net, record.post):
                return record.model_copy(update={"post": None})
        elif kind in ("consent", "person"):
            erased = self.person(record.person if kind == "consent" else record.id)
        elif kind == "link":
            erased = self.account(net, record.account) or self.person(record.person)
        elif kind == "post_link":
            erased = self.post(net, record.post) or self.post(net, record.target)
        else:
            erased = False
        return None if erased else record


def is_tombstoned(runner: QueryRunner, network: str, account_id: str,
                  settings: Settings | None = None) -> bool:
    """True when the account ``network:account_id`` was erased and may not be ingested again."""
    found = runner.read(q.TOMBSTONE_EXISTS, hash=account_hash(salt(runner, settings), network,
                                                                 account_id))
    return bool(found and found[0]["found"])


# --- audit log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the append-only audit log. ``subject`` is a salted hash, never an id."""

    id: str
    at: float
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]


def _audit(runner: QueryRunner, actor: str, action: str, subject: str | None,
           detail: dict[str, Any]) -> None:
    runner.write(q.APPEND_AUDIT, at=time.time(), actor=actor, action=action, subject=subject,
                 detail=json.dumps(detail, sort_keys=True))


def audit_log(runner: QueryRunner, *, person_id: str | None = None, action: str | None = None,
              first: int = 100, settings: Settings | None = None) -> list[AuditEvent]:
    """The newest audit events first, optionally about one person (matched by hash) or action.

    Args:
        runner: the database.
        person_id: only events about this person (also works after the person was erased).
        action: only events of this action (``consent``, ``erase``, ``export``, ``objection``,
            ``token``).
        first: how many events at most.
        settings: where the tombstone salt comes from.
    """
    subject = None if person_id is None else \
        subject_hash(salt(runner, settings), "person", person_id)
    rows = runner.read(q.AUDIT_LOG, subject=subject, action=action, first=first)
    return [AuditEvent(r["id"], r["at"], r["actor"], r["action"], r["subject"],
                       json.loads(r["detail"] or "{}")) for r in rows]


# --- consent and objection ------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentChange:
    """What :func:`set_consent` did; ``erasure`` is set when opting out erased the person."""

    person_id: str
    state: str
    source: str
    at: int
    erasure: Erasure | None = None


def set_consent(runner: QueryRunner, person_id: str, state: str, source: str, actor: str, *,
                at: int | None = None, settings: Settings | None = None) -> ConsentChange:
    """Record a person's consent state with its source and time.

    Opting out is the right to be forgotten: the person is erased at once (see :func:`erase`).
    To keep the data but stop scoring, use :func:`object_to_profiling` instead.

    Args:
        runner: the database.
        person_id: the person, e.g. ``stackexchange:42``.
        state: ``opted_in``, ``opted_out`` or ``unknown``.
        source: where the statement came from (``web-form``, ``email-2026-11-23``, ...).
        actor: who recorded it (goes into the audit log).
        at: when the person gave the statement, epoch seconds (default now).
        settings: salt configuration.

    Raises:
        InvalidInputError: an unknown state or an empty source.
        NotFoundError: no such person.
    """
    if state not in CONSENT_STATES:
        raise InvalidInputError(f"Unknown consent state {state!r}.",
                                hint="Use one of: " + ", ".join(CONSENT_STATES))
    if not source.strip():
        raise InvalidInputError("A consent statement needs a source.",
                                hint="Say where it came from, e.g. --source web-form.")
    when = int(time.time()) if at is None else at
    if state == "opted_out":
        erasure = erase(runner, person_id, actor, reason=f"opted out ({source})",
                        settings=settings)
        return ConsentChange(person_id, state, source, when, erasure)
    if not runner.write_rows(q.SET_CONSENT, id=person_id, state=state, source=source, at=when):
        raise _not_found(person_id)
    salt_value = salt(runner, settings)
    _audit(runner, actor, "consent", subject_hash(salt_value, "person", person_id),
           {"state": state, "source": source, "at": when})
    return ConsentChange(person_id, state, source, when)


def object_to_profiling(runner: QueryRunner, person_id: str, actor: str, *,
                        objection: bool = True, settings: Settings | None = None) -> None:
    """Keep a person's data but compute and publish no score for them (or lift the objection).

    The score fields are cleared at once; ``compute_scores`` clears them again after every
    recompute (:func:`clear_objected_scores`). Their interactions still count as evidence
    about the people they engaged with.

    Raises:
        NotFoundError: no such person.
    """
    if not runner.write_rows(q.SET_OBJECTION, id=person_id, objection=objection,
                             at=int(time.time())):
        raise _not_found(person_id)
    if objection:
        runner.write(q.CLEAR_OBJECTED_SCORES)
    _audit(runner, actor, "objection", subject_hash(salt(runner, settings), "person", person_id),
           {"objection": objection})


def clear_objected_scores(runner: QueryRunner) -> None:
    """Remove score, percentile and PageRank from people who object to profiling."""
    runner.write(q.CLEAR_OBJECTED_SCORES)


# --- erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """A property that still names an erased person, account or post."""

    kind: Literal["node", "relationship"]
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
    for start in range(0, len(posts), BATCH):
        for row in runner.read(q.POST_TRACES, posts=list(posts[start:start + BATCH])):
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
    next ``influence score`` run (``influence consent erase --rescore`` runs it at once); no
    stored property names the erased person after this returns.

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
        raise _not_found(person_id)
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
    for chunk in _chunks(posts):
        runner.write(q.UNLINK_ERASED_POSTS, posts=chunk)
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
    _audit(runner, actor, "erase", person_hash,
           {"accounts": len(accounts), "posts": len(posts),
            "interactions": subject["interactions"], "scrubbed": scrubbed, "reason": reason})
    return Erasure(person_hash, len(accounts), len(posts), subject["interactions"], scrubbed,
                   residual)


def erase_opted_out(runner: QueryRunner, actor: str,
                    settings: Settings | None = None) -> list[Erasure]:
    """Erase every person whose consent is ``opted_out`` (e.g. imported by a loader)."""
    return [erase(runner, row["id"], actor, reason="opted out (imported)", settings=settings)
            for row in runner.read(q.OPTED_OUT_PEOPLE)]


# --- access export --------------------------------------------------------------------------


def _counterpart(row: Row, policy: PublishPolicy) -> str | None:
    """Another person appears by id only when the policy publishes them."""
    return row["counterpart"] if row["counterpart_consent"] in published_states(policy) else None


def export_person(runner: QueryRunner, person_id: str, actor: str, *,
                  policy: PublishPolicy = "opted_in",
                  settings: Settings | None = None) -> dict[str, Any]:
    """Everything held about a person, as JSON-ready data (the right of access).

    Includes the person's own score even when the policy does not publish it. Other people
    appear by id only when the policy publishes them, otherwise as ``null`` (anonymous).

    Sections: ``person`` (all stored properties: consent, source, time, objection, score),
    ``accounts``, ``posts``, ``interactions`` (authored and received), ``links`` (any other
    relationship, e.g. derived topic or community data), ``score_history``, ``topics``,
    ``explanation`` and ``audit`` (events about this person). A section whose engine part is
    not installed is listed under ``unavailable``.

    Raises:
        NotFoundError: no such person.
    """
    rows = runner.read(q.EXPORT_PERSON, id=person_id)
    if not rows:
        raise _not_found(person_id)
    export: dict[str, Any] = {"id": person_id, "person": rows[0]["person"],
                              "accounts": rows[0]["accounts"]}
    export["posts"] = [{**r["post"], "account": r["account"], "in_reply_to": r["in_reply_to"]}
                       for r in runner.read(q.EXPORT_POSTS, id=person_id)]
    export["interactions"] = [
        {"direction": r["direction"], "account": r["account"], **r["interaction"],
         "counterpart": _counterpart(r, policy)}
        for r in runner.read(q.EXPORT_INTERACTIONS, id=person_id)
    ]
    links = []
    for r in runner.read(q.EXPORT_OTHER_LINKS, id=person_id):
        node = r["node"]
        if "Person" in r["labels"]:
            node = {"id": node["id"] if node["consent"] in published_states(policy) else None}
        links.append({"type": r["type"], "outgoing": r["outgoing"],
                      "properties": r["properties"], "labels": r["labels"], "node": node})
    export["links"] = links
    unavailable: list[str] = []
    export.update(_engine_sections(runner, person_id, policy, unavailable))
    export["unavailable"] = unavailable
    _audit(runner, actor, "export", subject_hash(salt(runner, settings), "person", person_id),
           {"posts": len(export["posts"]), "interactions": len(export["interactions"])})
    export["audit"] = [asdict(e) for e in audit_log(runner, person_id=person_id, first=1000,
                                                    settings=settings)]
    clean: dict[str, Any] = json.loads(json.dumps(export, default=_jsonable))
    return clean


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def _engine_sections(runner: QueryRunner, person_id: str, policy: PublishPolicy,
                     unavailable: list[str]) -> dict[str, Any]:
    """Score history, topics and explanation from the model and topic engines, when present.

    These are the person's own data, so they are exported even when the policy does not
    publish the person; other people inside them stay anonymous unless published.
    """
    from influence.engine import reads

    sections: dict[str, Any] = {"score_history": None, "topics": None, "explanation": None}

    def attempt(name: str, produce: Any) -> None:
        try:
            sections[name] = produce()
        except ImportError:
            unavailable.append(f"{name}: not installed")
        except InfluenceError as error:
            unavailable.append(f"{name}: {error.message}")

    def history() -> Any:
        return reads.score_history(runner, person_id, 0, 32_503_680_000,  # type: ignore[attr-defined,unused-ignore]
                                   "not_opted_out")

    def topics() -> Any:
        from influence.engine import topics as engine_topics  # type: ignore[attr-defined,unused-ignore]

        return engine_topics.person_topics(runner, person_id, "not_opted_out", first=1000)

    def explanation() -> Any:
        from influence.engine import explain  # type: ignore[attr-defined,unused-ignore]

        try:
            return explain.explain(runner, person_id, policy)
        except ConsentDeniedError:  # their own score, not published: others stay anonymous
            own = explain.explain(runner, person_id, "not_opted_out")
            return _anonymised(runner, own, policy)

    attempt("score_history", history)
    attempt("topics", topics)
    attempt("explanation", explanation)
    return sections


def _anonymised(runner: QueryRunner, explanation: Any, policy: PublishPolicy) -> Any:
    """The explanation with engagers the policy does not publish turned anonymous."""
    ids = [c.person_id for c in explanation.top_people if c.person_id is not None]
    shown = {r["id"] for r in runner.read(q.PEOPLE_CONSENT, ids=ids)
             if r["consent"] in published_states(policy)}
    people = tuple(c if c.person_id is None or c.person_id in shown
                   else replace(c, person_id=None, anonymous=True)
                   for c in explanation.top_people)
    return replace(explanation, top_people=people)


# --- tokens ---------------------------------------------------------------------------------


def person_token(settings: Settings, person_id: str) -> str:
    """The per-person verification token: hex HMAC-SHA256 of the person id with the server secret.

    Raises:
        InvalidInputError: ``consent_token_secret`` is not configured.
    """
    if settings.consent_token_secret is None:
        raise InvalidInputError(
            "Per-person tokens need a server secret.",
            hint="Set INFLUENCE_CONSENT_TOKEN_SECRET (e.g. `openssl rand -hex 32`).",
        )
    key = settings.consent_token_secret.get_secret_value().encode()
    return hmac.new(key, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()


def authorize(settings: Settings, token: str | None, person_id: str | None) -> str:
    """Check a bearer token; return the actor name for the audit log.

    An operator token (one of ``operator_tokens``) allows everything and acts as
    ``operator#N``; a per-person token allows requests about that one person and acts as
    ``person-token``.

    Raises:
        UnauthenticatedError: no token, or one that matches neither.
    """
    if not token:
        raise UnauthenticatedError("This operation needs a token.",
                                   hint="Send 'Authorization: Bearer <operator or person token>'.")
    for index, candidate in enumerate(settings.operator_tokens, start=1):
        if hmac.compare_digest(candidate.get_secret_value().encode(), token.encode()):
            return f"operator#{index}"
    if person_id is not None and settings.consent_token_secret is not None and \
            hmac.compare_digest(person_token(settings, person_id).encode(), token.encode()):
        return "person-token"
    raise UnauthenticatedError("The token is not valid for this operation.",
                               hint="Ask an operator for a token: `influence consent token ID`.")


def issue_token(runner: QueryRunner, settings: Settings, person_id: str, actor: str) -> str:
    """Issue (and audit) the per-person token of an existing person."""
    if not runner.read(q.EXPORT_PERSON, id=person_id):
        raise _not_found(person_id)
    token = person_token(settings, person_id)
    _audit(runner, actor, "token", subject_hash(salt(runner, settings), "person", person_id), {})
    return token


def _not_found(person_id: str) -> NotFoundError:
    return NotFoundError(f"No person with id {person_id!r}.",
                         hint="Ids look like 'stackexchange:123'.")
