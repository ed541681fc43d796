"""``influence load ...`` commands for the canonical format and the social-network adapters.

Every command: progress bar with rate and ETA, ``--dry-run`` (validate, write nothing),
``--strict`` (non-zero exit if anything was quarantined), resumable after a crash (a
checkpoint in the database; ``--restart`` ignores it), and a closing summary where
``read = loaded + skipped + quarantined``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from influence.errors import InvalidInputError
from influence.loaders.base import Item
from influence.loaders.jsonlines import JsonLinesSource
from influence.loaders.quarantine import Tally
from influence.settings import get_settings

console = Console(stderr=True)

DryRun = Annotated[bool, typer.Option(help="Validate only; write nothing.")]
Strict = Annotated[bool, typer.Option(help="Exit non-zero (code of invalid input) if any "
                                      "record is quarantined.")]
ShowProgress = Annotated[bool, typer.Option(help="Show a progress bar with rate and ETA.")]
Restart = Annotated[bool, typer.Option(help="Ignore a checkpoint left by an interrupted run "
                                       "of the same input and read from the start.")]
SelfOpt = Annotated[str | None, typer.Option(
    "--self-interactions", help="quarantine | skip | keep an interaction whose actor is its "
    "target (default: settings.self_interactions).")]
Identities = Annotated[Path | None, typer.Option(
    help="Identity mapping CSV (person,network,account): link accounts to one person.")]
KeywordTopicsOpt = Annotated[bool, typer.Option(
    "--keyword-topics/--no-keyword-topics", help="Give posts with text but no tags, hashtags "
    "or subreddit keyword topics (a first pass over the input fits the vocabulary; "
    "docs/TOPICS.md).")]
KeywordVocabulary = Annotated[Path | None, typer.Option(
    help="Keyword vocabulary JSON: reused if the file exists (no fitting, the same topics "
    "across loads), else the vocabulary fitted on this input is saved there.")]


class _RateColumn(ProgressColumn):
    """Rows per second, blank until rich has measured a speed."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:>8.0f} rows/s", style="progress.data.speed")


AUTO_BULK_ROWS = 200_000
"""Inputs at least this long go the bulk path when the database is empty (local server)."""


def _choose_bulk(store: Any, bulk: bool | None, total: int) -> tuple[bool, bool]:
    """(use the bulk path, the database is empty)."""
    from influence.loaders import queries as lq

    settings = get_settings()
    empty = bool(store.read(lq.DATABASE_IS_EMPTY)[0]["empty"])
    if bulk and not settings.uses_local_server:
        raise InvalidInputError(
            "--bulk needs the server's import directory, which only the local server "
            "(`influence db start`) shares with this machine.",
            hint="Drop --bulk to load incrementally into INFLUENCE_NEO4J_URI.")
    if bulk is None:
        bulk = settings.uses_local_server and empty and total >= AUTO_BULK_ROWS
    return bulk, empty


