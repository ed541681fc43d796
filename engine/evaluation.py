"""Evaluation of the influence score on a timestamped interaction dataset.

Three measurements, each side by side with four baselines computed in Python on the same
events (raw engagement count, distinct engagers, in-degree, plain PageRank):

* **temporal hold-out**: scores from events before a cut; the target is the number of distinct
  people who engage each user after the cut (optionally within a horizon); Spearman and
  NDCG@10/100/1000 over the users seen before the cut;
* **manipulation**: a like farm (N fresh accounts each engaging one target k times) and an
  engagement pod (m existing users all engaging each other k times) are injected just before
  the cut; each target's rank and score change is reported per method;
* **stability**: scores at the cut and one day later, over users whose activity did not change
  during that day.

Our score is always computed by the engine (:func:`influence.engine.scoring.compute_scores`)
on a real Neo4j + GDS server; :func:`evaluate` is handed a store it may wipe.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.stats import spearmanr
from sklearn.metrics import ndcg_score

from influence.engine import evaluation_queries as q
from influence.engine.model import ModelParams
from influence.engine.scoring import compute_scores
from influence.errors import InvalidInputError
from influence.loaders import queries as loader_queries
from influence.loaders.base import RowError, parse_iso_utc
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)
from influence.loaders.writer import Writer
from influence.schema import migrate
from influence.store import QueryRunner

DAY_S = 86_400
OURS = "influence score"
BASELINES = ("engagement count", "distinct engagers", "in-degree", "plain PageRank")
METHODS = (OURS, *BASELINES)
NDCG_KS = (10, 100, 1000)
FARM_PREFIX = "eval-farm-"
POD_PREFIX = "eval-pod-"

Scores = dict[str, float]
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Event:
    """One interaction, reduced to what the evaluation needs."""

    actor: str
    target: str
    at: int
    kind: str
    value: float | None = None


@dataclass(frozen=True)
class EvaluationOptions:
    """What to measure, and how hard to attack.

    Args:
        cut: epoch seconds of the hold-out cut.
        horizon_days: count engagers only within this many days after the cut (None: all).
        farm_size: fresh accounts in the like farm.
        farm_repeats: engagements of the target by each farm account (and by each pod member of
            each other member).
        pod_size: members of the engagement pod.
    """

    cut: int
    horizon_days: float | None = None
    farm_size: int = 50
    farm_repeats: int = 5
    pod_size: int = 10


@dataclass
class Ranking:
    """Hold-out quality of one method."""

    method: str
    spearman: float
    ndcg: dict[int, float]


@dataclass
class Shift:
    """How injection moved one target (or the mean over pod members) under one method."""

    method: str
    rank_before: float
    rank_after: float
    score_before: float
    score_after: float

    @property
    def rank_gain(self) -> float:
        """Positions gained (positive: the target rose)."""
        return self.rank_before - self.rank_after

    @property
    def rise_factor(self) -> float:
        """rank before / rank after: how many times closer to the top (1.0: no rise)."""
        return self.rank_before / self.rank_after if self.rank_after else math.inf

    @property
    def score_change_pct(self) -> float:
        if self.score_before == 0:
            return math.inf if self.score_after > 0 else 0.0
        return 100.0 * (self.score_after - self.score_before) / abs(self.score_before)


@dataclass
class Stability:
    """Day-over-day movement of one method over users whose activity did not change."""

    method: str
    users: int
    mean_abs_percentile_change: float
    max_abs_percentile_change: float
    spearman_day_over_day: float
    mean_abs_score_change: float | None = None
    max_abs_score_change: float | None = None


@dataclass
class EvaluationReport:
    """Everything one evaluation measured."""

    dataset: str
    network: str
    cut: int
    horizon_days: float | None
    events_total: int
    events_before_cut: int
    events_after_cut: int
    users_seen: int
    users_engaged_after: int
    rankings: list[Ranking]
    farm_target: str
    farm: list[Shift]
    pod_members: list[str]
    pod: list[Shift]
    stable_users: int
    stability: list[Stability]
    seconds: dict[str, float] = field(default_factory=dict)
    our_scores: Scores = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (scores are left out; they go to ``--scores-out``)."""
        data = asdict(self)
        data.pop("our_scores")
        for group in ("farm", "pod"):
            for shift, row in zip(getattr(self, group), data[group], strict=True):
                row["rank_gain"] = shift.rank_gain
                row["rise_factor"] = shift.rise_factor
                row["score_change_pct"] = shift.score_change_pct
        for row in data["rankings"]:
            row["ndcg"] = {f"ndcg@{k}": v for k, v in row["ndcg"].items()}
        return data


