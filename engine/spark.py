"""The model on Apache Spark: the steps of :mod:`influence.engine.steps`, as DataFrame
operations on the event log (:mod:`influence.eventlog`), for graphs one machine cannot hold.

Both engines follow docs/MODEL.md step by step with the same parameters; a test compares their
scores on real data (tests/integration/test_spark.py). What differs is only where the work
runs: here every step is a Spark job (joins and aggregations partitioned by person), and
PageRank is GDS's unnormalised weighted formula iterated as DataFrame joins (GraphFrames'
PageRank is unweighted, so it cannot compute this model). The results come back to the driver
as one row per person (and one per pod pair), which :func:`influence.engine.scoring.write_external`
writes to Neo4j exactly as the GDS recompute does, so the API, explanations and history do not
know which engine ran. The per-person and per-pair results reach the driver as Parquet
written by the executors (:func:`_handoff`), never through Spark's result collection.

pyspark is an optional dependency (``pip install 'influence-engine[spark]'``); this module
imports it only when called.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from influence.domain import EVENT_TIME_SHIFT, relationship_type
from influence.engine import steps
from influence.engine.model import ModelParams
from influence.engine.scoring import UNSCORED, ExternalScores, window_words
from influence.errors import InvalidInputError
from influence.timeutil import DAY_S

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession


LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
"""Spark's log configuration while the engine runs (errors only)."""


BROADCAST_RANKS = 2_000_000
"""PageRank sends the ranks to every task (instead of shuffling the edges to them) up to this
many nodes (16 bytes each)."""


@dataclass(frozen=True)
class SparkOptions:
    """Where and how Spark runs (``master`` as ``spark-submit --master`` takes it)."""

    master: str = "local[2]"
    driver_memory: str = "2g"
    shuffle_partitions: int = 8


