"""Loader throughput beside its anchors, in the same run, on the same rows (issue 16).

Generates canonical JSON Lines interactions (default: 300,000 first, then 100,000 more; 30,000
accounts, heavy-tailed targets, four kinds, one year), then on a scratch local server of its own:

* **first load** of an empty database, end to end from the file: ``influence load events``
  (parse, validate, convert, ``neo4j-admin database import``, restart, schema ready), beside the
  anchor: the stock ``neo4j-admin database import full`` (``Neo4jAdminCommand``, JVM start
  included) of the same rows as CSV (accounts + one ``R {id, kind, at}`` per interaction),
  then the server start and the account-key constraint, i.e. the bare way to the same
  queryable database;
* **incremental load** of the further rows into the populated database: ``influence load
  events``, beside the raw driver writing one relationship per interaction
  (``UNWIND $rows ... MATCH, MATCH, CREATE (a)-[:R {id, kind, at}]->(b)``, batches of 10,000),
  timed for the writes only (rows already parsed), and from the file (``json.loads`` included).

Each figure is the median of ``--repeat`` runs; the loader's peak RSS (the Python process) and
its children's (the import JVM) are reported, with the load average before and after.

Usage (nothing else running on the machine):

    .venv/bin/python bench/load.py                       # 300k + 100k, 3 repeats
    .venv/bin/python bench/load.py --rows 5000000 --more 0 --accounts 500000 --repeat 1

Results are printed as Markdown and appended to ``bench/results/load.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from influence import localdb
from influence.settings import Settings
from influence.store import Query, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    RESULTS,
    Runs,
    conditions,
    empty_database,
    generated,
    ratio_line,
    run_cli,
    scratch_settings,
)
from common import append as append_results

BATCH = 10_000

ANCHOR_CONSTRAINT = Query(
    "bench_anchor_constraint",
    "CREATE CONSTRAINT bench_account_key IF NOT EXISTS FOR (a:Account) REQUIRE a.key IS UNIQUE")
AWAIT_INDEXES = Query("bench_await_indexes", "CALL db.awaitIndexes(600)")
ANCHOR_CREATE = Query(
    "bench_anchor_create",
    """
    UNWIND $rows AS row
    MATCH (a:Account {key: row.a}) MATCH (b:Account {key: row.b})
    CREATE (a)-[:R {id: row.id, kind: row.kind, at: row.at}]->(b)
    """)
ANCHOR_DELETE = Query(
    "bench_anchor_delete", "MATCH ()-[r:R]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 50000 ROWS")
# After the first load restarted the server its caches are cold: before the incremental loads
# are timed, a read of every account and relationship warms the page cache, and a small load
# of each kind (2,000 interactions through ours, and through the anchor, whose are deleted
# again) warms the plan cache and the JIT, as on a server that has been running.
WARM_UP = Query(
    "bench_warm_up",
    "MATCH (a:Account) OPTIONAL MATCH (a)-[r]->() RETURN count(a.key) + count(r.ev) AS n")
COUNT_R = Query("bench_count_r", "MATCH ()-[r:R]->() RETURN count(r) AS n")
COUNT_EVENTS = Query(
    "bench_count_events",
    "MATCH (:Account)-[r]->(:Account) WHERE r.ev IS NOT NULL RETURN sum(size(r.ev)) AS n")

def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as fh:
        for line in fh:
            r = json.loads(line)
            yield {"a": f"bench:{r['actor']}", "b": f"bench:{r['target']}", "id": r["id"],
                   "kind": r["kind"], "at": r["at"]}


def anchor_csv(source: Path, folder: Path) -> tuple[Path, Path]:
    """The anchor's import files: one row per account and one per interaction."""
    accounts: set[str] = set()
    rels = folder / "anchor-rels.csv"
    with rels.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([":START_ID(Account)", ":END_ID(Account)", "id", "kind", "at:long"])
        for row in _rows(source):
            accounts.update((row["a"], row["b"]))
            out.writerow([row["a"], row["b"], row["id"], row["kind"], row["at"]])
    nodes = folder / "anchor-accounts.csv"
    with nodes.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["key:ID(Account)", ":LABEL"])
        out.writerows([key, "Account"] for key in sorted(accounts))
    return nodes, rels


def anchor_first(settings: Settings, nodes: Path, rels: Path) -> dict[str, float]:
    """Stock ``neo4j-admin database import full``, server start, constraint online."""
    empty_database(settings)
    dist = localdb.provision(settings)
    java = localdb.find_java(settings)
    env = {**os.environ, "NEO4J_HOME": str(settings.data_dir),
           "NEO4J_CONF": str(settings.data_dir / "conf")}
    cmd = [str(java), "-cp", f"{dist.lib}/*", "org.neo4j.server.startup.Neo4jAdminCommand",
           "database", "import", "full", f"--nodes={nodes}", f"--relationships=R={rels}",
           "--overwrite-destination=true", settings.neo4j_database]
    clock = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    imported = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"anchor import failed:\n{(done.stdout + done.stderr)[-3000:]}")
    localdb.start(settings)
    started = time.perf_counter() - clock
    with Store(settings) as store:
        store.auto_commit(ANCHOR_CONSTRAINT)
        store.auto_commit(AWAIT_INDEXES)
    total = time.perf_counter() - clock
    return {"import_s": imported, "start_s": started - imported,
            "constraint_s": total - started, "total_s": total}


