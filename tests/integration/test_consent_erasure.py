"""Erasure on the real Stack Exchange dump: zero traces, blocked re-ingest, audited by hash."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from influence.engine.privacy import audit, consent, erasure, export, tombstones
from influence.engine.scoring import compute_scores
from influence.loaders import screening
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import SE_ASOF, load_se, wipe

pytestmark = pytest.mark.integration

ALL_NODES = Query("test_all_nodes",
                  "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS p")
ALL_RELATIONSHIPS = Query(
    "test_all_relationships",
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, properties(r) AS p, "
    "properties(a) AS a, properties(b) AS b")
# The person with the most posts that others replied to, who also engaged and was engaged with.
SUBJECT = Query(
    "test_erasure_subject",
    """
    MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)-[:POSTED]->(:Post)<-[:IN_REPLY_TO]-(:Post)
          <-[:POSTED]-(b:Account) WHERE b <> a
      AND EXISTS { (a)-[]->(:Account) } AND EXISTS { (a)<-[]-(:Account) }
    RETURN p.id AS id, count(*) AS replies ORDER BY replies DESC, id LIMIT 1
    """,
)
TRACE_KEYS = Query(
    "test_erasure_keys",
    """
    MATCH (p:Person {id: $id})-[:HAS_ACCOUNT]->(a:Account)
    OPTIONAL MATCH (a)-[:POSTED]->(post:Post)
    RETURN collect(DISTINCT a.key) AS accounts, collect(DISTINCT [a.network, a.id]) AS pairs,
           collect(DISTINCT post.key) AS posts, collect(DISTINCT post.id) AS post_ids
    """,
)
OTHERS = Query(
    "test_erasure_others",
    """
    CALL () { MATCH (a:Account) WHERE NOT a.key IN $keys RETURN collect(a.key) AS accounts }
    CALL () {
        MATCH (a:Account)-[r]->(b:Account) WHERE NOT a.key IN $keys AND NOT b.key IN $keys
        UNWIND r.ev AS e
        RETURN collect(type(r) + ' ' + toString(e) + ' ' + a.key + ' ' + b.key) AS engaged
    }
    CALL () { MATCH (p:Person) WHERE p.id <> $id RETURN collect(p.id) AS people }
    RETURN accounts, engaged, people
    """,
)
PERSON_COUNT = Query("test_person_count", "MATCH (p:Person) RETURN count(p) AS n")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def scan(store: Store, tokens: set[str], pairs: set[tuple[str, str]],
         posts: set[str], post_pairs: set[tuple[str, str]]) -> list[str]:
    """Every node, relationship and property (list elements too) that names an erased thing.

    A person or account token matches as a whole word (``stackexchange:7`` does not match
    ``stackexchange:70``) anywhere except in post identities and post references, because post
    keys share the ``network:id`` namespace (post 80 and account 80 are both
    ``stackexchange:80``); those are checked against the erased post keys instead. An Account
    or Post node also matches by its (network, id) pair.
    """
    pattern = re.compile("|".join(rf"(?<![\w:]){re.escape(t)}(?![\w])"
                                  for t in sorted(tokens, key=len, reverse=True)))
    found = []
    for row in store.read(ALL_NODES):
        props, is_post = row["p"], "Post" in row["labels"]
        pair = (props.get("network"), props.get("id"))
        if "Account" in row["labels"] and pair in pairs:
            found.append(f"account node {pair}")
        if is_post and (pair in post_pairs or props.get("key") in posts):
            found.append(f"post node {pair}")
        found += [f"{row['labels']}.{key}={value!r}" for key, value in props.items()
                  if not (is_post and key in ("key", "id", "parent"))
                  for text in _strings(value) if pattern.search(text)]
    for row in store.read(ALL_RELATIONSHIPS):
        found += [f"[:{row['type']}].{key}={value!r}" for key, value in row["p"].items()
                  if key != "post" for text in _strings(value) if pattern.search(text)]
        if row["p"].get("post") in posts:
            found.append(f"[:{row['type']}].post={row['p']['post']!r}")
    return found


@pytest.fixture(scope="module")
def erased(store: Store, settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Load and score the dump, exercise consent on one real person, then erase them."""
    wipe(store)
    load_se(store, tmp_path_factory.mktemp("q1"))
    compute_scores(store, settings.model, asof=SE_ASOF)
    person_id = store.read(SUBJECT)[0]["id"]
    keys = store.read(TRACE_KEYS, id=person_id)[0]
    consent.set_consent(store, person_id, "opted_in", "web-form", "test-operator",
                        settings=settings)
    consent.object_to_profiling(store, person_id, "test-operator", settings=settings)
    exported = export.export_person(store, person_id, "test-operator", settings=settings)
    people_before = store.read(PERSON_COUNT)[0]["n"]
    others_before = store.read(OTHERS, keys=keys["accounts"], id=person_id)[0]
    report = erasure.erase(store, person_id, "test-operator", settings=settings)
    network = keys["pairs"][0][0]
    others_after = store.read(OTHERS, keys=keys["accounts"], id=person_id)[0]
    return {
        "others": (others_before, others_after), "id": person_id, "report": report,
        "export": exported, "people_before": people_before,
        "tokens": {person_id, *keys["accounts"]}, "posts": set(keys["posts"]),
        "pairs": {tuple(p) for p in keys["pairs"]},
        "post_pairs": {(network, i) for i in keys["post_ids"]},
    }


