"""The evaluation suite: every temporal dataset of ``../shared/data`` at several cuts, and the
goals of the validity issue checked on each (docs/EVALUATION.md, "The whole table").

Goals read from each :class:`~influence.evaluation.holdout.EvaluationReport`:

* prediction: Spearman and NDCG@100 of our score against the best baseline (ratio >= 1.05);
* farm: the like farm's target stays outside the top 5 % of users;
* thin farm: the thin farm's targets (mean rank) stay outside the top 5 %;
* pod: the pod members' mean rank stays outside the top 10 % (the issue asks for their median;
  the reports keep the mean over members).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from influence.errors import InvalidInputError
from influence.evaluation.datasets import DatasetFormat, read_dataset
from influence.evaluation.holdout import BASELINES, OURS, EvaluationReport, Ranking, Shift
from influence.loaders.records import InteractionRecord, Record
from influence.settings import Settings

PREDICTION_GOAL = 1.05
FARM_GOAL = 0.05
POD_GOAL = 0.10


@dataclass(frozen=True)
class SuiteDataset:
    """One dataset of the suite: files under the data folder, their format, a network."""

    name: str
    paths: tuple[str, ...]
    fmt: DatasetFormat
    network: str
    publisher: str


SUITE: tuple[SuiteDataset, ...] = (
    SuiteDataset("CollegeMsg", ("snap-collegemsg/CollegeMsg.txt",), "snap", "collegemsg",
                 "SNAP (Panzarasa, Opsahl and Carley, JASIST 2009)"),
    SuiteDataset("Bitcoin Alpha", ("snap-bitcoin-alpha/soc-sign-bitcoinalpha.csv",),
                 "bitcoin", "btcalpha", "SNAP (Kumar et al., ICDM 2016; WSDM 2018)"),
    SuiteDataset("Bitcoin OTC", ("snap-bitcoin-otc/soc-sign-bitcoinotc.csv.gz",), "bitcoin",
                 "btcotc", "SNAP (Kumar et al., ICDM 2016; WSDM 2018)"),
    SuiteDataset("MathOverflow a2q", ("snap-sx-mathoverflow/sx-mathoverflow-a2q.txt",),
                 "snap", "mathoverflow", "SNAP (Paranjape, Benson and Leskovec, WSDM 2017)"),
    SuiteDataset("MathOverflow c2a", ("snap-sx-mathoverflow/sx-mathoverflow-c2a.txt",),
                 "snap", "mathoverflow", "SNAP (Paranjape, Benson and Leskovec, WSDM 2017)"),
    SuiteDataset("MathOverflow a2q+c2a", ("snap-sx-mathoverflow/sx-mathoverflow-a2q.txt",
                                          "snap-sx-mathoverflow/sx-mathoverflow-c2a.txt"),
                 "snap", "mathoverflow", "SNAP (Paranjape, Benson and Leskovec, WSDM 2017)"),
    SuiteDataset("Stack Exchange beer", ("stackexchange-beer",), "stackexchange", "beer",
                 "Stack Exchange, Inc. (archive.org/details/stackexchange, CC BY-SA)"),
)


def read_suite_dataset(spec: SuiteDataset, data_dir: Path,
                       settings: Settings) -> tuple[list[Record], str]:
    """The dataset's records (several files: their interactions ids kept apart by file).

    Raises:
        InvalidInputError: a file of the dataset is missing.
    """
    records: list[Record] = []
    for number, relative in enumerate(spec.paths):
        path = data_dir / relative
        if not path.exists():
            raise InvalidInputError(f"{spec.name}: {path} does not exist.",
                                    hint="Pass --data-dir, the folder of ../shared/data.")
        part, _, _ = read_dataset(path, spec.fmt, spec.network, settings)
        if len(spec.paths) > 1:
            part = [r.model_copy(update={"id": f"{number}-{r.id}"})
                    if isinstance(r, InteractionRecord) else r for r in part]
        records.extend(part)
    return records, spec.network


def top_share(shift: Shift, users: int) -> float:
    """The rank after an injection as a share of the users (0.01: the top 1 %)."""
    return shift.rank_after / users if users else math.nan


@dataclass(frozen=True)
class Verdict:
    """One dataset and cut against the goals."""

    dataset: str
    cut: int
    half_life_days: float
    spearman_ratio: float
    ndcg100_ratio: float
    best_spearman: str
    best_ndcg100: str
    below_a_baseline: tuple[str, ...]
    farm_top: float
    thin_farm_top: float
    pod_top: float

    @property
    def prediction_met(self) -> bool:
        return self.spearman_ratio >= PREDICTION_GOAL and self.ndcg100_ratio >= PREDICTION_GOAL

    @property
    def manipulation_met(self) -> bool:
        return (self.farm_top > FARM_GOAL and self.thin_farm_top > FARM_GOAL
                and self.pod_top > POD_GOAL)


def _by_method(rows: list[Ranking]) -> dict[str, Ranking]:
    return {r.method: r for r in rows}


def verdict(report: EvaluationReport) -> Verdict:
    """How one report stands against the goals."""
    rows = _by_method(report.rankings)
    ours = rows[OURS]
    baselines = [rows[b] for b in BASELINES if b in rows]
    best_rho = max(baselines, key=lambda r: r.spearman)
    best_ndcg = max(baselines, key=lambda r: r.ndcg[100])
    below = tuple(sorted({r.method for r in baselines
                          if r.spearman > ours.spearman or r.ndcg[100] > ours.ndcg[100]}))
    farm = next(s for s in report.farm if s.method == OURS)
    thin = next(s for s in report.thin_farm if s.method == OURS)
    pod = next(s for s in report.pod if s.method == OURS)
    return Verdict(report.dataset, report.cut, report.half_life_days,
                   ours.spearman / best_rho.spearman, ours.ndcg[100] / best_ndcg.ndcg[100],
                   best_rho.method, best_ndcg.method, below,
                   top_share(farm, report.users_seen), top_share(thin, report.users_seen),
                   top_share(pod, report.users_seen))


@dataclass
class SuiteReport:
    """Every dataset and cut of one suite run."""

    reports: list[EvaluationReport]
    cuts: tuple[str, ...]

    def verdicts(self) -> list[Verdict]:
        return [verdict(r) for r in self.reports]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view: each report and its verdict."""
        return {"cuts": list(self.cuts),
                "goals": {"prediction_ratio": PREDICTION_GOAL, "farm_top_share": FARM_GOAL,
                          "pod_top_share": POD_GOAL},
                "runs": [{"report": r.as_dict(), "verdict": {
                    **asdict(v), "prediction_met": v.prediction_met,
                    "manipulation_met": v.manipulation_met}}
                    for r, v in zip(self.reports, self.verdicts(), strict=True)]}
