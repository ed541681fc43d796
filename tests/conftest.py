"""Shared fixtures. The database for integration tests is chosen in this order:

1. an explicit ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD``);
2. a reachable Docker engine: testcontainers' Neo4j 5.26 container with the GDS plugin;
3. the project's own local server (``influence.localdb``), on ``INFLUENCE_TEST_DB_PORT``
   (default 7688) with its own data directory, stopped again at the end of the session.

The choice is printed in the pytest header line and the terminal summary.

Tiers: every test under ``tests/integration`` is marked ``integration`` and every test under
``tests/e2e`` is marked ``e2e`` (by folder, below), so ``pytest -m "not integration and not
e2e"`` (``make unit``) runs the fast tier, which needs no server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from influence import localdb
from influence.settings import Settings
from influence.store import Store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SE_DUMP = SHARED_DATA / "stackexchange-beer"


@dataclass
class Target:
    kind: str
    uri: str
    settings: Settings
    cleanup: object = None


_chosen: list[Target] = []


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=20)
    return probe.returncode == 0


def _choose() -> Target:
    if os.environ.get("NEO4J_URI"):
        password = os.environ.get("NEO4J_PASSWORD")
        settings = Settings(
            neo4j_uri=os.environ["NEO4J_URI"],
            neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
            neo4j_password=SecretStr(password) if password else None,
        )
        return Target("explicit NEO4J_URI", settings.bolt_uri, settings)
    if _docker_available():
        from testcontainers.neo4j import Neo4jContainer

        container = (
            Neo4jContainer("neo4j:5.26.24-community", password="influence-test")
            .with_env("NEO4J_PLUGINS", '["graph-data-science"]')
            .with_env("NEO4J_dbms_security_procedures_unrestricted", "gds.*")
        )
        container.start()
        settings = Settings(neo4j_uri=container.get_connection_url(),
                            neo4j_password=SecretStr("influence-test"))
        return Target("Docker (testcontainers neo4j:5.26.24 + GDS)", settings.bolt_uri, settings,
                      container)
    base = Settings()
    port = int(os.environ.get("INFLUENCE_TEST_DB_PORT", "7688"))
    settings = base.model_copy(update={
        "db_port": port, "data_dir": base.data_dir.with_name(f"test-db-{port}"),
        "heap_size": "1g", "pagecache_size": "256m",
    })
    localdb.start(settings, progress=print)
    return Target(f"project's own local server (influence.localdb, port {port})",
                  settings.bolt_uri, settings, "local")


@pytest.fixture(scope="session")
def db_target() -> Iterator[Target]:
    target = _choose()
    _chosen.append(target)
    print(f"\n[influence] integration database: {target.kind} at {target.uri}")
    yield target
    if target.cleanup == "local":
        localdb.stop(target.settings)
    elif target.cleanup is not None:
        target.cleanup.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def settings(db_target: Target) -> Settings:
    return db_target.settings


@pytest.fixture(scope="session")
def store(db_target: Target) -> Iterator[Store]:
    with Store(db_target.settings) as s:
        yield s


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _chosen:
        terminalreporter.write_line(f"integration database used: {_chosen[0].kind} "
                                    f"at {_chosen[0].uri}")
    else:
        terminalreporter.write_line("integration database used: none (no integration test ran)")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


TIERS = {"integration": pytest.mark.integration, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the tier of its folder (tests/integration, tests/e2e)."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in TIERS:
            item.add_marker(TIERS[folder])
