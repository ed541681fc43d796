"""The GraphQL API against the real server over the Stack Exchange dump: every query and
mutation, pagination, no N+1, limits, auth, rate limits, masking, outages and metrics."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from influence.api.app import create_app
from influence.api.errors import UNAVAILABLE_MESSAGE
from influence.engine.communities import compute_people_communities, compute_topic_communities
from influence.engine.scoring import ScoreRun
from influence.engine.topics import compute_topic_scores
from influence.errors import ERROR_CODES
from influence.loaders.quarantine import Tally
from influence.settings import Settings
from influence.store import Query, Row, Store
from tests.integration.conftest import SE_ASOF

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
Body = dict[str, Any]
Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
OPERATOR = "operator-token-for-tests"


@pytest.fixture(scope="module")
def graph(se_loaded: tuple[Tally, ScoreRun], store: Store, settings: Settings) -> Store:
    """The dump loaded and scored, with topic scores and both kinds of communities."""
    compute_topic_scores(store, settings.model, asof=SE_ASOF)
    compute_topic_communities(store)
    compute_people_communities(store, settings.model, asof=SE_ASOF)
    return store


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"publish_policy": "not_opted_out",
                                       "operator_tokens": [SecretStr(OPERATOR)],
                                       "rate_limit_per_s": 10_000.0,
                                       "rate_limit_burst": 10_000})


@pytest.fixture
def client(graph: Store) -> Client:
    @asynccontextmanager
    async def make(settings: Settings, store: Any = None) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings, store=store or graph)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                yield c
    return make


async def gql(c: httpx.AsyncClient, query: str, status: int = 200,
              headers: dict[str, str] | None = None, **variables: Any) -> Body:
    response = await c.post("/graphql", json={"query": query, "variables": variables},
                            headers=headers or {})
    assert response.status_code == status, response.text
    body: Body = response.json()
    return body


def codes(body: Body) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def cypher(store: Store, text: str, **params: Any) -> list[Row]:
    return store.read(Query("test_api_check", text), **params)


async def test_person_with_topics_neighbours_and_community(
        client: Client, open_settings: Settings, graph: Store) -> None:
    top = cypher(graph, "MATCH (p:Person) RETURN p.id AS id ORDER BY p.score DESC LIMIT 1")[0]
    async with client(open_settings) as c:
        body = await gql(c, """query($id: ID!) { person(id: $id) {
            id consent score percentile networks accounts { network id } community
            topics(first: 3) { name score percentile }
            incoming: neighbours(direction: IN, first: 5) {
                weight interactions kinds person { id } }
            answers: neighbours(direction: IN, kinds: ["answer"], first: 100) {
                kinds person { id } }
        } }""", id=top["id"])
    person = body["data"]["person"]
    assert person["id"] == top["id"]
    assert person["networks"] == ["stackexchange"]
    assert person["community"] is not None
    scores = [t["score"] for t in person["topics"]]
    assert len(scores) == 3
    assert scores == sorted(scores, reverse=True)
    weights = [n["weight"] for n in person["incoming"]]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] > 0
    assert all(n["kinds"] == ["answer"] for n in person["answers"])
    # IN neighbours match the graph: people with an account that engaged one of theirs.
    expected = cypher(graph, """
        MATCH (p:Person {id: $id})-[:HAS_ACCOUNT]->(:Account)<-[r:ANSWER]-
              (:Account)<-[:HAS_ACCOUNT]-(o:Person) WHERE o <> p
        RETURN collect(DISTINCT o.id) AS ids""", id=top["id"])[0]["ids"]
    assert sorted(n["person"]["id"] for n in person["answers"]) == sorted(expected)


async def test_in_and_out_neighbours_are_mirror_images(
        client: Client, open_settings: Settings) -> None:
    async with client(open_settings) as c:
        body = await gql(c, """{ leaderboard(first: 1) { edges { node { id
            neighbours(direction: OUT, first: 3) { interactions person { id
                neighbours(direction: IN, first: 100) { interactions person { id } } } } } } } }""")
    me = body["data"]["leaderboard"]["edges"][0]["node"]
    assert me["neighbours"]
    for link in me["neighbours"]:
        back = {n["person"]["id"]: n["interactions"] for n in link["person"]["neighbours"]}
        assert back[me["id"]] == link["interactions"]


async def test_leaderboard_pages_and_filters(client: Client, open_settings: Settings,
                                             graph: Store) -> None:
    page = "query($after: String, $network: String) { leaderboard(first: 10, after: $after, " \
           "network: $network) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } " \
           "edges { cursor node { id score } } } }"
    async with client(open_settings) as c:
        first = (await gql(c, page))["data"]["leaderboard"]
        second = (await gql(c, page, after=first["pageInfo"]["endCursor"]))["data"]["leaderboard"]
        nowhere = (await gql(c, page, network="nowhere"))["data"]["leaderboard"]
    expected = cypher(graph, "MATCH (p:Person) WHERE p.score IS NOT NULL "
                      "RETURN p.id AS id ORDER BY p.score DESC, p.id ASC LIMIT 20")
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert ids == [r["id"] for r in expected]
    assert first["pageInfo"]["hasNextPage"]
    assert not first["pageInfo"]["hasPreviousPage"]
    assert second["pageInfo"]["hasPreviousPage"]
    total = cypher(graph, "MATCH (p:Person) WHERE p.score IS NOT NULL RETURN count(p) AS n")
    assert first["totalCount"] == total[0]["n"]
    assert nowhere == {"totalCount": 0, "edges": [], "pageInfo": {
        "hasNextPage": False, "hasPreviousPage": False, "endCursor": None}}


async def test_people_search(client: Client, open_settings: Settings, graph: Store) -> None:
    """By exact id, account id or key; by the start of any word of a name, case and accents
    aside; ranked exact ids first, then by score."""
    people = "query($q: String!) { people(search: $q, first: 5) { totalCount " \
             "pageInfo { hasNextPage } edges { node { id name score } } } }"
    async with client(open_settings) as c:
        exact = await gql(c, people, q="5064")
        key = await gql(c, people, q="stackexchange:5064")
        accents = await gql(c, people, q="NUNEZ gab")
        prefix = await gql(c, people, q="geo")
        empty = await gql(c, '{ people(search: "  ") { totalCount } }')
    for body in (exact, key):
        assert [e["node"]["id"] for e in body["data"]["people"]["edges"]] == \
            ["stackexchange:5064"]
    assert [e["node"]["name"] for e in accents["data"]["people"]["edges"]] == ["Gabriel Nuñez"]
    found = prefix["data"]["people"]
    n = cypher(graph, """MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
                         WHERE a.display_name =~ $words_from_geo
                         RETURN count(DISTINCT p) AS n""",
               words_from_geo=r"(?i)(.*\W)?geo.*")[0]["n"]
    assert n > 5, "the dump has more than a page of Geoffs and Georges"
    assert found["totalCount"] == n
    assert found["pageInfo"]["hasNextPage"]
    assert all(re.search(r"(^|\W)geo", e["node"]["name"], re.IGNORECASE)
               for e in found["edges"])
    scores = [e["node"]["score"] for e in found["edges"]]
    assert scores == sorted(scores, reverse=True)  # the most influential first
    assert codes(empty) == ["BAD_USER_INPUT"]


async def test_topics_topic_related_and_topic_leaderboard(
        client: Client, open_settings: Settings, graph: Store) -> None:
    async with client(open_settings) as c:
        listing = await gql(c, '{ topics(search: "beer", first: 5) { totalCount '
                            "edges { node { name posts community } } } }")
        one = await gql(c, """{ topic(name: "Brewing") { name posts community
            related(first: 3) { name together sameCommunity }
            leaderboard(first: 3) { score percentile person { id score } } } }""")
        missing = await gql(c, '{ topic(name: "no-such-topic") { name } }')
    topics = listing["data"]["topics"]
    n = cypher(graph, "MATCH (t:Topic) WHERE t.name CONTAINS 'beer' RETURN count(t) AS n")[0]
    assert topics["totalCount"] == n["n"]
    posts = [e["node"]["posts"] for e in topics["edges"]]
    assert posts == sorted(posts, reverse=True)
    brewing = one["data"]["topic"]
    assert brewing["name"] == "brewing"
    assert brewing["posts"] > 0
    assert [r["together"] for r in brewing["related"]] == sorted(
        (r["together"] for r in brewing["related"]), reverse=True)
    ranks = [r["score"] for r in brewing["leaderboard"]]
    assert len(ranks) == 3
    assert ranks == sorted(ranks, reverse=True)
    assert codes(missing) == ["NOT_FOUND"]


async def test_communities_of_topics_and_people(client: Client, open_settings: Settings,
                                                graph: Store) -> None:
    async with client(open_settings) as c:
        topic_c = await gql(c, "{ communities(kind: TOPIC, first: 3) { totalCount "
                            "edges { node { id kind size members topics { name } } } } }")
        people_c = await gql(c, "{ communities(kind: PEOPLE, first: 2) { totalCount "
                             "edges { node { kind size people { id } } } } }")
    tc = topic_c["data"]["communities"]
    expected = cypher(graph, "MATCH (t:Topic) WHERE t.community IS NOT NULL "
                      "RETURN count(DISTINCT t.community) AS n")[0]["n"]
    assert tc["totalCount"] == expected > 0
    biggest = tc["edges"][0]["node"]
    assert biggest["kind"] == "TOPIC"
    assert biggest["size"] == len(biggest["members"]) == len(biggest["topics"])
    pc = people_c["data"]["communities"]
    assert pc["totalCount"] > 0
    assert pc["edges"][0]["node"]["kind"] == "PEOPLE"
    assert len(pc["edges"][0]["node"]["people"]) == min(100, pc["edges"][0]["node"]["size"])


NESTED = """query($n: Int!) { leaderboard(first: $n) { edges { node { id community
    topics(first: 3) { name }
    neighbours(first: 5) { weight person { id community topics(first: 2) { name } } } } } } }"""


async def test_nested_query_has_no_n_plus_1(client: Client, open_settings: Settings,
                                            graph: Store) -> None:
    trips = []
    async with client(open_settings) as c:
        for n in (2, 20):
            before = graph.round_trips
            body = await gql(c, NESTED, n=n)
            assert "errors" not in body
            assert len(body["data"]["leaderboard"]["edges"]) == n
            trips.append(graph.round_trips - before)
    # leaderboard, topics, neighbours, communities (x2 levels), topics of neighbours:
    # the same few round trips for 2 people as for 20 (and their up to 100 neighbours), plus
    # the response cache's read of the generation.
    assert trips[0] == trips[1]
    assert trips[1] <= 7


async def test_default_policy_hides_scores_everywhere(client: Client, settings: Settings) -> None:
    async with client(settings) as c:
        body = await gql(c, """{ person(id: "stackexchange:5064") { score
            topics(first: 2) { score } neighbours(first: 3) { person { score } } } }""")
    person = body["data"]["person"]
    assert person["score"] is None
    assert person["topics"], "the person has topics, shown without scores"
    assert person["neighbours"], "the person has neighbours, shown without scores"
    assert all(t["score"] is None for t in person["topics"])
    assert all(n["person"]["score"] is None for n in person["neighbours"])


async def test_recompute_needs_an_operator_token(client: Client, open_settings: Settings) -> None:
    mutation = "mutation($asof: Int) { recompute(asof: $asof) { peopleInGraph converged asof } }"
    async with client(open_settings) as c:
        denied = await gql(c, mutation, asof=SE_ASOF)
        done = await gql(c, mutation, asof=SE_ASOF,
                         headers={"Authorization": f"Bearer {OPERATOR}"})
    assert codes(denied) == ["UNAUTHENTICATED"]
    assert done["data"]["recompute"]["asof"] == SE_ASOF
    assert done["data"]["recompute"]["peopleInGraph"] > 500


async def test_consent_mutation_through_the_merged_schema(
        client: Client, open_settings: Settings, graph: Store) -> None:
    loner = cypher(graph, "MATCH (p:Person) WHERE NOT EXISTS { (p)-[:HAS_ACCOUNT]->(:Account)"
                   "-[]-(:Account) } RETURN p.id AS id ORDER BY id LIMIT 1")[0]["id"]
    set_consent = """mutation($id: ID!) { setConsent(personId: $id, state: OPTED_IN,
        source: "test") { state erased } }"""
    async with client(open_settings) as c:
        denied = await gql(c, set_consent, id=loner)
        done = await gql(c, set_consent, id=loner,
                         headers={"Authorization": f"Bearer {OPERATOR}"})
        audit = await gql(c, "{ auditLog(first: 5) { action } }",
                          headers={"Authorization": f"Bearer {OPERATOR}"})
    assert codes(denied) == ["UNAUTHENTICATED"]
    assert done["data"]["setConsent"] == {"state": "OPTED_IN", "erased": False}
    assert audit["data"]["auditLog"]


@pytest.mark.parametrize(("query", "limit"), [
    ("{ person(id: 1) { " + "neighbours(first: 1) { person { " * 7 + "id" + " } }" * 7 + " } }",
     "depth"),
    ("{ " + " ".join(f"a{i}: person(id: {i}) {{ id }}" for i in range(20)) + " }", "aliases"),
    ("query { ...F } fragment F on Query { " +
     " ".join(f"b{i}: topics {{ totalCount }}" for i in range(20)) + " }", "aliases"),
    ("{ leaderboard(first: 100) { edges { node { neighbours(first: 100) { person { id } } } } } }",
     "cost"),
    ("{ person(id: 1) { " + "id " * 3000 + "} }", "tokens"),
])
async def test_abusive_queries_are_rejected_with_their_code(
        client: Client, open_settings: Settings, query: str, limit: str, graph: Store) -> None:
    before = graph.round_trips
    uncached = open_settings.model_copy(update={"api_cache_entries": 0})  # no generation read
    async with client(uncached) as c:
        body = await gql(c, query)
    assert body.get("data") is None
    assert codes(body)[0] == "LIMIT_EXCEEDED"
    assert body["errors"][0]["extensions"]["limit"] == limit
    assert graph.round_trips == before  # rejected before touching the database


async def test_page_bounds(client: Client, open_settings: Settings) -> None:
    async with client(open_settings) as c:
        too_big = await gql(c, "{ topics(first: 101) { totalCount } }")
        zero = await gql(c, "{ leaderboard(first: 0) { totalCount } }")
        bad_cursor = await gql(c, '{ leaderboard(after: "garbage") { totalCount } }')
        too_deep = await gql(c, '{ leaderboard(after: "bzo5OTk5OTk=") { totalCount } }')
    assert codes(too_big) == codes(zero) == ["LIMIT_EXCEEDED"]
    assert codes(bad_cursor) == codes(too_deep) == ["BAD_USER_INPUT"]


async def test_api_keys_operator_tokens_and_production(client: Client,
                                                       open_settings: Settings) -> None:
    keyed = open_settings.model_copy(update={"api_keys": [SecretStr("reader-key")]})
    query = "{ topics(first: 1) { totalCount } }"
    async with client(keyed) as c:
        missing = await gql(c, query, status=401)
        wrong = await gql(c, query, status=401, headers={"X-API-Key": "nope"})
        ok = await gql(c, query, headers={"Authorization": "Bearer reader-key"})
        operator_reads = await gql(c, query, headers={"Authorization": f"Bearer {OPERATOR}"})
        reader_writes = await gql(c, "mutation { recompute { asof } }",
                                  headers={"X-API-Key": "reader-key"})
    assert codes(missing) == codes(wrong) == ["UNAUTHENTICATED"]
    assert ok["data"]["topics"]["totalCount"] == operator_reads["data"]["topics"]["totalCount"]
    assert codes(reader_writes) == ["UNAUTHENTICATED"]
    production = open_settings.model_copy(update={"environment": "production"})
    async with client(production) as c:
        anonymous = await gql(c, query, status=401)
        ide = await c.get("/graphql", headers={"Accept": "text/html"})
        introspection = await gql(c, "{ __schema { types { name } } }",
                                  headers={"Authorization": f"Bearer {OPERATOR}"})
    assert codes(anonymous) == ["UNAUTHENTICATED"]
    assert "graphiql" not in ide.text.lower()
    assert introspection.get("data") is None
    assert set(codes(introspection)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection" in introspection["errors"][0]["message"].lower()
    async with client(open_settings) as c:
        dev_ide = await c.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" in dev_ide.text.lower()


async def test_rate_limit_per_key(client: Client, open_settings: Settings) -> None:
    limited = open_settings.model_copy(update={
        "rate_limit_per_s": 0.01, "rate_limit_burst": 3,
        "api_keys": [SecretStr("k1"), SecretStr("k2")]})
    query = "{ topics(first: 1) { totalCount } }"
    async with client(limited) as c:
        for _ in range(3):
            await gql(c, query, headers={"X-API-Key": "k1"})
        response = await c.post("/graphql", json={"query": query}, headers={"X-API-Key": "k1"})
        other = await gql(c, query, headers={"X-API-Key": "k2"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert codes(response.json()) == ["LIMIT_EXCEEDED"]
    assert "errors" not in other


class Exploding:
    """A store whose reads fail with an unexpected error carrying a secret."""

    round_trips = 0

    def read(self, *_: Any, **__: Any) -> list[Row]:
        raise RuntimeError("secret internal detail")

    def ping(self) -> bool:
        return True


async def test_unexpected_errors_are_masked(client: Client, open_settings: Settings) -> None:
    async with client(open_settings, store=Exploding()) as c:
        body = await gql(c, '{ person(id: "stackexchange:1") { id } }')
    assert "secret" not in str(body)
    assert codes(body) == ["INTERNAL"]
    assert body["errors"][0]["message"] == "Unexpected error; it has been logged."


async def test_every_domain_error_code_is_stable(client: Client, open_settings: Settings) -> None:
    async with client(open_settings) as c:
        body = await gql(c, '{ person(id: "nobody") { id } }')
        parse_error = await gql(c, "{ person(id: ", status=200)
        unknown = await gql(c, "{ nosuchfield }")
    assert codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["extensions"]["hint"]
    assert codes(parse_error) == ["GRAPHQL_PARSE_FAILED"]
    assert codes(unknown) == ["GRAPHQL_VALIDATION_FAILED"]
    assert {c.graphql_code for c in ERROR_CODES.values()} >= {"NOT_FOUND", "LIMIT_EXCEEDED",
                                                             "SERVICE_UNAVAILABLE"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proxy:
    """A TCP forwarder to the test database that can be cut and restored (an outage), or
    frozen: connections stay open and nothing passes (a server shutting down or stalled)."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port, self.target = port, target_port
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.writers: list[asyncio.StreamWriter] = []
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.writers += [writer, up_writer]
        for coro in (self._pipe(reader, up_writer), self._pipe(up_reader, writer)):
            task = asyncio.create_task(coro)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        self.writers.clear()
        await self.server.wait_closed()