def session(options: SparkOptions = SparkOptions()) -> SparkSession:
    """A Spark session for the engine. Started here with ``options`` (and Spark's own
    ``spark-defaults.conf`` in ``$SPARK_CONF_DIR`` for the rest), or, under
    ``spark-submit``, the one it launched: master, memory and partitions are then its.

    Raises:
        InvalidInputError: pyspark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise InvalidInputError(
            "The Spark engine needs pyspark, which is not installed.",
            hint="pip install 'influence-engine[spark]' (or make env), then try again.") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("influence-score")
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit: we start the JVM
        # The driver's JVM starts with these arguments (a builder option would come too late).
        os.environ.setdefault("PYSPARK_SUBMIT_ARGS", f"--driver-java-options "
                              f"-Dlog4j.configurationFile=file:{LOG_CONFIG} pyspark-shell")
        builder = (builder.master(options.master)
                   .config("spark.driver.memory", options.driver_memory)
                   .config("spark.sql.shuffle.partitions", str(options.shuffle_partitions))
                   .config("spark.ui.enabled", "false"))
    return (builder.config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())


def score_log(spark: SparkSession, log: Path, params: ModelParams,
              asof: int) -> ExternalScores:
    """Every person's score as of ``asof`` from the event log in ``log``.

    Args:
        spark: the session to run in.
        log: an event log folder (``influence log write``).
        params: the model parameters (``half_life_days`` None: derived from the data).
        asof: the scoring date, epoch seconds.

    Raises:
        InvalidInputError: ``log`` holds no event log.
    """
    from pyspark.sql import functions as F

    started = time.monotonic()
    if not (log / "_log.json").exists():
        raise InvalidInputError(f"{log} holds no event log.",
                                hint="Write one with `influence log write DIR`.")
    people = (spark.read.parquet(str(log / "people.parquet"))
              .withColumn("pid", F.monotonically_increasing_id()).localCheckpoint())
    owned = spark.read.parquet(str(log / "accounts.parquet")).join(
        people.select(F.col("id").alias("person"), "pid"), "person")
    ends = owned.select("network", F.col("id").alias("account"), "pid")
    # Read once, kept for the half-life and the pairs (memory, spilling to disk).
    events = _events(spark.read.parquet(str(log / "events")), ends, params, asof).persist()
    if params.half_life_days is None:
        params = params.with_half_life(_derived_half_life(events, asof, params))
    parts, pairs, first_given = _pairs(events, params, asof)
    person = (people.join(owned.groupBy("pid").agg(
        F.min(F.when(F.col("created_at") >= 0, F.col("created_at"))).alias("created"),
        F.countDistinct("network").alias("networks")), "pid", "left")
        .join(first_given, "pid", "left")
        .withColumn("networks", F.coalesce("networks", F.lit(0))))
    person = _attention(_trust(person, pairs, params, asof), pairs, params).localCheckpoint()
    events.unpersist()
    pairs = (pairs.join(person.select(F.col("pid").alias("s"), "trust", "attention"), "s")
             .withColumn("weight", _base(F.col("strength"), params) * F.col("pod")
                         * F.col("attention") * F.col("trust"))).localCheckpoint()
    ranks, iterations, converged, in_graph = _pagerank(pairs, params)
    pairs = _credit(pairs, ranks, params).localCheckpoint()
    person = _percentiles(_scores(person, pairs, ranks, params).localCheckpoint())
    return _collected(person, pairs, parts, people, params, beside=log.parent,
                      in_graph=in_graph,
                      iterations=iterations, converged=converged,
                      seconds=time.monotonic() - started)


def _pairs(events: DataFrame, params: ModelParams,
           asof: int) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Steps 1 and 3: the decayed strength of every (engager, target, network) part and of
    every pair (with its count, last event and pod factor), and each engager's first
    engagement given (for the trust's age)."""
    from pyspark.sql import functions as F

    decayed = events.withColumn("part", F.col("weight") * F.pow(
        F.lit(2.0), (F.col("t") - F.lit(asof)) / F.lit(params.half_life_s)))
    valid = decayed.filter(F.col("s").isNotNull() & F.col("d").isNotNull()
                           & (F.col("s") != F.col("d")))
    first_given = valid.groupBy(F.col("s").alias("pid")).agg(F.min("t").alias("first_given"))
    parts = (valid.filter("counted").groupBy("s", "d", "network")
             .agg(F.sum("part").alias("part"), F.count(F.lit(1)).alias("n"),
                  F.max("t").alias("last"))).localCheckpoint()
    pairs = parts.groupBy("s", "d").agg(F.sum("part").alias("strength"),
                                        F.sum("n").alias("n"), F.max("last").alias("last"))
    pairs = (pairs.join(_pod_factors(pairs, params), ["s", "d"], "left")
             .fillna({"pod": 1.0}).localCheckpoint())
    return parts, pairs, first_given


def _credit(pairs: DataFrame, ranks: DataFrame, params: ModelParams) -> DataFrame:
    """Step 7: every pair's credit from its weight and its engager's PageRank standing."""
    from pyspark.sql import functions as F

    base = 1.0 - params.damping
    return (pairs.join(ranks.select(F.col("id").alias("s"), F.col("rank").alias("rank_s")),
                       "s", "left")
            .withColumn("credit", F.col("weight") * (
                F.lit(1.0 - params.propagation_blend) + F.lit(params.propagation_blend)
                * F.log2(F.lit(1.0) + F.coalesce("rank_s", F.lit(base)) / F.lit(base)))))


