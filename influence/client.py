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

import importlib.util
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import SecretStr

from influence.errors import InvalidInputError
from influence.jobs.bars import Bars
from influence.jobs.progress import Silent
from influence.settings import Settings, load_settings
from influence.store import Store
from influence.timeutil import END_OF_TIME, instant

if TYPE_CHECKING:
    from types import TracebackType

    import networkx as nx

    from influence.domain import PublishPolicy
    from influence.engine.reads import PersonView
    from influence.evaluation.holdout import EvaluationReport
    from influence.store import QueryRunner

LoadFormat = Literal["stackexchange", "events", "twitter", "mastodon", "bluesky", "reddit",
                     "snap", "higgs", "konect", "bitcoin"]
"""Formats :meth:`Client.load` reads (:data:`influence.jobs.sources.SOURCES`)."""
EvaluateFormat = Literal["snap", "higgs", "konect", "bitcoin", "stackexchange"]
"""Formats :meth:`Client.evaluate` reads: timestamped edge lists or a Stack Exchange dump."""

SCORE_COLUMNS = ["rank", "person_id", "name", "score", "percentile", "consent", "networks",
                 "accounts"]
"""Columns of :meth:`Client.scores`, in order."""

_PAGE = 200


@dataclass(frozen=True)
class Evaluation:
    """The results of :meth:`Client.evaluate` as DataFrames.

    Attributes:
        summary: ``dataset``, ``network``, ``cut`` (UTC timestamp), ``horizon_days``,
            ``events_total``, ``events_before_cut``, ``events_after_cut``, ``users_seen``,
            ``users_engaged_after``, ``farm_target``, ``pod_members``, ``stable_users``,
            ``seconds``.
        rankings: temporal hold-out, one row per method: ``method``, ``spearman``,
            ``ndcg_at_10``, ``ndcg_at_100``, ``ndcg_at_1000``.
        manipulation: one row per attack and method: ``attack`` (``like_farm`` or
            ``engagement_pod``), ``method``, ``rank_before``, ``rank_after``, ``rank_gain``
            (positions gained), ``score_before``, ``score_after``, ``score_change_pct``.
        stability: one row per method: ``method``, ``users``, ``mean_abs_percentile_change``,
            ``max_abs_percentile_change``, ``spearman_day_over_day``, ``mean_abs_score_change``,
            ``max_abs_score_change`` (the last two only for our score).
        our_scores: our score at the cut per user id of the dataset, highest first.
    """

    summary: pd.Series
    rankings: pd.DataFrame
    manipulation: pd.DataFrame
    stability: pd.DataFrame
    our_scores: pd.Series


