"""Cypher of the loaders: batched, idempotent ``UNWIND ... MERGE`` writes."""

from influence.store import Query

UPSERT_ACCOUNTS = Query(
    "upsert_accounts",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.key})
    SET a.network = row.network, a.id = row.id, a.created_at = row.created_at,
        a.reputation = row.reputation
    WITH a, row
    MERGE (p:Person {id: row.person})
    ON CREATE SET p.consent = 'unknown'
    MERGE (p)-[:HAS_ACCOUNT]->(a)
    """,
)

UPSERT_POSTS = Query(
    "upsert_posts",
    """
    UNWIND $rows AS row
    MERGE (p:Post {key: row.key})
    SET p.network = row.network, p.id = row.id, p.kind = row.kind, p.created_at = row.created_at,
        p.upvotes = row.upvotes, p.downvotes = row.downvotes, p.topics = row.topics
    FOREACH (_ IN CASE WHEN row.author_key IS NULL THEN [] ELSE [1] END |
        MERGE (a:Account {key: row.author_key})
        ON CREATE SET a.network = row.network, a.id = row.author
        MERGE (a)-[:POSTED]->(p))
    FOREACH (_ IN CASE WHEN row.parent_key IS NULL THEN [] ELSE [1] END |
        MERGE (q:Post {key: row.parent_key})
        MERGE (p)-[:IN_REPLY_TO]->(q))
    FOREACH (name IN row.topics |
        MERGE (t:Topic {name: name})
        MERGE (p)-[:TAGGED]->(t))
    """,
)

UPSERT_INTERACTIONS = Query(
    "upsert_interactions",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.actor_key})
    ON CREATE SET a.network = row.network, a.id = row.actor
    MERGE (b:Account {key: row.target_key})
    ON CREATE SET b.network = row.network, b.id = row.target
    MERGE (a)-[r:ENGAGED {id: row.key}]->(b)
    SET r.kind = row.kind, r.at = row.at, r.network = row.network, r.post = row.post_key,
        r.topics = row.topics, r.value = row.value
    """,
)

UPSERT_CONSENT = Query(
    "upsert_consent",
    """
    UNWIND $rows AS row
    MERGE (p:Person {id: row.person})
    SET p.consent = row.state, p.consent_source = row.source, p.consent_at = row.at
    """,
)

LINK_ORPHAN_ACCOUNTS = Query(
    "link_orphan_accounts",
    """
    MATCH (a:Account) WHERE NOT EXISTS { (:Person)-[:HAS_ACCOUNT]->(a) }
    CALL (a) {
        MERGE (p:Person {id: a.key})
        ON CREATE SET p.consent = 'unknown'
        MERGE (p)-[:HAS_ACCOUNT]->(a)
    } IN TRANSACTIONS OF 10000 ROWS
    """,
)

GRAPH_COUNTS = Query(
    "graph_counts",
    """
    CALL () { MATCH (n:Person) RETURN count(n) AS people }
    CALL () { MATCH (n:Account) RETURN count(n) AS accounts }
    CALL () { MATCH (n:Post) RETURN count(n) AS posts }
    CALL () { MATCH (n:Topic) RETURN count(n) AS topics }
    CALL () { MATCH ()-[r:ENGAGED]->() RETURN count(r) AS interactions }
    RETURN people, accounts, posts, topics, interactions
    """,
)
