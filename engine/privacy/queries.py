"""Cypher of consent, erasure, access export, objection to profiling and the audit log."""

from influence.engine.queries import INTERACTIONS
from influence.store import Query

# --- salt and tombstones ------------------------------------------------------------------

SALT = Query(
    "privacy_salt",
    """
    MERGE (s:PrivacySalt {name: 'tombstone'})
    ON CREATE SET s.value = $candidate, s.created_at = $at
    RETURN s.value AS value
    """,
)

TOMBSTONE_HASHES = Query("tombstone_hashes", "MATCH (t:Tombstone) RETURN t.hash AS hash")

TOMBSTONE_EXISTS = Query(
    "tombstone_exists",
    "RETURN EXISTS { MATCH (:Tombstone {hash: $hash}) } AS found",
)

ADD_TOMBSTONES = Query(
    "add_tombstones",
    """
    UNWIND $rows AS row
    MERGE (t:Tombstone {hash: row.hash})
    ON CREATE SET t.kind = row.kind, t.at = $at
    """,
)

# --- consent and objection ----------------------------------------------------------------

SET_CONSENT = Query(
    "set_consent",
    """
    MATCH (p:Person {id: $id})
    SET p.consent = $state, p.consent_source = $source, p.consent_at = $at
    RETURN p.id AS id
    """,
)

SET_OBJECTION = Query(
    "set_profiling_objection",
    """
    MATCH (p:Person {id: $id})
    SET p.profiling_objection = $objection, p.profiling_objection_at = $at
    RETURN p.id AS id
    """,
)

CLEAR_OBJECTED_SCORES = Query(
    "clear_objected_scores",
    """
    MATCH (p:Person {profiling_objection: true})
    SET p.score = null, p.percentile = null, p.confidence = null,
        p.score_networks = null, p.network_scores = null
    WITH p
    OPTIONAL MATCH (p)-[t:TOPIC_SCORE]->()
    DELETE t
    """,
)

# --- erasure ------------------------------------------------------------------------------

ERASURE_SUBJECT = Query(
    "erasure_subject",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    OPTIONAL MATCH (a)-[:POSTED]->(post:Post)
    WITH p, collect(DISTINCT a) AS accounts, collect(DISTINCT post.key) AS posts
    CALL (accounts) {
        UNWIND accounts AS a
        MATCH (a)-[r:""" + INTERACTIONS + """]-(:Account)
        WITH DISTINCT r
        RETURN sum(size(r.ev)) AS interactions
    }
    RETURN p.id AS id, p.slot AS slot, [a IN accounts | a {.key, .network, .id}] AS accounts,
           posts, interactions
    """,
)

OPTED_OUT_PEOPLE = Query(
    "opted_out_people",
    "MATCH (p:Person {consent: 'opted_out'}) RETURN p.id AS id ORDER BY id",
)

DELETE_SATELLITES = Query(
    "delete_erasure_satellites",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    WITH p, collect(a) + [p] AS owners
    UNWIND owners AS owner
    MATCH (owner)--(s)
    WHERE NOT s:Person AND NOT s:Account AND NOT s:Post AND NOT s:Topic
      AND all(other IN COLLECT { MATCH (s)--(y) RETURN y } WHERE other IN owners)
    WITH DISTINCT s
    DETACH DELETE s
    """,
)

DELETE_DERIVED = Query(
    "delete_erasure_derived",
    """
    MATCH (n) WHERE (n.person_id = $id OR n.person = $id)
      AND NOT (n:Person OR n:Account OR n:Post OR n:Topic OR n:AuditEvent OR n:Tombstone)
    CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
    """,
)

DELETE_POSTS = Query(
    "delete_erased_posts",
    "UNWIND $keys AS key MATCH (post:Post {key: key}) DETACH DELETE post",
)

DELETE_ACCOUNTS = Query(
    "delete_erased_accounts",
    "UNWIND $keys AS key MATCH (a:Account {key: key}) DETACH DELETE a",
)

DELETE_PERSON = Query("delete_erased_person", "MATCH (p:Person {id: $id}) DETACH DELETE p")

NODE_TRACES = Query(
    "node_traces",
    """
    MATCH (n) WHERE NOT n:Tombstone AND NOT n:AuditEvent
    WITH n, [k IN keys(n) WHERE NOT (n:Post AND k IN ['key', 'id', 'parent']) AND CASE
              WHEN valueType(n[k]) STARTS WITH 'LIST'
                THEN any(x IN n[k] WHERE x IN $values
                         OR (valueType(x) STARTS WITH 'STRING' AND x =~ $pattern))
              WHEN valueType(n[k]) STARTS WITH 'STRING'
                THEN n[k] IN $values OR n[k] =~ $pattern
              ELSE false END] AS hits
    WHERE size(hits) > 0
    RETURN elementId(n) AS element, labels(n) AS labels, [k IN hits | [k, n[k]]] AS hits
    """,
)

