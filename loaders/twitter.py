"""Adapter for Twitter/X API v2 JSON, one object per line: either whole responses
(``{"data": [...], "includes": {"users": [...], "tweets": [...]}}``) or single tweets.

What becomes what (network ``twitter``; accounts are numeric user ids):

* ``includes.users``: accounts (with ``created_at``, ``username`` as the handle, ``name`` as
  the display name and ``https://x.com/<username>`` as the profile page).
* a tweet: a post (``comment`` when it replies), hashtags as topics.
* ``referenced_tweets`` ``replied_to``: a ``reply`` to ``in_reply_to_user_id``;
  ``quoted`` and ``retweeted``: a ``share`` of the referenced tweet's author (from
  ``includes.tweets``; when the author is not included, the share cannot be credited and is
  left out).
* ``entities.mentions``: ``mention`` interactions, except of accounts already credited by
  the tweet (the account replied to, the retweeted author of an ``RT @...``) and of itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from influence.loaders.base import Items, build
from influence.loaders.jsonlines import JsonLinesSource, iso, need
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)

_KINDS = {"replied_to": InteractionKind.REPLY, "quoted": InteractionKind.SHARE,
          "retweeted": InteractionKind.SHARE}


class TwitterAdapter(JsonLinesSource):
    """Reads Twitter/X API v2 JSON lines (files or folders)."""

    default_network = "twitter"

    def items(self, source: str, line: int, raw: str, obj: dict[str, Any]) -> Items:
        if not isinstance(obj.get("data"), list):
            yield build(source, line, raw, self._tweet(obj, {}))
            return
        includes = obj.get("includes") or {}
        authors = {str(t.get("id")): str(t.get("author_id"))
                   for t in includes.get("tweets") or [] if t.get("author_id")}
        for user in includes.get("users") or []:
            yield build(source, line, str(user)[:400], self._user(user))
        for tweet in obj["data"]:
            yield build(source, line, str(tweet)[:400], self._tweet(tweet, authors))

    def _user(self, user: dict[str, Any]) -> Iterator[Record]:
        need(user, "id")
        username = str(user.get("username") or "") or None
        yield AccountRecord(network=self.network, id=str(user["id"]),
                            created_at=iso(user["created_at"]) if user.get("created_at")
                            else None,
                            handle=username, display_name=user.get("name"),
                            url=f"https://x.com/{username}" if username else None)

    def _tweet(self, tweet: dict[str, Any], authors: dict[str, str]) -> Iterator[Record]:
        need(tweet, "id", "author_id", "created_at")
        tid, author, at = str(tweet["id"]), str(tweet["author_id"]), iso(tweet["created_at"])
        entities = tweet.get("entities") or {}
        topics = tuple(str(h.get("tag", "")).lower() for h in entities.get("hashtags") or []
                       if h.get("tag"))
        refs = {r.get("type"): str(r.get("id")) for r in tweet.get("referenced_tweets") or []}
        yield PostRecord(network=self.network, id=tid, author=author,
                         kind="comment" if "replied_to" in refs else "post", created_at=at,
                         parent=refs.get("replied_to"), topics=topics,
                         text=str(tweet.get("text") or "") or None)
        replied_user = tweet.get("in_reply_to_user_id")
        credited = {author}
        for ref_type, ref_id in refs.items():
            kind = _KINDS.get(str(ref_type))
            target = str(replied_user) if ref_type == "replied_to" and replied_user \
                else authors.get(ref_id)
            if kind is None or not target:
                continue
            credited.add(target)
            yield InteractionRecord(network=self.network, id=f"{tid}-{ref_type}", actor=author,
                                    target=target, kind=kind, at=at, post=tid, topics=topics)
        for mention in entities.get("mentions") or []:
            target = mention.get("id")
            if target and str(target) not in credited:
                credited.add(str(target))
                yield InteractionRecord(network=self.network, id=f"{tid}-mention-{target}",
                                        actor=author, target=str(target),
                                        kind=InteractionKind.MENTION, at=at, post=tid,
                                        topics=topics)
