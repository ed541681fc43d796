"""Topic scores and communities beside their anchors, same run, same server and data (issue 17).

A generated graph (default: 50,000 people with one account each, 200,000 posts by Zipf-
distributed authors, each tagged with 1-3 of ``--topics`` topics drawn mostly from one of
``topics / 20`` themes, and 1,000,000 interactions on Zipf-chosen posts, which take the post's
topics) is written as canonical JSON Lines and first-loaded into an empty scratch server. Then,
alternately, each warmed once first:

* topic scores: ours ``compute_topic_scores`` (every person on every topic) beside the anchor
  of the full recompute (decayed Cypher projection + ``gds.pageRank.write``, bench/recompute.py);
* people communities: ours ``compute_people_communities`` beside a bare ``gds.louvain.write``
  on the decayed account projection;
* topic communities: ours ``compute_topic_communities`` beside a bare ``gds.louvain.write`` on
  a Cypher projection of topic co-occurrence on posts.

Usage (nothing else running): ``.venv/bin/python bench/topics.py [--interactions 1000000]``.
Results are appended to ``bench/results/topics.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from influence import localdb
from influence.engine.communities import compute_people_communities, compute_topic_communities
from influence.engine.topics import compute_topic_scores
from influence.settings import Settings
from influence.store import Query, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    KINDS,
    RESULTS,
    START,
    YEAR_S,
    Runs,
    conditions,
    first_load,
    ratio_line,
    scratch_settings,
    timed,
)
from common import append as append_results
from recompute import DROP, EVENTS, decayed_projection
from recompute import anchor as anchor_pagerank

ANCHOR_PEOPLE_LOUVAIN = decayed_projection("bench_anchor_people_projection", undirected=True)
ANCHOR_TOPIC_PROJECT = Query(
    "bench_anchor_topic_project",
    """
    MATCH (t1:Topic)<-[:TAGGED]-(:Post)-[:TAGGED]->(t2:Topic) WHERE elementId(t1) < elementId(t2)
    WITH t1, t2, toFloat(count(*)) AS weight
    WITH gds.graph.project($graph, t1, t2, {relationshipProperties: {weight: weight}},
                           {undirectedRelationshipTypes: ['*']}) AS g
    RETURN g.nodeCount AS nodes
    """)
LOUVAIN_WRITE = Query(
    "bench_anchor_louvain_write",
    """
    CALL gds.louvain.write($graph, {writeProperty: 'bench_community',
                                    relationshipWeightProperty: 'weight'})
    YIELD communityCount RETURN communityCount AS communities
    """)


def generate(path: Path, *, people: int, posts: int, interactions: int, topics: int,
             seed: int = 7) -> None:
    """The generated graph of the module docstring, as canonical JSON Lines."""
    rng = np.random.default_rng(seed)
    themes = max(1, topics // 20)
    names = [f"topic-{i:04d}" for i in range(topics)]
    authors = np.minimum(rng.zipf(1.6, posts) - 1, people - 1)
    theme_of = rng.integers(0, themes, posts)
    on_post = np.minimum(rng.zipf(1.3, interactions) - 1, posts - 1)
    actors = rng.integers(0, people, interactions)
    kind_of = rng.integers(0, len(KINDS), interactions)
    ats = START + rng.integers(0, YEAR_S, interactions)
    with path.open("w") as fh:
        for p in range(posts):
            k = int(rng.integers(1, 4))
            inside = theme_of[p] * (topics // themes) + rng.integers(0, topics // themes, k)
            stray = rng.integers(0, topics, k)
            chosen = np.where(rng.random(k) < 0.85, inside, stray)
            fh.write(json.dumps({"type": "post", "network": "bench", "id": f"p{p}",
                                 "author": f"u{int(authors[p])}", "kind": "post",
                                 "created_at": START,
                                 "topics": sorted({names[int(t)] for t in chosen})},
                                separators=(",", ":")) + "\n")
        for i in range(interactions):
            post = int(on_post[i])
            actor, target = int(actors[i]), int(authors[post])
            if actor == target:
                actor = (actor + 1) % people
            fh.write(json.dumps({"type": "interaction", "network": "bench", "id": f"e{i}",
                                 "actor": f"u{actor}", "target": f"u{target}",
                                 "kind": KINDS[int(kind_of[i])], "at": int(ats[i]),
                                 "post": f"p{post}"}, separators=(",", ":")) + "\n")


def anchor_louvain(store: Store, project: Callable[[], object]) -> float:
    def work() -> None:
        project()
        store.write_rows(LOUVAIN_WRITE, graph="bench-louvain")
        store.write_rows(DROP, graph="bench-louvain")
    return timed(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--port", type=int, default=7797)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-topics")
    parser.add_argument("--out", type=Path, default=RESULTS / "topics.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / (f"topics-{args.people}-{args.posts}-{args.interactions}-"
                        f"{args.topics}.jsonl")
    if not path.exists():
        generate(path, people=args.people, posts=args.posts, interactions=args.interactions,
                 topics=args.topics)
    settings: Settings = scratch_settings(args.work, args.port, heap_size=args.heap)
    params = settings.model
    asof = START + YEAR_S
    half_life = params.half_life_s if params.half_life_days else 90.0 * 86_400
    localdb.start(settings, progress=print)
    load_before = os.getloadavg()
    runs = Runs()
    try:
        loaded = first_load(settings, path)
        print(f"loaded in {loaded['total_s']:.1f} s", flush=True)
        with Store(settings) as store:
            counts = store.read(EVENTS)[0]
            steps: dict[str, Callable[[], float]] = {
                "pagerank:anchor": lambda: anchor_pagerank(store, asof, half_life),
                "topics:ours": lambda: timed(
                    lambda: compute_topic_scores(store, params, asof=asof)),
                "people:anchor": lambda: anchor_louvain(store, lambda: store.write_rows(
                    ANCHOR_PEOPLE_LOUVAIN, graph="bench-louvain", asof=asof,
                    half_life=half_life)),
                "people:ours": lambda: timed(
                    lambda: compute_people_communities(store, params, asof=asof)),
                "topic-communities:anchor": lambda: anchor_louvain(store, lambda: store.write_rows(
                    ANCHOR_TOPIC_PROJECT, graph="bench-louvain")),
                "topic-communities:ours": lambda: timed(lambda: compute_topic_communities(store)),
            }
            for fn in steps.values():  # warm-up
                fn()
            names = list(steps)
            for i in range(args.repeat):
                for name in names if i % 2 == 0 else names[::-1]:
                    runs.add(name, {"total_s": steps[name]()})
    finally:
        localdb.stop(settings)
    n = int(counts["events"] or 0)
    text = "\n".join([
        f"## Topic scores and communities: {n:,} interactions, {args.topics:,} topics, "
        f"{args.people:,} people, {args.posts:,} posts "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        conditions(load_before, settings, args.repeat), "",
        "| work | anchor (same run, same server) | ours | ratio |", "|---|---|---|---|",
        ratio_line("topic scores, every person on every topic",
                   "decayed projection + PageRank write", runs.median("pagerank:anchor"),
                   runs.median("topics:ours"), n),
        ratio_line("people communities", "decayed projection + gds.louvain.write",
                   runs.median("people:anchor"), runs.median("people:ours"), n),
        ratio_line("topic communities", "co-occurrence projection + gds.louvain.write",
                   runs.median("topic-communities:anchor"),
                   runs.median("topic-communities:ours"), n),
        f"\nFirst load of the file: {loaded['total_s']:.1f} s.", ""])
    append_results(args.out, text)


if __name__ == "__main__":
    main()
