"""What the benchmarks share: a scratch local server, generated inputs, the CLI in a process,
peak-RSS sampling and medians. Every benchmark prints its anchor beside ours, same run."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from influence import localdb
from influence.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
KINDS = ("reply", "like", "share", "mention")
START = 1_700_000_000
YEAR_S = 31_536_000

# A loader in a fresh process: the CLI, then its own and its children's peak RSS on stderr.
WRAPPER = """
import resource, sys
from influence.cli import main
try:
    main()
finally:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\\nBENCH-RSS {me} {kids}\\n")
"""


def generate(path: Path, rows: int, accounts: int, seed: int, offset: int = 0) -> None:
    """``rows`` canonical interactions among ``accounts``: uniform actors, heavy-tailed (Pareto
    1.2) targets, four kinds, one year from ``START``, no self-interactions."""
    rng = random.Random(seed)
    with path.open("w") as fh:
        for i in range(rows):
            actor = rng.randrange(accounts)
            target = int(accounts * rng.paretovariate(1.2)) % accounts
            if target == actor:
                target = (target + 1) % accounts
            fh.write(json.dumps({"type": "interaction", "network": "bench", "id": f"i{i + offset}",
                                 "actor": f"u{actor}", "target": f"u{target}",
                                 "kind": rng.choice(KINDS), "at": START + rng.randrange(YEAR_S)},
                                separators=(",", ":")) + "\n")


def generated(work: Path, rows: int, accounts: int, seed: int = 7, offset: int = 0) -> Path:
    """The generated file of these parameters (written once, then reused)."""
    path = work / f"gen-{rows}-{accounts}-{seed}-{offset}.jsonl"
    if not path.exists():
        clock = time.perf_counter()
        generate(path, rows, accounts, seed, offset)
        print(f"generated {path} in {time.perf_counter() - clock:.1f} s", flush=True)
    return path


def scratch_settings(work: Path, port: int, **overrides: Any) -> Settings:
    """A local server of the benchmark's own (data under ``work``/db)."""
    return Settings(data_dir=work / "db", db_port=port, **overrides)


def empty_database(settings: Settings) -> None:
    """Stop the scratch server and remove its database, so the next start creates it empty."""
    localdb.stop(settings)
    localdb.discard_database(settings)


def run_cli(settings: Settings, *args: str) -> dict[str, float]:
    """One ``influence`` command in a fresh process: wall seconds and peak RSS (MB)."""
    env = {**os.environ, "INFLUENCE_DATA_DIR": str(settings.data_dir),
           "INFLUENCE_DB_PORT": str(settings.db_port),
           "INFLUENCE_HEAP_SIZE": settings.heap_size,
           "INFLUENCE_PAGECACHE_SIZE": settings.pagecache_size}
    env.pop("INFLUENCE_NEO4J_URI", None)
    clock = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *args], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"influence {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    rss = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("BENCH-RSS")]
    me, kids = (int(v) / 1024 for v in rss[-1]) if rss else (0.0, 0.0)
    return {"total_s": seconds, "loader_rss_mb": me, "children_rss_mb": kids}


def first_load(settings: Settings, path: Path) -> dict[str, float]:
    """An empty database, then ``influence load events`` of ``path`` (the import path)."""
    empty_database(settings)
    localdb.start(settings)
    return run_cli(settings, "load", "events", str(path), "--no-progress")


class PeakRss:
    """Samples a process's RSS every 50 ms in a thread; ``peak`` in MB."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self.peak = self.proc.memory_info().rss / 2**20
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` took."""
    clock = time.perf_counter()
    fn()
    return time.perf_counter() - clock


@dataclass
class Runs:
    """Measurements per step over the repeats, printed as they come."""

    values: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def add(self, step: str, measured: dict[str, float]) -> None:
        self.values.setdefault(step, []).append(measured)
        print(f"  {step}: " + ", ".join(f"{k} {v:.2f}" for k, v in measured.items()), flush=True)

    def median(self, step: str, key: str = "total_s") -> float:
        return statistics.median(m[key] for m in self.values[step])

    def peak(self, step: str, key: str) -> float:
        return max(m[key] for m in self.values[step])


def ratio_line(work: str, anchor_name: str, anchor_s: float, ours_s: float, n: int) -> str:
    """One Markdown row: the anchor's time and rate, ours, and anchor / ours."""
    return (f"| {work} | {anchor_name}: {anchor_s:.2f} s, {n / anchor_s:,.0f}/s | "
            f"{ours_s:.2f} s, {n / ours_s:,.0f}/s | **{anchor_s / ours_s:.2f}x** |")


def conditions(load_before: tuple[float, ...], settings: Settings, repeat: int) -> str:
    """The line every result section starts with."""
    return (f"Median of {repeat} run(s); load average before {load_before[0]:.2f}, after "
            f"{os.getloadavg()[0]:.2f} (1 min); 2-core machine; server heap "
            f"{settings.heap_size}, page cache {settings.pagecache_size}. Ratio = anchor time / "
            "our time (>= 1: ours is faster).")


def append(path: Path, text: str) -> None:
    """Print ``text`` and append it to a results file."""
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write("\n" + text + "\n")
