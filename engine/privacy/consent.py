"""Consent statements and objection to profiling (docs/PRIVACY.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from influence.domain import ConsentState
from influence.engine.privacy import audit
from influence.engine.privacy import queries as q
from influence.engine.privacy.erasure import Erasure, erase, not_found
from influence.engine.privacy.tombstones import person_subject
from influence.errors import InvalidInputError
from influence.settings import Settings
from influence.store import QueryRunner


@dataclass(frozen=True)
class ConsentChange:
    """What :func:`set_consent` did; ``erasure`` is set when opting out erased the person."""

    person_id: str
    state: ConsentState
    source: str
    at: int
    erasure: Erasure | None = None


def consent_state(value: str) -> ConsentState:
    """The consent state named ``value``.

    Raises:
        InvalidInputError: not one of ``opted_in``, ``opted_out``, ``unknown``.
    """
    try:
        return ConsentState(value)
    except ValueError:
        raise InvalidInputError(f"Unknown consent state {value!r}.",
                                hint="Use one of: " + ", ".join(s.value for s in ConsentState),
                                ) from None


def set_consent(runner: QueryRunner, person_id: str, state: ConsentState | str, source: str,
                actor: str, *, at: int | None = None,
                settings: Settings | None = None) -> ConsentChange:
    """Record a person's consent state with its source and time.

    Opting out is the right to be forgotten: the person is erased at once (see
    :func:`~influence.engine.privacy.erasure.erase`). To keep the data but stop scoring, use
    :func:`object_to_profiling` instead.

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
    value = consent_state(state)
    if not source.strip():
        raise InvalidInputError("A consent statement needs a source.",
                                hint="Say where it came from, e.g. --source web-form.")
    when = int(time.time()) if at is None else at
    if value == ConsentState.OPTED_OUT:
        erasure = erase(runner, person_id, actor, reason=f"opted out ({source})",
                        settings=settings)
        return ConsentChange(person_id, value, source, when, erasure)
    if not runner.write_rows(q.SET_CONSENT, id=person_id, state=value.value, source=source,
                             at=when):
        raise not_found(person_id)
    audit.append(runner, actor, "consent", person_subject(runner, person_id, settings),
                 {"state": value.value, "source": source, "at": when})
    return ConsentChange(person_id, value, source, when)


def object_to_profiling(runner: QueryRunner, person_id: str, actor: str, *,
                        objection: bool = True, settings: Settings | None = None) -> None:
    """Keep a person's data but compute and publish no score for them (or lift the objection).

    The score fields are cleared at once; every recompute clears them again
    (:func:`clear_objected_scores`). Their interactions still count as evidence about the
    people they engaged with.

    Raises:
        NotFoundError: no such person.
    """
    if not runner.write_rows(q.SET_OBJECTION, id=person_id, objection=objection,
                             at=int(time.time())):
        raise not_found(person_id)
    if objection:
        clear_objected_scores(runner)
    audit.append(runner, actor, "objection", person_subject(runner, person_id, settings),
                 {"objection": objection})


def clear_objected_scores(runner: QueryRunner) -> None:
    """Remove score, percentile and PageRank from people who object to profiling."""
    runner.write(q.CLEAR_OBJECTED_SCORES)
