"""The notebook client against the real server, on the Stack Exchange dump."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from influence import Client
from influence.errors import InvalidInputError, NotFoundError
from influence.settings import Settings
from influence.store import Query, Store
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


_TOP = Query("test_top_people", """
    MATCH (p:Person) WHERE p.score IS NOT NULL AND p.consent <> 'opted_out'
      AND ($topic IS NULL OR EXISTS {
          (p)-[:HAS_ACCOUNT]->(:Account)-[:POSTED]->(:Post)-[:TAGGED]->(:Topic {name: $topic}) })
    RETURN p.id AS id ORDER BY p.score DESC, p.id ASC LIMIT $n
""")


def _top(store: Store, n: int, topic: str | None = None) -> list[str]:
    """The published top-n straight from the graph (an oracle independent of the client)."""
    return [r["id"] for r in store.read(_TOP, n=n, topic=topic)]


def test_scores_match_the_engine_leaderboard(open_client: Client, store: Store) -> None:
    frame = open_client.scores(limit=20)
    assert list(frame.columns) == ["rank", "person_id", "name", "score", "percentile",
                                   "consent", "networks", "accounts"]
    assert frame["person_id"].tolist() == _top(store, 20)
    assert frame["name"].notna().all()  # Stack Exchange users have display names
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
    assert on_topic["person_id"].tolist() == _top(store, 15, topic="ipa")
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


def test_recompute_also_builds_topics_and_communities(loaded: tuple[pd.Series, pd.Series]) -> None:
    _, run = loaded
    assert run["topics_scored"] > 10
    assert run["topic_communities"] >= 2
    assert run["people_communities"] >= 2
    assert 0 < run["people_modularity"] < 1


def test_explanation_sums_to_the_score(open_client: Client) -> None:
    top = open_client.scores(limit=1)["person_id"][0]
    why = open_client.explanation(top, top=3)
    score = why.summary["score"]
    assert score == open_client.scores(limit=1)["score"][0]
    for part in (why.by_kind, why.by_network, why.top_people):
        assert abs(part["contribution"].sum() - score) < 0.05
    assert list(why.by_network["network"]) == ["stackexchange"]
    assert len(why.top_people) <= 4  # three named engagers and one pooled row
    assert why.top_people["person_id"].iloc[:3].notna().all()


def test_topic_reads(open_client: Client) -> None:
    topics = open_client.topics(limit=5)
    assert list(topics.columns) == ["topic", "posts", "community"]
    assert topics["posts"].is_monotonic_decreasing
    leaders = open_client.topic_scores(topics["topic"][0], limit=5)
    assert len(leaders) == 5
    assert leaders["score"].is_monotonic_decreasing
    mine = open_client.person_topics(leaders["person_id"][0])
    assert topics["topic"][0] in set(mine["topic"])
    related = open_client.related_topics(topics["topic"][0], limit=3)
    assert len(related) == 3
    with pytest.raises(NotFoundError):
        open_client.topic_scores("no-such-topic")


def test_communities(open_client: Client) -> None:
    topic_comms = open_client.communities("topics")
    assert list(topic_comms.columns) == ["community_id", "name", "size", "posts", "topics",
                                         "modularity"]
    assert topic_comms["size"].sum() == len(open_client.topics(limit=10_000))
    people = open_client.communities("people", limit=5, members=3)
    assert people["size"].is_monotonic_decreasing
    assert all(len(m) <= 3 for m in people["top_people"])
    with pytest.raises(InvalidInputError):
        open_client.communities("nope")  # type: ignore[arg-type]


def test_neighbours_and_subgraph(open_client: Client) -> None:
    top = open_client.scores(limit=1)["person_id"][0]
    engaged_by = open_client.neighbours(top, direction="IN", limit=5)
    assert 0 < len(engaged_by) <= 5
    assert engaged_by["weight"].is_monotonic_decreasing
    answers = open_client.neighbours(top, direction="IN", kinds=["answer"], limit=50)
    assert all(k == ["answer"] for k in answers["kinds"])
    graph = open_client.to_networkx(top, depth=1, limit=5)
    assert graph.nodes[top]["hop"] == 0
    assert set(engaged_by["person_id"]) <= set(graph.predecessors(top))
    assert all(graph.has_edge(p, top) for p in engaged_by["person_id"])
    deeper = open_client.to_networkx(top, depth=2, limit=5)
    assert deeper.number_of_nodes() > graph.number_of_nodes()
    with pytest.raises(InvalidInputError):
        open_client.to_networkx(top, depth=4)


def test_history_has_the_snapshot_of_the_recompute(open_client: Client) -> None:
    top = open_client.scores(limit=1)
    history = open_client.history(top["person_id"][0])
    assert list(history.columns) == ["asof", "score", "percentile", "confidence", "change"]
    last = history.iloc[-1]
    assert last["asof"] == pd.Timestamp(SE_ASOF, unit="s", tz="UTC")
    assert last["score"] == top["score"][0]


def test_every_read_honours_the_default_policy(settings: Settings, loaded: object) -> None:
    from influence.errors import ConsentDeniedError

    with Client(settings, policy="not_opted_out", progress=False) as lenient:
        top = lenient.scores(limit=1)["person_id"][0]
        topic = lenient.topics(limit=1)["topic"][0]
    with Client(settings.model_copy(update={"publish_policy": "opted_in"}),
                progress=False) as strict:
        with pytest.raises(ConsentDeniedError):
            strict.explanation(top)
        with pytest.raises(ConsentDeniedError):
            strict.history(top)
        topics_of_top = strict.person_topics(top)
        assert not topics_of_top.empty
        assert topics_of_top["score"].isna().all()
        assert strict.topic_scores(topic).empty
        neighbours = strict.neighbours(top)
        assert not neighbours.empty
        assert neighbours["score"].isna().all()
        communities = strict.communities("people")
        assert not communities.empty
        assert all(len(m) == 0 for m in communities["top_people"])
        graph = strict.to_networkx(top, depth=1)
        assert graph.number_of_nodes() > 1
        assert all(data["score"] is None for _, data in graph.nodes(data=True))
        found = strict.search(top.split(":")[1])
        assert not found.empty
        assert found["score"].isna().all()


def test_topic_explanation_adds_up(open_client: Client) -> None:
    topic = open_client.topics(limit=1)["topic"][0]
    leader = open_client.topic_scores(topic, limit=1)
    why = open_client.topic_explanation(leader["person_id"][0], topic, top=3)
    assert why.attrs["score"] == leader["score"][0]
    assert abs(why.attrs["base"] + why["points"].sum() - why.attrs["score"]) < 0.05
    assert len(why) <= 4
