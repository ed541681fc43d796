"""compose.yaml is valid for Docker users (checked with the Docker client; no engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> list[str]:
    """`docker compose` (v2 plugin) where present, else Debian's `docker-compose`."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True, check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail("no Docker Compose client: `make test` installs Debian's docker-compose")


def test_compose_file_is_valid() -> None:
    result = subprocess.run([*_compose(), "-f", str(ROOT / "compose.yaml"), "config"],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    neo4j = config["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert "graph-data-science" in neo4j["environment"]["NEO4J_PLUGINS"]
    assert neo4j["environment"]["NEO4J_dbms_security_procedures_unrestricted"] == "gds.*"
    assert "healthcheck" in neo4j
    assert "healthcheck" in config["services"]["api"]
    assert "neo4j-data" in config["volumes"]