def _scores(person: DataFrame, pairs: DataFrame, ranks: DataFrame,
            params: ModelParams) -> DataFrame:
    """Steps 8 and 10: raw credit, engagers, interactions and last engagement per person,
    their PageRank, the 1-100 score and the confidence."""
    from pyspark.sql import functions as F

    received = pairs.groupBy(F.col("d").alias("pid")).agg(
        F.sum("credit").alias("raw"), F.count(F.lit(1)).alias("engagers"),
        F.sum("n").alias("interactions"), F.max("last").alias("last_engaged"))
    engaged = F.lit(1.0) - F.exp(-F.col("engagers") / F.lit(params.confidence_engagers))
    interacted = F.lit(1.0) - F.exp(-F.col("interactions")
                                    / F.lit(params.confidence_interactions))
    return (person.join(received, "pid", "left")
            .join(ranks.select(F.col("id").alias("pid"), F.col("rank").alias("pagerank")),
                  "pid", "left")
            .fillna({"raw": 0.0, "engagers": 0, "interactions": 0, "last_engaged": -1,
                     "pagerank": 1.0 - params.damping})
            .withColumn("score", _scale(F.col("raw"), params))
            .withColumn("confidence",
                        # (1000 * a) * b, in numpy's order: the same rounding
                        F.bround(F.lit(1000.0) * engaged * interacted, 0) / F.lit(1000.0)))


def _collected(person: DataFrame, pairs: DataFrame, parts: DataFrame, people: DataFrame,
               params: ModelParams, *, beside: Path, in_graph: int, iterations: int,
               converged: bool, seconds: float) -> ExternalScores:
    """The run on the driver: one row per person, per pod pair, per pair and per network
    sub-score. The executors write them as Parquet into a scratch folder in ``beside`` (the
    event log's folder: on a cluster, storage every node mounts at the same path) and the
    driver reads the columns straight into numpy: nothing goes through Spark's result
    collection, whose size is capped by ``spark.driver.maxResultSize`` (every pair of 30M
    interactions, as ids, was 1.1 GB); pairs travel as person numbers, not id strings."""
    from pyspark.sql import functions as F

    columns = ["pid", "id", "score", "percentile", "confidence", "raw", "pagerank",
               "trust", "attention", "engagers", "interactions", "last_engaged"]
    with tempfile.TemporaryDirectory(prefix=".influence-results-", dir=beside) as scratch:
        table = _handoff(person.select(*columns), Path(scratch) / "people")
        pids = table.pop("pid").astype(np.int64)
        order = np.argsort(pids, kind="stable")

        def at(pid: np.ndarray) -> np.ndarray:
            """Positions in ``table`` of the people numbered ``pid``."""
            return order[np.searchsorted(pids, pid, sorter=order)]

        pods = _handoff(pairs.filter(F.col("pod") < 1.0).select("s", "d", "pod"),
                        Path(scratch) / "pods")
        graph = _handoff(pairs.select("s", "d", "strength"), Path(scratch) / "pairs")
        network = _handoff(_network_scores(parts, pairs, person, params),
                           Path(scratch) / "networks")
    ids = table.pop("id").astype(object)
    values = dict(table)
    for name in ("engagers", "interactions", "last_engaged"):
        values[name] = values[name].astype(np.int64)
    for name in UNSCORED:
        values[name] = values[name].astype(np.float64)
    networks: dict[str, dict[str, float]] = {}
    for pid, name, value in zip(network["id"], network["network"], network["score"],
                                strict=True):
        networks.setdefault(str(pid), {})[str(name)] = float(value)
    return ExternalScores(
        ids=ids, values=values, network_scores=networks,
        pod_sources=at(pods["s"]), pod_targets=at(pods["d"]),
        pod_factors=pods["pod"].astype(np.float64),
        pair_sources=at(graph["s"]), pair_targets=at(graph["d"]),
        pair_strength=graph["strength"].astype(np.float64),
        params=params, in_graph=in_graph, iterations=iterations, converged=converged,
        seconds=seconds)