def run_load(items: Iterable[Item], total: int, run_name: str, *, inputs: list[Path],
             dry_run: bool, strict: bool, show_progress: bool, restart: bool = False,
             self_interactions: str | None = None, options: tuple[str, ...] = (),
             bulk: bool | None = False) -> Tally:
    """Run one load with progress, checkpoints, quarantine and a summary.

    Args:
        items: the adapter's items.
        total: expected items, for the progress bar (0 when unknown).
        run_name: names the quarantine file and the checkpoint.
        inputs: input files (their names, sizes and times fingerprint the checkpoint).
        dry_run: validate only.
        strict: raise when anything is quarantined.
        show_progress: draw a progress bar.
        restart: ignore an earlier run's checkpoint.
        self_interactions: policy override (quarantine, skip, keep).
        options: adapter options that change the records (part of the fingerprint).
        bulk: stage interactions as CSV and ``LOAD CSV`` them (True), load incrementally
            (False), or decide (None: bulk for a large input into an empty local database).

    Returns:
        The tally.

    Raises:
        InvalidInputError: in strict mode, when records were quarantined.
    """
    from influence.loaders.checkpoint import Checkpoint, fingerprint
    from influence.loaders.quarantine import Quarantine
    from influence.loaders.writer import SelfPolicy, Writer, load
    from influence.schema import migrate as run_migrations
    from influence.store import Store

    settings = get_settings()
    policy = self_interactions or settings.self_interactions
    if policy not in ("quarantine", "skip", "keep"):
        raise InvalidInputError(f"--self-interactions {policy!r} is not one of quarantine, "
                                "skip, keep.")
    policy_value: SelfPolicy = policy  # type: ignore[assignment]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    quarantine = Quarantine(settings.quarantine_dir, f"{run_name}-{stamp}")
    store = None if dry_run else Store(settings)
    try:
        checkpoint = None
        writer: Writer = Writer(store, batch_size=settings.batch_size)
        bulk_writer = None
        if store is not None:
            run_migrations(store)
            use_bulk, empty = _choose_bulk(store, bulk, total)
            if use_bulk:
                from influence.loaders.bulk import BulkWriter

                bulk_writer = BulkWriter(store, batch_size=settings.batch_size,
                                         import_dir=settings.data_dir / "import", create=empty)
                writer = bulk_writer
                console.print(f"[bold cyan]>[/] bulk path: LOAD CSV from the import directory "
                              f"({'CREATE, empty database' if empty else 'MERGE'})")
            else:
                checkpoint = Checkpoint(store, run_name,
                                        fingerprint(inputs, *options, f"self={policy}"))
                if restart:
                    checkpoint.finish()
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), _RateColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                      disable=not show_progress) as bar:
            task = bar.add_task(f"loading {run_name}", total=total or None)
            tally = load(items, writer, quarantine, on_item=lambda: bar.advance(task),
                         checkpoint=checkpoint, self_interactions=policy_value)
        if bulk_writer is not None and store is not None:
            console.print(f"[bold cyan]>[/] LOAD CSV of {bulk_writer.staged} staged interactions")
            bulk_writer.commit(store)
    finally:
        if store is not None:
            store.close()
    report(tally, run_name, dry_run=dry_run, quarantine_path=quarantine.path,
           written=writer.written)
    if strict and tally.quarantined:
        raise InvalidInputError(f"{tally.quarantined} record(s) quarantined in strict mode.",
                                hint=f"See {quarantine.path} for each line and its reason.")
    return tally


def report(tally: Tally, run_name: str, *, dry_run: bool, quarantine_path: Path,
           written: dict[str, int]) -> None:
    """Print the run's summary table, the accounting equation and the reasons."""
    table = Table(title=f"{run_name}{' (dry run)' if dry_run else ''}")
    columns = ("read", "loaded", "skipped", "quarantined")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(tally, c)) for c in columns))
    console.print(table)
    console.print(f"  read {tally.read} = loaded {tally.loaded} + skipped {tally.skipped} "
                  f"+ quarantined {tally.quarantined}"
                  f"{'' if tally.balanced else '  (UNBALANCED: a bug, please report)'}")
    if tally.resumed:
        console.print(f"  resumed after item {tally.resumed} (committed by an interrupted run)")
    if tally.self_interactions_dropped:
        console.print(f"  self-interactions dropped from loaded items: "
                      f"{tally.self_interactions_dropped}")
    for reason, count in tally.skipped_reasons.most_common():
        console.print(f"  skipped {count:>7}  {reason}")
    for reason, count in tally.quarantine_reasons.most_common():
        console.print(f"  quarantined {count:>3}  {reason}")
    if tally.quarantined:
        console.print(f"  quarantine file: {quarantine_path}")
    summary = ", ".join(f"{k}={v}" for k, v in written.items()) or "none"
    console.print(f"[bold cyan]>[/] records {'validated' if dry_run else 'written'}: {summary}")


def keyword_items(adapter: Iterable[Item], total: int, *, enabled: bool,
                  vocabulary: Path | None, show_progress: bool) -> tuple[Iterable[Item], str]:
    """The adapter's items with keyword topics on untagged posts, and a fingerprint option.

    Reads the input once more to fit the vocabulary (unless a saved one is given); when no
    post lacks topics the items are returned unchanged.
    """
    if not enabled:
        return adapter, "keywords=off"
    from influence.loaders.keywords import KeywordTopics, fit_items, with_keyword_topics

    saved = KeywordTopics.load(vocabulary) if vocabulary and vocabulary.exists() else None
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), _RateColumn(), TimeElapsedColumn(), console=console,
                  disable=not show_progress) as bar:
        task = bar.add_task("keyword topics: reading post text", total=total or None)

        def counted() -> Iterable[Item]:
            for item in adapter:
                bar.advance(task)
                yield item

        fitted = fit_items(counted(), saved)
    if not fitted.untagged:
        return adapter, "keywords=none"
    if vocabulary is not None and saved is None:
        fitted.model.save(vocabulary)
    console.print(f"[bold cyan]>[/] keyword topics for {fitted.untagged} untagged post(s); "
                  f"vocabulary of {len(fitted.model.doc_freq)} terms from "
                  f"{fitted.model.documents} texts"
                  + (f" ({'reused' if saved else 'saved'}: {vocabulary})" if vocabulary else ""))
    digest = ",".join(f"{t}:{n}" for t, n in sorted(fitted.model.doc_freq.items()))
    return with_keyword_topics(adapter, fitted.model), f"keywords={hash_text(digest)}"


