"""Under the default policy ('opted_in'), unknown consent never shows a score, a name, a handle
or a profile link on any read path.

Real Stack Exchange data, scored; five top people opted in, everyone else left 'unknown'.
Each path (GraphQL fields, notebook client, engine reads) is checked by walking its whole
answer: wherever a person with unpublished consent appears, every score and name next to them
is null, other people's explanations name only published people, and a hidden person's name
finds nobody.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from influence.api.app import create_app
from influence.engine import explain, graph_reads, reads, topics
from influence.engine.communities import compute_people_communities
from influence.engine.privacy import consent, export
from influence.engine.scoring import compute_scores
from influence.engine.topics import compute_topic_scores
from influence.errors import ConsentDeniedError
from influence.settings import Settings
from influence.store import Query, Store
from tests.integration.conftest import SE_ASOF, load_se, wipe

pytestmark = pytest.mark.integration

TOP = Query(
    "test_privacy_top",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL
      AND EXISTS { (p)-[:HAS_ACCOUNT]->()<-[]-(:Account) }
    RETURN p.id AS id ORDER BY p.score DESC, p.id LIMIT 6
    """,
)
BUSY_TOPIC = Query(
    "test_privacy_topic",
    "MATCH (t:Topic)<-[:TAGGED]-(:Post) RETURN t.name AS name, count(*) AS n "
    "ORDER BY n DESC LIMIT 1",
)
CONSENT_OF = Query("test_privacy_consent", "MATCH (p:Person) RETURN p.id AS id, p.consent AS c")


@pytest.fixture(scope="module")
def world(store: Store, settings: Settings,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    wipe(store)
    load_se(store, tmp_path_factory.mktemp("q"))
    compute_scores(store, settings.model, asof=SE_ASOF)
    compute_topic_scores(store, settings.model, asof=SE_ASOF)
    compute_people_communities(store, settings.model, asof=SE_ASOF)
    top = [r["id"] for r in store.read(TOP)]
    for person_id in top[:5]:
        consent.set_consent(store, person_id, "opted_in", "test", "test", settings=settings)
    consent_of = {r["id"]: r["c"] for r in store.read(CONSENT_OF)}
    assert settings.publish_policy == "opted_in"
    return {"opted_in": top[:5], "unknown": top[5], "topic": store.read(BUSY_TOPIC)[0]["name"],
            "consent_of": consent_of}


SHOWN_IF_PUBLISHED = ("score", "percentile", "confidence", "handle", "displayName", "url")
"""Fields of a person or of their accounts that only a published person shows (and ``name`` of
a person: topics have names too)."""


def _walk(value: Any, published: bool | None = None) -> Iterator[tuple[bool | None, str, Any]]:
    """(is the owning person published, key, value) for every score-like or name field."""
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, published)
    elif isinstance(value, dict):
        owner = published
        if "consent" in value:
            owner = str(value["consent"]).lower() == "opted_in"  # GraphQL says OPTED_IN
        elif isinstance(value.get("person"), dict) and "consent" in value["person"]:
            owner = str(value["person"]["consent"]).lower() == "opted_in"
        for key, item in value.items():
            if key in SHOWN_IF_PUBLISHED or (key == "name" and "consent" in value):
                yield owner, key, item
            else:
                yield from _walk(item, owner)


def assert_no_leak(answer: Any) -> int:
    """Every score and name beside an unpublished person is null; returns how many were
    seen."""
    seen = 0
    for published, key, value in _walk(answer):
        if value is not None:
            assert published is not False, f"{key}={value} shown for an unpublished person"
            seen += 1
    return seen


async def _graphql(settings: Settings, store: Store, query: str) -> dict[str, Any]:
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/graphql", json={"query": query})
    body: dict[str, Any] = response.json()
    return body


