"""A recording fake of the store for unit tests: captures query names and parameters.

The fake knows every named query of the engine (the ``Query`` constants of each ``*queries``
module): a query it does not know, or one whose text differs from the catalogue's, fails the
test at once, so renaming or editing a query cannot leave a unit test passing on a stale name.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import influence
from influence.store import Query, Row

MIGRATION = re.compile(r"migration_\d{4}_\d+")
"""Schema statements run by ``influence.schema.migrate`` (named after their file)."""


@cache
def catalogue() -> dict[str, str]:
    """Name -> text of every named query of the package."""
    found: dict[str, str] = {}
    for module in pkgutil.walk_packages(influence.__path__, "influence."):
        if module.name.rsplit(".", 1)[-1].endswith("queries"):
            for value in vars(importlib.import_module(module.name)).values():
                for query in value.values() if isinstance(value, dict) else (value,):
                    if isinstance(query, Query):
                        found[query.name] = query.text
    return found


@dataclass
class RecordingStore:
    """Implements QueryRunner; ``answers`` maps a query name to the rows it returns (a known
    query without an answer returns no rows)."""

    answers: dict[str, list[Row] | Callable[[dict[str, Any]], list[Row]]] = field(
        default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    """Node ids the fake gave to account keys (``ensure_accounts`` answers with them)."""
    import_dir: Path | None = None
    """The server's import folder (:class:`influence.store.Store`); none: values in requests."""

    def key_of(self, node: int) -> str:
        """The account key of a node id the fake handed out."""
        return next(key for key, value in self.nodes.items() if value == node)

    def _ensure_accounts(self, params: dict[str, Any]) -> list[Row]:
        keys = [row["key"] for row in params["rows"]]
        ids = [self.nodes.setdefault(key, len(self.nodes) + 1) for key in keys]
        return [{"keys": keys, "ids": ids}]

    def __post_init__(self) -> None:
        self.answers.setdefault("ensure_accounts", self._ensure_accounts)
        for name in catalogue():  # every row finds its accounts unless a test says otherwise
            if name.startswith("upsert_interactions_"):
                self.answers.setdefault(name, lambda p: [{"written": len(p["rows"])}])
        unknown = [name for name in self.answers if name not in catalogue()]
        if unknown:
            raise AssertionError(f"answers for queries that do not exist: {unknown}")

    def _answer(self, query: Query, params: dict[str, Any]) -> list[Row]:
        if not MIGRATION.fullmatch(query.name):
            known = catalogue().get(query.name)
            if known is None:
                raise AssertionError(f"unknown query {query.name!r}: not in any queries module")
            if known != query.text:
                raise AssertionError(f"query {query.name!r} differs from the catalogue's text")
        self.calls.append((query.name, params))
        answer = self.answers.get(query.name, [])
        return answer(params) if callable(answer) else answer

    def read(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def columns(self, query: Query, **params: Any) -> Row:
        rows = self._answer(query, params)
        if len(rows) != 1:
            raise AssertionError(f"{query.name} is a columnar query: answer it with one row")
        return rows[0]

    def write(self, query: Query, **params: Any) -> Mapping[str, int]:
        self._answer(query, params)
        return {}

    def write_rows(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def auto_commit(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def write_batch(self, statements: Sequence[tuple[Query, Mapping[str, Any]]]
                    ) -> list[list[Row]]:
        return [self._answer(query, dict(params)) for query, params in statements]

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]
