"""The Spark engine beside the single-machine path, same run, same data (issue 21).

For each size (default 1,000,000, 10,000,000 and 30,000,000 generated interactions among a
tenth as many accounts, as bench/recompute.py generates them), the file is first-loaded into
an empty scratch server of the benchmark's own (``neo4j-admin database import``), then:

* **single machine**: ``compute_scores`` (the GDS recompute, warmed by one untimed run);
  beside it the bare GDS
  anchor of bench/recompute.py (decayed Cypher projection + ``gds.pageRank.write``);
* **Spark** (``local[N]`` on this machine): the event log written from the graph
  (``influence log write``), ``engine.spark.score_log`` on it, and the results written back
  to Neo4j (``scoring.write_external``), each timed.

Peak RSS is sampled for the Neo4j server, this process (the single-machine client) and the
Spark driver's JVM. Each size runs once (``--repeat`` for more; the median is reported).

Usage (nothing else running on the machine):

    .venv/bin/python bench/spark.py                          # 1M, 10M, 30M
    .venv/bin/python bench/spark.py --sizes 1000000 --repeat 3

Results are printed and appended to ``bench/results/spark.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil

from influence import localdb
from influence.engine import spark as spark_engine
from influence.engine.scoring import compute_scores, resolve, write_external
from influence.eventlog import write_log
from influence.settings import Settings
from influence.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    RESULTS,
    START,
    YEAR_S,
    PeakRss,
    append,
    conditions,
    first_load,
    generated,
    scratch_settings,
    timed,
)
from recompute import anchor, server_pid


def spark_jvm() -> int:
    """The pid of the Spark driver's JVM (a child of this process)."""
    for child in psutil.Process().children(recursive=True):
        if "java" in child.name() and "org.apache.spark.deploy.SparkSubmit" in child.cmdline():
            return child.pid
    raise SystemExit("no Spark JVM found beside this process")


