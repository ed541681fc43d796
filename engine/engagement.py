"""The people and interaction columns every recompute reads, mapped from accounts to people.

Interactions are stored between accounts; scores are per person (a person may own accounts on
several networks). These helpers read the people and the account owners as columns and map
account node ids to dense person indices, vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from influence.engine import queries as q
from influence.store import QueryRunner


class Lookup:
    """Positions of ids in an array of distinct ids (-1 where absent), vectorised."""

    def __init__(self, ids: np.ndarray) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def find(self, ids: np.ndarray) -> np.ndarray:
        if not len(self._sorted):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        found: np.ndarray = np.where(self._sorted[at] == ids, self._order[at], -1)
        return found


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


def read_people(store: QueryRunner) -> People:
    """Every person as columns: node id, person id, slot (-1: none yet), account creation, networks,
    objection to profiling."""
    row = store.columns(q.PEOPLE_COLUMNS)
    slots = np.array(row["slots"], dtype=np.int64)
    return People(np.array(row["nodes"], dtype=np.int64), list(row["ids"]), slots,
                   np.array(row["created"], dtype=np.int64),
                   np.array(row["networks"], dtype=np.int64),
                   np.array(row["objecting"], dtype=bool))


@dataclass(frozen=True)
class Owners:
    """Which person (dense index) and which network (code) each account belongs to."""

    accounts: Lookup
    person: np.ndarray
    network: np.ndarray
    network_names: list[str]

    def people_of(self, account_nodes: list[int]) -> np.ndarray:
        """Person index of each account node id (-1: unknown account or no owner)."""
        at = self.accounts.find(np.asarray(account_nodes, dtype=np.int64))
        return np.where(at >= 0, self.person[at], -1)

    def networks_of(self, account_nodes: list[int]) -> np.ndarray:
        """Network code of each account node id (0 for unknown ones)."""
        at = self.accounts.find(np.asarray(account_nodes, dtype=np.int64))
        return np.where(at >= 0, self.network[at], 0)


def read_owners(store: QueryRunner, people: np.ndarray) -> Owners:
    """Every account's owner, as indices into ``people`` (person node ids)."""
    row = store.columns(q.ACCOUNT_OWNERS)
    names = sorted(set(row["networks"]))
    codes = {name: i for i, name in enumerate(names)}
    return Owners(Lookup(np.array(row["accounts"], dtype=np.int64)),
                  Lookup(people).find(np.array(row["owners"], dtype=np.int64)),
                  np.array([codes[n] for n in row["networks"]], dtype=np.int64), names)
