"""GraphQL for consent and privacy: mutations for a person's rights, the audit log for operators.

Every field needs either an operator token (``Authorization: Bearer <token>``, one of
``settings.operator_tokens``) or, for one person's own request, that person's verification
token in the ``personToken`` argument (``influence.api.auth``). Each resolver runs its
database work off the event loop, so an erasure (a whole-graph scan) never blocks other
requests. See docs/PRIVACY.md.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from influence.api.auth import request_actor, require_operator_token
from influence.api.context import CtxInfo
from influence.domain import ConsentState
from influence.engine.privacy import audit, erasure, export
from influence.engine.privacy import consent as privacy_consent
from influence.errors import LimitExceededError

MAX_AUDIT_PAGE = 500
PersonToken = Annotated[str | None, strawberry.argument(
    description="The person's own verification token (not needed with an operator token).")]
strawberry.enum(ConsentState, name="ConsentState",
                description="A person's consent to being scored.")  # the GraphQL enum


@strawberry.type(description="A consent statement as recorded.")
class ConsentChange:
    person_id: strawberry.ID
    state: ConsentState
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
    def of(cls, report: erasure.Erasure) -> Erasure:
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
    @strawberry.mutation(description="Record consent (OPTED_IN, UNKNOWN; OPTED_OUT erases).")
    async def set_consent(self, info: CtxInfo, person_id: strawberry.ID, state: ConsentState,
                          source: str, person_token: PersonToken = None) -> ConsentChange:
        who = request_actor(info, str(person_id), person_token)
        ctx = info.context
        change = await ctx.run(privacy_consent.set_consent, ctx.store, str(person_id),
                               state, source, who, settings=ctx.settings)
        return ConsentChange(person_id=person_id, state=change.state, source=change.source,
                             at=change.at, erased=change.erasure is not None)

    @strawberry.mutation(description="Erase a person and everything about them (irreversible).")
    async def erase_person(self, info: CtxInfo, person_id: strawberry.ID,
                           person_token: PersonToken = None) -> Erasure:
        who = request_actor(info, str(person_id), person_token)
        ctx = info.context
        return Erasure.of(await ctx.run(erasure.erase, ctx.store, str(person_id), who,
                                        settings=ctx.settings))

    @strawberry.mutation(description="Object to profiling (keep data, no score), or lift it.")
    async def object_to_profiling(self, info: CtxInfo, person_id: strawberry.ID,
                                  objection: bool = True,
                                  person_token: PersonToken = None) -> bool:
        who = request_actor(info, str(person_id), person_token)
        ctx = info.context
        await ctx.run(privacy_consent.object_to_profiling, ctx.store, str(person_id), who,
                      objection=objection, settings=ctx.settings)
        return objection

    @strawberry.mutation(description="Everything held about a person, as JSON (audited).")
    async def export_person(self, info: CtxInfo, person_id: strawberry.ID,
                            person_token: PersonToken = None) -> JSON:
        who = request_actor(info, str(person_id), person_token)
        ctx = info.context
        return JSON(await ctx.run(export.export_person, ctx.store, str(person_id), who,
                                  policy=ctx.settings.publish_policy, settings=ctx.settings))


@strawberry.type
class ConsentQuery:
    @strawberry.field(description="The audit log, newest first (operator token required).")
    async def audit_log(self, info: CtxInfo, first: int = 50,
                        person_id: strawberry.ID | None = None,
                        action: str | None = None) -> list[AuditEvent]:
        require_operator_token(info)
        if not 1 <= first <= MAX_AUDIT_PAGE:
            raise LimitExceededError(f"first must be between 1 and {MAX_AUDIT_PAGE}.")
        ctx = info.context
        events = await ctx.run(audit.audit_log, ctx.store,
                               person_id=None if person_id is None else str(person_id),
                               action=action, first=first, settings=ctx.settings)
        return [AuditEvent(id=strawberry.ID(e.id), at=e.at, actor=e.actor, action=e.action,
                           subject=e.subject, detail=JSON(e.detail)) for e in events]
