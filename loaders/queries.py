"""Cypher of the loaders: batched, idempotent ``UNWIND ... MERGE`` writes."""

from influence.store import Query

UPSERT_ACCOUNTS = Query(
    "upsert_accounts",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.key})
    SET a.network = row.network, a.id = row.id,
        a.created_at = coalesce(row.created_at, a.created_at),
        a.reputation = coalesce(row.reputation, a.reputation)
    """,
)

UPSERT_PEOPLE = Query(
    "upsert_people",
    """
    UNWIND $rows AS row
    MERGE (p:Person {id: row.id})
    ON CREATE SET p.consent = 'unknown'
    SET p.name = coalesce(row.name, p.name)
    """,
)

LINK_ACCOUNTS = Query(
    "link_accounts",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.key})
    ON CREATE SET a.network = row.network, a.id = row.id
    MERGE (p:Person {id: row.person})
    ON CREATE SET p.consent = 'unknown'
    MERGE (p)-[:HAS_ACCOUNT]->(a)
    WITH a, p
    CALL (a, p) {
        MATCH (old:Person)-[h:HAS_ACCOUNT]->(a) WHERE old <> p
        DELETE h
        WITH old, a
        WHERE old.id = a.key AND coalesce(old.consent, 'unknown') = 'unknown'
          AND NOT EXISTS { (old)-[:HAS_ACCOUNT]->() }
        DETACH DELETE old
    }
    """,
)

UPSERT_TOPICS = Query(
    "upsert_topics",
    """
    UNWIND $rows AS row
    MERGE (t:Topic {name: row.name})
    SET t.posts = coalesce(row.posts, t.posts)
    FOREACH (_ IN CASE WHEN row.parent IS NULL THEN [] ELSE [1] END |
        MERGE (b:Topic {name: row.parent})
        MERGE (t)-[:SUBTOPIC_OF]->(b))
    """,
)

UPSERT_POST_LINKS = Query(
    "upsert_post_links",
    """
    UNWIND $rows AS row
    MERGE (p:Post {key: row.post_key})
    ON CREATE SET p.network = row.network
    MERGE (q:Post {key: row.target_key})
    ON CREATE SET q.network = row.network
    MERGE (p)-[l:LINKS_TO {kind: row.kind}]->(q)
    SET l.at = row.at
    """,
)

GET_CHECKPOINT = Query(
    "get_load_checkpoint",
    """
    MATCH (c:LoadCheckpoint {key: $key})
    RETURN c.position AS position, c.fingerprint AS fingerprint, c.updated_at AS updated_at
    """,
)

SET_CHECKPOINT = Query(
    "set_load_checkpoint",
    """
    MERGE (c:LoadCheckpoint {key: $key})
    SET c.position = $position, c.fingerprint = $fingerprint, c.updated_at = $updated_at
    """,
)

CLEAR_CHECKPOINT = Query(
    "clear_load_checkpoint", "MATCH (c:LoadCheckpoint {key: $key}) DELETE c"
)

DATABASE_IS_EMPTY = Query(
    "database_is_empty",
    """
    RETURN NOT EXISTS { MATCH (:Account) } AND NOT EXISTS { MATCH (:Post) } AS empty
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

ENSURE_ACCOUNTS = Query(
    "ensure_accounts",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.key})
    ON CREATE SET a.network = row.network, a.id = row.id
    """,
)

UPSERT_INTERACTIONS = Query(
    "upsert_interactions",
    """
    UNWIND $rows AS row
    MATCH (a:Account {key: row.actor_key})
    MATCH (b:Account {key: row.target_key})
    MERGE (a)-[r:ENGAGED {id: row.key}]->(b)
    SET r.kind = row.kind, r.at = row.at, r.network = row.network, r.post = row.post_key,
        r.value = row.value,
        r.topics = CASE WHEN size(row.topics) = 0 AND row.post_key IS NOT NULL
                        THEN coalesce(head(COLLECT { MATCH (p:Post {key: row.post_key})
                                                     RETURN p.topics }), [])
                        ELSE row.topics END
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

BULK_ACCOUNTS = Query(
    "bulk_accounts",
    """
    LOAD CSV WITH HEADERS FROM $url AS row
    CALL (row) {
        MERGE (a:Account {key: row.key})
        ON CREATE SET a.network = row.network, a.id = row.id
    } IN TRANSACTIONS OF $batch ROWS
    """,
)

BULK_CREATE_INTERACTIONS = Query(
    "bulk_create_interactions",
    """
    LOAD CSV WITH HEADERS FROM $url AS row
    CALL (row) {
        MATCH (a:Account {key: row.actor_key})
        MATCH (b:Account {key: row.target_key})
        CREATE (a)-[:ENGAGED {id: row.key, kind: row.kind, at: toInteger(row.at),
                network: row.network, post: row.post_key, value: toFloat(row.value),
                topics: CASE WHEN row.topics IS NOT NULL THEN split(row.topics, '|')
                             WHEN row.post_key IS NULL THEN []
                             ELSE coalesce(head(COLLECT { MATCH (p:Post {key: row.post_key})
                                                          RETURN p.topics }), []) END}]->(b)
    } IN TRANSACTIONS OF $batch ROWS
    """,
)

BULK_MERGE_INTERACTIONS = Query(
    "bulk_merge_interactions",
    """
    LOAD CSV WITH HEADERS FROM $url AS row
    CALL (row) {
        MATCH (a:Account {key: row.actor_key})
        MATCH (b:Account {key: row.target_key})
        MERGE (a)-[r:ENGAGED {id: row.key}]->(b)
        SET r.kind = row.kind, r.at = toInteger(row.at), r.network = row.network,
            r.post = row.post_key, r.value = toFloat(row.value),
            r.topics = CASE WHEN row.topics IS NOT NULL THEN split(row.topics, '|')
                            WHEN row.post_key IS NULL THEN []
                            ELSE coalesce(head(COLLECT { MATCH (p:Post {key: row.post_key})
                                                         RETURN p.topics }), []) END
    } IN TRANSACTIONS OF $batch ROWS
    """,
)
