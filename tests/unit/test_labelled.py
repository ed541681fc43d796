"""Labelled graphs: edge list + label file, and GML."""

from __future__ import annotations

from pathlib import Path

import pytest

from influence.errors import InvalidInputError
from influence.loaders.labelled import read_labelled
from tests.conftest import SHARED_DATA


def test_reads_snap_email_eu_core_with_departments() -> None:
    folder = SHARED_DATA / "snap-email-eu-core"
    g = read_labelled(folder / "email-Eu-core.txt", folder / "email-Eu-core-department-labels.txt")
    assert len(g.names) == 1005
    assert g.self_loops == 642  # MANIFEST: 642 self-loops, dropped
    assert len(g.edges) == 25571 - 642
    assert len(set(g.labels.values())) == 42
    assert g.unlabelled_nodes == 0


def test_reads_polbooks_gml_with_value_labels() -> None:
    g = read_labelled(SHARED_DATA / "polbooks" / "polbooks.gml", None)
    assert len(g.names) == 105
    assert len(g.edges) == 441
    assert sorted(set(g.labels.values())) == ["c", "l", "n"]
    assert list(g.labels.values()).count("l") == 43


def test_header_comments_weights_and_string_ids(tmp_path: Path) -> None:
    edges = tmp_path / "e.csv"
    edges.write_text("source,target,weight\n# comment\nann,bob,2.5\nbob,cy\n% other\n")
    labels = tmp_path / "l.txt"
    labels.write_text("ann red\nbob red\ncy blue\ndee blue\n")
    g = read_labelled(edges, labels)
    assert g.names == ["ann", "bob", "cy", "dee"]
    assert g.edges == [(0, 1, 2.5), (1, 2, 1.0)]
    assert g.labels[3] == "blue"


@pytest.mark.parametrize(("edges", "labels", "message"), [
    ("1\n", "1 a\n", "expected 'SRC DST"),
    ("1 2 -1\n", "1 a\n", "not positive"),
    ("1 1\n", "1 a\n", "no edge"),
    ("1 2\n", "1 a\n1 b\n", "two labels"),
])
def test_bad_input_is_rejected_with_a_reason(tmp_path: Path, edges: str, labels: str,
                                             message: str) -> None:
    (tmp_path / "e.txt").write_text(edges)
    (tmp_path / "l.txt").write_text(labels)
    with pytest.raises(InvalidInputError, match=message):
        read_labelled(tmp_path / "e.txt", tmp_path / "l.txt")


def test_labels_are_required(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("1 2\n")
    with pytest.raises(InvalidInputError, match="No node labels"):
        read_labelled(tmp_path / "e.txt", None)
