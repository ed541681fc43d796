"""`influence evaluate communities` on SNAP email-Eu-core and polbooks, on the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from influence.evaluation.communities import evaluate_communities
from influence.loaders.labelled import read_labelled
from influence.store import Query, Store
from tests.conftest import SHARED_DATA, Target

pytestmark = pytest.mark.integration
EU = SHARED_DATA / "snap-email-eu-core"
GRAPHS = Query("test_list_graphs", "CALL gds.graph.list() YIELD graphName RETURN graphName")


def test_email_eu_core_departments_are_recovered_well_above_chance(store: Store) -> None:
    graph = read_labelled(EU / "email-Eu-core.txt", EU / "email-Eu-core-department-labels.txt")
    before = {r["graphName"] for r in store.read(GRAPHS)}
    result = evaluate_communities(store, graph)
    assert {r["graphName"] for r in store.read(GRAPHS)} == before  # projection dropped
    assert result.nodes == 1005
    assert result.label_classes == 42
    assert 0.4 < result.nmi <= 1  # shuffled labels give NMI near 0.1 at this community count
    assert 0.1 < result.ari <= 1
    assert result.modularity > result.labels_modularity > 0


def test_polbooks_gml_leanings(store: Store) -> None:
    graph = read_labelled(SHARED_DATA / "polbooks" / "polbooks.gml", None)
    result = evaluate_communities(store, graph, algorithm="leiden")
    assert result.label_classes == 3
    assert 0.3 < result.nmi <= 1
    assert 0.3 < result.ari <= 1


def test_cli_prints_nmi_ari_and_modularity(db_target: Target) -> None:
    env = {**os.environ, "INFLUENCE_NEO4J_URI": db_target.uri}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "influence"), "evaluate", "communities",
         "--edges", str(EU / "email-Eu-core.txt"),
         "--labels", str(EU / "email-Eu-core-department-labels.txt"), "--json"],
        capture_output=True, text=True, env=env, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"nmi"' in done.stdout
    assert '"ari"' in done.stdout
    assert '"modularity"' in done.stdout
