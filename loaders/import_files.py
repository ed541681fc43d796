"""A first load as files for ``neo4j-admin database import full``: the graph of the records,
in the same shape the batched writer gives it, written as CSV.

The records arrive through the same pipeline as an incremental load (validation, quarantine,
self-interaction policy, screening; :func:`influence.loaders.writer.load`); this writer keeps
what the graph needs instead of writing it:

* people, accounts and topics in memory (one entry each; the number of distinct people and
  accounts bounds the memory, not the number of interactions);
* posts in a disk-backed SQLite table (a post is written once, the last record of it wins);
* interactions spilled to binary partition files by actor account (41 bytes each), then
  grouped partition by partition (one relationship per actor, target, kind and topics, its
  event words sorted and de-duplicated, exactly as the batched writer would merge them).

:meth:`ImportWriter.finish` writes the CSV files and returns the ``--nodes`` and
``--relationships`` arguments of the import.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.dtypes import StringDType

from influence.domain import INTERACTION_TYPES, event_word, relationship_type
from influence.loaders import records as rec

PARTITIONS = 16
"""Interaction spill files (by actor account): a partition is grouped in memory at the end."""
ACCOUNT_EXTRA = ("created_at", "reputation", "handle", "display_name", "url")
"""Account properties besides key, network and id (the first two are numbers)."""
EVENT = np.dtype([("a", "<i4"), ("b", "<i4"), ("kind", "<i1"), ("topics", "<i4"),
                  ("post", "<i4"), ("word", "<i8"), ("value", "<f8")])
"""One spilled interaction: account indices, kind code, topic-set index (-1: none), index of
the post whose topics it inherits (-1: none), event word, value (NaN: none)."""
_TYPES = {t.lower(): i for i, t in enumerate(INTERACTION_TYPES)}


@dataclass
class ImportFiles:
    """The CSV files of an import and how much they hold."""

    folder: Path
    nodes: list[tuple[str, Path]]
    relationships: list[tuple[str, Path]]
    counts: dict[str, int]

    def arguments(self) -> list[str]:
        """``--nodes=Label=file`` and ``--relationships=TYPE=file`` for the import tool."""
        args = [f"--nodes={label}={path}" for label, path in self.nodes]
        args += [f"--relationships={kind}={path}" if kind else f"--relationships={path}"
                 for kind, path in self.relationships]
        return args


def _key(network: str, ident: str | None) -> str | None:
    return None if ident is None else f"{network}:{ident}"


@dataclass
class ImportWriter:
    """Collects a first load's graph for ``neo4j-admin database import`` (see module doc).

    Has the interface of :class:`influence.loaders.writer.Writer` the pipeline drives
    (``add``, ``full``, ``flush``, ``written``, ``store`` = None: nothing is written to a
    database while the records stream).
    """

    folder: Path
    batch_size: int = 100_000
    store: None = None
    written: dict[str, int] = field(default_factory=dict)
    # People given explicitly (records, links, consent); an account without an owner is its
    # own person (id = its key), implied at the end rather than kept per account.
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    # Accounts: key -> index; the network of each (by code); the rare extra properties.
    _account_index: dict[str, int] = field(default_factory=dict)
    _account_network: list[int] = field(default_factory=list)
    _networks: dict[str, int] = field(default_factory=dict)
    _account_extra: dict[int, dict[str, Any]] = field(default_factory=dict)
    topics: dict[str, str | None] = field(default_factory=dict)
    _topic_sets: dict[tuple[str, ...], int] = field(default_factory=dict)
    _post_refs: dict[str, int] = field(default_factory=dict)
    _buffer: list[tuple[int, int, int, int, int, int, float]] = field(default_factory=list)
    _spills: list[IO[bytes]] = field(default_factory=list)
    _db: sqlite3.Connection | None = None
    _post_links: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    _interactions: int = 0

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / "posts.sqlite")
        self._db.execute("CREATE TABLE IF NOT EXISTS posts (key TEXT PRIMARY KEY, row TEXT)")
        self._spills = [(self.folder / f"events-{i}.bin").open("wb") for i in range(PARTITIONS)]

    # --- the Writer interface -----------------------------------------------------------

    def add(self, record: rec.Record, *, autoflush: bool = True) -> None:  # noqa: PLR0912
        """Keep one record for the import."""
        if isinstance(record, rec.InteractionRecord):
            self._interaction(record)
        elif isinstance(record, rec.AccountRecord):
            index = self._account_number(record.network, record.id)
            extra = {name: value for name in ACCOUNT_EXTRA
                     if (value := getattr(record, name)) is not None}
            if extra:
                self._account_extra.setdefault(index, {}).update(extra)
            if record.person is not None:
                self._link(record.key, record.person)
            self._count("accounts")
        elif isinstance(record, rec.PostRecord):
            self._post(record)
        elif isinstance(record, rec.LinkRecord):
            self._account_number(record.network, record.account)
            self._link(record.key, record.person)
            self._count("links")
        elif isinstance(record, rec.PersonRecord):
            person = self._person(record.id)
            if record.name is not None:
                person["name"] = record.name
            self._count("people")
        elif isinstance(record, rec.TopicRecord):
            self.topics[record.name] = record.parent or self.topics.get(record.name)
            if record.parent is not None:
                self.topics.setdefault(record.parent, None)
            self._count("topics")
        elif isinstance(record, rec.PostLinkRecord):
            source, target = _key(record.network, record.post), _key(record.network,
                                                                     record.target)
            assert source is not None
            assert target is not None
            for key in (source, target):
                self._placeholder_post(key, record.network)
            self._post_links.append((source, target, record.kind, record.at))
            self._count("post_links")
        else:
            assert isinstance(record, rec.ConsentRecord)
            person = self._person(record.person)
            person.update(consent=record.state.value, consent_source=record.source,
                          consent_at=record.at)
            self._count("consent")
        if autoflush and self.full():
            self.flush()

    def full(self) -> bool:
        return len(self._buffer) >= self.batch_size

    def flush(self, *, wait: bool = True, then: Callable[[], None] | None = None) -> None:
        """Spill the buffered interactions to their partition files (``wait`` is moot: the
        spill is synchronous); ``then`` runs after."""
        del wait
        self._spill()
        if then is not None:
            then()

    def close(self) -> None:
        """Nothing runs in the background; the files are closed by :meth:`finish`."""

    def _spill(self) -> None:
        if self._interactions:
            self.written["interactions"] = self._interactions
        if not self._buffer:
            return
        events = np.array(self._buffer, dtype=EVENT)
        self._buffer.clear()
        part = events["a"] % PARTITIONS
        for i in range(PARTITIONS):
            chunk = events[part == i]
            if len(chunk):
                self._spills[i].write(chunk.tobytes())

    # --- records ------------------------------------------------------------------------

    def _count(self, kind: str) -> None:
        self.written[kind] = self.written.get(kind, 0) + 1

    def _person(self, person_id: str) -> dict[str, Any]:
        return self.people.setdefault(person_id, {"consent": "unknown"})

    def _account_number(self, network: str, ident: str) -> int:
        """The account's index (the hot path of interactions: one lookup when known)."""
        key = f"{network}:{ident}"
        index = self._account_index.get(key)
        if index is None:
            index = self._account_index[key] = len(self._account_index)
            code = self._networks.get(network)
            if code is None:
                code = self._networks[network] = len(self._networks)
            self._account_network.append(code)
        return index

    def _link(self, account_key: str, person_id: str) -> None:
        self.owners[account_key] = person_id
        self._person(person_id)

    def _topic_set(self, topics: tuple[str, ...]) -> int:
        if not topics:
            return -1
        for name in topics:
            self.topics.setdefault(name, None)
        return self._topic_sets.setdefault(topics, len(self._topic_sets))

    def _interaction(self, record: rec.InteractionRecord) -> None:
        network = record.network
        topics = tuple(sorted(set(record.topics))) if record.topics else ()
        post = -1
        if not topics and record.post is not None:
            post = self._post_refs.setdefault(f"{network}:{record.post}", len(self._post_refs))
        self._buffer.append((
            self._account_number(network, record.actor),
            self._account_number(network, record.target),
            _TYPES[record.kind], self._topic_set(topics) if topics else -1, post,
            event_word(record.at, f"{network}:{record.id}"),
            math.nan if record.value is None else record.value))
        self._interactions += 1

    def _post(self, record: rec.PostRecord) -> None:
        assert self._db is not None
        key = f"{record.network}:{record.id}"
        topics = sorted(set(record.topics))
        for name in topics:
            self.topics.setdefault(name, None)
        author = _key(record.network, record.author)
        if record.author is not None:
            self._account_number(record.network, record.author)
        parent = _key(record.network, record.parent)
        if parent is not None:
            self._placeholder_post(parent, None)
        row = {"network": record.network, "id": record.id, "kind": record.kind,
               "created_at": record.created_at, "upvotes": record.upvotes,
               "downvotes": record.downvotes, "topics": topics, "author": author,
               "parent": parent}
        self._db.execute("INSERT OR REPLACE INTO posts VALUES (?, ?)", (key, json.dumps(row)))
        self._count("posts")

    def _placeholder_post(self, key: str, network: str | None) -> None:
        assert self._db is not None
        self._db.execute("INSERT OR IGNORE INTO posts VALUES (?, ?)",
                         (key, json.dumps({"network": network})))

    # --- the files ----------------------------------------------------------------------

    def finish(self) -> ImportFiles:
        """Write the CSV files (and remove the spills); the writer cannot be used after."""
        assert self._db is not None
        self.flush()
        for spill in self._spills:
            spill.close()
        self._db.commit()
        counts: dict[str, int] = {}
        folder = self.folder
        for person in set(self.owners.values()):
            self._person(person)
        owners = self.owners
        person_ids = sorted(set(self.people).union(
            key for key in self._account_index if key not in owners))
        networks = list(self._networks)
        extra = self._account_extra
        no_one = {"consent": "unknown"}
        nodes = [("Person", folder / "people.csv"), ("Account", folder / "accounts.csv"),
                 ("Post", folder / "posts.csv"), ("Topic", folder / "topics.csv")]
        counts["people"] = _write(nodes[0][1], ["id:ID(Person)", "consent", "name", "slot:long",
                                                "consent_source", "consent_at:long"],
                                  ([pid, p["consent"], p.get("name"), slot,
                                    p.get("consent_source"), p.get("consent_at")]
                                   for slot, pid in enumerate(person_ids)
                                   for p in (self.people.get(pid, no_one),)))
        del person_ids
        counts["accounts"] = _write(nodes[1][1], ["key:ID(Account)", "network", "id",
                                                  "created_at:long", "reputation:long",
                                                  *ACCOUNT_EXTRA[2:]],
                                    ([k, network, k[len(network) + 1:],
                                      *(extra.get(i, no_one).get(n) for n in ACCOUNT_EXTRA)]
                                     for (k, i), network in zip(
                                         self._account_index.items(),
                                         (networks[c] for c in self._account_network),
                                         strict=True)))
        relationships = [("HAS_ACCOUNT", folder / "has_account.csv")]
        counts["has_account"] = _write(relationships[0][1], [":START_ID(Person)",
                                                             ":END_ID(Account)"],
                                       ([owners.get(k, k), k] for k in self._account_index))
        counts.update(self._write_posts(folder, relationships))
        counts["topics"] = _write(nodes[3][1], ["name:ID(Topic)"],
                                  ([name] for name in sorted(self.topics)))
        relationships.append(("SUBTOPIC_OF", folder / "subtopic_of.csv"))
        counts["subtopic_of"] = _write(relationships[-1][1], [":START_ID(Topic)",
                                                              ":END_ID(Topic)"],
                                       ([t, parent] for t, parent in self.topics.items()
                                        if parent is not None))
        relationships.append(("LINKS_TO", folder / "links_to.csv"))
        counts["links_to"] = _write(relationships[-1][1], [":START_ID(Post)", ":END_ID(Post)",
                                                          "kind", "at:long"],
                                    ([s, t, kind, at] for s, t, kind, at in
                                     {(s, t, k): (s, t, k, a)
                                          for s, t, k, a in self._post_links}.values()))
        relationships.append(("", folder / "interactions.csv"))
        counts["interactions"], counts["interaction_groups"] = self._write_interactions(
            relationships[-1][1])
        self._db.close()
        (folder / "posts.sqlite").unlink(missing_ok=True)
        return ImportFiles(folder, nodes, relationships, counts)

    def _write_posts(self, folder: Path,
                     relationships: list[tuple[str, Path]]) -> dict[str, int]:
        assert self._db is not None
        names = {"posted": folder / "posted.csv", "reply": folder / "in_reply_to.csv",
                 "tagged": folder / "tagged.csv"}
        relationships += [("POSTED", names["posted"]), ("IN_REPLY_TO", names["reply"]),
                          ("TAGGED", names["tagged"])]
        counts = dict.fromkeys(("posts", "posted", "in_reply_to", "tagged"), 0)
        with (folder / "posts.csv").open("w", newline="", encoding="utf-8") as p_fh, \
                names["posted"].open("w", newline="", encoding="utf-8") as a_fh, \
                names["reply"].open("w", newline="", encoding="utf-8") as r_fh, \
                names["tagged"].open("w", newline="", encoding="utf-8") as t_fh:
            posts, posted, reply, tagged = (csv.writer(f) for f in (p_fh, a_fh, r_fh, t_fh))
            posts.writerow(["key:ID(Post)", "network", "id", "kind", "created_at:long",
                            "upvotes:long", "downvotes:long", "topics:string[]"])
            posted.writerow([":START_ID(Account)", ":END_ID(Post)"])
            reply.writerow([":START_ID(Post)", ":END_ID(Post)"])
            tagged.writerow([":START_ID(Post)", ":END_ID(Topic)"])
            for key, text in self._db.execute("SELECT key, row FROM posts ORDER BY key"):
                row = json.loads(text)
                if "id" not in row:  # referenced, never given: an empty post, as MERGE makes
                    posts.writerow([key, row.get("network"), None, None, None, None, None,
                                    None])
                    counts["posts"] += 1
                    continue
                posts.writerow([key, row["network"], row["id"], row["kind"], row["created_at"],
                                row["upvotes"], row["downvotes"], ";".join(row["topics"])])
                counts["posts"] += 1
                if row["author"] is not None:
                    posted.writerow([row["author"], key])
                    counts["posted"] += 1
                if row["parent"] is not None:
                    reply.writerow([key, row["parent"]])
                    counts["in_reply_to"] += 1
                for topic in row["topics"]:
                    tagged.writerow([key, topic])
                    counts["tagged"] += 1
        return counts

    def _post_topics(self) -> np.ndarray:
        """The topic-set index each referenced post gives its interactions (-1: none)."""
        assert self._db is not None
        sets = np.full(max(len(self._post_refs), 1), -1, dtype=np.int32)
        for key, index in self._post_refs.items():
            found = self._db.execute("SELECT row FROM posts WHERE key = ?", (key,)).fetchone()
            if found is not None:
                topics = tuple(json.loads(found[0]).get("topics") or ())
                sets[index] = self._topic_set(topics)
        return sets

    def _write_interactions(self, path: Path) -> tuple[int, int]:
        post_topics = self._post_topics()  # first: posts can add topic sets
        topic_names = [""] * len(self._topic_sets)
        for topics, index in self._topic_sets.items():
            topic_names[index] = ";".join(topics)
        # Cells as numpy strings, indexed by account, type and topic set (the last entry of
        # the topic columns is "no topics": index -1). "" is the empty string, not missing.
        text = StringDType()
        accounts = np.array([_quote(k) for k in self._account_index], dtype=text)
        types = np.array(INTERACTION_TYPES, dtype=text)
        tks = np.array([_quote(n.replace(";", "|")) for n in topic_names] + ['""'], dtype=text)
        topic_cells = np.array([_quote(n) for n in topic_names] + [""], dtype=text)
        events, groups = 0, 0
        with path.open("w", encoding="utf-8") as fh:
            fh.write(":START_ID(Account),:END_ID(Account),:TYPE,tk,topics:string[],ev:long[],"
                     "vals:double[]\n")
            for i in range(PARTITIONS):
                spill = self.folder / f"events-{i}.bin"
                data = np.fromfile(spill, dtype=EVENT)
                spill.unlink()
                if not len(data):
                    continue
                inherits = (data["topics"] < 0) & (data["post"] >= 0)
                data["topics"][inherits] = post_topics[data["post"][inherits]]
                data, starts, ends = _grouped(data)
                fh.write("".join(_lines(data, starts, ends, accounts=accounts, types=types,
                                        tks=tks, topic_cells=topic_cells).tolist()))
                events += len(data)
                groups += len(starts)
        return events, groups


