"""The notebook client against the real server, on the Stack Exchange dump."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from influence import Client
from influence.engine.reads import leaderboard
from influence.errors import InvalidInputError, NotFoundError
from influence.settings import Settings
from influence.store import Store
from tests.conftest import SE_DUMP, Target
from tests.integration.conftest import SE_ASOF, wipe

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def loaded(store: Store, settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.Series, pd.Series]:
    """A clean database, loaded and scored through the client itself."""
    wipe(store)
    client = Client(settings, policy="not_opted_out", progress=False)
    tally = client.load(SE_DUMP, quarantine_dir=tmp_path_factory.mktemp("q"))
    run = client.recompute(asof="2016-12-10")
    client.close()
    return tally, run


@pytest.fixture
def open_client(settings: Settings, loaded: object) -> Iterator[Client]:
    with Client(settings, policy="not_opted_out", progress=False) as client:
        yield client


def test_load_accounts_for_every_row_and_recompute_scores(
        loaded: tuple[pd.Series, pd.Series]) -> None:
    tally, run = loaded
    assert tally["balanced"]
    assert tally["read"] == tally["loaded"] + tally["skipped"] + tally["quarantined"]
    assert tally["loaded"] > 5000
    assert run["people_in_graph"] > 100
    assert run["asof"] == pd.Timestamp(SE_ASOF, unit="s", tz="UTC")


def test_loading_twice_adds_nothing(open_client: Client, tmp_path: Path) -> None:
    before = open_client.scores(limit=10_000)
    again = open_client.load(SE_DUMP, quarantine_dir=tmp_path)
    assert again["balanced"]
    open_client.recompute(asof=SE_ASOF)
    after = open_client.scores(limit=10_000)
    assert len(after) == len(before)
    pd.testing.assert_frame_equal(before, after)


def test_scores_match_the_engine_leaderboard(open_client: Client, store: Store) -> None:
    frame = open_client.scores(limit=20)
    assert list(frame.columns) == ["rank", "person_id", "score", "percentile", "consent",
                                   "networks", "accounts"]
    expected = leaderboard(store, 20, "not_opted_out")
    assert frame["person_id"].tolist() == [p.id for p in expected]
    assert frame["rank"].tolist() == list(range(1, 21))
    assert frame["score"].is_monotonic_decreasing
    assert frame["score"].between(1, 100).all()
    assert all(n == ["stackexchange"] for n in frame["networks"])


def test_filters(open_client: Client, store: Store) -> None:
    everyone = open_client.scores(limit=10_000)
    high = open_client.scores(min_score=10, limit=10_000)
    assert len(high) == int((everyone["score"] >= 10).sum())
    assert 0 < len(high) < len(everyone)
    assert open_client.scores(network="stackexchange", limit=10_000).equals(everyone)
    assert open_client.scores(network="no-such-network").empty
    on_topic = open_client.scores(topic="ipa", limit=15)
    assert on_topic["person_id"].tolist() == [
        p.id for p in leaderboard(store, 15, "not_opted_out", topic="ipa")]
    assert 0 < len(on_topic) <= 15
    with pytest.raises(InvalidInputError):
        open_client.scores(limit=0)


def test_the_default_policy_hides_people_without_consent(settings: Settings,
                                                        loaded: object) -> None:
    strict = settings.model_copy(update={"publish_policy": "opted_in"})
    with Client(strict, progress=False) as client:
        assert client.policy == "opted_in"
        assert client.scores(limit=50).empty
        with Client(settings, policy="not_opted_out", progress=False) as lenient:
            top = lenient.scores(limit=1)["person_id"][0]
            assert lenient.person(top)["published"]
        hidden = client.person(top)
        assert not hidden["published"]
        assert hidden["score"] is None
        assert hidden["percentile"] is None


def test_person_not_found(open_client: Client) -> None:
    with pytest.raises(NotFoundError):
        open_client.person("stackexchange:does-not-exist")


def test_progress_bars_can_be_switched_off(open_client: Client,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    open_client.recompute(asof=SE_ASOF, progress=False)
    assert "recompute" not in capsys.readouterr().err
    open_client.recompute(asof=SE_ASOF, progress=True)
    assert "recompute" in capsys.readouterr().err


def test_constructors(db_target: Target, settings: Settings, loaded: object) -> None:
    if db_target.cleanup == "local":
        with Client.local(settings, policy="not_opted_out", progress=False) as local:
            assert len(local.scores(limit=3)) == 3
        with pytest.raises(InvalidInputError):
            Client.local(settings.model_copy(update={"neo4j_uri": db_target.uri}))
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    with Client.connect(db_target.uri, user=settings.neo4j_user, password=password,
                        policy="not_opted_out", progress=False) as remote:
        assert len(remote.scores(limit=3)) == 3
        assert remote.policy == "not_opted_out"
