"""`influence serve --workers N`: several processes on one port, one rate-limit budget per key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from influence.settings import Settings

BURST = 10
REQUESTS = 60
QUERY = "{ topics(first: 1) { totalCount } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(settings: Settings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCE_")}
    env.update(INFLUENCE_NEO4J_URI=settings.bolt_uri, INFLUENCE_NEO4J_USER=settings.neo4j_user,
               INFLUENCE_API_PORT=str(port), INFLUENCE_API_KEYS="k1",
               INFLUENCE_RATE_LIMIT_PER_S="0.01", INFLUENCE_RATE_LIMIT_BURST=str(BURST),
               INFLUENCE_API_CACHE_ENTRIES="0")
    if settings.neo4j_password is not None:
        env["INFLUENCE_NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return env


def test_rate_limits_hold_across_worker_processes(settings: Settings) -> None:
    """Requests spread over two worker processes draw on one budget: exactly the burst is
    served, the rest get 429, and the log shows both workers answering."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "influence", "serve", "--workers", "2"],
        env=_environment(settings, port), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("the API did not start with two workers")
            time.sleep(0.2)
        time.sleep(1.0)  # the second worker is up too (each logs its start-up)

        def one(_: int) -> int:  # a new connection each time, so both workers take some
            return httpx.post(f"{url}/graphql", json={"query": QUERY},
                              headers={"X-API-Key": "k1", "Connection": "close"},
                              timeout=30).status_code

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(one, range(REQUESTS)))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    assert statuses.count(200) == BURST, statuses
    assert statuses.count(429) == REQUESTS - BURST, statuses
    answered_by = set()
    for line in err.decode(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # uvicorn's own lines
        if entry.get("msg") == "request" and entry.get("path") == "/graphql":
            answered_by.add(entry["pid"])
    assert len(answered_by) == 2, f"requests were answered by {len(answered_by)} worker(s)"
