"""Access to Neo4j: named, parameterised queries run through one small interface.

Every Cypher statement of the engine is a :class:`Query` constant in a ``queries`` module of
its area (``influence.engine.queries``, ``influence.loaders.queries``, ...). Code runs them
through a :class:`QueryRunner`; the real one is :class:`Store`, unit tests use a recording fake.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, ManagedTransaction, Session
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired

from influence.errors import EnvironmentProblemError, StoreUnavailableError
from influence.settings import Settings

Row = dict[str, Any]

EXTERNAL_RESOURCE_FAILED = "Neo.ClientError.Statement.ExternalResourceFailed"
"""The server's code for a ``LOAD CSV`` file it cannot open."""


@dataclass(frozen=True)
class Query:
    """A named Cypher statement; values always travel as parameters, never in the text."""

    name: str
    text: str


class QueryRunner(Protocol):
    """What the engine needs from a database: read rows, write and get counters."""

    def read(self, query: Query, **params: Any) -> list[Row]: ...

    def write(self, query: Query, **params: Any) -> Mapping[str, int]: ...

    def columns(self, query: Query, **params: Any) -> Row: ...

    def write_rows(self, query: Query, **params: Any) -> list[Row]: ...

    def auto_commit(self, query: Query, **params: Any) -> list[Row]: ...

    @property
    def import_dir(self) -> Path | None:
        """A folder this process writes and the server reads ``file:///`` URLs from."""
        ...

    def write_batch(self, statements: Sequence[tuple[Query, Mapping[str, Any]]]
                    ) -> list[list[Row]]: ...


