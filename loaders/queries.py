"""Cypher of the loaders: batched, idempotent ``UNWIND ... MERGE`` writes."""

from influence.domain import INTERACTION_TYPES
from influence.store import Query

UPSERT_ACCOUNTS = Query(
    "upsert_accounts",
    """
    UNWIND $rows AS row
    MERGE (a:Account {key: row.key})
    SET a.network = row.network, a.id = row.id,
        a.created_at = coalesce(row.created_at, a.created_at),
        a.reputation = coalesce(row.reputation, a.reputation),
        a.handle = coalesce(row.handle, a.handle),
        a.display_name = coalesce(row.display_name, a.display_name),
        a.url = coalesce(row.url, a.url)
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

# Empty but for the schema's own records: nothing a first load's import would overwrite
# (no tombstones, audit events or checkpoints either).
DATABASE_IS_EMPTY = Query(
    "database_is_empty",
    """
    RETURN NOT EXISTS { MATCH (n) WHERE NOT n:SchemaMigration } AS empty
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
    RETURN collect(row.key) AS keys, collect(id(a)) AS ids
    """,
)

# Interactions, aggregated: one relationship per (actor account, target account, kind, topics),
# typed by the kind (ANSWER, LIKE, ...), keyed by `tk` (the sorted topics joined by '|', '' for
# none), holding `ev`, the event words of its interactions (influence.domain.event_word), and
# `vals` (their signed values, NaN where none) when the source has values. A row carries the
# events of one such group in the batch; only words not yet in `ev` are added, so reloading
# adds nothing. Each returns how many rows found both accounts (the writer checks the count).
#
# One statement per relationship type, not one with a dynamic type: MERGE with `$(row.type)`
# expands every relationship of the account (all types) to find the group, a static type only
# its own (measured: 3.5x fewer database hits at 400k interactions).
#
# The accounts are found by node id, their key and label checked as filters: written as
# `MATCH (a:Account) WHERE id(a) = row.a AND a.key = row.ka`, the planner seeks the unique
# key index with locks instead, and the first batch into a new database (20,000 groups of a
# generated 500k-event file) took 31-35 s in five runs of six, 3 s in the sixth; by node id
# 2.6-3.9 s in eight runs of eight (`labels(a)` is no label predicate the index could serve).
_ACCOUNTS_BY_ID = """
    MATCH (a) WHERE id(a) = row.a AND a.key = row.ka AND 'Account' IN labels(a)
    MATCH (b) WHERE id(b) = row.b AND b.key = row.kb AND 'Account' IN labels(b)"""
_UPSERT_PLAIN = """
    UNWIND $rows AS row""" + _ACCOUNTS_BY_ID + """
    MERGE (a)-[r:`TYPE` {tk: row.tk}]->(b)
    ON CREATE SET r.ev = row.ev, r.topics = row.topics
    ON MATCH SET r.ev = r.ev + [w IN row.ev WHERE NOT w IN r.ev]
    RETURN count(*) AS written
"""

# Rows with values, or with a post whose topics they take (a row with a post and no topics).
_UPSERT_FULL = """
    UNWIND $rows AS row""" + _ACCOUNTS_BY_ID + """
    WITH a, b, row, CASE WHEN row.post IS NULL THEN row.topics
                         ELSE coalesce(head(COLLECT { MATCH (p:Post {key: row.post})
                                                      RETURN p.topics }), []) END AS topics
    WITH a, b, row, topics,
         reduce(k = '', t IN topics | k + CASE WHEN k = '' THEN '' ELSE '|' END + t) AS tk
    MERGE (a)-[r:`TYPE` {tk: tk}]->(b)
    ON CREATE SET r.ev = [], r.topics = CASE WHEN size(topics) = 0 THEN null ELSE topics END
    WITH r, row, [i IN range(0, size(row.ev) - 1) WHERE NOT row.ev[i] IN r.ev] AS fresh
    SET r.vals = CASE WHEN size(fresh) = 0 THEN r.vals
                      WHEN row.vals IS NULL AND r.vals IS NULL THEN null
                      ELSE coalesce(r.vals, [e IN r.ev | 0.0 / 0.0])
                           + [i IN fresh | coalesce(row.vals[i], 0.0 / 0.0)] END,
        r.ev = r.ev + [i IN fresh | row.ev[i]]
    RETURN count(*) AS written
"""

UPSERT_INTERACTIONS: dict[str, Query] = {
    t: Query(f"upsert_interactions_{t.lower()}", _UPSERT_PLAIN.replace("`TYPE`", t))
    for t in INTERACTION_TYPES}
"""The plain upsert of each relationship type (rows without values and without a post)."""

UPSERT_INTERACTIONS_FULL: dict[str, Query] = {
    t: Query(f"upsert_interactions_full_{t.lower()}", _UPSERT_FULL.replace("`TYPE`", t))
    for t in INTERACTION_TYPES}
"""The upsert of each relationship type for rows with values or with a post's topics."""

# Take interactions out again (by their event words): a relationship left without events goes.
RETRACT_INTERACTIONS = Query(
    "retract_interactions",
    """
    UNWIND $rows AS row
    MATCH (a:Account {key: row.a})-[r]->(b:Account {key: row.b})
    WHERE type(r) = row.type
    WITH r, [i IN range(0, size(r.ev) - 1) WHERE NOT r.ev[i] IN row.ev] AS keep
    WHERE size(keep) < size(r.ev)
    FOREACH (_ IN CASE WHEN size(keep) = 0 THEN [1] ELSE [] END | DELETE r)
    FOREACH (_ IN CASE WHEN size(keep) > 0 THEN [1] ELSE [] END |
        SET r.vals = CASE WHEN r.vals IS NULL THEN null ELSE [i IN keep | r.vals[i]] END,
            r.ev = [i IN keep | r.ev[i]])
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
    CALL () { MATCH (:Account)-[r]->(:Account)
              RETURN coalesce(sum(size(r.ev)), 0) AS interactions, count(r) AS groups }
    RETURN people, accounts, posts, topics, interactions, groups
    """,
)
