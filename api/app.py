"""The FastAPI application: GraphQL at /graphql, probes, and Prometheus metrics.

Layers, outside in: :class:`~influence.api.observability.GraphQLGate` (API key or operator
token, per-key rate limit, load shedding, metrics, JSON log line), the response cache
(:mod:`influence.api.cache`), then strawberry with the abuse limits
(tokens, depth, aliases, cost), error codes and masking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import strawberry
from fastapi import FastAPI, Request, Response
from graphql import GraphQLError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from influence.api.auth import Caller
from influence.api.cache import ResponseCache
from influence.api.context import Context, TimedRunner
from influence.api.errors import DomainErrorCodes, mask_unexpected
from influence.api.graphql import OperatorMutation, Query
from influence.api.limits import cost_rule
from influence.api.observability import GraphQLGate, Metrics, configure_logging
from influence.api.ui import mount_ui
from influence.settings import Settings, get_settings, load_settings
from influence.store import Store


def _root_types() -> tuple[type, type]:
    """Query and Mutation: the API's own merged with the consent API's."""
    from influence.api.consent import ConsentMutation, ConsentQuery

    return (merge_types("Query", (Query, ConsentQuery)),
            merge_types("Mutation", (OperatorMutation, ConsentMutation)))


class _ParserCache(ParserCache):
    """Strawberry's parser cache, except that a text that does not parse (or is over the
    token limit) is left to strawberry's own parse, which reports it with its error code:
    raised from the extension's hook, the error would reach the client without one."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query,
                                                                  **context.parse_options)
        except GraphQLError:
            context.graphql_document = None
        yield


class _Schema(strawberry.Schema):
    """Client errors (domain and validation errors) are answered with their code and counted in
    the request's log line; only unexpected errors get a traceback, logged by the masking
    extension. Strawberry's default would log every error with its traceback."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with its limits and error handling (settings give the limits; default ones
    for the exported SDL, which does not depend on them)."""
    settings = settings or load_settings()
    rules = [*QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
             *MaxAliasesLimiter(max_alias_count=settings.max_query_aliases).validation_rules,
             cost_rule(settings.max_query_cost)]
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        mask_unexpected,
        DomainErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        # Parsed documents are kept (keyed by text and the token limit): parsing the person
        # view took 1.1 ms a request. A text over the limit fails to parse and is not kept.
        lambda: _ParserCache(maxsize=512),
        # The rules are built once: a new rule class per request (each limiter's own way)
        # would make every request miss the validation cache below.
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=512),
    ]
    if settings.environment == "production":
        extensions.append(DisableIntrospection)
    query, mutation = _root_types()
    return _Schema(query=query, mutation=mutation, extensions=extensions)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the application; the store is opened at start-up unless one is given."""
    settings = settings or get_settings()
    configure_logging()
    metrics = Metrics()
    state: dict[str, Store] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state["store"] = store or Store(
            settings.model_copy(update={"db_retry_s": settings.api_db_retry_s}), fail_fast=True)
        try:
            yield
        finally:
            if store is None:
                state["store"].close()

    async def context(request: Request) -> Context:
        caller: Caller = request.scope["state"]["caller"]
        runner = TimedRunner(state["store"], metrics.observe_db)
        ctx = Context(store=runner, settings=settings, token=caller.key,
                      operator=caller.operator)
        request.scope["state"]["runner"] = runner
        request.scope["state"]["context"] = ctx
        return ctx

    dev = settings.environment == "development"
    schema = build_schema(settings)
    router: GraphQLRouter[Context, None] = GraphQLRouter(
        schema, context_getter=context, graphql_ide="graphiql" if dev else None,
        allow_queries_via_get=True,
    )
    app = FastAPI(title="Influence engine", lifespan=lifespan,
                  docs_url="/docs" if dev else None, redoc_url=None, openapi_url=None)
    app.include_router(router, prefix="/graphql")
    mount_ui(app, schema)

    @app.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/health/ready")
    def ready(response: Response) -> dict[str, str]:
        if state["store"].ping():
            return {"status": "ready"}
        response.status_code = 503
        return {"status": "database unavailable"}

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(ResponseCache, store=lambda: state["store"],
                       size=settings.api_cache_entries, wait_s=max(0.1, settings.api_db_retry_s),
                       stale_s=settings.api_stale_s)
    app.add_middleware(GraphQLGate, settings=settings, metrics=metrics)  # outermost
    return app
