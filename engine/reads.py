"""Read paths of the engine: people and leaderboards, filtered by the consent policy."""

from __future__ import annotations

from dataclasses import dataclass

from influence.domain import PublishPolicy, published_states
from influence.engine import read_queries as q
from influence.engine.scoring import CHUNK
from influence.errors import ConsentDeniedError, NotFoundError
from influence.store import QueryRunner, Row


@dataclass(frozen=True)
class Account:
    """An account; its handle, display name and profile page are None unless published."""

    network: str
    id: str
    handle: str | None = None
    display_name: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class NetworkScore:
    """A per-network sub-score: the 1-100 score the credit from one network alone would give."""

    network: str
    score: float


@dataclass(frozen=True)
class PersonView:
    """A person as a reader may see them: score fields are None (or empty) when not published."""

    id: str
    consent: str
    accounts: tuple[Account, ...]
    score: float | None
    percentile: float | None
    confidence: float | None = None
    network_scores: tuple[NetworkScore, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class HistoryPoint:
    """One dated snapshot of a person's score; ``change`` is the score minus the previous one."""

    asof: int
    score: float
    percentile: float | None
    confidence: float | None
    change: float | None


def _network_scores(row: Row) -> tuple[NetworkScore, ...]:
    """Sub-scores by network: stored for people on several networks; for a person on one
    network the one sub-score is the score itself (when anyone engaged them)."""
    names, values = row.get("score_networks") or [], row.get("network_scores") or []
    if names:
        return tuple(NetworkScore(n, v) for n, v in zip(names, values, strict=False))
    networks = {a["network"] for a in row.get("accounts") or []}
    score = row.get("score")
    if len(networks) == 1 and score is not None and score > 1.0:
        return (NetworkScore(networks.pop(), float(score)),)
    return ()


def _accounts(row: Row, shown: bool) -> tuple[Account, ...]:
    """The person's accounts by network and id; names and links only when ``shown``."""
    rows = sorted(row["accounts"], key=lambda a: (a["network"], a["id"]))
    if not shown:
        return tuple(Account(a["network"], a["id"]) for a in rows)
    return tuple(Account(a["network"], a["id"], a.get("handle"), a.get("display_name"),
                         a.get("url")) for a in rows)


def display_name(name: str | None, accounts: tuple[Account, ...]) -> str | None:
    """The name a person is shown by: their own (``person.name``), else their first
    account's display name, else its handle (accounts in network, id order)."""
    return name or next((a.display_name for a in accounts if a.display_name), None) \
        or next((a.handle for a in accounts if a.handle), None)


def person_view(row: Row, policy: PublishPolicy) -> PersonView:
    """A person row (id, name, consent, score, percentile, accounts, ...) as a reader may
    see it: score fields, names, handles and profile links are None unless the publish
    policy shows this person."""
    shown = row["consent"] in published_states(policy)
    accounts = _accounts(row, shown)
    return PersonView(
        id=row["id"], consent=row["consent"], accounts=accounts,
        name=display_name(row.get("name"), accounts) if shown else None,
        score=row["score"] if shown else None,
        percentile=row["percentile"] if shown else None,
        confidence=row.get("confidence") if shown else None,
        network_scores=_network_scores(row) if shown else (),
    )


def get_person(store: QueryRunner, person_id: str, policy: PublishPolicy) -> PersonView:
    """One person; raises NotFoundError when absent."""
    rows = store.read(q.PERSON, id=person_id)
    if not rows:
        raise NotFoundError(f"No person with id {person_id!r}.",
                            hint="Ids look like 'stackexchange:123'; search with people(search:).")
    return person_view(rows[0], policy)


def score_history(store: QueryRunner, person_id: str, since: int, until: int,
                  policy: PublishPolicy = "opted_in") -> list[HistoryPoint]:
    """A person's dated score snapshots between two dates, oldest first, with each change.

    Every recompute keeps a run for its scoring date (recomputing a date replaces it) with
    each person's score, so with daily recomputes ``change`` is the day-over-day change.

    Args:
        store: the database.
        person_id: e.g. ``stackexchange:123``.
        since: first scoring date to include, epoch seconds.
        until: last scoring date to include, epoch seconds.
        policy: the publish policy; history is shown only for published people.

    Returns:
        The snapshots; the first one's ``change`` is against the snapshot before ``since``
        (None when there is none).

    Raises:
        NotFoundError: no such person.
        ConsentDeniedError: the person's scores are not published under ``policy``.
    """
    person = get_person(store, person_id, policy)
    if person.consent not in published_states(policy):
        raise ConsentDeniedError(f"The score history of {person_id!r} is not published.",
                                 hint="Only people whose consent the publish policy allows.")
    chunk_size = CHUNK
    rows = store.read(q.SCORE_HISTORY, id=person_id, since=since, until=until,
                      chunk_size=chunk_size)
    before = store.read(q.PREVIOUS_SNAPSHOT, id=person_id, before=since,
                        chunk_size=chunk_size) if rows else []
    previous: float | None = before[0]["score"] if before else None
    points = []
    for row in rows:
        change = None if previous is None else round(row["score"] - previous, 2)
        points.append(HistoryPoint(row["asof"], row["score"], row["percentile"],
                                   row["confidence"], change))
        previous = row["score"]
    return points