def _handoff(frame: DataFrame, path: Path) -> dict[str, np.ndarray]:
    """``frame``'s columns on the driver: written by the executors as Parquet under
    ``path`` (which the driver must see at the same path), read back with pyarrow, one numpy
    array per column."""
    import pyarrow.parquet as pq

    frame.write.mode("overwrite").parquet(str(path))
    read = pq.read_table(path)
    if read.num_rows == 0:  # no part file may hold the schema
        kinds = {"bigint": np.int64, "int": np.int64, "double": np.float64}
        return {name: np.array([], dtype=kinds.get(kind, object))
                for name, kind in frame.dtypes}
    return {name: read.column(name).to_numpy() for name in frame.columns}


def _truncated(frame: DataFrame) -> DataFrame:
    """``frame`` computed once and cut loose from its plan, for iterative loops. A local
    checkpoint alone is not enough in Spark 3.5: it keeps its origin's statistics and
    constraints, which a loop nests round after round, so planning time grows geometrically
    (16 s a round by round 20 of label propagation on a 1,000-node graph); re-reading the
    checkpoint as a plain RDD-backed DataFrame keeps each round's planning constant."""
    from pyspark.sql import DataFrame

    checkpoint = frame.localCheckpoint()
    session = checkpoint.sparkSession
    return DataFrame(session._jsparkSession.createDataFrame(
        checkpoint._jdf.rdd(), checkpoint._jdf.schema()), session)


def _by_id(pairs: DataFrame, people: DataFrame) -> DataFrame:
    """``pairs`` with the person ids of both ends (``source``, ``target``)."""
    from pyspark.sql import functions as F

    return (pairs.join(people.select(F.col("pid").alias("s"), F.col("id").alias("source")), "s")
            .join(people.select(F.col("pid").alias("d"), F.col("id").alias("target")), "d"))


def _events(raw: DataFrame, ends: DataFrame, params: ModelParams, asof: int) -> DataFrame:
    """Events at or before the scoring date with both ends' people (null: no owner), the
    kind weight, the time ``t``, and whether the event counts (inside the window, weighted).
    Events with a negative value (a distrust rating) are not engagement credit."""
    from pyspark.sql import functions as F

    lo, hi = window_words(asof, params)
    weights: list[Column] = []
    for kind, weight in params.kind_weights.items():
        try:
            weights += [F.lit(relationship_type(kind).lower()), F.lit(float(weight))]
        except ValueError:
            continue  # a kind the loaders never write
    weight_of = F.create_map(*weights)[F.col("kind")] if weights else F.lit(None)
    source = ends.select("network", F.col("account").alias("actor"), F.col("pid").alias("s"))
    target = ends.select("network", F.col("account").alias("target"), F.col("pid").alias("d"))
    return (raw.filter((F.col("word") <= hi)
                       & (F.col("value").isNull() | (F.col("value") >= 0)))
            .join(source, ["network", "actor"], "left").join(target, ["network", "target"], "left")
            .select("network", "s", "d", F.shiftright("word", EVENT_TIME_SHIFT).alias("t"),
                    F.coalesce(weight_of, F.lit(0.0)).alias("weight"),
                    (F.col("word") > lo).alias("inside"))
            .withColumn("counted", F.col("inside") & (F.col("weight") != 0)))


def _derived_half_life(events: DataFrame, asof: int, params: ModelParams) -> float:
    """:func:`influence.engine.steps.activity_half_life` over the events with both ends known
    (either end, self-engagement included)."""
    from pyspark.sql import functions as F

    known = events.filter(F.col("s").isNotNull() & F.col("d").isNotNull())
    sides = known.select(F.col("s").alias("pid"), "t", "counted").unionByName(
        known.select(F.col("d").alias("pid"), "t", "counted"))
    spans = (sides.groupBy("pid")
             .agg(F.min("t").alias("first"),
                  F.max(F.when(F.col("counted"), F.col("t"))).alias("last"))
             .filter(F.col("last").isNotNull())
             .select(F.greatest(F.col("last") - F.greatest(
                 F.col("first").cast("double"), F.lit(asof - params.window_days * DAY_S)),
                 F.lit(0.0)).alias("span")))
    mean = spans.agg(F.avg("span")).first()
    return steps.half_life_of_span(None if mean is None or mean[0] is None else float(mean[0]))


