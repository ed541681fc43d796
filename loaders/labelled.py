"""Labelled graphs for community evaluation: an edge list plus a node-label file, or GML.

* Edge list: one edge per line, ``SRC DST [WEIGHT]``, separated by spaces, tabs or commas;
  lines starting with ``#`` or ``%`` are comments; a first line made only of words like
  ``source``, ``target``, ``weight`` is a header. Node ids may be any token (they are
  mapped to integers).
* Labels: ``NODE LABEL`` per line, same separators and comments (e.g. SNAP's
  ``email-Eu-core-department-labels.txt``).
* GML (``.gml``, e.g. Newman's ``polbooks.gml``): nodes, edges and a label attribute on each
  node (``--label-attribute``, default ``value``); a separate label file is then optional.

Self-loops are dropped (they carry no community information). Edges are kept as read; the
evaluation decides whether to symmetrise them. Every file may be compressed (gzip, bzip2, xz,
zstd; :mod:`influence.loaders.files`), e.g. ``polbooks.gml.gz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from influence.errors import InvalidInputError
from influence.loaders import files

_SPLIT = re.compile(r"[\s,;]+")
_HEADER_WORDS = frozenset({"source", "target", "src", "dst", "from", "to", "weight", "node",
                           "time", "label"})


@dataclass
class LabelledGraph:
    """Nodes as dense integers, weighted edges between them and a label per node."""

    names: list[str] = field(default_factory=list)
    edges: list[tuple[int, int, float]] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    self_loops: int = 0
    unlabelled_nodes: int = 0

    def node(self, name: str) -> int:
        """The integer of a node name, assigning the next one on first sight."""
        index = self._index.get(name)
        if index is None:
            index = self._index[name] = len(self.names)
            self.names.append(name)
        return index

    def __post_init__(self) -> None:
        self._index: dict[str, int] = {n: i for i, n in enumerate(self.names)}


def _text(path: Path) -> str:
    try:
        return files.read_text(path)
    except OSError as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc}",
                                hint="Check the path of --edges / --labels.") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path} is not UTF-8 text: {exc}",
                                hint="Convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8.") from exc


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    text = _text(path)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            rows.append((number, _SPLIT.split(stripped)))
    return rows


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_edge_list(path: Path, graph: LabelledGraph | None = None) -> LabelledGraph:
    """Read ``SRC DST [WEIGHT]`` lines into a graph.

    Raises:
        InvalidInputError: unreadable file, a line with fewer than two fields, a bad weight,
            or no edge at all.
    """
    graph = graph if graph is not None else LabelledGraph()
    rows = _rows(path)
    if rows and {t.lower() for t in rows[0][1]} <= _HEADER_WORDS:
        rows = rows[1:]  # a header line such as "source,target"
    for number, parts in rows:
        if len(parts) < 2:
            raise InvalidInputError(f"{path}:{number}: expected 'SRC DST [WEIGHT]', got "
                                    f"{' '.join(parts)!r}.", hint="One edge per line.")
        weight = 1.0
        if len(parts) >= 3 and _is_number(parts[2]):
            weight = float(parts[2])
            if weight <= 0:
                raise InvalidInputError(f"{path}:{number}: weight {parts[2]} is not positive.",
                                        hint="Community detection needs positive weights.")
        a, b = graph.node(parts[0]), graph.node(parts[1])
        if a == b:
            graph.self_loops += 1
            continue
        graph.edges.append((a, b, weight))
    if not graph.edges:
        raise InvalidInputError(f"{path} has no edge between two different nodes.",
                                hint="Expected lines like '0 1'.")
    return graph


def read_labels(path: Path, graph: LabelledGraph) -> LabelledGraph:
    """Read ``NODE LABEL`` lines onto a graph (nodes only in the label file are added).

    Raises:
        InvalidInputError: unreadable file, a line with fewer than two fields, or a node
            with two different labels.
    """
    for number, parts in _rows(path):
        if len(parts) < 2:
            raise InvalidInputError(f"{path}:{number}: expected 'NODE LABEL'.",
                                    hint="One node and its label per line.")
        node = graph.node(parts[0])
        label = " ".join(parts[1:])
        if graph.labels.get(node, label) != label:
            raise InvalidInputError(f"{path}:{number}: node {parts[0]} has two labels.",
                                    hint="Each node needs exactly one label.")
        graph.labels[node] = label
    graph.unlabelled_nodes = len(graph.names) - len(graph.labels)
    return graph


def read_gml(path: Path, label_attribute: str = "value") -> LabelledGraph:
    """Read a GML graph with a label attribute on its nodes.

    Raises:
        InvalidInputError: unreadable or malformed GML.
    """
    import networkx as nx

    text = _text(path)
    try:
        source = nx.parse_gml(text.splitlines(), label="id")
    except nx.NetworkXError as exc:
        raise InvalidInputError(f"Cannot read GML {path}: {exc}",
                                hint="Expected a GML file with 'node [ id ... ]' entries.") from exc
    graph = LabelledGraph()
    for node, attrs in source.nodes(data=True):
        index = graph.node(str(node))
        if label_attribute in attrs:
            graph.labels[index] = str(attrs[label_attribute])
    for a, b, attrs in source.edges(data=True):
        ia, ib = graph.node(str(a)), graph.node(str(b))
        if ia == ib:
            graph.self_loops += 1
            continue
        graph.edges.append((ia, ib, float(attrs.get("weight", 1.0))))
    graph.unlabelled_nodes = len(graph.names) - len(graph.labels)
    return graph


def read_labelled(edges: Path, labels: Path | None, label_attribute: str = "value",
                  ) -> LabelledGraph:
    """Read an edge list (or GML) and its labels.

    Raises:
        InvalidInputError: unreadable input, or no labels at all.
    """
    if files.logical_suffix(edges) == ".gml":
        graph = read_gml(edges, label_attribute)
    else:
        graph = read_edge_list(edges)
    if labels is not None:
        read_labels(labels, graph)
    if not graph.labels:
        raise InvalidInputError(f"No node labels for {edges}.",
                                hint="Pass --labels FILE ('NODE LABEL' per line), or a GML "
                                "file whose nodes carry --label-attribute.")
    return graph
