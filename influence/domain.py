"""The engine's shared vocabulary: consent states, publish policies and interaction kinds.

Defined once here and used by the loaders (canonical records), the engine (scoring, privacy,
reads), the API (GraphQL enums) and the CLI.
"""

from __future__ import annotations

from enum import StrEnum
from hashlib import blake2b
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


EVENT_TIME_SHIFT = 20
"""Bits below the time in an interaction's event word (see :func:`event_word`)."""
EVENT_TIME_UNIT = 1 << EVENT_TIME_SHIFT
"""``word // EVENT_TIME_UNIT`` is the event's time in epoch seconds (Cypher: ``e / 1048576``)."""


def event_word(at: int, interaction_key: str) -> int:
    """One interaction as one 64-bit word: its time (high bits) and 20 bits of its id's hash.

    Interactions are stored aggregated, one relationship per (actor account, target account,
    kind, topics), each with the sorted-on-arrival list ``ev`` of its interactions' words
    (docs/FORMATS.md, "The data model"). Equal words are the same interaction, which is how a
    reload adds nothing; the time is ``word >> 20``. Two different interactions of the same
    pair, kind and topics collide only when they happen in the same second *and* their ids
    share 20 hash bits (about one in a million).
    """
    low = int.from_bytes(blake2b(interaction_key.encode(), digest_size=8).digest(),
                         "big") & (EVENT_TIME_UNIT - 1)
    return (at << EVENT_TIME_SHIFT) | low


def event_time(word: int) -> int:
    """The epoch second of an event word."""
    return word >> EVENT_TIME_SHIFT


def relationship_type(kind: InteractionKind | str) -> str:
    """The Neo4j relationship type that stores interactions of a kind (``answer`` -> ``ANSWER``)."""
    return str(InteractionKind(kind).value).upper()


INTERACTION_TYPES: tuple[str, ...] = tuple(relationship_type(k) for k in InteractionKind)
"""Every relationship type between two accounts (one per interaction kind)."""
