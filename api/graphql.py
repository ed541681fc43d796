"""The GraphQL schema: thin strawberry types over the engine's read paths.

Lists that can grow are Relay-style connections (``edges { node cursor } pageInfo``) with
``first`` at most :data:`MAX_PAGE` and opaque offset cursors; ``totalCount`` runs its count
query only when it is selected. Nested fields go through the per-request DataLoaders of
:class:`~influence.api.context.Context`, so a nested query makes one round trip per level.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Generic, Literal, TypeVar

import strawberry

import influence.api.consent  # noqa: F401 - registers the ConsentState enum
from influence.api.auth import require_operator
from influence.api.context import CtxInfo, NeighbourKey
from influence.domain import ConsentState
from influence.engine import communities as community_reads
from influence.engine import explain, graph_reads, reads, topics
from influence.engine.communities import PeopleCommunity, TopicCommunity
from influence.engine.graph_reads import Neighbour, TopicRow
from influence.engine.reads import PersonView
from influence.errors import InvalidInputError, LimitExceededError, NotFoundError
from influence.jobs.recompute import RecomputeReport, recompute

MAX_PAGE = 100
"""Largest page size of any list or connection."""

T = TypeVar("T")
First = Annotated[int, strawberry.argument(description="Page size, 1-100.")]
After = Annotated[str | None, strawberry.argument(description="Cursor of the last edge seen.")]


def _page(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise LimitExceededError(f"first must be between 1 and {MAX_PAGE}, got {first}.",
                                 hint="Page through the rest with `after`.")
    return first


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after a cursor (0 when None)."""
    if cursor is None:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidInputError(f"Malformed cursor {cursor[:40]!r}.",
                                hint="Pass a cursor returned by this API.") from exc
    if kind != "o" or offset < 0:
        raise InvalidInputError(f"Malformed cursor {cursor[:40]!r}.",
                                hint="Pass a cursor returned by this API.")
    return offset + 1


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type(description="A page of results.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], int]]

    @strawberry.field(description="All results (a separate count query, run only if asked).")
    async def total_count(self, info: CtxInfo) -> int:
        return int(await info.context.run(self._count))


def connection(items: list[T], first: int, skip: int, count: Callable[[], int]) -> Connection[T]:
    """A page from ``first + 1`` fetched items (the extra one only says there is a next page)."""
    shown = items[:first]
    edges = [Edge(node=item, cursor=encode_cursor(skip + i)) for i, item in enumerate(shown)]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=len(items) > first, has_previous_page=skip > 0,
                           start_cursor=edges[0].cursor if edges else None,
                           end_cursor=edges[-1].cursor if edges else None),
        _count=count,
    )


@strawberry.enum(description="Which engagements link a person to a neighbour.")
class Direction(Enum):
    IN = "IN"
    OUT = "OUT"
    BOTH = "BOTH"


@strawberry.enum
class CommunityKind(Enum):
    TOPIC = "TOPIC"
    PEOPLE = "PEOPLE"


@strawberry.type(description="An account of a person on one network.")
class Account:
    network: str
    id: str
    handle: str | None = strawberry.field(
        default=None, description="The handle on the network (@name, user@instance, u/name); "
        "null when the consent policy hides the owner.")
    display_name: str | None = strawberry.field(
        default=None, description="The name the account shows; null when hidden.")
    url: str | None = strawberry.field(
        default=None, description="The account's public profile page; null when hidden.")


@strawberry.type(description="The score the credit from one network alone would give.")
class NetworkScore:
    network: str
    score: float


@strawberry.type(description="Part of a score carried by one network or interaction kind.")
class Contribution:
    name: str
    contribution: float = strawberry.field(description="Score points.")
    share: float = strawberry.field(description="Share of the score, 0-1.")


@strawberry.type(description="Part of a score carried by one engager (or a pooled group).")
class PersonContribution:
    person_id: str | None = strawberry.field(
        description="Null for pooled entries: engagers the policy hides, or beyond the top.")
    contribution: float
    share: float
    interactions: int
    people: int
    anonymous: bool

    @strawberry.field(description="The engager (null for pooled entries), by name where "
                      "published.")
    async def person(self, info: CtxInfo) -> Person | None:
        if self.person_id is None:
            return None
        view = await info.context.people.load(self.person_id)
        return None if view is None else Person.from_view(view)


