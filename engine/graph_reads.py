"""Graph reads of the API: batched people, neighbours, people search, paged leaderboards,
topics and communities, all filtered by the publish policy.

Batched functions take many ids and make one database round trip, so the API's per-request
DataLoaders resolve a nested query without N+1 reads. Pages are offset-based (``skip``) and
bounded by the caller (the API caps ``first`` at 100 and ``skip`` at :data:`MAX_SKIP`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from influence.domain import PublishPolicy, published_states
from influence.engine import graph_read_queries as q
from influence.engine.reads import PersonView, person_view
from influence.errors import InvalidInputError
from influence.store import QueryRunner, Row

Direction = Literal["IN", "OUT", "BOTH"]
_EDGES = "@#.,;:!?()[]{}<>\"'`*~^+-/\\|&="
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')
MAX_WORDS = 8
"""Most words of a search text looked up (the rest are ignored)."""
# Letters Unicode does not decompose that ASCII folding maps (ł -> l, ø -> o, ...).
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "ŀ": "l",
                               "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})
MAX_SKIP = 10_000
"""Deepest offset a page may start at (deeper pages cost a scan; narrow the search instead)."""

_NEIGHBOUR_QUERIES = {"OUT": q.NEIGHBOURS_OUT, "IN": q.NEIGHBOURS_IN, "BOTH": q.NEIGHBOURS_BOTH}


@dataclass(frozen=True)
class Neighbour:
    """A person linked to another by engagements; ``weight`` sums the kind weights."""

    person: PersonView
    interactions: int
    kinds: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class TopicRow:
    name: str
    posts: int
    community: str | None


def check_skip(skip: int) -> int:
    """``skip`` when it is a page offset we serve (0..MAX_SKIP)."""
    if not 0 <= skip <= MAX_SKIP:
        raise InvalidInputError(f"Page offset must be between 0 and {MAX_SKIP}, got {skip}.",
                                hint="Narrow the query (search, topic, network) instead.")
    return skip


def people_by_ids(store: QueryRunner, ids: Sequence[str],
                  policy: PublishPolicy) -> dict[str, PersonView]:
    """The people among ``ids`` that exist, by id (one round trip)."""
    return {r["id"]: person_view(r, policy) for r in store.read(q.PEOPLE_BY_IDS, ids=list(ids))}


def topics_by_people(store: QueryRunner, ids: Sequence[str], first: int,
                     policy: PublishPolicy) -> dict[str, list[tuple[str, float | None,
                                                                    float | None]]]:
    """Each person's top ``first`` topics by topic score: (topic, score, percentile).

    Scores are None for people whose scores the policy hides.
    """
    out: dict[str, list[tuple[str, float | None, float | None]]] = {}
    states = published_states(policy)
    for r in store.read(q.TOPICS_BY_PEOPLE, ids=list(ids), first=first):
        shown = r["consent"] in states
        out[r["id"]] = [(t["topic"], t["score"] if shown else None,
                         t["percentile"] if shown else None) for t in r["topics"]]
    return out


def neighbours(store: QueryRunner, ids: Sequence[str], *, direction: Direction,
               kinds: Sequence[str] | None, first: int, weights: dict[str, float],
               policy: PublishPolicy) -> dict[str, list[Neighbour]]:
    """The people each of ``ids`` engaged with (OUT), was engaged by (IN) or both.

    Args:
        store: the database.
        ids: person ids (one round trip for all).
        direction: OUT (their engagements), IN (engagements received) or BOTH.
        kinds: only these interaction kinds (e.g. ``["answer", "comment"]``); None for all.
        first: most neighbours per person, heaviest first.
        weights: kind weights (the model's ``kind_weights``); a neighbour's weight is the sum
            over its interactions (undecayed), unknown kinds weigh 0.
        policy: the publish policy (neighbours' scores are hidden unless published).

    Returns:
        Neighbours by person id, heaviest first; people without any are absent.
    """
    types = None
    if kinds is not None:
        types = [k.upper() for k in kinds]
    rows = store.read(_NEIGHBOUR_QUERIES[direction], ids=list(ids), first=first, types=types,
                      weights={k.upper(): w for k, w in weights.items()})
    return {
        r["id"]: [Neighbour(person_view(n, policy), n["interactions"], tuple(sorted(n["kinds"])),
                            float(n["weight"])) for n in r["neighbours"]]
        for r in rows
    }


def name_query(text: str) -> str | None:
    """The Lucene query of the name index for a search text: every word of it, either as
    the index reads words (analysed: ``mary-jane`` is two) or as a prefix of one (``mich``
    finds Michał, ``jon.sk`` jon.skeet); case and accents aside. None when it has no word."""
    words = [w for w in (t.strip(_EDGES) for t in text.lower().split()) if w]
    if not words:
        return None
    return " AND ".join(f"({_escaped(w)}^4 OR {_escaped(fold(w))}*)" for w in words[:MAX_WORDS])


def _escaped(word: str) -> str:
    return _LUCENE_SPECIAL.sub(r"\\\1", word)


def fold(word: str) -> str:
    """``word`` without accents, as the index's ``standard-folding`` analyzer folds them
    (the index folds what it stores; prefix terms are not analysed, so they are folded here)."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_people(store: QueryRunner, text: str, first: int, skip: int,
                  policy: PublishPolicy) -> list[PersonView]:
    """People found by ``text``: first the person, account id or account key it is exactly
    (anyone), then published people with every word of it starting a word of their name, an
    account's display name or handle (case and accents aside), the most influential first."""
    needle = text.strip()
    if not needle:
        raise InvalidInputError("Search text is empty.",
                                hint="Type part of a name or handle, or an id such as '42'.")
    rows = store.read(q.SEARCH_PEOPLE, text=needle, words=name_query(needle), first=first,
                      skip=check_skip(skip), states=published_states(policy))
    return [person_view(r, policy) for r in rows]


def count_people(store: QueryRunner, text: str, policy: PublishPolicy) -> int:
    """How many people :func:`search_people` would page through."""
    needle = text.strip()
    return int(store.read(q.SEARCH_PEOPLE_COUNT, text=needle, words=name_query(needle),
                          states=published_states(policy))[0]["n"])


def leaderboard_page(store: QueryRunner, first: int, skip: int, *, policy: PublishPolicy,
                     topic: str | None = None, network: str | None = None) -> list[PersonView]:
    """People by score, highest first, among the published (optionally active on a topic or
    with an account on a network). ORDER BY + SKIP/LIMIT run inside the database."""
    query = q.LEADERBOARD_PAGE if topic is None else q.TOPIC_LEADERBOARD_PAGE
    rows = store.read(query, first=first, skip=check_skip(skip), topic=topic, network=network,
                      states=published_states(policy))
    return [person_view(r, policy) for r in rows]


def count_leaderboard(store: QueryRunner, policy: PublishPolicy, topic: str | None = None,
                      network: str | None = None) -> int:
    """How many people :func:`leaderboard_page` pages through."""
    query = q.LEADERBOARD_COUNT if topic is None else q.TOPIC_LEADERBOARD_COUNT
    return int(store.read(query, topic=topic, network=network,
                          states=published_states(policy))[0]["n"])


def _topic(r: Row) -> TopicRow:
    community = r["community"]
    return TopicRow(r["name"], int(r["posts"]), None if community is None else str(community))


def topics_page(store: QueryRunner, search: str | None, first: int, skip: int) -> list[TopicRow]:
    """Topics by number of posts (optionally whose name contains ``search``)."""
    needle = search.strip().lower() if search else None
    return [_topic(r) for r in store.read(q.TOPICS_PAGE, q=needle, first=first,
                                          skip=check_skip(skip))]


def count_topics(store: QueryRunner, search: str | None) -> int:
    """How many topics :func:`topics_page` pages through."""
    needle = search.strip().lower() if search else None
    return int(store.read(q.TOPICS_COUNT, q=needle)[0]["n"])


def topics_by_names(store: QueryRunner, names: Sequence[str]) -> dict[str, TopicRow]:
    """The topics among ``names`` that exist (one round trip)."""
    return {r["name"]: _topic(r) for r in store.read(q.TOPICS_BY_NAMES, names=list(names))}


def community_of_people(store: QueryRunner, ids: Sequence[str]) -> dict[str, str | None]:
    """Each person's people-community id (None when communities were not computed)."""
    return {r["id"]: r["community"] for r in store.read(q.COMMUNITY_OF_PEOPLE, ids=list(ids))}