PERSON = "id name consent score percentile accounts { id handle displayName url }"
API_PATHS = {
    "person": '{{ person(id: "{unknown}") {{ {p} '
              "topics(first: 20) {{ name score percentile }} }} }}",
    "neighbours_of_published": '{{ person(id: "{published}") {{ {p} neighbours(first: 50) '
                               '{{ person {{ {p} }} }} }} }}',
    "neighbours_of_unknown": '{{ person(id: "{unknown}") {{ {p} neighbours(first: 50) '
                             '{{ person {{ {p} topics {{ score }} }} }} }} }}',
    "leaderboard": "{{ leaderboard(first: 100) {{ edges {{ node {{ {p} }} }} }} }}",
    "topic_leaderboard": '{{ leaderboard(first: 100, topic: "{topic}") '
                         "{{ edges {{ node {{ {p} }} }} }} }}",
    "topic_scores": '{{ topic(name: "{topic}") {{ leaderboard(first: 100) '
                    "{{ score percentile person {{ {p} }} }} }} }}",
    "search": '{{ people(search: "stackexchange:1", first: 100) '
              "{{ edges {{ node {{ {p} }} }} }} }}",
    "communities": "{{ communities(kind: PEOPLE, first: 20) "
                   "{{ edges {{ node {{ people {{ {p} }} }} }} }} }}",
}


@pytest.mark.anyio
@pytest.mark.parametrize("path", sorted(API_PATHS))
async def test_graphql_path_hides_unknown_consent(path: str, world: dict[str, Any],
                                                  store: Store, settings: Settings) -> None:
    query = API_PATHS[path].format(p=PERSON, unknown=world["unknown"],
                                   published=world["opted_in"][0], topic=world["topic"])
    body = await _graphql(settings, store, query)
    errors = body.get("errors") or []
    assert not errors, errors
    assert_no_leak(body["data"])
    text = str(body["data"])
    if path in ("leaderboard", "topic_leaderboard", "topic_scores"):
        # only published people are listed at all, and some are
        listed = list(_ids(body["data"]))
        assert listed, f"{path} listed nobody"
        assert all(world["consent_of"][i] == "opted_in" for i in listed)
        if path == "leaderboard":
            assert world["opted_in"][0] in text


DISPLAY_NAME = Query(
    "test_privacy_display_name",
    "MATCH (:Person {id: $id})-[:HAS_ACCOUNT]->(a:Account) RETURN a.display_name AS name")


@pytest.mark.anyio
async def test_a_hidden_persons_name_finds_nobody(world: dict[str, Any], store: Store,
                                                  settings: Settings) -> None:
    search = "{{ people(search: {text}, first: 100) {{ edges {{ node {{ {p} }} }} }} }}"

    async def found(name: str, policy: Settings) -> list[str]:
        body = await _graphql(policy, store, search.format(text=json.dumps(name), p=PERSON))
        assert not body.get("errors"), body.get("errors")
        if policy is settings:
            assert_no_leak(body["data"])
        return list(_ids(body["data"]))

    hidden = store.read(DISPLAY_NAME, id=world["unknown"])[0]["name"]
    shown_id = world["opted_in"][0]
    shown = store.read(DISPLAY_NAME, id=shown_id)[0]["name"]
    assert hidden, "the dump's users have display names"
    assert shown
    assert world["unknown"] not in await found(hidden, settings)
    assert shown_id in await found(shown, settings)  # a published person is found by name
    # the same search under the open policy finds the person: the check above can fail
    open_policy = settings.model_copy(update={"publish_policy": "not_opted_out"})
    assert world["unknown"] in await found(hidden, open_policy)
    # an id is not a name: it finds the person, without name, handle or score
    by_id = await _graphql(settings, store, search.format(text=json.dumps(world["unknown"]),
                                                          p=PERSON))
    assert list(_ids(by_id["data"])) == [world["unknown"]]
    assert_no_leak(by_id["data"])


@pytest.mark.anyio
async def test_graphql_explanation_names_only_published_engagers(
        world: dict[str, Any], store: Store, settings: Settings) -> None:
    # Explanations of others: an engager without consent appears only inside an anonymous pool.
    named: set[str] = set()
    pooled = 0
    for person_id in world["opted_in"]:
        body = await _graphql(settings, store, f'{{ person(id: "{person_id}") '
                              "{ explanation(first: 100) { score topPeople "
                              "{ personId anonymous share contribution } } } }")
        assert not body.get("errors"), body.get("errors")
        explanation = body["data"]["person"]["explanation"]
        parts = explanation["topPeople"]
        assert sum(p["contribution"] for p in parts) == pytest.approx(explanation["score"],
                                                                      abs=0.05)
        for part in parts:
            if part["personId"] is None:
                pooled += part["anonymous"]
            else:
                named.add(part["personId"])
    assert pooled > 0, "the top people of the slice are engaged by people without consent"
    assert all(world["consent_of"][i] == "opted_in" for i in named)
    body = await _graphql(settings, store, f'{{ person(id: "{world["unknown"]}") '
                          "{ explanation { score } } }")
    assert body["errors"][0]["extensions"]["code"] == "CONSENT_DENIED"


