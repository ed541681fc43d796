"""Evaluation of topic influence: topic-filtered PageRank against personalised PageRank.

A temporal hold-out per topic, like :func:`influence.evaluation.holdout.evaluate`: the records
before the cut are loaded into a scratch server, every method scores every person on every
topic as of the cut, and the target for topic *t* is the number of distinct people who engage
each person on posts about *t* after the cut (people seen before the cut only, self-engagement
left out). Spearman and NDCG@10/100 per topic, averaged over the topics where at least
``min_people`` people receive such engagement.

Methods:

* ``filtered``: the engine as it is (:func:`~influence.engine.topics.compute_topic_scores`,
  PageRank on the topic-filtered graph), read back from the stored ``TOPIC_SCORE`` raws; people
  without a score get the floor ``1 - d``;
* ``personalised``: PageRank on the whole person engagement graph with the teleport
  proportional to each person's weight on the topic's pairs, received plus given
  (:func:`~influence.engine.topics.personalised_topic_pagerank`), computed offline on the pairs
  read from the scratch server; ``personalised (received)`` teleports on received weight only;
* baselines: engagement received on the topic before the cut (count, and distinct engagers),
  and the overall score (topic-blind, :func:`~influence.engine.scoring.compute_scores`).
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from influence.engine import topic_queries as q
from influence.engine.model import ModelParams
from influence.engine.topics import (
    all_pairs,
    compute_topic_scores,
    personalised_topic_pagerank,
    topic_pairs,
)
from influence.errors import InvalidInputError
from influence.evaluation.harness import Say, load_before_cut, quiet, rescore
from influence.evaluation.holdout import Scores
from influence.evaluation.holdout import ranking_quality as _ranking_quality
from influence.loaders.records import InteractionRecord, Record
from influence.settings import Settings
from influence.store import QueryRunner, Row

FILTERED = "filtered"
PERSONALISED = "personalised"
PERSONALISED_RECEIVED = "personalised (received)"
COUNT = "engagement count on topic"
DISTINCT = "distinct engagers on topic"
OVERALL = "overall score"
TOPIC_METHODS = (FILTERED, PERSONALISED, PERSONALISED_RECEIVED, COUNT, DISTINCT, OVERALL)
MIN_PEOPLE = 5


@dataclass(frozen=True)
class TopicEvent:
    """One interaction with the topics of its post, by account id."""

    actor: str
    target: str
    at: int
    topics: tuple[str, ...]


@dataclass(frozen=True)
class TopicQuality:
    """One method on one topic."""

    spearman: float  # NaN when the method ranks everyone the same
    ndcg10: float
    ndcg100: float


@dataclass
class MethodSummary:
    """One method averaged over the evaluated topics.

    ``spearman`` counts an undefined Spearman (constant ranking) as 0 (no information);
    ``undefined`` says on how many topics that happened. ``wins``/``losses`` compare the
    per-topic Spearman with ``filtered``'s, and ``p_vs_filtered`` is the two-sided Wilcoxon
    signed-rank p-value of those paired differences (None when they are all zero).
    """

    method: str
    spearman: float
    ndcg10: float
    ndcg100: float
    topics: int
    undefined: int
    wins: int
    losses: int
    p_vs_filtered: float | None


@dataclass
class TopicEvaluationReport:
    """Everything one topic evaluation measured."""

    dataset: str
    network: str
    cut: int
    min_people: int
    events_total: int
    events_before_cut: int
    events_after_cut: int
    people_seen: int
    topics_total: int
    topics_with_future_engagement: int
    topics_evaluated: int
    methods: list[MethodSummary]
    per_topic: dict[str, dict[str, TopicQuality]]
    people_engaged: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (NaN Spearman values become None)."""
        data = asdict(self)
        for methods in data["per_topic"].values():
            for row in methods.values():
                if isinstance(row["spearman"], float) and math.isnan(row["spearman"]):
                    row["spearman"] = None
        return data


# --- pure helpers (unit-tested) -----------------------------------------------------------------


def topic_events(records: Sequence[Record]) -> list[TopicEvent]:
    """The interactions among the records, in time order, with their topics."""
    out = [TopicEvent(r.actor, r.target, r.at, tuple(r.topics))
           for r in records if isinstance(r, InteractionRecord)]
    out.sort(key=lambda e: e.at)
    return out


