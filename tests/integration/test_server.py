"""The real server: GDS procedures, schema migrations, the local server's lifecycle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from influence import localdb
from influence.errors import EnvironmentProblemError
from influence.schema import migrate
from influence.settings import GDS_VERSION, Settings
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
    assert {"person_id", "account_key", "post_key", "topic_name"} <= constraints
    # Interactions are aggregated since migration 0006: no per-interaction id constraint.
    assert "interaction_id" not in constraints
    indexes = {row["name"] for row in store.read(Query("i", "SHOW INDEXES YIELD name"))}
    assert {"person_slot", "score_chunk_run"} <= indexes


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


CLI = [sys.executable, "-c", "from influence.cli import main; main()"]
USED_PROCEDURES = {"gds.graph.project", "gds.graph.drop", "gds.graph.list", "gds.pageRank.stream",
                   "gds.pageRank.write", "gds.louvain.stream", "gds.louvain.write",
                   "gds.leiden.stream", "gds.leiden.write"}
USED_FUNCTIONS = {"gds.version", "gds.util.asNode", "gds.graph.project"}
"""The GDS procedures and functions the engine and its tests call."""


def _servers_of(home: Path) -> list[int]:
    return [int(pid) for pid in os.listdir("/proc") if pid.isdigit()
            and localdb._alive(int(pid), home)]


def test_two_simultaneous_starts_share_one_server(tmp_path: Path) -> None:
    """Two `influence db start` of a fresh instance at the same moment: both succeed, the one
    that waited reports the server the other started, and only one server runs."""
    port = next((p for p in range(7791, 7800) if localdb._port_free(p)), None)
    if port is None:
        pytest.skip("no free port in 7791-7799")
    home = tmp_path / "db"
    settings = Settings().model_copy(update={
        "neo4j_uri": None, "db_port": port, "data_dir": home, "heap_size": "1g",
        "pagecache_size": "256m"})
    try:
        localdb.find_java(settings)
    except EnvironmentProblemError as missing:
        pytest.skip(str(missing))
    env = {k: v for k, v in os.environ.items() if k != "INFLUENCE_NEO4J_URI"}
    env.update(INFLUENCE_DB_PORT=str(port), INFLUENCE_DATA_DIR=str(home), COLUMNS="300",
               INFLUENCE_HEAP_SIZE="1g", INFLUENCE_PAGECACHE_SIZE="256m")
    starts = [subprocess.Popen([*CLI, "db", "start"], env=env, cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
              for _ in range(2)]
    try:
        outputs = [" ".join(proc.communicate(timeout=900)[0].split()) for proc in starts]
        assert [proc.returncode for proc in starts] == [0, 0], outputs
        assert not any("Traceback" in out or "error:" in out for out in outputs), outputs
        waited = [out for out in outputs if "already running" in out]
        assert len(waited) == 1, outputs
        assert "Waiting for another process" in waited[0]
        state = localdb.status(settings)
        assert state.running
        assert _servers_of(home) == [state.pid]
        with GraphDatabase.driver(settings.bolt_uri) as driver:
            version = driver.execute_query("RETURN gds.version() AS v").records[0]["v"]
            procedures = {r["name"] for r in driver.execute_query(
                "SHOW PROCEDURES YIELD name").records}
            functions = {r["name"] for r in driver.execute_query(
                "SHOW FUNCTIONS YIELD name").records}
        assert version == GDS_VERSION
        assert not USED_PROCEDURES - procedures  # registered from the procedure-only jar
        assert not USED_FUNCTIONS - functions
        stop = subprocess.run([*CLI, "db", "stop"], env=env, cwd=tmp_path, text=True,
                              capture_output=True, timeout=300, check=False)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert "Neo4j stopped." in stop.stdout + stop.stderr
        assert _servers_of(home) == []
        log = (home / "logs" / "debug.log").read_text(errors="replace")
        assert "from plugin jar" not in log  # no class of the plugin failed to load
    finally:
        for proc in starts:
            if proc.poll() is None:
                proc.kill()
        localdb.stop(settings)
