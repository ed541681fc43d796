"""``influence topics ...``: topic scores, communities, leaderboards, explanations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from influence.cli.output import out
from influence.cli.score import recompute_steps
from influence.settings import get_settings
from influence.store import QueryRunner

app = typer.Typer(help="Topic influence, topic communities and people communities.",
                  no_args_is_help=True)

AlgorithmOption = Annotated[str, typer.Option(help="louvain or leiden (GDS).")]


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
    recompute_steps(asof, scores=False, topics=True, communities=True, algorithm=algorithm,
                    nice=True)


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