def distinct_engagers_by_topic(events: Sequence[TopicEvent]) -> dict[str, Counter[str]]:
    """topic -> account -> distinct other accounts engaging it on the topic's posts."""
    pairs = {(t, e.actor, e.target) for e in events if e.actor != e.target for t in e.topics}
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for topic, _, target in pairs:
        out[topic][target] += 1
    return dict(out)


def engagement_by_topic(events: Sequence[TopicEvent]) -> dict[str, Counter[str]]:
    """topic -> account -> engagements received from others on the topic's posts."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        if e.actor != e.target:
            for topic in e.topics:
                out[topic][e.target] += 1
    return dict(out)


def topic_quality(scores: Scores, target: Counter[str], people: Sequence[str]) -> TopicQuality:
    """Spearman and NDCG@10/100 of ``scores`` against one topic's hold-out target."""
    from scipy.stats import ConstantInputWarning  # on use: scipy.stats is slow to import

    with warnings.catch_warnings():  # a constant ranking gives NaN, counted by summarise
        warnings.simplefilter("ignore", ConstantInputWarning)
        ranking = _ranking_quality("", scores, target, people)
    return TopicQuality(ranking.spearman, ranking.ndcg[10], ranking.ndcg[100])


def summarise(per_topic: dict[str, dict[str, TopicQuality]],
              methods: Sequence[str]) -> list[MethodSummary]:
    """Mean quality of each method over the topics (see :class:`MethodSummary`)."""
    topics = sorted(per_topic)
    out = []
    for method in methods:
        rho = np.array([per_topic[t][method].spearman for t in topics])
        undefined = int(np.isnan(rho).sum())
        rho = np.nan_to_num(rho, nan=0.0)
        ref = np.nan_to_num(np.array([per_topic[t][FILTERED].spearman for t in topics]),
                            nan=0.0) if FILTERED in methods else rho
        diff = rho - ref
        p: float | None = None
        if np.any(np.abs(diff) > 1e-12):
            from scipy.stats import wilcoxon  # on use: scipy.stats is slow to import

            p = float(wilcoxon(rho, ref).pvalue)
        out.append(MethodSummary(
            method,
            float(rho.mean()) if topics else math.nan,
            float(np.mean([per_topic[t][method].ndcg10 for t in topics])) if topics else math.nan,
            float(np.mean([per_topic[t][method].ndcg100 for t in topics])) if topics
            else math.nan,
            len(topics), undefined, int((diff > 1e-12).sum()), int((diff < -1e-12).sum()), p))
    return out


# --- the run on a real server -------------------------------------------------------------------


def stored_filtered_scores(store: QueryRunner, topics: Sequence[str], people: Sequence[str],
                           params: ModelParams) -> dict[str, Scores]:
    """topic -> person -> stored ``TOPIC_SCORE`` raw (the floor ``1 - d`` when none)."""
    floor = 1.0 - params.damping
    out: dict[str, Scores] = {t: dict.fromkeys(people, floor) for t in topics}
    for row in store.read(q.TOPIC_SCORES_RAW, topics=list(topics)):
        out[row["topic"]][row["person"]] = float(row["raw"])
    return out


def personalised_scores(store: QueryRunner, topics: Sequence[str], cut: int,
                        params: ModelParams) -> tuple[dict[str, Scores], dict[str, Scores]]:
    """topic -> person -> personalised PageRank as of ``cut``, teleport on received + given
    weight and on received weight only (computed offline on the pairs read from ``store``)."""
    pairs = topic_pairs(store, params, cut)
    all_rows = all_pairs(pairs)
    codes = {name: i for i, name in enumerate(pairs.topics)}
    pairs_of: dict[str, list[Row]] = {t: pairs.rows(pairs.of(codes[t])) if t in codes else []
                                      for t in topics}
    personalised = {t: personalised_topic_pagerank(all_rows, pairs_of[t], params)
                    for t in topics}
    received = {t: personalised_topic_pagerank(all_rows, pairs_of[t], params,
                                               teleport_on="received") for t in topics}
    return personalised, received


