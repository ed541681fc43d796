"""The load job: a source into Neo4j, every record loaded, skipped or quarantined.

One pipeline for every caller (CLI, notebook client, evaluation): the adapter's items, keyword
topics for untagged posts (two passes), identity links, the self-interaction policy, screening
against the erased, batched writes with a resumable checkpoint (or the bulk path for a large
first load into the local server), the quarantine file, and the accounting
``read = loaded + skipped + quarantined``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Protocol, runtime_checkable

from influence.dbimport import staging_folder
from influence.domain import InteractionKind
from influence.errors import InvalidInputError
from influence.jobs.progress import SILENT, Progress
from influence.jobs.sources import Opened, by_bytes, source
from influence.loaders import writer as pipeline
from influence.loaders.base import Item, Parsed
from influence.loaders.import_files import ImportWriter
from influence.loaders.quarantine import Quarantine, Tally
from influence.loaders.records import Record
from influence.loaders.writer import SelfPolicy, Writer
from influence.settings import Settings
from influence.store import QueryRunner, Store

AUTO_IMPORT_BYTES = 16 << 20
"""Inputs at least this large (on disk) are first-loaded with ``neo4j-admin database import``
when the local server's database is empty (``bulk=None``)."""
PROGRESS_EVERY = 500
"""Items between two progress updates."""
SELF_POLICIES: tuple[SelfPolicy, ...] = ("quarantine", "skip", "keep")


@dataclass(frozen=True)
class LoadRequest:
    """What to load, and how.

    Attributes:
        source: a format of :data:`influence.jobs.sources.SOURCES` (``stackexchange``,
            ``events``, ``twitter``, ..., ``snap``, ``bitcoin``).
        paths: the input files or folder.
        network: network name stored on accounts (default: the format's).
        kind: interaction kind for edge lists that carry none.
        identities: identity mapping CSV (person,network,account).
        keyword_topics: give untagged posts with text keyword topics (sources with text).
        keyword_vocabulary: reuse this saved vocabulary, or save the fitted one there.
        dry_run: validate only; write nothing.
        strict: :meth:`LoadReport.require_clean` raises when anything was quarantined.
        restart: ignore the checkpoint of an interrupted run of the same input.
        self_interactions: quarantine, skip or keep an interaction whose actor is its target
            (default: ``settings.self_interactions``).
        bulk: a first load with ``neo4j-admin database import`` (True: whenever the local
            server's database is empty), transactional writes only (False), or decide
            (None: the import for an input of :data:`AUTO_IMPORT_BYTES` or more).
        quarantine_dir: where rejected records go (default: ``settings.quarantine_dir``).
    """

    source: str
    paths: tuple[Path, ...]
    network: str | None = None
    kind: InteractionKind | None = None
    identities: Path | None = None
    keyword_topics: bool = True
    keyword_vocabulary: Path | None = None
    dry_run: bool = False
    strict: bool = False
    restart: bool = False
    self_interactions: SelfPolicy | None = None
    bulk: bool | None = False
    quarantine_dir: Path | None = None


@dataclass(frozen=True)
class LoadReport:
    """What a load did: the tally, the records written by kind and the quarantine file."""

    run_name: str
    tally: Tally
    written: dict[str, int]
    quarantine_path: Path
    dry_run: bool
    bulk: bool
    notes: tuple[str, ...] = ()

    def require_clean(self) -> None:
        """Raise when records were quarantined (``--strict``).

        Raises:
            InvalidInputError: naming the quarantine file.
        """
        if self.tally.quarantined:
            raise InvalidInputError(
                f"{self.tally.quarantined} record(s) quarantined in strict mode.",
                hint=f"See {self.quarantine_path} for each line and its reason.")


@dataclass
class _Counted:
    """Items passed through, with a progress step every :data:`PROGRESS_EVERY` of them."""

    items: Iterable[Item]
    progress: Progress
    seen: int = field(default=0)

    def __iter__(self) -> Iterator[Item]:
        for item in self.items:
            yield item
            self.seen += 1
            if self.seen % PROGRESS_EVERY == 0:
                self.progress.advance(PROGRESS_EVERY)
        self.progress.advance(self.seen % PROGRESS_EVERY)


def self_policy(value: str | None, settings: Settings) -> SelfPolicy:
    """The self-interaction policy named ``value`` (default from settings).

    Raises:
        InvalidInputError: not one of quarantine, skip, keep.
    """
    policy = value or settings.self_interactions
    for known in SELF_POLICIES:
        if policy == known:
            return known
    raise InvalidInputError(f"--self-interactions {policy!r} is not one of quarantine, skip, "
                            "keep.")