def ours_first(settings: Settings, source: Path) -> dict[str, float]:
    """``influence load events`` into an empty database on a running server."""
    empty_database(settings)
    localdb.start(settings)
    return run_cli(settings, "load", "events", str(source), "--no-progress")


def anchor_incremental(settings: Settings, source: Path) -> dict[str, float]:
    """Raw driver CREATE, one relationship per interaction, batches of 10k."""
    clock = time.perf_counter()
    rows = list(_rows(source))
    parsed = time.perf_counter() - clock
    with Store(settings) as store:
        clock = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            store.write(ANCHOR_CREATE, rows=rows[i:i + BATCH])
        writes = time.perf_counter() - clock
        created = int(store.read(COUNT_R)[0]["n"])
        store.auto_commit(ANCHOR_DELETE)
    if created != len(rows):
        raise SystemExit(f"anchor created {created} of {len(rows)} relationships")
    return {"writes_s": writes, "total_s": parsed + writes}


def ours_incremental(settings: Settings, source: Path) -> dict[str, float]:
    """``influence load events`` of the further rows into the populated database."""
    return run_cli(settings, "load", "events", str(source), "--no-progress")


def report(runs: Runs, rows: int, more: int, accounts: int, repeat: int, events: int,
           load_before: tuple[float, ...], settings: Settings) -> str:
    """The Markdown of one benchmark run."""
    out = [f"## {rows:,} first + {more:,} incremental interactions, {accounts:,} accounts "
           f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
           conditions(load_before, settings, repeat), "",
           "| work | anchor (same run, same rows) | ours (`influence load events`) | ratio |",
           "|---|---|---|---|",
           ratio_line("first load, empty database, end to end",
                      "neo4j-admin import + start + constraint", runs.median("anchor_first"),
                      runs.median("ours_first"), rows)]
    if more:
        out.append(ratio_line("incremental load, populated database",
                              "raw driver CREATE (writes)",
                              runs.median("anchor_incremental", "writes_s"),
                              runs.median("ours_incremental"), more))
        out.append(ratio_line("(same, from the file)", "raw driver CREATE (json.loads + writes)",
                              runs.median("anchor_incremental"), runs.median("ours_incremental"),
                              more))
    a = runs.values["anchor_first"]
    rss = (f"Loader peak RSS: first load {runs.peak('ours_first', 'loader_rss_mb'):.0f} MB "
           f"(import JVM {runs.peak('ours_first', 'children_rss_mb'):.0f} MB)")
    if more:
        rss += f", incremental {runs.peak('ours_incremental', 'loader_rss_mb'):.0f} MB"
    out += ["", "Anchor first load, parts (median s): import "
            f"{statistics.median(m['import_s'] for m in a):.1f}, server start "
            f"{statistics.median(m['start_s'] for m in a):.1f}, constraint "
            f"{statistics.median(m['constraint_s'] for m in a):.1f}.",
            f"{rss}. Events in the database after the last run: {events:,}"
            + (" (with the 2,000 of the warm-up)." if more else "."), ""]
    return "\n".join(out)


def main() -> None:
    """Generate the files, run anchor and ours alternately, print and append the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000, help="first-load interactions")
    parser.add_argument("--more", type=int, default=100_000, help="incremental interactions")
    parser.add_argument("--accounts", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=7795, help="the scratch server's Bolt port")
    parser.add_argument("--heap", default="2g", help="the scratch server's heap")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-load")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    first = generated(args.work, args.rows, args.accounts, seed=7)
    more = generated(args.work, args.more, args.accounts, seed=8, offset=args.rows) \
        if args.more else None
    warm = generated(args.work, 2000, args.accounts, seed=9, offset=args.rows + args.more)
    nodes, rels = anchor_csv(first, args.work)
    settings = scratch_settings(args.work, args.port, heap_size=args.heap)
    localdb.start(settings, progress=print)  # provisions the scratch server and writes its conf
    load_before = os.getloadavg()
    runs = Runs()
    try:
        for i in range(args.repeat):
            print(f"run {i + 1}/{args.repeat}", flush=True)
            runs.add("anchor_first", anchor_first(settings, nodes, rels))
            runs.add("ours_first", ours_first(settings, first))
            if more is not None:
                with Store(settings) as store:
                    store.read(WARM_UP)
                ours_incremental(settings, warm)
                anchor_incremental(settings, warm)
                steps = [("ours_incremental", ours_incremental),
                         ("anchor_incremental", anchor_incremental)]
                for step, measure in steps if i % 2 == 0 else steps[::-1]:
                    runs.add(step, measure(settings, more))
        with Store(settings) as store:
            events = int(store.read(COUNT_EVENTS)[0]["n"] or 0)
    finally:
        localdb.stop(settings)
    append_results(args.out, report(runs, args.rows, args.more, args.accounts, args.repeat,
                                    events, load_before, settings))


if __name__ == "__main__":
    main()
