"""Cost of topic scores and communities: the Stack Exchange slice and a generated graph.

Usage (on a server you may wipe, e.g. a manual one on your own port):

    INFLUENCE_DB_PORT=7794 INFLUENCE_DATA_DIR=/tmp/topics-db \\
        .venv/bin/python bench/topics.py --wipe [--interactions 1000000 --topics 1000]

Steps, each timed: load (not part of the daily cost), topic scores, topic communities,
people communities. The generated graph: ``--people`` people with one account each,
``--posts`` posts by Zipf-distributed authors, each post tagged with 1-3 topics drawn mostly
from one of ``--topics / 20`` themes (so topic communities exist to be found), and
``--interactions`` engagements on random posts (Zipf), kinds drawn from the model's kinds,
times spread over the last year. Seeded: the same arguments give the same graph.
Results are appended as a Markdown table to bench/results/topics.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from influence.engine.communities import compute_people_communities, compute_topic_communities
from influence.engine.scoring import compute_scores
from influence.engine.topics import compute_topic_scores
from influence.loaders.quarantine import Quarantine
from influence.loaders.stackexchange import StackExchangeAdapter
from influence.loaders.writer import Writer, load
from influence.schema import migrate
from influence.settings import get_settings
from influence.store import Query, Store

SE_DUMP = Path(__file__).resolve().parents[2] / "shared" / "data" / "stackexchange-beer"
RESULTS = Path(__file__).resolve().parent / "results" / "topics.md"
SE_ASOF = 1481328000
DAY_S = 86_400

WIPE = Query("bench_wipe", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
GEN_PEOPLE = Query("bench_gen_people", """
    UNWIND $ids AS i
    CREATE (p:Person {id: 'bench:' + i, consent: 'unknown'})
    CREATE (p)-[:HAS_ACCOUNT]->(:Account {key: 'bench:' + i, network: 'bench', id: toString(i)})
    """)
GEN_TOPICS = Query("bench_gen_topics", "UNWIND $names AS n CREATE (:Topic {name: n})")
GEN_POSTS = Query("bench_gen_posts", """
    UNWIND $rows AS row
    MATCH (a:Account {key: row.author})
    CREATE (a)-[:POSTED]->(p:Post {key: row.key, network: 'bench', topics: row.topics})
    WITH p, row UNWIND row.topics AS name
    MATCH (t:Topic {name: name})
    CREATE (p)-[:TAGGED]->(t)
    """)
GEN_ENGAGED = Query("bench_gen_engaged", """
    UNWIND $rows AS row
    MATCH (a:Account {key: row.actor}), (b:Account {key: row.target})
    CREATE (a)-[:ENGAGED {id: row.id, kind: row.kind, at: row.at, topics: row.topics,
                          network: 'bench'}]->(b)
    """)


def _timed(label: str, fn, results: list[tuple[str, float, str]]) -> object:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    value = fn()
    seconds = time.monotonic() - started
    results.append((label, seconds, str(value)))
    print(f"{label}: {seconds:.1f}s  {value}", flush=True)
    return value


def generate(store: Store, *, people: int, posts: int, interactions: int, topics: int,
             asof: int, seed: int = 7, batch: int = 20_000) -> dict[str, int]:
    """Write the generated graph (see the module docstring)."""
    rng = np.random.default_rng(seed)
    themes = max(1, topics // 20)
    names = [f"topic-{i:04d}" for i in range(topics)]
    for start in range(0, people, batch):
        store.write(GEN_PEOPLE, ids=list(range(start, min(people, start + batch))))
    store.write(GEN_TOPICS, names=names)
    authors = np.minimum(rng.zipf(1.6, posts) - 1, people - 1)
    theme_of = rng.integers(0, themes, posts)
    post_topics: list[list[str]] = []
    for p in range(posts):
        k = int(rng.integers(1, 4))
        inside = theme_of[p] * (topics // themes) + rng.integers(0, topics // themes, k)
        stray = rng.integers(0, topics, k)
        chosen = np.where(rng.random(k) < 0.85, inside, stray)
        post_topics.append(sorted({names[int(t)] for t in chosen}))
    for start in range(0, posts, batch):
        rows = [{"key": f"bench:p{p}", "author": f"bench:{int(authors[p])}",
                 "topics": post_topics[p]} for p in range(start, min(posts, start + batch))]
        store.write(GEN_POSTS, rows=rows)
    kinds = list(get_settings().model.kind_weights)
    on_post = np.minimum(rng.zipf(1.3, interactions) - 1, posts - 1)
    actors = rng.integers(0, people, interactions)
    kind_of = rng.integers(0, len(kinds), interactions)
    ages = rng.integers(0, 365 * DAY_S, interactions)
    for start in range(0, interactions, batch):
        edges: list[dict[str, object]] = []
        for i in range(start, min(interactions, start + batch)):
            post = int(on_post[i])
            edges.append({"id": f"bench:e{i}", "actor": f"bench:{int(actors[i])}",
                         "target": f"bench:{int(authors[post])}", "kind": kinds[kind_of[i]],
                         "at": asof - int(ages[i]), "topics": post_topics[post]})
        store.write(GEN_ENGAGED, rows=edges)
    return {"people": people, "posts": posts, "interactions": interactions, "topics": topics}


ALL_TOPIC_SCORES = Query("bench_all_topic_scores", """
    MATCH (p:Person)-[s:TOPIC_SCORE]->(t:Topic) RETURN p.id AS person, t.name AS topic,
    s.score AS score""")
ALL_SCORES = Query("bench_all_scores", "MATCH (p:Person) RETURN p.id AS person, p.score AS score")


def _top(people: list[str], ranking: dict[str, float], n: int) -> list[str]:
    return sorted(people, key=lambda p: -ranking.get(p, 1.0))[:n]


def evaluate_se(store: Store) -> dict[str, float]:
    """Topic scores vs "overall score among the topic's posters" against an external proxy.

    Proxy per (user, tag): the vote Score of the user's answers to questions with that tag
    plus 5 per accepted answer. Vote scores are not in the graph (voters are anonymous in the
    dump), so the proxy is mostly independent of the engagement graph. For every tag with at
    least 10 answerers: Spearman correlation of each ranking with the proxy over the tag's
    answerers, and how many of the proxy's top 5 are in the ranking's top 5.
    """
    import xml.etree.ElementTree as ET

    from scipy.stats import spearmanr

    rows = [r.attrib for r in ET.parse(SE_DUMP / "Posts.xml").getroot()]
    questions = {r["Id"]: r for r in rows if r.get("PostTypeId") == "1"}
    accepted = {q.get("AcceptedAnswerId") for q in questions.values()}
    proxy: dict[str, dict[str, float]] = {}
    for r in rows:
        q = questions.get(r.get("ParentId", ""))
        if r.get("PostTypeId") != "2" or q is None or "OwnerUserId" not in r:
            continue
        for tag in q.get("Tags", "").strip("<>").split("><"):
            person = f"stackexchange:{r['OwnerUserId']}"
            gain = int(r["Score"]) + (5 if r["Id"] in accepted else 0)
            proxy.setdefault(tag, {})[person] = proxy.get(tag, {}).get(person, 0.0) + gain
    topic_scores: dict[str, dict[str, float]] = {}
    for row in store.read(ALL_TOPIC_SCORES):
        topic_scores.setdefault(row["topic"], {})[row["person"]] = row["score"]
    overall = {s["person"]: s["score"] or 1.0 for s in store.read(ALL_SCORES)}
    results: dict[str, list[float]] = {"topic_rho": [], "overall_rho": [], "topic_top5": [],
                                       "overall_top5": []}
    for tag, gains in proxy.items():
        if len(gains) < 10:
            continue
        people = sorted(gains)
        truth = [gains[p] for p in people]
        for name, ranking in (("topic", topic_scores.get(tag, {})), ("overall", overall)):
            values = [ranking.get(p, 1.0) for p in people]
            results[f"{name}_rho"].append(float(spearmanr(truth, values).statistic))
            best = set(sorted(people, key=lambda p: -gains[p])[:5])
            mine = set(_top(people, ranking, 5))
            results[f"{name}_top5"].append(len(best & mine))
    summary = {k: float(np.nanmean(v)) for k, v in results.items()}
    summary["tags"] = float(len(results["topic_rho"]))
    return summary


def run(store: Store, label: str, asof: int, results: list[tuple[str, float, str]],
        per_pass: list[int]) -> None:
    params = get_settings().model
    for n in per_pass:
        _timed(f"{label}: topic scores ({n} topics per pass)",
               lambda n=n: compute_topic_scores(store, params, asof=asof,
                                                topics_per_pass=n), results)
    _timed(f"{label}: topic communities", lambda: compute_topic_communities(store), results)
    _timed(f"{label}: people communities",
           lambda: compute_people_communities(store, params, asof=asof), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wipe", action="store_true", help="Consent to wiping the database.")
    parser.add_argument("--skip-se", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=1_000)
    parser.add_argument("--topics-per-pass", type=int, nargs="+", default=[250, 1000],
                        help="Time topic scores with each of these chunk sizes (each pass "
                        "scans the engagements once).")
    args = parser.parse_args()
    if not args.wipe:
        parser.error("this benchmark deletes everything in the database: pass --wipe")
    settings = get_settings()
    results: list[tuple[str, float, str]] = []
    with Store(settings) as store:
        if not args.skip_se:
            store.auto_commit(WIPE)
            migrate(store)
            _timed("se: load", lambda: load(
                StackExchangeAdapter(SE_DUMP), Writer(store, batch_size=2000),
                Quarantine(Path("/tmp/bench-topics-quarantine"), "se")).loaded, results)
            _timed("se: overall score", lambda: compute_scores(store, settings.model,
                                                               asof=SE_ASOF).seconds, results)
            run(store, "se", SE_ASOF, results, args.topics_per_pass)
            _timed("se: topic score vs overall score against answer votes per tag",
                   lambda: evaluate_se(store), results)
        if not args.skip_generated:
            store.auto_commit(WIPE)
            migrate(store)
            asof = SE_ASOF
            label = f"generated {args.interactions:,} interactions / {args.topics:,} topics"
            _timed(f"{label}: load", lambda: generate(
                store, people=args.people, posts=args.posts, interactions=args.interactions,
                topics=args.topics, asof=asof), results)
            run(store, label, asof, results, args.topics_per_pass)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with RESULTS.open("a") as fh:
        fh.write(f"\n## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (server {settings.bolt_uri}, "
                 f"heap setting {settings.heap_size}; load average at the end {load_avg}; "
                 f"peak RSS of this Python process {peak_mb:,.0f} MB)\n\n"
                 "| step | seconds | result |\n|---|---:|---|\n")
        for step, seconds, value in results:
            fh.write(f"| {step} | {seconds:.1f} | {value.replace('|', '/')} |\n")


if __name__ == "__main__":
    main()
