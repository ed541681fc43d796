"""The engine's shared vocabulary: consent states, publish policies and interaction kinds.

Defined once here and used by the loaders (canonical records), the engine (scoring, privacy,
reads), the API (GraphQL enums) and the CLI.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class ConsentState(StrEnum):
    """A person's consent to being scored."""

    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"
    UNKNOWN = "unknown"


PublishPolicy = Literal["opted_in", "not_opted_out"]
"""Whose scores may be shown: only people who opted in (the default), or everyone except those
who opted out (an operator's documented choice)."""


def published_states(policy: PublishPolicy) -> list[str]:
    """Consent states whose scores may be shown under a policy."""
    if policy == "opted_in":
        return [ConsentState.OPTED_IN.value]
    return [ConsentState.OPTED_IN.value, ConsentState.UNKNOWN.value]


class InteractionKind(StrEnum):
    """What one account did to another; each kind has a weight in the model."""

    ANSWER = "answer"
    REPLY = "reply"
    COMMENT = "comment"
    ACCEPT = "accept"
    SHARE = "share"
    MENTION = "mention"
    EDIT = "edit"
    MESSAGE = "message"
    RATE = "rate"
    LIKE = "like"
    FOLLOW = "follow"
