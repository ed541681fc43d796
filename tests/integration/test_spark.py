"""The Spark engine computes the scores the GDS engine computes (issue 21, docs/MODEL.md).

Real data: SNAP's CollegeMsg and the MathOverflow answers-to-questions layer (both published by
SNAP, Stanford; see ../shared/data/MANIFEST.md), and the canonical fixture (people with
accounts on two networks, for the network sub-scores); SNAP's email-Eu-core for Spark's
communities. Spark runs in local mode (``local[2]``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from influence.engine import spark as spark_engine
from influence.engine.explain import explain
from influence.engine.scoring import compute_scores
from influence.evaluation.communities import evaluate_communities
from influence.eventlog import write_log
from influence.jobs.load import LoadRequest, load
from influence.jobs.recompute import SparkJob, recompute
from influence.loaders.labelled import read_labelled
from influence.settings import Settings
from influence.store import Query, Store
from tests.conftest import SHARED_DATA
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"
CASES = {
    "collegemsg": (LoadRequest("snap", (SHARED_DATA / "snap-collegemsg" / "CollegeMsg.txt",),
                               network="college"), 1098777143),
    "mathoverflow": (LoadRequest("snap", (SHARED_DATA / "snap-sx-mathoverflow"
                                          / "sx-mathoverflow-a2q.txt",),
                                 network="mathoverflow"), 1457308800),  # 2016-03-07
}
SCORES = Query("test_spark_scores", """
    MATCH (p:Person)
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile,
           p.confidence AS confidence, p.score_networks AS networks,
           p.network_scores AS network_scores
    """)
RUN = Query("test_spark_run", """
    MATCH (r:ScoreRun) WHERE r.id = $run
    RETURN r.half_life_days AS half_life, r.pairs AS pairs, r.iterations AS iterations
    """)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = spark_engine.session(spark_engine.SparkOptions("local[2]", "1g", 2))
    yield session
    session.stop()


def _scores(store: Store) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in store.read(SCORES)}


def _top(scores: dict[str, float], n: int = 100) -> list[str]:
    return sorted(scores, key=lambda p: (-scores[p], p))[:n]


@pytest.mark.parametrize("dataset", sorted(CASES))
def test_spark_scores_equal_the_gds_scores(dataset: str, store: Store, settings: Settings,
                                           spark: Any, tmp_path: Path) -> None:
    """Every score within 0.05 points, the same top 100 in the same order, the same
    derived half-life, pairs and PageRank iterations."""
    request, asof = CASES[dataset]
    wipe(store)
    load(LoadRequest(request.source, request.paths, network=request.network,
                     quarantine_dir=tmp_path / "quarantine"), settings, store=store)
    run = compute_scores(store, settings.model, asof=asof)
    gds = _scores(store)
    write_log(store, tmp_path / "log")
    ours = spark_engine.score_log(spark, tmp_path / "log", settings.model, asof)
    assert sorted(ours.ids) == sorted(gds)
    assert ours.params.half_life_days == run.half_life_days
    assert (len(ours.pair_sources), ours.in_graph, ours.iterations, ours.converged) == (
        run.engagement_pairs, run.people_in_graph, run.iterations, run.converged)
    values = {name: dict(zip(ours.ids, ours.values[name], strict=True))
              for name in ("score", "percentile", "confidence")}
    gaps = {name: max(abs(values[name][p] - gds[p][name]) for p in gds)
            for name in values}
    differ = sum(values["score"][p] != gds[p]["score"] for p in gds)
    print(f"{dataset}: {len(gds)} people, {differ} scores differ (largest gap "
          f"{gaps['score']:.3f}), percentile gap {gaps['percentile']:.2f}, "
          f"confidence gap {gaps['confidence']:.4f}, Spark {ours.seconds:.1f}s")
    assert gaps["score"] <= 0.05
    assert gaps["confidence"] <= 0.001
    assert gaps["percentile"] <= 0.5
    assert differ <= 0.02 * len(gds)  # rounding at the 0.01 boundary, nothing more
    assert _top(values["score"]) == _top({p: row["score"] for p, row in gds.items()})
    assert len({gds[p]["score"] for p in _top(values["score"])}) > 50  # a ranking, not ties


def test_a_spark_run_is_written_back_as_a_gds_run(store: Store, settings: Settings,
                                                  spark: Any, tmp_path: Path) -> None:
    """Through the recompute job: the person view, the network sub-scores of people on two
    networks, the run's record and explanations that sum to the score, as GDS writes them."""
    wipe(store)
    load(LoadRequest("events", (DATA / "canonical" / "events.jsonl",),
                     identities=DATA / "canonical" / "identities.csv",
                     quarantine_dir=tmp_path / "quarantine"), settings, store=store)
    asof = 1717200000  # 2024-06-01, after the fixture's last event
    gds_run = recompute(store, settings.model, asof, topics=False, communities=False).scores
    gds = _scores(store)
    assert gds_run is not None
    gds_record = store.read(RUN, run=gds_run.run_id)  # the Spark run of the same day replaces it
    report = recompute(store, settings.model, asof, topics=False, communities=False,
                       engine="spark", spark=SparkJob(None))
    assert report.scores is not None
    ours = _scores(store)
    assert ours == gds
    several = [p for p, row in ours.items() if row["networks"] and len(row["networks"]) > 1]
    assert several, "the fixture has a person scored on two networks"
    assert store.read(RUN, run=report.scores.run_id) == gds_record != []
    published = [p for p, row in ours.items() if row["consent"] != "opted_out"]
    assert set(several) <= set(published)
    for person in published:
        row = ours[person]
        why = explain(store, person, "not_opted_out", first=10)
        assert why.score == row["score"]
        assert math.isclose(sum(c.contribution for c in why.by_network), why.score,
                            abs_tol=0.0005 * len(why.by_network))


def test_label_propagation_on_spark_finds_the_departments_of_email_eu_core(spark: Any) -> None:
    """Spark's communities (modularity label propagation) against email-Eu-core's 42
    departments (SNAP; Yin et al. 2017): GDS Louvain reaches NMI 0.56 there; plain label
    propagation would put every connected person in one community (NMI 0.03)."""
    graph = read_labelled(SHARED_DATA / "snap-email-eu-core" / "email-Eu-core.txt",
                          SHARED_DATA / "snap-email-eu-core"
                          / "email-Eu-core-department-labels.txt", "value")
    found = evaluate_communities(None, graph, algorithm="spark-lpa")
    print(f"spark-lpa on email-Eu-core: NMI {found.nmi:.3f}, ARI {found.ari:.3f}, modularity "
          f"{found.modularity:.3f}, {found.communities} communities")
    assert found.nmi > 0.6
    assert found.ari > 0.35
    assert found.modularity > 0.35
    assert 20 < found.communities < 100  # neither one giant community nor singletons
