"""Loading on the real server: identity linking feeds scoring, reloads are idempotent, broken
input is accounted for, and a loader killed with SIGKILL resumes without loss or duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from influence.engine.scoring import compute_scores
from influence.loaders import queries as lq
from influence.loaders.canonical import CanonicalAdapter
from influence.loaders.quarantine import Quarantine, Tally
from influence.loaders.writer import Writer, load
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data"
REPO = Path(__file__).resolve().parents[2]
ACCOUNTS_OF = Query("test_accounts_of", """
    MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS person, collect(a.key) AS accounts, p.consent AS consent, p.score AS score
    ORDER BY person""")
OWNERS = Query("test_owners", """
    MATCH (a:Account) OPTIONAL MATCH (p:Person)-[:HAS_ACCOUNT]->(a)
    RETURN a.key AS account, count(p) AS owners""")
ALL_COUNTS = Query("test_all_counts", """
    CALL () { MATCH (n) RETURN count(n) AS nodes }
    CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
    RETURN nodes, rels""")
ENGAGED = Query("test_engaged", """
    MATCH (:Account)-[r]->(:Account) UNWIND r.ev AS e
    RETURN count(e) AS n, count(DISTINCT [elementId(r), e]) AS distinct_ids""")
CHECKPOINT = Query("test_checkpoint", "MATCH (c:LoadCheckpoint) RETURN c.position AS position")


def _load(store: Store, paths: list[Path], qdir: Path) -> Tally:
    return load(CanonicalAdapter(paths), Writer(store, batch_size=500), Quarantine(qdir, "t"))


def _people(store: Store) -> dict[str, dict[str, object]]:
    return {r["person"]: r for r in store.read(ACCOUNTS_OF)}


def test_one_person_several_networks_is_scored_as_one(store: Store, settings: Settings,
                                                       tmp_path: Path) -> None:
    wipe(store)
    tally = _load(store, [DATA / "canonical"], tmp_path)
    assert (tally.read, tally.loaded, tally.quarantined) == (23, 23, 0)
    people = _people(store)
    assert sorted(people["p-ana"]["accounts"]) == [  # type: ignore[call-overload]
        "bluesky:did:plc:ana4x7q2", "mastodon:ana@mastodon.social"]
    assert sorted(people["p-cy"]["accounts"]) == [  # type: ignore[call-overload]
        "bluesky:did:plc:cy5t8w3", "mastodon:cy@hachyderm.io"]
    assert people["p-ana"]["consent"] == "opted_in"
    assert all(r["owners"] == 1 for r in store.read(OWNERS))
    run = compute_scores(store, settings.model, asof=1714780800)  # 2024-05-04
    assert run.people_in_graph == 3  # ana, bo, cy: six accounts, three people
    # bo->ana (mastodon reply + bluesky like) is one pair of people, as are cy->ana (share +
    # follow), ana->bo, cy->bo and ana->cy: engagement is aggregated per person, not account
    assert run.engagement_pairs == 5
    scored = _people(store)
    assert all(p["score"] is not None for p in scored.values())


def test_a_later_mapping_moves_accounts_onto_one_person(store: Store, tmp_path: Path) -> None:
    wipe(store)
    _load(store, [DATA / "canonical" / "events.jsonl"], tmp_path)
    before = _people(store)
    assert "bluesky:did:plc:cy5t8w3" in before  # a person made up for the lone account
    adapter = CanonicalAdapter([DATA / "canonical" / "identities.csv"])
    load(adapter, Writer(store), Quarantine(tmp_path, "ids"))
    after = _people(store)
    assert "bluesky:did:plc:cy5t8w3" not in after
    assert "mastodon:cy@hachyderm.io" not in after
    assert sorted(after["p-cy"]["accounts"]) == [  # type: ignore[call-overload]
        "bluesky:did:plc:cy5t8w3", "mastodon:cy@hachyderm.io"]
    assert all(r["owners"] == 1 for r in store.read(OWNERS))


def test_loading_twice_gives_the_same_graph(store: Store, tmp_path: Path) -> None:
    wipe(store)
    first = _load(store, [DATA / "canonical", DATA / "broken"], tmp_path)
    counts = store.read(lq.GRAPH_COUNTS)[0], store.read(ALL_COUNTS)[0]
    second = _load(store, [DATA / "canonical", DATA / "broken"], tmp_path)
    assert (store.read(lq.GRAPH_COUNTS)[0], store.read(ALL_COUNTS)[0]) == counts
    assert first.as_dict() == second.as_dict()


def _cli(settings: Settings, tmp_path: Path, *args: str,
         local: bool = False) -> subprocess.Popen[str]:
    """``influence load ...`` in a process of its own; ``local``: the test server as the
    command's own local server (which it may stop and start), not as an external URI."""
    env = {**os.environ, "INFLUENCE_NEO4J_URI": settings.bolt_uri,
           "INFLUENCE_QUARANTINE_DIR": str(tmp_path / "quarantine"),
           "INFLUENCE_BATCH_SIZE": "1000"}
    if local:
        env.pop("INFLUENCE_NEO4J_URI")
        env |= {"INFLUENCE_DB_PORT": str(settings.db_port),
                "INFLUENCE_DATA_DIR": str(settings.data_dir),
                "INFLUENCE_HEAP_SIZE": settings.heap_size,
                "INFLUENCE_PAGECACHE_SIZE": settings.pagecache_size}
    if settings.neo4j_password is not None:
        env["INFLUENCE_NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    return subprocess.Popen([sys.executable, "-c", "from influence.cli import main; main()",
                             "load", *args,
                             "--no-progress"], env=env, cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_broken_corpus_accounting_and_strict_exit(store: Store, settings: Settings,
                                                  tmp_path: Path) -> None:
    wipe(store)
    lenient = _cli(settings, tmp_path, "events", str(DATA / "broken"))
    out, _ = lenient.communicate(timeout=120)
    assert lenient.returncode == 0, out
    assert "read 18 = loaded 4 + skipped 0 + quarantined 14" in out
    files = list((tmp_path / "quarantine").glob("events-*.jsonl"))
    entries = [json.loads(x) for f in files for x in f.read_text().splitlines()]
    assert len(entries) == 14
    assert all({"source", "line", "reason", "raw"} <= e.keys() for e in entries)
    assert store.read(ENGAGED)[0]["n"] == 4
    strict = _cli(settings, tmp_path, "events", str(DATA / "broken"), "--strict")
    out, _ = strict.communicate(timeout=120)
    assert strict.returncode not in (0, None), out
    assert "quarantined in strict mode" in out


