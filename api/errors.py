"""Every GraphQL error gets a stable ``extensions.code``; unexpected errors are masked.

Domain errors (:class:`~influence.errors.InfluenceError`) get their code from the one mapping
``influence.errors.ERROR_CODES``. The depth, alias and token limiters of strawberry report
plain GraphQL errors: they are recognised here and surface as LimitExceededError's code with
``extensions.limit`` naming the limit. Other syntax and validation errors get
GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED. Anything else is masked as INTERNAL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, SchemaExtension

from influence.errors import InfluenceError, LimitExceededError, StoreUnavailableError, code_for

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
MASKED_MESSAGE = "Unexpected error; it has been logged."
UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
UNAVAILABLE_CODE = code_for(StoreUnavailableError("")).graphql_code
"""What clients see of an outage (the database's address and the driver's words go to the
server log only)."""
_LIMIT_MESSAGES = (
    ("exceeds maximum operation depth", "depth"),
    ("aliases found. Allowed:", "aliases"),
    ("Document contains more than", "tokens"),
)
LIMIT_CODE = code_for(LimitExceededError("")).graphql_code
INTERNAL_CODE = code_for(InfluenceError("")).graphql_code
log = logging.getLogger("influence.api")


def _domain(error: GraphQLError) -> InfluenceError | None:
    original = error.original_error
    return original if isinstance(original, InfluenceError) else None


def classify(error: GraphQLError) -> dict[str, object]:
    """The extensions an error should carry."""
    domain = _domain(error)
    if domain is not None:
        extensions: dict[str, object] = {**(error.extensions or {}),
                                         "code": code_for(domain).graphql_code}
        if domain.hint and not isinstance(domain, StoreUnavailableError):
            extensions["hint"] = domain.hint
        return extensions
    for fragment, limit in _LIMIT_MESSAGES:
        if fragment in error.message:
            return {"code": LIMIT_CODE, "limit": limit}
    if error.original_error is not None:
        return {"code": INTERNAL_CODE}
    if isinstance(error, GraphQLSyntaxError):
        return {"code": PARSE_FAILED}
    return {"code": VALIDATION_FAILED}


class DomainErrorCodes(SchemaExtension):
    """Gives every error its stable ``extensions.code`` (and a ``hint`` for domain errors)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = list(result.errors or []) if result is not None else []
        errors += list(self.execution_context.pre_execution_errors or [])
        unique = list({id(e): e for e in errors}.values())
        for error in unique:
            domain = _domain(error)
            if isinstance(domain, StoreUnavailableError):
                log.warning("database unavailable at %s: %s", error.path, domain.message)
                error.message = UNAVAILABLE_MESSAGE
            elif domain is not None:
                error.message = domain.message
            error.extensions = classify(error)
        codes = getattr(self.execution_context.context, "error_codes", None)
        if isinstance(codes, list):
            codes.extend(str((e.extensions or {}).get("code")) for e in unique)


class LoggedMaskErrors(MaskErrors):
    """MaskErrors that logs the hidden error and keeps ``extensions.code`` INTERNAL."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        log.error("unexpected error at %s", error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_CODE}
        return masked


def mask_unexpected() -> MaskErrors:
    """Hide the text of any error that is not a domain error or a GraphQL validation error."""

    def should_mask(error: GraphQLError) -> bool:
        return error.original_error is not None and _domain(error) is None

    return LoggedMaskErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE)
