"""The response cache's pieces without a server: the LRU, mutation detection, and the shared
generation reads (each request sees a read that started after it arrived)."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import Message, Receive, Scope, Send

from influence.api.cache import Answer, Answers, ResponseCache, VersionReads, is_read
from tests.fakes import RecordingStore


def test_the_lru_keeps_the_newest_answers() -> None:
    answers = Answers(2)
    for key in (b"a", b"b", b"c"):
        answers.put(key, Answer(200, [], key))
    assert answers.get(b"a") is None
    assert answers.get(b"c") == Answer(200, [], b"c")
    assert (answers.hits, answers.misses) == (1, 1)


def test_only_queries_are_cached() -> None:
    assert is_read(json.dumps({"query": "{ leaderboard(first: 2) { edges { cursor } } }"}).encode())
    assert is_read(json.dumps({"query": "query Q { a }"}).encode())
    assert not is_read(json.dumps({"query": "mutation { recompute { asof } }"}).encode())
    assert not is_read(b"not json")
    assert not is_read(json.dumps({"query": "{ broken"}).encode())


def test_requests_share_a_read_that_started_after_they_arrived() -> None:
    reads: list[int] = []

    async def scenario() -> list[tuple[str | None, str | None]]:
        gate = asyncio.Event()

        async def read() -> tuple[str | None, str | None]:
            reads.append(len(reads))
            number = len(reads)
            if number == 1:
                await gate.wait()  # the first read is slow
            return (f"g{number}", None)

        versions = VersionReads(read)
        first = asyncio.ensure_future(versions.get())
        await asyncio.sleep(0)  # the first read is running
        later = [asyncio.ensure_future(versions.get()) for _ in range(5)]
        await asyncio.sleep(0)
        gate.set()
        return [await first, *[await f for f in later]]

    got = asyncio.run(scenario())
    # the first request got the first read; the five that arrived during it share one newer
    assert got == [("g1", None)] + [("g2", None)] * 5
    assert len(reads) == 2


def test_a_hanging_database_gets_service_unavailable_at_once() -> None:
    """A generation read that does not come back (a server shutting down holds reads until it
    exits) answers SERVICE_UNAVAILABLE with Retry-After after the wait, and later requests do
    not wait for the same hung read: they are answered without starting another."""
    reads: list[int] = []
    ran: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ran.append(scope["path"])

    async def scenario() -> list[tuple[list[Message], float]]:
        hung = asyncio.Event()

        async def read() -> tuple[str | None, str | None]:
            reads.append(1)
            await hung.wait()  # never set: the database does not answer
            return ("g", None)

        cache = ResponseCache(app, store=RecordingStore, size=8, wait_s=0.2)
        cache.versions = VersionReads(read)
        answers = []
        for _ in range(3):
            sent: list[Message] = []

            async def send(message: Message, sent: list[Message] = sent) -> None:
                sent.append(message)

            async def receive() -> Message:
                return {"type": "http.request", "body": b'{"query": "{ a }"}',
                        "more_body": False}

            started = time.monotonic()
            await cache({"type": "http", "method": "POST", "path": "/graphql",
                         "headers": [], "state": {}}, receive, send)
            answers.append((sent, time.monotonic() - started))
            if len(answers) == 1:
                await asyncio.sleep(0.05)  # the hung read is now older than the wait
        return answers

    answers = asyncio.run(scenario())
    for sent, _ in answers:
        body = json.loads(sent[1]["body"])
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert (b"retry-after", b"1") in sent[0]["headers"]
    assert answers[0][1] >= 0.2  # the first waited for the read
    assert answers[1][1] < 0.2  # the next ones did not
    assert answers[2][1] < 0.2
    assert ran == []  # nothing reached the application
    assert reads == [1]  # and the hung read was not joined by more


def _request(body: bytes) -> tuple[Scope, Receive]:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return {"type": "http", "method": "POST", "path": "/graphql", "headers": [],
            "state": {}}, receive


def test_identical_reads_in_flight_share_one_execution() -> None:
    """Five identical reads arriving while the first runs get its answer; a mutation and a
    different read run on their own; an error answer is not shared (the waiting ones run)."""
    ran: list[bytes] = []

    async def scenario() -> list[list[Message]]:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            body = (await receive())["body"]
            ran.append(body)
            await release.wait()
            answer = b'{"errors": []}' if b"broken" in body else b'{"data": {"a": 1}}'
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": answer})

        async def read() -> tuple[str | None, str | None]:
            return ("g", None)

        cache = ResponseCache(app, store=RecordingStore, size=8)
        cache.versions = VersionReads(read)
        bodies = [b'{"query": "{ a }"}'] * 6 + [b'{"query": "{ b }"}',
                                                 b'{"query": "mutation { m }"}',
                                                 b'{"query": "{ broken }"}',
                                                 b'{"query": "{ broken }"}']
        sent: list[list[Message]] = [[] for _ in bodies]
        tasks = []
        for i, body in enumerate(bodies):
            scope, receive = _request(body)

            async def send(message: Message, box: list[Message] = sent[i]) -> None:
                box.append(message)

            tasks.append(asyncio.ensure_future(cache(scope, receive, send)))
            await asyncio.sleep(0)
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*tasks)
        return sent

    sent = asyncio.run(scenario())
    assert ran.count(b'{"query": "{ a }"}') == 1
    assert ran.count(b'{"query": "{ b }"}') == 1
    assert ran.count(b'{"query": "mutation { m }"}') == 1
    assert ran.count(b'{"query": "{ broken }"}') == 2  # errors are not shared
    for box in sent[:6]:
        assert box[-1]["body"] == b'{"data": {"a": 1}}'
    assert [(b"x-cache", b"hit") in box[0]["headers"] for box in sent[:6]] == [False] + [True] * 5


def test_after_a_recompute_reads_may_be_answered_stale_while_refreshed() -> None:
    """With stale_s, a read whose answer under the previous scores version is kept gets it at
    once (x-cache: stale) while one background run refreshes it; the next request has the
    new answer. A new privacy generation (an opt-out) is never answered stale; without
    stale_s a new scores version is a miss."""
    version = ["p1", "s1"]
    ran: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        ran.append("/".join(version))
        answer = json.dumps({"data": {"v": "/".join(version)}}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    async def read() -> tuple[str | None, str | None]:
        return (version[0], version[1])

    async def ask(cache: ResponseCache) -> tuple[str, str]:
        scope, receive = _request(b'{"query": "{ v }"}')
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await cache(scope, receive, send)
        how = dict(sent[0]["headers"]).get(b"x-cache", b"miss").decode()
        return how, json.loads(sent[1]["body"])["data"]["v"]

    async def scenario(stale_s: float) -> list[tuple[str, str]]:
        version[:] = ["p1", "s1"]
        cache = ResponseCache(app, store=RecordingStore, size=8, stale_s=stale_s)
        cache.versions = VersionReads(read)
        got = [await ask(cache), await ask(cache)]
        version[1] = "s2"  # a recompute finished
        got.append(await ask(cache))
        await asyncio.gather(*cache._background)  # the refresh
        got.append(await ask(cache))
        version[0] = "p2"  # an opt-out
        version[1] = "s3"
        got.append(await ask(cache))
        return got

    assert asyncio.run(scenario(stale_s=30)) == [
        ("miss", "p1/s1"), ("hit", "p1/s1"), ("stale", "p1/s1"), ("hit", "p1/s2"),
        ("miss", "p2/s3")]
    assert ran == ["p1/s1", "p1/s2", "p2/s3"]
    ran.clear()
    assert asyncio.run(scenario(stale_s=0)) == [
        ("miss", "p1/s1"), ("hit", "p1/s1"), ("miss", "p1/s2"), ("hit", "p1/s2"),
        ("miss", "p2/s3")]


def test_stale_refreshes_run_one_at_a_time_and_only_for_the_newest_scores() -> None:
    """Refreshes queued under a scores version that a newer recompute replaced are dropped:
    their reads are refreshed under the newest version when asked."""
    version = ["p1", "s1"]
    ran: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        query = json.loads((await receive())["body"])["query"]
        ran.append(f"{query}@{version[1]}")
        answer = json.dumps({"data": {"v": version[1]}}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    async def read() -> tuple[str | None, str | None]:
        return (version[0], version[1])

    async def ask(cache: ResponseCache, query: str) -> str:
        scope, receive = _request(json.dumps({"query": query}).encode())
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await cache(scope, receive, send)
        how: str = dict(sent[0]["headers"]).get(b"x-cache", b"miss").decode()
        return how

    async def scenario() -> list[str]:
        cache = ResponseCache(app, store=RecordingStore, size=8, stale_s=30)
        cache.versions = VersionReads(read)
        assert cache.REFRESHES == 1
        got = [await ask(cache, "{ a }"), await ask(cache, "{ b }")]
        async with cache._refreshes:  # the refresher is busy: refreshes queue
            version[1] = "s2"
            got += [await ask(cache, "{ a }"), await ask(cache, "{ b }")]
            version[1] = "s3"
            got.append(await ask(cache, "{ a }"))
        await asyncio.gather(*cache._background)
        got += [await ask(cache, "{ a }"), await ask(cache, "{ b }")]
        await asyncio.gather(*cache._background)
        got.append(await ask(cache, "{ b }"))
        return got

    assert asyncio.run(scenario()) == ["miss", "miss", "stale", "stale", "stale", "hit",
                                       "stale", "hit"]
    assert ran == ["{ a }@s1", "{ b }@s1", "{ a }@s3", "{ b }@s3"]
