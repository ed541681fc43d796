"""The response cache: answers of read queries, kept until what the reads show changes.

Every request waits for a read of the read generation (:mod:`influence.engine.generation`:
the privacy generation, moved by loads and audited consent changes, and the scores version,
moved by a finished recompute) that started after it arrived (one indexed lookup, shared by
the requests that arrived meanwhile: :class:`VersionReads`), and is answered from the cache
when an answer for the same caller, query and variables was stored under the same pair.
Identical reads arriving while one is being answered wait for its answer instead of running
again. A consent change or erasure therefore takes effect on the very next request, in every
worker process, since each reads the generation from the database. Mutations and error
responses are never stored.

With ``stale_s`` > 0 (``INFLUENCE_API_STALE_S``), for that many seconds after a worker first
sees a new scores version, a read whose answer under the previous version is kept is answered
from it at once (``x-cache: stale``) while one refresh per answer runs in the background
(one at a time, each followed by a pause as long as it took, and only for the newest
scores version); the privacy generation must be the same, so an opt-out is never answered
stale.

A database that does not answer the generation read within ``wait_s`` (a shutting-down
server holds reads until it exits) gets the request a SERVICE_UNAVAILABLE answer at once,
with Retry-After.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from anyio import to_thread
from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLSyntaxError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from influence.api.errors import UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE
from influence.engine import generation
from influence.store import QueryRunner

Version = tuple[str | None, str | None]
UNAVAILABLE = json.dumps({"data": None, "errors": [{
    "message": UNAVAILABLE_MESSAGE, "extensions": {"code": UNAVAILABLE_CODE}}]}).encode()
log = logging.getLogger("influence.api")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class Answers:
    """A bounded LRU of answers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, Answer] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> Answer | None:
        found = self._items.get(key)
        if found is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: bytes, answer: Answer) -> None:
        self._items[key] = answer
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def is_read(body: bytes) -> bool:
    """True when a JSON GraphQL request holds only query operations (no mutation)."""
    try:
        payload = json.loads(body)
        document = parse(payload["query"])
    except (ValueError, KeyError, TypeError, GraphQLSyntaxError):
        return False
    return all(d.operation == OperationType.QUERY for d in document.definitions
               if isinstance(d, OperationDefinitionNode))


class VersionReads:
    """Reads of the generation, shared by the requests that wait for the same one.

    A request must see a generation read that *started after it arrived* (so that a change
    finished before the request is seen). Requests arriving while a read runs wait for the
    next read, which all of them share: under load the database sees one generation read per
    read time instead of one per request."""

    def __init__(self, read: Callable[[], Awaitable[Version]]) -> None:
        self._read = read
        self._next: asyncio.Future[Version] | None = None
        self._running: asyncio.Task[None] | None = None
        self._started = 0.0

    def stalled_for(self) -> float:
        """Seconds the running read has taken (0 when none runs)."""
        running = self._running is not None and not self._running.done()
        return time.monotonic() - self._started if running else 0.0

    async def get(self) -> Version:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._running is None or self._running.done():
                self._started = time.monotonic()
                self._running = asyncio.ensure_future(self._serve())
        return await asyncio.shield(self._next)

    async def _serve(self) -> None:
        while self._next is not None:
            waiting, self._next = self._next, None
            self._started = time.monotonic()
            try:
                waiting.set_result(await self._read())
            except Exception as exc:
                waiting.set_exception(exc)


