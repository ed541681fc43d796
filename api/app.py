"""The FastAPI application: GraphQL at /graphql plus liveness and readiness probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from fastapi import FastAPI, Response
from strawberry.fastapi import GraphQLRouter

from influence.api.context import Context
from influence.api.errors import DomainErrorCodes, mask_unexpected
from influence.api.graphql import Query
from influence.api.ui import mount_ui
from influence.settings import Settings, get_settings
from influence.store import Store


def build_schema() -> strawberry.Schema:
    """The schema with the error extensions (MaskErrors runs last, on what is left)."""
    return strawberry.Schema(query=Query, extensions=[DomainErrorCodes, mask_unexpected])


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the application; the store is opened at start-up unless one is given."""
    settings = settings or get_settings()
    state: dict[str, Store] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["store"] = store or Store(settings)
        try:
            yield
        finally:
            if store is None:
                state["store"].close()

    async def context() -> Context:
        return Context(store=state["store"], settings=settings)

    dev = settings.environment == "development"
    router: GraphQLRouter[Context, None] = GraphQLRouter(
        build_schema(), context_getter=context, graphql_ide="graphiql" if dev else None,
    )
    app = FastAPI(title="Influence engine", lifespan=lifespan)
    app.include_router(router, prefix="/graphql")
    mount_ui(app, settings)

    @app.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/health/ready")
    def ready(response: Response) -> dict[str, str]:
        if state["store"].ping():
            return {"status": "ready"}
        response.status_code = 503
        return {"status": "database unavailable"}

    return app
