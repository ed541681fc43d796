"""The tombstone salt, salted hashes, and the tombstones of erased people, accounts and posts."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from influence.engine.privacy import queries as q
from influence.settings import Settings, get_settings
from influence.store import QueryRunner


def salt(runner: QueryRunner, settings: Settings | None = None) -> str:
    """The tombstone salt: ``tombstone_salt`` from settings, else one generated and kept in the DB.

    The database-kept salt is created once (``(:PrivacySalt)``) so every process agrees on it.
    """
    settings = settings or get_settings()
    if settings.tombstone_salt is not None:
        return settings.tombstone_salt.get_secret_value()
    rows = runner.write_rows(q.SALT, candidate=secrets.token_hex(32), at=int(time.time()))
    return str(rows[0]["value"])


def account_hash(salt_value: str, network: str, account_id: str) -> str:
    """sha256(salt + network + ':' + account id): how an erased account is remembered."""
    return hashlib.sha256(f"{salt_value}{network}:{account_id}".encode()).hexdigest()


def subject_hash(salt_value: str, kind: Literal["person", "post"], key: str) -> str:
    """The salted hash of a person id or post key (tombstones and audit subjects)."""
    return hashlib.sha256(f"{salt_value}{kind}\x00{key}".encode()).hexdigest()


def person_subject(runner: QueryRunner, person_id: str, settings: Settings | None = None) -> str:
    """The salted hash that stands for a person in tombstones and the audit log."""
    return subject_hash(salt(runner, settings), "person", person_id)


@dataclass(frozen=True)
class Tombstones:
    """The salted hashes of erased people, accounts and posts, read once for a whole load.

    A loader asks :meth:`account`, :meth:`post` and :meth:`person` about every record
    (``influence.loaders.screening``); nothing here knows the record types.
    """

    salt: str
    hashes: frozenset[str]

    @classmethod
    def load(cls, runner: QueryRunner, settings: Settings | None = None) -> Tombstones:
        """Read every tombstone once (a load then screens records in memory)."""
        hashes = frozenset(r["hash"] for r in runner.read(q.TOMBSTONE_HASHES))
        return cls(salt(runner, settings) if hashes else "", hashes)

    @property
    def empty(self) -> bool:
        """True when nobody was ever erased (screening can be skipped)."""
        return not self.hashes

    def account(self, network: str, account_id: str | None) -> bool:
        return account_id is not None and \
            account_hash(self.salt, network, account_id) in self.hashes

    def post(self, network: str, post_id: str | None) -> bool:
        return post_id is not None and \
            subject_hash(self.salt, "post", f"{network}:{post_id}") in self.hashes

    def person(self, person_id: str | None) -> bool:
        return person_id is not None and subject_hash(self.salt, "person", person_id) in self.hashes


def is_tombstoned(runner: QueryRunner, network: str, account_id: str,
                  settings: Settings | None = None) -> bool:
    """True when the account ``network:account_id`` was erased and may not be ingested again."""
    found = runner.read(q.TOMBSTONE_EXISTS, hash=account_hash(salt(runner, settings), network,
                                                                 account_id))
    return bool(found and found[0]["found"])