@strawberry.type(description="Why a person has their score; each breakdown sums to it.")
class Explanation:
    score: float
    percentile: float | None
    confidence: float | None
    asof: int | None
    engagers: int
    interactions: int
    by_network: list[Contribution]
    by_kind: list[Contribution]
    top_people: list[PersonContribution]
    hints: list[str]

    @classmethod
    def from_engine(cls, e: explain.Explanation) -> Explanation:
        def parts(cs: tuple[explain.Contribution, ...]) -> list[Contribution]:
            return [Contribution(name=c.name, contribution=c.contribution, share=c.share)
                    for c in cs]

        return cls(score=e.score, percentile=e.percentile, confidence=e.confidence,
                   asof=e.asof, engagers=e.engagers, interactions=e.interactions,
                   by_network=parts(e.by_network), by_kind=parts(e.by_kind),
                   top_people=[PersonContribution(
                       person_id=p.person_id, contribution=p.contribution, share=p.share,
                       interactions=p.interactions, people=p.people, anonymous=p.anonymous)
                       for p in e.top_people],
                   hints=list(e.hints))


@strawberry.type(description="One dated score snapshot; change is against the previous one.")
class HistoryPoint:
    asof: int
    score: float
    percentile: float | None
    confidence: float | None
    change: float | None


@strawberry.type(description="A person's score on one topic (null when the policy hides it).")
class TopicScore:
    name: str
    score: float | None
    percentile: float | None


@strawberry.type(description="A person linked by engagements, with the link's weight.")
class NeighbourEdge:
    person: Person
    interactions: int = strawberry.field(description="Engagements between the two.")
    kinds: list[str] = strawberry.field(description="Their interaction kinds.")
    weight: float = strawberry.field(
        description="Sum of the model's kind weights over those engagements (undecayed).")

    @classmethod
    def from_neighbour(cls, n: Neighbour) -> NeighbourEdge:
        return cls(person=Person.from_view(n.person), interactions=n.interactions,
                   kinds=list(n.kinds), weight=n.weight)


@strawberry.type(description="A person and, where the consent policy allows, their score.")
class Person:
    id: strawberry.ID
    name: str | None = strawberry.field(description=(
        "The name the person is shown by (their own, else an account's display name or "
        "handle); null when the consent policy hides them or no source gives one."))
    consent: ConsentState
    accounts: list[Account]
    score: float | None = strawberry.field(
        description="Influence on a 1-100 scale; null when the consent policy hides it."
    )
    percentile: float | None = strawberry.field(
        description="Share of scored people with a lower score, in percent."
    )
    confidence: float | None = strawberry.field(
        description="How much evidence backs the score, 0-1 (docs/MODEL.md); null when hidden.")
    network_scores: list[NetworkScore] = strawberry.field(
        description="The score the credit from each network alone would give (empty if hidden).")

    @classmethod
    def from_view(cls, view: PersonView) -> Person:
        return cls(
            id=strawberry.ID(view.id), name=view.name, consent=ConsentState(view.consent),
            accounts=[Account(network=a.network, id=a.id, handle=a.handle,
                              display_name=a.display_name, url=a.url) for a in view.accounts],
            score=view.score, percentile=view.percentile, confidence=view.confidence,
            network_scores=[NetworkScore(network=n.network, score=n.score)
                            for n in view.network_scores],
        )

    @strawberry.field(description="Why the person has their score: breakdowns by network, "
                      "kind and engager that each sum to the score (CONSENT_DENIED if hidden).")
    async def explanation(self, info: CtxInfo, first: First = 10) -> Explanation | None:
        ctx = info.context
        why = await ctx.run(explain.explain, ctx.store, str(self.id),
                            ctx.settings.publish_policy, first=_page(first),
                            params=ctx.settings.model)
        return Explanation.from_engine(why)

    @strawberry.field(description="Dated score snapshots between two dates (epoch seconds), "
                      "oldest first, with each change (default: all until now; "
                      "CONSENT_DENIED if hidden).")
    async def history(self, info: CtxInfo, since: int = 0,
                      until: int | None = None) -> list[HistoryPoint] | None:
        ctx = info.context
        end = int(time.time()) if until is None else until
        points = await ctx.run(reads.score_history, ctx.store, str(self.id), since, end,
                               ctx.settings.publish_policy)
        return [HistoryPoint(asof=p.asof, score=p.score, percentile=p.percentile,
                             confidence=p.confidence, change=p.change) for p in points]

    @strawberry.field(description="Networks the person has accounts on.")
    def networks(self) -> list[str]:
        return sorted({a.network for a in self.accounts})

    @strawberry.field(description="Top topics by topic score, highest first.")
    async def topics(self, info: CtxInfo, first: First = 5) -> list[TopicScore]:
        rows = await info.context.topics.load((str(self.id), _page(first)))
        return [TopicScore(name=n, score=s, percentile=p) for n, s, p in rows]

    @strawberry.field(description="People linked by engagements, heaviest first.")
    async def neighbours(
        self, info: CtxInfo, direction: Direction = Direction.BOTH,
        kinds: Annotated[list[str] | None, strawberry.argument(
            description="Only these interaction kinds, e.g. [\"answer\", \"comment\"].")] = None,
        first: First = 10,
    ) -> list[NeighbourEdge]:
        if kinds is not None and len(kinds) > 20:
            raise LimitExceededError("At most 20 kinds.")
        only = tuple(sorted(set(kinds))) if kinds is not None else None
        key: NeighbourKey = (str(self.id), direction.value, only, _page(first))
        return [NeighbourEdge.from_neighbour(n) for n in await info.context.neighbours.load(key)]

    @strawberry.field(description="Id of the person's community (null until computed).")
    async def community(self, info: CtxInfo) -> str | None:
        return await info.context.communities.load(str(self.id))