class ResponseCache:
    """ASGI middleware for POST /graphql (inside the gate: callers are already checked)."""

    MAX_BODY = 1 << 20

    REFRESHES = 1
    """Background refreshes of stale answers running at once per worker process."""

    REFRESH_PAUSE = 1.0
    """After each refresh, the refresher waits this many times as long as the refresh took:
    after a recompute, refreshing hundreds of answers back to back could take the whole
    worker, and the stale answers, meant to go out at once, would queue behind them. (A
    design bound, not measured on its own: bench/results/api.md has the figures with it.)"""

    def __init__(self, app: ASGIApp, store: Callable[[], QueryRunner], size: int,
                 wait_s: float = 1.0, stale_s: float = 0.0) -> None:
        self.app = app
        self.wait_s = wait_s
        self.stale_s = stale_s
        self.store = store
        self.answers = Answers(size)
        self._running: dict[bytes, asyncio.Future[Answer | None]] = {}
        """Answers being computed, by key: identical reads arriving meanwhile wait for them."""
        self._latest: OrderedDict[bytes, tuple[str | None, Answer]] = OrderedDict()
        """The newest answer of each read under any scores version (with ``stale_s``)."""
        self._first_seen: OrderedDict[str | None, float] = OrderedDict()
        self._refreshes = asyncio.Semaphore(self.REFRESHES)
        self._background: set[asyncio.Task[None]] = set()
        self.versions = VersionReads(
            lambda: to_thread.run_sync(generation.current, self.store()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST" or not self.answers.size
                or not scope["path"].startswith("/graphql")):
            await self.app(scope, receive, send)
            return
        body = await _body(receive)
        caller = scope.get("state", {}).get("caller")
        who = f"{getattr(caller, 'id', '')}|{getattr(caller, 'operator', False)}"
        try:
            version = await self._version()
        except Exception:  # the database is down (or failing): the app answers as it can
            await self.app(scope, _replay(body, receive), send)
            return
        if version is None:  # a read of one node takes milliseconds: the database hangs
            log.warning("database unavailable: no generation read within %.1f s", self.wait_s)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(UNAVAILABLE)).encode()),
                                    (b"retry-after", b"1")]})
            await send({"type": "http.response.body", "body": UNAVAILABLE})
            return
        await self._cached(scope, receive, send, body=body, who=who, version=version)

    async def _cached(self, scope: Scope, receive: Receive, send: Send, *, body: bytes,
                      who: str, version: Version) -> None:
        """Answer from the cache (fresh, or stale while refreshing), or run and keep."""
        privacy, scores = version
        read = hashlib.blake2b(f"{privacy}|{who}|".encode() + body, digest_size=20).digest()
        key = hashlib.blake2b(f"{scores}|".encode() + read, digest_size=20).digest()
        found = self.answers.get(key)
        if found is not None:
            await _send(send, found, b"hit")
            return
        stale = self._stale(read, scores)
        if stale is not None:
            await _send(send, stale, b"stale")
            self._refresh(scope, body, key=key, read=read, scores=scores)
            return
        if key in self._running:
            # The same read is being answered for the same caller: share its answer.
            found = await asyncio.shield(self._running[key])
            if found is not None:
                await _send(send, found, b"hit")
                return
        if not is_read(body):  # a mutation: never kept, never shared
            await self.app(scope, _replay(body, receive), send)
            return
        await self._run(scope, _replay(body, receive), send, key=key, read=read, scores=scores)

    async def _run(self, scope: Scope, receive: Receive, send: Send, *, key: bytes,
                   read: bytes, scores: str | None,
                   shared: asyncio.Future[Answer | None] | None = None) -> None:
        """Answer the request (others asking the same meanwhile share it) and keep it."""
        if shared is None:
            shared = self._running[key] = asyncio.get_running_loop().create_future()
        kept: Answer | None = None
        try:
            kept = await self._answer(scope, receive, send)
            if kept is not None:
                self.answers.put(key, kept)
                if self.stale_s > 0:
                    self._latest[read] = (scores, kept)
                    self._latest.move_to_end(read)
                    while len(self._latest) > self.answers.size:
                        self._latest.popitem(last=False)
        finally:
            if self._running.get(key) is shared:
                del self._running[key]
            shared.set_result(kept)  # None: the ones waiting run the request themselves

    def _stale(self, read: bytes, scores: str | None) -> Answer | None:
        """The answer of ``read`` under an earlier scores version, when it may be given."""
        if self.stale_s <= 0:
            return None
        now = time.monotonic()
        first = self._first_seen.setdefault(scores, now)
        while len(self._first_seen) > 8:
            self._first_seen.popitem(last=False)
        newest = self._latest.get(read)
        if newest is None or newest[0] == scores or now - first > self.stale_s:
            return None
        return newest[1]

    def _refresh(self, scope: Scope, body: bytes, *, key: bytes, read: bytes,
                 scores: str | None) -> None:
        """Compute ``key``'s answer in the background (once, however many ask meanwhile)."""
        if key in self._running:
            return
        shared = self._running[key] = asyncio.get_running_loop().create_future()

        async def refresh() -> None:
            own = {**scope, "state": dict(scope.get("state", {}))}
            async with self._refreshes:
                if scores != next(reversed(self._first_seen), scores):
                    # A newer recompute finished while this waited: reads are refreshed
                    # under that one when asked.
                    del self._running[key]
                    shared.set_result(None)
                    return
                started = time.monotonic()
                try:
                    await self._run(own, _replay(body, _disconnected), _discard, key=key,
                                    read=read, scores=scores, shared=shared)
                except Exception:  # nobody waits for this answer: say why it is missing
                    log.exception("refreshing a cached answer failed")
                await asyncio.sleep(self.REFRESH_PAUSE * (time.monotonic() - started))

        task = asyncio.ensure_future(refresh())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> Answer | None:
        """Run the request; its answer, when it may be kept (a 200 without errors, <= 1 MB)."""
        status: list[int] = []
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
                headers.extend(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        answer = b"".join(chunks)
        if status != [200] or len(answer) > self.MAX_BODY or b'"errors"' in answer:
            return None
        kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        kept.append((b"content-length", str(len(answer)).encode()))
        return Answer(200, kept, answer)

    async def _version(self) -> Version | None:
        """The read generation, or None when the database does not answer in time."""
        if self.versions.stalled_for() > self.wait_s:
            return None  # the read before this one already hangs: do not wait for it
        try:
            return await asyncio.wait_for(self.versions.get(), self.wait_s)
        except TimeoutError:
            return None


async def _send(send: Send, answer: Answer, how: bytes) -> None:
    await send({"type": "http.response.start", "status": answer.status,
                "headers": [*answer.headers, (b"x-cache", how)]})
    await send({"type": "http.response.body", "body": answer.body})


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


async def _discard(_: Message) -> None:
    pass


async def _body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, then: Receive) -> Receive:
    """The request body once more, then the real channel (which reports the disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
