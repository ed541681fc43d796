"""Adapter for Reddit dumps in the Pushshift NDJSON shape (``RS_*`` submissions and
``RC_*`` comments, one JSON object per line), plain or compressed: the ``.zst`` files as
Pushshift publishes them are read as they are.

Two passes: the first indexes the author of every submission (``t3_<id>``) and comment
(``t1_<id>``) so that the second can credit the author a comment replies to. Memory grows
with the number of posts (about 100 bytes each).

* an author: an account named after them, handle ``u/<author>``, profile
  ``https://www.reddit.com/user/<author>``.
* a submission: a post, its ``subreddit`` as topic.
* a comment: a post (``comment``) whose parent is ``parent_id``, and a ``comment``
  interaction to the parent's author when that author is known and not deleted.
* ``[deleted]`` / ``AutoModerator`` authors: the post is loaded without an author; no
  interaction is credited to or from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from influence.loaders.base import Items, RowError, build
from influence.loaders.jsonlines import JsonLinesSource, need, read_objects
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)

NOT_PEOPLE = frozenset({"[deleted]", "[removed]", "automoderator"})


def _author(obj: dict[str, Any]) -> str | None:
    name = obj.get("author")
    return None if not name or str(name).lower() in NOT_PEOPLE else str(name)


def _epoch(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError) as exc:
        raise RowError(f"unparseable timestamp: created_utc {value!r}") from exc


def _score(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError) as exc:
        raise RowError(f"invalid record: score {value!r} is not a number") from exc


def _fullname(obj: dict[str, Any]) -> str:
    """``t1_<id>`` for a comment, ``t3_<id>`` for a submission."""
    ident = str(obj["id"])
    if ident.startswith(("t1_", "t3_")):
        return ident
    return f"t1_{ident}" if "parent_id" in obj else f"t3_{ident}"


class RedditAdapter(JsonLinesSource):
    """Reads Pushshift-shaped submissions and comments (files or folders)."""

    default_network = "reddit"
    passes = 2

    def __init__(self, paths: list[Path], network: str | None = None) -> None:
        super().__init__(paths, network)
        self.authors: dict[str, str | None] = {}

    def __iter__(self) -> Items:
        self.meter.reset()
        for path in self.files:
            for _, _, obj in read_objects(path, meter=self.meter):
                if isinstance(obj, dict) and obj.get("id"):
                    self.authors[_fullname(obj)] = _author(obj)
        yield from self._objects()

    def items(self, source: str, line: int, raw: str, obj: dict[str, Any]) -> Items:
        yield build(source, line, raw, self._thing(obj))

    def _thing(self, obj: dict[str, Any]) -> Iterator[Record]:
        need(obj, "id", "created_utc")
        name, author, at = _fullname(obj), _author(obj), _epoch(obj["created_utc"])
        topics = (str(obj["subreddit"]).lower(),) if obj.get("subreddit") else ()
        parent = obj.get("parent_id")
        if parent is not None and not str(parent).startswith(("t1_", "t3_")):
            raise RowError(f"invalid record: parent_id {parent!r} is neither t1_ nor t3_")
        if author:
            yield AccountRecord(network=self.network, id=author, handle=f"u/{author}",
                                url=f"https://www.reddit.com/user/{author}")
        yield PostRecord(network=self.network, id=name, author=author,
                         kind="comment" if parent else "post", created_at=at,
                         parent=str(parent) if parent else None, topics=topics,
                         upvotes=max(_score(obj.get("score")), 0),
                         text=" ".join(str(obj[f]) for f in ("title", "selftext", "body")
                                       if obj.get(f)) or None)
        target = self.authors.get(str(parent)) if parent else None
        if author and target and target != author:
            yield InteractionRecord(network=self.network, id=f"{name}-comment", actor=author,
                                    target=target, kind=InteractionKind.COMMENT, at=at,
                                    post=name, topics=topics)