@dataclass(frozen=True)
class Explanation:
    """Why a person has their score (:meth:`Client.explanation`); each breakdown sums to it.

    Attributes:
        summary: ``person_id``, ``score``, ``percentile``, ``confidence``, ``asof`` (UTC
            timestamp of the recompute), ``engagers``, ``interactions``.
        by_network: ``network``, ``contribution`` (score points), ``share`` (of the score).
        by_kind: ``kind``, ``contribution``, ``share``.
        top_people: ``person_id`` (None for pooled rows), ``contribution``, ``share``,
            ``interactions``, ``people`` (how many a pooled row stands for), ``anonymous``
            (True for engagers the publish policy hides).
        hints: plain-language notes on what limits the score.
    """

    summary: pd.Series
    by_network: pd.DataFrame
    by_kind: pd.DataFrame
    top_people: pd.DataFrame
    hints: list[str]


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
        base = settings if settings is not None else load_settings()
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
        base = settings if settings is not None else load_settings()
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

        base = settings if settings is not None else load_settings()
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

    def _bars(self, progress: bool | None) -> Bars:
        from rich.console import Console

        show = self.progress if progress is None else progress
        console = Console(stderr=True)
        if console.is_jupyter and importlib.util.find_spec("ipywidgets") is None:
            # Without ipywidgets a notebook cannot redraw a live bar: print it once, when done.
            console = Console(stderr=True, force_jupyter=False, force_terminal=False)
        return Bars(show=show, console=console)

    def migrate(self) -> list[int]:
        """Apply pending schema migrations (constraints and indexes).

        Returns:
            The versions applied now (empty when the schema was up to date).

        Raises:
            StoreUnavailableError: when the server cannot be reached.
        """
        import logging

        from influence.schema import migrate

        # On an empty database the driver warns that the migration table's label does not
        # exist yet; that is expected there, so keep it out of notebook output.
        notifications = logging.getLogger("neo4j.notifications")
        level = notifications.level
        notifications.setLevel(logging.ERROR)
        try:
            return [m.version for m in migrate(self.store)]
        finally:
            notifications.setLevel(level)

    def load(self, source: str | Path | Sequence[str | Path], *,
             format: LoadFormat = "stackexchange", network: str | None = None,
             kind: str | None = None, identities: str | Path | None = None,
             keyword_topics: bool = True, keyword_vocabulary: str | Path | None = None,
             dry_run: bool = False, strict: bool = False, restart: bool = False,
             self_interactions: Literal["quarantine", "skip", "keep"] | None = None,
             bulk: bool | None = False, quarantine_dir: str | Path | None = None,
             progress: bool | None = None) -> pd.Series:
        """Load real data; every input row ends loaded, skipped or quarantined with a reason.

        The same job as ``influence load <format>`` (docs/FORMATS.md), with the same options.
        Loading is idempotent: loading a file twice does not duplicate anything; an interrupted
        load resumes from its checkpoint. The schema is migrated first.

        Args:
            source: a Stack Exchange dump folder, an edge-list file, or (canonical and social
                formats) files and folders of them.
            format: ``stackexchange``, ``events``, ``twitter``, ``mastodon``, ``bluesky``,
                ``reddit``, or an edge-list format ``snap``, ``higgs``, ``konect``, ``bitcoin``.
            network: network name stored on accounts (default: the format's).
            kind: interaction kind of every edge of a ``snap`` or ``konect`` file.
            identities: identity mapping CSV (person,network,account).
            keyword_topics: keyword topics for untagged posts with text (formats with text).
            keyword_vocabulary: a saved vocabulary to reuse, or where to save the fitted one.
            dry_run: validate only; write nothing.
            strict: raise InvalidInputError when anything was quarantined.
            restart: ignore the checkpoint of an interrupted run of the same input.
            self_interactions: quarantine, skip or keep an interaction whose actor is its
                target (default: ``settings.self_interactions``).
            bulk: the bulk path for a large first load into the local server (``None``:
                decide by size).
            quarantine_dir: where rejected rows are written (default ``settings.quarantine_dir``).
            progress: show a progress bar (default: the client's setting).

        Returns:
            The tally: ``read``, ``loaded``, ``skipped``, ``quarantined``, ``balanced``, plus
            ``quarantine_file`` (path, or None when nothing was rejected) and ``written``
            (records written by kind).

        Raises:
            InvalidInputError: when the source does not exist or is not of that format, or
                (``strict``) when records were quarantined.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.domain import InteractionKind
        from influence.jobs.load import LoadRequest, load, self_policy

        paths = [source] if isinstance(source, str | Path) else list(source)
        request = LoadRequest(
            source=format, paths=tuple(Path(p) for p in paths), network=network,
            kind=InteractionKind(kind) if kind is not None else None,
            identities=Path(identities) if identities is not None else None,
            keyword_topics=keyword_topics,
            keyword_vocabulary=Path(keyword_vocabulary) if keyword_vocabulary else None,
            dry_run=dry_run, strict=strict, restart=restart,
            self_interactions=self_policy(self_interactions, self.settings), bulk=bulk,
            quarantine_dir=Path(quarantine_dir) if quarantine_dir else None)
        with self._bars(progress) as bars:
            report = load(request, self.settings, progress=bars,
                          store=None if dry_run else self.store)
        if strict:
            report.require_clean()
        tally = report.tally
        return pd.Series({
            "read": tally.read, "loaded": tally.loaded, "skipped": tally.skipped,
            "quarantined": tally.quarantined, "balanced": tally.balanced,
            "quarantine_file": str(report.quarantine_path) if tally.quarantined else None,
            "written": dict(report.written),
        }, name="load")

    def recompute(self, asof: str | int | datetime | None = None, *, topics: bool = True,
                  communities: bool = True, algorithm: Literal["louvain", "leiden"] = "louvain",
                  progress: bool | None = None) -> pd.Series:
        """Recompute everything derived from the interactions, in the engine's order.

        The same job as ``influence recompute`` and the GraphQL ``recompute`` mutation:
        influence scores (GDS weighted PageRank, written onto people with a dated snapshot),
        then topic scores (one PageRank per topic), then topic communities and people
        communities (GDS Louvain or Leiden).

        Args:
            asof: scoring date (ISO date, datetime or epoch seconds); default now. Events
                after it are ignored and older ones decay towards it.
            topics: also recompute topic scores.
            communities: also recompute topic and people communities.
            algorithm: community detection algorithm, ``louvain`` or ``leiden``.
            progress: show a progress bar (default: the client's setting).

        Returns:
            ``run_id``, ``asof`` (UTC timestamp), ``people_in_graph``, ``engagement_pairs``,
            ``iterations``, ``converged``, ``seconds`` (of the score), then, when computed,
            ``topics_scored``, ``topic_scores_written``, ``topic_communities``,
            ``topic_modularity``, ``people_communities``, ``people_modularity``,
            ``total_seconds``.

        Raises:
            InvalidInputError: when ``asof`` cannot be parsed.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.jobs.recompute import recompute

        with self._bars(progress) as bars:
            report = recompute(self.store, self.settings.model, instant(asof), topics=topics,
                               communities=communities, community_algorithm=algorithm,
                               progress=bars)
        run = report.scores
        assert run is not None  # scores are always recomputed here
        out: dict[str, Any] = {
            "run_id": run.run_id, "asof": pd.Timestamp(run.asof, unit="s", tz="UTC"),
            "people_in_graph": run.people_in_graph, "engagement_pairs": run.engagement_pairs,
            "iterations": run.iterations, "converged": run.converged, "seconds": run.seconds,
        }
        if report.topics is not None:
            out.update({"topics_scored": report.topics.topics_scored,
                        "topic_scores_written": report.topics.scores_written})
        if report.topic_communities is not None and report.people_communities is not None:
            out.update({"topic_communities": report.topic_communities.communities,
                        "topic_modularity": report.topic_communities.modularity,
                        "people_communities": report.people_communities.communities,
                        "people_modularity": report.people_communities.modularity})
        out["total_seconds"] = report.seconds
        return pd.Series(out, name="recompute")

    # --- reads --------------------------------------------------------------------------------

    def scores(self, *, topic: str | None = None, network: str | None = None,
               min_score: float | None = None, limit: int = 100) -> pd.DataFrame:
        """The leaderboard: published people by overall score, highest first.

        Only people the publish policy allows are listed (the API's ``leaderboard``). Topic
        and network filters run in the database.

        Args:
            topic: only people who posted on this topic (a Stack Exchange tag, for example);
                ranked by their overall score (see :meth:`topic_scores` for topic scores).
            network: only people with an account on this network.
            min_score: only scores at or above this value (1-100 scale).
            limit: at most this many rows (the engine pages up to 10,000 deep).

        Returns:
            Columns ``rank`` (1-based, after filtering), ``person_id``, ``name`` (None when
            no source gives one), ``score``,
            ``percentile``, ``consent``, ``networks`` (sorted list), ``accounts``
            (list of ``network:id``).

        Raises:
            InvalidInputError: when ``limit`` is below 1.
            StoreUnavailableError: when the server cannot be reached.
        """
        from influence.engine.graph_reads import MAX_SKIP, leaderboard_page

        if limit < 1:
            raise InvalidInputError(f"limit must be at least 1, not {limit}.")
        kept: list[PersonView] = []
        page, offset = min(limit, _PAGE), 0
        while len(kept) < limit and offset <= MAX_SKIP:
            rows = leaderboard_page(self.store, page, offset, policy=self.policy, topic=topic,
                                    network=network)
            offset += len(rows)
            passing = [p for p in rows if min_score is None or (p.score or 0.0) >= min_score]
            kept += passing
            if len(rows) < page or len(passing) < len(rows):
                break
        kept = kept[:limit]
        frame = pd.DataFrame(
            [{"rank": i, "person_id": p.id, "name": p.name, "score": p.score,
              "percentile": p.percentile,
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
            ``person_id``, ``name``, ``consent``, ``published``, ``score``, ``percentile``,
            ``confidence`` (name and scores None when the policy does not publish this person),
            ``network_scores`` (dict network -> 1-100 sub-score; empty when not published),
            ``accounts`` (list of ``network:id``), ``profiles`` (dict ``network:id`` ->
            profile page, for published people whose sources give one).

        Raises:
            NotFoundError: when there is no such person.
        """
        from influence.domain import published_states
        from influence.engine.reads import get_person

        view = get_person(self.store, person_id, self.policy)
        return pd.Series({
            "person_id": view.id, "name": view.name, "consent": view.consent,
            "published": view.consent in published_states(self.policy),
            "score": view.score, "percentile": view.percentile, "confidence": view.confidence,
            "network_scores": {n.network: n.score for n in view.network_scores},
            "accounts": [f"{a.network}:{a.id}" for a in view.accounts],
            "profiles": {f"{a.network}:{a.id}": a.url for a in view.accounts if a.url},
        }, name=view.id)

    def search(self, text: str, *, limit: int = 20) -> pd.DataFrame:
        """People found by ``text``, as the API's ``people(search:)`` finds them.

        Args:
            text: a person id, account id or ``network:id`` (exact), or words of a name,
                display name or handle (each a word's start; case and accents aside; only
                published people are found by name).
            limit: at most this many rows.

        Returns:
            Columns ``person_id``, ``name``, ``consent``, ``score``, ``percentile`` (name
            and scores None when not published), ``accounts``; exact id matches first, then
            the most influential.

        Raises:
            InvalidInputError: when ``text`` is empty.
        """
        from influence.engine.graph_reads import search_people

        return _people_frame(search_people(self.store, text, limit, 0, self.policy))

    def history(self, person_id: str, *, since: str | int | datetime | None = None,
                until: str | int | datetime | None = None) -> pd.DataFrame:
        """A person's dated score snapshots (one per recompute date), oldest first.

        Args:
            person_id: e.g. ``stackexchange:42``.
            since: first scoring date (ISO date, datetime or epoch seconds); default: all.
            until: last scoring date; default: all.

        Returns:
            Columns ``asof`` (UTC timestamp), ``score``, ``percentile``, ``confidence``,
            ``change`` (score minus the previous snapshot's; NaN for the first ever).

        Raises:
            NotFoundError: when there is no such person.
            ConsentDeniedError: when the policy does not publish this person's scores.
        """
        from influence.engine.reads import score_history

        start = instant(since)
        end = instant(until)
        points = score_history(self.store, person_id, 0 if start is None else start,
                               END_OF_TIME if end is None else end, self.policy)
        frame = pd.DataFrame(
            [{"asof": pd.Timestamp(p.asof, unit="s", tz="UTC"), "score": p.score,
              "percentile": p.percentile, "confidence": p.confidence, "change": p.change}
             for p in points],
            columns=["asof", "score", "percentile", "confidence", "change"])
        return frame.astype({"score": "float64", "percentile": "float64",
                             "confidence": "float64", "change": "float64"})

    def explanation(self, person_id: str, *, top: int = 10) -> Explanation:
        """Why a person has their score: contributions that sum to it, and hints.

        Args:
            person_id: e.g. ``stackexchange:42``.
            top: how many engagers to name (the rest are pooled as "others").

        Returns:
            An :class:`Explanation` of DataFrames; engagers the policy hides are pooled into
            one anonymous row.

        Raises:
            NotFoundError: when there is no such person or no score yet.
            ConsentDeniedError: when the policy does not publish this person's score.
        """
        from influence.engine.explain import explain

        found = explain(self.store, person_id, self.policy, first=top,
                        params=self.settings.model)
        parts = ["name", "contribution", "share"]
        return Explanation(
            summary=pd.Series({
                "person_id": found.person_id, "score": found.score,
                "percentile": found.percentile, "confidence": found.confidence,
                "asof": None if found.asof is None else pd.Timestamp(found.asof, unit="s",
                                                                     tz="UTC"),
                "engagers": found.engagers, "interactions": found.interactions,
            }, name=found.person_id),
            by_network=pd.DataFrame([asdict(c) for c in found.by_network], columns=parts)
            .rename(columns={"name": "network"}),
            by_kind=pd.DataFrame([asdict(c) for c in found.by_kind], columns=parts)
            .rename(columns={"name": "kind"}),
            top_people=pd.DataFrame(
                [asdict(p) for p in found.top_people],
                columns=["person_id", "contribution", "share", "interactions", "people",
                         "anonymous"]),
            hints=list(found.hints),
        )

    # --- topics -------------------------------------------------------------------------------

    def topics(self, *, limit: int = 50) -> pd.DataFrame:
        """Topics by number of posts.

        Args:
            limit: at most this many rows.

        Returns:
            Columns ``topic``, ``posts``, ``community`` (topic community id, or None before
            :meth:`recompute` computed communities).
        """
        from influence.engine.topics import list_topics

        return pd.DataFrame(list_topics(self.store, limit),
                            columns=["topic", "posts", "community"])

    def topic_scores(self, topic: str, *, limit: int = 20) -> pd.DataFrame:
        """The most influential people on one topic (topic scores), among the published.

        Args:
            topic: a topic name, e.g. ``ipa``.
            limit: at most this many rows.

        Returns:
            Columns ``rank``, ``person_id``, ``score`` (1-100 topic score), ``percentile``,
            ``consent``.

        Raises:
            NotFoundError: when there is no such topic.
        """
        from influence.engine.topics import topic_leaderboard

        rows = topic_leaderboard(self.store, topic, limit, self.policy)
        return pd.DataFrame(
            [{"rank": i, "person_id": r.id, "score": r.score, "percentile": r.percentile,
              "consent": r.consent} for i, r in enumerate(rows, start=1)],
            columns=["rank", "person_id", "score", "percentile", "consent"])

    def person_topics(self, person_id: str, *, limit: int = 10) -> pd.DataFrame:
        """A person's top topics by topic score.

        Args:
            person_id: e.g. ``stackexchange:42``.
            limit: at most this many topics.

        Returns:
            Columns ``topic``, ``score``, ``percentile`` (None when the policy does not
            publish this person: the topics are listed, their scores are not).

        Raises:
            NotFoundError: when there is no such person.
        """
        from influence.engine.topics import person_topics

        found = person_topics(self.store, person_id, self.policy, first=limit)
        return pd.DataFrame([asdict(t) for t in found.topics],
                            columns=["topic", "score", "percentile"])

    def topic_explanation(self, person_id: str, topic: str, *, top: int = 10) -> pd.DataFrame:
        """Why a person scores what they score on one topic: the points each engager adds.

        The base of 1 plus every row's ``points`` (and the pooled rest) gives the topic score.

        Args:
            person_id: e.g. ``stackexchange:42``.
            topic: a topic name.
            top: engagers listed one by one; the rest are pooled into one row.

        Returns:
            Columns ``person_id`` (None for engagers the policy hides and for the pooled
            rest), ``kinds`` (list), ``points``; the DataFrame's ``attrs`` hold ``score``,
            ``base`` and ``engagers``.

        Raises:
            NotFoundError: when there is no such person or topic, the person has no score on
                it, or the policy hides the person.
        """
        from influence.engine.topics import explain_topic

        found = explain_topic(self.store, person_id, topic, self.settings.model, self.policy,
                              top=top)
        rows = [{"person_id": c.person, "kinds": list(c.kinds), "points": c.points}
                for c in found.contributions]
        if found.other_points:
            rows.append({"person_id": None, "kinds": [], "points": found.other_points})
        frame = pd.DataFrame(rows, columns=["person_id", "kinds", "points"])
        frame.attrs.update({"score": found.score, "base": found.base,
                            "engagers": found.engagers})
        return frame

    def related_topics(self, topic: str, *, limit: int = 10) -> pd.DataFrame:
        """Topics that most often share posts with ``topic``.

        Args:
            topic: a topic name.
            limit: at most this many rows.

        Returns:
            Columns ``topic``, ``together`` (posts tagged with both), ``same_community``.

        Raises:
            NotFoundError: when there is no such topic.
        """
        from influence.engine.topics import related_topics

        return pd.DataFrame([asdict(r) for r in related_topics(self.store, topic, limit)],
                            columns=["topic", "together", "same_community"])

    def communities(self, kind: Literal["topics", "people"] = "topics", *,
                    limit: int = 20, members: int = 10) -> pd.DataFrame:
        """Communities from the last :meth:`recompute`, largest first.

        Args:
            kind: ``topics`` (clusters of topics by co-occurrence and shared audience) or
                ``people`` (clusters of the interaction graph).
            limit: at most this many communities.
            members: topics listed per topic community, or top people per people community.

        Returns:
            For ``topics``: ``community_id``, ``name``, ``size`` (topics), ``posts``,
            ``topics``, ``modularity``. For ``people``: ``community_id``, ``size`` (people,
            everyone counted), ``top_people`` (only people the policy publishes, by score),
            ``topics`` (the community's top topics).

        Raises:
            InvalidInputError: for another ``kind``.
        """
        from influence.engine.communities import people_communities, topic_communities

        if kind == "topics":
            return pd.DataFrame(
                [{"community_id": c.id, "name": c.name, "size": c.size, "posts": c.posts,
                  "topics": list(c.topics), "modularity": c.modularity}
                 for c in topic_communities(self.store, limit, topics=members)],
                columns=["community_id", "name", "size", "posts", "topics", "modularity"])
        if kind == "people":
            return pd.DataFrame(
                [{"community_id": c.id, "size": c.size, "top_people": list(c.top),
                  "topics": list(c.topics)}
                 for c in people_communities(self.store, self.policy, limit,
                                             members=members)],
                columns=["community_id", "size", "top_people", "topics"])
        raise InvalidInputError(f"kind must be 'topics' or 'people', not {kind!r}.")

    # --- graph --------------------------------------------------------------------------------

    def neighbours(self, person_id: str, *, direction: Literal["IN", "OUT", "BOTH"] = "BOTH",
                   kinds: Sequence[str] | None = None, limit: int = 20) -> pd.DataFrame:
        """The people a person engaged with (OUT), was engaged by (IN), or both.

        Args:
            person_id: e.g. ``stackexchange:42``.
            direction: ``OUT``, ``IN`` or ``BOTH``.
            kinds: only these interaction kinds (e.g. ``["answer", "comment"]``).
            limit: at most this many neighbours, heaviest first.

        Returns:
            Columns ``person_id``, ``name``, ``interactions``, ``kinds`` (list), ``weight``
            (sum of the model's kind weights, undecayed), ``consent``, ``score``,
            ``percentile`` (name and scores None when the policy does not publish the
            neighbour). Empty when there are none.

        Raises:
            InvalidInputError: for another ``direction``.
        """
        from influence.engine.graph_reads import neighbours

        if direction not in ("IN", "OUT", "BOTH"):
            raise InvalidInputError(f"direction must be IN, OUT or BOTH, not {direction!r}.")
        found = neighbours(self.store, [person_id], direction=direction,
                           kinds=None if kinds is None else list(kinds), first=limit,
                           weights=self.settings.model.kind_weights, policy=self.policy)
        return pd.DataFrame(
            [{"person_id": n.person.id, "name": n.person.name, "interactions": n.interactions,
              "kinds": list(n.kinds),
              "weight": n.weight, "consent": n.person.consent, "score": n.person.score,
              "percentile": n.person.percentile} for n in found.get(person_id, [])],
            columns=["person_id", "name", "interactions", "kinds", "weight", "consent", "score",
                     "percentile"])

    def to_networkx(self, person_id: str, *, depth: int = 1, limit: int = 20,
                    kinds: Sequence[str] | None = None) -> nx.DiGraph[str]:
        """The engagement subgraph around a person, as a directed networkx graph.

        An edge ``u -> v`` means ``u`` engaged with ``v`` (answered, commented, voted ...).
        The graph grows breadth-first ``depth`` hops from ``person_id``, keeping each
        person's ``limit`` heaviest neighbours in each direction.

        Args:
            person_id: the centre, e.g. ``stackexchange:42``.
            depth: hops from the centre (1-3).
            limit: neighbours kept per person and direction.
            kinds: only these interaction kinds.

        Returns:
            Nodes carry ``name``, ``consent``, ``score``, ``percentile`` (name and scores
            None when not published) and ``hop``; edges carry ``interactions``, ``kinds``,
            ``weight``.

        Raises:
            NotFoundError: when there is no such person.
            InvalidInputError: when ``depth`` is not 1-3.
        """
        import networkx as nx

        from influence.engine.graph_reads import neighbours
        from influence.engine.reads import get_person

        if not 1 <= depth <= 3:
            raise InvalidInputError(f"depth must be 1, 2 or 3, not {depth}.",
                                    hint="Deeper subgraphs grow too fast to draw.")
        centre = get_person(self.store, person_id, self.policy)
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_node(centre.id, name=centre.name, consent=centre.consent, score=centre.score,
                       percentile=centre.percentile, hop=0)
        frontier = [centre.id]
        for hop in range(1, depth + 1):
            found: set[str] = set()
            for direction in ("OUT", "IN"):
                batch = neighbours(self.store, frontier, direction=direction,
                                   kinds=None if kinds is None else list(kinds), first=limit,
                                   weights=self.settings.model.kind_weights,
                                   policy=self.policy)
                for source, near in batch.items():
                    for n in near:
                        other = n.person
                        if other.id not in graph:
                            graph.add_node(other.id, name=other.name, consent=other.consent,
                                           score=other.score,
                                           percentile=other.percentile, hop=hop)
                            found.add(other.id)
                        u, v = (source, other.id) if direction == "OUT" else (other.id, source)
                        graph.add_edge(u, v, interactions=n.interactions, kinds=list(n.kinds),
                                       weight=n.weight)
            frontier = sorted(found)
            if not frontier:
                break
        return graph

    # --- evaluation ---------------------------------------------------------------------------

    def evaluate(self, dataset: str | Path, *, format: EvaluateFormat = "snap",
                 cut: str | float = 0.8, horizon_days: float | None = None,
                 farm_size: int = 50, farm_repeats: int = 5, pod_size: int = 10,
                 network: str | None = None, on: Literal["scratch", "this"] = "scratch",
                 progress: bool | None = None) -> Evaluation:
        """Evaluate the score on a timestamped dataset (``influence evaluate influence``).

        Scores from the events before the cut are compared with four baselines (engagement
        count, distinct engagers, in-degree, plain PageRank) on how well they predict who gets
        engaged after the cut, how far a like farm and an engagement pod move their targets,
        and how much scores of inactive users move from one day to the next. The model
        parameters are the operator's (``settings.model``); nothing is tuned here.

        The evaluation deletes everything in the database it runs on. ``on="scratch"``
        (default) uses a second local server (``<data_dir>-eval`` on ``db_port + 2``), started
        for the run and stopped after; ``on="this"`` WIPES this client's database, for
        databases that are themselves scratch (tests, throw-away servers).

        Args:
            dataset: an edge-list file or a Stack Exchange dump folder.
            format: ``snap``, ``higgs``, ``konect``, ``bitcoin`` or ``stackexchange``.
            cut: a fraction of the events in (0, 1), or a date such as ``"2004-08-01"``.
            horizon_days: count engagers only this many days after the cut (default: all).
            farm_size: fresh accounts in the like farm.
            farm_repeats: engagements per farm account (and per pod pair).
            pod_size: members of the engagement pod.
            network: network name for the accounts (default from the format).
            on: ``"scratch"`` or ``"this"`` (see above).
            progress: show a progress bar over the steps (default: the client's setting).

        Returns:
            The results as DataFrames (see :class:`Evaluation`).

        Raises:
            InvalidInputError: for an unknown format, a bad cut or no event before the cut.
            EnvironmentProblemError: when the scratch server cannot be started.
        """
        from influence.evaluation import run as jobs

        if on not in ("scratch", "this"):
            raise InvalidInputError(f"on must be 'scratch' or 'this', not {on!r}.")
        target = jobs.Target(store=self.store) if on == "this" else jobs.Target()
        with self._bars(progress) as bars:
            report = jobs.evaluate_influence(
                self.settings, Path(dataset), format, cut=str(cut), horizon_days=horizon_days,
                farm_size=farm_size, farm_repeats=farm_repeats, pod_size=pod_size,
                network=network, target=target, progress=_Steps(bars))
        return _evaluation_frames(report)


class _Steps(Silent):
    """An evaluation's notes as the steps of one progress bar."""

    STEPS = 5  # load, score, farm, pod, next day

    def __init__(self, bars: Bars) -> None:
        self._bars = bars
        bars.stage("evaluate", self.STEPS)

    def note(self, message: str) -> None:
        self._bars.advance()
        self._bars.note(message[:100])


def _people_frame(people: Sequence[PersonView]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"person_id": p.id, "name": p.name, "consent": p.consent, "score": p.score,
          "percentile": p.percentile, "accounts": [f"{a.network}:{a.id}" for a in p.accounts]}
         for p in people],
        columns=["person_id", "name", "consent", "score", "percentile", "accounts"])


def _evaluation_frames(report: EvaluationReport) -> Evaluation:
    from influence.evaluation.holdout import NDCG_KS

    summary = pd.Series({
        "dataset": report.dataset, "network": report.network,
        "cut": pd.Timestamp(report.cut, unit="s", tz="UTC"), "horizon_days": report.horizon_days,
        "events_total": report.events_total, "events_before_cut": report.events_before_cut,
        "events_after_cut": report.events_after_cut, "users_seen": report.users_seen,
        "users_engaged_after": report.users_engaged_after, "farm_target": report.farm_target,
        "pod_members": list(report.pod_members), "stable_users": report.stable_users,
        "seconds": dict(report.seconds),
    }, name="evaluation")
    rankings = pd.DataFrame(
        [{"method": r.method, "spearman": r.spearman,
          **{f"ndcg_at_{k}": r.ndcg.get(k) for k in NDCG_KS}} for r in report.rankings],
        columns=["method", "spearman", *(f"ndcg_at_{k}" for k in NDCG_KS)])
    manipulation = pd.DataFrame(
        [{"attack": attack, "method": s.method, "rank_before": s.rank_before,
          "rank_after": s.rank_after, "rank_gain": s.rank_gain, "score_before": s.score_before,
          "score_after": s.score_after, "score_change_pct": s.score_change_pct}
         for attack, shifts in (("like_farm", report.farm), ("engagement_pod", report.pod))
         for s in shifts],
        columns=["attack", "method", "rank_before", "rank_after", "rank_gain", "score_before",
                 "score_after", "score_change_pct"])
    stability = pd.DataFrame([asdict(s) for s in report.stability],
                             columns=["method", "users", "mean_abs_percentile_change",
                                      "max_abs_percentile_change", "spearman_day_over_day",
                                      "mean_abs_score_change", "max_abs_score_change"])
    ours = pd.Series(report.our_scores, name="score", dtype="float64")
    ours.index.name = "user"
    return Evaluation(summary, rankings, manipulation, stability,
                      ours.sort_values(ascending=False, kind="stable"))
