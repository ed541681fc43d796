"""What a recompute says when the server cannot take its PageRank projection (the 30M
benchmark: 28M weighted pairs in one request), on a recording fake of the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from influence.engine import community_queries as cq
from influence.engine import projection, scoring, steps
from influence.engine import queries as q
from influence.engine.engagement import People
from influence.engine.model import ModelParams
from influence.errors import EnvironmentProblemError, StoreUnavailableError
from influence.store import Row
from tests.fakes import RecordingStore

PEOPLE = People(np.array([10, 11, 12]), ["a", "b", "c"], np.array([0, 1, 2]),
                np.array([-1, -1, -1]), np.array([1, 1, 1]), np.zeros(3, dtype=bool))
PAIRS = steps.Pairs(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 2.0]),
                    np.array([1, 2]), np.array([5, 6]), np.array([0, 1]), np.array([0, 0]),
                    np.array([1.0, 2.0]))


def _refused(_: dict[str, Any]) -> list[Row]:
    raise StoreUnavailableError("Neo4j at bolt://127.0.0.1:7797 is unavailable: Failed to "
                                "write data to connection")


def _down(_: dict[str, Any]) -> list[Row]:
    raise StoreUnavailableError("Neo4j at bolt://127.0.0.1:7797 is unavailable: refused")


def _pagerank(store: RecordingStore) -> None:
    scoring._pagerank(store, PEOPLE, PAIRS, weights=np.array([0.5, 0.7]),
                      params=ModelParams(), run_id="r1")


def _file_reader(folder: Path, seen: list[str],
                 rows: list[Row]) -> Callable[[dict[str, Any]], list[Row]]:
    """An answer to a file projection: keeps the text of the file it names, answers ``rows``."""
    def answer(params: dict[str, Any]) -> list[Row]:
        seen.append((folder / params["url"].removeprefix("file:///")).read_text())
        return rows
    return answer


def test_a_projection_the_answering_server_does_not_take_says_what_to_change() -> None:
    store = RecordingStore(answers={"scoring_project_pairs": _refused,
                                    "scoring_answers": [{"one": 1}]})
    with pytest.raises(EnvironmentProblemError) as raised:
        _pagerank(store)
    assert "2 weighted pairs of the PageRank projection" in raised.value.message
    assert raised.value.hint is not None
    assert "INFLUENCE_HEAP_SIZE" in raised.value.hint
    assert "--engine spark" in raised.value.hint
    assert store.names() == ["scoring_project_pairs", "scoring_answers"]
    sent = store.calls[0][1]
    # each pair's share of its engager's weights (one pair each here)
    assert (sent["sources"], sent["targets"], sent["weights"]) == ([10, 11], [11, 12],
                                                                     [1.0, 1.0])


def test_a_server_that_is_down_is_reported_as_down() -> None:
    store = RecordingStore(answers={"scoring_project_pairs": _refused, "scoring_answers": _down})
    with pytest.raises(StoreUnavailableError) as raised:
        _pagerank(store)
    assert "Failed to write data" in raised.value.message


def test_many_pairs_go_to_a_store_with_an_import_folder_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(projection, "FILE_PAIRS", 2)
    seen: list[str] = []
    from_file = _file_reader(tmp_path, seen, [{"graph": "g", "nodes": 3, "relationships": 2}])
    store = RecordingStore(answers={
        "scoring_project_pairs_file": from_file,
        "scoring_pagerank_mutate": [{"iterations": 3, "converged": True}],
        "scoring_pagerank_columns": [{"nodes": [11, 12], "scores": [0.2, 0.4]}]},
        import_dir=tmp_path)
    _pagerank(store)
    assert store.names()[0] == "scoring_project_pairs_file"
    assert "sources" not in store.calls[0][1]
    # source and target node ids, each pair's share of its source's weight (PageRank divides
    # by the source's total: the same ranks); the pairs' nodes for the node query
    assert seen == ["10,11,1\n11,12,1\n"]
    assert store.calls[0][1]["nodes"] == [10, 11, 12]
    assert not list(tmp_path.iterdir())  # removed once projected


def test_an_import_folder_that_cannot_be_written_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(projection, "FILE_PAIRS", 2)
    store = RecordingStore(import_dir=tmp_path / "missing")
    with pytest.raises(EnvironmentProblemError) as raised:
        _pagerank(store)
    assert "Could not write the 2 projection pairs" in raised.value.message
    assert raised.value.hint is not None
    assert "INFLUENCE_NEO4J_IMPORT_DIR" in raised.value.hint
    assert store.names() == []


def test_pagerank_files_hold_shares_as_float32_and_other_files_the_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(projection, "FILE_PAIRS", 2)
    seen: list[str] = []
    from_file = _file_reader(tmp_path, seen, [])
    store = RecordingStore(answers={"scoring_project_pairs_file": from_file,
                                    "project_people_graph_file": from_file},
                           import_dir=tmp_path)
    sources, targets = np.array([5, 5, 7]), np.array([6, 7, 5])
    projection.project_pairs(store, by_value=q.PROJECT_PAIRS, by_file=q.PROJECT_PAIRS_FILE,
                             graph="g", sources=sources, targets=targets,
                             weights=np.array([0.1, 0.9, 1.0]), nodes=np.array([5, 6, 7]),
                             shares=True)
    projection.project_pairs(store, by_value=cq.PROJECT_PEOPLE_GRAPH,
                             by_file=cq.PROJECT_PEOPLE_GRAPH_FILE, graph="g", sources=sources,
                             targets=targets, weights=np.array([1.0, 3.0, 0.1]))
    assert seen == ["5,6,0.1\n5,7,0.9\n7,5,1\n", "5,6,1\n5,7,3\n7,5,0.1\n"]
    # the node list goes only to the query it is given for
    assert store.calls[0][1]["nodes"] == [5, 6, 7]
    assert "nodes" not in store.calls[1][1]
