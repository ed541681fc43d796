"""Abuse limits: the query-cost validation rule, the per-key token bucket and the caller check.

Cost model (see docs/API.md): every selected field costs 1; a field with a ``first`` argument
multiplies the cost of its sub-selection by that page size (a variable counts as the largest
page, 100; no argument counts as 20). Fragments are expanded. A query above
``settings.max_query_cost`` is rejected before it runs, with ``extensions.code`` LIMIT_EXCEEDED.
"""

from __future__ import annotations

import hashlib
import hmac
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
from influence.settings import Settings

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


def presented(headers: dict[str, str]) -> list[str]:
    """The keys a request carries: ``Authorization: Bearer <key>``, then ``X-API-Key``."""
    keys = []
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        keys.append(auth[7:].strip())
    if headers.get("x-api-key"):
        keys.append(headers["x-api-key"])
    return keys


def _member(key: str, secrets: list[str]) -> bool:
    return any(hmac.compare_digest(key.encode(), s.encode()) for s in secrets)


def key_id(key: str) -> str:
    """A short, non-reversible name of a key for logs and rate-limit buckets."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class Caller:
    """Who a request is: ``allowed`` to read, and an ``operator`` (may write).

    ``key`` is the first key presented (the bearer token, which the consent mutations also
    accept as a per-person token); ``id`` names the valid key for logs and rate limits.
    """

    def __init__(self, settings: Settings, keys: list[str]) -> None:
        operators = [t.get_secret_value() for t in settings.operator_tokens]
        readers = [k.get_secret_value() for k in settings.api_keys]
        self.key = keys[0] if keys else None
        self.operator = any(_member(k, operators) for k in keys)
        valid = [k for k in keys if _member(k, operators) or _member(k, readers)]
        self.authenticated = bool(valid)
        open_reads = not readers and settings.environment == "development"
        self.allowed = open_reads or self.authenticated
        self.id = key_id(valid[0]) if valid else "anonymous"