# --- pure helpers (unit-tested) -----------------------------------------------------------------


def parse_cut(value: str, times: Sequence[int]) -> int:
    """The cut as epoch seconds: a fraction in (0, 1) is a quantile of the event times.

    Raises:
        InvalidInputError: when the value is neither a fraction in (0, 1) nor an ISO date.
    """
    try:
        fraction = float(value)
    except ValueError:
        fraction = None
    if fraction is not None:
        if not 0.0 < fraction < 1.0:
            raise InvalidInputError(f"--cut {value}: a fraction must be strictly between 0 and 1.",
                                    hint="Use e.g. --cut 0.8 or --cut 2004-08-01.")
        if not times:
            raise InvalidInputError("The dataset has no events.", hint="Check the file and format.")
        return int(np.quantile(np.asarray(times, dtype=np.int64), fraction))
    try:
        return parse_iso_utc(value)
    except RowError as exc:
        raise InvalidInputError(
            f"--cut {value}: {exc}",
            hint="Use a fraction (--cut 0.8) or a date (--cut 2004-08-01).") from exc


def events_of(records: Iterable[Record]) -> list[Event]:
    """The interaction events among canonical records, in time order."""
    out = [Event(r.actor, r.target, r.at, r.kind.value, r.value)
           for r in records if isinstance(r, InteractionRecord)]
    out.sort(key=lambda e: e.at)
    return out


def seen_users(events: Iterable[Event]) -> list[str]:
    """Every user who acted or was engaged, sorted."""
    users: set[str] = set()
    for e in events:
        users.add(e.actor)
        users.add(e.target)
    return sorted(users)


def engagers_after(events: Iterable[Event], cut: int, horizon_days: float | None) -> Counter[str]:
    """The hold-out target: distinct people engaging each user in [cut, cut + horizon)."""
    end = math.inf if horizon_days is None else cut + horizon_days * DAY_S
    pairs = {(e.actor, e.target) for e in events if cut <= e.at < end and e.actor != e.target}
    return Counter(target for _, target in pairs)


def pagerank(users: Sequence[str], events: Iterable[Event], damping: float = 0.85,
             tolerance: float = 1e-10, max_iterations: int = 200) -> Scores:
    """Plain (unweighted, simple-graph) PageRank by scipy-sparse power iteration.

    Edges are the distinct engager -> engaged pairs (no self-loops); dangling mass is spread
    uniformly. Scores sum to 1.
    """
    index = {u: i for i, u in enumerate(users)}
    n = len(users)
    if n == 0:
        return {}
    pairs = {(index[e.actor], index[e.target]) for e in events
             if e.actor != e.target and e.actor in index and e.target in index}
    src = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    dst = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    return dict(zip(users, pagerank_arrays(src, dst, n, damping=damping, tolerance=tolerance,
                                           max_iterations=max_iterations),
                    strict=True))


def pagerank_arrays(src: np.ndarray, dst: np.ndarray, n: int, *, damping: float = 0.85,
                    tolerance: float = 1e-10, max_iterations: int = 200) -> list[float]:
    """PageRank of a simple directed graph given as edge arrays (duplicates must be removed)."""
    out_degree = np.bincount(src, minlength=n).astype(np.float64)
    weights = 1.0 / out_degree[src] if len(src) else np.zeros(0)
    transition = sparse.csr_matrix((weights, (dst, src)), shape=(n, n))
    dangling = out_degree == 0
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iterations):
        spread = damping * rank[dangling].sum() / n + (1.0 - damping) / n
        new = damping * (transition @ rank) + spread
        delta = float(np.abs(new - rank).sum())
        rank = new
        if delta < tolerance:
            break
    return [float(x) for x in rank]


