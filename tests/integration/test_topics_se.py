"""Topic scores and communities on the Stack Exchange slice, on the real server."""

from __future__ import annotations

import pytest

from influence.engine import communities, engagement, topics
from influence.engine.scoring import ScoreRun, resolve
from influence.errors import InvalidInputError
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import SE_ASOF

pytestmark = pytest.mark.integration

GDS_ONE_TOPIC = Query(
    "test_gds_one_topic_pagerank",
    """
    MATCH (pa:Person)-[:HAS_ACCOUNT]->(:Account)-[r]->(:Account)<-[:HAS_ACCOUNT]-(pb:Person)
    WHERE pa <> pb AND $topic IN r.topics AND coalesce($weights[type(r)], 0.0) > 0
    UNWIND r.ev AS e
    WITH pa, pb, r, e / 1048576 AS at WHERE at <= $asof AND at > $asof - $window_s
    WITH pa, pb, sum($weights[type(r)] * 0.5 ^ (($asof - at) / $half_life_s)) AS strength
    WITH gds.graph.project($graph, pa, pb,
           {relationshipProperties: {weight: log(1.0 + strength)}}) AS g
    CALL gds.pageRank.stream($graph, {relationshipWeightProperty: 'weight',
        dampingFactor: $damping, maxIterations: $max_iterations, tolerance: $tolerance})
    YIELD nodeId, score
    RETURN gds.util.asNode(nodeId).id AS person, score
    """,
)
DROP = Query("test_drop_topic_graph", "CALL gds.graph.drop($graph, false) YIELD graphName "
             "RETURN graphName")
STORED = Query("test_topic_scores", """
    MATCH (p:Person)-[s:TOPIC_SCORE]->(t:Topic {name: $topic})
    RETURN p.id AS person, s.raw AS raw, s.score AS score""")
SET_CONSENT = Query("test_set_consent", "MATCH (p:Person {id: $id}) SET p.consent = $consent")
COUNTS = Query("test_community_counts", """
    MATCH (t:Topic) WITH count(t) AS topics, count(t.community) AS topics_in
    MATCH (p:Person) WITH topics, topics_in, count(p.community) AS people_in
    MATCH (c:TopicCommunity)
    RETURN topics, topics_in, people_in, count(c) AS communities, sum(c.size) AS sized""")


@pytest.fixture(scope="module")
def topic_run(store: Store, settings: Settings,
              se_loaded: tuple[Tally, ScoreRun]) -> topics.TopicRun:
    return topics.compute_topic_scores(store, settings.model, asof=SE_ASOF)


def test_topic_scores_exist_for_the_se_slice(topic_run: topics.TopicRun) -> None:
    assert topic_run.topics == 133
    assert topic_run.topics_scored > 100
    assert topic_run.scores_written > 1000


def test_topic_pagerank_equals_gds_pagerank_on_the_topic_filtered_graph(
        store: Store, settings: Settings, topic_run: topics.TopicRun) -> None:
    m = settings.model
    gds = store.write_rows(GDS_ONE_TOPIC, graph="test-topic-brewing", topic="brewing",
                           asof=SE_ASOF, window_s=m.window_days * 86400,
                           half_life_s=resolve(store, m).half_life_s,  # the run's
                           weights={k.upper(): w for k, w in m.kind_weights.items()},
                           damping=m.damping, max_iterations=m.max_iterations,
                           tolerance=m.tolerance)
    store.write_rows(DROP, graph="test-topic-brewing")
    expected = {r["person"]: r["score"] for r in gds if r["score"] > 1 - m.damping + 1e-9}
    stored = {r["person"]: r["raw"] for r in store.read(STORED, topic="brewing")}
    assert len(expected) > 10
    assert set(stored) == set(expected)
    for person, raw in expected.items():
        assert stored[person] == pytest.approx(raw, rel=1e-3)


