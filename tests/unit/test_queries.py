"""Every Cypher statement is a named, parameterised constant."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import influence
from influence.store import Query


def query_modules() -> list[str]:
    """Every module of the package whose name ends in ``queries`` (where Cypher lives)."""
    return sorted(m.name for m in pkgutil.walk_packages(influence.__path__, "influence.")
                  if m.name.rsplit(".", 1)[-1].endswith("queries"))


def all_queries() -> list[Query]:
    found = []
    for name in query_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():  # a constant, or a dict of them (one per type)
            found += [q for q in (value.values() if isinstance(value, dict) else (value,))
                      if isinstance(q, Query)]
    return found


def test_every_area_keeps_its_cypher_in_a_queries_module() -> None:
    names = query_modules()
    for area in ("engine", "engine.privacy", "loaders", "schema", "evaluation"):
        assert any(n.rsplit(".", 1)[0] == f"influence.{area}" for n in names), area
    assert len(all_queries()) > 100


def test_names_are_unique_and_snake_case() -> None:
    names = [q.name for q in all_queries()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


def test_no_text_is_formatted_in() -> None:
    for query in all_queries():
        # str.format / %-style holes would mean values were pasted into the text
        assert not re.search(r"\{\d*\}|%s|%\(", query.text), query.name


def test_the_recording_store_refuses_unknown_queries() -> None:
    from tests.fakes import RecordingStore

    fake = RecordingStore()
    with pytest.raises(AssertionError, match="unknown query"):
        fake.read(Query("no_such_query", "RETURN 1"))
    with pytest.raises(AssertionError, match="differs"):
        fake.read(Query(all_queries()[0].name, "RETURN 1"))
    with pytest.raises(AssertionError, match="do not exist"):
        RecordingStore(answers={"no_such_query": []})