def baseline_scores(users: Sequence[str], events: Sequence[Event]) -> dict[str, Scores]:
    """The four baselines for every user, from the given (pre-cut) events.

    * engagement count: interactions received (repeats count);
    * distinct engagers: distinct other people who engaged the user;
    * in-degree: in-degree in the directed interaction graph (distinct in-neighbours, a
      self-loop counts as one); equals distinct engagers except for self-engagement;
    * plain PageRank: unweighted PageRank of that graph, damping 0.85.
    """
    count: Counter[str] = Counter(e.target for e in events)
    pairs = {(e.actor, e.target) for e in events}
    distinct: Counter[str] = Counter(t for a, t in pairs if a != t)
    degree: Counter[str] = Counter(t for _, t in pairs)
    return {
        "engagement count": {u: float(count[u]) for u in users},
        "distinct engagers": {u: float(distinct[u]) for u in users},
        "in-degree": {u: float(degree[u]) for u in users},
        "plain PageRank": pagerank(users, events),
    }


def ranking_quality(method: str, scores: Scores, target: Counter[str],
                    users: Sequence[str]) -> Ranking:
    """Spearman and NDCG@k of ``scores`` against the hold-out ``target`` over ``users``."""
    predicted = np.array([scores.get(u, 0.0) for u in users], dtype=np.float64)
    truth = np.array([float(target.get(u, 0)) for u in users], dtype=np.float64)
    rho = float(spearmanr(predicted, truth).statistic) if len(users) > 1 else math.nan
    ndcg = {k: float(ndcg_score(truth[None, :], predicted[None, :], k=k)) for k in NDCG_KS}
    return Ranking(method, rho, ndcg)


def rank_of(scores: Scores, user: str, among: Iterable[str]) -> int:
    """1 + the number of users in ``among`` scoring strictly higher than ``user``."""
    mine = scores.get(user, 0.0)
    return 1 + sum(1 for u in among if u != user and scores.get(u, 0.0) > mine)


def percentiles(scores: Scores, users: Sequence[str]) -> dict[str, float]:
    """Percentile rank (0-100, average rank for ties) of each user among ``users``."""
    if not users:
        return {}
    from scipy.stats import rankdata

    values = np.array([scores.get(u, 0.0) for u in users])
    ranks = rankdata(values, method="average")
    scale = 100.0 / len(users)
    return {u: float(r * scale) for u, r in zip(users, ranks, strict=True)}


