"""A recording fake of the store for unit tests: captures query names and parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from influence.store import Query, Row


@dataclass
class RecordingStore:
    """Implements QueryRunner; ``answers`` maps a query name to the rows it returns."""

    answers: dict[str, list[Row] | Callable[[dict[str, Any]], list[Row]]] = field(
        default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def _answer(self, query: Query, params: dict[str, Any]) -> list[Row]:
        self.calls.append((query.name, params))
        answer = self.answers.get(query.name, [])
        return answer(params) if callable(answer) else answer

    def read(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def write(self, query: Query, **params: Any) -> Mapping[str, int]:
        self._answer(query, params)
        return {}

    def write_rows(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def auto_commit(self, query: Query, **params: Any) -> list[Row]:
        return self._answer(query, params)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]
