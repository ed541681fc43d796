"""Loader throughput, end to end from file into Neo4j: interactions per second.

Generates a canonical JSON Lines file of N interactions (default 1,000,000) among 100,000
accounts (heavy-tailed targets, a few kinds, timestamps over a year), then runs the real
command line ``influence load events`` on it against a running server:

* ``dry``: parse and validate only (the Python side alone);
* ``incremental``: batched ``UNWIND ... MERGE`` writes with checkpoints, into an empty db;
* ``bulk``: CSV staging + ``LOAD CSV ... CALL { } IN TRANSACTIONS``, into an empty db.

Each run is timed end to end (process start to exit), with the CPU seconds the loader and
the server spent (so a figure independent of other load on a shared machine: interactions per
CPU-second), the loader's peak RSS (the maximum over the runs so far: RUSAGE_CHILDREN) and the
server's RSS. Results are printed as a Markdown table (and appended to --out).

Usage (a manual server, see docs/FORMATS.md):
    INFLUENCE_DB_PORT=7793 INFLUENCE_DATA_DIR=/tmp/loaders-db influence db start
    INFLUENCE_DB_PORT=7793 INFLUENCE_DATA_DIR=/tmp/loaders-db \\
        python bench/load.py --rows 1000000 --modes dry,bulk,incremental
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

from influence.settings import Settings
from influence.store import Query, Store

WIPE_EDGES = Query("bench_wipe_edges",  # edges first: detaching dense nodes overflows tx memory
                   "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS")
WIPE = Query("bench_wipe",
             "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS")
EDGES = Query("bench_edges", "MATCH ()-[r:ENGAGED]->() RETURN count(r) AS n")
KINDS = ("reply", "like", "share", "mention", "follow", "comment")


def generate(path: Path, rows: int, accounts: int = 100_000, seed: int = 7) -> None:
    """Write ``rows`` canonical interactions (no self-interactions) to ``path``."""
    rng = random.Random(seed)
    start = 1_700_000_000
    with path.open("w") as fh:
        for i in range(rows):
            actor = rng.randrange(accounts)
            target = int(accounts * rng.paretovariate(1.2)) % accounts
            if target == actor:
                target = (target + 1) % accounts
            fh.write(json.dumps({
                "type": "interaction", "network": "bench", "id": f"i{i}",
                "actor": f"u{actor}", "target": f"u{target}", "kind": rng.choice(KINDS),
                "at": start + rng.randrange(31_536_000)}, separators=(",", ":")) + "\n")


def _server(port: int) -> psutil.Process | None:
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "java" in cmd and "--config-dir=" in cmd:
            conf = cmd.split("--config-dir=")[-1].split()[0]
            try:
                if f"127.0.0.1:{port}\n" in Path(conf, "neo4j.conf").read_text():
                    return proc
            except OSError:
                continue
    return None


def _cpu(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    times = proc.cpu_times()
    return float(times.user + times.system)


def run(mode: str, path: Path, rows: int, settings: Settings, store: Store) -> dict[str, object]:
    """Run one mode end to end; return its measurements."""
    if mode != "dry":
        store.auto_commit(WIPE_EDGES)
        store.auto_commit(WIPE)
    flag = {"dry": "--dry-run", "incremental": "--no-bulk", "bulk": "--bulk"}[mode]
    server = _server(settings.db_port)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = _cpu(server)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from influence.cli import main; main()",
                           "load", "events", str(path), flag, "--no-progress"],
                          capture_output=True, text=True, check=False, env=os.environ.copy())
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    loader_cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    server_cpu = _cpu(server) - server_cpu
    edges = rows if mode == "dry" else store.read(EDGES)[0]["n"]
    return {"mode": mode, "rows": rows, "edges": edges, "seconds": round(seconds, 1),
            "per_s": int(rows / seconds), "loader_cpu": round(loader_cpu, 1),
            "server_cpu": round(server_cpu, 1),
            "per_cpu_s": int(rows / max(loader_cpu + server_cpu, 1e-9)),
            "loader_peak_mb": round(after.ru_maxrss / 1024),
            "server_rss_mb": round(server.memory_info().rss / 2**20) if server else 0,
            "load_avg": round(os.getloadavg()[0], 1)}


def main() -> None:
    """Generate the file, run the modes, print (and append) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--modes", default="dry,bulk,incremental")
    parser.add_argument("--file", type=Path, default=Path("/tmp/bench-load-events.jsonl"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.file.exists() or sum(1 for _ in args.file.open()) != args.rows:
        t = time.perf_counter()
        generate(args.file, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t:.1f}s", flush=True)
    settings = Settings()
    lines = ["| mode | interactions | edges in db | wall s | interactions/s (wall) "
             "| loader CPU s | server CPU s | interactions per CPU-s | loader peak RSS MB "
             "| server RSS MB | load avg (1 min) |", "|---" * 11 + "|"]
    with Store(settings) as store:
        for mode in args.modes.split(","):
            r = run(mode, args.file, args.rows, settings, store)
            line = (f"| {r['mode']} | {r['rows']:,} | {r['edges']:,} | {r['seconds']} | "
                    f"{r['per_s']:,} | {r['loader_cpu']} | {r['server_cpu']} | "
                    f"{r['per_cpu_s']:,} | {r['loader_peak_mb']} | {r['server_rss_mb']} | "
                    f"{r['load_avg']} |")
            lines.append(line)
            print(line, flush=True)
    if args.out:
        with args.out.open("a") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
