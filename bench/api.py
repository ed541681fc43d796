"""API latency and throughput on loopback, with the raw Neo4j driver as the baseline.

Starts the API (uvicorn, in a subprocess) over an already loaded and scored database, then
for two operations runs, in the same process and against the same data:

* ``person``: ``person(id) { score topics { name score }
  neighbours(first: 10) { weight person { id score } } }``
* ``leaderboard``: ``leaderboard(first: 20) { edges { node { id score } } }``

each through GraphQL over HTTP and through the async Neo4j driver running the same Cypher
(the API's own queries: 3 for ``person``, 1 for ``leaderboard``). Two load shapes:

* open loop at a fixed arrival rate (default 200 req/s): latency is measured from the
  scheduled send time, so a slow server is not hidden by the client waiting for it;
* closed loop with N concurrent clients: the throughput ceiling.

The client, the server and Neo4j share the machine's cores; the load average is recorded.

Usage (database on INFLUENCE_DB_PORT, loaded with `influence load stackexchange` + `influence
score` + `influence topics compute`):

    INFLUENCE_DB_PORT=7796 .venv/bin/python bench/api.py --rate 200 --seconds 20

Results are printed and appended to bench/results/api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from neo4j import AsyncGraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

from influence.domain import published_states
from influence.engine import graph_read_queries as q
from influence.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "api.md"
PERSON = """query($id: ID!) { person(id: $id) { score topics { name score }
  neighbours(first: 10) { weight person { id score } } } }"""
LEADERBOARD = "{ leaderboard(first: 20) { edges { node { id score } } } }"


@dataclass
class Result:
    op: str
    via: str
    shape: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    shed: list[float] | None = None

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies) or [math.nan]
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def row(self) -> str:
        shed = self.shed or []
        slowest_shed = f"{1000 * max(shed):.1f}" if shed else "-"
        return (f"| {self.op} | {self.via} | {self.shape} | {self.requests + len(shed)} | "
                f"{self.requests / self.seconds:.0f} | {self.pct(50):.1f} | {self.pct(99):.1f} | "
                f"{1000 * max(self.latencies, default=math.nan):.1f} | {len(shed)} | "
                f"{slowest_shed} | {self.errors} |")


SHED = "shed"
"""What a call returns for an answer the API shed (503 or 429 with Retry-After)."""


async def open_loop(call: Callable[[int], Awaitable[bool | str]], rate: float,
                    seconds: float) -> tuple[int, float, list[float], list[float]]:
    """Send at a fixed rate; latency counts from each request's scheduled time. Returns the
    errors, the seconds, the latencies of served requests and those of shed ones."""
    total = int(rate * seconds)
    latencies: list[float] = []
    shed: list[float] = []
    errors = 0
    start = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal errors
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        ok = await call(i)
        (shed if ok == SHED else latencies).append(time.perf_counter() - scheduled)
        errors += ok is False

    await asyncio.gather(*(one(i) for i in range(total)))
    return errors, time.perf_counter() - start, latencies, shed


async def closed_loop(call: Callable[[int], Awaitable[bool | str]], workers: int,
                      seconds: float) -> tuple[int, float, list[float]]:
    """``workers`` clients, each sending its next request when the last one returns."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            ok = await call(next(counter))
            latencies.append(time.perf_counter() - t0)
            errors += ok is not True

    await asyncio.gather(*(worker() for _ in range(workers)))
    return errors, time.perf_counter() - start, latencies


