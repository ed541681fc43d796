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
on a real Neo4j + GDS server; :func:`evaluate` is handed a store it may wipe and loads it
through the job layer (:mod:`influence.evaluation.harness`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from influence.domain import InteractionKind
from influence.engine import ranking
from influence.engine.model import ModelParams
from influence.engine.scoring import resolve
from influence.errors import InvalidInputError
from influence.evaluation import queries as q
from influence.evaluation.harness import Say, load_before_cut, load_window, quiet, rescore
from influence.loaders.records import InteractionRecord, Record
from influence.loaders.writer import retract
from influence.settings import Settings
from influence.store import QueryRunner
from influence.timeutil import DAY_S, iso_to_epoch

OURS = "influence score"
DECAYED = "decayed engagers"
BASELINES = ("engagement count", "distinct engagers", "in-degree", "plain PageRank", DECAYED)
METHODS = (OURS, *BASELINES)
NDCG_KS = (10, 100, 1000)
FARM_PREFIX = "eval-farm-"
POD_PREFIX = "eval-pod-"

Scores = dict[str, float]

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
        thin_targets: obscure targets of the thin farm (each of ``farm_size`` fresh accounts
            engages each of them once).
        ablation: also score the hold-out with each component of the model switched off.
    """

    cut: int
    horizon_days: float | None = None
    farm_size: int = 100
    farm_repeats: int = 5
    pod_size: int = 20
    thin_targets: int = 5
    ablation: bool = False


@dataclass
class Ranking:
    """Hold-out quality of one method (for an ablated model, also where the attacks left
    their targets: rank after / users, so 0.01 is the top 1 %)."""

    method: str
    spearman: float
    ndcg: dict[int, float]
    farm_top: float | None = None
    thin_farm_top: float | None = None
    pod_top: float | None = None


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
    thin_targets: list[str]
    thin_farm: list[Shift]
    half_life_days: float
    ablation: list[Ranking]
    stable_users: int
    stability: list[Stability]
    seconds: dict[str, float] = field(default_factory=dict)
    our_scores: Scores = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (scores are left out; they go to ``--scores-out``)."""
        data = asdict(self)
        data.pop("our_scores")
        for group in ("farm", "pod", "thin_farm"):
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
        return iso_to_epoch(value)
    except ValueError as exc:
        raise InvalidInputError(
            f"--cut {value}: {exc}",
            hint="Use a fraction (--cut 0.8) or a date (--cut 2004-08-01).") from exc


def event_times(records: Iterable[Record]) -> list[int]:
    """The times of the interaction events among canonical records, in record order (what a
    cut's quantile needs, without building the events: 0.1 s against 1.6 s for 500,000)."""
    return [r.at for r in records if isinstance(r, InteractionRecord)]


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


@dataclass(frozen=True)
class _Coded:
    """Events as arrays: actor and target as codes (``names[code]``), the users asked about as
    codes too."""

    actor: np.ndarray
    target: np.ndarray
    at: np.ndarray
    users: np.ndarray
    names: int


def _coded(users: Sequence[str], events: Sequence[Event]) -> _Coded:
    import pandas as pd  # imported on use: it costs every command 0.4 s

    n = len(events)
    codes, names = pd.factorize(np.array([e.actor for e in events] + [e.target for e in events]
                                         + list(users), dtype=object))
    return _Coded(codes[:n].astype(np.int64), codes[n:2 * n].astype(np.int64),
                  np.fromiter((e.at for e in events), dtype=np.int64, count=n),
                  codes[2 * n:].astype(np.int64), len(names))


def pagerank(users: Sequence[str], events: Sequence[Event], damping: float = 0.85,
             tolerance: float = 1e-10, max_iterations: int = 200) -> Scores:
    """Plain (unweighted, simple-graph) PageRank, the textbook way (scores sum to 1).

    Edges are the distinct engager -> engaged pairs (no self-loops); dangling mass is spread
    uniformly (:func:`influence.engine.ranking.pagerank` with ``dangling="spread"``).
    """
    return _pagerank(_coded(users, events), users, damping=damping, tolerance=tolerance,
                     max_iterations=max_iterations)


def _pagerank(coded: _Coded, users: Sequence[str], *, damping: float = 0.85,
              tolerance: float = 1e-10, max_iterations: int = 200) -> Scores:
    if not users:
        return {}
    position = np.full(coded.names, -1, dtype=np.int64)
    position[coded.users] = np.arange(len(coded.users))
    a, b = position[coded.actor], position[coded.target]
    keep = (a >= 0) & (b >= 0) & (a != b)
    pairs = np.unique(a[keep] * len(users) + b[keep])  # distinct, sorted by (a, b)
    rank, _ = ranking.pagerank(pairs // len(users), pairs % len(users), None, len(users),
                               damping=damping, tolerance=tolerance,
                               max_iterations=max_iterations, dangling="spread")
    return dict(zip(users, rank.tolist(), strict=True))


def baseline_scores(users: Sequence[str], events: Sequence[Event], *, asof: int,
                    half_life_s: float) -> dict[str, Scores]:
    """The baselines for every user, from the given (pre-cut) events.

    * engagement count: interactions received (repeats count);
    * distinct engagers: distinct other people who engaged the user;
    * in-degree: in-degree in the directed interaction graph (distinct in-neighbours, a
      self-loop counts as one); equals distinct engagers except for self-engagement;
    * plain PageRank: unweighted PageRank of that graph, damping 0.85;
    * decayed engagers: distinct engagers, each counted ``0.5 ^ (age / half_life)`` by the
      age at ``asof`` of their latest engagement (the half-life our score used).
    """
    coded = _coded(users, events)
    m = max(coded.names, 1)
    count = np.bincount(coded.target, minlength=m)
    pair_keys, pair_of = np.unique(coded.actor * m + coded.target, return_inverse=True)
    engager, engaged = pair_keys // m, pair_keys % m
    other = engager != engaged
    latest = np.full(len(pair_keys), np.iinfo(np.int64).min)
    np.maximum.at(latest, pair_of, coded.at)
    decayed = np.bincount(engaged[other], minlength=m,
                          weights=0.5 ** ((asof - latest[other]) / half_life_s))

    def per_user(values: np.ndarray) -> Scores:
        return dict(zip(users, values[coded.users].astype(np.float64).tolist(), strict=True))

    return {
        "engagement count": per_user(count),
        "distinct engagers": per_user(np.bincount(engaged[other], minlength=m)),
        "in-degree": per_user(np.bincount(engaged, minlength=m)),
        "plain PageRank": _pagerank(coded, users),
        DECAYED: per_user(decayed),
    }


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr  # imported on use: scipy.stats costs every command 0.7 s

    return float(spearmanr(a, b).statistic)


def ranking_quality(method: str, scores: Scores, target: Counter[str],
                    users: Sequence[str]) -> Ranking:
    """Spearman and NDCG@k of ``scores`` against the hold-out ``target`` over ``users``."""
    from sklearn.metrics import ndcg_score  # imported on use: it costs every command 0.2 s

    predicted = np.array([scores.get(u, 0.0) for u in users], dtype=np.float64)
    truth = np.array([float(target.get(u, 0)) for u in users], dtype=np.float64)
    rho = _spearman(predicted, truth) if len(users) > 1 else math.nan
    ndcg = {k: float(ndcg_score(truth[None, :], predicted[None, :], k=k)) for k in NDCG_KS}
    return Ranking(method, rho, ndcg)


def rank_of(scores: Scores, user: str, among: Iterable[str]) -> int:
    """1 + the number of users in ``among`` scoring strictly higher than ``user``."""
    return int(ranks_of(scores, [user], among)[0])


def ranks_of(scores: Scores, users: Sequence[str], among: Iterable[str]) -> np.ndarray:
    """:func:`rank_of` of each of ``users``, from one sort of the scores of ``among``."""
    ordered = np.sort(np.fromiter((scores.get(u, 0.0) for u in among), dtype=np.float64))
    mine = np.array([scores.get(u, 0.0) for u in users], dtype=np.float64)
    higher: np.ndarray = len(ordered) - np.searchsorted(ordered, mine, side="right")
    return 1 + higher


def percentiles(scores: Scores, users: Sequence[str]) -> dict[str, float]:
    """The engine's percentile (share strictly below) of each user among ``users``."""
    values = [scores.get(u, 0.0) for u in users]
    return dict(zip(users, ranking.percentiles(values), strict=True))


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


THIN_PREFIX = "eval-thin-"


def thin_farm_events(targets: Sequence[str], size: int, cut: int, *, kind: str,
                     value: float | None) -> list[Event]:
    """A farm that spreads thin: ``size`` fresh accounts each engaging every target once."""
    start = cut - DAY_S // 2
    return [Event(f"{THIN_PREFIX}{i}", t, start + i * len(targets) + j, kind, value)
            for i in range(size) for j, t in enumerate(targets)]


def choose_thin_targets(baseline: dict[str, Scores], users: Sequence[str], size: int,
                        exclude: Sequence[str]) -> list[str]:
    """``size`` users just above the median by distinct engagers (deterministic)."""
    distinct = baseline["distinct engagers"]
    skip = set(exclude)
    engaged = sorted((u for u in users if distinct[u] > 0 and u not in skip),
                     key=lambda u: (distinct[u], u))
    start = len(engaged) // 2
    return engaged[start:start + size] or engaged[-size:]


def ablations(params: ModelParams) -> dict[str, ModelParams]:
    """The model with one component switched off at a time (docs/EVALUATION.md, ablation)."""
    off: dict[str, dict[str, Any]] = {
        "without decay": {"half_life_days": 1e9},
        "fixed 90-day half-life": {"half_life_days": 90.0},
        "without diminishing returns": {"diminishing_returns": False},
        "without trust": {"trust_floor": 1.0},
        "without pod discount": {"pod_tolerance": 1e9},
        "without attention budget": {"attention_budget": 1e12},
        "without propagation": {"propagation_blend": 0.0},
    }
    return {name: params.model_copy(update=change) for name, change in off.items()}


def shift(method: str, before: Scores, after: Scores, targets: Sequence[str],
          among: Sequence[str]) -> Shift:
    """Mean rank and score of ``targets`` before and after an injection."""
    n = len(targets)
    return Shift(
        method,
        rank_before=float(ranks_of(before, targets, among).mean()),
        rank_after=float(ranks_of(after, targets, among).mean()),
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
    rho = _spearman(a, b) if len(stable) > 1 else math.nan
    result = Stability(method, len(stable), float(np.mean(moves)) if moves else 0.0,
                       float(np.max(moves)) if moves else 0.0, rho)
    if with_scores and len(stable):
        deltas = np.abs(b - a)
        result.mean_abs_score_change = float(deltas.mean())
        result.max_abs_score_change = float(deltas.max())
    return result


# --- the run on a real server -------------------------------------------------------------------


def _as_records(events: Iterable[Event], network: str, prefix: str) -> list[InteractionRecord]:
    return [InteractionRecord(network=network, id=f"{prefix}{i}", actor=e.actor,
                              target=e.target, kind=InteractionKind(e.kind), at=e.at,
                              value=e.value)
            for i, e in enumerate(events)]


def read_scores(store: QueryRunner, network: str) -> Scores:
    """Our score of every account of ``network`` (by account id), as the engine wrote it."""
    row = store.columns(q.NETWORK_SCORES, network=network)
    return dict(zip(row["users"], map(float, row["scores"]), strict=True))


def evaluate(store: QueryRunner, records: Sequence[Record], *, network: str, dataset: str,
             options: EvaluationOptions, settings: Settings,
             progress: Say = quiet) -> EvaluationReport:
    """Run the three measurements. The store is WIPED first: pass a scratch database.

    Args:
        store: a scratch Neo4j + GDS database.
        records: the whole dataset as canonical records (from an adapter).
        network: the network of the dataset's accounts.
        dataset: a label for the report.
        options: cut, horizon and injection sizes.
        settings: the model parameters (the operator's; never tuned here) and batch size.
        progress: called with a line before each long step.

    Returns:
        The report, with our scores at the cut in ``our_scores``.
    """
    import time

    params = settings.model
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
    load_before_cut(store, records, settings, cut=cut, say=progress, events=len(before))
    timings["load"] = time.monotonic() - clock

    clock = time.monotonic()
    progress("computing our scores at the cut (GDS)")
    rescore(store, params, cut)
    ours = read_scores(store, network)
    half_life_s = resolve(store, params).half_life_s
    timings["score"] = time.monotonic() - clock
    base = baseline_scores(users, before, asof=cut, half_life_s=half_life_s)
    methods: dict[str, Scores] = {OURS: ours, **base}
    rankings = [ranking_quality(m, s, target, users) for m, s in methods.items()]
    clock = time.monotonic()
    scene = _Scene(store, network, settings, cut, users, before, methods, half_life_s)
    attacks = _attacks(scene, base, options, progress)
    timings["manipulation"] = time.monotonic() - clock
    ablation: list[Ranking] = []
    if options.ablation:
        clock = time.monotonic()
        ablation = _ablation(scene, base, options, target=target, progress=progress)
        timings["ablation"] = time.monotonic() - clock

    clock = time.monotonic()
    next_day = cut + DAY_S
    day = [e for e in after if e.at < next_day]
    progress(f"loading the {len(day):,} events of the day after the cut and rescoring")
    load_window(store, records, settings, cut, next_day)
    rescore(store, params, next_day)
    ours_next = read_scores(store, network)
    active = {e.actor for e in day} | {e.target for e in day}
    stable = [u for u in users if u not in active]
    base_next = baseline_scores(users, before + day, asof=next_day,
                                half_life_s=resolve(store, params).half_life_s)
    next_methods: dict[str, Scores] = {OURS: ours_next, **base_next}
    stab = [stability(m, methods[m], next_methods[m], stable, users, with_scores=m == OURS)
            for m in METHODS]
    timings["stability"] = time.monotonic() - clock

    return EvaluationReport(
        dataset=dataset, network=network, cut=cut, horizon_days=options.horizon_days,
        events_total=len(events), events_before_cut=len(before), events_after_cut=len(after),
        users_seen=len(users), users_engaged_after=sum(1 for u in users if target[u] > 0),
        rankings=rankings, **attacks,
        half_life_days=half_life_s / DAY_S, ablation=ablation, stable_users=len(stable),
        stability=stab, seconds=timings, our_scores=ours,
    )


def _ablation(scene: _Scene, base: dict[str, Scores], options: EvaluationOptions, *,
              target: Counter[str], progress: Say) -> list[Ranking]:
    """The hold-out and the three attacks under each ablated model; the full model's scores
    are restored after."""
    rows = []
    for name, changed in ablations(scene.settings.model).items():
        progress(f"ablation: {name}")
        rescore(scene.store, changed, scene.cut)
        scores = read_scores(scene.store, scene.network)
        row = ranking_quality(name, scores, target, scene.users)
        ablated = replace(scene, settings=scene.settings.model_copy(update={"model": changed}),
                          methods={**scene.methods, OURS: scores}, baselines=False)
        attacks = _attacks(ablated, base, options, quiet)
        users = len(scene.users)
        for field_name, group in (("farm_top", "farm"), ("thin_farm_top", "thin_farm"),
                                  ("pod_top", "pod")):
            ours = next(s for s in attacks[group] if s.method == OURS)
            setattr(row, field_name, ours.rank_after / users)
        rows.append(row)
    rescore(scene.store, scene.settings.model, scene.cut)
    return rows


@dataclass(frozen=True)
class _Scene:
    store: QueryRunner
    network: str
    settings: Settings
    cut: int
    users: Sequence[str]
    before: list[Event]
    methods: dict[str, Scores]
    half_life_s: float
    baselines: bool = True


def _attacks(scene: _Scene, base: dict[str, Scores], options: EvaluationOptions,
             progress: Say) -> dict[str, Any]:
    """The like farm, the pod and the thin farm, each injected, measured and removed."""
    users, cut = scene.users, scene.cut
    kind, value = dominant_kind(scene.before)
    farm_target = choose_farm_target(base, users)
    progress(f"injecting a like farm ({options.farm_size} accounts x {options.farm_repeats}) "
             f"on user {farm_target} and rescoring")
    farm = farm_events(farm_target, options.farm_size, options.farm_repeats, cut, kind=kind,
                       value=value)
    farm_shifts = _inject(scene, farm, FARM_PREFIX, [farm_target])
    pod_members = choose_pod(base, users, options.pod_size, farm_target)
    progress(f"injecting an engagement pod of {len(pod_members)} users and rescoring")
    pod = pod_events(pod_members, options.farm_repeats, cut, kind, value)
    pod_shifts = _inject(scene, pod, POD_PREFIX, pod_members)
    thin_targets = choose_thin_targets(base, users, options.thin_targets,
                                       [farm_target, *pod_members])
    progress(f"injecting a thin farm ({options.farm_size} accounts x {len(thin_targets)} "
             "targets, once each) and rescoring")
    thin = thin_farm_events(thin_targets, options.farm_size, cut, kind=kind, value=value)
    thin_shifts = _inject(scene, thin, THIN_PREFIX, thin_targets)
    return {"farm_target": farm_target, "farm": farm_shifts, "pod_members": pod_members,
            "pod": pod_shifts, "thin_targets": thin_targets, "thin_farm": thin_shifts}


def _inject(scene: _Scene, injected: list[Event], prefix: str,
            targets: Sequence[str]) -> list[Shift]:
    """Add ``injected`` events, rescore everything, measure, then remove them again (the
    baselines only when the scene measures them)."""
    store, network, cut = scene.store, scene.network, scene.cut
    users, before, methods = scene.users, scene.before, scene.methods
    load_window(store, _as_records(injected, network, prefix), scene.settings, -math.inf,
                math.inf)
    rescore(store, scene.settings.model, cut)
    after: dict[str, Scores] = {OURS: read_scores(store, network)}
    if scene.baselines:
        after.update(baseline_scores(seen_users(before + injected), before + injected,
                                     asof=cut, half_life_s=scene.half_life_s))
    retract(store, _as_records(injected, network, prefix))
    store.write(q.DELETE_INJECTED, network=network, prefix=prefix)
    return [shift(m, methods[m], after[m], targets, users) for m in METHODS if m in after]
