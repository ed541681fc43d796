"""The committed UI bundle is present, served at /ui, and built from the current ui/ sources."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi.testclient import TestClient

from influence.api.app import create_app
from influence.api.ui import BUNDLE
from tests.fakes import RecordingStore

UI = Path(__file__).resolve().parents[2] / "ui"


def _source_digest() -> str:
    """The digest ui/scripts/stamp.mjs records: sorted paths and bytes of the build inputs."""
    files = [UI / "index.html", UI / "package-lock.json", *(p for p in (UI / "src").rglob("*")
                                                            if p.is_file())]
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(UI).as_posix() for p in files):
        digest.update(rel.encode() + b"\n")
        digest.update((UI / rel).read_bytes())
        digest.update(b"\n")
    return digest.hexdigest()


def test_bundle_is_committed_with_its_assets() -> None:
    index = (BUNDLE / "index.html").read_text()
    scripts = list((BUNDLE / "assets").glob("index-*.js"))
    assert len(scripts) == 1
    assert f"/ui/assets/{scripts[0].name}" in index


def test_bundle_was_built_from_the_current_sources() -> None:
    info = json.loads((BUNDLE / "build-info.json").read_text())
    assert info["source_sha256"] == _source_digest(), (
        "api/static/ui is stale: rebuild it with `cd ui && npm ci && npm run build` and commit it")


def test_ui_is_served_with_the_schema_it_adapts_to() -> None:
    client = TestClient(create_app(store=RecordingStore()))  # type: ignore[arg-type]
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200
    assert "Influence explorer" in page.text
    schema = client.get("/ui/schema.json").json()["__schema"]
    query = next(t for t in schema["types"] if t["name"] == schema["queryType"]["name"])
    assert {"person", "leaderboard"} <= {f["name"] for f in query["fields"]}