def _ids(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _ids(item)
    elif isinstance(value, dict):
        if "id" in value and "consent" in value:
            yield value["id"]
        for item in value.values():
            yield from _ids(item)


@pytest.mark.anyio
async def test_walker_catches_a_leak(world: dict[str, Any], store: Store,
                                     settings: Settings) -> None:
    # The same query under the open policy shows the unknown person's score: the check bites.
    open_policy = settings.model_copy(update={"publish_policy": "not_opted_out"})
    body = await _graphql(open_policy, store, API_PATHS["person"].format(
        p=PERSON, unknown=world["unknown"], published="", topic=""))
    with pytest.raises(AssertionError):
        assert_no_leak(body["data"])


def test_engine_reads_hide_unknown_consent(world: dict[str, Any], store: Store) -> None:
    assert reads.get_person(store, world["unknown"], "opted_in").score is None
    assert reads.get_person(store, world["opted_in"][0], "opted_in").score is not None
    board = graph_reads.leaderboard_page(store, 100, 0, policy="opted_in")
    assert {p.id for p in board} == set(world["opted_in"])


def test_notebook_client_hides_unknown_consent(world: dict[str, Any], store: Store,
                                               settings: Settings) -> None:
    from influence.client import Client

    client = Client(settings, store=store, progress=False)
    frame = client.scores(limit=100)
    assert set(frame["person_id"]) == set(world["opted_in"])
    assert frame["name"].notna().all()  # the published are shown by name
    hidden = client.person(world["unknown"])
    assert hidden["score"] is None
    assert hidden["name"] is None
    assert hidden["profiles"] == {}
    graph = client.to_networkx(world["opted_in"][0])
    assert graph.number_of_nodes() > 1
    for node, attrs in graph.nodes(data=True):
        assert (attrs["name"] is None) == (world["consent_of"][node] != "opted_in")


def test_explanations_of_others_pool_unknown_people_anonymously(world: dict[str, Any],
                                                               store: Store) -> None:
    pooled = 0
    for person_id in world["opted_in"]:
        explanation = explain.explain(store, person_id, "opted_in", first=50)
        for contribution in explanation.top_people:
            if contribution.person_id is not None:
                assert world["consent_of"][contribution.person_id] == "opted_in"
            pooled += contribution.anonymous
    assert pooled > 0  # the top people were engaged by people who did not opt in
    with pytest.raises(ConsentDeniedError):
        explain.explain(store, world["unknown"], "opted_in")


def test_topic_and_history_reads_hide_unknown_consent(world: dict[str, Any],
                                                      store: Store) -> None:
    mine = topics.person_topics(store, world["unknown"], "opted_in", first=50)
    assert mine.topics, "the unknown person has topic scores to hide"
    assert all(t.score is None for t in mine.topics)
    leaders = topics.topic_leaderboard(store, world["topic"], 100, "opted_in")
    assert leaders
    assert all(world["consent_of"][r.id] == "opted_in" for r in leaders)
    with pytest.raises(ConsentDeniedError):
        reads.score_history(store, world["unknown"], 0, SE_ASOF, "opted_in")


def test_export_of_a_published_person_keeps_unknown_counterparts_anonymous(
        world: dict[str, Any], store: Store, settings: Settings, tmp_path: Path) -> None:
    data = export.export_person(store, world["opted_in"][0], "test", settings=settings)
    counterparts = {i["counterpart"] for i in data["interactions"]}
    assert None in counterparts  # some engagers did not opt in
    assert all(world["consent_of"][c] == "opted_in" for c in counterparts if c is not None)
