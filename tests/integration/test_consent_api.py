"""The GraphQL consent mutations and audit log: tokens required, effects real, audit by hash."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from influence.api.app import create_app
from influence.engine.privacy import tokens, tombstones
from influence.engine.scoring import compute_scores
from influence.loaders.records import AccountRecord, InteractionKind, InteractionRecord
from influence.loaders.writer import Writer
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

OPERATOR = "operator-token-for-tests"
PERSON = Query("test_api_person", "MATCH (p:Person {id: $id}) RETURN properties(p) AS p")


@pytest.fixture(scope="module")
def api_settings(store: Store, settings: Settings) -> Settings:
    wipe(store)
    writer = Writer(store)
    for ident in ("1", "2", "3"):
        writer.add(AccountRecord(network="t", id=ident))
    for i, (actor, target) in enumerate([("2", "1"), ("3", "1"), ("1", "2")]):
        writer.add(InteractionRecord(network="t", id=str(i), actor=actor, target=target,
                                     kind=InteractionKind.REPLY, at=1_000_000 + i))
    writer.flush()
    store.auto_commit(Query("test_api_link", "MATCH (a:Account) MERGE (p:Person {id: a.key}) "
                            "ON CREATE SET p.consent = 'unknown' MERGE (p)-[:HAS_ACCOUNT]->(a)"))
    compute_scores(store, settings.model, asof=1_000_100)
    return Settings.model_validate({**settings.model_dump(), "operator_tokens": [OPERATOR],
                                    "consent_token_secret": "server-secret"})


async def _post(settings: Settings, store: Store, query: str,
                token: str | None = None) -> dict[str, Any]:
    app = create_app(settings, store=store)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.mark.anyio
async def test_mutations_need_a_token(api_settings: Settings, store: Store) -> None:
    body = await _post(api_settings, store, 'mutation { setConsent(personId: "t:1", '
                       'state: OPTED_IN, source: "web") { state } }')
    assert _codes(body) == ["UNAUTHENTICATED"]
    assert store.read(PERSON, id="t:1")[0]["p"]["consent"] == "unknown"
    body = await _post(api_settings, store, "{ auditLog { action } }")
    assert _codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.anyio
async def test_operator_sets_consent_and_reads_the_audit_log(api_settings: Settings,
                                                             store: Store) -> None:
    body = await _post(api_settings, store, 'mutation { setConsent(personId: "t:1", '
                       'state: OPTED_IN, source: "web") { state source erased } }', OPERATOR)
    assert body["data"]["setConsent"] == {"state": "OPTED_IN", "source": "web", "erased": False}
    person = store.read(PERSON, id="t:1")[0]["p"]
    assert (person["consent"], person["consent_source"]) == ("opted_in", "web")
    body = await _post(api_settings, store, '{ auditLog(personId: "t:1") '
                       "{ actor action subject detail } }", OPERATOR)
    event = body["data"]["auditLog"][0]
    assert event["actor"] == "operator#1"
    assert event["action"] == "consent"
    assert event["subject"] == tombstones.subject_hash(tombstones.salt(store, api_settings),
                                                    "person", "t:1")
    assert "t:1" not in json.dumps(body)


@pytest.mark.anyio
async def test_person_token_works_for_that_person_only(api_settings: Settings,
                                                       store: Store) -> None:
    token = tokens.person_token(api_settings, "t:2")
    other = await _post(api_settings, store, 'mutation { objectToProfiling(personId: "t:1", '
                        f'personToken: "{token}") }}')
    assert _codes(other) == ["UNAUTHENTICATED"]
    own = await _post(api_settings, store, 'mutation { objectToProfiling(personId: "t:2", '
                      f'personToken: "{token}") }}')
    assert own["data"] == {"objectToProfiling": True}
    assert store.read(PERSON, id="t:2")[0]["p"].get("score") is None
    exported = await _post(api_settings, store, 'mutation { exportPerson(personId: "t:2", '
                           f'personToken: "{token}") }}')
    data = exported["data"]["exportPerson"]
    assert data["person"]["profiling_objection"] is True
    assert {i["direction"] for i in data["interactions"]} == {"authored", "received"}


@pytest.mark.anyio
async def test_erase_through_the_api(api_settings: Settings, store: Store) -> None:
    body = await _post(api_settings, store, 'mutation { erasePerson(personId: "t:3") '
                       "{ accounts interactions verifiedClean alreadyErased } }", OPERATOR)
    assert body["data"]["erasePerson"] == {"accounts": 1, "interactions": 1,
                                           "verifiedClean": True, "alreadyErased": False}
    assert store.read(PERSON, id="t:3") == []
    assert tombstones.is_tombstoned(store, "t", "3", settings=api_settings)
