"""``influence evaluate topics`` end to end on the real server, on the Stack Exchange beer dump."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from influence.cli import app
from influence.evaluation.topics import TOPIC_METHODS
from influence.settings import Settings
from influence.store import Store
from tests.conftest import SE_DUMP

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def topics_report(store: Store, settings: Settings,
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """``influence evaluate topics`` on the beer dump against the test server (wiped)."""
    folder = tmp_path_factory.mktemp("topics-eval")
    result = CliRunner().invoke(app, [
        "evaluate", "topics", str(SE_DUMP), "--cut", "0.8",
        "--json", str(folder / "report.json"), "--markdown", str(folder / "report.md"),
        "--neo4j-uri", settings.bolt_uri, "--wipe",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return report, (folder / "report.md").read_text(encoding="utf-8")


def test_topics_are_evaluated_with_every_method(
        topics_report: tuple[dict[str, Any], str]) -> None:
    report, markdown = topics_report
    assert report["topics_evaluated"] > 0
    assert report["topics_evaluated"] <= report["topics_with_future_engagement"]
    assert report["events_before_cut"] + report["events_after_cut"] == report["events_total"]
    assert [m["method"] for m in report["methods"]] == list(TOPIC_METHODS)
    assert set(report["per_topic"]) == set(report["people_engaged"])
    for topic, methods in report["per_topic"].items():
        assert set(methods) == set(TOPIC_METHODS)
        assert report["people_engaged"][topic] >= report["min_people"]
        for row in methods.values():
            assert row["spearman"] is None or -1.0 <= row["spearman"] <= 1.0
            assert 0.0 <= row["ndcg10"] <= 1.0
            assert 0.0 <= row["ndcg100"] <= 1.0
    for method in TOPIC_METHODS:
        assert f"| {method} |" in markdown


def test_summary_values_are_sane(topics_report: tuple[dict[str, Any], str]) -> None:
    report, _ = topics_report
    by_method = {m["method"]: m for m in report["methods"]}
    for m in by_method.values():
        assert -1.0 <= m["spearman"] <= 1.0
        assert m["topics"] == report["topics_evaluated"]
        assert m["wins"] + m["losses"] <= m["topics"]
    # measured on this dump: 0.366 (cut 0.8) and 0.415 (cut 0.7); asserted with a wide margin
    assert by_method["engagement count on topic"]["spearman"] > 0.2
    # the topic-blind score is the weakest predictor of engagement on a given topic
    # (measured 0.10 against 0.35 for the engine's topic-filtered PageRank)
    assert by_method["filtered"]["spearman"] > by_method["overall score"]["spearman"]
    # the finding the engine's choice rests on (docs/EVALUATION.md): measured 0.353 for the
    # topic-filtered graph against 0.139 for personalised PageRank at cut 0.8
    assert by_method["filtered"]["spearman"] > by_method["personalised"]["spearman"] + 0.1
