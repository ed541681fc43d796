"""Cypher of the read paths (people, leaderboards, explanations, history) used by the API."""

from influence.engine.queries import INTERACTIONS
from influence.store import Query

PERSON = Query(
    "person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS id, p.name AS name, p.consent AS consent, p.score AS score,
           p.percentile AS percentile, p.confidence AS confidence,
           p.score_networks AS score_networks, p.network_scores AS network_scores,
           collect(a {.network, .id, .handle, .display_name, .url}) AS accounts
    """,
)


CURRENT_RUN = Query(
    "current_score_run",
    """
    MATCH (r:ScoreRun {current: true})
    RETURN r.id AS run, r.asof AS asof, r.chunk_size AS chunk_size, r.params AS params
    """,
)

EXPLAIN_PERSON = Query(
    "explain_person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile,
           p.confidence AS confidence, p.slot AS slot, collect(DISTINCT a.network) AS networks
    """,
)

# The chunks of a run holding the given slots: the person's own values and the engagers'.
RUN_CHUNKS = Query(
    "score_run_chunks",
    """
    UNWIND $chunks AS chunk
    MATCH (c:ScoreChunk {run: $run, chunk: chunk})
    RETURN c.chunk AS chunk, c.raw AS raw, c.pagerank AS pagerank, c.trust AS trust,
           c.attention AS attention, c.engagers AS engagers, c.interactions AS interactions,
           c.last_engaged AS last_engaged, c.pod_sources AS pod_sources,
           c.pod_targets AS pod_targets, c.pod_factors AS pod_factors
    """,
)

# Everyone who engaged the person inside the window of the run, by (network, kind): the
# decayed, kind-weighted strength of those interactions and how many there are.
EXPLAIN_ENGAGERS = Query(
    "explain_engagers",
    """
    MATCH (p:Person {id: $id})-[:HAS_ACCOUNT]->(:Account)<-[r:""" + INTERACTIONS + """]-(a:Account)
          <-[:HAS_ACCOUNT]-(u:Person)
    WHERE u <> p AND coalesce($weights[type(r)], 0.0) > 0
    WITH u, a.network AS network, toLower(type(r)) AS kind, $weights[type(r)] AS weight,
         [i IN range(0, size(r.ev) - 1)
          WHERE r.ev[i] > $lo AND r.ev[i] <= $hi AND (r.vals IS NULL OR NOT r.vals[i] < 0)
          | r.ev[i]] AS inside
    WHERE size(inside) > 0
    WITH u, network, kind,
         sum(weight * reduce(x = 0.0, e IN inside
             | x + 2.0 ^ ((e / 1048576 - $asof) / $half_life_s))) AS part,
         sum(size(inside)) AS n
    ORDER BY network, kind
    RETURN u.id AS engager, u.consent AS consent, u.slot AS slot, collect(network) AS networks,
           collect(kind) AS kinds, collect(part) AS parts, sum(n) AS interactions
    """,
)

# A person's dated scores: their entry in the chunk of every run between two dates.
SCORE_HISTORY = Query(
    "score_history",
    """
    MATCH (p:Person {id: $id}) WHERE p.slot IS NOT NULL
    MATCH (c:ScoreChunk {chunk: p.slot / $chunk_size})
    WHERE c.asof >= $since AND c.asof <= $until
    WITH c, p.slot % $chunk_size AS at
    WHERE NOT isNaN(c.score[at])
    RETURN c.asof AS asof, c.score[at] AS score, c.percentile[at] AS percentile,
           c.confidence[at] AS confidence
    ORDER BY asof
    """,
)

PREVIOUS_SNAPSHOT = Query(
    "previous_snapshot",
    """
    MATCH (p:Person {id: $id}) WHERE p.slot IS NOT NULL
    MATCH (c:ScoreChunk {chunk: p.slot / $chunk_size}) WHERE c.asof < $before
    WITH c, p.slot % $chunk_size AS at
    WHERE NOT isNaN(c.score[at])
    RETURN c.score[at] AS score ORDER BY c.asof DESC LIMIT 1
    """,
)
