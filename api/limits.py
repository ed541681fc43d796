"""Abuse limits: the query-cost validation rule and the per-key token bucket.

Cost model (see docs/API.md): every selected field costs 1; a field with a ``first`` argument
multiplies the cost of its sub-selection by that page size (a variable counts as the largest
page, 100; no argument counts as 20). Fragments are expanded. A query above
``settings.max_query_cost`` is rejected before it runs, with ``extensions.code`` LIMIT_EXCEEDED.
"""

from __future__ import annotations

import threading
import time
from typing import Any

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
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
