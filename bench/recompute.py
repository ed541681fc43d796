"""Full-recompute benchmark: the engine's score vs scipy-sparse and networkx PageRank.

For each graph (generated power-law interaction graphs and the real datasets) the graph is
loaded into a scratch Neo4j + GDS server, then, in the same run:

* ``compute_scores`` (the engine: projection + propagation + scaling + percentiles) is timed,
  with the server's peak RSS (psutil, sampled every 50 ms) and the client's peak RSS;
* plain PageRank with scipy sparse power iteration and with ``networkx.pagerank`` is timed on
  the same (deduplicated) edges, with Python's peak traced allocation (tracemalloc).

Usage (a server of its own; stopped after unless it was already running):

    INFLUENCE_DB_PORT=7792 INFLUENCE_DATA_DIR=/tmp/bench-db \
        .venv/bin/python bench/recompute.py --sizes 100000 1000000 5000000 --real

Results are printed and written to bench/results/recompute.md.
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import psutil

from influence import localdb
from influence.engine import evaluation_queries as q
from influence.engine.evaluation import events_of, pagerank_arrays, wipe
from influence.engine.scoring import compute_scores
from influence.loaders.edgelists import EdgeListAdapter
from influence.loaders.records import Record
from influence.settings import get_settings
from influence.store import Store

ASOF = 1_700_000_000
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "recompute.md"
BATCH = 50_000
DAY_S = 86_400


@dataclass
class Row:
    graph: str
    interactions: int
    people: int
    pairs: int
    load_s: float
    engine_s: float
    server_peak_mb: float
    client_peak_mb: float
    scipy_s: float
    scipy_peak_mb: float
    networkx_s: float | None
    networkx_peak_mb: float | None


class PeakRss:
    """Samples the RSS of a process (and, if asked, its children) in a thread; ``peak`` in
    bytes. The client is sampled without children: a server this script started is its child."""

    def __init__(self, pid: int, children: bool = True) -> None:
        self.proc = psutil.Process(pid)
        self.children = children
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True) if self.children else ():
            total += child.memory_info().rss
        return int(total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def power_law_graph(interactions: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, int]:
    """Actor and target indices: Zipf-like popularity (exponent 1) over interactions/10 people."""
    rng = np.random.default_rng(seed)
    people = max(100, interactions // 10)
    ranks = np.arange(1, people + 1, dtype=np.float64)
    target_p = ranks ** -1.0
    target_p /= target_p.sum()
    actor_p = ranks ** -0.7
    actor_p /= actor_p.sum()
    actors = rng.permutation(people)[rng.choice(people, size=interactions, p=actor_p)]
    targets = rng.choice(people, size=interactions, p=target_p)
    keep = actors != targets
    return actors[keep], targets[keep], people


def _rows(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def bulk_load(store: Store, actors: np.ndarray, targets: np.ndarray, people: int,
              asof: int, seed: int = 7) -> None:
    """UNWIND batches of 50k CREATEs into an empty database."""
    rng = np.random.default_rng(seed + 1)
    ats = asof - rng.integers(0, 365 * DAY_S, size=len(actors))
    accounts = [{"key": f"bench:{i}", "id": str(i)} for i in range(people)]
    for batch in _rows(accounts):
        store.write(q.BENCH_CREATE_PEOPLE, rows=batch, network="bench")
    edges = [{"id": f"bench:{i}", "actor": f"bench:{a}", "target": f"bench:{b}", "at": int(t)}
             for i, (a, b, t) in enumerate(zip(actors.tolist(), targets.tolist(), ats.tolist(),
                                               strict=True))]
    for batch in _rows(edges):
        store.write(q.BENCH_CREATE_INTERACTIONS, rows=batch, network="bench", kind="message")


def _traced(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def measure(name: str, store: Store, server_pid: int, load: Callable[[], int],
            actors: np.ndarray, targets: np.ndarray, *, with_networkx: bool) -> Row:
    settings = get_settings()
    wipe(store)
    started = time.perf_counter()
    asof = load()
    load_s = time.perf_counter() - started
    client = PeakRss(psutil.Process().pid, children=False)
    with PeakRss(server_pid) as server, client:
        started = time.perf_counter()
        run = compute_scores(store, settings.model, asof=asof)
        engine_s = time.perf_counter() - started
    pairs = np.unique(np.stack([actors, targets], axis=1), axis=0)
    n = int(max(actors.max(), targets.max())) + 1
    scipy_s, scipy_mb = _traced(lambda: pagerank_arrays(pairs[:, 0], pairs[:, 1], n,
                                                        tolerance=1e-6))
    nx_s: float | None = None
    nx_mb: float | None = None
    if with_networkx:
        def run_nx() -> None:
            graph: nx.DiGraph[int] = nx.DiGraph()
            graph.add_nodes_from(range(n))
            graph.add_edges_from(pairs.tolist())
            nx.pagerank(graph, alpha=0.85)
        nx_s, nx_mb = _traced(run_nx)
    return Row(name, len(actors), run.people_in_graph, run.engagement_pairs, load_s, engine_s,
               server.peak / 2**20, client.peak / 2**20, scipy_s, scipy_mb, nx_s, nx_mb)


def _edge_arrays(records: list[Record]) -> tuple[np.ndarray, np.ndarray]:
    events = [e for e in events_of(records) if e.actor != e.target]
    index: dict[str, int] = {}
    actors = np.array([index.setdefault(e.actor, len(index)) for e in events], dtype=np.int64)
    targets = np.array([index.setdefault(e.target, len(index)) for e in events], dtype=np.int64)
    return actors, targets


def real_datasets() -> list[tuple[str, list[Record]]]:
    from influence.loaders.base import Parsed
    from influence.loaders.stackexchange import StackExchangeAdapter

    out = []
    sources: list[tuple[str, Any]] = [
        ("SNAP CollegeMsg", EdgeListAdapter(DATA / "snap-collegemsg" / "CollegeMsg.txt", "snap")),
        ("SNAP Bitcoin Alpha", EdgeListAdapter(
            DATA / "snap-bitcoin-alpha" / "soc-sign-bitcoinalpha.csv", "bitcoin")),
        ("Stack Exchange beer", StackExchangeAdapter(DATA / "stackexchange-beer")),
    ]
    for name, adapter in sources:
        records = [r for item in adapter if isinstance(item, Parsed) for r in item.records]
        out.append((name, records))
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> str:
    head = ("| graph | interactions | people | engaged pairs | load s | engine recompute s | "
            "server peak RSS MB | client peak RSS MB | scipy PageRank s | scipy peak MB | "
            "networkx PageRank s | networkx peak MB |\n|---|" + "---:|" * 11 + "\n")
    return head + "".join(
        f"| {r.graph} | {r.interactions:,} | {r.people:,} | {r.pairs:,} | {_fmt(r.load_s)} | "
        f"{_fmt(r.engine_s, 2)} | {_fmt(r.server_peak_mb, 0)} | {_fmt(r.client_peak_mb, 0)} | "
        f"{_fmt(r.scipy_s, 2)} | {_fmt(r.scipy_peak_mb, 0)} | {_fmt(r.networkx_s, 2)} | "
        f"{_fmt(r.networkx_peak_mb, 0)} |\n" for r in rows)


def _merge(new_table: str) -> str:
    """``new_table`` plus the rows of the results file for graphs this run did not measure."""
    new_lines = new_table.strip().splitlines()
    measured = {line.split("|")[1].strip() for line in new_lines[2:]}
    old = RESULTS.read_text(encoding="utf-8").splitlines() if RESULTS.exists() else []
    kept = [line for line in old if line.startswith("| ") and not line.startswith("| graph")
            and line.split("|")[1].strip() not in measured]
    return "\n".join(new_lines[:2] + kept + new_lines[2:]) + "\n"


def main() -> None:
    from influence.engine.evaluation import _write

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--real", action="store_true", help="Also the real datasets.")
    parser.add_argument("--networkx-max", type=int, default=5_000_000,
                        help="Skip networkx above this many interactions.")
    args = parser.parse_args()
    settings = get_settings()
    already = localdb.status(settings).running
    status = localdb.start(settings, progress=print) if not already else localdb.status(settings)
    assert status.pid is not None
    rows: list[Row] = []
    try:
        with Store(settings) as store:
            if args.real:
                for name, records in real_datasets():
                    actors, targets = _edge_arrays(records)
                    print(f"[bench] {name}: {len(actors):,} interactions", flush=True)

                    def load_real(records: list[Record] = records) -> int:
                        _write(store, records, BATCH)
                        return max(e.at for e in events_of(records)) + 1
                    rows.append(measure(name, store, status.pid, load_real, actors, targets,
                                        with_networkx=True))
                    print(table(rows[-1:]), flush=True)
            for size in args.sizes:
                actors, targets, people = power_law_graph(size)
                print(f"[bench] power-law {size:,}", flush=True)

                def load_gen(a: np.ndarray = actors, t: np.ndarray = targets,
                             p: int = people) -> int:
                    bulk_load(store, a, t, p, ASOF)
                    return ASOF
                rows.append(measure(f"power-law {size:,}", store, status.pid, load_gen, actors,
                                    targets, with_networkx=size <= args.networkx_max))
                print(table(rows[-1:]), flush=True)
    finally:
        if not already:
            localdb.stop(settings)
    machine = (f"{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GB RAM; "
               f"server heap {settings.heap_size}, page cache {settings.pagecache_size}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    merged = _merge(table(rows))
    RESULTS.write_text(
        "# Full recompute benchmark\n\nGenerated by `bench/recompute.py`, last run "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({machine}); rows of earlier "
        "runs for other graphs are kept.\n\n" + merged, encoding="utf-8")
    print(merged)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
