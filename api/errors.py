"""Maps engine errors to GraphQL ``extensions.code`` (via influence.errors) and masks the rest."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from influence.errors import InfluenceError, code_for


def _domain(error: GraphQLError) -> InfluenceError | None:
    original = error.original_error
    return original if isinstance(original, InfluenceError) else None


class DomainErrorCodes(SchemaExtension):
    """Gives every domain error its stable ``extensions.code`` and a ``hint``."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        for error in result.errors:
            domain = _domain(error)
            if domain is not None:
                error.message = domain.message
                error.extensions = {"code": code_for(domain).graphql_code,
                                    **({"hint": domain.hint} if domain.hint else {})}


def mask_unexpected() -> MaskErrors:
    """Hide the text of any error that is not a domain error or a GraphQL validation error."""

    def should_mask(error: GraphQLError) -> bool:
        return error.original_error is not None and _domain(error) is None

    return MaskErrors(should_mask_error=should_mask,
                      error_message="Unexpected error; it has been logged.")