RELATIONSHIP_TRACES = Query(
    "relationship_traces",
    """
    MATCH ()-[r]->()
    WITH r, [k IN keys(r) WHERE k <> 'post' AND CASE
              WHEN valueType(r[k]) STARTS WITH 'LIST'
                THEN any(x IN r[k] WHERE x IN $values
                         OR (valueType(x) STARTS WITH 'STRING' AND x =~ $pattern))
              WHEN valueType(r[k]) STARTS WITH 'STRING'
                THEN r[k] IN $values OR r[k] =~ $pattern
              ELSE false END] AS hits
    WHERE size(hits) > 0
    RETURN elementId(r) AS element, [type(r)] AS labels, [k IN hits | [k, r[k]]] AS hits
    """,
)

POST_TRACES = Query(
    "post_traces",
    """
    CALL () {
        MATCH (p:Post) WHERE p.key IN $posts
        RETURN 'node' AS kind, elementId(p) AS element, labels(p) AS labels,
               [['key', p.key]] AS hits
        UNION ALL
        MATCH ()-[r]->() WHERE r.post IN $posts
        RETURN 'relationship' AS kind, elementId(r) AS element, [type(r)] AS labels,
               [['post', r.post]] AS hits
    }
    RETURN kind, element, labels, hits
    """,
)

SCRUB_NODE = Query(
    "scrub_node_properties", "MATCH (n) WHERE elementId(n) = $element SET n += $props"
)

SCRUB_RELATIONSHIP = Query(
    "scrub_relationship_properties",
    "MATCH ()-[r]->() WHERE elementId(r) = $element SET r += $props",
)

# --- access export ------------------------------------------------------------------------

EXPORT_PERSON = Query(
    "export_person",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    RETURN properties(p) AS person, collect(properties(a)) AS accounts
    """,
)

EXPORT_POSTS = Query(
    "export_posts",
    """
    MATCH (:Person {id: $id})-[:HAS_ACCOUNT]->(a:Account)-[:POSTED]->(post:Post)
    OPTIONAL MATCH (post)-[:IN_REPLY_TO]->(parent:Post)
    RETURN a.key AS account, properties(post) AS post, parent.key AS in_reply_to
    ORDER BY post.created_at, post.key
    """,
)

EXPORT_INTERACTIONS = Query(
    "export_interactions",
    """
    MATCH (:Person {id: $id})-[:HAS_ACCOUNT]->(a:Account)
    CALL (a) {
        MATCH (a)-[r:""" + INTERACTIONS + """]->(b:Account)
        OPTIONAL MATCH (q:Person)-[:HAS_ACCOUNT]->(b)
        RETURN 'authored' AS direction, r, q
        UNION ALL
        MATCH (a)<-[r:""" + INTERACTIONS + """]-(b:Account)
        OPTIONAL MATCH (q:Person)-[:HAS_ACCOUNT]->(b)
        RETURN 'received' AS direction, r, q
    }
    RETURN direction, a.key AS account,
           {kind: toLower(type(r)), topics: r.topics,
            times: [e IN r.ev | e / 1048576], values: r.vals} AS interaction,
           q.id AS counterpart, q.consent AS counterpart_consent
    ORDER BY interaction.times[0], interaction.kind
    """,
)

EXPORT_OTHER_LINKS = Query(
    "export_other_links",
    """
    MATCH (p:Person {id: $id})-[r]-(x)
    WHERE NOT type(r) = 'HAS_ACCOUNT'
    RETURN type(r) AS type, startNode(r) = p AS outgoing, properties(r) AS properties,
           labels(x) AS labels,
           CASE WHEN x:Person THEN {id: x.id, consent: x.consent} ELSE properties(x) END
             AS node
    """,
)

PEOPLE_CONSENT = Query(
    "people_consent",
    "UNWIND $ids AS id MATCH (p:Person {id: id}) RETURN p.id AS id, p.consent AS consent",
)

# --- audit log ----------------------------------------------------------------------------

APPEND_AUDIT = Query(
    "append_audit_event",
    """
    CREATE (e:AuditEvent {id: randomUUID(), at: $at, actor: $actor, action: $action,
                          subject: $subject, detail: $detail})
    RETURN e.id AS id
    """,
)

AUDIT_LOG = Query(
    "audit_log",
    """
    MATCH (e:AuditEvent)
    WHERE ($subject IS NULL OR e.subject = $subject) AND ($action IS NULL OR e.action = $action)
    RETURN e.id AS id, e.at AS at, e.actor AS actor, e.action AS action, e.subject AS subject,
           e.detail AS detail
    ORDER BY e.at DESC, e.id DESC LIMIT $first
    """,
)