def load(request: LoadRequest, settings: Settings, progress: Progress = SILENT,
         store: QueryRunner | None = None) -> LoadReport:
    """Run one load of a source.

    Args:
        request: what to load and how.
        settings: connection, batch size, quarantine folder, defaults.
        progress: told about each stage and item.
        store: an open database (default: one opened from ``settings``, closed after).

    Returns:
        The report (call :meth:`LoadReport.require_clean` for strict mode).

    Raises:
        InvalidInputError: a bad path, format or option.
        StoreUnavailableError: the database cannot be reached.
    """
    spec = source(request.source)
    opened = spec.open(request.paths, request.network, request.kind)
    policy = self_policy(request.self_interactions, settings)
    total = opened.total_bytes
    items: Iterable[Item] = opened.items
    options = list(opened.options)
    if spec.text:
        items, keywords = keyword_items(opened, request, progress)
        options.append(keywords)
    items = by_bytes(opened, items, progress)
    inputs = list(opened.files)
    if request.identities is not None:
        from influence.loaders.canonical import CanonicalAdapter

        items = chain(items, CanonicalAdapter([request.identities], default_type="link"))
        inputs.append(request.identities)
    run_name = request.source if spec.paths == "files" else f"{request.source}-{opened.network}"
    report = load_items(items, total, run_name, settings, progress=progress, store=store,
                        inputs=inputs, options=(*options, f"self={policy}"), policy=policy,
                        dry_run=request.dry_run, restart=request.restart, bulk=request.bulk,
                        quarantine_dir=request.quarantine_dir, unit="bytes")
    opened.require_readable(report.tally, quarantine=report.quarantine_path)
    return report


def load_items(items: Iterable[Item], total: int, run_name: str, settings: Settings, *,
               progress: Progress = SILENT, store: QueryRunner | None = None,
               inputs: Sequence[Path] = (), options: Sequence[str] = (),
               policy: SelfPolicy = "quarantine", dry_run: bool = False, restart: bool = False,
               bulk: bool | None = False, quarantine_dir: Path | None = None,
               unit: str = "items") -> LoadReport:
    """Load an adapter's items (the part of :func:`load` after the source is opened).

    Args:
        items: what an adapter yields, in a deterministic order.
        total: expected items, for progress (0 when unknown).
        run_name: names the quarantine file and the checkpoint.
        settings: batch size, quarantine folder, where the local server's import folder is.
        progress: told about the stage and its items.
        store: an open database (default: opened from ``settings`` unless ``dry_run``).
        inputs: input files (their names, sizes and times fingerprint the checkpoint).
        options: adapter options that change the records (part of the fingerprint).
        policy: what to do with self-interactions.
        dry_run: validate only.
        restart: ignore an earlier run's checkpoint.
        bulk: see :attr:`LoadRequest.bulk`.
        quarantine_dir: where rejected records go.
        unit: what ``total`` counts (``items``, or ``bytes`` when the caller advances the
            progress by bytes read, e.g. through :func:`influence.jobs.sources.by_bytes`).
    """
    from influence.engine import generation
    from influence.engine.privacy.tombstones import Tombstones
    from influence.loaders.checkpoint import Checkpoint, fingerprint
    from influence.schema import migrate

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    quarantine = Quarantine(quarantine_dir or settings.quarantine_dir, f"{run_name}-{stamp}")
    own = store is None and not dry_run
    db = Store(settings) if own else (None if dry_run else store)
    notes: list[str] = []
    use_import = False
    try:
        writer: Writer | ImportWriter = Writer(db, batch_size=settings.batch_size)
        checkpoint, erased = None, None
        if db is not None:
            use_import = _choose_import(db, bulk, total if unit == "bytes" else None, settings,
                                        notes)
            if not use_import:  # an import replaces the database: its schema comes after
                migrate(db)
            erased = Tombstones.load(db, settings)
            if use_import:
                writer = ImportWriter(staging_folder(settings))
                notes.append("first load into an empty database: neo4j-admin database import "
                             "(the local server restarts)")
            else:
                checkpoint = Checkpoint(db, run_name, fingerprint(inputs, *options))
                if restart:
                    checkpoint.finish()
            for note in notes:
                progress.note(note)
        progress.stage(f"loading {run_name}", total or None, unit=unit)
        counted = _Counted(items, progress) if unit == "items" else items
        tally = pipeline.load(counted, writer, quarantine, checkpoint=checkpoint,
                              self_interactions=policy, erased=erased)
        if isinstance(writer, ImportWriter) and db is not None:
            _import(writer, db, settings, progress)
        if db is not None:
            generation.bump(db)  # the API's cached answers are dropped
            if settings.event_log_dir is not None:
                from influence import eventlog

                progress.stage(f"event log: {settings.event_log_dir}", None)
                written = eventlog.write_log(db, settings.event_log_dir)
                notes.append(f"event log {written.directory}: {written.events:,} interactions "
                             f"over {written.days:,} days ({written.seconds:.1f}s)")
                progress.note(notes[-1])
    finally:
        if own and isinstance(db, Store):
            db.close()
    return LoadReport(run_name, tally, dict(writer.written), quarantine.path, dry_run,
                      use_import, tuple(notes))


