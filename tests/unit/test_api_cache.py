"""The response cache's pieces without a server: the LRU, mutation detection, and the shared
generation reads (each request sees a read that started after it arrived)."""

from __future__ import annotations

import asyncio
import json

from influence.api.cache import Answer, Answers, VersionReads, is_read


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
