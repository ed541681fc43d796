"""Browser fixtures: the real API (with the UI) on a free port over the Stack Exchange slice, and
headless Debian Chromium driven by Playwright, failing any test that logs a console error."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from influence.api.app import create_app
from influence.engine.communities import compute_people_communities, compute_topic_communities
from influence.settings import Settings
from influence.store import Store
from tests.integration.conftest import SE_ASOF, se_loaded  # noqa: F401  (module-scoped data)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"]
TIMEOUT_MS = 60_000  # generous: a 2-core machine under load answers slowly, never wrongly
expect.set_options(timeout=TIMEOUT_MS)


def chromium_path() -> str:
    """Debian's Chromium (``./scripts/system-deps.sh chromium`` installs it)."""
    path = os.environ.get("INFLUENCE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: run ./scripts/system-deps.sh chromium (make test does)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def api_url(store: Store, settings: Settings, se_loaded: object) -> Iterator[str]:  # noqa: F811
    """The real application (GraphQL + /ui) served by uvicorn in a thread, on the loaded data
    with topic and people communities computed.

    The dump has no consent records, so the demo's documented policy (not_opted_out) is used.
    """
    compute_topic_communities(store)  # colours of the topic map and of the ego network
    compute_people_communities(store, settings.model, asof=SE_ASOF)
    app_settings = settings.model_copy(update={"publish_policy": "not_opted_out"})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app_settings, store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the API server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def graphql(api_url: str, query: str) -> dict[str, object]:
    """Run a query against the test server; fails the test on GraphQL errors."""
    payload = httpx.post(f"{api_url}/graphql", json={"query": query}, timeout=30).json()
    assert not payload.get("errors"), payload
    data: dict[str, object] = payload["data"]
    return data


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if the page logs a console error or throws."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(f"console.error: {msg.text}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    yield pg
    context.close()
    assert errors == [], errors


def save_screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot under test-artifacts/e2e; also in docs/screenshots when
    INFLUENCE_UPDATE_SCREENSHOTS=1 (so ordinary runs leave the tracked files alone)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("INFLUENCE_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / f"{name}.png")
    return path
