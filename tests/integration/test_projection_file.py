"""Graph projections fed from a file in the server's import folder (engine/projection.py)
give the same graphs and scores as the same pairs sent in the request."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from influence.engine import projection
from influence.engine.communities import compute_people_communities
from influence.engine.scoring import ScoreRun, compute_scores
from influence.errors import EnvironmentProblemError
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Query, Row, Store
from tests.integration.conftest import SE_ASOF

PEOPLE = Query("test_projection_people", """
    MATCH (p:Person)
    OPTIONAL MATCH (r:ScoreRun {current: true})
    OPTIONAL MATCH (c:ScoreChunk {run: r.id, chunk: p.slot / 1000})
    RETURN p.id AS id, p.score AS score, c.raw[p.slot % 1000] AS raw ORDER BY id""")


def _recorded(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the write queries the store runs from now on."""
    names: list[str] = []
    inner = store.write_rows

    def write_rows(query: Query, **params: Any) -> list[Row]:
        names.append(query.name)
        return inner(query, **params)

    monkeypatch.setattr(store, "write_rows", write_rows)
    return names


def test_pairs_from_a_file_give_the_same_scores_and_community_graph(
    se_loaded: tuple[Tally, ScoreRun], store: Store, settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = store.import_dir
    if folder is None:
        pytest.skip("this test database has no import folder shared with the tests")
    by_value = compute_scores(store, settings.model, asof=SE_ASOF)
    before = store.read(PEOPLE)
    value_graph = compute_people_communities(store, settings.model, asof=SE_ASOF)
    assert by_value.engagement_pairs > 1_000
    monkeypatch.setattr(projection, "FILE_PAIRS", 1)
    names = _recorded(store, monkeypatch)
    by_file = compute_scores(store, settings.model, asof=SE_ASOF)
    file_graph = compute_people_communities(store, settings.model, asof=SE_ASOF)
    assert "scoring_project_pairs_file" in names
    assert "scoring_project_pairs" not in names
    assert "project_people_graph_file" in names
    assert "project_people_graph" not in names
    after = store.read(PEOPLE)
    assert [p["id"] for p in after] == [p["id"] for p in before]
    # PageRank's file holds float32 shares of each source's weight (engine/projection.py): the
    # same ranks to float32 precision
    assert all(math.isclose(a["score"], b["score"], abs_tol=1e-4) if b["score"] is not None
               else a["score"] is None for a, b in zip(after, before, strict=True))
    assert all(math.isclose(a["raw"], b["raw"], rel_tol=1e-5, abs_tol=1e-9)
               for a, b in zip(after, before, strict=True))
    assert (by_file.people_in_graph, by_file.iterations) == (by_value.people_in_graph,
                                                             by_value.iterations)
    assert (file_graph.nodes, file_graph.relationships) == (value_graph.nodes,
                                                            value_graph.relationships)
    assert not list(folder.glob("influence-pairs-*.csv"))  # each file removed after its use


def test_an_import_folder_the_server_does_not_read_is_named_in_the_error(
    se_loaded: tuple[Tally, ScoreRun], settings: Settings, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(projection, "FILE_PAIRS", 1)
    elsewhere = settings.model_copy(update={"neo4j_import_dir": tmp_path})  # not the server's
    with Store(elsewhere) as store, pytest.raises(EnvironmentProblemError) as raised:
        compute_scores(store, settings.model, asof=SE_ASOF)
    assert "could not read a file this process wrote" in raised.value.message
    assert raised.value.hint is not None
    assert "INFLUENCE_NEO4J_IMPORT_DIR" in raised.value.hint
    assert not list(tmp_path.iterdir())  # the file it wrote is gone too