def _grouped(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events sorted by group (actor, target, kind, topics) and word, a word given twice in a
    group kept once; with the start and end of each group."""
    data = data[np.lexsort((data["word"], data["topics"], data["kind"], data["b"], data["a"]))]
    key = np.stack([data["a"], data["b"], data["kind"], data["topics"]], axis=1)
    same_group = np.all(key[1:] == key[:-1], axis=1)
    fresh = np.ones(len(data), dtype=bool)
    fresh[1:] = ~(same_group & (data["word"][1:] == data["word"][:-1]))
    data, key = data[fresh], key[fresh]
    starts = np.flatnonzero(np.concatenate([[True], np.any(key[1:] != key[:-1], axis=1)]))
    return data, starts, np.append(starts[1:], len(data))


def _lines(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, accounts: np.ndarray,
           types: np.ndarray, tks: np.ndarray, topic_cells: np.ndarray) -> np.ndarray:
    """One CSV line per group, built column by column with numpy's string functions (a group
    of several events, or with values, has its lists joined in Python: the rare case)."""
    first = data[starts]
    words = data["word"].astype(StringDType())
    ev = words[starts]
    vals = np.full(len(starts), "", dtype=StringDType())
    valued = ~np.isnan(data["value"])
    several = np.flatnonzero((ends - starts > 1) | np.add.reduceat(valued, starts).astype(bool))
    values = data["value"]
    for g in several.tolist():
        start, end = int(starts[g]), int(ends[g])
        ev[g] = ";".join(words[start:end].tolist())
        if valued[start:end].any():
            vals[g] = ";".join("NaN" if math.isnan(v) else repr(v)
                               for v in values[start:end].tolist())
    line = accounts[first["a"]]
    for cell in (accounts[first["b"]], types[first["kind"]], tks[first["topics"]],
                 topic_cells[first["topics"]], ev, vals):
        line = np.strings.add(np.strings.add(line, ","), cell)
    return np.strings.add(line, "\n")


def _quote(text: str) -> str:
    """A CSV cell holding ``text`` (an empty string stays an empty string: ``""``)."""
    return '"' + text.replace('"', '""') + '"'


def _write(path: Path, header: list[str], rows: Any) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in rows:
            out.writerow(row)
            count += 1
    return count


def relationship_of(kind: str) -> str:
    """The relationship type of an interaction kind (re-exported for the import's callers)."""
    return relationship_type(kind)
