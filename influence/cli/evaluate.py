"""``influence evaluate ...``: what the scores, topics, communities and keyword topics are
worth on real data (docs/EVALUATION.md).

The hold-outs run on a scratch database, never the operator's: by default a second local
server (``<data_dir>-eval`` on ``db_port + 2``, started for the run and stopped after unless it
was already running), or an explicit ``--neo4j-uri`` together with ``--wipe``.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.table import Table

from influence.cli.output import bars, fmt, markdown_table, out, rich_table, say, write_text
from influence.evaluation import run as jobs
from influence.evaluation.communities import EVALUATED
from influence.evaluation.holdout import NDCG_KS, OURS, EvaluationReport, Shift
from influence.evaluation.suite import FARM_GOAL, POD_GOAL, PREDICTION_GOAL, SUITE, SuiteReport
from influence.evaluation.topics import TopicEvaluationReport
from influence.jobs.recompute import one_of
from influence.settings import Settings, get_settings

app = typer.Typer(help="Measure what the scores and communities are worth on real data.",
                  no_args_is_help=True)

# Options every evaluation on a scratch server shares.
NetworkOption = Annotated[str | None, typer.Option(help="Network name for the accounts.")]
ServerOption = Annotated[str | None, typer.Option(
    help="Run on this server instead of a scratch local one (needs --wipe).")]
PasswordOption = Annotated[str | None, typer.Option(envvar="INFLUENCE_EVAL_NEO4J_PASSWORD",
                                                    help="Password for --neo4j-uri.")]
WipeOption = Annotated[bool, typer.Option(help="Consent to wiping the --neo4j-uri database.")]


def with_password(settings: Settings, password: str | None) -> Settings:
    """The settings, with ``--neo4j-password`` when one was given."""
    if password is None:
        return settings
    return settings.model_copy(update={"neo4j_password": SecretStr(password)})


@app.command("influence")
def evaluate_influence(
    dataset: Annotated[Path, typer.Argument(help="The dataset file (or a Stack Exchange dump "
                                            "folder).")],
    *,
    fmt_name: Annotated[str, typer.Option("--format", help="snap | higgs | konect | bitcoin | "
                                     "stackexchange.")] = "snap",
    cut: Annotated[str, typer.Option(help="Hold-out cut: a fraction of the events (0.8) or a "
                                     "date (2004-08-01).")] = "0.8",
    horizon_days: Annotated[float | None, typer.Option(help="Count engagers only this many "
                                                       "days after the cut (default: all).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    scores_out: Annotated[Path | None, typer.Option(help="Write our scores at the cut as CSV "
                                                    "user,score.")] = None,
    farm_size: Annotated[int, typer.Option(min=1, help="Fresh accounts in the like farm (and "
                                           "in the thin farm).")] = 100,
    farm_repeats: Annotated[int, typer.Option(min=1, help="Engagements per farm account (and "
                                              "per pod pair).")] = 5,
    pod_size: Annotated[int, typer.Option(min=2, help="Members of the engagement pod.")] = 20,
    ablation: Annotated[bool, typer.Option(help="Also score the hold-out with each component "
                                           "of the model switched off.")] = False,
    network: NetworkOption = None,
    neo4j_uri: ServerOption = None,
    neo4j_password: PasswordOption = None,
    wipe: WipeOption = False,
    markdown_out: Annotated[Path | None, typer.Option(help="Also write the tables as "
                                                      "Markdown.")] = None,
) -> None:
    """Evaluate the influence score on a timestamped interaction dataset.

    Scores from events before the cut are compared, in the same run, with raw engagement
    count, distinct engagers, in-degree, plain PageRank and time-decayed distinct engagers:
    how well each predicts who gets engaged after the cut, how far a like farm, a thin farm
    and an engagement pod move their targets, and how much scores of inactive users move from
    one day to the next.

    Example:

        influence evaluate influence ../shared/data/snap-collegemsg/CollegeMsg.txt
        --format snap --cut 0.8 --scores-out college-scores.csv
    """
    settings = with_password(get_settings(), neo4j_password)
    started = time.monotonic()
    with bars(show=False) as progress_bars:
        report = jobs.evaluate_influence(
            settings, dataset, fmt_name, cut=cut, horizon_days=horizon_days,
            farm_size=farm_size, farm_repeats=farm_repeats, pod_size=pod_size,
            ablation=ablation, network=network,
            target=jobs.Target(neo4j_uri=neo4j_uri, wipe=wipe), progress=progress_bars)
    if scores_out is not None:
        scores_out.parent.mkdir(parents=True, exist_ok=True)
        with scores_out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["user", "score"])
            for user, value in sorted(report.our_scores.items(), key=lambda kv: (-kv[1], kv[0])):
                writer.writerow([user, value])
        say(f"wrote {len(report.our_scores):,} scores to {scores_out}")
    if markdown_out is not None:
        write_text(markdown_out, report_markdown(report))
    if as_json:
        out.print_json(json.dumps(report.as_dict(), default=str))
    else:
        print_report(report)
    say(f"evaluation done in {time.monotonic() - started:.1f}s")


def print_report(report: EvaluationReport) -> None:
    """Rich tables of an :class:`EvaluationReport`."""
    cut = datetime.fromtimestamp(report.cut, UTC).strftime("%Y-%m-%d %H:%M")
    horizon = "end of data" if report.horizon_days is None else f"{report.horizon_days:g} days"
    out.print(f"[bold]{report.dataset}[/]: {report.events_total:,} events; cut {cut} UTC "
              f"({report.events_before_cut:,} before, {report.events_after_cut:,} after); "
              f"{report.users_seen:,} users seen before the cut, "
              f"{report.users_engaged_after:,} of them engaged after (horizon: {horizon})")
    table = Table(title="Temporal hold-out: predicting distinct engagers after the cut")
    table.add_column("method")
    table.add_column("Spearman", justify="right")
    for k in NDCG_KS:
        table.add_column(f"NDCG@{k}", justify="right")
    for r in report.rankings:
        table.add_row(r.method, fmt(r.spearman), *(fmt(r.ndcg[k]) for k in NDCG_KS))
    out.print(table)
    for title, shifts in _attacks(report):
        table = Table(title=f"Manipulation: {title} (rank among {report.users_seen:,})")
        for column in ("method", "rank before", "rank after", "positions gained",
                       "rise factor", "score before", "score after", "score change"):
            table.add_column(column, justify="left" if column == "method" else "right")
        for s in shifts:
            table.add_row(s.method, f"{s.rank_before:.1f}", f"{s.rank_after:.1f}",
                          f"{s.rank_gain:+.1f}", f"{s.rise_factor:.1f}x",
                          f"{s.score_before:.4g}", f"{s.score_after:.4g}",
                          f"{s.score_change_pct:+.0f}%")
        out.print(table)
    if report.ablation:
        table = Table(title="Ablation: one component switched off (attacks: rank after / "
                      "users)")
        for column in ("model", "Spearman", *(f"NDCG@{k}" for k in NDCG_KS), "farm at top",
                       "thin farm at top", "pod at top"):
            table.add_column(column, justify="left" if column == "model" else "right")
        for r in report.ablation:
            table.add_row(r.method, fmt(r.spearman), *(fmt(r.ndcg[k]) for k in NDCG_KS),
                          *(_pct(x) if x is not None else "-"
                            for x in (r.farm_top, r.thin_farm_top, r.pod_top)))
        out.print(table)
    table = Table(title=f"Stability: day over day, {report.stable_users:,} users with no "
                  "activity that day")
    for column in ("method", "mean |Δ percentile|", "max |Δ percentile|", "Spearman day/day",
                   "mean |Δ score|", "max |Δ score|"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for st in report.stability:
        table.add_row(st.method, fmt(st.mean_abs_percentile_change, 2),
                      fmt(st.max_abs_percentile_change, 2), fmt(st.spearman_day_over_day),
                      fmt(st.mean_abs_score_change, 2), fmt(st.max_abs_score_change, 2))
    out.print(table)


def _attacks(report: EvaluationReport) -> list[tuple[str, list[Shift]]]:
    return [(f"Like farm on user {report.farm_target}", report.farm),
            (f"Engagement pod of {len(report.pod_members)} users (mean over members)",
             report.pod),
            (f"Thin farm on {len(report.thin_targets)} users (mean over targets)",
             report.thin_farm)]


def report_markdown(report: EvaluationReport) -> str:
    """The report's tables as Markdown (for docs/EVALUATION.md)."""
    cut = datetime.fromtimestamp(report.cut, UTC).strftime("%Y-%m-%d %H:%M")
    horizon = "end of data" if report.horizon_days is None else f"{report.horizon_days:g} days"
    lines = [f"{report.events_total:,} events; cut {cut} UTC ({report.events_before_cut:,} "
             f"before, {report.events_after_cut:,} after); {report.users_seen:,} users seen "
             f"before the cut, {report.users_engaged_after:,} of them engaged after "
             f"(horizon: {horizon}).", "",
             "| method | Spearman | " + " | ".join(f"NDCG@{k}" for k in NDCG_KS) + " |",
             "|---|---:|" + "---:|" * len(NDCG_KS)]
    lines += [f"| {r.method} | {fmt(r.spearman)} | "
              + " | ".join(fmt(r.ndcg[k]) for k in NDCG_KS) + " |" for r in report.rankings]
    for title, shifts in _attacks(report):
        lines += ["", f"{title}; rank among {report.users_seen:,}:", "",
                  "| method | rank before | rank after | positions gained | rise factor | "
                  "score before | score after | score change |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {s.method} | {s.rank_before:.1f} | {s.rank_after:.1f} | "
                  f"{s.rank_gain:+.1f} | {s.rise_factor:.1f}x | {s.score_before:.4g} | "
                  f"{s.score_after:.4g} | "
                  f"{s.score_change_pct:+.0f}% |" for s in shifts]
    if report.ablation:
        lines += ["", "Ablation, one component switched off (attacks: rank after / users):", "",
                  "| model | Spearman | " + " | ".join(f"NDCG@{k}" for k in NDCG_KS)
                  + " | farm at top | thin farm at top | pod at top |",
                  "|---|---:|" + "---:|" * (len(NDCG_KS) + 3)]
        lines += [f"| {r.method} | {fmt(r.spearman)} | "
                  + " | ".join(fmt(r.ndcg[k]) for k in NDCG_KS) + " | "
                  + " | ".join(_pct(x) if x is not None else "-"
                               for x in (r.farm_top, r.thin_farm_top, r.pod_top)) + " |"
                  for r in report.ablation]
    lines += ["", f"Stability, {report.stable_users:,} users with no activity on the day "
              "after the cut:", "",
              "| method | mean abs. percentile change | max abs. percentile change | "
              "Spearman day/day | mean abs. score change | max abs. score change |",
              "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {st.method} | {fmt(st.mean_abs_percentile_change, 2)} | "
              f"{fmt(st.max_abs_percentile_change, 2)} | {fmt(st.spearman_day_over_day)} | "
              f"{fmt(st.mean_abs_score_change, 2)} | {fmt(st.max_abs_score_change, 2)} |"
              for st in report.stability]
    return "\n".join(lines) + "\n"


