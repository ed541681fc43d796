"""People search by name on 1M people (issue 19): ours beside the bare Neo4j ways, same run.

An empty scratch server of the benchmark's own gets ``--people`` generated people, each with
one account whose display name is a generated first name and surname (some with accents),
and a score; the schema's migrations create the name index. Then, for each kind of search
text, ``--repeat`` searches with random picks, timed one by one:

* **ours**: ``graph_reads.search_people`` (one page of 20, exact ids first, then every typed
  word as a word or word prefix of a name, most influential first, published people only),
  as the API runs it;
* **anchor**: the bare fulltext call a Neo4j developer would write for the same page
  (``db.index.fulltext.queryNodes`` with the same Lucene query, owner, ``ORDER BY score DESC
  LIMIT 20``), through the raw driver;
* **scan**: the search before the index (``toLower(p.id) CONTAINS $q`` over every person),
  for the name of what the index replaced.

Usage (nothing else running on the machine):

    .venv/bin/python bench/search.py                  # 1,000,000 people, 200 searches each

Results are printed and appended to ``bench/results/search.md``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import RESULTS, empty_database, scratch_settings
from neo4j import GraphDatabase

from influence import localdb, schema
from influence.engine import graph_reads
from influence.store import Query, Store

FIRST = ("Maria", "José", "Anna", "Jonas", "Zoë", "Håkan", "Chloé", "Ángel", "Mikołaj", "Amélie",
         "Noah", "Liam", "Olivia", "Emma", "Lucas", "Mia", "Léa", "Björn", "Søren", "Renée",
         "George", "Geoff", "Sara", "Yusuf", "Aiko", "Ravi", "Ines", "Tomás", "Nadia", "Omar")
SURNAMES = ("Nuñez", "Müller", "Dalgas", "García", "Kowalski", "Łukasz", "Østergaard", "Smith",
            "Jones", "Brown", "Dubois", "Rossi", "Novák", "Fernández", "Jørgensen", "Schäfer",
            "Silva", "Kim", "Singh", "Tanaka", "O'Brien", "Van der Berg", "López", "Ivanova")
CREATE = Query(
    "bench_search_create",
    """
    UNWIND $rows AS row
    CREATE (p:Person {id: row.id, consent: 'unknown', score: row.score})
    CREATE (a:Account {key: row.id, network: 'bench', id: row.account,
                       display_name: row.name})
    CREATE (p)-[:HAS_ACCOUNT]->(a)
    """,
)
ANCHOR = """
    CALL db.index.fulltext.queryNodes('person_names', $words) YIELD node
    MATCH (p:Person)-[:HAS_ACCOUNT]->(node)
    RETURN p.id AS id, p.score AS score ORDER BY score DESC LIMIT 20
"""
SCAN = """
    MATCH (p:Person) WHERE toLower(p.id) CONTAINS $q
    RETURN p.id AS id, p.score AS score ORDER BY score DESC LIMIT 20
"""


def name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}{rng.randrange(100) or ''}"


def fill(store: Store, people: int, seed: int) -> None:
    rng = random.Random(seed)
    batch = 50_000
    for start in range(0, people, batch):
        rows = [{"id": f"bench:{i}", "account": str(i), "name": name(rng),
                 "score": round(1 + 99 * rng.random() ** 3, 2)}
                for i in range(start, min(start + batch, people))]
        store.auto_commit(CREATE, rows=rows)


def texts(kind: str, rng: random.Random, people: int) -> str:
    if kind == "id":
        return f"bench:{rng.randrange(people)}"
    if kind == "full name":
        return f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
    if kind == "prefix (3 letters)":
        return rng.choice(SURNAMES)[:3].lower()
    return rng.choice(FIRST).lower()  # one whole word, many matches


def timings(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    out = []
    for text in queries:
        clock = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - clock) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--port", type=int, default=7795)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-search")
    parser.add_argument("--out", type=Path, default=RESULTS / "search.md")
    args = parser.parse_args()
    settings = scratch_settings(args.work, args.port)
    empty_database(settings)
    localdb.start(settings, progress=print)
    rows = []
    load_before = os.getloadavg()
    try:
        with Store(settings) as store, GraphDatabase.driver(settings.bolt_uri) as raw:
            schema.migrate(store)
            clock = time.perf_counter()
            fill(store, args.people, seed=7)
            store.auto_commit(Query("bench_search_await", "CALL db.awaitIndexes(600)"))
            filled = time.perf_counter() - clock
            print(f"{args.people:,} people with names in {filled:.1f} s", flush=True)

            def ours(text: str) -> object:
                return graph_reads.search_people(store, text, 20, 0, "not_opted_out")

            def anchor(text: str) -> object:
                words = graph_reads.name_query(text)
                return raw.execute_query(ANCHOR, words=words, database_=settings.neo4j_database)

            def scan(text: str) -> object:
                return raw.execute_query(SCAN, q=text.lower(), database_=settings.neo4j_database)

            rng = random.Random(11)
            for kind in ("id", "full name", "prefix (3 letters)", "first name"):
                queries = [texts(kind, rng, args.people) for _ in range(args.repeat)]
                found = len(ours(queries[0]))  # type: ignore[arg-type]
                timings(ours, queries[:10])  # warm the plan caches
                mine = timings(ours, queries)
                bare = timings(anchor, queries) if kind != "id" else None
                before = timings(scan, queries[:5])
                rows.append(f"| {kind} | `{queries[0]}` ({found} shown) | "
                            f"{statistics.median(mine):.1f} / {pct(mine, 0.99):.1f} ms | "
                            + (f"{statistics.median(bare):.1f} / {pct(bare, 0.99):.1f} ms | "
                               f"{statistics.median(mine) / statistics.median(bare):.2f}x |"
                               if bare else "(index lookup) | |")
                            + f" {statistics.median(before):,.0f} ms |")
                print(rows[-1], flush=True)
    finally:
        localdb.stop(settings)
    load_after = os.getloadavg()
    text = "\n".join([
        f"## People search on {args.people:,} people "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        f"Load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{args.repeat} searches per kind (median / p99), one at a time, page of 20; "
        f"filling the people and the index: {filled:.0f} s.", "",
        "| search | example | ours (`search_people`) | bare fulltext + ORDER BY (anchor) "
        "| ours / anchor | before: id CONTAINS scan (median of 5) |",
        "|---|---|---|---|---|---|", *rows, ""])
    print(text)
    with args.out.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)


if __name__ == "__main__":
    main()
