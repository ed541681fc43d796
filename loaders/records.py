"""The canonical records every adapter produces and the writer stores.

A source format (Stack Exchange XML, an edge list, API JSON) is turned into these records by
an adapter; the writer knows only these. Timestamps are UTC epoch seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from influence.domain import ConsentState, InteractionKind
from influence.timeutil import END_OF_TIME

MAX_ID_LENGTH = 256
MAX_TOPIC_LENGTH = 64
__all__ = ["ConsentState", "InteractionKind"]  # re-exported: records carry them

Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                         max_length=MAX_ID_LENGTH)]
TOPIC_RESERVED = "|;"
"""Characters a topic name cannot hold: ``|`` joins a relationship's topics into its key ``tk``
and ``;`` separates list elements in the first load's import files."""


def _plain_topic(name: str) -> str:
    reserved = sorted(set(name) & set(TOPIC_RESERVED))
    if reserved:
        raise ValueError(f"a topic name cannot contain {' or '.join(map(repr, reserved))} "
                         f"({name!r}); use another separator in the source, e.g. '-'")
    return name


TopicName = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                             max_length=MAX_TOPIC_LENGTH),
                      AfterValidator(_plain_topic)]
Epoch = Annotated[int, Field(ge=0, le=END_OF_TIME)]
MAX_NAME_LENGTH = 256
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                        max_length=MAX_NAME_LENGTH)]
ProfileUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048,
                                              pattern=r"^https?://\S+$")]


def _one_line(value: object) -> object:
    """Whitespace runs (newlines too) as one space; a blank text as no value."""
    return (" ".join(value.split()) or None) if isinstance(value, str) else value


OptionalName = Annotated[Name | None, BeforeValidator(_one_line)]
OptionalUrl = Annotated[ProfileUrl | None, BeforeValidator(_one_line)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AccountRecord(_Record):
    """An account on one network, owned by a person (by default a person of its own).

    ``handle`` (``@name``, ``user@instance``), ``display_name`` and ``url`` (the public profile
    page) are shown only where the owner's score may be shown (the publish policy decides).
    """

    type: Literal["account"] = "account"
    network: Ident
    id: Ident
    person: Ident | None = None
    created_at: Epoch | None = None
    reputation: int | None = None
    handle: OptionalName = None
    display_name: OptionalName = None
    url: OptionalUrl = None

    @property
    def key(self) -> str:
        return f"{self.network}:{self.id}"


class PostRecord(_Record):
    """A question, answer, post or comment, with the topics it is about."""

    type: Literal["post"] = "post"
    network: Ident
    id: Ident
    author: Ident | None
    kind: Literal["question", "answer", "post", "comment"]
    created_at: Epoch
    parent: Ident | None = None
    topics: tuple[TopicName, ...] = ()
    upvotes: int = 0
    downvotes: int = 0
    text: str | None = Field(
        default=None, description="The post's text (HTML allowed). Read only to derive keyword "
        "topics for a post without topics; never stored.")


class InteractionRecord(_Record):
    """``actor`` engaged with ``target`` (credit flows to the target)."""

    type: Literal["interaction"] = "interaction"
    network: Ident
    id: Ident
    actor: Ident
    target: Ident
    kind: InteractionKind
    at: Epoch
    post: Ident | None = None
    topics: tuple[TopicName, ...] = ()
    value: float | None = Field(
        default=None, description="Signed strength when the source has one (e.g. a trust rating)."
    )


class PersonRecord(_Record):
    """A person (the unit that is scored); ``name`` is an optional display name."""

    type: Literal["person"] = "person"
    id: Ident
    name: OptionalName = None


class TopicRecord(_Record):
    """A topic, optionally under a broader one (e.g. ``ipa`` under ``beer``)."""

    type: Literal["topic"] = "topic"
    name: TopicName
    parent: TopicName | None = None


class LinkRecord(_Record):
    """Identity link: the account ``network:account`` belongs to ``person``.

    An account belongs to exactly one person; a later link moves it (and removes the
    person the loader made up for the account alone, if that one has nothing left).
    """

    type: Literal["link"] = "link"
    person: Ident
    network: Ident
    account: Ident

    @property
    def key(self) -> str:
        return f"{self.network}:{self.account}"


class PostLinkRecord(_Record):
    """One post links to another (a duplicate or related question, a quote)."""

    type: Literal["post_link"] = "post_link"
    network: Ident
    post: Ident
    target: Ident
    kind: Literal["related", "duplicate", "quote"]
    at: Epoch | None = None


class ConsentRecord(_Record):
    """A consent statement by or for a person."""

    type: Literal["consent"] = "consent"
    person: Ident
    state: ConsentState
    source: Ident
    at: Epoch


Record = (AccountRecord | PostRecord | InteractionRecord | ConsentRecord | PersonRecord
          | TopicRecord | LinkRecord | PostLinkRecord)