def evaluate_topics(store: QueryRunner, records: Sequence[Record], *, network: str,
                    dataset: str, cut: int, settings: Settings,
                    min_people: int = MIN_PEOPLE,
                    progress: Say = quiet) -> TopicEvaluationReport:
    """Run the per-topic hold-out. The store is WIPED first: pass a scratch database.

    The scratch database is left with the records before the cut, the overall scores and the
    filtered topic scores as of the cut (so they can be inspected or re-read).

    Args:
        store: a scratch Neo4j + GDS database.
        records: the whole dataset as canonical records (interactions must carry topics).
        network: the network of the dataset's accounts.
        dataset: a label for the report.
        cut: the hold-out cut, epoch seconds.
        settings: the model parameters (the operator's; never tuned here) and batch size.
        min_people: a topic is evaluated when at least this many people seen before the cut
            receive engagement on it after the cut.
        progress: called with a line before each long step.
    """
    params = settings.model
    timings: dict[str, float] = {}
    events = topic_events(records)
    before = [e for e in events if e.at < cut]
    after = [e for e in events if e.at >= cut]
    if not before:
        raise InvalidInputError("No event before the cut.", hint="Move --cut later.")
    seen_accounts = sorted({e.actor for e in before} | {e.target for e in before})

    clock = time.monotonic()
    load_before_cut(store, records, settings, cut=cut, say=progress, events=len(before))
    timings["load"] = time.monotonic() - clock

    clock = time.monotonic()
    progress("computing the overall scores at the cut (GDS)")
    rescore(store, params, cut)
    timings["overall score"] = time.monotonic() - clock
    accounts = store.read(q.ACCOUNT_PEOPLE, network=network)
    person_of = {r["account"]: r["person"] for r in accounts}
    overall = {r["person"]: float(r["score"] or 0.0) for r in accounts}
    people = sorted({person_of[a] for a in seen_accounts if a in person_of})

    def by_person(counts: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for topic, per_account in counts.items():
            c: Counter[str] = Counter()
            for account, n in per_account.items():
                if account in person_of:
                    c[person_of[account]] += n
            out[topic] = c
        return out

    seen = set(people)
    future = {t: Counter({p: n for p, n in c.items() if p in seen})
              for t, c in by_person(distinct_engagers_by_topic(after)).items()}
    future = {t: c for t, c in future.items() if c}
    topics = sorted(t for t, c in future.items() if len(c) >= min_people)
    if not topics:
        raise InvalidInputError(
            f"No topic has {min_people}+ people engaged after the cut.",
            hint="Move --cut earlier or use a dataset whose interactions carry topics.")

    clock = time.monotonic()
    progress("computing the topic-filtered scores at the cut (the engine)")
    run = compute_topic_scores(store, params, asof=cut)
    filtered = stored_filtered_scores(store, topics, people, params)
    timings["filtered"] = time.monotonic() - clock

    clock = time.monotonic()
    progress("computing personalised PageRank per topic on the whole engagement graph")
    personalised, received = personalised_scores(store, topics, cut, params)
    timings["personalised"] = time.monotonic() - clock

    count = by_person(engagement_by_topic(before))
    distinct = by_person(distinct_engagers_by_topic(before))
    per_topic: dict[str, dict[str, TopicQuality]] = {}
    for t in topics:
        methods: dict[str, Scores] = {
            FILTERED: filtered[t], PERSONALISED: personalised[t],
            PERSONALISED_RECEIVED: received[t],
            COUNT: {p: float(n) for p, n in count.get(t, Counter()).items()},
            DISTINCT: {p: float(n) for p, n in distinct.get(t, Counter()).items()},
            OVERALL: overall,
        }
        per_topic[t] = {m: topic_quality(s, future[t], people) for m, s in methods.items()}

    return TopicEvaluationReport(
        dataset=dataset, network=network, cut=cut, min_people=min_people,
        events_total=len(events), events_before_cut=len(before), events_after_cut=len(after),
        people_seen=len(people), topics_total=run.topics,
        topics_with_future_engagement=len(future), topics_evaluated=len(topics),
        methods=summarise(per_topic, TOPIC_METHODS), per_topic=per_topic,
        people_engaged={t: len(future[t]) for t in topics}, seconds=timings)
