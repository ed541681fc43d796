"""Pure parts of the evaluation: cut parsing, targets, baselines, metrics, injections."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

from influence.engine.model import ModelParams
from influence.errors import InvalidInputError
from influence.evaluation.holdout import (
    Event,
    ablations,
    baseline_scores,
    choose_farm_target,
    choose_pod,
    choose_thin_targets,
    engagers_after,
    farm_events,
    pagerank,
    parse_cut,
    percentiles,
    pod_events,
    rank_of,
    ranking_quality,
    ranks_of,
    seen_users,
    shift,
    stability,
    thin_farm_events,
)
from influence.timeutil import DAY_S


def _e(actor: str, target: str, at: int = 0) -> Event:
    return Event(actor, target, at, "message")


def test_parse_cut_fraction_and_date() -> None:
    times = list(range(0, 1000))
    assert parse_cut("0.5", times) == 499
    assert parse_cut("2004-08-01", times) == 1091318400
    for bad in ("1.5", "0", "yesterday"):
        with pytest.raises(InvalidInputError):
            parse_cut(bad, times)


def test_target_counts_distinct_engagers_within_horizon() -> None:
    events = [_e("a", "x", 10), _e("a", "x", 11), _e("b", "x", 12), _e("x", "x", 13),
              _e("c", "y", 5), _e("d", "y", 10 + 2 * DAY_S)]
    assert engagers_after(events, 10, None) == Counter({"x": 2, "y": 1})
    assert engagers_after(events, 10, 1.0) == Counter({"x": 2})


def test_baselines_count_repeats_distinct_and_degree() -> None:
    events = [_e("a", "x"), _e("a", "x", DAY_S), _e("b", "x"), _e("x", "x"), _e("x", "a")]
    users = seen_users(events)
    base = baseline_scores(users, events, asof=3 * DAY_S, half_life_s=DAY_S)
    assert base["engagement count"]["x"] == 4
    assert base["distinct engagers"]["x"] == 2
    assert base["in-degree"]["x"] == 3  # a, b and the self-loop
    assert base["distinct engagers"]["b"] == 0
    # decayed: a's latest engagement is 2 half-lives old, b's 3; the self-loop does not count
    assert base["decayed engagers"]["x"] == pytest.approx(0.25 + 0.125)
    assert base["decayed engagers"]["a"] == pytest.approx(0.125)


def test_thin_farm_engages_each_target_once_from_fresh_accounts() -> None:
    base = {"distinct engagers": {u: float(i % 4) for i, u in enumerate("abcdefghij")}}
    targets = choose_thin_targets(base, list("abcdefghij"), 3, exclude=["f"])
    assert len(targets) == 3
    assert "f" not in targets
    assert all(base["distinct engagers"][t] > 0 for t in targets)
    events = thin_farm_events(targets, 4, 10 * DAY_S, kind="like", value=None)
    assert len(events) == 12
    assert Counter(e.target for e in events) == Counter(dict.fromkeys(targets, 4))
    assert len({(e.actor, e.target) for e in events}) == 12  # once per account and target
    assert all(e.actor.startswith("eval-thin-") and e.at < 10 * DAY_S for e in events)


def test_ablations_switch_off_one_component_each() -> None:
    params = ModelParams()
    variants = ablations(params)
    assert variants["without trust"].trust_floor == 1.0
    assert variants["without propagation"].propagation_blend == 0.0
    assert not variants["without diminishing returns"].diminishing_returns
    for name, changed in variants.items():
        differing = {k for k, v in changed.model_dump().items()
                     if v != params.model_dump()[k]}
        assert len(differing) == 1, name


def test_pagerank_matches_networkx() -> None:
    graph = nx.gnp_random_graph(60, 0.08, seed=3, directed=True)
    events = [_e(str(a), str(b)) for a, b in graph.edges()]
    users = [str(n) for n in graph.nodes()]
    ours = pagerank(users, events)
    expected = nx.pagerank(graph, alpha=0.85, tol=1e-12)
    for node, value in expected.items():
        assert ours[str(node)] == pytest.approx(value, abs=1e-8)


def test_ranking_quality_perfect_and_reversed() -> None:
    users = [str(i) for i in range(20)]
    target = Counter({u: i for i, u in enumerate(users)})
    perfect = ranking_quality("p", {u: float(i) for i, u in enumerate(users)}, target, users)
    reverse = ranking_quality("r", {u: -float(i) for i, u in enumerate(users)}, target, users)
    assert perfect.spearman == pytest.approx(1.0)
    assert perfect.ndcg[10] == pytest.approx(1.0)
    assert reverse.spearman == pytest.approx(-1.0)
    assert reverse.ndcg[10] < 0.5


def test_ranks_and_percentiles() -> None:
    scores = {"a": 3.0, "b": 2.0, "c": 2.0, "d": 1.0}
    assert [rank_of(scores, u, scores) for u in "abcd"] == [1, 2, 2, 4]
    # unknown users score 0; ``among`` may leave out the users asked about
    assert ranks_of(scores, ["c", "x", "a"], ["a", "b", "d"]).tolist() == [2, 4, 1]
    p = percentiles(scores, list(scores))  # the engine's: share of scores strictly below
    assert p == {"a": 75.0, "b": 25.0, "c": 25.0, "d": 0.0}


def test_injections_are_deterministic_and_shaped() -> None:
    users = [str(i) for i in range(30)]
    events = [_e(str(j), str(i)) for i in range(30) for j in range(i % 7)]
    base = baseline_scores(users, events, asof=DAY_S, half_life_s=DAY_S)
    target = choose_farm_target(base, users)
    assert target == choose_farm_target(base, users)
    pod = choose_pod(base, users, 5, exclude=target)
    assert len(pod) == 5
    assert target not in pod
    farm = farm_events(target, 4, 3, cut=10 * DAY_S, kind="like", value=None)
    assert len(farm) == 12
    assert {e.target for e in farm} == {target}
    assert len({e.actor for e in farm}) == 4
    assert all(e.at < 10 * DAY_S for e in farm)
    ring = pod_events(pod, 2, cut=10 * DAY_S, kind="like", value=None)
    assert len(ring) == 5 * 4 * 2
    assert all(e.actor != e.target for e in ring)


def test_shift_and_stability() -> None:
    before = {"t": 1.0, "a": 5.0, "b": 3.0}
    after = {"t": 4.0, "a": 5.0, "b": 3.0}
    moved = shift("m", before, after, ["t"], list(before))
    assert (moved.rank_before, moved.rank_after, moved.rank_gain) == (3, 2, 1)
    assert moved.score_change_pct == pytest.approx(300.0)
    still = stability("m", before, before, ["a", "b"], list(before), with_scores=True)
    assert still.mean_abs_percentile_change == 0.0
    assert still.max_abs_score_change == 0.0


def test_explicit_server_needs_wipe_consent() -> None:
    from influence.evaluation.scratch import scratch_store
    from influence.settings import Settings

    with pytest.raises(InvalidInputError, match="--wipe"), scratch_store(
            Settings(), "bolt://127.0.0.1:1", wipe=False):
        pass


def test_scratch_server_is_not_the_operators() -> None:
    from pathlib import Path

    from influence.evaluation.scratch import scratch_settings
    from influence.settings import Settings

    base = Settings(db_port=7000, data_dir=Path("/tmp/x/db"))
    scratch = scratch_settings(base)
    assert scratch.db_port == 7002
    assert scratch.data_dir == Path("/tmp/x/db-eval")


def test_report_renders_as_json_and_markdown() -> None:
    import json

    from influence.cli.evaluate import report_markdown
    from influence.evaluation.holdout import METHODS, EvaluationReport, Ranking, Shift, Stability

    report = EvaluationReport(
        dataset="d", network="n", cut=1_000_000, horizon_days=None, events_total=10,
        events_before_cut=8, events_after_cut=2, users_seen=5, users_engaged_after=2,
        rankings=[Ranking(m, 0.5, {10: 0.9, 100: 0.8, 1000: 0.7}) for m in METHODS],
        farm_target="u1", farm=[Shift(m, 4, 1, 1.0, 2.0) for m in METHODS],
        pod_members=["u2", "u3"], pod=[Shift(m, 3, 2, 0.0, 1.0) for m in METHODS],
        thin_targets=["u4"], thin_farm=[Shift(m, 5, 5, 0.0, 0.5) for m in METHODS],
        half_life_days=12.5, ablation=[Ranking("without trust", 0.4, {10: 0.8, 100: 0.7,
                                                                      1000: 0.6})],
        stable_users=3, stability=[Stability(m, 3, 1.0, 2.0, 0.99) for m in METHODS],
        our_scores={"u1": 3.0})
    data = json.loads(json.dumps(report.as_dict(), default=str))
    assert "our_scores" not in data
    assert data["farm"][0]["rank_gain"] == 3
    assert data["rankings"][0]["ndcg"]["ndcg@100"] == 0.8
    text = report_markdown(report)
    assert text.count("| influence score |") == 5  # rankings, farm, pod, thin farm, stability
    assert "| +3.0 |" in text
    assert data["thin_farm"][0]["rank_gain"] == 0

    from influence.cli.evaluate import suite_markdown
    from influence.evaluation.suite import SuiteReport, verdict

    v = verdict(report)
    assert v.spearman_ratio == pytest.approx(1.0)
    assert not v.prediction_met
    assert v.farm_top == pytest.approx(1 / 5)
    assert v.pod_top == pytest.approx(2 / 5)
    assert v.manipulation_met
    table = suite_markdown(SuiteReport([report], ("0.8",)))
    assert "| d | 1970-01-12 | 12.5 | 1.000x" in table
    assert "MISSED" in table
    assert "| without trust |" in table  # the summary row
    assert "-0.100 / -0.100" in table
