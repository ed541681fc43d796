"""``influence topics ...`` (topic scores, communities, leaderboards, explanations) and
``influence evaluate communities`` (community detection against ground-truth labels)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from influence import localdb
from influence.engine.communities import Algorithm
from influence.errors import InvalidInputError
from influence.settings import get_settings
from influence.store import QueryRunner

console = Console(stderr=True)
out = Console()

app = typer.Typer(help="Topic influence, topic communities and people communities.",
                  no_args_is_help=True)

AlgorithmOption = Annotated[str, typer.Option(help="louvain or leiden (GDS).")]


def _say(message: str) -> None:
    console.print(f"[bold cyan]>[/] {message}")


def _algorithm(value: str) -> Algorithm:
    if value not in {"louvain", "leiden"}:
        raise InvalidInputError(f"Unknown algorithm {value!r}.", hint="Use louvain or leiden.")
    return "leiden" if value == "leiden" else "louvain"


@contextmanager
def _store() -> Iterator[QueryRunner]:
    from influence.store import Store

    with Store(get_settings()) as store:
        yield store


@app.command("compute")
def compute(
    asof: Annotated[str | None, typer.Option(help="Scoring date, ISO-8601 (default: now).")]
    = None,
    algorithm: AlgorithmOption = "louvain",
) -> None:
    """Recompute topic scores, topic communities and people communities.

    Example: influence topics compute --asof 2016-12-10
    """
    from influence.engine.communities import (
        compute_people_communities,
        compute_topic_communities,
    )
    from influence.engine.topics import compute_topic_scores
    from influence.loaders.base import RowError, parse_iso_utc

    try:
        when = parse_iso_utc(asof) if asof else None
    except RowError as exc:
        raise InvalidInputError(str(exc), hint="Use e.g. --asof 2016-12-10") from exc
    settings = get_settings()
    alg = _algorithm(algorithm)
    with _store() as store:
        run = compute_topic_scores(store, settings.model, asof=when)
        _say(f"topic scores: {run.scores_written} (person, topic) scores on "
             f"{run.topics_scored}/{run.topics} topics from {run.engagement_pairs} "
             f"engagement pairs in {run.seconds:.1f}s")
        topics = compute_topic_communities(store, alg)
        _say(f"topic communities ({alg}): {topics.communities} over {topics.nodes} topics, "
             f"modularity {topics.modularity:.3f}, {topics.seconds:.1f}s")
        people = compute_people_communities(store, settings.model, asof=run.asof, algorithm=alg)
        _say(f"people communities ({alg}): {people.communities} over {people.nodes} people, "
             f"modularity {people.modularity:.3f}, {people.seconds:.1f}s")


@app.command("list")
def list_topics(first: Annotated[int, typer.Option(help="How many topics.")] = 30) -> None:
    """Topics by number of posts, with their topic community.

    Example: influence topics list --first 10
    """
    from influence.engine.topics import list_topics as list_rows

    with _store() as store:
        rows = list_rows(store, first)
    table = Table("topic", "posts", "community")
    for r in rows:
        table.add_row(r["topic"], str(r["posts"]), str(r["community"]))
    out.print(table)


@app.command("top")
def top(
    topic: Annotated[str, typer.Argument(help="Topic name, e.g. 'brewing'.")],
    first: Annotated[int, typer.Option(help="How many people.")] = 10,
) -> None:
    """The most influential people on one topic (honours INFLUENCE_PUBLISH_POLICY).

    Example: influence topics top brewing --first 5
    """
    from influence.engine.topics import topic_leaderboard

    settings = get_settings()
    with _store() as store:
        rows = topic_leaderboard(store, topic, first, settings.publish_policy)
    table = Table("person", "score", "percentile", title=f"{topic} ({settings.publish_policy})")
    for r in rows:
        table.add_row(r.id, f"{r.score:.2f}", f"{r.percentile:.1f}")
    out.print(table)


@app.command("person")
def person(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. 'stackexchange:268'.")],
    first: Annotated[int, typer.Option(help="How many topics.")] = 10,
) -> None:
    """A person's top topics by topic score.

    Example: influence topics person stackexchange:268
    """
    from influence.engine.topics import person_topics

    with _store() as store:
        view = person_topics(store, person_id, get_settings().publish_policy, first)
    table = Table("topic", "score", "percentile", title=f"{view.id} ({view.consent})")
    for t in view.topics:
        table.add_row(t.topic, "hidden" if t.score is None else f"{t.score:.2f}",
                      "hidden" if t.percentile is None else f"{t.percentile:.1f}")
    out.print(table)


@app.command("explain")
def explain(
    person_id: Annotated[str, typer.Argument(help="Person id, e.g. 'stackexchange:268'.")],
    topic: Annotated[str, typer.Argument(help="Topic name.")],
    top_n: Annotated[int, typer.Option("--top", help="Engagers listed.")] = 10,
) -> None:
    """Why a person scores what they score on a topic: points per engager.

    Example: influence topics explain stackexchange:268 brewing
    """
    from influence.engine.topics import explain_topic

    settings = get_settings()
    with _store() as store:
        e = explain_topic(store, person_id, topic, settings.model, settings.publish_policy,
                          top=top_n)
    table = Table("engager", "kinds", "points",
                  title=f"{e.person} on {e.topic}: {e.score:.2f} = base {e.base:.0f} + ...")
    for c in e.contributions:
        table.add_row(c.person or "(not published)", ", ".join(c.kinds), f"{c.points:.2f}")
    if e.other_points:
        table.add_row(f"{e.engagers - len(e.contributions)} others", "", f"{e.other_points:.2f}")
    out.print(table)


@app.command("related")
def related(topic: Annotated[str, typer.Argument(help="Topic name.")],
            first: Annotated[int, typer.Option(help="How many topics.")] = 10) -> None:
    """Topics that most often share posts with a topic.

    Example: influence topics related brewing
    """
    from influence.engine.topics import related_topics

    with _store() as store:
        rows = related_topics(store, topic, first)
    table = Table("topic", "posts together", "same community")
    for r in rows:
        table.add_row(r.topic, str(r.together), "yes" if r.same_community else "no")
    out.print(table)


@app.command("communities")
def communities(
    people: Annotated[bool, typer.Option("--people", help="People communities instead.")]
    = False,
    first: Annotated[int, typer.Option(help="How many communities.")] = 20,
) -> None:
    """The stored topic communities (or people communities with --people).

    Example: influence topics communities --first 5
    """
    from influence.engine.communities import people_communities, summary, topic_communities

    with _store() as store:
        info = summary(store, "people" if people else "topics")
        if people:
            table = Table("id", "size", "top people (published)", "top topics")
            for p in people_communities(store, get_settings().publish_policy, first):
                table.add_row(str(p.id), str(p.size), ", ".join(p.top), ", ".join(p.topics))
        else:
            table = Table("id", "name", "topics", "posts", "members")
            for c in topic_communities(store, first, topics=12):
                table.add_row(str(c.id), c.name, str(c.size), str(c.posts), ", ".join(c.topics))
    if info:
        table.title = (f"{info['communities']} communities, modularity "
                       f"{float(str(info['modularity'])):.3f} ({info['algorithm']})")
    out.print(table)


def evaluate_communities(
    edges: Annotated[Path, typer.Option(help="Edge list 'SRC DST [WEIGHT]' per line, or a "
                                        ".gml file.")],
    *,
    labels: Annotated[Path | None, typer.Option(help="Node labels 'NODE LABEL' per line "
                                                "(optional for GML).")] = None,
    directed: Annotated[bool, typer.Option(help="Keep edge directions (Louvain only).")]
    = False,
    algorithm: AlgorithmOption = "louvain",
    label_attribute: Annotated[str, typer.Option(help="GML node attribute holding the "
                                                 "label.")] = "value",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Detect communities on a labelled graph with GDS; report NMI, ARI and modularity.

    Nothing is written to the database: the edges go straight into a GDS in-memory graph
    that is dropped afterwards. If the local server is not running, a scratch one is started
    and stopped.

    Example: influence evaluate communities
    --edges ../shared/data/snap-email-eu-core/email-Eu-core.txt
    --labels ../shared/data/snap-email-eu-core/email-Eu-core-department-labels.txt
    """
    from influence.engine.communities import evaluate_communities as evaluate
    from influence.loaders.labelled import read_labelled

    graph = read_labelled(edges, labels, label_attribute)
    with _evaluation_store() as store:
        result = evaluate(store, graph, directed=directed, algorithm=_algorithm(algorithm))
    if as_json:
        out.print_json(json.dumps({"edges_file": str(edges), **asdict(result)}))
        return
    table = Table("metric", "value", title=f"{edges.name}: {result.algorithm}"
                  f"{' (directed)' if result.directed else ''}")
    for key in ("nodes", "edges", "labelled_nodes", "label_classes", "communities"):
        table.add_row(key, str(getattr(result, key)))
    for key in ("nmi", "ari", "modularity", "labels_modularity", "seconds"):
        table.add_row(key, f"{getattr(result, key):.4f}")
    out.print(table)
    out.print(f"NMI={result.nmi:.4f} ARI={result.ari:.4f} modularity={result.modularity:.4f}")


@contextmanager
def _evaluation_store() -> Iterator[QueryRunner]:
    from influence.commands_evaluate import scratch_store

    settings = get_settings()
    if settings.uses_local_server and not localdb.status(settings).running:
        with scratch_store(settings, None, wipe=False) as store:
            yield store  # type: ignore[misc]
        return
    with _store() as store:
        yield store
