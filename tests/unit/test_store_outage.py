"""The API's store during an outage (``Store(fail_fast=True)``): once the database is found
unreachable, calls fail at once; one call at a time tries again, with one connection attempt;
a success ends the outage. The driver is a recording fake: no server runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from neo4j.exceptions import ServiceUnavailable

from influence.errors import StoreUnavailableError
from influence.settings import Settings
from influence.store import Query, Store

PING = Query("ping", "RETURN 1 AS one")


class FakeRecord:
    def data(self) -> dict[str, int]:
        return {"one": 1}


class FakeDriver:
    """Sessions and connectivity checks that fail while ``down``; every attempt recorded."""

    def __init__(self) -> None:
        self.down = False
        self.attempts: list[str] = []
        self.hold: threading.Event | None = None  # a probe that takes its time
        self.statements: list[str] = []  # how each read ran

    @contextmanager
    def session(self, **_: Any) -> Iterator[FakeDriver]:
        self.attempts.append("session")
        if self.down:
            raise ServiceUnavailable("connection refused")
        yield self

    def execute_read(self, work: Any) -> list[dict[str, int]]:
        self.statements.append("execute_read")
        return [{"one": 1}]

    def run(self, text: str, params: Any) -> list[FakeRecord]:
        self.statements.append("run")
        return [FakeRecord()]

    def verify_connectivity(self) -> None:
        self.attempts.append("probe")
        if self.hold is not None:
            self.hold.wait(5)
        if self.down:
            raise ServiceUnavailable("connection refused")

    def close(self) -> None:
        pass


def _store(fail_fast: bool) -> tuple[Store, FakeDriver]:
    store = Store(Settings(neo4j_uri="bolt://127.0.0.1:1"), fail_fast=fail_fast)
    store._driver.close()
    fake = FakeDriver()
    store._driver = fake  # type: ignore[assignment]
    return store, fake


def test_an_outage_is_answered_at_once_and_probed_by_one_call() -> None:
    store, driver = _store(fail_fast=True)
    store.FAIL_FAST_PROBE_S = 0.0
    assert store.read(PING) == [{"one": 1}]
    assert driver.statements == ["run"]  # an auto-commit read: one round trip, no retries
    driver.down = True
    with pytest.raises(StoreUnavailableError):
        store.read(PING)
    assert driver.attempts == ["session", "session"]
    # the outage is known: the next call probes with one connection attempt, no session
    with pytest.raises(StoreUnavailableError):
        store.read(PING)
    assert driver.attempts[2:] == ["probe"]
    # while one call probes, the others fail without touching the driver
    driver.hold = threading.Event()
    failed: list[StoreUnavailableError] = []

    def probe() -> None:
        try:
            store.read(PING)
        except StoreUnavailableError as exc:
            failed.append(exc)

    prober = threading.Thread(target=probe)
    prober.start()
    while driver.attempts[-1:] != ["probe"] or len(driver.attempts) < 4:
        threading.Event().wait(0.01)
    with pytest.raises(StoreUnavailableError):
        store.read(PING)
    assert driver.attempts[3:] == ["probe"]
    driver.hold.set()
    prober.join()
    assert len(failed) == 1
    driver.hold = None
    # the database is back: the next probe succeeds and calls run as before
    driver.down = False
    assert store.read(PING) == [{"one": 1}]
    assert store.read(PING) == [{"one": 1}]
    assert driver.attempts[4:] == ["probe", "session", "session"]


def test_without_fail_fast_every_call_tries_the_database() -> None:
    store, driver = _store(fail_fast=False)
    driver.down = True
    for _ in range(3):
        with pytest.raises(StoreUnavailableError):
            store.read(PING)
    assert driver.attempts == ["session"] * 3
    driver.down = False
    assert store.read(PING) == [{"one": 1}]
    assert driver.statements == ["execute_read"]  # a managed transaction, with retries
