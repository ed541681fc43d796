"""Abuse limits: the query-cost validation rule and the per-key token buckets (in-process,
or shared by the worker processes through a SQLite file).

Cost model (see docs/API.md): every selected field costs 1; a field with a ``first`` argument
multiplies the cost of its sub-selection by that page size (a variable counts as the largest
page, 100; no argument counts as 20). Fragments are expanded. A query above
``settings.max_query_cost`` is rejected before it runs, with ``extensions.code`` LIMIT_EXCEEDED.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from influence.errors import LimitExceededError

DEFAULT_PAGE = 20
VARIABLE_PAGE = 100


def _multiplier(node: FieldNode) -> int:
    for arg in node.arguments or ():
        if arg.name.value == "first":
            if isinstance(arg.value, IntValueNode):
                return max(1, min(int(arg.value.value), 10_000))
            return VARIABLE_PAGE
    return 1 if not _has_first(node) else DEFAULT_PAGE


_PAGED_FIELDS = {"people", "leaderboard", "topics", "communities", "neighbours", "related"}


def _has_first(node: FieldNode) -> bool:
    return node.name.value in _PAGED_FIELDS


def selection_cost(selection_set: SelectionSetNode | None,
                   fragments: dict[str, FragmentDefinitionNode],
                   seen: frozenset[str] = frozenset()) -> int:
    """The estimated cost of a selection set (see the module docstring)."""
    if selection_set is None:
        return 0
    total = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            total += 1 + _multiplier(sel) * selection_cost(sel.selection_set, fragments, seen)
        elif isinstance(sel, InlineFragmentNode):
            total += selection_cost(sel.selection_set, fragments, seen)
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name in seen or name not in fragments:
                continue  # cycles and unknown fragments are reported by the standard rules
            total += selection_cost(fragments[name].selection_set, fragments, seen | {name})
    return total


def cost_rule(max_cost: int) -> type[ValidationRule]:
    """A graphql-core validation rule rejecting operations that cost more than ``max_cost``."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments = {d.name.value: d for d in context.document.definitions
                              if isinstance(d, FragmentDefinitionNode)}

        def enter_operation_definition(self, node: OperationDefinitionNode,
                                       *_: Any) -> None:
            cost = selection_cost(node.selection_set, self.fragments)
            if cost > max_cost:
                error = LimitExceededError(
                    f"Query cost {cost} exceeds the limit of {max_cost}.",
                    hint="Ask for smaller pages (first) or fewer nested lists.")
                self.report_error(GraphQLError(error.message, node, original_error=error,
                                               extensions={"limit": "cost", "cost": cost}))

    return QueryCostRule


class Buckets(Protocol):
    """Per-key rate limiting: ``take`` returns 0 when allowed, else seconds to wait."""

    def take(self, key: str) -> float: ...


def _refill(tokens: float, last: float, now: float, rate: float, burst: float) -> float:
    return min(burst, tokens + (now - last) * rate)


class TokenBuckets:
    """In-process token buckets, one per caller key (thread-safe)."""

    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else seconds until a token is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = _refill(tokens, last, now, self.rate, self.burst)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class SharedTokenBuckets:
    """The same token buckets in a SQLite file, so that every worker process of one machine
    draws on one budget per key (``influence serve --workers N``). Each ``take`` is one short
    write transaction; the clock is ``time.monotonic``, which Linux shares between processes.
    """

    _SCHEMA = ("CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, "
               "last REAL NOT NULL) WITHOUT ROWID")

    def __init__(self, path: Path, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=2.0, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a budget need not survive a crash
        self._db.execute(self._SCHEMA)

    def take(self, key: str) -> float:
        """Take one token; returns 0 when allowed, else seconds until a token is free."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = time.monotonic()
                row = self._db.execute("SELECT tokens, last FROM buckets WHERE key = ?",
                                       (key,)).fetchone()
                tokens = (self.burst if row is None
                          else _refill(row[0], row[1], now, self.rate, self.burst))
                wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
                self._db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)",
                                 (key, tokens - 1.0 if wait == 0.0 else tokens, now))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return wait


def buckets(rate_per_s: float, burst: int, shared: Path | None) -> Buckets:
    """In-process buckets, or the file-backed ones when ``shared`` names the file."""
    if shared is None:
        return TokenBuckets(rate_per_s, burst)
    return SharedTokenBuckets(shared, rate_per_s, burst)
