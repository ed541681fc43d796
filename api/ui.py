"""Serves the graph exploration UI (the committed bundle in api/static/ui) at /ui.

The bundle is built from ui/ (``cd ui && npm ci && npm run build``); it talks only to /graphql.
Besides the static files, /ui/schema.json gives the UI the introspection result of the very
schema served at /graphql (queries and mutations), so the UI can adapt its queries to it even
where GraphQL introspection is switched off (the schema is public anyway: schema.graphql).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import strawberry
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

BUNDLE = Path(__file__).resolve().parent / "static" / "ui"


def mount_ui(app: FastAPI, schema: strawberry.Schema) -> None:
    """Serve the UI bundle at /ui (and /ui/schema.json) on ``app``.

    Args:
        app: the FastAPI application of :func:`influence.api.app.create_app`.
        schema: the schema served at /graphql; its introspection is /ui/schema.json.
    """
    introspection: dict[str, Any] = {}

    @app.get("/ui", include_in_schema=False)
    def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/ui/schema.json", include_in_schema=False)
    def ui_schema() -> JSONResponse:
        if not introspection:
            introspection.update(schema.introspect())
        return JSONResponse(introspection)

    if (BUNDLE / "index.html").is_file():
        app.mount("/ui", StaticFiles(directory=BUNDLE, html=True), name="ui")
    else:
        @app.get("/ui/", include_in_schema=False)
        def ui_missing() -> PlainTextResponse:
            return PlainTextResponse("The UI bundle is not built: cd ui && npm ci && npm run build",
                                     status_code=503)