async def test_database_outage_and_recovery(client: Client, open_settings: Settings) -> None:
    target = int(open_settings.bolt_uri.rsplit(":", 1)[1])
    proxy = Proxy(_free_port(), target)
    await proxy.start()
    through = open_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}"})
    query = '{ person(id: "stackexchange:5064") { id } }'
    with Store(through, fail_fast=True) as store:  # as the API opens it
        async with client(through, store=store) as c:
            assert (await gql(c, query))["data"]["person"]["id"] == "stackexchange:5064"
            assert (await c.get("/health/ready")).status_code == 200
            await proxy.cut()
            answer = await c.post("/graphql", json={"query": query})
            assert answer.headers["retry-after"] == "1"
            down = answer.json()
            assert codes(down) == ["SERVICE_UNAVAILABLE"]
            again = await gql(c, query)  # the outage is known: answered without retrying
            assert codes(again) == ["SERVICE_UNAVAILABLE"]
            told = str(down["errors"])  # the database's address stays in the server log
            assert str(proxy.port) not in told
            assert "127.0.0.1" not in told
            assert down["errors"][0]["message"] == UNAVAILABLE_MESSAGE
            assert (await c.get("/health/ready")).status_code == 503
            await proxy.start()  # the database is back: no restart of the API needed
            assert (await _served_again(c, query))["data"]["person"]["id"] == "stackexchange:5064"
            assert (await c.get("/health/ready")).status_code == 200
            await proxy.cut()