@app.command("suite")
def evaluate_suite(
    *,
    data_dir: Annotated[Path, typer.Option(help="The folder of the bundled datasets.")]
    = Path("../shared/data"),
    cuts: Annotated[str, typer.Option(help="Comma-separated cuts (fractions or dates).")]
    = "0.6,0.8",
    datasets: Annotated[str | None, typer.Option(help="Comma-separated dataset names "
                                                 "(default: all).")] = None,
    ablation: Annotated[bool, typer.Option(help="Score each hold-out with each component "
                                           "switched off.")] = True,
    markdown_out: Annotated[Path | None, typer.Option(help="Write the whole table as "
                                                      "Markdown.")] = None,
    json_out: Annotated[Path | None, typer.Option(help="Write every report as JSON.")] = None,
    neo4j_uri: ServerOption = None,
    neo4j_password: PasswordOption = None,
    wipe: WipeOption = False,
) -> None:
    """Every temporal dataset at every cut: the whole table of docs/EVALUATION.md.

    Datasets: CollegeMsg, Bitcoin Alpha, Bitcoin OTC, MathOverflow a2q,
    c2a and both together, the Stack Exchange beer dump. Each is evaluated
    as `influence evaluate influence` does (hold-out, like farm, thin farm,
    pod, stability; with --ablation, each model component switched off),
    then checked against the goals: Spearman and NDCG@100 at least 1.05x
    the best baseline, the farms' targets outside the top 5 %, the pod
    members' mean rank outside the top 10 %.

    Example:

        influence evaluate suite --markdown-out eval.md --json-out eval.json
    """
    settings = with_password(get_settings(), neo4j_password)
    started = time.monotonic()
    names = tuple(n.strip() for n in datasets.split(",")) if datasets else None
    with bars(show=False) as progress_bars:
        suite = jobs.evaluate_suite(settings, data_dir,
                                    cuts=tuple(c.strip() for c in cuts.split(",")),
                                    datasets=names, ablation=ablation,
                                    target=jobs.Target(neo4j_uri=neo4j_uri, wipe=wipe),
                                    progress=progress_bars)
    text = suite_markdown(suite)
    if markdown_out is not None:
        write_text(markdown_out, text)
    if json_out is not None:
        write_text(json_out, json.dumps(suite.as_dict(), default=str, indent=1))
    out.print(text)
    say(f"suite done in {time.monotonic() - started:.1f}s")