def hash_text(text: str) -> str:
    """A short stable digest (for checkpoint fingerprints)."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _with_identities(items: Iterable[Item], identities: Path | None) -> Iterable[Item]:
    if identities is None:
        return items
    from itertools import chain

    from influence.loaders.canonical import CanonicalAdapter

    return chain(items, CanonicalAdapter([identities], default_type="link"))


def events(
    paths: Annotated[list[Path], typer.Argument(help="Canonical .jsonl/.ndjson/.csv files or "
                                                "folders of them.")],
    *,
    network: Annotated[str | None, typer.Option(help="Network for records without one.")]
    = None,
    identities: Identities = None,
    keyword_topics: KeywordTopicsOpt = True,
    keyword_vocabulary: KeywordVocabulary = None,
    dry_run: DryRun = False,
    strict: Strict = False,
    progress: ShowProgress = True,
    restart: Restart = False,
    self_interactions: SelfOpt = None,
    bulk: Annotated[bool | None, typer.Option(
        "--bulk/--no-bulk", help="Force (or forbid) the bulk path: CSV in the local server's "
        "import dir + LOAD CSV ... CALL { } IN TRANSACTIONS. Default: bulk when the database "
        "is empty and the input has 200,000+ lines.")] = None,
) -> None:
    """Load the canonical event format (docs/FORMATS.md): JSON Lines or CSV.

    JSON Lines, one record per line:
    {"type":"interaction","network":"mastodon","actor":"ana","target":"bo","kind":"reply","at":"2024-05-01T10:00:00Z"}

    CSV (type from a 'type' column or the file name, e.g. interactions.csv):
    network,actor,target,kind,at  /  mastodon,ana,bo,reply,1714557600

    Identity links: {"type":"link","person":"p-ana","network":"bluesky","account":"ana.bsky.social"}
    """
    from influence.loaders.canonical import CanonicalAdapter

    adapter = CanonicalAdapter(paths, network=network)
    inputs = adapter.files + ([identities] if identities else [])
    total = adapter.total_rows()
    items, keywords = keyword_items(adapter, total, enabled=keyword_topics,
                                    vocabulary=keyword_vocabulary, show_progress=progress)
    run_load(_with_identities(items, identities), total, "events", inputs=inputs,
             dry_run=dry_run, strict=strict, show_progress=progress, restart=restart,
             self_interactions=self_interactions, options=(network or "", keywords), bulk=bulk)


Paths = Annotated[list[Path], typer.Argument(help="JSON-lines files, or folders of them.")]
NetworkOpt = Annotated[str | None, typer.Option(help="Network name stored on accounts "
                                                "(default: the adapter's).")]


def _adapter_load(name: str, adapter_cls: type[JsonLinesSource], paths: list[Path],
                  network: str | None, identities: Path | None, *, keyword_topics: bool,
                  keyword_vocabulary: Path | None, dry_run: bool, strict: bool,
                  progress: bool, restart: bool, self_interactions: str | None) -> None:
    adapter = adapter_cls(paths, network=network)
    inputs = list(adapter.files) + ([identities] if identities else [])
    total = adapter.total_rows()
    items, keywords = keyword_items(adapter, total, enabled=keyword_topics,
                                    vocabulary=keyword_vocabulary, show_progress=progress)
    run_load(_with_identities(items, identities), total, name, inputs=inputs,
             dry_run=dry_run, strict=strict, show_progress=progress, restart=restart,
             self_interactions=self_interactions, options=(network or "", keywords))


def twitter(paths: Paths, *, network: NetworkOpt = None, identities: Identities = None,
            keyword_topics: KeywordTopicsOpt = True,
            keyword_vocabulary: KeywordVocabulary = None, dry_run: DryRun = False,
            strict: Strict = False, progress: ShowProgress = True,
            restart: Restart = False, self_interactions: SelfOpt = None) -> None:
    """Load Twitter/X API v2 JSON: one response page or one tweet per line.

    Example line (a reply; referenced_tweets replied_to/quoted/retweeted, entities
    mentions/hashtags and includes.users/tweets are used):
    {"data":[{"id":"2","author_id":"7","created_at":"2024-05-10T09:05:00Z","in_reply_to_user_id":"9","referenced_tweets":[{"type":"replied_to","id":"1"}]}],"includes":{"users":[{"id":"7"}]}}
    """
    from influence.loaders.twitter import TwitterAdapter

    _adapter_load("twitter", TwitterAdapter, paths, network, identities,
                  keyword_topics=keyword_topics, keyword_vocabulary=keyword_vocabulary,
                  dry_run=dry_run, strict=strict, progress=progress, restart=restart,
                  self_interactions=self_interactions)


def mastodon(paths: Paths, *, network: NetworkOpt = None, identities: Identities = None,
             keyword_topics: KeywordTopicsOpt = True,
             keyword_vocabulary: KeywordVocabulary = None, dry_run: DryRun = False,
             strict: Strict = False, progress: ShowProgress = True,
             restart: Restart = False, self_interactions: SelfOpt = None) -> None:
    """Load Mastodon API status JSON: one status (or one page array) per line.

    Example line (reblog, in_reply_to_account_id, mentions and tags are used; accounts
    become username@instance):
    {"id":"11","created_at":"2024-05-10T09:05:00Z","account":{"id":"2","username":"bo","acct":"bo@fosstodon.org","url":"https://fosstodon.org/@bo"},"in_reply_to_id":"10","in_reply_to_account_id":"1","mentions":[{"id":"1","acct":"ana@mastodon.social"}],"tags":[{"name":"sourdough"}],"reblog":null}
    """
    from influence.loaders.mastodon import MastodonAdapter

    _adapter_load("mastodon", MastodonAdapter, paths, network, identities,
                  keyword_topics=keyword_topics, keyword_vocabulary=keyword_vocabulary,
                  dry_run=dry_run, strict=strict, progress=progress, restart=restart,
                  self_interactions=self_interactions)


def bluesky(paths: Paths, *, network: NetworkOpt = None, identities: Identities = None,
            keyword_topics: KeywordTopicsOpt = True,
            keyword_vocabulary: KeywordVocabulary = None, dry_run: DryRun = False,
            strict: Strict = False, progress: ShowProgress = True,
            restart: Restart = False, self_interactions: SelfOpt = None) -> None:
    """Load Bluesky repository records as JSON lines (repo export or jetstream).

    Example line (app.bsky.feed.post/like/repost and app.bsky.graph.follow are used):
    {"repo":"did:plc:bo","uri":"at://did:plc:bo/app.bsky.feed.like/3k","record":{"$type":"app.bsky.feed.like","subject":{"uri":"at://did:plc:ana/app.bsky.feed.post/3j"},"createdAt":"2024-05-10T09:06:00Z"}}
    """
    from influence.loaders.bluesky import BlueskyAdapter

    _adapter_load("bluesky", BlueskyAdapter, paths, network, identities,
                  keyword_topics=keyword_topics, keyword_vocabulary=keyword_vocabulary,
                  dry_run=dry_run, strict=strict, progress=progress, restart=restart,
                  self_interactions=self_interactions)


def reddit(paths: Paths, *, network: NetworkOpt = None, identities: Identities = None,
           keyword_topics: KeywordTopicsOpt = True,
           keyword_vocabulary: KeywordVocabulary = None, dry_run: DryRun = False,
           strict: Strict = False, progress: ShowProgress = True,
           restart: Restart = False, self_interactions: SelfOpt = None) -> None:
    """Load Reddit dumps in the Pushshift NDJSON shape (submissions and comments).

    Example line (a comment; parent_id t1_/t3_ credits the parent's author, subreddit is
    the topic):
    {"id":"l3a001","author":"bo_dev","created_utc":1715331900,"subreddit":"Sourdough","parent_id":"t3_1cp0a1","link_id":"t3_1cp0a1","score":7}
    """
    from influence.loaders.reddit import RedditAdapter

    _adapter_load("reddit", RedditAdapter, paths, network, identities,
                  keyword_topics=keyword_topics, keyword_vocabulary=keyword_vocabulary,
                  dry_run=dry_run, strict=strict, progress=progress, restart=restart,
                  self_interactions=self_interactions)