async def _served_again(c: httpx.AsyncClient, query: str) -> Body:
    """The first answer without errors within 5 s (the API tries a known-down database again
    every Store.FAIL_FAST_PROBE_S); the last answer if none."""
    for _ in range(50):
        body = await gql(c, query)
        if "errors" not in body:
            break
        assert codes(body) == ["SERVICE_UNAVAILABLE"]
        await asyncio.sleep(0.1)
    return body


async def test_a_database_that_stops_answering_gets_service_unavailable(
        client: Client, open_settings: Settings) -> None:
    """A server shutting down holds reads until it exits: requests are answered
    SERVICE_UNAVAILABLE (with Retry-After) after api_db_retry_s, not left hanging, and the API
    serves again as soon as the database answers."""
    target = int(open_settings.bolt_uri.rsplit(":", 1)[1])
    proxy = Proxy(_free_port(), target)
    await proxy.start()
    through = open_settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}",
                                               "api_db_retry_s": 0.5})
    query = '{ person(id: "stackexchange:5064") { id } }'
    with Store(through, fail_fast=True) as store:
        async with client(through, store=store) as c:
            assert (await gql(c, query))["data"]["person"]["id"] == "stackexchange:5064"
            proxy.flowing.clear()
            answers = await asyncio.wait_for(asyncio.gather(
                *(c.post("/graphql", json={"query": query}) for _ in range(8))), timeout=10)
            for answer in answers:
                assert codes(answer.json()) == ["SERVICE_UNAVAILABLE"]
                assert answer.headers["retry-after"] == "1"
                assert "127.0.0.1" not in answer.text
            proxy.flowing.set()  # the held read returns
            assert (await _served_again(c, query))["data"]["person"]["id"] == "stackexchange:5064"
            await proxy.cut()