@strawberry.type(description="A person's rank on one topic.")
class TopicRank:
    person: Person
    score: float
    percentile: float


@strawberry.type(description="A topic that shares posts with another.")
class RelatedTopic:
    name: str
    together: int = strawberry.field(description="Posts carrying both topics.")
    same_community: bool


@strawberry.type(description="A topic (tag, hashtag, subreddit or keyword).")
class Topic:
    name: str
    posts: int
    community: str | None = strawberry.field(description="Topic community id, if computed.")

    @classmethod
    def from_row(cls, row: TopicRow) -> Topic:
        return cls(name=row.name, posts=row.posts, community=row.community)

    @strawberry.field(description="The most influential people on this topic (topic scores).")
    async def leaderboard(self, info: CtxInfo, first: First = 10) -> list[TopicRank]:
        ctx = info.context
        leaders = await ctx.run(topics.topic_leaderboard, ctx.store, self.name, _page(first),
                                ctx.settings.publish_policy)
        people = await ctx.people.load_many([r.id for r in leaders])
        return [TopicRank(person=Person.from_view(p), score=r.score, percentile=r.percentile)
                for r, p in zip(leaders, people, strict=True) if p is not None]

    @strawberry.field(description="Topics most often on the same posts.")
    async def related(self, info: CtxInfo, first: First = 10) -> list[RelatedTopic]:
        ctx = info.context
        rows = await ctx.run(topics.related_topics, ctx.store, self.name, _page(first))
        return [RelatedTopic(name=r.topic, together=r.together, same_community=r.same_community)
                for r in rows]


@strawberry.type(description="A community of topics or of people (GDS Louvain/Leiden).")
class Community:
    id: str
    kind: CommunityKind
    size: int = strawberry.field(description="Members, published or not.")
    name: str | None = strawberry.field(
        description="Topic communities: their three largest topics; people communities: the "
        "three topics their published members score highest on (null without topic scores).")
    members: list[str] = strawberry.field(
        description="Topic names (largest first), or the ids of up to 100 members whose "
        "scores are published, highest score first.")

    @classmethod
    def from_topics(cls, c: TopicCommunity) -> Community:
        return cls(id=str(c.id), kind=CommunityKind.TOPIC, size=c.size, name=c.name,
                   members=list(c.topics))

    @classmethod
    def from_people(cls, c: PeopleCommunity) -> Community:
        return cls(id=str(c.id), kind=CommunityKind.PEOPLE, size=c.size,
                   name=" / ".join(c.topics) or None, members=list(c.top))

    @strawberry.field(description="The published member people, highest score first "
                      "(PEOPLE communities; up to 100).")
    async def people(self, info: CtxInfo) -> list[Person]:
        if self.kind != CommunityKind.PEOPLE:
            return []
        views = await info.context.people.load_many(self.members)
        return [Person.from_view(v) for v in views if v is not None]

    @strawberry.field(description="The member topics (TOPIC communities).")
    async def topics(self, info: CtxInfo) -> list[Topic]:
        if self.kind != CommunityKind.TOPIC:
            return []
        rows = await info.context.run(graph_reads.topics_by_names, info.context.store,
                                      self.members)
        return [Topic.from_row(rows[m]) for m in self.members if m in rows]


