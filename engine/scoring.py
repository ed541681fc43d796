"""Computes influence scores and writes them back (docs/MODEL.md).

One recompute: read the people, their accounts and every interaction relationship as columns
(one record each; the interactions in chunks of engaging accounts,
:data:`~influence.engine.engagement.CHUNK_ACCOUNTS` a read); compute the model's steps on
those arrays (:mod:`influence.engine.steps`); run GDS weighted PageRank on the pair graph
(projected from the arrays); compute credit and scores; write the person-view fields of every
person with one GDS write, and the run (the dated snapshot and what explanations need) as
columnar ``ScoreChunk`` nodes of :data:`CHUNK` people each, indexed by the person's ``slot``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from influence.domain import EVENT_TIME_UNIT, relationship_type
from influence.engine import queries as q
from influence.engine import steps
from influence.engine.engagement import Lookup, People, read_columns, read_people_and_owners
from influence.engine.model import FALLBACK_HALF_LIFE_DAYS, ModelParams
from influence.engine.projection import project_pairs
from influence.errors import EnvironmentProblemError, InvalidInputError, StoreUnavailableError
from influence.store import QueryRunner, Row
from influence.timeutil import DAY_S

CHUNK = 1000
"""People per ``ScoreChunk`` node (a person's entries are at ``slot % CHUNK`` of chunk
``slot // CHUNK``)."""


@dataclass(frozen=True)
class ScoreRun:
    """What one recompute did."""

    run_id: str
    asof: int
    half_life_days: float
    people_in_graph: int
    engagement_pairs: int
    iterations: int
    converged: bool
    seconds: float


def window_words(asof: int, params: ModelParams) -> tuple[int, int]:
    """The event words bounding the scoring window: ``lo < word <= hi`` is inside it."""
    window_s = int(params.window_days * DAY_S)
    last = EVENT_TIME_UNIT - 1
    return (asof - window_s) * EVENT_TIME_UNIT + last, asof * EVENT_TIME_UNIT + last


def type_weights(params: ModelParams) -> dict[str, float]:
    """Kind weights keyed by relationship type (``answer`` -> ``ANSWER``)."""
    weights = {}
    for kind, weight in params.kind_weights.items():
        try:
            weights[relationship_type(kind)] = float(weight)
        except ValueError:
            continue  # a kind the loaders never write
    return weights


ENGAGEMENT_DTYPES = {"sources": np.int64, "targets": np.int64, "parts": np.float64,
                     "counts": np.int64, "firsts": np.int64, "lasts": np.int64}
"""The columns of :data:`~influence.engine.queries.ENGAGEMENT_COLUMNS`, as arrays."""


@dataclass(frozen=True)
class PairGraph:
    """The score's engager -> target pairs of people (node ids) with their decayed strength:
    what people communities cluster, without reading the interactions again."""

    sources: np.ndarray
    targets: np.ndarray
    strength: np.ndarray


@dataclass(frozen=True)
class _Read:
    params: ModelParams
    people: People
    network_names: list[str]
    pairs: steps.Pairs
    first_given: np.ndarray


def resolve(store: QueryRunner, params: ModelParams) -> ModelParams:
    """``params`` with a half-life: its own, else the one the current run derived, else
    :data:`~influence.engine.model.FALLBACK_HALF_LIFE_DAYS` (nothing scored yet)."""
    if params.half_life_days is not None:
        return params
    rows = store.read(q.CURRENT_HALF_LIFE)
    days = rows[0]["days"] if rows else None
    return params.with_half_life(float(days) if days else FALLBACK_HALF_LIFE_DAYS)


def _read(store: QueryRunner, params: ModelParams, asof: int) -> _Read:
    """People, account owners and the interaction columns, summed into pairs of people.

    A derived half-life (``half_life_days`` None) is computed from the columns' first and last
    interactions, which do not depend on it; when it differs from the one the columns were
    decayed with (the current run's), their strengths are decayed again with it
    (:func:`~influence.engine.steps.redecay`: the columns carry the words of every relationship
    with several events in the window). On the 1M benchmark graph the columns take 2 s to
    read, once for any half-life."""
    people, owners = read_people_and_owners(store)
    used = resolve(store, params)
    lo, hi = window_words(asof, used)
    columns = read_columns(store, q.ENGAGEMENT_COLUMNS, owners.owned(), ENGAGEMENT_DTYPES,
                           ragged=("multi",), lo=lo, hi=hi, asof=asof,
                           half_life_s=used.half_life_s, weights=type_weights(used))
    src = owners.people_of(columns["sources"])
    dst = owners.people_of(columns["targets"])
    firsts, lasts = columns["firsts"], columns["lasts"]
    if params.half_life_days is None:
        ends = (src >= 0) & (dst >= 0)
        first = np.full(people.size, np.iinfo(np.int64).max)
        last = np.full(people.size, -1, dtype=np.int64)
        for side in (src, dst):
            np.minimum.at(first, side[ends], firsts[ends])
            np.maximum.at(last, side[ends], lasts[ends])
        derived = params.with_half_life(steps.activity_half_life(
            first, last, asof, params.window_days * DAY_S))
        if derived.half_life_days != used.half_life_days:
            columns["parts"] = steps.redecay(
                columns["parts"], columns["counts"], lasts, columns["multi"],
                columns["multi_sizes"], asof=asof, decayed_s=used.half_life_s,
                half_life_s=derived.half_life_s)
            used = derived
    net = owners.networks_of(columns["sources"])
    valid = (src >= 0) & (dst >= 0) & (src != dst)
    first_given = np.full(people.size, np.iinfo(np.int64).max)
    np.minimum.at(first_given, src[valid], firsts[valid])
    pairs = steps.person_pairs(src[valid], dst[valid], net[valid],
                               parts=columns["parts"][valid], counts=columns["counts"][valid],
                               lasts=lasts[valid], people=people.size)
    return _Read(used, people, owners.network_names, pairs, first_given)


def pair_graph(store: QueryRunner, params: ModelParams, asof: int) -> PairGraph:
    """The pairs of people as of ``asof`` (columnar reads; nothing is written)."""
    read = _read(store, params, asof)
    nodes = read.people.nodes
    return PairGraph(nodes[read.pairs.source], nodes[read.pairs.target], read.pairs.strength)


def compute_scores(store: QueryRunner, params: ModelParams, asof: int | None = None) -> ScoreRun:
    """Recompute every person's score as of a date and keep the dated run.

    Steps (docs/MODEL.md): engager->target pairs of people with the decayed, kind-weighted
    strength of their interactions in the window; pod factors; engager trust and
    attention-normalised edge weights; GDS weighted PageRank on those weights; edge credit
    blended from weight and the engager's PageRank standing; the 1-100 scale, confidence,
    per-network sub-scores; percentiles; the run's snapshot for ``asof`` (replaced when the
    same date is recomputed). People who object to profiling get no score.

    Args:
        store: the database.
        params: the model parameters.
        asof: scoring date as epoch seconds; default now. Only interactions at or before it
            (and inside the window) count.

    Returns:
        A summary of the run.
    """
    return compute_scores_with_pairs(store, params, asof)[0]


def compute_scores_with_pairs(store: QueryRunner, params: ModelParams,
                              asof: int | None = None) -> tuple[ScoreRun, PairGraph]:
    """:func:`compute_scores`, also returning the pair graph it scored (for communities)."""
    started = time.monotonic()
    asof = int(time.time()) if asof is None else asof
    run_id = uuid.uuid4().hex
    read = _read(store, params, asof)
    params = read.params
    people, pairs, network_names = read.people, read.pairs, read.network_names
    slots = _assign_slots(store, people)
    pod, _ = steps.pod_factors(pairs, people.size, params.pod_tolerance, params.pod_exponent)
    created = np.where(people.created >= 0, people.created, np.iinfo(np.int64).max)
    since = np.minimum(created, read.first_given)
    since = np.where(since == np.iinfo(np.int64).max, -1, since)
    trust = steps.trust(pairs, pod, since, asof, params)
    share = steps.attention_share(pairs, pod, people.size, params)
    weights = steps.edge_weights(pairs, pod, share, trust, params)
    pagerank, iterations, converged, in_graph = _pagerank(store, people, pairs,
                                                          weights=weights, params=params,
                                                          run_id=run_id)
    credit = steps.credit(pairs, weights, pagerank, params)
    raw = np.bincount(pairs.target, weights=credit, minlength=people.size)
    engagers = np.bincount(pairs.target, minlength=people.size)
    interactions = np.bincount(pairs.target, weights=pairs.n, minlength=people.size)
    last = np.full(people.size, -1, dtype=np.int64)
    np.maximum.at(last, pairs.target, pairs.last)
    score = steps.scale(raw, params.score_midpoint)
    conf = steps.confidence(engagers, interactions, params)
    scored = ~people.objecting
    percentile = np.full(people.size, np.nan)
    percentile[scored] = steps.percentiles(score[scored])
    network_scores = _network_scores(pairs, credit, people, params)
    half_life = params.half_life_s / DAY_S
    run = ScoreRun(run_id, asof, half_life, in_graph, pairs.size, iterations, converged, 0.0)
    values = {"score": score, "percentile": percentile, "confidence": conf, "raw": raw,
              "pagerank": pagerank, "trust": trust, "attention": share,
              "engagers": engagers, "interactions": interactions, "last_engaged": last}
    _clear_unscored(values, scored)
    pods = np.flatnonzero(pod < 1.0)
    _write_both(
        lambda: _write_people(store, people, score=score, percentile=percentile, conf=conf,
                              scored=scored, network_scores=network_scores,
                              network_names=network_names, run_id=run_id),
        lambda: _write_run(store, run, slots, values=values,
                           pods=(pairs.source[pods], pairs.target[pods], pod[pods]),
                           network_names=network_names, params=params))
    graph = PairGraph(people.nodes[pairs.source], people.nodes[pairs.target], pairs.strength)
    return (ScoreRun(run_id, asof, half_life, in_graph, pairs.size, iterations, converged,
                     time.monotonic() - started), graph)


@dataclass(frozen=True)
class ExternalScores:
    """A run computed by another engine (the Spark engine, :mod:`influence.engine.spark`),
    keyed by person id: what :func:`write_external` stores as the GDS recompute would.

    ``values`` has one entry per person in ``ids`` for each of score, percentile, confidence,
    raw, pagerank, trust, attention, engagers, interactions and last_engaged (the graph's
    objections decide which people are cleared); ``network_scores`` maps a person id to
    ``{network: sub-score}``; the pod arrays are the discounted pairs, the pair arrays every
    engager -> target pair, both ends as positions in ``ids``.
    """

    ids: np.ndarray
    values: dict[str, np.ndarray]
    network_scores: dict[str, dict[str, float]]
    pod_sources: np.ndarray
    pod_targets: np.ndarray
    pod_factors: np.ndarray
    pair_sources: np.ndarray
    pair_targets: np.ndarray
    pair_strength: np.ndarray
    params: ModelParams
    in_graph: int
    iterations: int
    converged: bool
    seconds: float


def write_external(store: QueryRunner, result: ExternalScores,
                   asof: int) -> tuple[ScoreRun, PairGraph]:
    """Store a run another engine computed: every person's view fields, network sub-scores
    and the dated run with what explanations read, exactly as :func:`compute_scores` does.

    Raises:
        InvalidInputError: the run's people are not the graph's (its input is older than the
            graph: rewrite the event log and compute again).
    """
    started = time.monotonic()
    people, owners = read_people_and_owners(store)
    ids = np.array(people.ids, dtype=object)
    lookup = Lookup(ids.astype(str))
    at = lookup.find(result.ids.astype(str))
    if len(at) != people.size or (at < 0).any():
        raise InvalidInputError(
            f"The computed run has {len(result.ids)} people, the graph {people.size}; they "
            "are not the same people.",
            hint="The event log is older than the graph: rewrite it (`influence log write`) "
                 "and compute again.")
    values: dict[str, np.ndarray] = {}
    for name, column in result.values.items():
        value = np.empty(people.size, dtype=column.dtype)
        value[at] = column
        values[name] = value
    scored = ~people.objecting
    _clear_unscored(values, scored)
    names = owners.network_names
    code = {name: i for i, name in enumerate(names)}
    network_scores = {int(i): {code[n]: v for n, v in result.network_scores[pid].items()}
                      for i, pid in enumerate(people.ids) if pid in result.network_scores}
    run_id = uuid.uuid4().hex
    params = result.params
    slots = _assign_slots(store, people)
    run = ScoreRun(run_id, asof, params.half_life_s / DAY_S, result.in_graph,
                   len(result.pair_sources), result.iterations, result.converged, 0.0)
    pods = (at[result.pod_sources], at[result.pod_targets], result.pod_factors)
    _write_both(
        lambda: _write_people(store, people, score=values["score"],
                              percentile=values["percentile"], conf=values["confidence"],
                              scored=scored, network_scores=network_scores,
                              network_names=names, run_id=run_id),
        lambda: _write_run(store, run, slots, values=values, pods=pods, network_names=names,
                           params=params))
    graph = PairGraph(people.nodes[at[result.pair_sources]],
                      people.nodes[at[result.pair_targets]], result.pair_strength)
    return replace(run, seconds=result.seconds + time.monotonic() - started), graph


def _write_both(people: Callable[[], None], run: Callable[[], None]) -> None:
    """The person-view fields and the dated run, written at the same time on two connections
    (different nodes: no lock between them; the server has a core for each). Readers are told
    the scores changed only after both (:func:`influence.engine.generation.scores_changed`,
    by the job that ran the recompute)."""
    with ThreadPoolExecutor(2) as pool:
        written = [pool.submit(people), pool.submit(run)]
    for future in written:
        future.result()


UNSCORED = ("score", "percentile", "confidence", "raw", "pagerank", "trust", "attention")
"""The run's values that people who object to profiling do not get (NaN)."""


def _clear_unscored(values: dict[str, np.ndarray], scored: np.ndarray) -> None:
    for name in UNSCORED:
        values[name] = np.where(scored, values[name], np.nan)


def _assign_slots(store: QueryRunner, people: People) -> np.ndarray:
    """Every person's slot; people without one get the next free numbers (stored)."""
    slots = people.slots.copy()
    missing = np.flatnonzero(slots < 0)
    if len(missing):
        start = int(slots.max()) + 1 if (slots >= 0).any() else 0
        slots[missing] = np.arange(start, start + len(missing))
        for begin in range(0, len(missing), 50_000):
            chunk = missing[begin:begin + 50_000]
            store.write(q.ASSIGN_SLOTS, nodes=people.nodes[chunk].tolist(),
                        slots=slots[chunk].tolist())
    return slots


def _pagerank(store: QueryRunner, people: People, pairs: steps.Pairs, *, weights: np.ndarray,
              params: ModelParams, run_id: str) -> tuple[np.ndarray, int, bool, int]:
    """GDS weighted PageRank on the pairs with a positive weight; raw scores per person
    (the teleport share for people outside the graph)."""
    base = 1.0 - params.damping
    pagerank = np.full(people.size, base)
    positive = weights > 0
    if not positive.any():
        return pagerank, 0, True, 0
    graph = f"influence-{run_id}"
    source, target, weight = pairs.source[positive], pairs.target[positive], weights[positive]
    # each pair's share of its engager's total (PageRank divides by it: the same ranks)
    share = weight / np.bincount(source, weights=weight, minlength=people.size)[source]
    present = np.zeros(people.size, dtype=bool)
    present[source] = present[target] = True
    src, dst = people.nodes[source], people.nodes[target]
    try:
        projected = project_pairs(store, by_value=q.PROJECT_PAIRS, by_file=q.PROJECT_PAIRS_FILE,
                                  graph=graph, sources=src, targets=dst, weights=share,
                                  nodes=people.nodes[present], shares=True)
    except StoreUnavailableError as error:
        try:
            store.read(q.ANSWERS)
        except StoreUnavailableError:
            raise error from None  # the server is down, not overwhelmed
        raise EnvironmentProblemError(
            f"The database did not take the {len(src):,} weighted pairs of the PageRank "
            f"projection ({error.message}).",
            hint="Give the local server more memory (INFLUENCE_HEAP_SIZE, then `influence db "
                 "stop` and `influence db start`); for an external server, let it read the "
                 "pairs from a file (INFLUENCE_NEO4J_IMPORT_DIR, README: Configuration); or "
                 "compute on Spark (`influence score --engine spark`, README: 'Beyond one "
                 "machine').") from error
    try:
        config = {"graph": graph, "damping": params.damping,
                  "max_iterations": params.max_iterations, "tolerance": params.tolerance}
        stats = store.write_rows(q.PAGERANK_MUTATE, **config)[0]
        ranked = store.columns(q.PAGERANK_COLUMNS, graph=graph)
    finally:
        store.write_rows(q.DROP_GRAPH, graph=graph)
    at = Lookup(people.nodes).find(np.array(ranked["nodes"], dtype=np.int64))
    pagerank[at[at >= 0]] = np.array(ranked["scores"], dtype=np.float64)[at >= 0]
    return (pagerank, int(stats["iterations"]), bool(stats["converged"]),
            int(projected[0]["nodes"]) if projected else 0)


def _network_scores(pairs: steps.Pairs, credit: np.ndarray, people: People,
                    params: ModelParams) -> dict[int, dict[int, float]]:
    """Per-network sub-scores of people with accounts on several networks."""
    several = people.networks[pairs.target[pairs.part_pair]] > 1
    if not several.any():
        return {}
    pair = pairs.part_pair[several]
    share = np.divide(pairs.part_strength[several], pairs.strength[pair],
                      out=np.zeros(int(several.sum())), where=pairs.strength[pair] > 0)
    credited = credit[pair] * share
    out: dict[int, dict[int, float]] = {}
    target = pairs.target[pair]
    for person, network, value in zip(target, pairs.part_network[several], credited,
                                      strict=True):
        bucket = out.setdefault(int(person), {})
        bucket[int(network)] = bucket.get(int(network), 0.0) + float(value)
    return {p: {n: float(steps.scale(np.array([v]), params.score_midpoint)[0])
                for n, v in nets.items()} for p, nets in out.items()}


def _write_people(store: QueryRunner, people: People, *, score: np.ndarray,
                  percentile: np.ndarray, conf: np.ndarray, scored: np.ndarray,
                  network_scores: dict[int, dict[int, float]], network_names: list[str],
                  run_id: str) -> None:
    nodes = people.nodes[scored]
    if len(nodes):
        graph = f"influence-people-{run_id}"
        store.write_rows(q.PROJECT_PERSON_VALUES, graph=graph, nodes=nodes.tolist(),
                         scores=score[scored].tolist(), percentiles=percentile[scored].tolist(),
                         confidences=conf[scored].tolist())
        try:
            store.write_rows(q.WRITE_PERSON_VALUES, graph=graph)
        finally:
            store.write_rows(q.DROP_GRAPH, graph=graph)
    unscored = people.nodes[~scored].tolist()
    several = [i for i in np.flatnonzero(people.networks > 1) if scored[i]]
    rows = []
    for i in several:
        parts = network_scores.get(int(i), {})
        rows.append({"node": int(people.nodes[i]),
                     "networks": [network_names[n] for n in sorted(parts)],
                     "scores": [parts[n] for n in sorted(parts)]})
    for start in range(0, len(rows), 20_000):
        store.write(q.WRITE_NETWORK_SCORES, rows=rows[start:start + 20_000])
    if unscored:
        store.write(q.CLEAR_UNSCORED, nodes=unscored)


def _write_run(store: QueryRunner, run: ScoreRun, slots: np.ndarray, *,
               values: dict[str, np.ndarray], pods: tuple[np.ndarray, np.ndarray, np.ndarray],
               network_names: list[str], params: ModelParams) -> None:
    """The run node and its chunks; ``pods`` are the discounted pairs (source and target
    people indices, factor)."""
    store.write_rows(q.REPLACE_RUN, run=run.run_id, asof=run.asof, at=int(time.time()),
                     people=len(slots), pairs=run.engagement_pairs,
                     iterations=run.iterations, converged=run.converged, chunk_size=CHUNK,
                     half_life_days=run.half_life_days,
                     networks=network_names, params=json.dumps(params.model_dump(),
                                                               sort_keys=True))
    if not len(slots):
        return
    width = (int(slots.max()) // CHUNK + 1) * CHUNK
    columns: dict[str, np.ndarray] = {}
    for name, value in values.items():
        column = np.full(width, -1 if value.dtype.kind == "i" else np.nan,
                         dtype=np.int64 if value.dtype.kind == "i" else np.float64)
        column[slots] = value
        columns[name] = column
    pod_source, pod_target, pod_factor = slots[pods[0]], slots[pods[1]], pods[2]
    chunks: list[dict[str, Any]] = []
    for chunk in range(width // CHUNK):
        part = slice(chunk * CHUNK, (chunk + 1) * CHUNK)
        here = (pod_target // CHUNK) == chunk
        row: dict[str, Any] = {name: column[part].tolist() for name, column in columns.items()}
        row.update(chunk=chunk, pod_sources=pod_source[here].tolist(),
                   pod_targets=pod_target[here].tolist(),
                   pod_factors=pod_factor[here].tolist())
        chunks.append(row)
        if len(chunks) >= 50:
            store.write(q.WRITE_CHUNKS, chunks=chunks, run=run.run_id, asof=run.asof)
            chunks = []
    if chunks:
        store.write(q.WRITE_CHUNKS, chunks=chunks, run=run.run_id, asof=run.asof)


def forget_person_scores(store: QueryRunner, slot: int | None) -> int:
    """Clear a person's entries in every run's chunks (for erasure); returns the chunks touched.

    Args:
        store: the database.
        slot: the person's slot (None: never scored, nothing to clear).
    """
    if slot is None:
        return 0
    rows: list[Row] = store.write_rows(q.FORGET_SLOT, chunk=slot // CHUNK,
                                       position=slot % CHUNK, slot=slot)
    return int(rows[0]["chunks"]) if rows else 0
