"""Adapter for Mastodon API status JSON (``GET /api/v1/timelines/...``, ``/statuses/:id``),
one status object per line (a JSON array per line, as the API returns pages, also works).

Accounts are ``username@instance`` (from the account's ``url``, or ``acct`` when it already
names the instance), so the same person is the same account across instances' views; the
account's ``@username@instance`` is its handle, with its ``display_name`` and ``url``.

* a status: a post (``comment`` when it replies), ``tags`` as topics.
* ``in_reply_to_account_id``: a ``reply`` to that account (resolved through the status's
  ``mentions``, which always include the account replied to).
* ``reblog``: a ``share`` of the reblogged status's author; the original status is loaded.
* ``mentions``: ``mention`` interactions (except accounts already credited).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from influence.loaders import files
from influence.loaders.base import Items, RowError, build
from influence.loaders.jsonlines import JsonLinesSource, iso, need, parsed_lines
from influence.loaders.records import (
    AccountRecord,
    InteractionKind,
    InteractionRecord,
    PostRecord,
    Record,
)


def handle(account: dict[str, Any]) -> str:
    """``username@instance`` of a Mastodon account object (or mention)."""
    acct = str(account.get("acct") or "")
    if "@" in acct:
        return acct.lower()
    host = urlparse(str(account.get("url") or "")).hostname
    name = str(account.get("username") or acct)
    if not name or not host:
        raise RowError("missing field: account.url (cannot tell the account's instance)")
    return f"{name}@{host}".lower()


class MastodonAdapter(JsonLinesSource):
    """Reads Mastodon status JSON lines (files or folders)."""

    default_network = "mastodon"

    def lines(self, path: Path) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
        """Statuses of a file of one status per line, or of one page array per line (the
        API's pages, as saved; a bad line or element is a rejection)."""
        if files.head(path, 1) != b"[":
            yield from super().lines(path)
            return
        for number, text, page in parsed_lines(path, meter=self.meter):
            if isinstance(page, str):
                yield number, text[:400], page
                continue
            for status in page if isinstance(page, list) else [page]:
                yield (number, json.dumps(status)[:400],
                       status if isinstance(status, dict) else "malformed JSON: not an object")

    def items(self, source: str, line: int, raw: str, obj: dict[str, Any]) -> Items:
        yield build(source, line, raw, self._status(obj))

    def _status(self, status: dict[str, Any], depth: int = 0) -> Iterator[Record]:
        need(status, "id", "created_at", "account")
        author, at, sid = handle(status["account"]), iso(status["created_at"]), str(status["id"])
        account = status["account"]
        url = str(account.get("url") or "")
        yield AccountRecord(network=self.network, id=author,
                            created_at=iso(account["created_at"])
                            if account.get("created_at") else None,
                            handle=f"@{author}", display_name=account.get("display_name"),
                            url=url if url.startswith(("https://", "http://")) else None)
        reblog = status.get("reblog")
        if isinstance(reblog, dict) and depth == 0:
            yield from self._status(reblog, depth=1)
            original = handle(reblog["account"])
            if original != author:
                yield InteractionRecord(network=self.network, id=f"{sid}-reblog", actor=author,
                                        target=original, kind=InteractionKind.SHARE, at=at,
                                        post=str(reblog["id"]))
            return
        topics = tuple(str(t.get("name", "")).lower() for t in status.get("tags") or []
                       if t.get("name"))
        parent = status.get("in_reply_to_id")
        yield PostRecord(network=self.network, id=sid, author=author,
                         kind="comment" if parent else "post", created_at=at,
                         parent=str(parent) if parent else None, topics=topics,
                         text=str(status.get("content") or "") or None)
        mentions = {str(m.get("id")): handle(m) for m in status.get("mentions") or []}
        credited = {author}
        replied = status.get("in_reply_to_account_id")
        target = mentions.get(str(replied)) if replied else None
        if target and target not in credited:
            credited.add(target)
            yield InteractionRecord(network=self.network, id=f"{sid}-reply", actor=author,
                                    target=target, kind=InteractionKind.REPLY, at=at, post=sid,
                                    topics=topics)
        for mentioned in mentions.values():
            if mentioned not in credited:
                credited.add(mentioned)
                yield InteractionRecord(network=self.network, id=f"{sid}-mention-{mentioned}",
                                        actor=author, target=mentioned,
                                        kind=InteractionKind.MENTION, at=at, post=sid,
                                        topics=topics)
