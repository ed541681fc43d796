"""The people and interaction columns every recompute reads, mapped from accounts to people.

Interactions are stored between accounts; scores are per person (a person may own accounts on
several networks). These helpers read the people and the account owners as columns and map
account node ids to dense person indices, vectorised.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from influence.engine import queries as q
from influence.store import Query, QueryRunner, Row

CHUNK_ACCOUNTS = 10_000
"""Engaging accounts per columnar read (:func:`read_columns`). A read returns one record of
lists, which the driver holds as Python objects (about 36 bytes a value) before they become
arrays (8 bytes): read whole, the 30M-interaction benchmark's 6 columns took 13.9 GB in the
client and the kernel's OOM killer ended it. Smaller reads are also faster: the engagement
columns of the 5M benchmark graph (10 relationships an account) took 6.6-8.7 s in reads of
10,000 accounts, 8.9-9.1 s of 20,000 and 9.4-13.4 s of 50,000; of the 1M graph 1.5-2.8 s
against 2.7-4.9 s for 50,000 (three runs each, alternating, 2026-12-07); reads of 5,000 and
2,000 accounts were no faster again (7.2-8.5 s, 8.7-10.5 s at 5M)."""

READERS = 2
"""Columnar reads in flight at once, each on its own connection: the server runs a read on
one core, and this machine has two. On the 1M benchmark graph the people, owners and
interaction reads took 3.2-4.3 s with two against 4.0-5.4 s with one (four alternating
runs each, 2026-12-03)."""
MIN_SPLIT = 2_000
"""Accounts from which the reads are split between the :data:`READERS`."""


DENSE_SLACK = 4
"""Integer ids up to this many times as many as there are (plus :data:`DENSE_MIN`) are found
through a table indexed by id; sparser ones by binary search."""
DENSE_MIN = 1_000_000


class Lookup:
    """Positions of ids in an array of distinct ids (-1 where absent), vectorised.

    Node ids are dense, so they are found by indexing a table (the five lookups of a
    1M-interaction recompute: 0.03 s, against 0.27 s by random-order binary search, profiled);
    other ids (strings, sparse integers) by binary search."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self._table: np.ndarray | None = None
        if (ids.dtype.kind in "iu" and len(ids) and int(ids.min()) >= 0
                and int(ids.max()) < DENSE_SLACK * len(ids) + DENSE_MIN):
            self._table = np.full(int(ids.max()) + 1, -1, dtype=np.int64)
            self._table[ids] = np.arange(len(ids))
            return
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def find(self, ids: np.ndarray) -> np.ndarray:
        if self._table is not None:
            inside = (ids >= 0) & (ids < len(self._table))
            found = np.full(len(ids), -1, dtype=np.int64)
            found[inside] = self._table[ids[inside]]
            return found
        if not len(self._sorted):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        result: np.ndarray = np.where(self._sorted[at] == ids, self._order[at], -1)
        return result


@dataclass(frozen=True)
class People:
    nodes: np.ndarray
    ids: list[str]
    slots: np.ndarray
    created: np.ndarray
    networks: np.ndarray
    objecting: np.ndarray

    @property
    def size(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True)
class Owners:
    """Which person (dense index) and which network (code) each account belongs to, and when
    the account was created (-1: unknown)."""

    accounts: Lookup
    person: np.ndarray
    network: np.ndarray
    network_names: list[str]
    created: np.ndarray

    def people_of(self, account_nodes: np.ndarray | list[int]) -> np.ndarray:
        """Person index of each account node id (-1: unknown account or no owner)."""
        at = self.accounts.find(np.asarray(account_nodes, dtype=np.int64))
        return np.where(at >= 0, self.person[at], -1)

    def owned(self) -> np.ndarray:
        """The node ids of the accounts that have an owner, in ascending order."""
        owned: np.ndarray = np.sort(self.accounts.ids[self.person >= 0])
        return owned

    def networks_of(self, account_nodes: np.ndarray | list[int]) -> np.ndarray:
        """Network code of each account node id (0 for unknown ones)."""
        at = self.accounts.find(np.asarray(account_nodes, dtype=np.int64))
        return np.where(at >= 0, self.network[at], 0)


