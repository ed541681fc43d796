"""Screening records against the erased (docs/PRIVACY.md): nothing erased is ingested again.

The loaders do not know how erased people are remembered; they ask an :class:`Erased` (the
engine's salted-hash tombstones, passed in by the job layer) about each record's accounts,
people and posts.
"""

from __future__ import annotations

from typing import Protocol

from influence.loaders import records as rec

ERASED_REASON = "erased (tombstoned)"
"""The skip reason loaders report for records of erased people."""


class Erased(Protocol):
    """Who and what was erased (e.g. :class:`influence.engine.privacy.tombstones.Tombstones`)."""

    @property
    def empty(self) -> bool: ...

    def account(self, network: str, account_id: str | None) -> bool: ...

    def post(self, network: str, post_id: str | None) -> bool: ...

    def person(self, person_id: str | None) -> bool: ...


def screen(record: rec.Record, erased: Erased) -> rec.Record | None:
    """The record to load, ``None`` to drop it, or a copy without a link to an erased post."""
    if erased.empty:
        return record
    if isinstance(record, rec.AccountRecord):
        gone = erased.account(record.network, record.id) or erased.person(record.person)
    elif isinstance(record, rec.PostRecord):
        gone = erased.account(record.network, record.author) or \
            erased.post(record.network, record.id)
        if not gone and erased.post(record.network, record.parent):
            return record.model_copy(update={"parent": None})
    elif isinstance(record, rec.InteractionRecord):
        gone = erased.account(record.network, record.actor) or \
            erased.account(record.network, record.target)
        if not gone and erased.post(record.network, record.post):
            return record.model_copy(update={"post": None})
    elif isinstance(record, rec.ConsentRecord):
        gone = erased.person(record.person)
    elif isinstance(record, rec.PersonRecord):
        gone = erased.person(record.id)
    elif isinstance(record, rec.LinkRecord):
        gone = erased.account(record.network, record.account) or erased.person(record.person)
    elif isinstance(record, rec.PostLinkRecord):
        gone = erased.post(record.network, record.post) or \
            erased.post(record.network, record.target)
    else:  # a topic names nobody
        gone = False
    return None if gone else record
