"""Keyword topics in a real load: posts without tags get topics from their text, interactions
on them inherit those topics, the text itself is never stored, and a saved vocabulary gives
the same topics on a reload.

The input is derived (in a temporary folder) from the real Stack Exchange dump: its
questions and answers with their text but with the tags removed, so the keyword topics can
be compared with the tags people chose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from influence.domain import event_word
from influence.loaders.base import Parsed
from influence.loaders.keywords import singular
from influence.loaders.records import AccountRecord, InteractionRecord, PostRecord
from influence.loaders.stackexchange import StackExchangeAdapter
from influence.settings import Settings
from influence.store import Query, Row, Store
from tests.conftest import SE_DUMP
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NETWORK = "se-untagged"
POST_TOPICS = Query("test_keyword_post_topics", """
    MATCH (p:Post {network: $network})
    RETURN p.id AS id, p.kind AS kind, p.topics AS topics,
           COLLECT { UNWIND keys(p) AS k RETURN k ORDER BY k } AS properties,
           COUNT { (p)-[:TAGGED]->(:Topic) } AS tagged
    ORDER BY id""")
INTERACTION_TOPICS = Query("test_keyword_interaction_topics", """
    MATCH (:Account {network: $network})-[r]->(:Account) UNWIND r.ev AS word
    RETURN word, coalesce(r.topics, []) AS topics ORDER BY word""")


def _post_topics_of_interactions(path: Path, posts: list[Row]) -> dict[int, list[str]]:
    """Each source interaction's event word -> the topics of the post it was made on."""
    topics_of = {p["id"]: sorted(p["topics"] or []) for p in posts}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["type"] == "interaction":
            word = event_word(record["at"], f"{record['network']}:{record['id']}")
            out[word] = topics_of.get(record["post"], [])
    return out


@pytest.fixture(scope="module")
def untagged_se(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """Canonical JSONL of the dump's questions, answers and answer interactions, tags
    removed; and each question's real tags (singular forms)."""
    folder = tmp_path_factory.mktemp("untagged")
    path = folder / "se-untagged.jsonl"
    tags: dict[str, set[str]] = {}
    with path.open("w", encoding="utf-8") as out:
        for item in StackExchangeAdapter(SE_DUMP, network=NETWORK):
            if not isinstance(item, Parsed):
                continue
            for record in item.records:
                if isinstance(record, PostRecord) and record.kind in ("question", "answer"):
                    if record.kind == "question":
                        tags[record.id] = {singular(t) for t in record.topics}
                    record = record.model_copy(update={"topics": ()})  # noqa: PLW2901
                elif isinstance(record, InteractionRecord) and record.kind == "answer":
                    record = record.model_copy(update={"topics": ()})  # noqa: PLW2901
                elif not isinstance(record, AccountRecord):
                    continue
                out.write(json.dumps(record.model_dump(mode="json", exclude_none=True)) + "\n")
    return path, tags


def _load(settings: Settings, folder: Path, *args: str) -> str:
    env = {**os.environ, "INFLUENCE_QUARANTINE_DIR": str(folder / "quarantine")}
    if settings.uses_local_server:  # the CLI finds the test server as its own local server
        env.pop("INFLUENCE_NEO4J_URI", None)
        env |= {"INFLUENCE_DB_PORT": str(settings.db_port),
                "INFLUENCE_DATA_DIR": str(settings.data_dir),
                "INFLUENCE_HEAP_SIZE": settings.heap_size,
                "INFLUENCE_PAGECACHE_SIZE": settings.pagecache_size}
    else:
        env["INFLUENCE_NEO4J_URI"] = settings.bolt_uri
    if settings.neo4j_password is not None:
        env["INFLUENCE_NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    done = subprocess.run([sys.executable, "-c", "from influence.cli import main; main()",
                           "load", "events", *args, "--no-progress"], env=env, cwd=REPO,
                          text=True, capture_output=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_untagged_posts_get_keyword_topics_and_interactions_inherit_them(
        store: Store, settings: Settings, untagged_se: tuple[Path, dict[str, set[str]]],
        tmp_path: Path) -> None:
    path, tags = untagged_se
    vocabulary = tmp_path / "vocabulary.json"
    wipe(store)
    output = _load(settings, tmp_path, str(path), "--keyword-vocabulary", str(vocabulary))
    assert "keyword topics for" in output, output
    assert "saved" in output, output
    assert vocabulary.exists()

    posts = store.read(POST_TOPICS, network=NETWORK)
    assert len(posts) > 1000
    assert all("text" not in p["properties"] for p in posts)  # text is read, never stored
    with_topics = [p for p in posts if p["topics"]]
    assert len(with_topics) / len(posts) > 0.9
    assert all(p["tagged"] == len(p["topics"]) and len(p["topics"]) <= 3 for p in posts)

    # Keyword topics agree with the tags the askers chose on a fair share of questions.
    questions = [p for p in posts if p["kind"] == "question"]
    hits = sum(bool(set(p["topics"]) & tags[p["id"]]) for p in questions)
    assert hits / len(questions) > 0.25, (hits, len(questions))

    interactions = store.read(INTERACTION_TOPICS, network=NETWORK)
    assert len(interactions) > 500
    expected = _post_topics_of_interactions(path, posts)
    assert {r["word"]: r["topics"] for r in interactions} == expected
    assert sum(bool(r["topics"]) for r in interactions) / len(interactions) > 0.9

    # Reloading with the saved vocabulary gives the very same topics (and no refit).
    again = _load(settings, tmp_path, str(path), "--keyword-vocabulary", str(vocabulary))
    assert "reused" in again, again
    assert store.read(POST_TOPICS, network=NETWORK) == posts
    assert store.read(INTERACTION_TOPICS, network=NETWORK) == interactions


def test_no_keyword_topics_leaves_untagged_posts_without_topics(
        store: Store, settings: Settings, untagged_se: tuple[Path, dict[str, set[str]]],
        tmp_path: Path) -> None:
    path, _ = untagged_se
    wipe(store)
    _load(settings, tmp_path, str(path), "--no-keyword-topics")
    posts = store.read(POST_TOPICS, network=NETWORK)
    assert posts
    assert not any(p["topics"] for p in posts)
    assert not any(r["topics"] for r in store.read(INTERACTION_TOPICS, network=NETWORK))


def test_import_gives_the_same_keyword_topics_as_the_incremental_path(
        store: Store, settings: Settings, untagged_se: tuple[Path, dict[str, set[str]]],
        tmp_path: Path) -> None:
    if not settings.uses_local_server:
        pytest.skip("the first-load import is for the project's own local server")
    path, _ = untagged_se
    wipe(store)
    _load(settings, tmp_path, str(path), "--no-bulk")
    posts = store.read(POST_TOPICS, network=NETWORK)
    interactions = store.read(INTERACTION_TOPICS, network=NETWORK)
    wipe(store)
    store.auto_commit(Query("test_keyword_wipe_schema", "MATCH (m:SchemaMigration) DELETE m"))
    output = _load(settings, tmp_path, str(path), "--bulk")
    assert "neo4j-admin database import" in output, output
    assert store.read(POST_TOPICS, network=NETWORK) == posts
    assert store.read(INTERACTION_TOPICS, network=NETWORK) == interactions
    assert sum(bool(r["topics"]) for r in interactions) / len(interactions) > 0.9
