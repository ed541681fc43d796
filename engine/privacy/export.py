"""Access export: everything held about a person, as JSON-ready data (the right of access)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from influence.domain import PublishPolicy, published_states
from influence.engine import explain, reads, topics
from influence.engine.privacy import audit
from influence.engine.privacy import queries as q
from influence.engine.privacy.erasure import not_found
from influence.engine.privacy.tombstones import person_subject
from influence.errors import ConsentDeniedError, InfluenceError
from influence.settings import Settings
from influence.store import QueryRunner, Row
from influence.timeutil import END_OF_TIME


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
    ``explanation`` and ``audit`` (events about this person). A derived section that cannot
    be produced (no score computed yet, say) is listed under ``unavailable`` with the reason.

    Raises:
        NotFoundError: no such person.
    """
    rows = runner.read(q.EXPORT_PERSON, id=person_id)
    if not rows:
        raise not_found(person_id)
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
    export.update(_derived_sections(runner, person_id, policy, unavailable))
    export["unavailable"] = unavailable
    audit.append(runner, actor, "export", person_subject(runner, person_id, settings),
                 {"posts": len(export["posts"]), "interactions": len(export["interactions"])})
    export["audit"] = [asdict(e) for e in audit.audit_log(runner, person_id=person_id,
                                                          first=1000, settings=settings)]
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


def _derived_sections(runner: QueryRunner, person_id: str, policy: PublishPolicy,
                      unavailable: list[str]) -> dict[str, Any]:
    """Score history, topics and explanation: the person's own data, so exported even when
    the policy does not publish the person; other people inside them stay anonymous unless
    published."""
    sections: dict[str, Any] = {"score_history": None, "topics": None, "explanation": None}

    def attempt(name: str, produce: Callable[[], Any]) -> None:
        try:
            sections[name] = produce()
        except InfluenceError as error:
            unavailable.append(f"{name}: {error.message}")

    def explanation() -> Any:
        try:
            return explain.explain(runner, person_id, policy)
        except ConsentDeniedError:  # their own score, not published: others stay anonymous
            own = explain.explain(runner, person_id, "not_opted_out")
            return _anonymised(runner, own, policy)

    attempt("score_history", lambda: reads.score_history(runner, person_id, 0, END_OF_TIME,
                                                         "not_opted_out"))
    attempt("topics", lambda: topics.person_topics(runner, person_id, "not_opted_out",
                                                   first=1000))
    attempt("explanation", explanation)
    return sections


def _anonymised(runner: QueryRunner, why: explain.Explanation,
                policy: PublishPolicy) -> explain.Explanation:
    """The explanation with engagers the policy does not publish turned anonymous."""
    ids = [c.person_id for c in why.top_people if c.person_id is not None]
    shown = {r["id"] for r in runner.read(q.PEOPLE_CONSENT, ids=ids)
             if r["consent"] in published_states(policy)}
    people = tuple(c if c.person_id is None or c.person_id in shown
                   else replace(c, person_id=None, anonymous=True)
                   for c in why.top_people)
    return replace(why, top_people=people)
