"""Topic influence: "influential about what?".

For every topic *t* the engine keeps only the engagements made on posts about *t* (an answer,
comment, vote, ... whose post carries *t* among its tags, hashtags, subreddit or keyword
topics), weights them exactly like the overall score (kind weights, half-life decay, window,
``log(1 + strength)`` per pair, see :class:`~influence.engine.model.ModelParams`) and runs
weighted PageRank on that topic-filtered graph. Columnar reads (one record of lists per chunk
of engaging accounts) bring every interaction relationship with topics (:func:`topic_pairs`
sums them into (topic, engager, engaged) pairs with numpy); the per-topic PageRanks then run
in scipy with GDS's exact formula (see :func:`pagerank`). One GDS projection with a
relationship type per topic ran out of a 2 GB heap on 133 topics, and one projection per topic
would scan the graph once per topic; the integration tests check the scipy result against GDS
on a topic.

The raw PageRank is mapped to 1-100 with the same log scale as the overall score, so a topic
score of 40 means the same propagated support as an overall score of 40, only counted on one
topic. People with no engagement received on a topic have no ``TOPIC_SCORE`` for it (score 1).
"""

from __future__ import annotations

import itertools
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from influence.domain import PublishPolicy, published_states
from influence.engine import ranking
from influence.engine import topic_queries as q
from influence.engine.engagement import column_chunks, read_owners
from influence.engine.model import ModelParams
from influence.engine.privacy.consent import clear_objected_scores
from influence.engine.scoring import resolve, type_weights, window_words
from influence.errors import NotFoundError
from influence.store import QueryRunner, Row
from influence.timeutil import DAY_S

WRITE_BATCH = 5000


@dataclass(frozen=True)
class TopicRun:
    """What one topic-score recompute did."""

    run_id: str
    asof: int
    topics: int
    topics_scored: int
    scores_written: int
    engagement_pairs: int
    seconds: float


@dataclass(frozen=True)
class TopicScore:
    """One person's score on one topic; score and percentile are None when not published."""

    topic: str
    score: float | None
    percentile: float | None


@dataclass(frozen=True)
class PersonTopics:
    """A person's top topics as a reader may see them."""

    id: str
    consent: str
    published: bool
    topics: tuple[TopicScore, ...]


@dataclass(frozen=True)
class TopicLeader:
    """One row of a topic leaderboard."""

    id: str
    consent: str
    score: float
    percentile: float


@dataclass(frozen=True)
class RelatedTopic:
    """A topic that co-occurs with another on posts."""

    topic: str
    together: int
    same_community: bool


@dataclass(frozen=True)
class TopicContribution:
    """Score points one engager adds; ``person`` is None when the policy hides them."""

    person: str | None
    kinds: tuple[str, ...]
    points: float


@dataclass(frozen=True)
class TopicExplanation:
    """Why a person scores what they score on a topic.

    ``base + sum(c.points for c in contributions) + other_points == score`` (to rounding).
    """

    person: str
    topic: str
    score: float
    base: float
    contributions: tuple[TopicContribution, ...]
    other_points: float
    engagers: int


def scale(raw: float, base: float, reference: float) -> float:
    """Map a raw PageRank (GDS, unnormalised) to 1-100, like the overall score."""
    if raw <= base:
        return 1.0
    if raw >= base * reference:
        return 100.0
    return round(100.0 * (1.0 + 99.0 * math.log(raw / base) / math.log(reference))) / 100.0


