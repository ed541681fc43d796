"""Operations: Prometheus metrics, structured (JSON) logs, and the ASGI middleware that
authenticates, rate-limits, times and logs every GraphQL request."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from influence.api.auth import Caller, presented
from influence.api.errors import UNAVAILABLE_CODE
from influence.api.limits import buckets
from influence.errors import LimitExceededError, UnauthenticatedError, code_for
from influence.settings import Settings

log = logging.getLogger("influence.api")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class JsonFormatter(logging.Formatter):
    """One JSON object per log line (message, level, logger, time and any ``extra`` fields)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname,
                                 "logger": record.name, "pid": record.process,
                                 "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the API's logs to stderr as JSON lines (idempotent)."""
    if any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


class Metrics:
    """The API's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("influence_api_requests", "HTTP requests to /graphql",
                                ["status"], registry=self.registry)
        self.latency = Histogram("influence_api_request_seconds", "Latency of /graphql requests",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.db = Histogram("influence_api_db_seconds", "Time in database calls, per query",
                            ["query"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter("influence_api_graphql_errors", "GraphQL errors by code",
                              ["code"], registry=self.registry)

    def observe_db(self, query: str, seconds: float) -> None:
        self.db.labels(query).observe(seconds)


def _error_body(exc: UnauthenticatedError | LimitExceededError) -> bytes:
    extensions: dict[str, Any] = {"code": code_for(exc).graphql_code}
    if exc.hint:
        extensions["hint"] = exc.hint
    return json.dumps({"data": None, "errors": [{"message": exc.message,
                                                 "extensions": extensions}]}).encode()


class GraphQLGate:
    """ASGI middleware in front of /graphql: caller check, per-key rate limit, load shedding
    (at most ``api_max_in_flight`` requests run; more get 503 at once), metrics, logs.

    The GraphiQL page (a GET without a query) passes without a key.
    """

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.buckets = buckets(settings.rate_limit_per_s, settings.rate_limit_burst,
                               settings.rate_limit_file)
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/graphql"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        caller = Caller(self.settings, presented(headers))
        scope.setdefault("state", {})["caller"] = caller
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                ctx = scope["state"].get("context")
                if ctx is not None and UNAVAILABLE_CODE in ctx.error_codes:
                    # The database is down: say when to come back, as for shed requests.
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"retry-after", b"1")]}
            await send(message)

        ide_page = scope["method"] == "GET" and b"query=" not in scope.get("query_string", b"")
        try:
            if not caller.allowed and not ide_page:
                await _reject(send_wrapper, 401, UnauthenticatedError(
                    "A valid API key is required.",
                    hint="Send 'Authorization: Bearer <key>' (INFLUENCE_API_KEYS)."))
            elif (wait := self.buckets.take(
                    caller.id if caller.authenticated else _client(scope))) > 0:
                await _reject(send_wrapper, 429, LimitExceededError(
                    "Rate limit exceeded for this key.",
                    hint=f"Retry after {wait:.2f} s (INFLUENCE_RATE_LIMIT_PER_S)."),
                    retry_after=wait)
            elif self.in_flight >= self.settings.api_max_in_flight:
                # Overload: answered at once, so that queued requests cannot pile up.
                await _reject(send_wrapper, 503, LimitExceededError(
                    "The API is at capacity; the request was not run.",
                    hint="Retry after 1 s (INFLUENCE_API_MAX_IN_FLIGHT per worker)."),
                    retry_after=1.0)
            else:
                self.in_flight += 1
                try:
                    await self.app(scope, receive, send_wrapper)
                finally:
                    self.in_flight -= 1
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(str(status["code"])).inc()
            self.metrics.latency.observe(elapsed)
            fields: dict[str, Any] = {"method": scope["method"], "path": scope["path"],
                                      "status": status["code"], "ms": round(elapsed * 1000, 2),
                                      "caller": caller.id}
            runner = scope["state"].get("runner")
            if runner is not None:
                fields.update(db_ms=round(runner.db_seconds * 1000, 2),
                              round_trips=runner.round_trips)
            ctx = scope["state"].get("context")
            if ctx is not None and ctx.error_codes:
                fields["errors"] = ctx.error_codes
                for code in ctx.error_codes:
                    self.metrics.errors.labels(code).inc()
            log.info("request", extra={"fields": fields})


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"anon:{client[0]}" if client else "anon"


async def _reject(send: Send, status: int, exc: UnauthenticatedError | LimitExceededError,
                  retry_after: float | None = None) -> None:
    body = _error_body(exc)
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, round(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
