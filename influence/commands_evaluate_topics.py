"""``influence evaluate topics``: topic-filtered against personalised topic PageRank.

Runs on a scratch database like ``influence evaluate influence`` (a second local server, or
an explicit ``--neo4j-uri`` together with ``--wipe``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from influence.commands_evaluate import (
    NetworkOption,
    PasswordOption,
    ServerOption,
    WipeOption,
    _fmt,
    _say,
    markdown_table,
    out,
    read_dataset,
    rich_table,
    scratch_store,
    with_password,
    write_text,
)
from influence.settings import get_settings


def _headline(report: object) -> str:
    from influence.engine.topic_evaluation import TopicEvaluationReport

    assert isinstance(report, TopicEvaluationReport)
    cut = datetime.fromtimestamp(report.cut, UTC).strftime("%Y-%m-%d %H:%M")
    return (f"{report.events_total:,} interactions; cut {cut} UTC "
            f"({report.events_before_cut:,} before, {report.events_after_cut:,} after); "
            f"{report.people_seen:,} people seen before the cut; "
            f"{report.topics_evaluated} of {report.topics_total} topics have "
            f"{report.min_people}+ of them engaged on the topic after the cut "
            f"({report.topics_with_future_engagement} have any)")


def _rows(report: object) -> list[tuple[str, ...]]:
    from influence.engine.topic_evaluation import TopicEvaluationReport

    assert isinstance(report, TopicEvaluationReport)
    rows: list[tuple[str, ...]] = []
    for m in report.methods:
        vs = "-" if m.method == "filtered" else f"{m.wins}/{m.losses}"
        p = "-" if m.p_vs_filtered is None else f"{m.p_vs_filtered:.3g}"
        rows.append((m.method, _fmt(m.spearman), _fmt(m.ndcg10), _fmt(m.ndcg100),
                     str(m.topics), str(m.undefined), vs, p))
    return rows


COLUMNS = ("method", "mean Spearman", "mean NDCG@10", "mean NDCG@100", "topics",
           "constant rankings", "Spearman wins/losses vs filtered", "Wilcoxon p vs filtered")


def report_markdown(report: object) -> str:
    """The report as Markdown (for docs/EVALUATION.md)."""
    return _headline(report) + ".\n\n" + markdown_table(COLUMNS, _rows(report))


def evaluate_topics(
    dump: Annotated[Path, typer.Argument(help="A Stack Exchange dump folder (Posts.xml, ...).")],
    *,
    cut: Annotated[str, typer.Option(help="Hold-out cut: a fraction of the interactions (0.8) "
                                     "or a date (2016-01-01).")] = "0.8",
    min_people: Annotated[int, typer.Option(min=2, help="Evaluate a topic when at least this "
                                            "many people are engaged on it after the cut.")]
    = 5,
    network: NetworkOption = None,
    neo4j_uri: ServerOption = None,
    neo4j_password: PasswordOption = None,
    wipe: WipeOption = False,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="Also write the table "
                                                      "as Markdown.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full report "
                                                  "(per topic) as JSON.")] = None,
) -> None:
    """Compare topic-influence methods on a Stack Exchange dump (temporal hold-out per topic).

    The engine's topic-filtered PageRank, personalised PageRank on the whole engagement graph
    (teleport on each person's engagement on the topic), engagement received on the topic and
    the topic-blind overall score each predict who gets engaged on each topic after the cut.

    Example:

        influence evaluate topics ../shared/data/stackexchange-beer --cut 0.8
        --markdown topics-eval.md
    """
    from influence.engine.evaluation import parse_cut
    from influence.engine.topic_evaluation import evaluate_topics as run
    from influence.engine.topic_evaluation import topic_events

    settings = with_password(get_settings(), neo4j_password)
    started = time.monotonic()
    _say(f"reading {dump} (stackexchange)")
    records, name, _ = read_dataset(dump, "stackexchange", network, settings)
    when = parse_cut(cut, [e.at for e in topic_events(records)])
    with scratch_store(settings, neo4j_uri, wipe) as store:
        report = run(store, records, network=name, dataset=dump.name,  # type: ignore[arg-type]
                     cut=when, params=settings.model, batch_size=settings.batch_size,
                     min_people=min_people, progress=_say)
    out.print(_headline(report))
    out.print(rich_table("Topic influence: predicting distinct engagers on each topic after "
                         "the cut (means over topics)", COLUMNS, _rows(report)))
    if markdown_out is not None:
        write_text(markdown_out, report_markdown(report))
    if json_out is not None:
        write_text(json_out, json.dumps(report.as_dict(), indent=1, default=str))
    _say(f"evaluation done in {time.monotonic() - started:.1f}s")
