"""The sources the engine loads, in one table: the CLI's ``influence load`` commands, the
client's ``load(format=...)`` and the evaluation all read it (docs/FORMATS.md).

Inputs may be compressed (gzip, bzip2, xz, zstd; :mod:`influence.loaders.files`). Progress of
a pass over :attr:`Opened.items` is best measured in bytes read from disk
(:attr:`Opened.total_bytes`, :meth:`Opened.position`, or :func:`by_bytes`), which needs no
first pass; :attr:`Opened.total` counts rows (exact for plain files, estimated for compressed
ones). After a pass, :meth:`Opened.require_readable` fails loudly when nothing could be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from influence.domain import InteractionKind
from influence.errors import InvalidInputError
from influence.jobs.progress import Progress
from influence.loaders.base import Item, Rejected
from influence.loaders.files import ByteMeter, compression
from influence.loaders.quarantine import Tally

PathShape = Literal["folder", "files", "file"]


@dataclass(frozen=True)
class Opened:
    """A source opened on its inputs: the items, their files and what names the run."""

    items: Iterable[Item]
    files: list[Path]
    network: str
    total: Callable[[], int]
    """Rows of the input (exact for plain files; estimated, not counted, for compressed ones)."""
    options: tuple[str, ...] = ()
    """Adapter options that change the records (part of a checkpoint's fingerprint)."""
    meter: ByteMeter | None = None
    """Bytes the adapter read from disk in the current pass over :attr:`items`."""
    source: str = ""
    """The format's name (``snap``, ``stackexchange``, ...), for :meth:`require_readable`."""

    @property
    def total_bytes(self) -> int:
        """Bytes on disk one pass over :attr:`items` reads: compressed bytes for compressed
        files, a file read twice counted twice (0 when the adapter does not say)."""
        return self.meter.total if self.meter is not None else 0

    def position(self) -> int:
        """Bytes of :attr:`total_bytes` read so far in the current pass over :attr:`items`
        (each pass starts again from 0)."""
        return self.meter.position() if self.meter is not None else 0

    @property
    def compressed(self) -> bool:
        """Whether any input file is compressed (its row total is then an estimate)."""
        return any(compression(path) is not None for path in self.files)

    def require_readable(self, tally: Tally, *, rejected: Sequence[Rejected] = (),
                         quarantine: Path | None = None,
                         command: Literal["load", "evaluate"] = "load") -> None:
        """Raise when nothing of a non-empty input could be read (every item quarantined, or
        none read), naming the likely cause (:func:`influence.loaders.diagnose.require_readable`).

        Raises:
            InvalidInputError: nothing could be read; the message names the likely cause.
        """
        from influence.loaders.diagnose import require_readable

        require_readable(self.files, self.source, tally, rejected=rejected,
                         quarantine=quarantine, command=command)


def by_bytes(opened: Opened, items: Iterable[Item], progress: Progress,
             every: int = 500) -> Iterator[Item]:
    """Pass ``items`` (a pass over ``opened.items``, possibly wrapped) through, advancing
    ``progress`` by the bytes read from disk every ``every`` items and at the end.

    Start the stage with ``progress.stage(description, opened.total_bytes or None)``.
    """
    reported = 0
    for seen, item in enumerate(items, start=1):
        yield item
        if seen % every == 0:
            position = opened.position()
            if position > reported:
                progress.advance(position - reported)
                reported = position
    position = max(opened.position(), opened.total_bytes)
    if position > reported:
        progress.advance(position - reported)


@dataclass(frozen=True)
class Source:
    """One loadable format.

    Attributes:
        name: the command (``influence load <name>``) and the client's ``format=``.
        summary: one line for ``--help`` listings.
        details: the rest of the help: the format, with an example line.
        paths: a dump ``folder``, one edge-list ``file``, or ``files`` and folders of them.
        open: builds the adapter on the paths (network and kind may be ``None``: defaults).
        text: posts carry text, so untagged posts can get keyword topics.
        kind: the default interaction kind for formats that carry none (``--kind``).
    """

    name: str
    summary: str
    details: str
    paths: PathShape
    open: Callable[[Sequence[Path], str | None, InteractionKind | None], Opened]
    text: bool = False
    kind: InteractionKind | None = None

    @property
    def help(self) -> str:
        return f"{self.summary}\n\n{self.details}"


def _stackexchange(paths: Sequence[Path], network: str | None,
                   _: InteractionKind | None) -> Opened:
    from influence.loaders.stackexchange import StackExchangeAdapter

    adapter = StackExchangeAdapter(_one(paths, "a dump folder"), network=network or "stackexchange")
    return Opened(adapter, adapter.files(), adapter.network, adapter.total_rows,
                  meter=adapter.meter, source="stackexchange")


def _canonical(paths: Sequence[Path], network: str | None,
               _: InteractionKind | None) -> Opened:
    from influence.loaders.canonical import CanonicalAdapter

    adapter = CanonicalAdapter(list(paths), network=network)
    return Opened(adapter, adapter.files, network or "", adapter.total_rows, (network or "",),
                  meter=adapter.meter, source="events")


def _json_lines(module: str, cls: str) -> Callable[..., Opened]:
    def open_(paths: Sequence[Path], network: str | None, _: InteractionKind | None) -> Opened:
        import importlib

        adapter_cls = getattr(importlib.import_module(f"influence.loaders.{module}"), cls)
        adapter = adapter_cls(list(paths), network=network)
        return Opened(adapter, list(adapter.files), adapter.network, adapter.total_rows,
                      (network or "",), meter=adapter.meter, source=module)

    return open_


def _edge_list(fmt: Literal["snap", "higgs", "konect", "bitcoin"],
               default: InteractionKind) -> Callable[..., Opened]:
    def open_(paths: Sequence[Path], network: str | None, kind: InteractionKind | None) -> Opened:
        from influence.loaders.edgelists import EdgeListAdapter

        path = _one(paths, "an edge-list file")
        adapter = EdgeListAdapter(path, fmt, network=network, kind=kind or default)
        return Opened(adapter, [path], adapter.network, adapter.total_rows,
                      (fmt, adapter.network, adapter.kind.value), meter=adapter.meter,
                      source=fmt)

    return open_


def _one(paths: Sequence[Path], what: str) -> Path:
    if len(paths) != 1:
        raise InvalidInputError(f"This format reads one path ({what}), got {len(paths)}.",
                                hint="Load each one in its own run.")
    return paths[0]


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("stackexchange", "Load a Stack Exchange site dump (a folder of XML files).",
           "Each file has one <row .../> per line, e.g. from Posts.xml:\n"
           '<row Id="5" PostTypeId="2" ParentId="1" CreationDate="2014-01-21T20:26:05.383" '
           'OwnerUserId="7" Score="3" Body="..." />\n\n'
           "The files may be compressed (Posts.xml.gz, Votes.xml.zst, ...: gzip, bzip2, xz, "
           "zstd); extract the .7z archive archive.org ships first.", "folder", _stackexchange),
    Source("events", "Load the canonical event format (docs/FORMATS.md): JSON Lines or CSV.",
           "JSON Lines, one record per line:\n"
           '{"type":"interaction","network":"mastodon","actor":"ana","target":"bo",'
           '"kind":"reply","at":"2024-05-01T10:00:00Z"}\n\n'
           "CSV (type from a 'type' column or the file name, e.g. interactions.csv):\n"
           "network,actor,target,kind,at  /  mastodon,ana,bo,reply,1714557600\n\n"
           'Identity links: {"type":"link","person":"p-ana","network":"bluesky",'
           '"account":"ana.bsky.social"}', "files", _canonical, text=True),
    Source("twitter", "Load Twitter/X API v2 JSON: one response page or one tweet per line.",
           "referenced_tweets replied_to/quoted/retweeted, entities mentions/hashtags and "
           "includes.users/tweets are used, e.g.:\n"
           '{"data":[{"id":"2","author_id":"7","created_at":"2024-05-10T09:05:00Z",'
           '"in_reply_to_user_id":"9","referenced_tweets":[{"type":"replied_to","id":"1"}]}],'
           '"includes":{"users":[{"id":"7"}]}}', "files",
           _json_lines("twitter", "TwitterAdapter"), text=True),
    Source("mastodon", "Load Mastodon API status JSON: one status (or one page array) per line.",
           "reblog, in_reply_to_account_id, mentions and tags are used; accounts become "
           "username@instance, e.g.:\n"
           '{"id":"11","created_at":"2024-05-10T09:05:00Z","account":{"id":"2",'
           '"username":"bo","acct":"bo@fosstodon.org"},"in_reply_to_id":"10",'
           '"in_reply_to_account_id":"1","mentions":[{"id":"1","acct":"ana@mastodon.social"}],'
           '"tags":[{"name":"sourdough"}],"reblog":null}', "files",
           _json_lines("mastodon", "MastodonAdapter"), text=True),
    Source("bluesky", "Load Bluesky repository records as JSON lines (repo export or jetstream).",
           "app.bsky.feed.post/like/repost and app.bsky.graph.follow are used, e.g.:\n"
           '{"repo":"did:plc:bo","uri":"at://did:plc:bo/app.bsky.feed.like/3k","record":'
           '{"$type":"app.bsky.feed.like","subject":{"uri":"at://did:plc:ana/app.bsky.feed.post/'
           '3j"},"createdAt":"2024-05-10T09:06:00Z"}}', "files",
           _json_lines("bluesky", "BlueskyAdapter"), text=True),
    Source("reddit", "Load Reddit dumps in the Pushshift NDJSON shape (submissions, comments).",
           "parent_id t1_/t3_ credits the parent's author, subreddit is the topic, e.g.:\n"
           '{"id":"l3a001","author":"bo_dev","created_utc":1715331900,"subreddit":"Sourdough",'
           '"parent_id":"t3_1cp0a1","link_id":"t3_1cp0a1","score":7}\n\n'
           "The RS_*.zst / RC_*.zst files as published are read without unpacking.", "files",
           _json_lines("reddit", "RedditAdapter"), text=True),
    Source("snap", "Load a SNAP temporal edge list: `src dst unix_seconds` per line.",
           "Example: influence load snap ../shared/data/snap-collegemsg/CollegeMsg.txt "
           "--network college", "file", _edge_list("snap", InteractionKind.MESSAGE),
           kind=InteractionKind.MESSAGE),
    Source("higgs", "Load a SNAP Higgs activity file: `A B unix_seconds RT|MT|RE`.",
           "A acted on B: RT becomes a share, MT a mention, RE a reply.\n"
           "Example: influence load higgs higgs-activity_time.txt", "file",
           _edge_list("higgs", InteractionKind.SHARE)),
    Source("konect", "Load a KONECT temporal edge list: `from to weight unix_seconds`.",
           "`%` lines are comments.\nExample: influence load konect out.opsahl-ucsocial "
           "--network ucsocial", "file", _edge_list("konect", InteractionKind.MESSAGE),
           kind=InteractionKind.MESSAGE),
    Source("bitcoin", "Load a SNAP signed trust CSV: `Source,Target,Rating,Time`.",
           "Each row becomes a rate interaction carrying its rating (fractional times are "
           "floored to seconds).\nExample: influence load bitcoin "
           "../shared/data/snap-bitcoin-otc/soc-sign-bitcoinotc.csv.gz (read compressed, as "
           "SNAP publishes it)", "file",
           _edge_list("bitcoin", InteractionKind.RATE)),
)}


def source(name: str) -> Source:
    """The source named ``name``.

    Raises:
        InvalidInputError: no such format.
    """
    try:
        return SOURCES[name]
    except KeyError:
        raise InvalidInputError(f"Unknown format {name!r}.",
                                hint=f"Use one of: {', '.join(SOURCES)}.") from None