def _scan(store: Store, erased: dict[str, Any]) -> list[str]:
    return scan(store, erased["tokens"], erased["pairs"], erased["posts"], erased["post_pairs"])


def test_subject_is_a_real_active_person(erased: dict[str, Any]) -> None:
    report = erased["report"]
    assert report.accounts >= 1
    assert report.posts >= 5
    assert report.interactions >= 5
    assert len(erased["export"]["posts"]) == report.posts


def test_scan_finds_the_person_before_erasure_would_run(store: Store,
                                                        erased: dict[str, Any]) -> None:
    # The scanner is not blind: the export still names the person, and a node naming them
    # is found.
    probe = Query("test_probe", "CREATE (:Probe {note: $note, refs: $refs})")
    store.write(probe, note="x", refs=["unrelated", sorted(erased["tokens"])[0]])
    try:
        assert len(_scan(store, erased)) == 1
    finally:
        store.write(Query("test_probe_drop", "MATCH (n:Probe) DELETE n"))


def test_erasure_leaves_zero_traces(store: Store, erased: dict[str, Any]) -> None:
    assert erased["report"].residual == ()
    assert _scan(store, erased) == []
    assert store.read(PERSON_COUNT)[0]["n"] == erased["people_before"] - 1


def test_erasure_leaves_everyone_else_intact(erased: dict[str, Any]) -> None:
    before, after = erased["others"]
    assert {k: sorted(v) for k, v in after.items()} == {k: sorted(v) for k, v in before.items()}
    assert len(before["engaged"]) > 3_000  # 3,609 interactions among the others


def test_audit_log_keeps_only_a_hash(store: Store, settings: Settings,
                                     erased: dict[str, Any]) -> None:
    events = audit.audit_log(store, person_id=erased["id"], settings=settings)
    assert [e.action for e in events] == ["erase", "export", "objection", "consent"]
    assert {e.subject for e in events} == {erased["report"].person_hash}
    assert all(e.actor == "test-operator" for e in events)
    # covered by the whole-graph scan too: AuditEvent nodes are scanned like any other


def test_reingest_is_blocked(store: Store, settings: Settings, erased: dict[str, Any],
                             tmp_path: Path) -> None:
    tally: Tally = load_se(store, tmp_path)
    assert tally.balanced
    assert tally.skipped_reasons[screening.ERASED_REASON] >= erased["report"].posts
    assert _scan(store, erased) == []
    assert store.read(PERSON_COUNT)[0]["n"] == erased["people_before"] - 1
    compute_scores(store, settings.model, asof=SE_ASOF)
    assert _scan(store, erased) == []


def test_erasing_twice_is_idempotent(store: Store, settings: Settings,
                                     erased: dict[str, Any]) -> None:
    again = erasure.erase(store, erased["id"], "test-operator", settings=settings)
    assert again.already_erased


def test_opting_out_erases(store: Store, settings: Settings) -> None:
    row = store.read(Query("test_small_person",
                           "MATCH (p:Person)-[:HAS_ACCOUNT]->(a)-[]-(:Account) "
                           "RETURN p.id AS id ORDER BY id LIMIT 1"))[0]
    change = consent.set_consent(store, row["id"], "opted_out", "email", "test-operator",
                                 settings=settings)
    assert change.erasure is not None
    assert change.erasure.residual == ()
    keys = {row["id"]}
    assert scan(store, keys, set(), set(), set()) == []
    network, account = row["id"].split(":", 1)
    assert tombstones.is_tombstoned(store, network, account, settings=settings)
