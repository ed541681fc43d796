"""Full recompute beside its anchor, in the same run, on the same server and data (issue 17).

For each size (default 300,000, 1,000,000 and 5,000,000 generated interactions among a tenth
as many accounts: uniform actors, heavy-tailed targets, four kinds, one year), the file is
first-loaded into an empty scratch server of the benchmark's own, then, alternately:

* **anchor**: the bare GDS way of the same propagation on the same stored interactions: a
  Cypher-aggregation projection with per-interaction exponential decay (every event of every
  interaction relationship, ``0.5 ^ ((asof - at) / half_life)`` summed per account pair), then
  ``gds.pageRank.write`` and the graph dropped;
* **ours**: ``compute_scores`` (engagement read, pod factors, trust, attention, GDS PageRank,
  credit, the 1-100 scale, confidence, percentiles, network sub-scores, the dated run's
  columnar snapshot, the person properties written).

Both are warmed once first; each figure is the median of ``--repeat`` runs. The server's and
this process's peak RSS are sampled. ``--real`` adds the Stack Exchange slice and CollegeMsg,
and times ``influence score`` end to end (process start included) on the warm server.

Usage (nothing else running on the machine):

    .venv/bin/python bench/recompute.py                      # 300k, 1M, 5M; heap 4g
    .venv/bin/python bench/recompute.py --sizes 300000 --repeat 5 --real

Results are printed and appended to ``bench/results/recompute.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil

from influence import localdb
from influence.engine.scoring import compute_scores, resolve
from influence.settings import Settings
from influence.store import Query, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    DATA,
    RESULTS,
    START,
    YEAR_S,
    PeakRss,
    Runs,
    conditions,
    empty_database,
    first_load,
    generated,
    ratio_line,
    run_cli,
    scratch_settings,
    timed,
)
from common import append as append_results


def decayed_projection(name: str, *, undirected: bool = False) -> Query:
    """The anchor's projection: every event of every interaction relationship, decayed
    (``0.5 ^ ((asof - at) / half_life)``) and summed per account pair, into ``$graph``."""
    config = ", {undirectedRelationshipTypes: ['*']}" if undirected else ""
    return Query(name, """
    MATCH (a:Account)-[r]->(b:Account) WHERE r.ev IS NOT NULL
    UNWIND r.ev AS word
    WITH a, b, word / 1048576 AS at WHERE at <= $asof
    WITH a, b, sum(0.5 ^ (toFloat($asof - at) / $half_life)) AS weight
    WITH gds.graph.project($graph, a, b, {relationshipProperties: {weight: weight}}""" + config
                 + """) AS g
    RETURN g.nodeCount AS nodes, g.relationshipCount AS relationships
    """)


ANCHOR_PROJECT = decayed_projection("bench_anchor_project")
ANCHOR_PAGERANK = Query(
    "bench_anchor_pagerank",
    """
    CALL gds.pageRank.write($graph, {writeProperty: 'bench_pagerank',
                                     relationshipWeightProperty: 'weight'})
    YIELD nodePropertiesWritten RETURN nodePropertiesWritten AS written
    """)
DROP = Query("bench_drop_graph", "CALL gds.graph.drop($graph, false) YIELD graphName RETURN 1")
EVENTS = Query("bench_events",
               "MATCH (:Account)-[r]->(:Account) WHERE r.ev IS NOT NULL "
               "RETURN sum(size(r.ev)) AS events, count(r) AS groups")


def anchor(store: Store, asof: int, half_life_s: float) -> float:
    """Seconds of the bare projection + PageRank write."""
    def work() -> None:
        store.write_rows(ANCHOR_PROJECT, graph="bench-anchor", asof=asof, half_life=half_life_s)
        store.write_rows(ANCHOR_PAGERANK, graph="bench-anchor")
        store.write_rows(DROP, graph="bench-anchor")
    return timed(work)


def ours(store: Store, settings: Settings, asof: int) -> float:
    """Seconds of the engine's full recompute of the scores."""
    return timed(lambda: compute_scores(store, settings.model, asof=asof))


