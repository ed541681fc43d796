"""A Python client for analysts: the engine's reads and jobs as pandas DataFrames.

The client wraps the engine directly (not the GraphQL API): every read goes through the same
engine functions the API uses, with the same consent filter (``settings.publish_policy``), so
a notebook never shows a score the API would hide. It runs no Cypher of its own.

Example::

    from influence import Client

    client = Client.open(policy="not_opted_out")   # the operator's documented choice
    client.load("../../shared/data/stackexchange-beer")
    client.recompute(asof="2016-12-10")
    client.scores(limit=20)

Every DataFrame has stable snake_case columns, listed in each method's docstring and in
``docs/CLIENT.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import SecretStr

from influence.errors import InvalidInputError
from influence.settings import Settings
from influence.store import Store

if TYPE_CHECKING:
    from types import TracebackType

    from rich.progress import Progress

    from influence.engine.reads import PersonView, PublishPolicy
    from influence.loaders.base import Item
    from influence.store import QueryRunner

LoadFormat = Literal["stackexchange", "snap", "higgs", "konect", "bitcoin"]
"""Formats :meth:`Client.load` reads: a Stack Exchange dump folder or a timestamped edge list."""

SCORE_COLUMNS = ["rank", "person_id", "score", "percentile", "consent", "networks", "accounts"]
"""Columns of :meth:`Client.scores`, in order."""

_PAGE = 200


def _when(value: str | int | datetime | None) -> int | None:
    """Epoch seconds from an ISO date, a datetime or epoch seconds (None stays None)."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp())
    from influence.loaders.base import RowError, parse_iso_utc

    try:
        return parse_iso_utc(value)
    except RowError as exc:
        raise InvalidInputError(str(exc),
                                hint="Use an ISO-8601 date such as '2016-12-10'.") from exc


