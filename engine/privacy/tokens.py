"""Per-person verification tokens: an HMAC of the person id with the server's secret.

An operator issues one after checking who the person is (out of band); the person then uses
it for their own consent, export and erasure requests. Rotating the secret revokes them all.
"""

from __future__ import annotations

import hashlib
import hmac

from influence.engine.privacy import audit
from influence.engine.privacy import queries as q
from influence.engine.privacy.erasure import not_found
from influence.engine.privacy.tombstones import person_subject
from influence.errors import InvalidInputError
from influence.settings import Settings
from influence.store import QueryRunner


def person_token(settings: Settings, person_id: str) -> str:
    """The per-person verification token: hex HMAC-SHA256 of the person id with the server secret.

    Raises:
        InvalidInputError: ``consent_token_secret`` is not configured.
    """
    if settings.consent_token_secret is None:
        raise InvalidInputError(
            "Per-person tokens need a server secret.",
            hint="Set INFLUENCE_CONSENT_TOKEN_SECRET (e.g. `openssl rand -hex 32`).",
        )
    key = settings.consent_token_secret.get_secret_value().encode()
    return hmac.new(key, f"person:{person_id}".encode(), hashlib.sha256).hexdigest()


def issue_token(runner: QueryRunner, settings: Settings, person_id: str, actor: str) -> str:
    """Issue (and audit) the per-person token of an existing person.

    Raises:
        NotFoundError: no such person.
        InvalidInputError: no token secret is configured.
    """
    if not runner.read(q.EXPORT_PERSON, id=person_id):
        raise not_found(person_id)
    token = person_token(settings, person_id)
    audit.append(runner, actor, "token", person_subject(runner, person_id, settings), {})
    return token