async def test_metrics_and_liveness(client: Client, open_settings: Settings) -> None:
    async with client(open_settings) as c:
        await gql(c, '{ person(id: "stackexchange:5064") { id topics { name } } }')
        await gql(c, '{ person(id: "nobody") { id } }')
        metrics = (await c.get("/metrics")).text
        live = await c.get("/health/live")
    assert live.status_code == 200
    assert 'influence_api_requests_total{status="200"} 2.0' in metrics
    assert 'influence_api_graphql_errors_total{code="NOT_FOUND"} 1.0' in metrics
    assert "influence_api_request_seconds_bucket" in metrics
    assert 'influence_api_db_seconds_count{query="people_by_ids"} 2.0' in metrics
    assert 'influence_api_db_seconds_count{query="topics_by_people"} 1.0' in metrics


async def test_explanation_history_confidence_and_network_scores(
        client: Client, open_settings: Settings, settings: Settings) -> None:
    query = """{ person(id: "stackexchange:5064") { score confidence
        networkScores { network score } history(since: 0) { asof score }
        explanation(first: 3) { score byNetwork { share } byKind { name contribution share }
            topPeople { personId share anonymous } hints } } }"""
    async with client(open_settings) as c:
        body = await gql(c, query)
    async with client(settings) as c:
        hidden = await gql(c, query)
    person = body["data"]["person"]
    why = person["explanation"]
    assert why["score"] == person["score"]
    assert sum(k["share"] for k in why["byKind"]) == pytest.approx(1.0, abs=0.01)
    assert sum(k["contribution"] for k in why["byKind"]) == pytest.approx(person["score"],
                                                                          abs=0.05)
    assert 0 < person["confidence"] <= 1
    assert person["networkScores"][0]["network"] == "stackexchange"
    assert person["history"][-1] == {"asof": SE_ASOF, "score": person["score"]}
    # default policy: the person resolves, the score-revealing fields do not
    assert hidden["data"]["person"]["explanation"] is None
    assert hidden["data"]["person"]["history"] is None
    assert hidden["data"]["person"]["networkScores"] == []
    assert set(codes(hidden)) == {"CONSENT_DENIED"}