def _pod_factors(pairs: DataFrame, params: ModelParams) -> DataFrame:
    """:func:`influence.engine.steps.pod_factors`: (s, d, pod) for the mutual pairs whose two
    people share more than ``pod_tolerance`` mutual contacts."""
    from pyspark.sql import functions as F

    edges = pairs.select("s", "d")
    mutual = edges.join(edges.select(F.col("d").alias("s"), F.col("s").alias("d")),
                        ["s", "d"]).localCheckpoint()
    contacts = mutual.select("s", F.col("d").alias("u"))
    shared = (mutual.join(contacts, "s")
              .join(mutual.select(F.col("s").alias("d"), F.col("d").alias("u")), ["d", "u"])
              .groupBy("s", "d").agg(F.count(F.lit(1)).alias("shared")))
    tolerance = params.pod_tolerance
    return (shared.filter(F.col("shared") > tolerance)
            .select("s", "d", F.pow(F.lit(tolerance) / F.col("shared"),
                                    F.lit(params.pod_exponent)).alias("pod")))


def _base(strength: Column, params: ModelParams) -> Column:
    from pyspark.sql import functions as F

    return F.log1p(strength) if params.diminishing_returns else strength


def _trust(person: DataFrame, pairs: DataFrame, params: ModelParams, asof: int) -> DataFrame:
    """:func:`influence.engine.steps.trust` per person."""
    from pyspark.sql import functions as F

    received = pairs.groupBy(F.col("d").alias("pid")).agg(F.sum("pod").alias("received"))
    since = F.least("created", "first_given")
    age = F.when(since.isNotNull(), (F.lit(asof) - since) / F.lit(DAY_S)).otherwise(0.0)
    by_age = F.lit(1.0) - F.exp(-F.pow(age / F.lit(params.trust_age_days),
                                       F.lit(params.trust_age_exponent)))
    by_received = F.lit(1.0) - F.exp(-F.col("received") / F.lit(params.trust_received))
    floor = params.trust_floor
    return (person.join(received, "pid", "left").fillna({"received": 0.0})
            .withColumn("trust", F.lit(floor) + F.lit(1.0 - floor)
                        * F.greatest(by_age, by_received)))


def _attention(person: DataFrame, pairs: DataFrame, params: ModelParams) -> DataFrame:
    """:func:`influence.engine.steps.attention_share` per person."""
    from pyspark.sql import functions as F

    budget = params.attention_budget
    given = pairs.groupBy(F.col("s").alias("pid")).agg(
        F.sum(_base(F.col("strength"), params) * F.col("pod")).alias("given"))
    return (person.join(given, "pid", "left").fillna({"given": 0.0})
            .withColumn("attention", F.when(F.col("given") > budget,
                                            F.lit(budget) / F.col("given")).otherwise(1.0))
            .drop("given"))


