"""The client without a database: policy plumbing, paging and argument checks."""

from __future__ import annotations

from typing import Any

import pytest

from influence.client import Client
from influence.errors import InvalidInputError
from influence.settings import Settings
from tests.fakes import RecordingStore


def _person(i: int, score: float) -> dict[str, Any]:
    return {"id": f"se:{i}", "consent": "opted_in", "score": score, "percentile": 50.0,
            "accounts": [{"network": "se", "id": str(i)}]}


def _page(people: list[dict[str, Any]]) -> Any:
    return lambda p: people[p["skip"]:p["skip"] + p["first"]]


def test_import_of_the_package_stays_light() -> None:
    import influence

    assert "Client" in influence.__all__
    assert influence.Client is Client


@pytest.mark.parametrize(("policy", "states"), [("opted_in", ["opted_in"]),
                                                ("not_opted_out", ["opted_in", "unknown"])])
def test_reads_pass_the_policy_states(policy: Any, states: list[str]) -> None:
    fake = RecordingStore()
    client = Client(Settings(), policy=policy, store=fake)
    assert client.policy == policy
    client.scores(limit=5)
    client.communities("people")
    sent = [params["states"] for name, params in fake.calls if "states" in params]
    assert sent == [states, states]


def test_policy_defaults_to_settings() -> None:
    client = Client(Settings(publish_policy="not_opted_out"), store=RecordingStore())
    assert client.policy == "not_opted_out"


def test_scores_pages_until_the_limit_and_ranks_after_filtering() -> None:
    people = [_person(i, 100.0 - i * 0.1) for i in range(500)]
    fake = RecordingStore(answers={"leaderboard_page": _page(people)})
    frame = Client(Settings(), store=fake).scores(limit=450)
    assert len(frame) == 450
    assert frame["rank"].tolist() == list(range(1, 451))
    assert [p["skip"] for _, p in fake.calls] == [0, 200, 400]


def test_scores_stop_at_min_score() -> None:
    people = [_person(i, 100.0 - i) for i in range(99)]
    fake = RecordingStore(answers={"leaderboard_page": _page(people)})
    frame = Client(Settings(), store=fake).scores(min_score=60.5, limit=1000)
    assert frame["score"].min() >= 60.5
    assert len(frame) == 40
    assert len(fake.calls) == 1


def test_arguments_are_checked_before_any_query() -> None:
    fake = RecordingStore()
    client = Client(Settings(), store=fake)
    with pytest.raises(InvalidInputError):
        client.scores(limit=0)
    with pytest.raises(InvalidInputError):
        client.neighbours("se:1", direction="SIDEWAYS")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        client.to_networkx("se:1", depth=0)
    with pytest.raises(InvalidInputError):
        client.recompute(asof="yesterday-ish")
    assert fake.calls == []


def test_local_refuses_an_external_server() -> None:
    with pytest.raises(InvalidInputError):
        Client.local(Settings(neo4j_uri="bolt://elsewhere:7687"))


def test_progress_bar_can_be_switched_off(capsys: pytest.CaptureFixture[str]) -> None:
    fake = RecordingStore(answers={"leaderboard_page": []})
    client = Client(Settings(), store=fake, progress=False)
    with client._bars(None) as bar:
        bar.stage("quiet task", 1)
    assert "quiet task" not in capsys.readouterr().err
    with client._bars(True) as bar:
        bar.stage("loud task", 1)
    assert "loud task" in capsys.readouterr().err