def _choose_import(store: QueryRunner, bulk: bool | None, size: int | None,
                   settings: Settings, notes: list[str]) -> bool:
    """Whether this load is a first load with the import tool (see :attr:`LoadRequest.bulk`)."""
    from influence.loaders import queries as lq

    if bulk is False:
        return False
    if not settings.uses_local_server:
        if bulk:
            raise InvalidInputError(
                "--bulk imports into the local server's database, which a server named by "
                "INFLUENCE_NEO4J_URI is not.",
                hint="Drop --bulk: the load then writes transactionally.")
        return False
    if not bool(store.read(lq.DATABASE_IS_EMPTY)[0]["empty"]):
        if bulk:
            notes.append("--bulk: the database is not empty, so the load writes "
                         "transactionally (the import tool only fills an empty database)")
        return False
    return bool(bulk) or (size is not None and size >= AUTO_IMPORT_BYTES)


def _import(writer: ImportWriter, db: QueryRunner, settings: Settings,
            progress: Progress) -> None:
    """Write the import files, import them (the server restarts), migrate the schema."""
    from influence.dbimport import cleanup, import_files
    from influence.schema import migrate

    progress.stage("writing the import files", None)
    clock = time.monotonic()
    files = writer.finish()
    written_s = time.monotonic() - clock
    run = import_files(settings, files, progress.note)
    clock = time.monotonic()
    migrate(db)
    progress.note(f"imported {run.nodes:,} nodes and {run.relationships:,} relationships "
                  f"(files {written_s:.1f}s, stop {run.stop_s:.1f}s, import {run.import_s:.1f}s, "
                  f"start {run.start_s:.1f}s, schema {time.monotonic() - clock:.1f}s)")
    cleanup(files)


def load_records(store: QueryRunner, records: Iterable[Record], settings: Settings,
                 run_name: str = "records") -> LoadReport:
    """Load records made in memory (an evaluation's events, a test's fixtures)."""
    items = (Parsed(run_name, number, (record,)) for number, record in enumerate(records, 1))
    return load_items(items, 0, run_name, settings, store=store, policy="keep")


@runtime_checkable
class HasTextItems(Protocol):
    """An adapter that can yield only the items that may carry post text (a faster pass)."""

    def text_items(self) -> Iterable[Item]: ...


def keyword_items(opened: Opened, request: LoadRequest,
                  progress: Progress) -> tuple[Iterable[Item], str]:
    """The items with keyword topics on untagged posts, and a fingerprint option.

    Reads the input once more to fit the vocabulary (unless a saved one is given); when no
    post lacks topics the items are returned unchanged.
    """
    if not request.keyword_topics:
        return opened.items, "keywords=off"
    from influence.loaders.keywords import KeywordTopics, fit_items, with_keyword_topics

    vocabulary = request.keyword_vocabulary
    saved = KeywordTopics.load(vocabulary) if vocabulary and vocabulary.exists() else None
    progress.stage("keyword topics: reading post text", opened.total_bytes or None,
                   unit="bytes")
    texts = opened.items.text_items() if isinstance(opened.items, HasTextItems) \
        else opened.items  # an adapter that can skip lines without text reads less
    fitted = fit_items(by_bytes(opened, texts, progress), saved)
    if not fitted.untagged:
        return opened.items, "keywords=none"
    if vocabulary is not None and saved is None:
        fitted.model.save(vocabulary)
    progress.note(f"keyword topics for {fitted.untagged} untagged post(s); vocabulary of "
                  f"{len(fitted.model.doc_freq)} terms from {fitted.model.documents} texts"
                  + (f" ({'reused' if saved else 'saved'}: {vocabulary})" if vocabulary
                     else ""))
    digest = ",".join(f"{t}:{n}" for t, n in sorted(fitted.model.doc_freq.items()))
    return (with_keyword_topics(opened.items, fitted.model),
            f"keywords={hashlib.sha256(digest.encode()).hexdigest()[:16]}")
