"""The evaluation jobs: read a dataset, run an evaluation on a scratch database, report.

``influence evaluate ...`` and the client's ``evaluate`` call these; the measurements are the
other modules of :mod:`influence.evaluation`, which load and score through the job layer
(:mod:`influence.jobs`). This module chooses the database and wires the progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from influence import localdb
from influence.errors import InvalidInputError
from influence.evaluation.communities import CommunityEvaluation, Evaluated
from influence.evaluation.datasets import read_dataset
from influence.evaluation.holdout import (
    EvaluationOptions,
    EvaluationReport,
    event_times,
    parse_cut,
)
from influence.evaluation.scratch import scratch_store
from influence.evaluation.suite import SuiteReport
from influence.evaluation.topics import TopicEvaluationReport
from influence.jobs.progress import SILENT, Progress
from influence.loaders.keywords import TagAgreement
from influence.settings import Settings
from influence.store import QueryRunner, Store


@dataclass(frozen=True)
class Target:
    """Where an evaluation runs: a store it may wipe, an explicit server it may wipe, or (by
    default) a scratch local server started for the run."""

    store: QueryRunner | None = None
    neo4j_uri: str | None = None
    wipe: bool = False


@contextmanager
def _database(settings: Settings, target: Target, progress: Progress) -> Iterator[QueryRunner]:
    if target.store is not None:
        yield target.store
        return
    with scratch_store(settings, target.neo4j_uri, wipe=target.wipe, say=progress.note) as store:
        yield store


def evaluate_influence(settings: Settings, dataset: Path, fmt: str = "snap", *,
                       cut: str = "0.8", horizon_days: float | None = None,
                       farm_size: int = 100, farm_repeats: int = 5, pod_size: int = 20,
                       ablation: bool = False, network: str | None = None,
                       target: Target = Target(),
                       progress: Progress = SILENT) -> EvaluationReport:
    """Hold-out, manipulation and stability of the influence score on a temporal dataset.

    Raises:
        InvalidInputError: a bad format, cut or dataset.
    """
    from influence.evaluation.datasets import dataset_format
    from influence.evaluation.holdout import evaluate

    fmt_value = dataset_format(fmt)
    progress.note(f"reading {dataset} ({fmt_value})")
    records, name, rejected = read_dataset(dataset, fmt_value, network, settings)
    if rejected:
        progress.note(f"{rejected} malformed line(s) quarantined in {settings.quarantine_dir}")
    when = parse_cut(cut, event_times(records))
    options = EvaluationOptions(cut=when, horizon_days=horizon_days, farm_size=farm_size,
                                farm_repeats=farm_repeats, pod_size=pod_size,
                                ablation=ablation)
    with _database(settings, target, progress) as store:
        return evaluate(store, records, network=name, dataset=dataset.name, options=options,
                        settings=settings, progress=progress.note)


def evaluate_suite(settings: Settings, data_dir: Path, *, cuts: tuple[str, ...] = ("0.6", "0.8"),
                   datasets: tuple[str, ...] | None = None, ablation: bool = True,
                   target: Target = Target(), progress: Progress = SILENT) -> SuiteReport:
    """Every temporal dataset of ``data_dir`` at every cut, on one scratch database.

    Raises:
        InvalidInputError: an unknown dataset name, or a dataset missing from ``data_dir``.
    """
    from influence.evaluation.holdout import evaluate
    from influence.evaluation.suite import SUITE, SuiteReport, read_suite_dataset

    chosen = [d for d in SUITE if datasets is None or d.name in datasets]
    unknown = set(datasets or ()) - {d.name for d in SUITE}
    if unknown:
        raise InvalidInputError(f"Unknown dataset(s) {sorted(unknown)}.",
                                hint=f"Choose among {[d.name for d in SUITE]}.")
    reports = []
    with _database(settings, target, progress) as store:
        for spec in chosen:
            progress.note(f"reading {spec.name}")
            records, network = read_suite_dataset(spec, data_dir, settings)
            times = event_times(records)
            for cut in cuts:
                progress.note(f"{spec.name}: cut {cut}")
                options = EvaluationOptions(cut=parse_cut(cut, times), ablation=ablation)
                reports.append(evaluate(store, records, network=network, dataset=spec.name,
                                        options=options, settings=settings,
                                        progress=progress.note))
    return SuiteReport(reports=reports, cuts=cuts)


def evaluate_topics(settings: Settings, dump: Path, *, cut: str = "0.8", min_people: int = 5,
                    network: str | None = None, target: Target = Target(),
                    progress: Progress = SILENT) -> TopicEvaluationReport:
    """Topic-filtered against personalised topic PageRank on a Stack Exchange dump."""
    from influence.evaluation.topics import evaluate_topics as run
    from influence.evaluation.topics import topic_events

    progress.note(f"reading {dump} (stackexchange)")
    records, name, _ = read_dataset(dump, "stackexchange", network, settings)
    when = parse_cut(cut, [e.at for e in topic_events(records)])
    with _database(settings, target, progress) as store:
        return run(store, records, network=name, dataset=dump.name, cut=when,
                   settings=settings, min_people=min_people, progress=progress.note)


def evaluate_communities(settings: Settings, edges: Path, labels: Path | None = None, *,
                         label_attribute: str = "value", directed: bool = False,
                         algorithm: Evaluated = "louvain",
                         progress: Progress = SILENT) -> CommunityEvaluation:
    """Communities (GDS, or Spark's label propagation) on a labelled graph against its
    labels (nothing is written).

    Runs on the configured server, or on a scratch one when the local server is not running.
    """
    from influence.evaluation.communities import evaluate_communities as run
    from influence.loaders.labelled import read_labelled

    graph = read_labelled(edges, labels, label_attribute)
    if algorithm == "spark-lpa":  # no database
        return run(None, graph, directed=directed, algorithm=algorithm)
    if settings.uses_local_server and not localdb.status(settings).running:
        with scratch_store(settings, say=progress.note) as store:
            return run(store, graph, directed=directed, algorithm=algorithm)
    with Store(settings) as store:
        return run(store, graph, directed=directed, algorithm=algorithm)


def evaluate_keywords(settings: Settings, dump: Path, *,
                      per_post: int = 3) -> tuple[int, dict[str, TagAgreement]]:
    """Keyword topics against the tags askers chose (no database): questions, and results.

    Raises:
        InvalidInputError: the dump has no tagged question with text.
    """
    from influence.loaders.keywords import tag_agreement
    from influence.loaders.records import PostRecord

    records, _, _ = read_dataset(dump, "stackexchange", None, settings)
    posts = [(r.text, set(r.topics)) for r in records
             if isinstance(r, PostRecord) and r.kind == "question" and r.topics and r.text]
    if not posts:
        raise InvalidInputError(f"{dump} has no tagged question with text.",
                                hint="Pass a Stack Exchange dump folder with a Posts.xml.")
    return len(posts), tag_agreement(posts, per_post)
