"""Cypher of the read paths (people, leaderboards, explanations, history) used by the API."""

from influence.store import Query

PERSON = Query(
    "person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile,
           p.confidence AS confidence, p.score_networks AS score_networks,
           p.network_scores AS network_scores, collect(a {.network, .id}) AS accounts
    """,
)


EXPLAIN_PERSON = Query(
    "explain_person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile,
           p.confidence AS confidence, p.raw AS raw, p.engagers AS engagers,
           p.interactions AS interactions, p.last_engaged AS last_engaged,
           p.score_asof AS asof, collect(DISTINCT a.network) AS networks
    """,
)

EXPLAIN_EDGES = Query(
    "explain_edges",
    """
    MATCH (u:Person)-[r:INFLUENCES]->(:Person {id: $id})
    RETURN u.id AS engager, u.consent AS consent, coalesce(r.credit, 0.0) AS credit,
           r.networks AS networks, r.kinds AS kinds, r.parts AS parts, r.strength AS strength,
           r.n AS interactions, r.pod AS pod, u.trust AS trust
    ORDER BY credit DESC, engager ASC
    """,
)

SCORE_HISTORY = Query(
    "score_history",
    """
    MATCH (s:ScoreSnapshot {person_id: $id}) WHERE s.asof >= $since AND s.asof <= $until
    RETURN s.asof AS asof, s.score AS score, s.percentile AS percentile,
           s.confidence AS confidence
    ORDER BY asof
    """,
)

PREVIOUS_SNAPSHOT = Query(
    "previous_snapshot",
    """
    MATCH (s:ScoreSnapshot {person_id: $id}) WHERE s.asof < $before
    RETURN s.score AS score ORDER BY s.asof DESC LIMIT 1
    """,
)
