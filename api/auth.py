"""Every token check of the API, in one place.

* API keys (``INFLUENCE_API_KEYS``) allow reads; none configured means anonymous reads in
  development and no reads in production.
* Operator tokens (``INFLUENCE_OPERATOR_TOKENS``) allow everything, including the recompute
  mutation, erasure for anyone and the audit log.
* A per-person token (HMAC of the person id, :mod:`influence.engine.privacy.tokens`) allows one
  person's own consent, export and erasure requests.

Keys arrive as ``Authorization: Bearer <key>`` or ``X-API-Key``; comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from strawberry.types import Info

from influence.engine.privacy.tokens import person_token
from influence.errors import UnauthenticatedError
from influence.settings import Settings


def presented(headers: dict[str, str]) -> list[str]:
    """The keys a request carries: ``Authorization: Bearer <key>``, then ``X-API-Key``."""
    keys = []
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        keys.append(auth[7:].strip())
    if headers.get("x-api-key"):
        keys.append(headers["x-api-key"])
    return keys


def _member(key: str, secrets: list[str]) -> bool:
    return any(hmac.compare_digest(key.encode(), s.encode()) for s in secrets)


def key_id(key: str) -> str:
    """A short, non-reversible name of a key for logs and rate-limit buckets."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class Caller:
    """Who a request is: ``allowed`` to read, and an ``operator`` (may write).

    ``key`` is the first key presented (the bearer token, which the consent mutations also
    accept as a per-person token); ``id`` names the valid key for logs and rate limits.
    """

    def __init__(self, settings: Settings, keys: list[str]) -> None:
        operators = [t.get_secret_value() for t in settings.operator_tokens]
        readers = [k.get_secret_value() for k in settings.api_keys]
        self.key = keys[0] if keys else None
        self.operator = any(_member(k, operators) for k in keys)
        valid = [k for k in keys if _member(k, operators) or _member(k, readers)]
        self.authenticated = bool(valid)
        open_reads = not readers and settings.environment == "development"
        self.allowed = open_reads or self.authenticated
        self.id = key_id(valid[0]) if valid else "anonymous"


def require_operator(info: Info[Any, None]) -> None:
    """Raise unless the request carries one of the operator tokens.

    Raises:
        UnauthenticatedError: no operator token.
    """
    if not info.context.operator:
        raise UnauthenticatedError("This operation needs an operator token.",
                                   hint="Send 'Authorization: Bearer <operator token>' "
                                   "(INFLUENCE_OPERATOR_TOKENS).")


def actor(settings: Settings, token: str | None, person_id: str | None) -> str:
    """The audit actor a token stands for: ``operator#N`` or ``person-token``.

    An operator token allows everything; a per-person token allows requests about that one
    person (``person_id``).

    Raises:
        UnauthenticatedError: no token, or one that matches neither.
    """
    if not token:
        raise UnauthenticatedError("This operation needs a token.",
                                   hint="Send 'Authorization: Bearer <operator or person token>'.")
    for index, candidate in enumerate(settings.operator_tokens, start=1):
        if hmac.compare_digest(candidate.get_secret_value().encode(), token.encode()):
            return f"operator#{index}"
    if person_id is not None and settings.consent_token_secret is not None and \
            hmac.compare_digest(person_token(settings, person_id).encode(), token.encode()):
        return "person-token"
    raise UnauthenticatedError("The token is not valid for this operation.",
                               hint="Ask an operator for a token: `influence consent token ID`.")


def request_actor(info: Info[Any, None], person_id: str | None,
                  person_token_arg: str | None) -> str:
    """The audit actor of a privacy request: its bearer token, else its ``personToken``.

    Raises:
        UnauthenticatedError: neither token is valid for ``person_id``.
    """
    settings = info.context.settings
    bearer = info.context.token
    if bearer:
        try:
            return actor(settings, bearer, person_id)
        except UnauthenticatedError:
            if person_token_arg is None:
                raise
    return actor(settings, person_token_arg, person_id)


def require_operator_token(info: Info[Any, None]) -> str:
    """The operator actor of the request (audit-log reads), or UnauthenticatedError."""
    who = actor(info.context.settings, info.context.token, None)
    if not who.startswith("operator"):
        raise UnauthenticatedError("This needs an operator token.")
    return who