def _pagerank(pairs: DataFrame, params: ModelParams) -> tuple[DataFrame, int, bool, int]:
    """GDS weighted PageRank (unnormalised; the mass of nodes without out-edges is dropped;
    :func:`influence.engine.ranking.pagerank` with ``dangling="drop"``) on the pairs with a
    positive weight: ``(id, rank)`` of the nodes in that graph, the iterations run, whether
    it converged, and the node count."""
    from pyspark.sql import functions as F

    edges = pairs.filter(F.col("weight") > 0).select("s", "d", "weight")
    out = edges.groupBy("s").agg(F.sum("weight").alias("out"))
    norm = (edges.join(out, "s").select("s", "d", (F.col("weight") / F.col("out")).alias("x"))
            .localCheckpoint())
    nodes = (norm.select(F.col("s").alias("id")).union(norm.select(F.col("d").alias("id")))
             .distinct().localCheckpoint())
    count = nodes.count()
    base, damping = 1.0 - params.damping, params.damping
    ranks = nodes.withColumn("rank", F.lit(base))
    if not count:
        return ranks, 0, True, 0
    iterations, converged = 0, False
    for iterations in range(1, params.max_iterations + 1):  # noqa: B007
        by_source = ranks.select(F.col("id").alias("s"), "rank")
        if count <= BROADCAST_RANKS:  # every task gets the ranks: the edges stay where they are
            by_source = F.broadcast(by_source)
        sent = (norm.join(by_source, "s")
                .groupBy(F.col("d").alias("id")).agg(F.sum(F.col("x") * F.col("rank"))
                                                     .alias("sent")))
        new = (ranks.join(sent, "id", "left")
               .select("id", F.col("rank").alias("old"),
                       (F.lit(base) + F.lit(damping) * F.coalesce("sent", F.lit(0.0)))
                       .alias("rank")))
        new = _truncated(new)
        delta = new.agg(F.max(F.abs(F.col("rank") - F.col("old")))).first()
        ranks = new.select("id", "rank")
        if delta is not None and delta[0] is not None and float(delta[0]) < params.tolerance:
            converged = True
            break
    return ranks, iterations, converged, count


def _scale(raw: Column, params: ModelParams) -> Column:
    """:func:`influence.engine.steps.scale`."""
    from pyspark.sql import functions as F

    log = F.log1p(F.greatest(raw, F.lit(0.0)))
    return F.bround(F.lit(100.0) * (F.lit(1.0) + F.lit(99.0) * log
                                    / (log + F.lit(float(np.log1p(params.score_midpoint))))),
                    0) / F.lit(100.0)