@strawberry.type
class Query:
    @strawberry.field(description="One person by id, e.g. 'stackexchange:42'.")
    async def person(self, info: CtxInfo, id: strawberry.ID) -> Person:
        view = await info.context.people.load(str(id))
        if view is None:
            raise NotFoundError(f"No person with id {str(id)[:100]!r}.",
                                hint="Ids look like 'stackexchange:123'; find them with "
                                "people(search:).")
        return Person.from_view(view)

    @strawberry.field(description=(
        "People found by a text: the person, account id ('42') or account key "
        "('stackexchange:42') it is exactly, then people with every word of it starting a "
        "word of their name, display name or handle (case and accents aside; only people "
        "whose scores are published), the most influential first."))
    async def people(self, info: CtxInfo, search: str, first: First = 20,
                     after: After = None) -> Connection[Person]:
        ctx, skip, size = info.context, decode_cursor(after), _page(first)
        if len(search) > 200:
            raise LimitExceededError("Search text longer than 200 characters.")
        views = await ctx.run(graph_reads.search_people, ctx.store, search, size + 1, skip,
                              ctx.settings.publish_policy)
        return connection([Person.from_view(v) for v in views], size, skip,
                          lambda: graph_reads.count_people(ctx.store, search,
                                                          ctx.settings.publish_policy))

    @strawberry.field(description="People by score, highest first (only published scores); "
                      "optionally only those who posted on a topic or have a network account.")
    async def leaderboard(self, info: CtxInfo, first: First = 20, after: After = None,
                          topic: str | None = None,
                          network: str | None = None) -> Connection[Person]:
        ctx, skip, size = info.context, decode_cursor(after), _page(first)
        policy = ctx.settings.publish_policy
        name = topic.lower() if topic else None
        views = await ctx.run(graph_reads.leaderboard_page, ctx.store, size + 1, skip,
                              policy=policy, topic=name, network=network)
        return connection([Person.from_view(v) for v in views], size, skip,
                          lambda: graph_reads.count_leaderboard(ctx.store, policy, name, network))

    @strawberry.field(description="One topic by name.")
    async def topic(self, info: CtxInfo, name: str) -> Topic:
        rows = await info.context.run(graph_reads.topics_by_names, info.context.store,
                                      [name.lower()])
        if name.lower() not in rows:
            raise NotFoundError(f"No topic named {name[:100]!r}.",
                                hint="List topics with topics(search:).")
        return Topic.from_row(rows[name.lower()])

    @strawberry.field(description="Topics by number of posts (optionally matching a text).")
    async def topics(self, info: CtxInfo, search: str | None = None, first: First = 20,
                     after: After = None) -> Connection[Topic]:
        ctx, skip, size = info.context, decode_cursor(after), _page(first)
        rows = await ctx.run(graph_reads.topics_page, ctx.store, search, size + 1, skip)
        return connection([Topic.from_row(r) for r in rows], size, skip,
                          lambda: graph_reads.count_topics(ctx.store, search))

    @strawberry.field(description="Communities of one kind, largest first.")
    async def communities(self, info: CtxInfo, kind: CommunityKind = CommunityKind.TOPIC,
                          first: First = 20, after: After = None) -> Connection[Community]:
        ctx, skip, size = info.context, decode_cursor(after), _page(first)
        kind_name: Literal["topics", "people"] = \
            "topics" if kind == CommunityKind.TOPIC else "people"
        found: list[Community]
        if kind == CommunityKind.TOPIC:
            rows = await ctx.run(community_reads.topic_communities, ctx.store, size + 1, skip, None)
            found = [Community.from_topics(c) for c in rows]
        else:
            groups = await ctx.run(community_reads.people_communities, ctx.store,
                                   ctx.settings.publish_policy, size + 1, skip, 100)
            found = [Community.from_people(c) for c in groups]
        return connection(found, size, skip,
                          lambda: community_reads.count_communities(ctx.store, kind_name))


@strawberry.type(description="What one recompute did: scores, topic scores, communities.")
class RecomputeResult:
    run_id: str
    asof: int
    people_in_graph: int
    engagement_pairs: int
    iterations: int
    converged: bool
    seconds: float = strawberry.field(description="Seconds of the score step.")
    topics_scored: int = strawberry.field(description="Topics with at least one topic score.")
    topic_scores: int = strawberry.field(description="(person, topic) scores written.")
    topic_communities: int
    people_communities: int
    total_seconds: float = strawberry.field(description="Seconds of the whole recompute.")

    @classmethod
    def of(cls, done: RecomputeReport) -> RecomputeResult:
        run, topic_run = done.scores, done.topics
        topic_comms, people_comms = done.topic_communities, done.people_communities
        return cls(run_id=run.run_id if run else "", asof=done.asof,
                   people_in_graph=run.people_in_graph if run else 0,
                   engagement_pairs=run.engagement_pairs if run else 0,
                   iterations=run.iterations if run else 0,
                   converged=run.converged if run else True,
                   seconds=run.seconds if run else 0.0,
                   topics_scored=topic_run.topics_scored if topic_run else 0,
                   topic_scores=topic_run.scores_written if topic_run else 0,
                   topic_communities=topic_comms.communities if topic_comms else 0,
                   people_communities=people_comms.communities if people_comms else 0,
                   total_seconds=done.seconds)


@strawberry.type(name="Mutation")
class OperatorMutation:
    @strawberry.mutation(description="Recompute every score, topic score and community "
                         "(operator token required).")
    async def recompute(self, info: CtxInfo, asof: Annotated[int | None, strawberry.argument(
            description="Scoring date, epoch seconds; default now.")] = None) -> RecomputeResult:
        require_operator(info)
        ctx = info.context
        done = await ctx.run(recompute, ctx.store, ctx.settings.model, asof)
        return RecomputeResult.of(done)


Mutation = OperatorMutation