def _pct(share: float) -> str:
    return f"{100 * share:.1f} %"


def suite_markdown(suite: SuiteReport) -> str:
    """The suite's summary, per-run rankings and ablation as Markdown."""
    verdicts = suite.verdicts()
    lines = [f"Goals: Spearman and NDCG@100 >= {PREDICTION_GOAL}x the best baseline; like "
             f"farm and thin farm outside the top {_pct(FARM_GOAL)}; the pod members' mean rank "
             f"outside the top {_pct(POD_GOAL)}. Shares are rank / users seen before the cut "
             "(for the thin farm and the pod, the mean rank of its targets).", "",
             "| dataset | cut | half-life (days) | Spearman / best | NDCG@100 / best | "
             "below | farm at top | thin farm at top | pod at top | prediction | manipulation |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|---|---|"]
    for v in verdicts:
        cut = datetime.fromtimestamp(v.cut, UTC).strftime("%Y-%m-%d")
        lines.append(
            f"| {v.dataset} | {cut} | {v.half_life_days:.1f} | {v.spearman_ratio:.3f}x "
            f"({v.best_spearman}) | {v.ndcg100_ratio:.3f}x ({v.best_ndcg100}) | "
            f"{', '.join(v.below_a_baseline) or '-'} | {_pct(v.farm_top)} | "
            f"{_pct(v.thin_farm_top)} | {_pct(v.pod_top)} | "
            f"{'met' if v.prediction_met else 'MISSED'} | "
            f"{'met' if v.manipulation_met else 'MISSED'} |")
    lines += ["", "### Hold-out rankings", "",
              "| dataset | cut | method | Spearman | NDCG@10 | NDCG@100 | NDCG@1000 |",
              "|---|---|---|---:|---:|---:|---:|"]
    for r in suite.reports:
        cut = datetime.fromtimestamp(r.cut, UTC).strftime("%Y-%m-%d")
        lines += [f"| {r.dataset} | {cut} | {row.method} | {fmt(row.spearman)} | "
                  + " | ".join(fmt(row.ndcg[k]) for k in NDCG_KS) + " |"
                  for row in r.rankings]
    if any(r.ablation for r in suite.reports):
        lines += _ablation_markdown(suite)
    lines += ["", "Datasets and publishers: " + "; ".join(
        f"{d.name}: {d.publisher}" for d in SUITE) + "."]
    return "\n".join(lines) + "\n"


