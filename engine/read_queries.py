"""Cypher of the read paths (people, leaderboards, neighbours) used by the API."""

from influence.store import Query

PERSON = Query(
    "person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile,
           collect(a {.network, .id}) AS accounts
    """,
)

LEADERBOARD = Query(
    "leaderboard",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL AND p.consent IN $states
    WITH p ORDER BY p.score DESC, p.id ASC LIMIT $first
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    WITH p, collect(a {.network, .id}) AS accounts
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile, accounts
    ORDER BY score DESC, id ASC
    """,
)

TOPIC_LEADERBOARD = Query(
    "topic_leaderboard",
    """
    MATCH (:Topic {name: $topic})<-[:TAGGED]-(:Post)<-[:POSTED]-(:Account)
          <-[:HAS_ACCOUNT]-(p:Person)
    WHERE p.score IS NOT NULL AND p.consent IN $states
    WITH DISTINCT p ORDER BY p.score DESC, p.id ASC LIMIT $first
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    WITH p, collect(a {.network, .id}) AS accounts
    RETURN p.id AS id, p.consent AS consent, p.score AS score, p.percentile AS percentile, accounts
    ORDER BY score DESC, id ASC
    """,
)
