"""Every Cypher statement is a named, parameterised constant."""

from __future__ import annotations

import importlib
import re

from influence.store import Query

MODULES = ["influence.engine.queries", "influence.engine.read_queries",
           "influence.loaders.queries", "influence.schema.queries",
           "influence.engine.evaluation_queries",
           "influence.engine.topic_queries", "influence.engine.community_queries",
           "influence.engine.consent_queries",
           "influence.engine.graph_read_queries"]


def all_queries() -> list[Query]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        found += [v for v in vars(module).values() if isinstance(v, Query)]
    return found


def test_names_are_unique_and_snake_case() -> None:
    names = [q.name for q in all_queries()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


def test_no_text_is_formatted_in() -> None:
    for query in all_queries():
        # str.format / %-style holes would mean values were pasted into the text
        assert not re.search(r"\{\d*\}|%s|%\(", query.text), query.name
