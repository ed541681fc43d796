"""Screening records against the erased (docs/PRIVACY.md): nothing erased is ingested again.

The loaders do not know how erased people are remembered; they ask an :class:`Erased` (the
engine's salted-hash tombstones, passed in by the job layer) about each record's accounts,
people and posts.
"""

from __future__ import annotations

from typing import Protocol

from influence.loaders.records import (
    AccountRecord,
    ConsentRecord,
    InteractionRecord,
    LinkRecord,
    PersonRecord,
    PostLinkRecord,
    PostRecord,
    Record,
)

ERASED_REASON = "erased (tombstoned)"
"""The skip reason loaders report for records of erased people."""


class Erased(Protocol):
    """Who and what was erased (e.g. :class:`influence.engine.privacy.tombstones.Tombstones`)."""

    @property
    def empty(self) -> bool: ...

    def account(self, network: str, account_id: str | None) -> bool: ...

    def post(self, network: str, post_id: str | None) -> bool: ...

    def person(self, person_id: str | None) -> bool: ...


def screen(record: Record, erased: Erased) -> Record | None:
    """The record to load, ``None`` to drop it, or a copy without a link to an erased post."""
    if erased.empty:
        return record
    if isinstance(record, AccountRecord):
        gone = erased.account(record.network, record.id) or erased.person(record.person)
    elif isinstance(record, PostRecord):
        gone = erased.account(record.network, record.author) or \
            erased.post(record.network, record.id)
        if not gone and erased.post(record.network, record.parent):
            return record.model_copy(update={"parent": None})
    elif isinstance(record, InteractionRecord):
        gone = erased.account(record.network, record.actor) or \
            erased.account(record.network, record.target)
        if not gone and erased.post(record.network, record.post):
            return record.model_copy(update={"post": None})
    elif isinstance(record, ConsentRecord):
        gone = erased.person(record.person)
    elif isinstance(record, PersonRecord):
        gone = erased.person(record.id)
    elif isinstance(record, LinkRecord):
        gone = erased.account(record.network, record.account) or erased.person(record.person)
    elif isinstance(record, PostLinkRecord):
        gone = erased.post(record.network, record.post) or \
            erased.post(record.network, record.target)
    else:  # a topic names nobody
        gone = False
    return None if gone else record