def _percentiles(person: DataFrame) -> DataFrame:
    """:func:`influence.engine.steps.percentiles` over the people who do not object: from
    the counts of each distinct score (at most 9,901 on the 1-100 scale, rounded to 0.01)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    scored = person.filter(~F.col("objecting"))
    counts = scored.groupBy("score").agg(F.count(F.lit(1)).alias("here"))
    total = scored.count()
    ordered = Window.orderBy("score").rowsBetween(Window.unboundedPreceding, -1)
    below = counts.select("score", F.coalesce(F.sum("here").over(ordered), F.lit(0))
                          .alias("below"))
    value = F.bround(F.lit(1000.0) * F.col("below") / F.lit(max(total, 1)), 0) / F.lit(10.0)
    return person.join(F.broadcast(below.select("score", value.alias("percentile"))), "score",
                       "left")


def _network_scores(parts: DataFrame, pairs: DataFrame, person: DataFrame,
                    params: ModelParams) -> DataFrame:
    """Per-network sub-scores ``(id, network, score)`` of the people who do not object and
    have accounts on several networks: each pair's credit shared out by the networks its
    strength came from."""
    from pyspark.sql import functions as F

    several = person.filter((F.col("networks") > 1) & ~F.col("objecting")).select(
        F.col("pid").alias("d"), "id")
    share = F.when(F.col("strength") > 0, F.col("part") / F.col("strength")).otherwise(0.0)
    credited = (parts.join(several, "d")
                .join(pairs.select("s", "d", "strength", "credit"), ["s", "d"])
                .groupBy("id", "network").agg(F.sum(F.col("credit") * share).alias("raw")))
    return credited.select("id", "network", _scale(F.col("raw"), params).alias("score"))



def label_propagation(spark: SparkSession, edges: Mapping[tuple[int, int], float], nodes: int,
                      *, max_iterations: int = 30) -> tuple[list[int], int]:
    """Communities at Spark's scale: modularity label propagation (LPAm, Barber and Clark
    2009) on the undirected weighted graph, as DataFrame rounds.

    Every node starts in its own community; at each round a node moves to the neighbouring
    label with the largest modularity gain ``w(v, l) - k_v * vol(l) / 2m`` (``w(v, l)``: its
    edge weight into label ``l``; ``k_v``: its weighted degree; ``vol(l)``: the degrees of the
    label's other nodes) when that beats staying. Plain label propagation floods a graph
    with a dense core with one label (on email-Eu-core every connected node ends in one
    community, NMI 0.03); the volume term is what stops it. Only half the nodes move per round
    (a hashed half, different each round) so that neighbours do not swap labels back and
    forth; the rounds stop when two in a row change nothing, or after ``max_iterations``.
    This is the local-moving phase of Louvain without its aggregation; Louvain itself, which
    GDS runs, has no distributed implementation in Spark's ecosystem. What the difference
    costs in NMI is measured by ``influence evaluate communities --algorithm spark-lpa``
    (docs/EVALUATION.md, "Communities").

    Nodes are ``0 .. nodes-1``; ``edges`` maps ``(a, b)`` to a weight. Returns the community
    of every node and the rounds run.
    """
    from pyspark.sql import functions as F

    rows = [(int(a), int(b), float(w)) for (a, b), w in edges.items() if a != b]
    given = spark.createDataFrame(rows, "a long, b long, w double")
    both = (given.unionByName(given.select(F.col("b").alias("a"), F.col("a").alias("b"), "w"))
            .groupBy("a", "b").agg(F.sum("w").alias("w")).localCheckpoint())
    degree = both.groupBy(F.col("a").alias("id")).agg(F.sum("w").alias("k")).localCheckpoint()
    total = degree.agg(F.sum("k")).first()
    two_m = float(total[0]) if total is not None and total[0] else 1.0
    labels = (spark.range(nodes).join(degree, "id", "left").fillna({"k": 0.0})
              .select("id", F.col("id").alias("label"), "k").localCheckpoint())
    rounds, quiet = 0, 0
    for rounds in range(1, max_iterations + 1):
        volume = labels.groupBy("label").agg(F.sum("k").alias("vol"))
        own = labels.select(F.col("id").alias("a"), F.col("label").alias("own"),
                            F.col("k").alias("ka"))
        votes = (both.join(labels.select(F.col("id").alias("b"), "label"), "b")
                 .groupBy("a", "label").agg(F.sum("w").alias("votes"))
                 .unionByName(own.select("a", F.col("own").alias("label"),
                                         F.lit(0.0).alias("votes")))
                 .groupBy("a", "label").agg(F.sum("votes").alias("votes"))
                 .join(own, "a").join(volume, "label")
                 .withColumn("gain", F.col("votes") - F.col("ka") * (
                     F.col("vol") - F.when(F.col("label") == F.col("own"), F.col("ka"))
                     .otherwise(0.0)) / F.lit(two_m)))
        tie = F.xxhash64("label", F.lit(rounds))
        best = (votes.groupBy("a").agg(
            F.max(F.struct("gain", tie.alias("tie"), "label")).alias("top"),
            F.max(F.when(F.col("label") == F.col("own"), F.col("gain"))).alias("stay"))
            .select(F.col("a").alias("id"), F.col("top.label").alias("best"),
                    (F.col("top.gain") > F.col("stay") + 1e-12).alias("better")))
        moves = (F.abs(F.xxhash64("id", F.lit(-rounds))) % 2 == 0) & F.coalesce(
            F.col("better"), F.lit(False))
        moved = (labels.join(best, "id", "left")
                 .select("id", "label", "k",
                         F.when(moves, F.col("best")).otherwise(F.col("label")).alias("new")))
        moved = _truncated(moved)
        changed = moved.filter(F.col("label") != F.col("new")).count()
        labels = moved.select("id", F.col("new").alias("label"), "k")
        quiet = quiet + 1 if not changed else 0
        if quiet == 2:
            break
    partition = [0] * nodes
    for row in labels.select("id", "label").collect():
        partition[int(row["id"])] = int(row["label"])
    return partition, rounds
