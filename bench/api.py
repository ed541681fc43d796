"""API latency and throughput on loopback, with the raw Neo4j driver as the anchor.

Starts the API (the README's ``influence serve``, ``--workers N``) over an already loaded and
scored database, then for two operations, against the same data:

* ``person``: ``person(id) { score topics { name score }
  neighbours(first: 10) { weight person { id score } } }`` over the top 200 people in turn
* ``leaderboard``: ``leaderboard(first: 20) { edges { node { id score } } }``

offers load through GraphQL over HTTP and through the Neo4j driver running the same Cypher
(the API's own queries: 3 for ``person``, run at once, 1 for ``leaderboard``). The load comes
from ``bench/loadgen/loadgen.mjs`` (Node.js, installed with ``npm ci`` on first use): a
Python client cannot offer 200 requests/s open loop on two cores shared with the server and
Neo4j. Phases:

* open loop at a fixed arrival rate (default 200/s): latency counts from each request's
  scheduled send time, so a slow server is not hidden by the client waiting for it;
* closed loop with N concurrent clients: the throughput ceiling;
* ``--overload R``: R/s for half the time, then the normal rate again;
* ``--during COMMAND``: reads while a write job (a recompute, a load, an erasure) runs again
  and again;
* ``--fault``: the local database stopped and started again under the normal rate; every
  answer while it is down must be ``SERVICE_UNAVAILABLE`` (never a 500, never a hang),
  readiness 503, and full service must be back soon after the database.

The load average is recorded before and after. Usage (database on INFLUENCE_DB_PORT,
loaded with ``influence load stackexchange`` + ``influence recompute``):

    .venv/bin/python bench/api.py --rate 200 --seconds 20 --workers 2 --fault \
        --during '.venv/bin/influence score --asof 2016-12-10'

Results are printed and appended to bench/results/api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from neo4j import GraphDatabase

from influence.domain import published_states
from influence.engine import graph_read_queries as q
from influence.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "api.md"
LOADGEN = HERE / "loadgen"
PERSON = """query($id: ID!) { person(id: $id) { score topics { name score }
  neighbours(first: 10) { weight person { id score } } } }"""
LEADERBOARD = "{ leaderboard(first: 20) { edges { node { id score } } } }"
PHASES = {"steady", "overload", "during", "fault"}


@dataclass
class Result:
    op: str
    via: str
    shape: str
    seconds: float
    latencies: list[float]
    shed: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    failed: list[float] = field(default_factory=list)
    timeline: list[list[int]] = field(default_factory=list)
    started_at: float = 0.0

    @classmethod
    def of(cls, op: str, via: str, shape: str, raw: dict[str, Any]) -> Result:
        return cls(op, via, shape, raw["seconds"], raw["served"], raw["shed"], raw["errors"],
                   raw["failed"], raw["timeline"], raw["startedAt"] / 1000)

    def pct(self, p: float, of: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if of is None else of) or [math.nan]
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def row(self) -> str:
        requests = len(self.latencies) + len(self.shed) + sum(self.errors.values())
        errors = ", ".join(f"{n} {kind}" for kind, n in self.errors.items()) or "0"
        shed = (f"{len(self.shed)} (p99 {self.pct(99, self.shed):.1f} ms)" if self.shed
                else "0")
        return (f"| {self.op} | {self.via} | {self.shape} | {requests} | "
                f"{len(self.latencies) / self.seconds:.0f} | {self.pct(50):.1f} | "
                f"{self.pct(99):.1f} | {1000 * max(self.latencies, default=math.nan):.1f} | "
                f"{shed} | {errors} |")


def loadgen(job: dict[str, Any]) -> dict[str, Any]:
    """One phase of load from the Node.js generator (see its header for the job's fields)."""
    if not (LOADGEN / "node_modules").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("bench/api.py needs Node.js and npm (Debian: apt install npm)")
        subprocess.run([npm, "ci", "--silent", "--prefix", str(LOADGEN)], check=True)
    job = {"connections": 64, "timeoutMs": 30_000, "warmup": 0, **job}
    done = subprocess.run(["node", str(LOADGEN / "loadgen.mjs")], input=json.dumps(job),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the load generator failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


async def loadgen_async(job: dict[str, Any]) -> dict[str, Any]:
    return await asyncio.to_thread(loadgen, job)


def bolt_params(value: Any) -> Any:
    """Parameters for the JavaScript driver: integers marked (its numbers are floats)."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return value
    if isinstance(value, int):
        return {"$int": value}
    if isinstance(value, dict):
        return {k: bolt_params(v) for k, v in value.items()}
    return [bolt_params(v) for v in value]


def start_api(port: int, workers: int, cache_entries: int | None,
              stale_s: float) -> subprocess.Popen[bytes]:
    cache = {} if cache_entries is None else {"INFLUENCE_API_CACHE_ENTRIES": str(cache_entries)}
    env = {**os.environ, **cache, "INFLUENCE_API_STALE_S": str(stale_s),
           "INFLUENCE_PUBLISH_POLICY": "not_opted_out",
           "INFLUENCE_RATE_LIMIT_PER_S": "1000000", "INFLUENCE_RATE_LIMIT_BURST": "1000000"}
    return subprocess.Popen(  # the README's serve command, as a user starts it
        [sys.executable, "-m", "influence", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not become ready")


def targets(settings: Settings, port: int) -> dict[str, dict[str, dict[str, Any]]]:
    """For each operation, the GraphQL request bodies and the raw driver's reads."""
    states = published_states("not_opted_out")
    weights = {k.upper(): w for k, w in settings.model.kind_weights.items()}
    board = {"first": 21, "skip": 0, "states": states, "network": None, "topic": None}
    with GraphDatabase.driver(settings.bolt_uri, notifications_min_severity="OFF") as driver:
        rows, _, _ = driver.execute_query(q.LEADERBOARD_PAGE.text, {**board, "first": 200},
                                          database_=settings.neo4j_database)
    ids = [r["id"] for r in rows]
    bolt = {"uri": settings.bolt_uri, "database": settings.neo4j_database,
            "user": settings.neo4j_user,
            "password": settings.neo4j_password.get_secret_value()
            if settings.neo4j_password else None}
    url = f"http://127.0.0.1:{port}/graphql"

    def reads(*steps: tuple[Any, dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"text": query.text, "params": bolt_params(params)} for query, params in steps]

    return {
        "person": {
            "graphql": {"http": {"url": url, "bodies": [
                json.dumps({"query": PERSON, "variables": {"id": i}}) for i in ids]}},
            "raw driver": {"bolt": {**bolt, "requests": [reads(
                (q.PEOPLE_BY_IDS, {"ids": [i]}),
                (q.TOPICS_BY_PEOPLE, {"ids": [i], "first": 5}),
                (q.NEIGHBOURS_BOTH, {"ids": [i], "first": 10, "types": None,
                                     "weights": weights})) for i in ids]}}},
        "leaderboard(first: 20)": {
            "graphql": {"http": {"url": url, "bodies": [json.dumps({"query": LEADERBOARD})]}},
            "raw driver": {"bolt": {**bolt, "requests": [reads((q.LEADERBOARD_PAGE, board))]}}},
    }


def run(args: argparse.Namespace, settings: Settings) -> tuple[list[Result], list[str]]:
    ops = targets(settings, args.port)
    base = f"http://127.0.0.1:{args.port}"
    proc = start_api(args.port, args.workers, args.cache_entries, args.stale_s)
    results: list[Result] = []
    notes: list[str] = []

    def phase(op: str, via: str, shape: str, **job: Any) -> Result:
        results.append(Result.of(op, via, shape, loadgen({**ops[op][via], **job})))
        print(results[-1].row(), flush=True)
        return results[-1]

    try:
        wait_ready(base)
        for op, vias in (ops if "steady" in args.phases else {}).items():
            for via in vias:
                # every distinct request several times per worker process (each has its
                # own cache and its own connections)
                phase(op, via, f"open {args.rate:.0f}/s", mode="open", rate=args.rate,
                      seconds=args.seconds,
                      warmup=_distinct(ops[op][via]) * 8 * args.workers + 50)
                phase(op, via, f"closed x{args.concurrency}", mode="closed",
                      connections=args.concurrency, seconds=args.seconds)
        if args.overload and "overload" in args.phases:
            # Overload, then the normal rate again: is the excess shed at once, do served
            # requests keep their latency, and is the API back to normal right after?
            for rate, label in ((args.overload, "overload"), (args.rate, "after")):
                phase("person", "graphql", f"{label} {rate:.0f}/s", mode="open", rate=rate,
                      seconds=args.seconds / 2, connections=256)
            results[-1].shape += f" (API RSS {api_rss(proc.pid):.0f} MB)"
        for command in args.during if "during" in args.phases else []:
            # Each run finishing moves the read generation: the cache is dropped and reads
            # go to the database again.
            for op in ops:
                finished, result = asyncio.run(_during(command, ops[op]["graphql"], args))
                result.op = op
                results.append(result)
                print(results[-1].row(), flush=True)
            results[-1].shape += f" ({finished} runs finished)"
        if args.fault and "fault" in args.phases:
            notes += fault(ops["person"]["graphql"], args, base, results)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return results, notes


def _distinct(target: dict[str, Any]) -> int:
    """How many different requests a load target cycles through."""
    return len(target["http"]["bodies"] if "http" in target else target["bolt"]["requests"])


async def _during(command: str, target: dict[str, Any],
                  args: argparse.Namespace) -> tuple[int, Result]:
    # warm first (every answer cached in every worker), as between two recomputes
    await loadgen_async({**target, "mode": "closed", "seconds": 0,
                         "warmup": _distinct(target) * 8 * args.workers})
    stop = asyncio.Event()
    runs = asyncio.create_task(_repeat(command, stop))
    raw = await loadgen_async({**target, "mode": "open", "rate": args.rate,
                               "seconds": args.seconds})
    stop.set()
    return await runs, Result.of("", "graphql", f"open {args.rate:.0f}/s during `{command}`",
                                 raw)


async def _repeat(command: str, stop: asyncio.Event) -> int:
    """Run a shell command again and again until ``stop``; how many runs succeeded."""
    done = 0
    while not stop.is_set():
        proc = await asyncio.create_subprocess_shell(command, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL)
        done += await proc.wait() == 0
    return done


def fault(target: dict[str, Any], args: argparse.Namespace, base: str,
          results: list[Result]) -> list[str]:
    """The database stopped and started again under the normal rate of person views."""
    seconds = max(args.seconds, 60.0)  # a server starting under load can take 20 s
    events: dict[str, float] = {}
    ready: list[tuple[float, int]] = []

    async def outage() -> None:
        await asyncio.sleep(5)
        events["stop"] = time.time()
        await _cli("db", "stop")
        events["stopped"] = time.time()
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(10):  # readiness while the database is down
                ready.append((time.time(), (await client.get(f"{base}/health/ready"))
                              .status_code))
                await asyncio.sleep(0.2)
        events["start"] = time.time()
        await _cli("db", "start")
        events["up"] = time.time()

    async def both() -> dict[str, Any]:
        load = asyncio.create_task(loadgen_async({**target, "mode": "open", "rate": args.rate,
                                                  "seconds": seconds, "timeoutMs": 10_000}))
        await outage()
        return await load

    result = Result.of("person", "graphql", f"open {args.rate:.0f}/s, database stopped and "
                       "started", asyncio.run(both()))
    results.append(result)
    print(result.row(), flush=True)
    t0 = result.started_at
    up = events["up"] - t0
    # Full service: from the first second after the database is back in which every answer
    # was served, and every second after it too.
    full = next((s for s in range(len(result.timeline))
                 if s + 1 >= up and all(row[1] == row[2] == 0 for row in result.timeline[s:])),
                None)
    lines = [
        f"Fault phase (person view, {args.rate:.0f}/s for {seconds:.0f} s, seconds from the "
        f"load's start): `influence db stop` at {events['stop'] - t0:.1f} s (returned at "
        f"{events['stopped'] - t0:.1f} s), `influence db start` at "
        f"{events['start'] - t0:.1f} s (ready at {up:.1f} s).",
        f"- answers other than served: {result.errors or 'none'} (slowest "
        f"{1000 * max(result.failed, default=0):.0f} ms; shed: {len(result.shed)}); readiness "
        f"while down: {sorted({code for _, code in ready})}",
        "- full service from second "
        + (f"{full} on, {max(0.0, full - up):.1f} s after the database was ready"
           if full is not None else "never (not back before the load ended)"),
        "- per second (served, shed, errors): "
        + " ".join(f"{i}:{ok}/{sh}/{err}" for i, (ok, sh, err) in enumerate(result.timeline)),
    ]
    for line in lines:
        print(line, flush=True)
    return lines


async def _cli(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "influence", *argv, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    if await proc.wait() != 0:
        raise SystemExit(f"`influence {' '.join(argv)}` failed")


def api_rss(pid: int) -> float:
    """Resident memory of the API process and its children (uvicorn workers), MB."""
    import psutil

    parent = psutil.Process(pid)
    return sum(p.memory_info().rss for p in (parent, *parent.children(recursive=True))) / 2**20


def report(results: list[Result], notes: list[str], args: argparse.Namespace,
           load: tuple[float, ...], after: tuple[float, ...]) -> str:
    head = ("| operation | via | load | requests | served/s | p50 ms | p99 ms | max ms | "
            "shed (503/429 + Retry-After) | errors |\n"
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    ratios = []
    for op in dict.fromkeys(r.op for r in results):
        for shape in dict.fromkeys(r.shape for r in results):
            g = [r for r in results if (r.op, r.via, r.shape) == (op, "graphql", shape)]
            d = [r for r in results if (r.op, r.via, r.shape) == (op, "raw driver", shape)]
            if g and d and g[0].latencies and d[0].latencies:
                speed = (len(g[0].latencies) / g[0].seconds) / (len(d[0].latencies)
                                                                / d[0].seconds)
                ratios.append(f"- {op}, {shape}: p50 x{g[0].pct(50) / d[0].pct(50):.2f}, "
                              f"p99 x{g[0].pct(99) / d[0].pct(99):.2f}, throughput "
                              f"x{speed:.2f}")
    options = [f"--rate {args.rate:.0f}", f"--seconds {args.seconds:.0f}",
               f"--concurrency {args.concurrency}", f"--workers {args.workers}",
               f"--overload {args.overload:.0f}"]
    if args.cache_entries is not None:
        options.append(f"--cache-entries {args.cache_entries}")
    if args.stale_s:
        options.append(f"--stale-s {args.stale_s:g}")
    options += [f"--during '{c}'" for c in args.during]
    if args.fault:
        options.append("--fault")
    if args.phases != PHASES:
        options.append(f"--phases {','.join(sorted(args.phases))}")
    command = " ".join(["bench/api.py", *options])
    stale = f" with INFLUENCE_API_STALE_S={args.stale_s:g}" if args.stale_s else ""
    return "\n".join([
        f"## API benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        f"`{command}` on {platform.node()} ({os.cpu_count()} cores); Stack Exchange beer dump "
        "(3,948 accounts), publish policy not_opted_out, `influence serve --workers "
        f"{args.workers}`{stale}; load from bench/loadgen (Node.js), client and Neo4j on the "
        "same "
        f"machine. Load average before: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, "
        f"after: {after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f}.", "",
        head, *(r.row() for r in results), "",
        "GraphQL over the raw driver (same Cypher, same data, same client; the raw driver runs "
        "the three person queries at once):", "", *ratios, "", *notes, "",
        "Goals: p99 <= 25 ms at 200 req/s (open loop rows), GraphQL p99 <= 2x the raw "
        "driver's; at the overload rate the excess shed at once (within 50 ms), served p99 <= "
        "100 ms, and p99 back to the goal right after; reads during a write job p99 <= 50 ms; "
        "database down: SERVICE_UNAVAILABLE only, readiness 503, full service <= 5 s after "
        "the database is back. Latencies count from each request's scheduled send time; p50, "
        "p99 and max are of served answers. The person view asks for the top 200 people in "
        "turn, so after the warm-up its answers come from the response cache (docs/API.md), "
        "as they do between two recomputes.", "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop arrival rate /s")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8796)
    parser.add_argument("--cache-entries", type=int, default=None,
                        help="the API's response cache size (0: no cache; default: the "
                             "setting's)")
    parser.add_argument("--overload", type=float, default=1000.0,
                        help="offered rate of the overload phase (0: none)")
    parser.add_argument("--during", action="append", default=[], metavar="COMMAND",
                        help="also measure reads while this shell command runs again and "
                             "again (repeatable), e.g. 'influence score --asof 2016-12-10'")
    parser.add_argument("--fault", action="store_true",
                        help="stop and start the local database under load (the project's "
                             "own server only)")
    parser.add_argument("--stale-s", type=float, default=0.0,
                        help="INFLUENCE_API_STALE_S of the API (0: off, the default)")
    parser.add_argument("--phases", type=lambda text: set(text.split(",")),
                        default=PHASES,
                        help="which phases run (comma-separated; default all asked for): "
                             "steady, overload, during, fault")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    settings = Settings()
    if args.fault and not settings.uses_local_server:
        raise SystemExit("--fault stops the project's own local server; INFLUENCE_NEO4J_URI "
                         "points elsewhere")
    load = os.getloadavg()
    results, notes = run(args, settings)
    text = report(results, notes, args, load, os.getloadavg())
    with args.out.open("a", encoding="utf-8") as fh:  # earlier runs stay
        fh.write("\n" + text)
    print(text)


if __name__ == "__main__":
    main()
