"""``influence evaluate influence``: hold-out, manipulation and stability of the score.

Runs on a scratch database, never the operator's: by default a second local server
(``<data_dir>-eval`` on ``db_port + 2``, started for the run and stopped after unless it was
already running), or an explicit ``--neo4j-uri`` together with ``--wipe``.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from influence import localdb
from influence.errors import InvalidInputError
from influence.loaders.records import Record
from influence.settings import Settings, get_settings

console = Console(stderr=True)
out = Console()

DatasetFormat = Literal["snap", "higgs", "konect", "bitcoin", "stackexchange"]
FORMATS = ("snap", "higgs", "konect", "bitcoin", "stackexchange")


def _say(message: str) -> None:
    console.print(f"[bold cyan]>[/] {message}")


def scratch_settings(settings: Settings) -> Settings:
    """The scratch local server of an evaluation: own data directory, port ``db_port + 2``."""
    return settings.model_copy(update={
        "data_dir": settings.data_dir.with_name(f"{settings.data_dir.name}-eval"),
        "db_port": settings.db_port + 2,
    })


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


@contextmanager
def scratch_store(settings: Settings, neo4j_uri: str | None, wipe: bool) -> Iterator[object]:
    """A store the evaluation may wipe; starts (and afterwards stops) a scratch local server.

    Raises:
        InvalidInputError: for an explicit server without ``--wipe`` consent.
    """
    from influence.store import Store

    if neo4j_uri is not None:
        if not wipe:
            raise InvalidInputError(
                f"The evaluation deletes everything in the database at {neo4j_uri}.",
                hint="Pass --wipe to consent, or omit --neo4j-uri to use a scratch local server.")
        explicit = settings.model_copy(update={"neo4j_uri": neo4j_uri})
        with Store(explicit) as store:
            yield store
        return
    scratch = scratch_settings(settings.model_copy(update={"neo4j_uri": None}))
    already = localdb.status(scratch).running
    if not already:
        _say(f"starting a scratch Neo4j + GDS server on port {scratch.db_port} "
             f"(data in {scratch.data_dir})")
        localdb.start(scratch, progress=_say)
    try:
        with Store(scratch) as store:
            yield store
    finally:
        if not already:
            _say("stopping the scratch server")
            localdb.stop(scratch)


def read_dataset(path: Path, fmt: DatasetFormat, network: str | None,
                 settings: Settings) -> tuple[list[Record], str, int]:
    """All records of a dataset, its network name and the number of quarantined lines."""
    from influence.loaders.base import Parsed, Rejected
    from influence.loaders.edgelists import EdgeListAdapter
    from influence.loaders.quarantine import Quarantine
    from influence.loaders.stackexchange import StackExchangeAdapter

    adapter: EdgeListAdapter | StackExchangeAdapter
    if fmt == "stackexchange":
        adapter = StackExchangeAdapter(path, network=network or "stackexchange")
        name = network or "stackexchange"
    else:
        adapter = EdgeListAdapter(path, fmt, network=network)
        name = adapter.network
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    quarantine = Quarantine(settings.quarantine_dir, f"evaluate-{name}-{stamp}")
    records: list[Record] = []
    rejected = 0
    try:
        for item in adapter:
            if isinstance(item, Parsed):
                records.extend(item.records)
            elif isinstance(item, Rejected):
                rejected += 1
                quarantine.put(source=item.source, line=item.line, raw=item.raw,
                               reason=item.reason)
    finally:
        quarantine.close()
    if rejected:
        _say(f"{rejected} malformed line(s) quarantined in {quarantine.path}")
    return records, name, rejected


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def rich_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A table of text cells, the first column left-aligned and the others right-aligned."""
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same cells as a Markdown table (for docs/EVALUATION.md)."""
    lines = ["| " + " | ".join(columns) + " |", "|---|" + "---:|" * (len(columns) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write an output file the user asked for, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _say(f"wrote {path}")


def print_report(report: object) -> None:
    """Rich tables of an :class:`EvaluationReport`."""
    from influence.engine.evaluation import NDCG_KS, EvaluationReport

    assert isinstance(report, EvaluationReport)
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
        table.add_row(r.method, _fmt(r.spearman), *(_fmt(r.ndcg[k]) for k in NDCG_KS))
    out.print(table)
    for title, shifts in ((f"Like farm on user {report.farm_target}", report.farm),
                          (f"Engagement pod of {len(report.pod_members)} users (mean)",
                           report.pod)):
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
    table = Table(title=f"Stability: day over day, {report.stable_users:,} users with no "
                  "activity that day")
    for column in ("method", "mean |Δ percentile|", "max |Δ percentile|", "Spearman day/day",
                   "mean |Δ score|", "max |Δ score|"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for st in report.stability:
        table.add_row(st.method, _fmt(st.mean_abs_percentile_change, 2),
                      _fmt(st.max_abs_percentile_change, 2), _fmt(st.spearman_day_over_day),
                      _fmt(st.mean_abs_score_change, 2), _fmt(st.max_abs_score_change, 2))
    out.print(table)


def report_markdown(report: object) -> str:
    """The report's tables as Markdown (for docs/EVALUATION.md)."""
    from influence.engine.evaluation import NDCG_KS, EvaluationReport

    assert isinstance(report, EvaluationReport)
    cut = datetime.fromtimestamp(report.cut, UTC).strftime("%Y-%m-%d %H:%M")
    horizon = "end of data" if report.horizon_days is None else f"{report.horizon_days:g} days"
    lines = [f"{report.events_total:,} events; cut {cut} UTC ({report.events_before_cut:,} "
             f"before, {report.events_after_cut:,} after); {report.users_seen:,} users seen "
             f"before the cut, {report.users_engaged_after:,} of them engaged after "
             f"(horizon: {horizon}).", "",
             "| method | Spearman | " + " | ".join(f"NDCG@{k}" for k in NDCG_KS) + " |",
             "|---|---:|" + "---:|" * len(NDCG_KS)]
    lines += [f"| {r.method} | {_fmt(r.spearman)} | "
              + " | ".join(_fmt(r.ndcg[k]) for k in NDCG_KS) + " |" for r in report.rankings]
    for title, shifts in ((f"Like farm on user {report.farm_target}", report.farm),
                          (f"Engagement pod of {len(report.pod_members)} users (mean over "
                           "members)", report.pod)):
        lines += ["", f"{title}; rank among {report.users_seen:,}:", "",
                  "| method | rank before | rank after | positions gained | rise factor | "
                  "score before | score after | score change |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {s.method} | {s.rank_before:.1f} | {s.rank_after:.1f} | "
                  f"{s.rank_gain:+.1f} | {s.rise_factor:.1f}x | {s.score_before:.4g} | "
                  f"{s.score_after:.4g} | "
                  f"{s.score_change_pct:+.0f}% |" for s in shifts]
    lines += ["", f"Stability, {report.stable_users:,} users with no activity on the day "
              "after the cut:", "",
              "| method | mean abs. percentile change | max abs. percentile change | "
              "Spearman day/day | mean abs. score change | max abs. score change |",
              "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {st.method} | {_fmt(st.mean_abs_percentile_change, 2)} | "
              f"{_fmt(st.max_abs_percentile_change, 2)} | {_fmt(st.spearman_day_over_day)} | "
              f"{_fmt(st.mean_abs_score_change, 2)} | {_fmt(st.max_abs_score_change, 2)} |"
              for st in report.stability]
    return "\n".join(lines) + "\n"