def read_owners(store: QueryRunner, people: np.ndarray) -> Owners:
    """Every account's owner, as indices into ``people`` (person node ids)."""
    return _owners(store.columns(q.ACCOUNT_OWNERS), people)


def read_people_and_owners(store: QueryRunner) -> tuple[People, Owners]:
    """Every person as columns (node id, person id, slot (-1: none yet), earliest account
    creation (-1: unknown), how many networks, objection to profiling) and every account's
    owner, read at the same time on two connections."""
    with ThreadPoolExecutor(1) as pool:
        read = pool.submit(store.columns, q.ACCOUNT_OWNERS)
        row = store.columns(q.PEOPLE_COLUMNS)
        nodes = np.array(row["nodes"], dtype=np.int64)
        owners = _owners(read.result(), nodes)
    owned = owners.person >= 0
    person, created = owners.person[owned], owners.created[owned]
    earliest = np.full(len(nodes), np.iinfo(np.int64).max)
    np.minimum.at(earliest, person[created >= 0], created[created >= 0])
    earliest[earliest == np.iinfo(np.int64).max] = -1
    codes = max(len(owners.network_names), 1)
    held = np.unique(person * codes + owners.network[owned])  # distinct (person, network)
    networks = np.bincount(held // codes, minlength=len(nodes)).astype(np.int64)
    return People(nodes, list(row["ids"]), np.array(row["slots"], dtype=np.int64), earliest,
                  networks, np.array(row["objecting"], dtype=bool)), owners


def _owners(row: Row, people: np.ndarray) -> Owners:
    names = sorted(set(row["networks"]))
    codes = {name: i for i, name in enumerate(names)}
    return Owners(Lookup(np.array(row["accounts"], dtype=np.int64)),
                  Lookup(people).find(np.array(row["owners"], dtype=np.int64)),
                  np.array([codes[n] for n in row["networks"]], dtype=np.int64), names,
                  np.array(row["created"], dtype=np.int64))


def column_chunks(store: QueryRunner, query: Query, accounts: np.ndarray,
                  **params: Any) -> Iterator[Row]:
    """The records of a columnar ``query`` over the interactions given by ``accounts`` (node
    ids, passed as ``$accounts``), in order: at most :data:`CHUNK_ACCOUNTS` accounts a read,
    :data:`READERS` reads at a time (and at least that many reads once there are
    :data:`MIN_SPLIT` accounts)."""
    per_reader = -(-len(accounts) // READERS) if len(accounts) >= MIN_SPLIT else len(accounts)
    size = max(1, min(CHUNK_ACCOUNTS, per_reader))

    def read(begin: int) -> Row:
        return store.columns(query, accounts=accounts[begin:begin + size].tolist(), **params)

    with ThreadPoolExecutor(READERS) as pool:
        pending: deque[Future[Row]] = deque()
        for begin in range(0, len(accounts), size):
            pending.append(pool.submit(read, begin))
            if len(pending) >= READERS:  # no more records held than reads in flight
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_columns(store: QueryRunner, query: Query, accounts: np.ndarray,
                 dtypes: Mapping[str, Any], *, ragged: Collection[str] = (),
                 **params: Any) -> dict[str, np.ndarray]:
    """The columns ``dtypes`` names of :func:`column_chunks`, joined as arrays of those
    dtypes (each chunk's lists are dropped once converted). A ``ragged`` column (a list of
    lists of integers) comes back laid end to end, with ``<name>_sizes`` beside it."""
    laid = {key: np.int64 for name in ragged for key in (name, f"{name}_sizes")}
    chunks: dict[str, list[np.ndarray]] = {name: [np.empty(0, dtype=d)]
                                           for name, d in {**dtypes, **laid}.items()}
    for row in column_chunks(store, query, accounts, **params):
        for name, dtype in dtypes.items():
            chunks[name].append(np.array(row.pop(name), dtype=dtype))
        for name in ragged:
            lists: list[list[int]] = row.pop(name)
            lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            chunks[f"{name}_sizes"].append(lengths)
            chunks[name].append(np.fromiter(itertools.chain.from_iterable(lists),
                                            dtype=np.int64, count=int(lengths.sum())))
    return {name: np.concatenate(parts) for name, parts in chunks.items()}