def test_topic_leaderboard_honours_the_publish_policy(store: Store,
                                                      topic_run: topics.TopicRun) -> None:
    everyone = topics.topic_leaderboard(store, "brewing", 10, "not_opted_out")
    assert len(everyone) == 10
    assert [r.score for r in everyone] == sorted((r.score for r in everyone), reverse=True)
    assert topics.topic_leaderboard(store, "brewing", 10, "opted_in") == []
    store.write(SET_CONSENT, id=everyone[3].id, consent="opted_in")
    store.write(SET_CONSENT, id=everyone[0].id, consent="opted_out")
    try:
        only = topics.topic_leaderboard(store, "brewing", 10, "opted_in")
        assert [r.id for r in only] == [everyone[3].id]
        assert everyone[0].id not in {r.id for r in
                                      topics.topic_leaderboard(store, "brewing", 10,
                                                               "not_opted_out")}
        hidden = topics.person_topics(store, everyone[0].id, "not_opted_out")
        assert hidden.topics
        assert all(t.score is None for t in hidden.topics)
    finally:
        store.write(SET_CONSENT, id=everyone[3].id, consent="unknown")
        store.write(SET_CONSENT, id=everyone[0].id, consent="unknown")


def test_topic_explanation_sums_to_the_topic_score(store: Store, settings: Settings,
                                                   topic_run: topics.TopicRun) -> None:
    leader = topics.topic_leaderboard(store, "brewing", 1, "not_opted_out")[0]
    e = topics.explain_topic(store, leader.id, "brewing", settings.model, "not_opted_out")
    assert e.score == leader.score
    assert e.base + sum(c.points for c in e.contributions) + e.other_points == pytest.approx(
        e.score, abs=0.05)
    assert e.contributions
    assert all(c.points > 0 for c in e.contributions)


def test_person_topics_are_ordered_and_related_topics_cooccur(
        store: Store, topic_run: topics.TopicRun) -> None:
    leader = topics.topic_leaderboard(store, "brewing", 1, "not_opted_out")[0]
    mine = topics.person_topics(store, leader.id, "not_opted_out", first=5)
    scores = [t.score or 0.0 for t in mine.topics]
    assert "brewing" in {t.topic for t in mine.topics} or len(scores) == 5
    assert scores == sorted(scores, reverse=True)
    related = topics.related_topics(store, "brewing", 5)
    assert related
    assert related[0].together >= related[-1].together


def test_topic_and_people_communities_are_stored_with_modularity(
        store: Store, settings: Settings, topic_run: topics.TopicRun) -> None:
    t = communities.compute_topic_communities(store)
    p = communities.compute_people_communities(store, settings.model, asof=SE_ASOF)
    assert 1 < t.communities < 133
    assert 0 < t.modularity < 1
    assert p.communities > 1
    assert 0.2 < p.modularity < 1
    counts = store.read(COUNTS)[0]
    assert counts["topics_in"] == t.nodes
    assert counts["communities"] == t.communities
    assert counts["sized"] == t.nodes
    assert counts["people_in"] == p.nodes
    listed = communities.topic_communities(store, first=50)
    assert len(listed) == t.communities
    assert all(c.name.split(" / ")[0] == c.topics[0] for c in listed)
    # One paged read path (CLI, client and API): pages of one add up to the whole list.
    assert communities.count_communities(store, "topics") == t.communities
    assert [communities.topic_communities(store, first=1, skip=i)[0]
            for i in range(t.communities)] == listed
    whole = communities.topic_communities(store, first=50, topics=None)
    assert sum(len(c.topics) for c in whole) == t.nodes
    assert all(len(c.topics) == c.size for c in whole)
    assert communities.count_communities(store, "people") == p.communities
    with pytest.raises(InvalidInputError):
        communities.topic_communities(store, skip=-1)
    people = communities.people_communities(store, "opted_in")
    assert people
    assert all(c.top == () for c in people)  # nobody opted in: no member is shown
    assert communities.summary(store, "people") is not None
    again = communities.compute_topic_communities(store)
    assert again.communities == t.communities  # concurrency 1: same graph, same result


def test_topic_pairs_read_in_small_chunks_are_the_same(
        store: Store, settings: Settings, se_loaded: tuple[Tally, ScoreRun],
        monkeypatch: pytest.MonkeyPatch) -> None:
    whole = topics.topic_pairs(store, settings.model, SE_ASOF)
    monkeypatch.setattr(engagement, "CHUNK_ACCOUNTS", 97)
    trips = store.round_trips
    chunked = topics.topic_pairs(store, settings.model, SE_ASOF)
    assert store.round_trips - trips > 30  # the interactions came in many reads
    assert len(whole.topics) > 100  # the topics with engagement pairs in the window
    assert chunked.topics == whole.topics
    for column in ("topic", "source", "target"):
        assert (getattr(chunked, column) == getattr(whole, column)).all()
    assert chunked.weight == pytest.approx(whole.weight, rel=1e-12)
