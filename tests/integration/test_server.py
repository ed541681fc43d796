"""The real server: GDS procedures, schema migrations, the local server's lifecycle."""

from __future__ import annotations

import pytest

from influence import localdb
from influence.schema import migrate
from influence.settings import GDS_VERSION
from influence.store import Query, Store
from tests.conftest import Target
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

RING = Query(
    "test_two_cliques",
    """
    UNWIND range(0, 9) AS i CREATE (:T {id: i})
    WITH 1 AS one
    MATCH (a:T), (b:T)
    WHERE a.id < b.id AND ((a.id < 5 AND b.id < 5) OR (a.id >= 5 AND b.id >= 5)
                           OR (a.id = 4 AND b.id = 5))
    CREATE (a)-[:E {w: 1.0}]->(b)
    """,
)


def test_gds_version_matches_the_pin(store: Store) -> None:
    assert store.read(Query("gds_version", "RETURN gds.version() AS v"))[0]["v"] == GDS_VERSION


def test_gds_pagerank_and_louvain_run_on_the_server(store: Store) -> None:
    wipe(store)
    store.write(RING)
    store.write_rows(Query("p", "CALL gds.graph.project('t', 'T', {E: {orientation: "
                           "'UNDIRECTED', properties: 'w'}}) YIELD nodeCount RETURN nodeCount"))
    try:
        ranks = store.read(Query("pr", "CALL gds.pageRank.stream('t', {relationshipWeightProperty:"
                                 " 'w'}) YIELD nodeId, score RETURN gds.util.asNode(nodeId).id AS "
                                 "id, score ORDER BY score DESC"))
        louvain = store.read(Query("lv", "CALL gds.louvain.stream('t') YIELD nodeId, communityId "
                                   "RETURN gds.util.asNode(nodeId).id AS id, communityId AS c"))
    finally:
        store.write_rows(Query("d", "CALL gds.graph.drop('t') YIELD graphName RETURN graphName"))
    # The two bridge nodes (4 and 5) carry the most weight in two 5-cliques joined by one edge.
    assert {ranks[0]["id"], ranks[1]["id"]} == {4, 5}
    community = {row["id"]: row["c"] for row in louvain}
    assert len({community[i] for i in range(5)}) == 1
    assert len({community[i] for i in range(5, 10)}) == 1
    assert community[0] != community[9]


def test_migrations_are_recorded_and_idempotent(store: Store) -> None:
    wipe(store)
    assert migrate(store) == []
    constraints = {row["name"] for row in store.read(Query("c", "SHOW CONSTRAINTS YIELD name"))}
    assert {"person_id", "account_key", "post_key", "topic_name", "interaction_id"} <= constraints


def test_local_server_start_is_idempotent_and_stop_leaves_no_process(db_target: Target) -> None:
    if db_target.cleanup != "local":
        pytest.skip(f"the database is {db_target.kind}, not the project's local server")
    settings = db_target.settings
    first = localdb.status(settings)
    assert first.running
    again = localdb.start(settings)
    assert again.pid == first.pid  # no second server
    assert localdb.stop(settings)
    assert first.pid is not None
    assert not localdb._alive(first.pid)
    assert not localdb.status(settings).running
    localdb.start(settings)  # restore for the tests that follow
    assert localdb.status(settings).running