def _ablation_markdown(suite: SuiteReport) -> list[str]:
    """What each component adds: the median hold-out change when it is switched off, and the
    worst place the attacks reach without it (over every dataset and cut)."""
    names = [a.method for a in suite.reports[0].ablation]
    lines = ["", "### Ablation: each component switched off", "",
             "Change of Spearman and NDCG@100 against the full model (median over the runs; "
             "negative: the component helps prediction), and the highest share the attacks "
             "reach without it (the full model: "
             f"farm {_pct(min(v.farm_top for v in suite.verdicts()))}, thin farm "
             f"{_pct(min(v.thin_farm_top for v in suite.verdicts()))}, pod "
             f"{_pct(min(v.pod_top for v in suite.verdicts()))}).", "",
             "| switched off | median Δ Spearman | median Δ NDCG@100 | farm at top (worst) | "
             "thin farm at top (worst) | pod at top (worst) | runs missing a manipulation "
             "goal |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        rows = []
        for r in suite.reports:
            ours = next(x for x in r.rankings if x.method == OURS)
            row = next(a for a in r.ablation if a.method == name)
            rows.append((row.spearman - ours.spearman, row.ndcg[100] - ours.ndcg[100],
                         row.farm_top, row.thin_farm_top, row.pod_top))
        farm = [x[2] for x in rows if x[2] is not None]
        thin = [x[3] for x in rows if x[3] is not None]
        pod = [x[4] for x in rows if x[4] is not None]
        missing = sum(1 for x in rows if x[2] is not None and x[3] is not None
                      and x[4] is not None
                      and (x[2] <= FARM_GOAL or x[3] <= FARM_GOAL or x[4] <= POD_GOAL))
        lines.append(f"| {name} | {statistics.median(x[0] for x in rows):+.3f} | "
                     f"{statistics.median(x[1] for x in rows):+.3f} | "
                     f"{_pct(min(farm)) if farm else '-'} | {_pct(min(thin)) if thin else '-'} | "
                     f"{_pct(min(pod)) if pod else '-'} | {missing} of {len(rows)} |")
    lines += ["", "Per run (Δ Spearman / Δ NDCG@100; farm, thin farm, pod at top):", "",
              "| dataset | cut | " + " | ".join(names) + " |",
              "|---|---|" + "---|" * len(names)]
    for r in suite.reports:
        ours = next(x for x in r.rankings if x.method == OURS)
        cut = datetime.fromtimestamp(r.cut, UTC).strftime("%Y-%m-%d")
        cells = []
        for a in r.ablation:
            cell = f"{a.spearman - ours.spearman:+.3f} / {a.ndcg[100] - ours.ndcg[100]:+.3f}"
            if a.farm_top is not None and a.thin_farm_top is not None and a.pod_top is not None:
                cell += f"; {_pct(a.farm_top)}, {_pct(a.thin_farm_top)}, {_pct(a.pod_top)}"
            cells.append(cell)
        lines.append(f"| {r.dataset} | {cut} | " + " | ".join(cells) + " |")
    return lines


def _headline(report: TopicEvaluationReport) -> str:
    cut = datetime.fromtimestamp(report.cut, UTC).strftime("%Y-%m-%d %H:%M")
    return (f"{report.events_total:,} interactions; cut {cut} UTC "
            f"({report.events_before_cut:,} before, {report.events_after_cut:,} after); "
            f"{report.people_seen:,} people seen before the cut; "
            f"{report.topics_evaluated} of {report.topics_total} topics have "
            f"{report.min_people}+ of them engaged on the topic after the cut "
            f"({report.topics_with_future_engagement} have any)")


def _rows(report: TopicEvaluationReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for m in report.methods:
        vs = "-" if m.method == "filtered" else f"{m.wins}/{m.losses}"
        p = "-" if m.p_vs_filtered is None else f"{m.p_vs_filtered:.3g}"
        rows.append((m.method, fmt(m.spearman), fmt(m.ndcg10), fmt(m.ndcg100),
                     str(m.topics), str(m.undefined), vs, p))
    return rows


COLUMNS = ("method", "mean Spearman", "mean NDCG@10", "mean NDCG@100", "topics",
           "constant rankings", "Spearman wins/losses vs filtered", "Wilcoxon p vs filtered")


def topics_markdown(report: TopicEvaluationReport) -> str:
    """The report as Markdown (for docs/EVALUATION.md)."""
    return _headline(report) + ".\n\n" + markdown_table(COLUMNS, _rows(report))


@app.command("topics")
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
    settings = with_password(get_settings(), neo4j_password)
    started = time.monotonic()
    with bars(show=False) as progress_bars:
        report = jobs.evaluate_topics(settings, dump, cut=cut, min_people=min_people,
                                      network=network,
                                      target=jobs.Target(neo4j_uri=neo4j_uri, wipe=wipe),
                                      progress=progress_bars)
    out.print(_headline(report))
    out.print(rich_table("Topic influence: predicting distinct engagers on each topic after "
                         "the cut (means over topics)", COLUMNS, _rows(report)))
    if markdown_out is not None:
        write_text(markdown_out, topics_markdown(report))
    if json_out is not None:
        write_text(json_out, json.dumps(report.as_dict(), indent=1, default=str))
    say(f"evaluation done in {time.monotonic() - started:.1f}s")


@app.command("keywords")
def evaluate_keywords(
    dump: Annotated[Path, typer.Argument(help="A Stack Exchange dump folder (Posts.xml, ...).")],
    *,
    per_post: Annotated[int, typer.Option(min=1, max=10, help="Topics given to each post.")]
    = 3,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="Also write the table "
                                                      "as Markdown.")] = None,
) -> None:
    """How often keyword topics (for posts without tags) match the tags people chose.

    The questions of a Stack Exchange dump are tagged by their askers. Their text (title and
    body) goes through the same extractor a load uses for untagged posts, fitted on those
    texts alone, and each question's keyword topics are compared with its tags: hit rate
    (at least one topic is a tag), precision and recall. The baseline gives every question
    the most frequent tags.

    Example:

        influence evaluate keywords ../shared/data/stackexchange-beer
    """
    questions, results = jobs.evaluate_keywords(get_settings(), dump, per_post=per_post)
    say(f"{questions:,} tagged questions; the vocabulary was fitted on their text, tags hidden")
    columns = ("method", "questions", "topics each", "hit rate", "precision", "recall")
    rows = [(name, f"{a.posts:,}", str(a.per_post), f"{a.hit_rate:.1%}", f"{a.precision:.1%}",
             f"{a.recall:.1%}") for name, a in results.items()]
    out.print(rich_table(f"Keyword topics against the askers' tags ({dump.name})", columns,
                         rows))
    if markdown_out is not None:
        write_text(markdown_out, markdown_table(columns, rows))


