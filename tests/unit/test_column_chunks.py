"""Columnar reads split over accounts and run two at a time come back whole and in order
(engine/engagement.py), on a recording fake of the store."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from influence.engine import engagement
from influence.engine import queries as q
from influence.store import Row
from tests.fakes import RecordingStore


def _store(in_flight: list[int]) -> RecordingStore:
    lock = threading.Lock()
    running = [0]

    def answer(params: dict[str, Any]) -> list[Row]:
        with lock:
            running[0] += 1
            in_flight.append(running[0])
        accounts = params["accounts"]
        time.sleep(0.02 if accounts[0] % 2 else 0.001)  # later reads may finish first
        with lock:
            running[0] -= 1
        return [{"sources": accounts, "targets": [a + 1 for a in accounts]}]

    return RecordingStore(answers={"scoring_engagement_columns": answer})


def test_chunks_read_two_at_a_time_join_in_account_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engagement, "CHUNK_ACCOUNTS", 1_001)
    in_flight: list[int] = []
    store = _store(in_flight)
    accounts = np.arange(10_000)
    columns = engagement.read_columns(store, q.ENGAGEMENT_COLUMNS, accounts,
                                      {"sources": np.int64, "targets": np.int64})
    assert np.array_equal(columns["sources"], accounts)
    assert np.array_equal(columns["targets"], accounts + 1)
    assert len(store.calls) == 10  # ceil(10,000 / 1,001)
    assert max(in_flight) == engagement.READERS  # overlapping, never more


def test_a_graph_over_the_split_size_is_read_by_every_reader() -> None:
    store = _store([])
    accounts = np.arange(engagement.MIN_SPLIT)
    columns = engagement.read_columns(store, q.ENGAGEMENT_COLUMNS, accounts,
                                      {"sources": np.int64})
    assert np.array_equal(columns["sources"], accounts)
    assert len(store.calls) == engagement.READERS
    small = _store([])
    engagement.read_columns(small, q.ENGAGEMENT_COLUMNS, accounts[:10], {"sources": np.int64})
    assert len(small.calls) == 1