def _events_file(path: Path, n: int) -> None:
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"type": "interaction", "network": "gen", "id": f"e{i}",
                                 "actor": f"a{i % 997}", "target": f"b{(i * 7 + 1) % 1009}",
                                 "kind": "reply", "at": 1_700_000_000 + i}) + "\n")


def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(
        store: Store, settings: Settings, tmp_path: Path) -> None:
    wipe(store)
    total = 20_000
    events = tmp_path / "events.jsonl"
    _events_file(events, total)
    proc = _cli(settings, tmp_path, "events", str(events))
    deadline = time.monotonic() + 600  # generous: the shared test machine can be very busy
    while time.monotonic() < deadline and proc.poll() is None:
        rows = store.read(CHECKPOINT)
        if rows and rows[0]["position"] >= 3_000:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the loader finished before it could be killed; use more rows"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    partial = store.read(ENGAGED)[0]["n"]
    checkpoints = store.read(CHECKPOINT)
    assert checkpoints, "no batch committed before the kill"
    position = checkpoints[0]["position"]
    assert 0 < partial < total
    assert position <= partial  # what the checkpoint claims is committed, is (one per item)

    rerun = _cli(settings, tmp_path, "events", str(events))
    out, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, out
    assert f"resumed after item {position}" in out
    assert f"read {total - position} = loaded {total - position}" in out
    done = store.read(ENGAGED)[0]
    assert done == {"n": total, "distinct_ids": total}
    assert store.read(CHECKPOINT) == []  # a completed run forgets its checkpoint


GRAPH = Query("test_whole_graph", """
    CALL () { MATCH (n) WHERE NOT n:SchemaMigration AND NOT n:LoadCheckpoint AND NOT n:Meta
              RETURN collect([labels(n), properties(n)]) AS nodes }
    CALL () { MATCH (a)-[r]->(b)
              RETURN collect([type(r), coalesce(a.key, a.id, a.name),
                              coalesce(b.key, b.id, b.name), properties(r)]) AS rels }
    RETURN nodes, rels""")


def _graph(store: Store) -> tuple[list[str], list[str]]:
    """The whole graph as sorted text (slots, assigned by each path in its own order, left
    out; event words sorted within their relationship)."""
    row = store.read(GRAPH)[0]
    nodes = sorted(json.dumps([labels, {k: v for k, v in props.items() if k != "slot"}],
                              sort_keys=True) for labels, props in row["nodes"])
    rels = sorted(json.dumps([kind, a, b, {k: sorted(v) if k == "ev" else v
                                           for k, v in props.items()}], sort_keys=True)
                  for kind, a, b, props in row["rels"])
    return nodes, rels


def test_first_load_import_builds_the_same_graph_as_transactions(
        store: Store, settings: Settings, tmp_path: Path) -> None:
    """neo4j-admin import of an empty database gives the graph the batched writes give, then
    a transactional reload of the same input changes nothing."""
    if not settings.uses_local_server:
        pytest.skip("the import path is for the project's own local server")
    corpus = [str(DATA / "canonical"), str(DATA / "broken")]
    wipe(store)
    incremental = _cli(settings, tmp_path, "events", *corpus, "--no-bulk", "--restart")
    out, _ = incremental.communicate(timeout=600)
    assert incremental.returncode == 0, out
    expected = _graph(store)
    wipe(store)
    store.auto_commit(Query("test_wipe_schema_records",
                            "MATCH (m:SchemaMigration) DELETE m"))  # a truly empty database
    imported = _cli(settings, tmp_path, "events", *corpus, "--bulk", local=True)
    out, _ = imported.communicate(timeout=900)
    assert imported.returncode == 0, out
    assert "neo4j-admin database import" in out
    assert "read 41 = loaded 27 + skipped 0 + quarantined 14" in out
    got = _graph(store)
    for part, mine, theirs in (("nodes", got[0], expected[0]), ("relationships", got[1],
                                                                 expected[1])):
        assert sorted(set(mine) - set(theirs)) == [], f"{part} only after the import"
        assert sorted(set(theirs) - set(mine)) == [], f"{part} only after transactions"
    assert got == expected
    again = _cli(settings, tmp_path, "events", *corpus, "--restart", local=True)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    assert "neo4j-admin" not in out  # not empty any more: transactional, and idempotent
    assert _graph(store) == expected