def start_api(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INFLUENCE_PUBLISH_POLICY": "not_opted_out",
           "INFLUENCE_RATE_LIMIT_PER_S": "1000000", "INFLUENCE_RATE_LIMIT_BURST": "1000000"}
    return subprocess.Popen(  # the README's serve command, as a user starts it
        [sys.executable, "-m", "influence", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the API did not become ready")


async def run(args: argparse.Namespace) -> list[Result]:
    settings = Settings()
    states = published_states("not_opted_out")
    weights = settings.model.kind_weights
    driver = AsyncGraphDatabase.driver(settings.bolt_uri, max_connection_pool_size=100)
    async with driver.session(database=settings.neo4j_database) as s:
        rows = await (await s.run(q.LEADERBOARD_PAGE.text, first=200, skip=0, states=states,
                                  network=None, topic=None)).data()
    ids = [r["id"] for r in rows]
    proc = start_api(args.port, args.workers)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    results: list[Result] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", limits=limits,
                                     timeout=30) as client:
            await wait_ready(client)

            async def gql(query: str, variables: dict[str, Any]) -> bool | str:
                try:
                    r = await client.post("/graphql",
                                          json={"query": query, "variables": variables})
                except httpx.TransportError:
                    return False
                if r.status_code in (429, 503) and "retry-after" in r.headers:
                    return SHED
                return r.status_code == 200 and "errors" not in r.json()

            async def cypher(query: Any, **params: Any) -> list[dict[str, Any]]:
                async with driver.session(database=settings.neo4j_database) as s:
                    return await s.execute_read(
                        lambda tx: _data(tx, query.text, params))

            async def raw_person(i: int) -> bool:
                pid = [ids[i % len(ids)]]
                try:
                    return await _raw_person(pid)
                except (Neo4jError, DriverError):  # e.g. no pooled connection in 60 s
                    return False

            async def _raw_person(pid: list[str]) -> bool:
                found = await asyncio.gather(
                    cypher(q.PEOPLE_BY_IDS, ids=pid),
                    cypher(q.TOPICS_BY_PEOPLE, ids=pid, first=5),
                    cypher(q.NEIGHBOURS_BOTH, ids=pid, first=10, types=None,
                           weights={k.upper(): w for k, w in weights.items()}))
                return bool(found[0])

            async def raw_board(_: int) -> bool:
                return len(await cypher(q.LEADERBOARD_PAGE, first=21, skip=0, states=states,
                                        network=None, topic=None)) == 21

            ops: dict[str, dict[str, Callable[[int], Awaitable[bool | str]]]] = {
                "person": {"graphql": lambda i: gql(PERSON, {"id": ids[i % len(ids)]}),
                           "raw driver": raw_person},
                "leaderboard(first: 20)": {"graphql": lambda _: gql(LEADERBOARD, {}),
                                           "raw driver": raw_board},
            }
            for op, vias in ops.items():
                for via, call in vias.items():
                    for i in range(50):  # warm-up: plans cached, pools filled
                        await call(i)
                    errors, secs, lat, shed = await open_loop(call, args.rate, args.seconds)
                    results.append(Result(op, via, f"open {args.rate:.0f}/s", len(lat), errors,
                                          secs, lat, shed))
                    print(results[-1].row(), flush=True)
                    errors, secs, lat = await closed_loop(call, args.concurrency, args.seconds)
                    results.append(Result(op, via, f"closed x{args.concurrency}", len(lat),
                                          errors, secs, lat))
                    print(results[-1].row(), flush=True)
            if args.overload:
                # Overload, then the normal rate again: is the excess shed at once, do served
                # requests keep their latency, and is the API back to normal right after?
                person = ops["person"]["graphql"]
                for rate, label in ((args.overload, "overload"), (args.rate, "after")):
                    errors, secs, lat, shed = await open_loop(person, rate, args.seconds / 2)
                    results.append(Result("person", "graphql", f"{label} {rate:.0f}/s",
                                          len(lat), errors, secs, lat, shed))
                    print(results[-1].row(), flush=True)
                results[-1].shape += f" (API RSS {api_rss(proc.pid):.0f} MB)"
            for command in args.during:
                # Reads while a write job runs over and over (a recompute, a reload, an
                # erasure): each one finishing changes the read generation, so the cache
                # is dropped and reads go to the database again.
                stop = asyncio.Event()
                runs = asyncio.create_task(_repeat(command, stop))
                for op in ops:
                    errors, secs, lat, shed = await open_loop(ops[op]["graphql"], args.rate,
                                                              args.seconds)
                    results.append(Result(op, "graphql", f"open {args.rate:.0f}/s during "
                                          f"`{command}`", len(lat), errors, secs, lat, shed))
                    print(results[-1].row(), flush=True)
                stop.set()
                finished = await runs
                results[-1].shape += f" ({finished} runs finished)"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        await driver.close()
    return results


async def _repeat(command: str, stop: asyncio.Event) -> int:
    """Run a shell command again and again until ``stop``; how many runs succeeded."""
    done = 0
    while not stop.is_set():
        proc = await asyncio.create_subprocess_shell(command, stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL)
        done += await proc.wait() == 0
    return done


async def _data(tx: Any, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = await tx.run(text, params)
    return await result.data()  # type: ignore[no-any-return]


def api_rss(pid: int) -> float:
    """Resident memory of the API process and its children (uvicorn workers), MB."""
    import psutil

    parent = psutil.Process(pid)
    return sum(p.memory_info().rss for p in (parent, *parent.children(recursive=True))) / 2**20


def report(results: list[Result], args: argparse.Namespace, load: tuple[float, ...]) -> str:
    head = ("| operation | via | load | requests | served/s | p50 ms | p99 ms | max ms | shed "
            "| slowest shed ms | errors |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for op in dict.fromkeys(r.op for r in results):
        for shape in dict.fromkeys(r.shape for r in results):
            g = [r for r in results if (r.op, r.via, r.shape) == (op, "graphql", shape)]
            d = [r for r in results if (r.op, r.via, r.shape) == (op, "raw driver", shape)]
            if g and d and g[0].latencies and d[0].latencies:
                speed = (g[0].requests / g[0].seconds) / (d[0].requests / d[0].seconds)
                ratios.append(f"- {op}, {shape}: p50 x{g[0].pct(50) / d[0].pct(50):.1f}, "
                              f"p99 x{g[0].pct(99) / d[0].pct(99):.1f}, throughput "
                              f"x{speed:.2f}")
    return "\n".join([
        f"## API benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        f"`bench/api.py --rate {args.rate:.0f} --seconds {args.seconds:.0f} "
        f"--concurrency {args.concurrency} --workers {args.workers} --overload "
        f"{args.overload:.0f}` on "
        f"{platform.node()} ({os.cpu_count()} cores), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Stack Exchange beer dump "
        "(3,948 accounts), publish policy not_opted_out, uvicorn + the API in a subprocess, "
        "client and Neo4j on the same machine. "
        f"Load average before the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.", "",
        head, *(r.row() for r in results), "",
        "GraphQL over the raw driver (same Cypher, same data; the raw driver runs the three "
        "person queries concurrently):", "", *ratios, "",
        "Goals: p99 <= 25 ms at 200 req/s (open loop rows); at the overload rate the excess "
        "shed at once, served p99 <= 100 ms, and p99 back to the goal at the normal rate right "
        "after. Latencies count from each request's scheduled send time; the person view asks "
        "for the top 200 people in turn, so after the warm-up its answers are cached (the "
        "response cache, docs/API.md), as they are between two recomputes.", "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8796)
    parser.add_argument("--overload", type=float, default=1000.0,
                        help="offered rate of the overload phase (0: none)")
    parser.add_argument("--during", action="append", default=[], metavar="COMMAND",
                        help="also measure reads while this shell command runs again and "
                             "again (repeatable), e.g. 'influence score --asof 2016-12-10'")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load = os.getloadavg()
    results = asyncio.run(run(args))
    text = report(results, args, load)
    with args.out.open("a", encoding="utf-8") as fh:  # earlier runs stay
        fh.write("\n" + text)
    print(text)


if __name__ == "__main__":
    main()