class Client:
    """The engine for notebooks: reads as DataFrames, loads and recomputes with progress bars.

    Build one with :meth:`open` (configured server, or the local one started if needed),
    :meth:`local` or :meth:`connect`; or pass :class:`~influence.settings.Settings` directly.
    Close it with :meth:`close` or use it as a context manager.

    Args:
        settings: connection, model and policy; default read from ``INFLUENCE_*`` variables.
        policy: publish policy override, ``"opted_in"`` (the product default: only people who
            opted in are shown) or ``"not_opted_out"`` (everyone except those who opted out;
            an operator's documented choice). Default: ``settings.publish_policy``.
        progress: show progress bars for long operations unless a call says otherwise.
        store: an already open query runner to use instead of connecting (tests).

    Raises:
        pydantic.ValidationError: when ``policy`` is not one of the two policies.
    """

    def __init__(self, settings: Settings | None = None, *, policy: PublishPolicy | None = None,
                 progress: bool = True, store: QueryRunner | None = None) -> None:
        base = settings if settings is not None else Settings()
        if policy is not None:
            base = Settings.model_validate({**base.model_dump(), "publish_policy": policy})
        self.settings = base
        self.progress = progress
        self._owns_store = store is None
        self.store: QueryRunner = store if store is not None else Store(base)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings | None = None, *, policy: PublishPolicy | None = None,
             progress: bool = True) -> Client:
        """Connect to the configured server, starting the project's local one if that is it.

        With ``INFLUENCE_NEO4J_URI`` set this connects there; otherwise it behaves like
        :meth:`local`.

        Args:
            settings: default read from ``INFLUENCE_*`` environment variables.
            policy: publish policy override (see :class:`Client`).
            progress: show progress bars by default.

        Returns:
            A connected client.

        Raises:
            EnvironmentProblemError: when the local server cannot be provisioned or started.
            StoreUnavailableError: when the server does not become ready.
        """
        base = settings if settings is not None else Settings()
        if base.uses_local_server:
            return cls.local(base, policy=policy, progress=progress)
        return cls(base, policy=policy, progress=progress)

    @classmethod
    def local(cls, settings: Settings | None = None, *, policy: PublishPolicy | None = None,
              progress: bool = True) -> Client:
        """Start the project's own Neo4j + GDS server if it is not running, and connect.

        The server is the one ``influence db start`` manages (port ``INFLUENCE_DB_PORT``, data
        in ``INFLUENCE_DATA_DIR``); the first start provisions it from Maven Central.

        Args:
            settings: default read from ``INFLUENCE_*`` environment variables.
            policy: publish policy override (see :class:`Client`).
            progress: show progress bars by default (and print start-up steps).

        Returns:
            A connected client.

        Raises:
            InvalidInputError: when ``INFLUENCE_NEO4J_URI`` points at an external server.
            EnvironmentProblemError: when Java or Maven is missing, or the port is taken.
            StoreUnavailableError: when the server does not become ready.
        """
        from influence import localdb

        base = settings if settings is not None else Settings()
        if not base.uses_local_server:
            raise InvalidInputError(
                f"INFLUENCE_NEO4J_URI is set ({base.neo4j_uri}): that server is not managed here.",
                hint="Use Client.open() or Client.connect(uri) for an external server.")
        localdb.start(base, progress=print if progress else lambda _: None)
        return cls(base, policy=policy, progress=progress)

    @classmethod
    def connect(cls, uri: str, *, user: str = "neo4j", password: str | None = None,
                database: str = "neo4j", policy: PublishPolicy | None = None,
                progress: bool = True) -> Client:
        """Connect to a running Neo4j 5.26 + GDS 2.13 server.

        Args:
            uri: Bolt URI, e.g. ``bolt://127.0.0.1:7687``.
            user: user name (ignored by a server without authentication).
            password: password; ``None`` for a server without authentication.
            database: database name.
            policy: publish policy override (see :class:`Client`).
            progress: show progress bars by default.

        Returns:
            A client; the connection is checked on first use.
        """
        settings = Settings(neo4j_uri=uri, neo4j_user=user, neo4j_database=database,
                            neo4j_password=SecretStr(password) if password else None)
        return cls(settings, policy=policy, progress=progress)

    def close(self) -> None:
        """Close the connection (a store passed in by the caller is left open)."""
        if self._owns_store and isinstance(self.store, Store):
            self.store.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        uri = getattr(self.store, "uri", "?")
        return f"Client(uri={uri!r}, policy={self.policy!r})"

    @property
    def policy(self) -> PublishPolicy:
        """The publish policy every read honours."""
        return self.settings.publish_policy

    # --- jobs ---------------------------------------------------------------------------------

    @contextmanager
    def _bar(self, progress: bool | None) -> Iterator[Progress]:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        show = self.progress if progress is None else progress
        console = Console(stderr=True, force_jupyter=False)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=not show) as bar:
            yield bar

    def migrate(self) -> list[int]:
        """Apply pending schema migrations (constraints and indexes).

        Returns:
            The versions applied now (empty when the schema was up to date).

        Raises:
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.schema import migrate

        return [m.version for m in migrate(self.store)]

    def load(self, source: str | Path, *, format: LoadFormat = "stackexchange",
             network: str | None = None, quarantine_dir: str | Path | None = None,
             progress: bool | None = None) -> pd.Series:
        """Load real data; every input row ends loaded, skipped or quarantined with a reason.

        Loading is idempotent: records are merged by their ids, so loading a file twice does
        not duplicate anything. The schema is migrated first.

        Args:
            source: a Stack Exchange dump folder, or an edge-list file.
            format: ``stackexchange``, or an edge-list format ``snap``, ``higgs``, ``konect``,
                ``bitcoin`` (see docs/FORMATS.md).
            network: network name stored on accounts (default: ``stackexchange`` or the
                edge-list format's name).
            quarantine_dir: where rejected rows are written (default ``settings.quarantine_dir``).
            progress: show a progress bar (default: the client's setting).

        Returns:
            The tally: ``read``, ``loaded``, ``skipped``, ``quarantined``, ``balanced``, plus
            ``quarantine_file`` (path, or None when nothing was rejected).

        Raises:
            InvalidInputError: when the source does not exist or is not of that format.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.loaders.quarantine import Quarantine
        from influence.loaders.writer import Writer, load

        path = Path(source)
        adapter: Iterable[Item]
        if format == "stackexchange":
            from influence.loaders.stackexchange import StackExchangeAdapter

            se = StackExchangeAdapter(path, network=network or "stackexchange")
            adapter, total, name = se, se.total_rows(), se.network
        else:
            from influence.loaders.edgelists import EdgeListAdapter

            edges = EdgeListAdapter(path, format, network=network)
            adapter, total, name = edges, edges.total_rows(), edges.network
        self.migrate()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        folder = Path(quarantine_dir) if quarantine_dir else self.settings.quarantine_dir
        quarantine = Quarantine(folder, f"client-{format}-{name}-{stamp}")
        writer = Writer(self.store, batch_size=self.settings.batch_size)
        with self._bar(progress) as bar:
            task = bar.add_task(f"loading {name}", total=total)
            tally = load(adapter, writer, quarantine, on_item=lambda: bar.advance(task))
        return pd.Series({
            "read": tally.read, "loaded": tally.loaded, "skipped": tally.skipped,
            "quarantined": tally.quarantined, "balanced": tally.balanced,
            "quarantine_file": str(quarantine.path) if tally.quarantined else None,
        }, name="load")

    def recompute(self, asof: str | int | datetime | None = None, *,
                  progress: bool | None = None) -> pd.Series:
        """Recompute influence scores with GDS and write them onto people.

        Args:
            asof: scoring date (ISO date, datetime or epoch seconds); default now. Events
                after it are ignored and older ones decay towards it.
            progress: show a progress bar over the steps (default: the client's setting).

        Returns:
            The run: ``run_id``, ``asof`` (UTC timestamp), ``people_in_graph``,
            ``engagement_pairs``, ``iterations``, ``converged``, ``seconds``.

        Raises:
            InvalidInputError: when ``asof`` cannot be parsed.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.engine.scoring import compute_scores

        when = _when(asof)
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("influence scores (GDS PageRank)",
             lambda: compute_scores(self.store, self.settings.model, asof=when)),
        ]
        results: list[Any] = []
        with self._bar(progress) as bar:
            task = bar.add_task("recompute", total=len(steps))
            for label, step in steps:
                bar.update(task, description=f"recompute: {label}")
                results.append(step())
                bar.advance(task)
        run = results[0]
        return pd.Series({
            "run_id": run.run_id, "asof": pd.Timestamp(run.asof, unit="s", tz="UTC"),
            "people_in_graph": run.people_in_graph, "engagement_pairs": run.engagement_pairs,
            "iterations": run.iterations, "converged": run.converged, "seconds": run.seconds,
        }, name="recompute")

    # --- reads --------------------------------------------------------------------------------

    def scores(self, *, topic: str | None = None, network: str | None = None,
               min_score: float | None = None, limit: int = 100) -> pd.DataFrame:
        """The leaderboard: published people by score, highest first.

        Only people the publish policy allows are listed (as in the API's ``leaderboard``).

        Args:
            topic: only people who posted on this topic (a Stack Exchange tag, for example).
            network: only people with an account on this network.
            min_score: only scores at or above this value (1-100 scale).
            limit: at most this many rows.

        Returns:
            Columns ``rank`` (1-based, after filtering), ``person_id``, ``score``,
            ``percentile``, ``consent``, ``networks`` (sorted list), ``accounts``
            (list of ``network:id``).

        Raises:
            InvalidInputError: when ``limit`` is below 1.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.engine.reads import leaderboard

        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, not {limit}.")
        kept: list[PersonView] = []
        fetch = max(limit, _PAGE)
        while True:
            rows = leaderboard(self.store, fetch, self.policy, topic=topic)
            kept = [p for p in rows
                    if network is None or any(a.network == network for a in p.accounts)]
            exhausted = len(rows) < fetch
            below = min_score is not None and bool(rows) and (rows[-1].score or 0) < min_score
            if len(kept) >= limit or exhausted or below:
                break
            fetch *= 4
        if min_score is not None:
            kept = [p for p in kept if p.score is not None and p.score >= min_score]
        kept = kept[:limit]
        frame = pd.DataFrame(
            [{"rank": i, "person_id": p.id, "score": p.score, "percentile": p.percentile,
              "consent": p.consent, "networks": sorted({a.network for a in p.accounts}),
              "accounts": [f"{a.network}:{a.id}" for a in p.accounts]}
             for i, p in enumerate(kept, start=1)],
            columns=SCORE_COLUMNS,
        )
        return frame.astype({"rank": "int64", "score": "float64", "percentile": "float64"})

    def person(self, person_id: str) -> pd.Series:
        """One person as a reader may see them.

        Args:
            person_id: e.g. ``stackexchange:42``.

        Returns:
            ``person_id``, ``consent``, ``score`` and ``percentile`` (None when the policy does
            not publish this person), ``published``, ``accounts`` (list of ``network:id``).

        Raises:
            NotFoundError: when there is no such person.
        """
        from influence.engine.reads import get_person

        view = get_person(self.store, person_id, self.policy)
        return pd.Series({
            "person_id": view.id, "consent": view.consent, "score": view.score,
            "percentile": view.percentile, "published": view.score is not None,
            "accounts": [f"{a.network}:{a.id}" for a in view.accounts],
        }, name=view.id)