def pagerank(sources: Sequence[int] | np.ndarray, targets: Sequence[int] | np.ndarray,
             weights: Sequence[float] | np.ndarray, nodes: int, params: ModelParams, *,
             teleport: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """GDS's weighted PageRank (:func:`influence.engine.ranking.pagerank`) with the model's
    damping, tolerance and iteration limit."""
    return ranking.pagerank(sources, targets, weights, nodes, damping=params.damping,
                            tolerance=params.tolerance, max_iterations=params.max_iterations,
                            teleport=teleport)


def personalised_topic_pagerank(all_pairs: list[Row], topic_pairs: list[Row],
                                params: ModelParams, *,
                                teleport_on: Literal["received+given", "received"]
                                = "received+given") -> dict[str, float]:
    """Topic-sensitive PageRank of one topic on the whole person engagement graph.

    The alternative to the topic-filtered graph of :func:`compute_topic_scores`: PageRank runs
    on every engagement pair (``all_pairs``: source, target, weight summed over all topics,
    e.g. :data:`~influence.engine.topic_queries.ALL_PAIRS`), and only the teleport is
    topic-specific: each person's teleport share is their weight on the topic's pairs
    (``topic_pairs``, rows of :data:`~influence.engine.topic_queries.TOPIC_PAIRS` for the
    topic), received plus given (or received only). The vector is scaled so that it sums to
    the number of people with a share, so an average participant teleports ``1 - d`` as in
    GDS PageRank (ranks do not depend on that scale).

    Returns:
        person -> raw score, for everyone in ``all_pairs`` (0 for people nothing reaches).
    """
    index: dict[str, int] = {}
    src = [index.setdefault(r["source"], len(index)) for r in all_pairs]
    dst = [index.setdefault(r["target"], len(index)) for r in all_pairs]
    share = np.zeros(len(index))
    for r in topic_pairs:
        if r["target"] in index:
            share[index[r["target"]]] += r["weight"]
        if teleport_on == "received+given" and r["source"] in index:
            share[index[r["source"]]] += r["weight"]
    total = float(share.sum())
    if total <= 0.0:
        return dict.fromkeys(index, 0.0)
    share *= np.count_nonzero(share) / total
    raw, _ = pagerank(src, dst, [r["weight"] for r in all_pairs], len(index), params,
                      teleport=share)
    return {person: float(raw[i]) for person, i in index.items()}


@dataclass(frozen=True)
class TopicPairs:
    """(topic, engager, engaged) pairs of people with their weight ``log(1 + strength)``,
    sorted by topic; ``people`` are person node ids, ``ids`` their person ids."""

    topic: np.ndarray
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    topics: list[str]
    people: np.ndarray
    ids: list[str]

    def of(self, code: int) -> slice:
        """The rows of one topic (by its code, an index into ``topics``)."""
        return slice(int(np.searchsorted(self.topic, code, side="left")),
                     int(np.searchsorted(self.topic, code, side="right")))

    def rows(self, rows: slice) -> list[Row]:
        """Some pairs as ``{source, target, weight}`` rows with person ids."""
        return [{"source": self.ids[int(a)], "target": self.ids[int(b)], "weight": float(w)}
                for a, b, w in zip(self.source[rows], self.target[rows], self.weight[rows],
                                   strict=True)]


TOPIC_SEPARATOR = "|"
"""Joins a relationship's sorted topics into its key ``tk`` (loaders/queries.py); topic names
cannot contain it (loaders/records.py)."""


def topic_pairs(store: QueryRunner, params: ModelParams, asof: int) -> TopicPairs:
    """Every (topic, engager, engaged) pair of people with engagement on the topic inside the
    window as of ``asof``, from columnar reads of the interactions that carry topics."""
    people = store.columns(q.PERSON_IDS)
    nodes = np.array(people["nodes"], dtype=np.int64)
    owners = read_owners(store, nodes)
    params = resolve(store, params)
    lo, hi = window_words(asof, params)
    # topic key -> a number of its own (every lookup draws one: mapped on C's pace, then made
    # dense below)
    keys: dict[str, int] = {}
    drawn = itertools.count()
    columns: dict[str, list[np.ndarray]] = {"src": [], "dst": [], "key": [], "parts": []}
    for chunk in column_chunks(store, q.TOPIC_COLUMNS, owners.owned(), lo=lo, hi=hi,
                               asof=asof, half_life_s=params.half_life_s,
                               weights=type_weights(params)):
        columns["key"].append(np.fromiter(map(keys.setdefault, chunk["keys"], drawn),
                                          dtype=np.int64, count=len(chunk["keys"])))
        columns["src"].append(owners.people_of(chunk["sources"]))
        columns["dst"].append(owners.people_of(chunk["targets"]))
        columns["parts"].append(np.array(chunk["parts"], dtype=np.float64))
    src, dst, key, parts = (np.concatenate(columns[c] or [np.empty(0, dtype=dtype)])
                            for c, dtype in (("src", np.int64), ("dst", np.int64),
                                             ("key", np.int64), ("parts", np.float64)))
    dense = np.zeros(next(drawn), dtype=np.int64)
    dense[np.fromiter(keys.values(), dtype=np.int64, count=len(keys))] = np.arange(len(keys))
    key = dense[key]
    # each key's topics as codes in name order, laid end to end (``starts``, ``sizes``)
    split = [[t for t in k.split(TOPIC_SEPARATOR) if t] for k in keys]
    names = sorted({t for ts in split for t in ts})
    code = {name: i for i, name in enumerate(names)}
    sizes = np.array([len(ts) for ts in split], dtype=np.int64)
    flat = np.array([code[t] for ts in split for t in ts], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    src, dst, key, parts = src[keep], dst[keep], key[keep], parts[keep]
    # one row per relationship and topic
    per = sizes[key]
    row = np.repeat(np.arange(len(key)), per)
    within = np.arange(len(row)) - np.repeat(np.cumsum(per) - per, per)
    topic = flat[starts[key[row]] + within]
    n = max(len(nodes), 1)
    pair = (topic * n + src[row]) * n + dst[row]
    unique, position = np.unique(pair, return_inverse=True)
    strength = np.bincount(position, weights=parts[row], minlength=len(unique))
    return TopicPairs(unique // (n * n), (unique // n) % n, unique % n, np.log1p(strength),
                      names, nodes, list(people["ids"]))


def all_pairs(pairs: TopicPairs) -> list[Row]:
    """The topic-blind pair weights (``log(1 + strength)`` of all topics' strengths), as rows;
    used by the evaluation's personalised-PageRank alternative."""
    n = max(len(pairs.people), 1)
    key = pairs.source.astype(np.int64) * n + pairs.target
    unique, position = np.unique(key, return_inverse=True)
    strength = np.bincount(position, weights=np.expm1(pairs.weight), minlength=len(unique))
    return [{"source": pairs.ids[int(k // n)], "target": pairs.ids[int(k % n)],
             "weight": float(w)} for k, w in zip(unique, np.log1p(strength), strict=True)]


def compute_topic_scores(store: QueryRunner, params: ModelParams, asof: int | None = None,
                         on_topic: Callable[[str], None] | None = None) -> TopicRun:
    """Recompute every person's score on every topic and store them.

    Stored as ``(:Person)-[:TOPIC_SCORE {score, percentile, raw, asof, run}]->(:Topic)``;
    previous topic scores are replaced.

    Args:
        store: the database.
        params: the model parameters (the same weights, decay and damping as the score).
        asof: scoring date as epoch seconds; default now.
        on_topic: called after each topic (for progress bars).

    Returns:
        A summary of the run.
    """
    started = time.monotonic()
    asof = int(time.time()) if asof is None else asof
    run_id = uuid.uuid4().hex
    base = 1.0 - params.damping
    known = sorted(r["topic"] for r in store.read(q.TOPIC_TYPES))
    pairs = topic_pairs(store, params, asof)
    store.auto_commit(q.CLEAR_TOPIC_SCORES)
    floor = base * (1.0 + 1e-9)
    scored, written = 0, 0
    batch: dict[str, list[Any]] = {"topics": [], "people": [], "scores": [], "percentiles": [],
                                   "raws": []}
    codes = {name: i for i, name in enumerate(pairs.topics)}
    for topic in known:
        if topic in codes:
            rows = pairs.of(codes[topic])
            local, index = np.unique(np.concatenate([pairs.source[rows], pairs.target[rows]]),
                                     return_inverse=True)
            half = rows.stop - rows.start
            raw, _ = pagerank(index[:half], index[half:], pairs.weight[rows], len(local), params)
            above = raw > floor
            if above.any():
                scored += 1
                values = [scale(float(r), base, params.scale_reference) for r in raw[above]]
                batch["topics"] += [topic] * len(values)
                batch["people"] += pairs.people[local[above]].tolist()
                batch["scores"] += values
                batch["percentiles"] += ranking.percentiles(values)
                batch["raws"] += raw[above].tolist()
        if len(batch["people"]) >= WRITE_BATCH:
            written += _flush(store, batch, asof, run_id)
        if on_topic is not None:
            on_topic(topic)
    written += _flush(store, batch, asof, run_id)
    clear_objected_scores(store)  # objection to profiling: no topic scores (docs/PRIVACY.md)
    store.write(q.MARK_TOPICS_SCORED, asof=asof, run=run_id)
    return TopicRun(run_id, asof, len(known), scored, written, len(pairs.topic),
                    time.monotonic() - started)


def _flush(store: QueryRunner, batch: dict[str, list[Any]], asof: int, run_id: str) -> int:
    count = len(batch["people"])
    if count:
        store.write(q.WRITE_TOPIC_SCORES, asof=asof, run=run_id,
                    **{name: list(values) for name, values in batch.items()})
        for values in batch.values():
            values.clear()
    return count


def person_topics(store: QueryRunner, person_id: str, policy: PublishPolicy,
                  first: int = 10) -> PersonTopics:
    """A person's top topics by topic score.

    Args:
        store: the database.
        person_id: e.g. ``stackexchange:123``.
        policy: the publish policy; an unpublished person's topics are listed without scores.
        first: how many topics.

    Raises:
        NotFoundError: no such person.
    """
    rows = store.read(q.PERSON_TOPICS, id=person_id, first=first)
    if not rows:
        raise NotFoundError(f"No person with id {person_id!r}.",
                            hint="Ids look like 'stackexchange:123'.")
    row = rows[0]
    shown = row["consent"] in published_states(policy)
    topics = tuple(
        TopicScore(t["topic"], t["score"] if shown else None, t["percentile"] if shown else None)
        for t in row["topics"] if t is not None
    )
    return PersonTopics(row["id"], row["consent"], shown, topics)


def _require_topic(store: QueryRunner, topic: str) -> Row:
    rows = store.read(q.TOPIC_EXISTS, topic=topic)
    if not rows:
        raise NotFoundError(f"No topic named {topic!r}.",
                            hint="List topics with `influence topics list`.")
    return rows[0]


def topic_leaderboard(store: QueryRunner, topic: str, first: int,
                      policy: PublishPolicy) -> list[TopicLeader]:
    """The most influential people on one topic, among those the policy lets us show.

    Raises:
        NotFoundError: no such topic.
    """
    _require_topic(store, topic)
    rows = store.read(q.TOPIC_SCORE_LEADERBOARD, topic=topic, first=first,
                      states=published_states(policy))
    return [TopicLeader(r["id"], r["consent"], r["score"], r["percentile"]) for r in rows]


def list_topics(store: QueryRunner, first: int = 50) -> list[Row]:
    """Topics by number of posts, with their topic community id (if computed)."""
    return store.read(q.TOPIC_LIST, first=first)


def related_topics(store: QueryRunner, topic: str, first: int = 10) -> list[RelatedTopic]:
    """Topics that most often share posts with ``topic``.

    Raises:
        NotFoundError: no such topic.
    """
    _require_topic(store, topic)
    return [RelatedTopic(r["topic"], r["together"], bool(r["same_community"]))
            for r in store.read(q.RELATED_TOPICS, topic=topic, first=first)]


def explain_topic(store: QueryRunner, person_id: str, topic: str, params: ModelParams,
                  policy: PublishPolicy, *, top: int = 10) -> TopicExplanation:
    """Split a person's topic score into the points each engager adds.

    PageRank at its fixed point gives ``raw = base + sum_j damping * raw_j * w_j / W_j`` over
    the engagers *j* (``w_j`` the pair weight, ``W_j`` all of *j*'s weight on the topic). The
    score's points above 1 are shared out in proportion to those terms.

    Raises:
        NotFoundError: no such person or topic, or the person has no score on it (score 1),
            or the policy hides the person's scores.
    """
    _require_topic(store, topic)
    shown = person_topics(store, person_id, policy, first=0)
    if not shown.published:
        raise NotFoundError(f"The scores of {person_id!r} are not published.",
                            hint="Under the current publish policy this person is not shown.")
    params = resolve(store, params)
    rows = store.read(q.TOPIC_CONTRIBUTIONS, id=person_id, topic=topic,
                      window_s=int(params.window_days * DAY_S),
                      half_life_s=params.half_life_s, weights=type_weights(params))
    if not rows:
        raise NotFoundError(f"{person_id!r} has received no engagement on {topic!r} (score 1).",
                            hint="See `influence topics person` for the person's topics.")
    base = 1.0 - params.damping
    score = float(rows[0]["score"])
    terms = []
    for r in rows:
        raw_j = r["engager_raw"] if r["engager_raw"] is not None else base
        term = params.damping * raw_j * r["weight"] / r["out_weight"] if r["out_weight"] else 0.0
        visible = r["consent"] in published_states(policy)
        terms.append((term, r["engager"] if visible else None, tuple(sorted(r["kinds"]))))
    total = sum(t[0] for t in terms) or 1.0
    terms.sort(key=lambda t: (-t[0], t[1] or ""))
    points = [(score - 1.0) * t[0] / total for t in terms]
    contributions = tuple(TopicContribution(t[1], t[2], round(p, 3))
                          for t, p in zip(terms[:top], points[:top], strict=True))
    return TopicExplanation(person_id, topic, score, 1.0, contributions,
                            round(sum(points[top:]), 3), len(terms))
