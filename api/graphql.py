"""The GraphQL schema: thin strawberry types over the engine's read paths."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from influence.api.context import Context
from influence.engine import reads
from influence.errors import LimitExceededError

MAX_PAGE = 100


@strawberry.type(description="An account of a person on one network.")
class Account:
    network: str
    id: str


@strawberry.type(description="A person and, where the consent policy allows, their score.")
class Person:
    id: strawberry.ID
    consent: str = strawberry.field(description="opted_in, opted_out or unknown.")
    accounts: list[Account]
    score: float | None = strawberry.field(
        description="Influence on a 1-100 scale; null when the consent policy hides it."
    )
    percentile: float | None = strawberry.field(
        description="Share of scored people with a lower score, in percent."
    )

    @classmethod
    def from_view(cls, view: reads.PersonView) -> Person:
        return cls(
            id=strawberry.ID(view.id), consent=view.consent,
            accounts=[Account(network=a.network, id=a.id) for a in view.accounts],
            score=view.score, percentile=view.percentile,
        )


def _page(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise LimitExceededError(f"first must be between 1 and {MAX_PAGE}, got {first}.")
    return first


@strawberry.type
class Query:
    @strawberry.field(description="One person by id, e.g. 'stackexchange:42'.")
    def person(self, info: Info[Context, None], id: strawberry.ID) -> Person:
        ctx = info.context
        return Person.from_view(reads.get_person(ctx.store, str(id), ctx.settings.publish_policy))

    @strawberry.field(description="People by score, highest first (only published scores).")
    def leaderboard(
        self,
        info: Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1-100.")] = 20,
        topic: str | None = None,
    ) -> list[Person]:
        ctx = info.context
        views = reads.leaderboard(ctx.store, _page(first), ctx.settings.publish_policy,
                                  topic=topic.lower() if topic else None)
        return [Person.from_view(v) for v in views]



