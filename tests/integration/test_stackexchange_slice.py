"""The vertical slice on real data: Stack Exchange dump -> Neo4j -> GDS score -> GraphQL."""

from __future__ import annotations

import httpx
import pytest

from influence.api.app import create_app
from influence.engine.scoring import ScoreRun
from influence.loaders import queries as lq
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import load_se

pytestmark = pytest.mark.integration


def test_every_row_is_accounted_for(se_loaded: tuple[Tally, ScoreRun]) -> None:
    tally, _ = se_loaded
    assert tally.balanced
    # Users 3,948 + Posts 2,106 + Votes 10,798 + Comments 1,860 + PostHistory 5,093
    # + Tags 133 + Badges 5,571 + PostLinks 93 rows (MANIFEST.md)
    assert tally.read == 29_602
    assert tally.quarantine_reasons.keys() <= {"unknown post"}


def test_graph_matches_the_dump(se_loaded: tuple[Tally, ScoreRun], store: Store) -> None:
    counts = store.read(lq.GRAPH_COUNTS)[0]
    assert counts["accounts"] == 3_948
    assert counts["topics"] == 133
    answers = store.read(Query("answers", "MATCH ()-[r:ANSWER]->() "
                               "RETURN sum(size(r.ev)) AS n, count(r) AS groups"))[0]
    # MANIFEST: 1,389 answers with both ids, 21 of them self-answers; stored aggregated, one
    # relationship per (answerer, asker, topics): fewer relationships than answers.
    assert answers["n"] == 1_389 - 21
    assert answers["groups"] < answers["n"]


def test_reloading_gives_the_same_graph(se_loaded: tuple[Tally, ScoreRun], store: Store,
                                        tmp_path: object) -> None:
    before = store.read(lq.GRAPH_COUNTS)[0]
    rels = Query("rels", "MATCH ()-[r]->() RETURN count(r) AS n")
    rels_before = store.read(rels)[0]["n"]
    load_se(store, tmp_path)  # type: ignore[arg-type]
    assert store.read(lq.GRAPH_COUNTS)[0] == before
    assert store.read(rels)[0]["n"] == rels_before


def test_scores_are_written_on_the_1_to_100_scale(se_loaded: tuple[Tally, ScoreRun],
                                                  store: Store) -> None:
    _, run = se_loaded
    assert run.people_in_graph > 500
    row = store.read(Query("range", "MATCH (p:Person) RETURN min(p.score) AS lo, "
                           "max(p.score) AS hi, count(p.score) AS n, count(p) AS people"))[0]
    assert row["n"] == row["people"]
    assert row["lo"] == 1.0
    assert 1.0 < row["hi"] <= 100.0


async def _post(settings: Settings, store: Store, query: str) -> dict[str, object]:
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.anyio
async def test_graphql_leaderboard_returns_five_scored_people(
    se_loaded: tuple[Tally, ScoreRun], store: Store, settings: Settings
) -> None:
    open_policy = settings.model_copy(update={"publish_policy": "not_opted_out"})
    body = await _post(open_policy, store,
                       "{ leaderboard(first: 5) { edges { node { id score percentile "
                       "accounts { network } } } } }")
    board = [e["node"] for e in body["data"]["leaderboard"]["edges"]]  # type: ignore[index]
    assert len(board) == 5
    scores = [p["score"] for p in board]
    assert scores == sorted(scores, reverse=True)
    assert all(1 <= s <= 100 for s in scores)
    assert all(p["id"].startswith("stackexchange:") for p in board)


@pytest.mark.anyio
async def test_graphql_default_policy_hides_unconsented_scores(
    se_loaded: tuple[Tally, ScoreRun], store: Store, settings: Settings
) -> None:
    assert settings.publish_policy == "opted_in"
    body = await _post(settings, store, '{ leaderboard(first: 5) { edges { node { id } } } '
                       'person(id: "stackexchange:123") { id consent score percentile } }')
    assert body["data"]["leaderboard"]["edges"] == []  # type: ignore[index]
    assert body["data"]["person"] == {"id": "stackexchange:123", "consent": "UNKNOWN",  # type: ignore[index]
                                      "score": None, "percentile": None}


@pytest.mark.anyio
async def test_graphql_topic_leaderboard_and_errors(
    se_loaded: tuple[Tally, ScoreRun], store: Store, settings: Settings
) -> None:
    open_policy = settings.model_copy(update={"publish_policy": "not_opted_out"})
    body = await _post(open_policy, store,
                       '{ leaderboard(first: 3, topic: "brewing") { edges { node { id } } } }')
    assert len(body["data"]["leaderboard"]["edges"]) == 3  # type: ignore[index]
    missing = await _post(open_policy, store, '{ person(id: "nobody") { id } }')
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # type: ignore[index]
    too_big = await _post(open_policy, store, "{ leaderboard(first: 101) { totalCount } }")
    assert too_big["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"  # type: ignore[index]
