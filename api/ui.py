"""Serves the graph exploration UI (the committed bundle in api/static/ui) at /ui.

The bundle is built from ui/ (``cd ui && npm ci && npm run build``); it talks only to /graphql.
Besides the static files, /ui/schema.json gives the UI the GraphQL schema's introspection result,
computed here from the same strawberry types, so the UI can adapt its queries to the schema even
where GraphQL introspection is switched off (the schema is public anyway: schema.graphql).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import strawberry
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from influence.settings import Settings

BUNDLE = Path(__file__).resolve().parent / "static" / "ui"


@functools.cache
def _schema_json() -> dict[str, Any]:
    from influence.api.graphql import Query

    return dict(strawberry.Schema(query=Query).introspect())


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Serve the UI bundle at /ui (and /ui/schema.json) on ``app``.

    Args:
        app: the FastAPI application of :func:`influence.api.app.create_app`.
        settings: the application settings (the UI needs none today; kept for symmetry).
    """
    del settings

    @app.get("/ui", include_in_schema=False)
    def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/ui/schema.json", include_in_schema=False)
    def ui_schema() -> JSONResponse:
        return JSONResponse(_schema_json())

    if (BUNDLE / "index.html").is_file():
        app.mount("/ui", StaticFiles(directory=BUNDLE, html=True), name="ui")
    else:
        @app.get("/ui/", include_in_schema=False)
        def ui_missing() -> PlainTextResponse:
            return PlainTextResponse("The UI bundle is not built: cd ui && npm ci && npm run build",
                                     status_code=503)