class Store:
    """The real :class:`QueryRunner`, on the official Neo4j driver.

    Args:
        settings: where the server is and how to authenticate.

        fail_fast: for a server (the API): once the database was found unreachable, calls
            fail at once instead of each retrying for ``db_retry_s``; one call at a time
            tries again (at most every ``FAIL_FAST_PROBE_S``, one connection attempt first)
            and a success ends the outage. Reads are then auto-commit statements (one round
            trip; a managed read transaction takes two, BEGIN and the query then COMMIT:
            1.7 against 0.7 ms for ``RETURN 1`` here) without the driver's retries, which
            the outage handling replaces.
            Without it (the CLI, the jobs), every call retries on its own.

    Raises:
        StoreUnavailableError: from any call, when the server cannot be reached.
    """

    FAIL_FAST_PROBE_S = 0.25
    LIVENESS_CHECK_S = 1.0

    def __init__(self, settings: Settings, *, fail_fast: bool = False) -> None:
        auth = (
            (settings.neo4j_user, settings.neo4j_password.get_secret_value())
            if settings.neo4j_password is not None
            else None
        )
        self.uri = settings.bolt_uri
        self._import_dir = settings.server_import_dir
        self.database = settings.neo4j_database
        self._driver: Driver = GraphDatabase.driver(
            self.uri, auth=auth, connection_acquisition_timeout=10, max_connection_pool_size=50,
            # Planner hints (e.g. 'property key does not exist' on an empty graph) are noise
            # for operators; real errors still raise.
            notifications_min_severity="OFF",
            max_transaction_retry_time=settings.db_retry_s,
            # Without retries (fail_fast's auto-commit reads), every connection the pool kept
            # from before a database restart would fail one request and reopen the outage:
            # one that sat idle for a second is checked before use instead.
            liveness_check_timeout=self.LIVENESS_CHECK_S if fail_fast else None,
        )
        self.round_trips = 0
        self._fail_fast = fail_fast
        self._outage = threading.Lock()  # held by the one call probing a known outage
        self._down: str | None = None  # why the server was last found unreachable
        self._next_probe = 0.0

    @property
    def import_dir(self) -> Path | None:
        """The server's import folder as this process sees it (``Settings.server_import_dir``)."""
        return self._import_dir

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _session(self, read: bool = False) -> Iterator[Session]:
        probing = False
        if self._fail_fast and self._down is not None:
            # A known outage: answer at once unless it is this call's turn to try again.
            if time.monotonic() < self._next_probe or not self._outage.acquire(blocking=False):
                raise self._unavailable(self._down)
            probing = True
        try:
            if probing:  # one connection attempt, without the driver's retries
                self._driver.verify_connectivity()
            mode = READ_ACCESS if read else WRITE_ACCESS
            with self._driver.session(database=self.database,
                                      default_access_mode=mode) as session:
                yield session
            self._down = None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            self._down = str(exc)
            self._next_probe = time.monotonic() + self.FAIL_FAST_PROBE_S
            raise self._unavailable(str(exc)) from exc
        except ClientError as exc:
            if exc.code != EXTERNAL_RESOURCE_FAILED:
                raise
            raise EnvironmentProblemError(
                f"The database could not read a file this process wrote for it: {exc.message}",
                hint="INFLUENCE_NEO4J_IMPORT_DIR must be this machine's path of the folder the "
                     "server reads file:/// URLs from (its server.directories.import); unset "
                     "it to send the data in the request instead.") from exc
        finally:
            if probing:
                self._outage.release()

    def _unavailable(self, why: str) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"Neo4j at {self.uri} is unavailable: {why}",
            hint="Start it with `influence db start`, or check INFLUENCE_NEO4J_URI.",
        )

    def read(self, query: Query, **params: Any) -> list[Row]:
        """Run a read query and return its rows as dicts."""

        def work(tx: ManagedTransaction) -> list[Row]:
            return [record.data() for record in tx.run(query.text, _sent(params))]

        self.round_trips += 1
        with self._session(read=True) as session:
            if self._fail_fast:  # see the class docstring: one round trip
                return [record.data() for record in session.run(query.text, _sent(params))]
            return session.execute_read(work)

    def columns(self, query: Query, **params: Any) -> Row:
        """Run a read query that returns one record of lists (``RETURN collect(x) AS xs, ...``).

        The record comes back as is, without the per-element conversion :meth:`read` applies
        to graph values: a million values cost one record, not a million.
        """

        def work(tx: ManagedTransaction) -> Row:
            record = tx.run(query.text, _sent(params)).single(strict=True)
            return dict(record)

        self.round_trips += 1
        with self._session(read=True) as session:
            if self._fail_fast:
                return dict(session.run(query.text, _sent(params)).single(strict=True))
            return session.execute_read(work)

    def write(self, query: Query, **params: Any) -> Mapping[str, int]:
        """Run a write query in its own transaction and return the update counters."""

        def work(tx: ManagedTransaction) -> Mapping[str, int]:
            summary = tx.run(query.text, _sent(params)).consume()
            counters = summary.counters
            return {
                "nodes_created": counters.nodes_created,
                "nodes_deleted": counters.nodes_deleted,
                "relationships_created": counters.relationships_created,
                "relationships_deleted": counters.relationships_deleted,
                "properties_set": counters.properties_set,
            }

        self.round_trips += 1
        with self._session() as session:
            return session.execute_write(work)

    def write_rows(self, query: Query, **params: Any) -> list[Row]:
        """Run a write query that also returns rows (e.g. a GDS ``.write`` call)."""

        def work(tx: ManagedTransaction) -> list[Row]:
            return [record.data() for record in tx.run(query.text, _sent(params))]

        self.round_trips += 1
        with self._session() as session:
            return session.execute_write(work)

    def write_batch(self, statements: Sequence[tuple[Query, Mapping[str, Any]]]
                    ) -> list[list[Row]]:
        """Run several write statements in one transaction; the rows of each, in order."""

        def work(tx: ManagedTransaction) -> list[list[Row]]:
            return [[record.data() for record in tx.run(query.text, _sent(params))]
                    for query, params in statements]

        self.round_trips += 1
        with self._session() as session:
            return session.execute_write(work)

    def auto_commit(self, query: Query, **params: Any) -> list[Row]:
        """Run a statement that manages its own transactions (schema, CALL IN TRANSACTIONS)."""
        self.round_trips += 1
        with self._session() as session:
            result = session.run(query.text, _sent(params))
            return [record.data() for record in result]

    def ping(self) -> bool:
        """True when the server answers (used by the readiness probe)."""
        try:
            self._driver.verify_connectivity()
        except (ServiceUnavailable, SessionExpired, OSError):
            return False
        self._down = None
        return True


class _Quiet(list[Any]):
    """A list parameter whose ``repr`` is short: the driver formats every RUN message for its
    debug log before checking the level (neo4j 6.4, ``_bolt5.py``), and the ``repr`` of a
    million values cost 1.4 s of a 1M-interaction recompute (bench/recompute.py)."""

    def __repr__(self) -> str:
        return f"<{len(self)} values>"


def _sent(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as sent: long lists and lists of lists or maps quiet (see
    :class:`_Quiet`; 50 score chunks of 1,000 people are short but hold 500,000 values),
    everything else as is."""
    return {name: _Quiet(value) if isinstance(value, list) and _bulky(value) else value
            for name, value in params.items()}


def _bulky(values: list[Any]) -> bool:
    return len(values) > 100 or (bool(values) and isinstance(values[0], list | dict))