def server_pid(settings: Settings) -> int:
    status = localdb.status(settings)
    assert status.pid is not None
    return status.pid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*",
                        default=[300_000, 1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--real", action="store_true",
                        help="also the Stack Exchange slice and CollegeMsg")
    parser.add_argument("--heap", default="4g", help="the scratch server's heap")
    parser.add_argument("--port", type=int, default=7796)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench-recompute")
    parser.add_argument("--out", type=Path, default=RESULTS / "recompute.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    settings = scratch_settings(args.work, args.port, heap_size=args.heap)
    localdb.start(settings, progress=print)
    load_before = os.getloadavg()
    runs = Runs()
    rows: list[str] = []
    notes: list[str] = []
    try:
        inputs: list[tuple[str, Path, int]] = [
            (f"generated {size:,}", generated(args.work, size, max(1000, size // 10)),
             START + YEAR_S) for size in args.sizes]
        if args.real:
            inputs += [("Stack Exchange beer", DATA / "stackexchange-beer", 1_481_328_000),
                       ("SNAP CollegeMsg", DATA / "snap-collegemsg" / "CollegeMsg.txt",
                        1_098_777_143)]
        for name, path, asof in inputs:
            real = path.is_dir() or path.suffix == ".txt"
            if real:
                source = "stackexchange" if path.is_dir() else "snap"
                empty_database(settings)
                localdb.start(settings)
                loaded = run_cli(settings, "load", source, str(path), "--no-progress")
            else:
                loaded = first_load(settings, path)
            print(f"[{name}] loaded in {loaded['total_s']:.1f} s", flush=True)
            figures = measure(name, settings, asof, args.repeat, runs)
            if real:
                iso = datetime.fromtimestamp(asof, UTC).isoformat()
                cli = [run_cli(settings, "score", "--asof", iso)["total_s"]
                       for _ in range(args.repeat)]
                notes.append(f"`influence score` of {name} on the warm server, process start "
                             f"to exit: median {sorted(cli)[len(cli) // 2]:.2f} s.")
            rows.append(ratio_line(
                f"{name} ({figures['events']:,.0f} interactions, {figures['groups']:,.0f} "
                "relationships)", "decayed projection + PageRank write",
                runs.median(f"{name}:anchor"), runs.median(f"{name}:ours"),
                int(figures["events"])))
            notes.append(f"{name}: server peak RSS {figures['server_mb']:,.0f} MB, client peak "
                         f"RSS {figures['client_mb']:,.0f} MB.")
    finally:
        localdb.stop(settings)
    text = "\n".join([
        f"## Full recompute ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        conditions(load_before, settings, args.repeat), "",
        "| graph | anchor (same run, same server) | ours (`compute_scores`) | ratio |",
        "|---|---|---|---|", *rows, "", *notes,
        f"Machine: {psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GB.",
        ""])
    append_results(args.out, text)


def measure(name: str, settings: Settings, asof: int, repeat: int,
            runs: Runs) -> dict[str, float]:
    """The anchor and ours alternately on the loaded database (both warmed once first)."""
    with Store(settings) as store:
        counts = store.read(EVENTS)[0]
        ours(store, settings, asof)
        half_life_s = resolve(store, settings.model).half_life_s  # the one ours derived
        anchor(store, asof, half_life_s)
        with PeakRss(server_pid(settings)) as server, PeakRss(os.getpid()) as client:
            for i in range(repeat):
                steps: list[tuple[str, Callable[[], float]]] = [
                    ("anchor", lambda: anchor(store, asof, half_life_s)),
                    ("ours", lambda: ours(store, settings, asof))]
                for step, fn in steps if i % 2 == 0 else steps[::-1]:
                    runs.add(f"{name}:{step}", {"total_s": fn()})
    return {"events": float(counts["events"] or 0), "groups": float(counts["groups"] or 0),
            "server_mb": server.peak, "client_mb": client.peak}


if __name__ == "__main__":
    main()