def evaluate_influence(
    dataset: Annotated[Path, typer.Argument(help="The dataset file (or a Stack Exchange dump "
                                            "folder).")],
    *,
    fmt: Annotated[str, typer.Option("--format", help="snap | higgs | konect | bitcoin | "
                                     "stackexchange.")] = "snap",
    cut: Annotated[str, typer.Option(help="Hold-out cut: a fraction of the events (0.8) or a "
                                     "date (2004-08-01).")] = "0.8",
    horizon_days: Annotated[float | None, typer.Option(help="Count engagers only this many "
                                                       "days after the cut (default: all).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    scores_out: Annotated[Path | None, typer.Option(help="Write our scores at the cut as CSV "
                                                    "user,score.")] = None,
    farm_size: Annotated[int, typer.Option(min=1, help="Fresh accounts in the like farm.")] = 50,
    farm_repeats: Annotated[int, typer.Option(min=1, help="Engagements per farm account (and "
                                              "per pod pair).")] = 5,
    pod_size: Annotated[int, typer.Option(min=2, help="Members of the engagement pod.")] = 10,
    network: NetworkOption = None,
    neo4j_uri: ServerOption = None,
    neo4j_password: PasswordOption = None,
    wipe: WipeOption = False,
    markdown_out: Annotated[Path | None, typer.Option(help="Also write the tables as "
                                                      "Markdown.")] = None,
) -> None:
    """Evaluate the influence score on a timestamped interaction dataset.

    Scores from events before the cut are compared, in the same run, with raw engagement
    count, distinct engagers, in-degree and plain PageRank: how well each predicts who gets
    engaged after the cut, how far a like farm and an engagement pod move their targets, and
    how much scores of inactive users move from one day to the next.

    Example:

        influence evaluate influence ../shared/data/snap-collegemsg/CollegeMsg.txt
        --format snap --cut 0.8 --scores-out college-scores.csv
    """
    from influence.engine.evaluation import EvaluationOptions, evaluate, events_of, parse_cut

    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown --format {fmt!r}.", hint=f"Use one of {FORMATS}.")
    settings = with_password(get_settings(), neo4j_password)
    started = time.monotonic()
    _say(f"reading {dataset} ({fmt})")
    records, name, _ = read_dataset(dataset, fmt, network, settings)  # type: ignore[arg-type]
    when = parse_cut(cut, [e.at for e in events_of(records)])
    options = EvaluationOptions(cut=when, horizon_days=horizon_days, farm_size=farm_size,
                                farm_repeats=farm_repeats, pod_size=pod_size)
    with scratch_store(settings, neo4j_uri, wipe) as store:
        report = evaluate(store, records, network=name, dataset=dataset.name,  # type: ignore[arg-type]
                          options=options, params=settings.model,
                          batch_size=settings.batch_size, progress=_say)
    if scores_out is not None:
        scores_out.parent.mkdir(parents=True, exist_ok=True)
        with scores_out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["user", "score"])
            for user, value in sorted(report.our_scores.items(), key=lambda kv: (-kv[1], kv[0])):
                writer.writerow([user, value])
        _say(f"wrote {len(report.our_scores):,} scores to {scores_out}")
    if markdown_out is not None:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(report_markdown(report), encoding="utf-8")
    if as_json:
        out.print_json(json.dumps(report.as_dict(), default=str))
    else:
        print_report(report)
    _say(f"evaluation done in {time.monotonic() - started:.1f}s")