def choose_farm_target(baseline: dict[str, Scores], users: Sequence[str]) -> str:
    """The median user by distinct engagers among users with at least one engager."""
    distinct = baseline["distinct engagers"]
    engaged = sorted((u for u in users if distinct[u] > 0), key=lambda u: (distinct[u], u))
    if not engaged:
        raise InvalidInputError("No user was engaged before the cut.", hint="Move the cut later.")
    return engaged[len(engaged) // 2]


def choose_pod(baseline: dict[str, Scores], users: Sequence[str], size: int,
               exclude: str) -> list[str]:
    """``size`` users just below the median by distinct engagers (deterministic)."""
    distinct = baseline["distinct engagers"]
    engaged = sorted((u for u in users if distinct[u] > 0 and u != exclude),
                     key=lambda u: (distinct[u], u))
    start = max(0, len(engaged) // 2 - size)
    pod = engaged[start:start + size]
    if len(pod) < 2:
        raise InvalidInputError("Too few engaged users to form a pod.", hint="Lower --pod-size.")
    return pod


def dominant_kind(events: Sequence[Event]) -> tuple[str, float | None]:
    """The most common interaction kind and, when it carries values, the largest value."""
    kinds = Counter(e.kind for e in events)
    kind = kinds.most_common(1)[0][0] if kinds else InteractionKind.MESSAGE.value
    values = [e.value for e in events if e.kind == kind and e.value is not None]
    return kind, (max(values) if values else None)


def farm_events(target: str, size: int, repeats: int, cut: int, *, kind: str,
                value: float | None) -> list[Event]:
    """A like farm: ``size`` fresh accounts each engaging ``target`` ``repeats`` times."""
    start = cut - DAY_S // 2
    return [Event(f"{FARM_PREFIX}{i}", target, start + i * repeats + j, kind, value)
            for i in range(size) for j in range(repeats)]


def pod_events(members: Sequence[str], repeats: int, cut: int, kind: str,
               value: float | None) -> list[Event]:
    """An engagement pod: every member engages every other member ``repeats`` times."""
    start = cut - DAY_S // 2
    out: list[Event] = []
    for a in members:
        for b in members:
            if a != b:
                out += [Event(a, b, start + len(out) + j, kind, value) for j in range(repeats)]
    return out


def shift(method: str, before: Scores, after: Scores, targets: Sequence[str],
          among: Sequence[str]) -> Shift:
    """Mean rank and score of ``targets`` before and after an injection."""
    n = len(targets)
    return Shift(
        method,
        rank_before=sum(rank_of(before, t, among) for t in targets) / n,
        rank_after=sum(rank_of(after, t, among) for t in targets) / n,
        score_before=sum(before.get(t, 0.0) for t in targets) / n,
        score_after=sum(after.get(t, 0.0) for t in targets) / n,
    )


def stability(method: str, day0: Scores, day1: Scores, stable: Sequence[str],
              everyone: Sequence[str], *, with_scores: bool) -> Stability:
    """Movement of ``stable`` users' percentile (among ``everyone``) and, optionally, score."""
    p0, p1 = percentiles(day0, everyone), percentiles(day1, everyone)
    moves = [abs(p1[u] - p0[u]) for u in stable]
    a = np.array([day0.get(u, 0.0) for u in stable])
    b = np.array([day1.get(u, 0.0) for u in stable])
    rho = float(spearmanr(a, b).statistic) if len(stable) > 1 else math.nan
    result = Stability(method, len(stable), float(np.mean(moves)) if moves else 0.0,
                       float(np.max(moves)) if moves else 0.0, rho)
    if with_scores and len(stable):
        deltas = np.abs(b - a)
        result.mean_abs_score_change = float(deltas.mean())
        result.max_abs_score_change = float(deltas.max())
    return result


# --- the run on a real server -------------------------------------------------------------------


def _in_window(record: Record, start: float, end: float) -> bool:
    if isinstance(record, InteractionRecord):
        return start <= record.at < end
    if isinstance(record, PostRecord):
        return start <= record.created_at < end
    if isinstance(record, AccountRecord):
        created = record.created_at if record.created_at is not None else -math.inf
        return start <= created < end
    at: int | None = getattr(record, "at", None)
    if at is None:  # timeless records (people, topics, links) load with the first batch
        return start == -math.inf
    return start <= at < end


def _write(store: QueryRunner, records: Iterable[Record], batch_size: int) -> int:
    writer = Writer(store, batch_size=batch_size)
    n = 0
    for record in records:
        writer.add(record)
        n += 1
    writer.flush()
    store.auto_commit(loader_queries.LINK_ORPHAN_ACCOUNTS)
    return n


def _as_records(events: Iterable[Event], network: str, prefix: str) -> list[Record]:
    return [InteractionRecord(network=network, id=f"{prefix}{i}", actor=e.actor,
                              target=e.target, kind=InteractionKind(e.kind), at=e.at,
                              value=e.value)
            for i, e in enumerate(events)]


def read_scores(store: QueryRunner, network: str) -> Scores:
    """Our score of every account of ``network`` (by account id), as the engine wrote it."""
    return {row["user"]: float(row["score"] or 0.0)
            for row in store.read(q.NETWORK_SCORES, network=network)}


def wipe(store: QueryRunner) -> None:
    """Delete everything in the (scratch) database and re-apply the schema."""
    store.auto_commit(q.WIPE_RELATIONSHIPS)  # first, so that hubs are cheap to delete
    store.auto_commit(q.WIPE_ALL)
    migrate(store)


def evaluate(store: QueryRunner, records: Sequence[Record], *, network: str, dataset: str,
             options: EvaluationOptions, params: ModelParams, batch_size: int = 5000,
             progress: Progress = _quiet) -> EvaluationReport:
    """Run the three measurements. The store is WIPED first: pass a scratch database.

    Args:
        store: a scratch Neo4j + GDS database.
        records: the whole dataset as canonical records (from an adapter).
        network: the network of the dataset's accounts.
        dataset: a label for the report.
        options: cut, horizon and injection sizes.
        params: the model parameters (the operator's; never tuned here).
        batch_size: rows per write transaction.
        progress: called with a line before each long step.

    Returns:
        The report, with our scores at the cut in ``our_scores``.
    """
    import time

    cut = options.cut
    timings: dict[str, float] = {}
    events = events_of(records)
    before = [e for e in events if e.at < cut]
    if not before:
        raise InvalidInputError("No event before the cut.", hint="Move --cut later.")
    after = [e for e in events if e.at >= cut]
    users = seen_users(before)
    target = engagers_after(events, cut, options.horizon_days)

    clock = time.monotonic()
    progress(f"wiping the scratch database and loading {len(before):,} events before the cut")
    wipe(store)
    _write(store, (r for r in records if _in_window(r, -math.inf, cut)), batch_size)
    timings["load"] = time.monotonic() - clock

    clock = time.monotonic()
    progress("computing our scores at the cut (GDS)")
    compute_scores(store, params, asof=cut)
    ours = read_scores(store, network)
    timings["score"] = time.monotonic() - clock
    base = baseline_scores(users, before)
    methods: dict[str, Scores] = {OURS: ours, **base}
    rankings = [ranking_quality(m, s, target, users) for m, s in methods.items()]

    kind, value = dominant_kind(before)
    farm_target = choose_farm_target(base, users)
    clock = time.monotonic()
    progress(f"injecting a like farm ({options.farm_size} accounts x {options.farm_repeats}) "
             f"on user {farm_target} and rescoring")
    farm = farm_events(farm_target, options.farm_size, options.farm_repeats, cut, kind=kind,
                       value=value)
    scene = _Scene(store, network, params, cut, users, before, methods, batch_size)
    farm_shifts = _inject(scene, farm, FARM_PREFIX, [farm_target])
    pod_members = choose_pod(base, users, options.pod_size, farm_target)
    progress(f"injecting an engagement pod of {len(pod_members)} users and rescoring")
    pod = pod_events(pod_members, options.farm_repeats, cut, kind, value)
    pod_shifts = _inject(scene, pod, POD_PREFIX, pod_members)
    timings["manipulation"] = time.monotonic() - clock

    clock = time.monotonic()
    next_day = cut + DAY_S
    day = [e for e in after if e.at < next_day]
    progress(f"loading the {len(day):,} events of the day after the cut and rescoring")
    _write(store, (r for r in records if _in_window(r, cut, next_day)), batch_size)
    compute_scores(store, params, asof=next_day)
    ours_next = read_scores(store, network)
    active = {e.actor for e in day} | {e.target for e in day}
    stable = [u for u in users if u not in active]
    base_next = baseline_scores(users, before + day)
    next_methods: dict[str, Scores] = {OURS: ours_next, **base_next}
    stab = [stability(m, methods[m], next_methods[m], stable, users, with_scores=m == OURS)
            for m in METHODS]
    timings["stability"] = time.monotonic() - clock

    return EvaluationReport(
        dataset=dataset, network=network, cut=cut, horizon_days=options.horizon_days,
        events_total=len(events), events_before_cut=len(before), events_after_cut=len(after),
        users_seen=len(users), users_engaged_after=sum(1 for u in users if target[u] > 0),
        rankings=rankings, farm_target=farm_target, farm=farm_shifts, pod_members=pod_members,
        pod=pod_shifts, stable_users=len(stable), stability=stab, seconds=timings,
        our_scores=ours,
    )


@dataclass(frozen=True)
class _Scene:
    store: QueryRunner
    network: str
    params: ModelParams
    cut: int
    users: Sequence[str]
    before: list[Event]
    methods: dict[str, Scores]
    batch_size: int


def _inject(scene: _Scene, injected: list[Event], prefix: str,
            targets: Sequence[str]) -> list[Shift]:
    """Add ``injected`` events, rescore everything, measure, then remove them again."""
    store, network, params, cut = scene.store, scene.network, scene.params, scene.cut
    users, before, methods, batch_size = (scene.users, scene.before, scene.methods,
                                          scene.batch_size)
    _write(store, _as_records(injected, network, prefix), batch_size)
    compute_scores(store, params, asof=cut)
    after: dict[str, Scores] = {OURS: read_scores(store, network)}
    after.update(baseline_scores(seen_users(before + injected), before + injected))
    store.write(q.DELETE_INTERACTIONS, network=network, prefix=f"{network}:{prefix}")
    store.write(q.DELETE_INJECTED, network=network, prefix=FARM_PREFIX)
    return [shift(m, methods[m], after[m], targets, users) for m in METHODS]
