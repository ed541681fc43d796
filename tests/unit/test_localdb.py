"""Local server management: configuration, clear errors, recipes pinned to the settings."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from influence import localdb
from influence.errors import EnvironmentProblemError
from influence.settings import GDS_VERSION, NEO4J_VERSION, Settings

POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "db", cache_dir=tmp_path / "cache", **extra)  # type: ignore[arg-type]


def test_config_binds_loopback_and_allows_gds(tmp_path: Path) -> None:
    settings = _settings(tmp_path, db_port=7699)
    conf = localdb._conf(settings, localdb.Distribution(tmp_path / "dist"))
    assert "server.bolt.listen_address=127.0.0.1:7699" in conf
    assert "dbms.security.procedures.unrestricted=gds.*" in conf
    assert f"server.directories.plugins={tmp_path / 'dist' / 'plugins'}" in conf
    assert "server.http.enabled=false" in conf


def test_port_in_use_names_the_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EnvironmentProblemError, match=f"Port {port} .* already in use"):
            localdb.start(_settings(tmp_path, db_port=port))


def test_missing_java_says_which_is_needed(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblemError, match="Java 17 or 21"):
        localdb.find_java(_settings(tmp_path, java_home=tmp_path / "no-jdk"))


def test_wrong_java_version_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2"\' >&2\n')
    fake.chmod(0o755)
    with pytest.raises(EnvironmentProblemError, match=r"Java 11; Neo4j 5\.26"):
        localdb.find_java(_settings(tmp_path, java_home=tmp_path / "jdk"))


def test_recipes_pin_the_versions_in_settings() -> None:
    neo4j = ET.parse(localdb.PROVISION_DIR / "neo4j" / "pom.xml").getroot()
    gds = ET.parse(localdb.PROVISION_DIR / "gds" / "pom.xml").getroot()
    assert neo4j.findtext("m:properties/m:neo4j.version", namespaces=POM_NS) == NEO4J_VERSION
    assert gds.findtext("m:properties/m:gds.version", namespaces=POM_NS) == GDS_VERSION


def test_integrity_check_finds_a_damaged_jar(tmp_path: Path) -> None:
    dist = localdb.Distribution(tmp_path / "dist")
    dist.lib.mkdir(parents=True)
    (dist.lib / "a.jar").write_bytes(b"original")
    localdb._write_manifest(dist.root)
    assert localdb.verify(dist) == []
    (dist.lib / "a.jar").write_bytes(b"tampered")
    assert localdb.verify(dist) == ["lib/a.jar"]


def test_status_of_a_never_started_instance(tmp_path: Path) -> None:
    status = localdb.status(_settings(tmp_path))
    assert not status.running
    assert status.pid is None
