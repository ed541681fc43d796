"""The per-request GraphQL context: the store (timed), the settings, the caller and DataLoaders.

A new :class:`Context` (and so new DataLoaders) is built for every request, so cached rows
never leak between requests or callers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anyio import to_thread
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from influence.engine import graph_reads
from influence.engine.graph_reads import Direction, Neighbour
from influence.engine.reads import PersonView
from influence.settings import Settings
from influence.store import Query, QueryRunner, Row

TopicScores = list[tuple[str, float | None, float | None]]
NeighbourKey = tuple[str, Direction, tuple[str, ...] | None, int]


class TimedRunner:
    """A :class:`QueryRunner` that counts round trips and database seconds of one request."""

    def __init__(self, inner: QueryRunner, observe: Any = None) -> None:
        self.inner = inner
        self.round_trips = 0
        self.db_seconds = 0.0
        self._observe = observe

    def _timed(self, fn: Any, query: Query, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return fn(query, **params)
        finally:
            spent = time.perf_counter() - started
            self.round_trips += 1
            self.db_seconds += spent
            if self._observe is not None:
                self._observe(query.name, spent)

    @property
    def import_dir(self) -> Path | None:
        return self.inner.import_dir

    def read(self, query: Query, **params: Any) -> list[Row]:
        return self._timed(self.inner.read, query, params)  # type: ignore[no-any-return]

    def columns(self, query: Query, **params: Any) -> Row:
        return self._timed(self.inner.columns, query, params)  # type: ignore[no-any-return]

    def write(self, query: Query, **params: Any) -> Mapping[str, int]:
        return self._timed(self.inner.write, query, params)  # type: ignore[no-any-return]

    def write_rows(self, query: Query, **params: Any) -> list[Row]:
        return self._timed(self.inner.write_rows, query, params)  # type: ignore[no-any-return]

    def auto_commit(self, query: Query, **params: Any) -> list[Row]:
        return self._timed(self.inner.auto_commit, query, params)  # type: ignore[no-any-return]

    def write_batch(self, statements: Sequence[tuple[Query, Mapping[str, Any]]]
                    ) -> list[list[Row]]:
        started = time.perf_counter()
        try:
            return self.inner.write_batch(statements)
        finally:
            self.round_trips += 1
            self.db_seconds += time.perf_counter() - started


@dataclass
class Context(BaseContext):
    """What resolvers may use: the store, the settings, the caller and the DataLoaders.

    ``token`` is the bearer token or API key the request carried; ``operator`` is True when
    it is one of ``settings.operator_tokens``.
    """

    store: QueryRunner
    settings: Settings
    token: str | None = None
    operator: bool = False
    error_codes: list[str] = field(default_factory=list)
    people: DataLoader[str, PersonView | None] = field(init=False)
    topics: DataLoader[tuple[str, int], TopicScores] = field(init=False)
    neighbours: DataLoader[NeighbourKey, list[Neighbour]] = field(init=False)
    communities: DataLoader[str, str | None] = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.people = DataLoader(load_fn=self._load_people)
        self.topics = DataLoader(load_fn=self._load_topics)
        self.neighbours = DataLoader(load_fn=self._load_neighbours)
        self.communities = DataLoader(load_fn=self._load_communities)

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking engine call off the event loop."""
        return await to_thread.run_sync(lambda: fn(*args, **kwargs))

    async def _load_people(self, ids: Sequence[str]) -> list[PersonView | None]:
        found = await self.run(graph_reads.people_by_ids, self.store, ids,
                               self.settings.publish_policy)
        return [found.get(i) for i in ids]

    async def _load_topics(self, keys: Sequence[tuple[str, int]]) -> list[TopicScores]:
        by_first: dict[int, list[str]] = defaultdict(list)
        for person_id, first in keys:
            by_first[first].append(person_id)
        found: dict[tuple[str, int], TopicScores] = {}
        for first, ids in by_first.items():
            rows = await self.run(graph_reads.topics_by_people, self.store, ids, first,
                                  self.settings.publish_policy)
            found.update({(i, first): rows.get(i, []) for i in ids})
        return [found[k] for k in keys]

    async def _load_neighbours(self, keys: Sequence[NeighbourKey]) -> list[list[Neighbour]]:
        groups: dict[tuple[Direction, tuple[str, ...] | None, int], list[str]] = defaultdict(list)
        for person_id, direction, kinds, first in keys:
            groups[(direction, kinds, first)].append(person_id)
        found: dict[NeighbourKey, list[Neighbour]] = {}
        for (direction, kinds, first), ids in groups.items():
            rows = await self.run(graph_reads.neighbours, self.store, ids, direction=direction,
                                  kinds=kinds, first=first,
                                  weights=self.settings.model.kind_weights,
                                  policy=self.settings.publish_policy)
            found.update({(i, direction, kinds, first): rows.get(i, []) for i in ids})
        return [found[k] for k in keys]

    async def _load_communities(self, ids: Sequence[str]) -> list[str | None]:
        found = await self.run(graph_reads.community_of_people, self.store, ids)
        return [found.get(i) for i in ids]


CtxInfo = Info[Context, None]
"""What every resolver receives."""
