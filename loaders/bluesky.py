"""Adapter for Bluesky (AT Protocol) repository records as JSON lines, e.g. from a repo
export (``com.atproto.sync.getRepo`` decoded) or a firehose/jetstream dump::

    {"repo": "did:plc:...", "uri": "at://did:plc:.../app.bsky.feed.post/3k...",
     "record": {"$type": "app.bsky.feed.post", "createdAt": "...", ...}}

(``did`` is accepted for ``repo``, and ``commit.record`` / ``commit.rkey`` as jetstream
writes them.) Accounts are DIDs.

* ``app.bsky.feed.post``: a post (``comment`` when ``reply`` is set) with ``#tag`` facets
  (and ``tags``) as topics; a ``reply`` to the parent post's author; ``mention`` facets.
* ``app.bsky.feed.like``: ``like`` of the subject post's author.
* ``app.bsky.feed.repost``: ``share`` of the subject post's author.
* ``app.bsky.graph.follow``: ``follow`` of the subject DID.
* ``app.bsky.actor.profile``: the account's ``displayName`` and its profile page
  (``https://bsky.app/profile/<did>``); a jetstream ``identity`` event
  (``{"did": ..., "kind": "identity", "identity": {"handle": ...}}``): its handle.
* other record types (blocks, lists, ...): skipped with their type as the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from influence.loaders.base import Items, RowError, Skipped, build
from influence.loaders.jsonlines import JsonLinesSource, iso, need
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)

_SUBJECT_KINDS = {"app.bsky.feed.like": InteractionKind.LIKE,
                  "app.bsky.feed.repost": InteractionKind.SHARE}
_PROFILE = "app.bsky.actor.profile"
_USED = {"app.bsky.feed.post", "app.bsky.graph.follow", _PROFILE, *_SUBJECT_KINDS}


def did_of(uri: str) -> str:
    """The DID (authority) of an ``at://`` URI."""
    if not uri.startswith("at://") or len(uri) < 6:
        raise RowError(f"invalid record: {uri!r} is not an at:// URI")
    return uri[5:].split("/", 1)[0]


def _profile(did: str) -> str:
    return f"https://bsky.app/profile/{did}"


class BlueskyAdapter(JsonLinesSource):
    """Reads Bluesky repository records as JSON lines (files or folders)."""

    default_network = "bluesky"

    def items(self, source: str, line: int, raw: str, obj: dict[str, Any]) -> Items:
        commit: dict[str, Any] = obj["commit"] if isinstance(obj.get("commit"), dict) else {}
        record = obj.get("record") or commit.get("record")
        kind = record.get("$type") if isinstance(record, dict) else None
        if obj.get("kind") == "identity" and isinstance(obj.get("identity"), dict):
            yield build(source, line, raw, self._identity(obj))
        elif isinstance(kind, str) and kind not in _USED:
            yield Skipped(source, line, f"record type {kind} is not an engagement")
        else:
            yield build(source, line, raw, self._record(obj, commit, record))

    def _identity(self, obj: dict[str, Any]) -> Iterator[Record]:
        identity = obj["identity"]
        did = identity.get("did") or obj.get("did")
        if not did:
            raise RowError("missing field: did")
        handle = str(identity.get("handle") or "") or None
        yield AccountRecord(network=self.network, id=str(did),
                            handle=f"@{handle}" if handle else None, url=_profile(str(did)))

    def _record(self, obj: dict[str, Any], commit: dict[str, Any], record: Any
                ) -> Iterator[Record]:
        if not isinstance(record, dict):
            raise RowError("missing field: record")
        repo = obj.get("repo") or obj.get("did")
        if not repo:
            raise RowError("missing field: repo")
        if record.get("$type") == _PROFILE:  # a profile need not say when it was made
            yield AccountRecord(network=self.network, id=str(repo),
                                display_name=record.get("displayName"), url=_profile(str(repo)))
            return
        need(record, "$type", "createdAt")
        uri = obj.get("uri") or (f"at://{repo}/{commit.get('collection')}/{commit.get('rkey')}"
                                 if commit.get("rkey") else None)
        if not uri:
            raise RowError("missing field: uri")
        kind, at, actor = record["$type"], iso(record["createdAt"]), str(repo)
        if kind == "app.bsky.graph.follow":
            need(record, "subject")
            yield InteractionRecord(network=self.network, id=str(uri), actor=actor,
                                    target=str(record["subject"]),
                                    kind=InteractionKind.FOLLOW, at=at)
        elif kind in _SUBJECT_KINDS:
            subject = record.get("subject") or {}
            if not isinstance(subject, dict) or not subject.get("uri"):
                raise RowError("missing field: record.subject.uri")
            yield InteractionRecord(network=self.network, id=str(uri), actor=actor,
                                    target=did_of(str(subject["uri"])),
                                    kind=_SUBJECT_KINDS[kind], at=at, post=str(subject["uri"]))
        else:
            yield from self._post(str(uri), actor, at, record)

    def _post(self, uri: str, actor: str, at: int, record: dict[str, Any]) -> Iterator[Record]:
        features = [f for facet in record.get("facets") or []
                    for f in facet.get("features") or []]
        topics = tuple(dict.fromkeys(
            [str(f["tag"]).lower() for f in features
             if f.get("$type") == "app.bsky.richtext.facet#tag" and f.get("tag")]
            + [str(t).lower() for t in record.get("tags") or []]))
        parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        yield PostRecord(network=self.network, id=uri, author=actor,
                         kind="comment" if parent else "post", created_at=at,
                         parent=str(parent) if parent else None, topics=topics,
                         text=str(record.get("text") or "") or None)
        credited = {actor}
        if parent and did_of(str(parent)) not in credited:
            credited.add(did_of(str(parent)))
            yield InteractionRecord(network=self.network, id=f"{uri}#reply", actor=actor,
                                    target=did_of(str(parent)), kind=InteractionKind.REPLY,
                                    at=at, post=uri, topics=topics)
        for feature in features:
            target = feature.get("did")
            if feature.get("$type") == "app.bsky.richtext.facet#mention" and target \
                    and target not in credited:
                credited.add(str(target))
                yield InteractionRecord(network=self.network, id=f"{uri}#mention-{target}",
                                        actor=actor, target=str(target),
                                        kind=InteractionKind.MENTION, at=at, post=uri,
                                        topics=topics)
