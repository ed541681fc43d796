"""GraphQL for consent and privacy: mutations for a person's rights, the audit log for operators.

Every field needs either an operator token (``Authorization: Bearer <token>``, one of
``settings.operator_tokens``) or, for one person's own request, that person's verification
token in the ``personToken`` argument (HMAC-SHA256 of the person id with
``settings.consent_token_secret``, issued by an operator with ``influence consent token``).
See docs/PRIVACY.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from influence.engine import consent
from influence.errors import LimitExceededError, UnauthenticatedError

MAX_AUDIT_PAGE = 500
PersonToken = Annotated[str | None, strawberry.argument(
    description="The person's own verification token (not needed with an operator token).")]


def _bearer(info: Info[Any, None]) -> str | None:
    ctx = info.context
    token = getattr(ctx, "token", None)
    if token:
        return str(token)
    request = getattr(ctx, "request", None)
    header = request.headers.get("authorization", "") if request is not None else ""
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _actor(info: Info[Any, None], person_id: str | None, person_token: str | None) -> str:
    """The audit actor of this request, or UnauthenticatedError."""
    settings = info.context.settings
    bearer = _bearer(info)
    if bearer:
        try:
            return consent.authorize(settings, bearer, person_id)
        except UnauthenticatedError:
            if person_token is None:
                raise
    return consent.authorize(settings, person_token, person_id)


@strawberry.type(description="A consent statement as recorded.")
class ConsentChange:
    person_id: strawberry.ID
    state: str = strawberry.field(description="opted_in, opted_out or unknown.")
    source: str
    at: int = strawberry.field(description="When the statement was given, epoch seconds.")
    erased: bool = strawberry.field(description="True when opting out erased the person.")


@strawberry.type(description="What an erasure removed; people are named only by a salted hash.")
class Erasure:
    person_hash: str
    accounts: int
    posts: int
    interactions: int
    already_erased: bool
    verified_clean: bool = strawberry.field(
        description="True when a scan of the whole graph found no property naming them.")

    @classmethod
    def of(cls, report: consent.Erasure) -> Erasure:
        return cls(person_hash=report.person_hash, accounts=report.accounts, posts=report.posts,
                   interactions=report.interactions, already_erased=report.already_erased,
                   verified_clean=not report.residual)


@strawberry.type(description="One entry of the append-only audit log.")
class AuditEvent:
    id: strawberry.ID
    at: float = strawberry.field(description="Epoch seconds.")
    actor: str
    action: str = strawberry.field(description="consent, erase, export, objection or token.")
    subject: str | None = strawberry.field(description="Salted hash of the person id.")
    detail: JSON


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(description="Record consent (opted_in, unknown; opted_out erases).")
    def set_consent(self, info: Info[Any, None], person_id: strawberry.ID, state: str,
                    source: str, person_token: PersonToken = None) -> ConsentChange:
        actor = _actor(info, str(person_id), person_token)
        change = consent.set_consent(info.context.store, str(person_id), state, source, actor,
                                     settings=info.context.settings)
        return ConsentChange(person_id=person_id, state=change.state, source=change.source,
                             at=change.at, erased=change.erasure is not None)

    @strawberry.mutation(description="Erase a person and everything about them (irreversible).")
    def erase_person(self, info: Info[Any, None], person_id: strawberry.ID,
                     person_token: PersonToken = None) -> Erasure:
        actor = _actor(info, str(person_id), person_token)
        return Erasure.of(consent.erase(info.context.store, str(person_id), actor,
                                        settings=info.context.settings))

    @strawberry.mutation(description="Object to profiling (keep data, no score), or lift it.")
    def object_to_profiling(self, info: Info[Any, None], person_id: strawberry.ID,
                            objection: bool = True, person_token: PersonToken = None) -> bool:
        actor = _actor(info, str(person_id), person_token)
        consent.object_to_profiling(info.context.store, str(person_id), actor,
                                    objection=objection, settings=info.context.settings)
        return objection

    @strawberry.mutation(description="Everything held about a person, as JSON (audited).")
    def export_person(self, info: Info[Any, None], person_id: strawberry.ID,
                      person_token: PersonToken = None) -> JSON:
        actor = _actor(info, str(person_id), person_token)
        settings = info.context.settings
        return JSON(consent.export_person(info.context.store, str(person_id), actor,
                                          policy=settings.publish_policy, settings=settings))


@strawberry.type
class ConsentQuery:
    @strawberry.field(description="The audit log, newest first (operator token required).")
    def audit_log(self, info: Info[Any, None], first: int = 50,
                  person_id: strawberry.ID | None = None,
                  action: str | None = None) -> list[AuditEvent]:
        actor = consent.authorize(info.context.settings, _bearer(info), None)
        if not actor.startswith("operator"):
            raise UnauthenticatedError("The audit log needs an operator token.")
        if not 1 <= first <= MAX_AUDIT_PAGE:
            raise LimitExceededError(f"first must be between 1 and {MAX_AUDIT_PAGE}.")
        events = consent.audit_log(info.context.store,
                                   person_id=None if person_id is None else str(person_id),
                                   action=action, first=first, settings=info.context.settings)
        return [AuditEvent(id=strawberry.ID(e.id), at=e.at, actor=e.actor, action=e.action,
                           subject=e.subject, detail=JSON(e.detail)) for e in events]
