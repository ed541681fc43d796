"""The one error hierarchy of the engine, and its one mapping to exit codes and GraphQL codes.

Every error the engine raises on purpose is an :class:`InfluenceError`. Each carries a
message saying what was wrong and a ``hint`` saying how to fix it. The CLI turns the class
into an exit code and the API into ``extensions.code`` through :data:`ERROR_CODES`, and
nowhere else.
"""

from __future__ import annotations

from typing import NamedTuple


class InfluenceError(Exception):
    """Root of every error the engine raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class NotFoundError(InfluenceError):
    """A person, topic or community that does not exist (or may not be shown)."""


class InvalidInputError(InfluenceError):
    """Input that cannot be accepted: a bad argument, file or record."""


class LimitExceededError(InfluenceError):
    """A request over a configured limit (page size, query cost, rate)."""


class StoreUnavailableError(InfluenceError):
    """The database cannot be reached or is not ready."""


class ConsentDeniedError(InfluenceError):
    """The consent policy forbids this read or write."""


class UnauthenticatedError(InfluenceError):
    """A missing or wrong API key or operator token."""


class EnvironmentProblemError(InfluenceError):
    """The machine lacks something the engine needs (Java, Maven, a free port)."""


class ErrorCode(NamedTuple):
    """How one error class surfaces: a process exit code and a GraphQL extensions.code."""

    exit_code: int
    graphql_code: str


ERROR_CODES: dict[type[InfluenceError], ErrorCode] = {
    NotFoundError: ErrorCode(3, "NOT_FOUND"),
    InvalidInputError: ErrorCode(4, "BAD_USER_INPUT"),
    LimitExceededError: ErrorCode(5, "LIMIT_EXCEEDED"),
    StoreUnavailableError: ErrorCode(6, "SERVICE_UNAVAILABLE"),
    ConsentDeniedError: ErrorCode(7, "CONSENT_DENIED"),
    UnauthenticatedError: ErrorCode(8, "UNAUTHENTICATED"),
    EnvironmentProblemError: ErrorCode(9, "ENVIRONMENT"),
    InfluenceError: ErrorCode(1, "INTERNAL"),
}


def code_for(error: InfluenceError) -> ErrorCode:
    """The exit code and GraphQL code for an error, by its most specific known class."""
    for cls in type(error).__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]
    return ERROR_CODES[InfluenceError]