async def test_recompute_mutation_refreshes_topic_scores_and_communities(
        client: Client, open_settings: Settings, graph: Store) -> None:
    """The API's recompute runs the whole job: stale topic scores and communities are rebuilt."""
    counts = ("RETURN COUNT { (:Person)-[:TOPIC_SCORE]->(:Topic) } AS scores, "
              "COUNT { (:TopicCommunity) } AS topic_communities, "
              "COUNT { MATCH (p:Person) WHERE p.community IS NOT NULL "
              "RETURN DISTINCT p.community } AS people")
    graph.auto_commit(Query("test_api_forget_derived", """
        MATCH (:Person)-[s:TOPIC_SCORE]->(:Topic) DELETE s
        WITH count(*) AS _ MATCH (c:TopicCommunity) DETACH DELETE c
        WITH count(*) AS _ MATCH (p:Person) REMOVE p.community"""))
    assert cypher(graph, counts)[0] == {"scores": 0, "topic_communities": 0, "people": 0}
    mutation = """mutation($asof: Int) { recompute(asof: $asof) {
        asof topicsScored topicScores topicCommunities peopleCommunities totalSeconds } }"""
    async with client(open_settings) as c:
        done = await gql(c, mutation, asof=SE_ASOF,
                         headers={"Authorization": f"Bearer {OPERATOR}"})
    result = done["data"]["recompute"]
    after = cypher(graph, counts)[0]
    assert result["topicsScored"] > 20
    assert after["scores"] == result["topicScores"] > 1000
    assert after["topic_communities"] == result["topicCommunities"] > 1
    assert after["people"] == result["peopleCommunities"] > 1


