"""Read paths of the engine: people and leaderboards, filtered by the consent policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from influence.engine import read_queries as q
from influence.errors import NotFoundError
from influence.store import QueryRunner

PublishPolicy = Literal["opted_in", "not_opted_out"]


def published_states(policy: PublishPolicy) -> list[str]:
    """Consent states whose scores may be shown under a policy."""
    return ["opted_in"] if policy == "opted_in" else ["opted_in", "unknown"]


@dataclass(frozen=True)
class Account:
    network: str
    id: str


@dataclass(frozen=True)
class PersonView:
    """A person as a reader may see them: score fields are None when not published."""

    id: str
    consent: str
    accounts: tuple[Account, ...]
    score: float | None
    percentile: float | None


def get_person(store: QueryRunner, person_id: str, policy: PublishPolicy) -> PersonView:
    """One person; raises NotFoundError when absent."""
    rows = store.read(q.PERSON, id=person_id)
    if not rows:
        raise NotFoundError(f"No person with id {person_id!r}.",
                            hint="Ids look like 'stackexchange:123'; search with people(search:).")
    row = rows[0]
    shown = row["consent"] in published_states(policy)
    return PersonView(
        id=row["id"], consent=row["consent"],
        accounts=tuple(Account(a["network"], a["id"]) for a in row["accounts"]),
        score=row["score"] if shown else None,
        percentile=row["percentile"] if shown else None,
    )


def leaderboard(store: QueryRunner, first: int, policy: PublishPolicy,
                topic: str | None = None) -> list[PersonView]:
    """The top people by score (optionally among those active on a topic)."""
    query = q.LEADERBOARD if topic is None else q.TOPIC_LEADERBOARD
    rows = store.read(query, first=first, states=published_states(policy), topic=topic)
    return [
        PersonView(id=r["id"], consent=r["consent"],
                   accounts=tuple(Account(a["network"], a["id"]) for a in r["accounts"]),
                   score=r["score"], percentile=r["percentile"])
        for r in rows
    ]