@app.command("communities")
def evaluate_communities(
    edges: Annotated[Path, typer.Option(help="Edge list 'SRC DST [WEIGHT]' per line, or a "
                                        ".gml file.")],
    *,
    labels: Annotated[Path | None, typer.Option(help="Node labels 'NODE LABEL' per line "
                                                "(optional for GML).")] = None,
    directed: Annotated[bool, typer.Option(help="Keep edge directions (Louvain only).")]
    = False,
    algorithm: Annotated[str, typer.Option(
        help="louvain or leiden (GDS), or spark-lpa (label propagation on Spark, local[2]).")]
    = "louvain",
    label_attribute: Annotated[str, typer.Option(help="GML node attribute holding the "
                                                 "label.")] = "value",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Detect communities on a labelled graph; report NMI, ARI and modularity.

    Nothing is written to the database: the edges go straight into a GDS in-memory graph
    that is dropped afterwards. If the local server is not running, a scratch one is started
    and stopped. spark-lpa needs no database.

    Example: influence evaluate communities
    --edges ../shared/data/snap-email-eu-core/email-Eu-core.txt
    --labels ../shared/data/snap-email-eu-core/email-Eu-core-department-labels.txt
    """
    with bars(show=False) as progress_bars:
        result = jobs.evaluate_communities(get_settings(), edges, labels,
                                           label_attribute=label_attribute, directed=directed,
                                           algorithm=one_of(algorithm, EVALUATED, "algorithm"),
                                           progress=progress_bars)
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