async def test_a_read_completes_while_an_erasure_runs(
        client: Client, open_settings: Settings, graph: Store) -> None:
    """Erasure scans the whole graph; it runs off the event loop, so reads go on meanwhile."""
    loner = cypher(graph, "MATCH (p:Person) WHERE NOT EXISTS { (p)-[:HAS_ACCOUNT]->(:Account)"
                   "-[]-(:Account) } AND p.consent = 'unknown' "
                   "RETURN p.id AS id ORDER BY id DESC LIMIT 1")[0]["id"]
    top = cypher(graph, "MATCH (p:Person) RETURN p.id AS id ORDER BY p.score DESC LIMIT 1")[0]
    erase = "mutation($id: ID!) { erasePerson(personId: $id) { verifiedClean } }"
    read = "query($id: ID!) { person(id: $id) { id score topics(first: 3) { name } } }"
    loop = asyncio.get_running_loop()
    async with client(open_settings) as c:
        async def timed(coro: Any) -> tuple[Body, float, float]:
            started = loop.time()
            body = await coro
            return body, started, loop.time()

        erasure = asyncio.create_task(timed(gql(c, erase, id=loner, headers={
            "Authorization": f"Bearer {OPERATOR}"})))
        await asyncio.sleep(0.3)  # the erasure is under way
        read_body, read_start, read_end = await timed(gql(c, read, id=top["id"]))
        erase_body, erase_start, erase_end = await erasure
    print(f"erasure {erase_end - erase_start:.2f}s; read {read_end - read_start:.3f}s, "
          f"{erase_end - read_end:.2f}s before the erasure finished")
    assert erase_body["data"]["erasePerson"]["verifiedClean"]
    assert read_body["data"]["person"]["id"] == top["id"]
    assert read_end < erase_end, "the read waited for the erasure"
    assert read_end - read_start < (erase_end - erase_start) / 2


