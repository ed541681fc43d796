"""Adapter for a Stack Exchange site dump (the archive.org XML files, one ``<row/>`` per line).

What becomes what:

* ``Users.xml``: accounts: the user id, ``DisplayName`` and the profile page
  (``https://<site>/users/<id>``, when the site is known: see :func:`site_of`); the other
  public profile fields (location, about me, website) are not stored.
* ``Posts.xml``: questions and answers as posts, tags as topics (answers inherit their
  question's tags); each answer is an ``answer`` interaction answerer -> asker.
* ``Votes.xml``: up/down votes are anonymous, so they become counters on the post;
  ``accept`` (type 1) is an interaction asker -> answerer; favorites (type 5, with a user id)
  are ``like`` interactions -> the question's author.
* ``Comments.xml``: comments as posts and ``comment`` interactions commenter -> post author.
* ``PostHistory.xml``: edits of someone else's post (types 4, 5, 6) are ``edit`` interactions.
* ``Tags.xml``: every tag becomes a topic (also tags no post carries any more).
* ``PostLinks.xml``: ``LINKS_TO`` relationships between posts (kind ``related`` for link
  type 1, ``duplicate`` for 3); links to posts missing from Posts.xml are quarantined.
* ``Badges.xml``: read and skipped with a reason: badges are awarded by the site's software,
  not by people, so they are not an engagement the model could weigh.

Each file may be compressed (``Posts.xml.gz``, ``Votes.xml.zst``, ...: gzip, bzip2, xz,
zstd, see :mod:`influence.loaders.files`); the ``.7z`` archive archive.org ships must be
extracted first.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import ParseError

from defusedxml.ElementTree import fromstring

from influence.errors import InvalidInputError
from influence.loaders import files
from influence.loaders.base import (
    Item,
    Items,
    Rejected,
    RowError,
    Skipped,
    SkipRow,
    build,
    parse_iso_utc,
)
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostLinkRecord,
    PostRecord,
    Record,
    TopicRecord,
)

FILES = ("Users.xml", "Posts.xml", "Votes.xml", "Comments.xml", "PostHistory.xml",
         "Tags.xml", "Badges.xml", "PostLinks.xml")
_TAG = re.compile(r"<([^<>]+)>")
_EDIT_TYPES = {"4", "5", "6"}
_POST_KINDS: dict[str, Literal["question", "answer"]] = {"1": "question", "2": "answer"}
_LINK_KINDS: dict[str, Literal["related", "duplicate"]] = {"1": "related", "3": "duplicate"}
_SITE = re.compile(r"^((?:[a-z0-9-]+\.)*(?:stackexchange\.com|stackoverflow\.com|mathoverflow\.net"
                   r"|superuser\.com|serverfault\.com|askubuntu\.com|stackapps\.com))(?:\.7z)?$")
_BUNDLED = re.compile(r"^stackexchange-([a-z0-9-]+)$")


def site_of(directory: Path) -> str | None:
    """The site a dump folder holds, from its name: archive.org's (``beer.stackexchange.com``,
    ``mathoverflow.net``) or ``stackexchange-<site>`` (``stackexchange-beer``, as bundled
    here); None when the name says neither (accounts then get no profile link)."""
    name = directory.resolve().name.lower()
    if match := _SITE.match(name):
        return match.group(1)
    if match := _BUNDLED.match(name):
        return f"{match.group(1)}.stackexchange.com"
    return None


@dataclass(frozen=True)
class _Post:
    owner: str | None
    kind: Literal["question", "answer", "post"]
    parent: str | None
    tags: tuple[str, ...]


def _is_row(raw: bytes) -> bool:
    return raw.lstrip().startswith(b"<row")


def _rows(path: Path, meter: files.ByteMeter | None = None
          ) -> Iterator[tuple[int, str, dict[str, str] | str]]:
    """(line number, raw line, attributes or a rejection reason) for every ``<row>`` line."""
    for number, raw_bytes in files.numbered_lines(path, meter):
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, raw_bytes.decode("utf-8", "replace"), f"bad encoding: {exc}"
            continue
        text = raw.strip()
        if not text.startswith("<row"):
            continue  # XML declaration, root element
        try:
            yield number, text, dict(fromstring(text).attrib)
        except ParseError as exc:
            yield number, text, f"malformed XML row: {exc}"


def _tags(value: str | None) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TAG.findall(html.unescape(value or "")))


class StackExchangeAdapter:
    """Reads a dump directory; ``network`` names the site (default ``stackexchange``)."""

    def __init__(self, directory: Path, network: str = "stackexchange") -> None:
        if directory.is_file():
            raise InvalidInputError(
                f"{directory} is a file; the Stack Exchange loader reads a dump folder.",
                hint="archive.org ships each site as a .7z archive: extract it "
                f"(7z x {directory.name}) and point at the folder that holds Users.xml, "
                "Posts.xml, ...")
        self.members = {name: path for name in FILES
                        if (path := files.find_member(directory, name)) is not None}
        missing = [name for name in ("Users.xml", "Posts.xml") if name not in self.members]
        if missing:
            raise InvalidInputError(
                f"{directory} is not a Stack Exchange dump: {', '.join(missing)} missing.",
                hint="Point at the folder that holds the site's XML files "
                "(Users.xml, Posts.xml, Votes.xml, Comments.xml, ...; each may be compressed, "
                "e.g. Posts.xml.gz).",
            )
        for path in self.members.values():
            files.require_supported(path)  # refuse an archive or compression we do not read
        self.directory = directory
        self.network = network
        self.site = site_of(directory)
        self.posts: dict[str, _Post] = {}
        self.votes: dict[str, Counter[str]] = {}
        # Posts.xml is read twice per pass: once to index the posts, once to load them.
        self.meter = files.ByteMeter(files.size_of(self.files())
                                     + files.size_of([self.members["Posts.xml"]]))

    def files(self) -> list[Path]:
        """The dump's files that exist (they fingerprint a resumable load)."""
        return [self.members[n] for n in FILES if n in self.members]

    def total_rows(self) -> int:
        """Rows in all files, for progress bars (estimated for compressed files)."""
        return sum(files.count_lines(path, _is_row) for path in self.files())

    def __iter__(self) -> Items:
        self.meter.reset()
        yield from self._users()
        self._index_posts()
        yield from self._votes_pass()
        yield from self._posts()
        yield from self._comments()
        yield from self._history()
        yield from self._tags()
        yield from self._skip_all("Badges.xml", "badge: awarded by the site, not an engagement "
                                  "between people")
        yield from self._post_links()

    # --- passes ---------------------------------------------------------------------------

    def _file(self, name: str) -> Iterator[tuple[int, str, dict[str, str] | str]]:
        path = self.members.get(name)
        if path is not None:
            yield from _rows(path, self.meter)

    def _users(self) -> Items:
        for line, raw, row in self._file("Users.xml"):
            if isinstance(row, str):
                yield Rejected("Users.xml", line, raw, row)
                continue
            yield build("Users.xml", line, raw, self._user(row))

    def _user(self, row: dict[str, str]) -> Iterator[Record]:
        if "Id" not in row:
            raise RowError("missing field: Id")
        yield AccountRecord(
            network=self.network,
            id=row["Id"],
            created_at=parse_iso_utc(row["CreationDate"]) if "CreationDate" in row else None,
            reputation=int(row["Reputation"]) if row.get("Reputation", "").lstrip("-").isdigit()
            else None,
            display_name=row.get("DisplayName"),
            url=f"https://{self.site}/users/{row['Id']}" if self.site else None,
        )

    def _index_posts(self) -> None:
        for _, _, row in self._file("Posts.xml"):
            if isinstance(row, str) or "Id" not in row:
                continue
            kind: Literal["question", "answer", "post"] = _POST_KINDS.get(
                row.get("PostTypeId", ""), "post")
            self.posts[row["Id"]] = _Post(row.get("OwnerUserId"), kind, row.get("ParentId"),
                                          _tags(row.get("Tags")))
        for post_id, post in list(self.posts.items()):
            if post.kind == "answer" and post.parent in self.posts:
                parent = self.posts[post.parent]
                self.posts[post_id] = _Post(post.owner, post.kind, post.parent, parent.tags)

    def _votes_pass(self) -> Iterator[Item]:
        """Yield vote items; leave up/down counts per post in ``self.votes``."""
        for line, raw, row in self._file("Votes.xml"):
            if isinstance(row, str):
                yield Rejected("Votes.xml", line, raw, row)
                continue
            yield build("Votes.xml", line, raw, self._vote(row))

    def _vote(self, row: dict[str, str]) -> Iterator[Record]:
        for field in ("Id", "PostId", "VoteTypeId", "CreationDate"):
            if field not in row:
                raise RowError(f"missing field: {field}")
        post = self.posts.get(row["PostId"])
        if post is None:
            raise RowError(f"unknown post: vote on post {row['PostId']}, not in Posts.xml")
        at = parse_iso_utc(row["CreationDate"])
        vote_type = row["VoteTypeId"]
        self.votes.setdefault(row["PostId"], Counter())[vote_type] += 1
        if vote_type in ("2", "3"):
            return  # anonymous: kept as the post's upvotes/downvotes
        if vote_type == "1":  # accepted answer: the asker credits the answerer
            actor = self.posts[post.parent].owner if post.parent in self.posts else None
            kind, ident = InteractionKind.ACCEPT, f"accept-{row['Id']}"
        elif vote_type == "5":  # favorite: the user credits the question's author
            actor, kind, ident = row.get("UserId"), InteractionKind.LIKE, f"favorite-{row['Id']}"
        else:
            raise SkipRow(f"vote type {vote_type} is not used by the model")
        if not actor or not post.owner:
            raise SkipRow("vote by or on a deleted user")
        if actor == post.owner:
            raise SkipRow("self-interaction")
        yield self._interaction(ident, actor, post.owner, kind, at=at, post=row["PostId"],
                                topics=post.tags)

    def _posts(self) -> Items:
        for line, raw, row in self._file("Posts.xml"):
            if isinstance(row, str):
                yield Rejected("Posts.xml", line, raw, row)
                continue
            yield build("Posts.xml", line, raw, self._post(row))

    def _post(self, row: dict[str, str]) -> Iterator[Record]:
        for field in ("Id", "PostTypeId", "CreationDate"):
            if field not in row:
                raise RowError(f"missing field: {field}")
        post = self.posts[row["Id"]]
        at = parse_iso_utc(row["CreationDate"])
        votes = self.votes.get(row["Id"], Counter())
        yield PostRecord(
            network=self.network, id=row["Id"], author=post.owner,
            kind=post.kind,
            created_at=at, parent=post.parent, topics=post.tags,
            upvotes=votes["2"], downvotes=votes["3"],
            text=" ".join(filter(None, (row.get("Title"), row.get("Body")))) or None,
        )
        if post.kind == "answer" and post.parent in self.posts:
            asker = self.posts[post.parent].owner
            if post.owner and asker and post.owner != asker:
                yield self._interaction(f"answer-{row['Id']}", post.owner, asker,
                                        InteractionKind.ANSWER,
                                        at=at, post=row["Id"], topics=post.tags)

    def _comments(self) -> Items:
        for line, raw, row in self._file("Comments.xml"):
            if isinstance(row, str):
                yield Rejected("Comments.xml", line, raw, row)
                continue
            yield build("Comments.xml", line, raw, self._comment(row))

    def _comment(self, row: dict[str, str]) -> Iterator[Record]:
        for field in ("Id", "PostId", "CreationDate"):
            if field not in row:
                raise RowError(f"missing field: {field}")
        post = self.posts.get(row["PostId"])
        if post is None:
            raise RowError(f"unknown post: comment on post {row['PostId']}, not in Posts.xml")
        at = parse_iso_utc(row["CreationDate"])
        author = row.get("UserId")
        yield PostRecord(network=self.network, id=f"c{row['Id']}", author=author, kind="comment",
                         created_at=at, parent=row["PostId"], topics=post.tags,
                         text=row.get("Text"))
        if author and post.owner and author != post.owner:  # else: the post alone is loaded
            yield self._interaction(f"comment-{row['Id']}", author, post.owner,
                                    InteractionKind.COMMENT,
                                    at=at, post=f"c{row['Id']}", topics=post.tags)

    def _history(self) -> Items:
        for line, raw, row in self._file("PostHistory.xml"):
            if isinstance(row, str):
                yield Rejected("PostHistory.xml", line, raw, row)
            elif row.get("PostHistoryTypeId") not in _EDIT_TYPES:
                yield Skipped("PostHistory.xml", line, "history event other than an edit")
            else:
                yield build("PostHistory.xml", line, raw, self._edit(row))

    def _edit(self, row: dict[str, str]) -> Iterator[Record]:
        for field in ("Id", "PostId", "CreationDate"):
            if field not in row:
                raise RowError(f"missing field: {field}")
        post = self.posts.get(row["PostId"])
        if post is None:
            raise RowError(f"unknown post: edit of post {row['PostId']}, not in Posts.xml")
        editor = row.get("UserId")
        if not editor or not post.owner:
            raise SkipRow("edit by or of a deleted user")
        if editor == post.owner:
            raise SkipRow("self-interaction")
        yield self._interaction(f"edit-{row['Id']}", editor, post.owner, InteractionKind.EDIT,
                                at=parse_iso_utc(row["CreationDate"]), post=row["PostId"],
                                topics=post.tags)

    def _tags(self) -> Items:
        for line, raw, row in self._file("Tags.xml"):
            if isinstance(row, str):
                yield Rejected("Tags.xml", line, raw, row)
            elif "TagName" not in row:
                yield Rejected("Tags.xml", line, raw, "missing field: TagName")
            else:
                yield build("Tags.xml", line, raw, iter([TopicRecord(name=row["TagName"])]))

    def _post_links(self) -> Items:
        for line, raw, row in self._file("PostLinks.xml"):
            if isinstance(row, str):
                yield Rejected("PostLinks.xml", line, raw, row)
            else:
                yield build("PostLinks.xml", line, raw, self._post_link(row))

    def _post_link(self, row: dict[str, str]) -> Iterator[Record]:
        for field in ("Id", "PostId", "RelatedPostId", "LinkTypeId"):
            if field not in row:
                raise RowError(f"missing field: {field}")
        kind = _LINK_KINDS.get(row["LinkTypeId"])
        if kind is None:
            raise SkipRow(f"post link type {row['LinkTypeId']} is not documented")
        for post in (row["PostId"], row["RelatedPostId"]):
            if post not in self.posts:
                raise RowError(f"unknown post: link to post {post}, not in Posts.xml")
        at = parse_iso_utc(row["CreationDate"]) if "CreationDate" in row else None
        yield PostLinkRecord(network=self.network, post=row["PostId"],
                             target=row["RelatedPostId"], kind=kind, at=at)

    def _skip_all(self, name: str, reason: str) -> Items:
        for line, raw, row in self._file(name):
            if isinstance(row, str):
                yield Rejected(name, line, raw, row)
            else:
                yield Skipped(name, line, reason)

    def _interaction(self, ident: str, actor: str, target: str, kind: InteractionKind, *,
                     at: int, post: str, topics: tuple[str, ...]) -> InteractionRecord:
        return InteractionRecord(network=self.network, id=ident, actor=actor, target=target,
                                 kind=kind, at=at, post=post, topics=topics)