@contextlib.contextmanager
def client_memory_cap(cap_bytes: int | None) -> Iterator[None]:
    """Cap this process's address space growth at ``cap_bytes`` (so that running out shows
    as a ``MemoryError`` of the step, not as the kernel's OOM killer taking the benchmark)."""
    if cap_bytes is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (psutil.Process().memory_info().vms + cap_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def attempt(failures: dict[str, str], step: str, fn: Callable[[], float]) -> float:
    """``fn()``'s seconds, or NaN with the reason kept in ``failures`` when it fails."""
    try:
        return fn()
    except Exception as exc:  # any failure is this step's measurement
        first_line = (str(exc).splitlines() or [""])[0][:200]
        failures[step] = f"{type(exc).__name__}: {first_line}"
        print(f"{step} failed: {failures[step]}", flush=True)
        return math.nan


def _s(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds:.1f} s"


def one_round(store: Store, spark: Any, settings: Settings, log: Path, asof: int,
              cap_bytes: int | None, failures: dict[str, str],
              single: bool = True) -> dict[str, float]:
    """Seconds of each step: the single-machine recompute, the bare anchor, then the Spark
    path (log export, scoring, write-back). A failing single-machine step (out of memory at
    the largest sizes) is recorded and the Spark path still runs."""
    times = {"gds": math.nan}
    if single:
        with client_memory_cap(cap_bytes):
            times["gds"] = attempt(failures, "gds", lambda: timed(
                lambda: compute_scores(store, settings.model, asof=asof)))
    half_life_s = resolve(store, settings.model).half_life_s  # derived from the data
    times["anchor"] = attempt(failures, "anchor", lambda: anchor(store, asof, half_life_s))
    if spark is None:  # --no-spark
        return times | {"log": math.nan, "spark": math.nan, "write": math.nan}
    times["log"] = attempt(failures, "log", lambda: timed(lambda: write_log(store, log)))
    results: list[Any] = []
    times["spark"] = attempt(failures, "spark", lambda: timed(
        lambda: results.append(spark_engine.score_log(spark, log, settings.model, asof))))
    times["write"] = (attempt(failures, "write", lambda: timed(
        lambda: write_external(store, results[0], asof))) if results else math.nan)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*",
                        default=[1_000_000, 10_000_000, 30_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--heap", default="4g", help="the scratch server's heap")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--port", type=int, default=7797)
    parser.add_argument("--warm-up-to", type=int, default=10_000_000, metavar="N",
                        help="warm the server with one untimed recompute only at sizes <= N")
    parser.add_argument("--single", action=argparse.BooleanOptionalAction, default=True,
                        help="run the single-machine recompute (--no-single: only the bare "
                             "GDS anchor beside the Spark path, where it cannot fit)")
    parser.add_argument("--spark", action=argparse.BooleanOptionalAction, default=True,
                        help="run the Spark path (--no-spark: only the single-machine "
                             "recompute beside the bare GDS anchor)")
    parser.add_argument("--reuse", action="store_true",
                        help="the scratch server already holds the (largest) size from an "
                             "earlier run: skip its first load")
    parser.add_argument("--client-memory-gb", type=float, default=None,
                        help="cap the single-machine client's memory (default: what is "
                             "available when the step starts, less 3 GB)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-spark")
    parser.add_argument("--out", type=Path, default=RESULTS / "spark.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    settings = scratch_settings(args.work, args.port, heap_size=args.heap)
    localdb.start(settings, progress=print)
    load_before = os.getloadavg()
    clock = time.perf_counter()
    spark, jvm, notes = None, None, ["Spark path not run (``--no-spark``)."]
    if args.spark:
        spark = spark_engine.session(spark_engine.SparkOptions(args.master, args.driver_memory))
        spark.range(1).count()
        jvm = spark_jvm()
        notes = [f"Spark session start ({args.master}, driver memory {args.driver_memory}): "
                 f"{time.perf_counter() - clock:.1f} s, not counted below."]
    rows: list[str] = []
    asof = START + YEAR_S
    try:
        for size in args.sizes:
            path = generated(args.work, size, max(1000, size // 10))
            if args.reuse:
                loaded = math.nan
                notes.append(f"{size:,}: loaded by an earlier run (``--reuse``), not timed.")
            else:
                loaded = first_load(settings, path)["total_s"]
            print(f"[{size:,}] first load {loaded:.1f} s", flush=True)
            times: dict[str, list[float]] = {}
            failures: dict[str, str] = {}
            if size <= args.warm_up_to and args.single:
                with Store(settings) as store:  # warm: the server's caches and JIT, as in use
                    compute_scores(store, settings.model, asof=asof)
            else:
                notes.append(f"{size:,}: no untimed warm-up recompute (``--warm-up-to``).")
            cap = (int(args.client_memory_gb * 2**30) if args.client_memory_gb
                   else psutil.virtual_memory().available - 3 * 2**30)
            with Store(settings) as store, PeakRss(server_pid(settings)) as server, \
                    PeakRss(os.getpid()) as client, \
                    (PeakRss(jvm) if jvm else contextlib.nullcontext()) as driver:
                for _ in range(args.repeat):
                    for step, seconds in one_round(store, spark, settings,
                                                   args.work / f"log-{size}", asof,
                                                   cap, failures, args.single).items():
                        times.setdefault(step, []).append(seconds)
                    print(f"[{size:,}] " + ", ".join(f"{k} {v[-1]:.1f} s"
                                                     for k, v in times.items()), flush=True)
            med = {k: statistics.median(v) for k, v in times.items()}
            spark_total = med["log"] + med["spark"] + med["write"]
            notes.extend(f"{size:,}: `{step}` failed (client memory cap {cap / 2**30:.1f} GB): "
                         f"{reason}" for step, reason in failures.items())
            ratio = med["gds"] / med["spark"]
            rows.append(
                f"| {size:,} | {_s(loaded)} | {_s(med['anchor'])} | "
                f"{_s(med['gds']) if args.single else 'not run'} | "
                f"{_s(med['log'])} | {_s(med['spark'])} | {_s(med['write'])} | "
                f"{_s(spark_total)} | **{'-' if math.isnan(ratio) else f'{ratio:.2f}x'}** | "
                f"{server.peak:,.0f} / {client.peak:,.0f} / "
                f"{f'{driver.peak:,.0f}' if driver else '-'} MB |")
    finally:
        if spark is not None:
            spark.stop()
        localdb.stop(settings)
    text = "\n".join([
        f"## Spark engine against the single machine "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        conditions(load_before, settings, args.repeat).replace(
            "Ratio = anchor time / our time (>= 1: ours is faster).",
            "Ratio = single-machine recompute / Spark scoring (>= 1: Spark is faster)."), "",
        "| interactions | first load (import) | bare GDS anchor | single-machine recompute "
        "| Spark: log export | Spark: score_log | Spark: write-back | Spark total | ratio "
        "| peak RSS server / client / Spark JVM |",
        "|---|---|---|---|---|---|---|---|---|---|", *rows, "", *notes,
        f"Machine: {psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GB.",
        ""])
    append(args.out, text)


if __name__ == "__main__":
    main()