@pytest.mark.parametrize("stale_s", [0.0, 60.0])
async def test_cached_answers_and_an_opt_out_takes_effect_in_the_next_request(
        client: Client, open_settings: Settings, graph: Store, stale_s: float) -> None:
    """Answers are cached by read generation; an opt-out (an erasure) drops them at once: the
    person is gone from person, leaderboard, neighbours, topic leaderboards and search in the
    very next request of the same API process, also when answers may be stale for a while
    after a recompute (INFLUENCE_API_STALE_S)."""
    open_settings = open_settings.model_copy(update={"api_stale_s": stale_s})
    leaders = cypher(graph, "MATCH (p:Person) WHERE p.score IS NOT NULL "
                     "RETURN p.id AS id ORDER BY p.score DESC, p.id SKIP 60 LIMIT 1")
    gone = leaders[0]["id"]
    other = cypher(graph, """MATCH (p:Person {id: $id})-[:HAS_ACCOUNT]->(:Account)-[]-(:Account)
                             <-[:HAS_ACCOUNT]-(o:Person) WHERE o <> p
                             RETURN o.id AS id ORDER BY id LIMIT 1""", id=gone)[0]["id"]
    topic = cypher(graph, """MATCH (p:Person {id: $id})-[s:TOPIC_SCORE]->(t:Topic)
                             RETURN t.name AS name ORDER BY s.score DESC LIMIT 1""", id=gone)
    reads = {
        "person": ("query($id: ID!) { person(id: $id) { id score } }", {"id": gone}),
        "leaderboard": ("{ leaderboard(first: 100) { edges { node { id } } } }", {}),
        "neighbours": ("query($id: ID!) { person(id: $id) { neighbours(first: 100) "
                       "{ person { id } } } }", {"id": other}),
        "search": ("query($q: String!) { people(search: $q, first: 100) "
                   "{ edges { node { id } } } }", {"q": gone}),
    }
    if topic:
        reads["topic leaderboard"] = (
            "query($t: String!) { leaderboard(topic: $t, first: 100) { edges { node { id } } } }",
            {"t": topic[0]["name"]})

    async def ask(c: httpx.AsyncClient) -> dict[str, tuple[str, str]]:
        out = {}
        for name, (query, variables) in reads.items():
            response = await c.post("/graphql", json={"query": query, "variables": variables})
            assert response.status_code == 200, response.text
            out[name] = (response.headers.get("x-cache", "miss"), response.text)
        return out

    async with client(open_settings) as c:
        first = await ask(c)
        second = await ask(c)
        assert all(gone in text for name, (_, text) in first.items()), first
        assert {hit for hit, _ in second.values()} == {"hit"}
        assert {n: t for n, (_, t) in second.items()} == {n: t for n, (_, t) in first.items()}
        erased = await gql(c, """mutation($id: ID!) { setConsent(personId: $id, state: OPTED_OUT,
            source: "test") { erased } }""", id=gone,
                           headers={"Authorization": f"Bearer {OPERATOR}"})
        assert erased["data"]["setConsent"]["erased"]
        after = await ask(c)
    assert {hit for hit, _ in after.values()} == {"miss"}
    person = json.loads(after.pop("person")[1])
    assert person["data"] is None
    assert codes(person) == ["NOT_FOUND"]
    for name, (_, text) in after.items():
        assert gone not in text, (name, text)


async def test_overload_is_shed_at_once_with_retry_after(
        client: Client, open_settings: Settings) -> None:
    """More requests at once than api_max_in_flight: the excess is answered 503 with
    Retry-After without running, the rest are served."""
    settings = open_settings.model_copy(update={"api_max_in_flight": 2, "api_cache_entries": 0})
    query = "{ leaderboard(first: 50) { edges { node { id score neighbours(first: 10) " \
            "{ person { id } } } } } }"
    async with client(settings) as c:
        responses = await asyncio.gather(*(c.post("/graphql", json={"query": query})
                                           for _ in range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert 200 in statuses
    assert 503 in statuses
    shed = next(r for r in responses if r.status_code == 503)
    assert shed.headers["retry-after"] == "1"
    assert codes(shed.json()) == ["LIMIT_EXCEEDED"]
