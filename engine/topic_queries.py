"""Cypher of topic influence: per-topic projection, PageRank per topic, reads and explanations.

Graph names, topic names, relationship-type names and all values are parameters.
"""

from influence.store import Query

TOPIC_TYPES = Query(
    "topic_types",
    """
    MATCH (t:Topic)
    RETURN t.name AS topic ORDER BY topic
    """,
)

TOPIC_PAIRS = Query(
    "topic_pairs",
    """
    MATCH (pa:Person)-[:HAS_ACCOUNT]->(:Account)-[r:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(pb:Person)
    WHERE pa <> pb AND r.at <= $asof AND r.at > $asof - $window_s
      AND r.kind IN keys($weights)
    UNWIND coalesce(r.topics, []) AS topic
    WITH pa, pb, topic, r WHERE topic IN $topics
    WITH pa, pb, topic, sum($weights[r.kind] * 0.5 ^ (($asof - r.at) / $half_life_s)) AS strength
    RETURN topic, pa.id AS source, pb.id AS target, log(1.0 + strength) AS weight
    """,
)

ALL_PAIRS = Query(
    "all_pairs",
    """
    MATCH (pa:Person)-[:HAS_ACCOUNT]->(:Account)-[r:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(pb:Person)
    WHERE pa <> pb AND r.at <= $asof AND r.at > $asof - $window_s
      AND r.kind IN keys($weights)
    WITH pa, pb, sum($weights[r.kind] * 0.5 ^ (($asof - r.at) / $half_life_s)) AS strength
    RETURN pa.id AS source, pb.id AS target, log(1.0 + strength) AS weight
    """,
)

TOPIC_SCORES_RAW = Query(
    "topic_scores_raw",
    """
    MATCH (p:Person)-[s:TOPIC_SCORE]->(t:Topic)
    WHERE t.name IN $topics
    RETURN t.name AS topic, p.id AS person, s.raw AS raw, s.score AS score
    """,
)

ACCOUNT_PEOPLE = Query(
    "account_people",
    """
    MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account {network: $network})
    RETURN a.id AS account, p.id AS person, p.score AS score
    """,
)

CLEAR_TOPIC_SCORES = Query(
    "clear_topic_scores",
    """
    MATCH (:Person)-[s:TOPIC_SCORE]->(:Topic)
    CALL (s) { DELETE s } IN TRANSACTIONS OF 20000 ROWS
    """,
)

WRITE_TOPIC_SCORES = Query(
    "write_topic_scores",
    """
    UNWIND $rows AS row
    MATCH (p:Person {id: row.person}), (t:Topic {name: row.topic})
    CREATE (p)-[:TOPIC_SCORE {score: row.score, percentile: row.percentile, raw: row.raw,
                              asof: $asof, run: $run}]->(t)
    """,
)

MARK_TOPICS_SCORED = Query(
    "mark_topics_scored",
    """
    MATCH (t:Topic)
    SET t.scored_asof = $asof, t.score_run = $run
    """,
)

PERSON_TOPICS = Query(
    "person_topics",
    """
    MATCH (p:Person {id: $id})
    OPTIONAL MATCH (p)-[s:TOPIC_SCORE]->(t:Topic)
    WITH p, s, t ORDER BY s.score DESC, t.name ASC
    WITH p, collect(CASE WHEN t IS NULL THEN null
                    ELSE {topic: t.name, score: s.score, percentile: s.percentile} END) AS topics
    RETURN p.id AS id, p.consent AS consent, topics[0..$first] AS topics
    """,
)

TOPIC_EXISTS = Query(
    "topic_exists",
    """
    MATCH (t:Topic {name: $topic})
    RETURN t.name AS topic, COUNT { (t)<-[:TAGGED]-(:Post) } AS posts,
           COUNT { (t)<-[:TOPIC_SCORE]-(:Person) } AS scored
    """,
)

TOPIC_SCORE_LEADERBOARD = Query(
    "topic_score_leaderboard",
    """
    MATCH (t:Topic {name: $topic})<-[s:TOPIC_SCORE]-(p:Person)
    WHERE p.consent IN $states
    WITH p, s ORDER BY s.score DESC, p.id ASC LIMIT $first
    RETURN p.id AS id, p.consent AS consent, s.score AS score, s.percentile AS percentile
    """,
)

TOPIC_LIST = Query(
    "topic_list",
    """
    MATCH (t:Topic)
    WITH t, COUNT { (t)<-[:TAGGED]-(:Post) } AS posts
    RETURN t.name AS topic, posts, t.community AS community
    ORDER BY posts DESC, topic ASC LIMIT $first
    """,
)

RELATED_TOPICS = Query(
    "related_topics",
    """
    MATCH (t:Topic {name: $topic})<-[:TAGGED]-(:Post)-[:TAGGED]->(o:Topic)
    WHERE o <> t
    WITH t, o, count(*) AS together
    RETURN o.name AS topic, together,
           (t.community IS NOT NULL AND t.community = o.community) AS same_community
    ORDER BY together DESC, topic ASC LIMIT $first
    """,
)

TOPIC_CONTRIBUTIONS = Query(
    "topic_contributions",
    """
    MATCH (p:Person {id: $id})-[s:TOPIC_SCORE]->(t:Topic {name: $topic})
    MATCH (pb:Person)-[:HAS_ACCOUNT]->(:Account)-[r:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(p)
    WHERE pb <> p AND r.at <= s.asof AND r.at > s.asof - $window_s
      AND r.kind IN keys($weights) AND $topic IN r.topics
    WITH p, s, t, pb, collect(DISTINCT r.kind) AS kinds,
         sum($weights[r.kind] * 0.5 ^ ((s.asof - r.at) / $half_life_s)) AS strength
    CALL (pb, s) {
        MATCH (pb)-[:HAS_ACCOUNT]->(:Account)-[r2:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(o:Person)
        WHERE o <> pb AND r2.at <= s.asof AND r2.at > s.asof - $window_s
          AND r2.kind IN keys($weights) AND $topic IN r2.topics
        WITH o, sum($weights[r2.kind] * 0.5 ^ ((s.asof - r2.at) / $half_life_s)) AS st
        RETURN sum(log(1.0 + st)) AS out_weight
    }
    OPTIONAL MATCH (pb)-[ps:TOPIC_SCORE]->(t)
    RETURN pb.id AS engager, pb.consent AS consent, kinds, log(1.0 + strength) AS weight,
           out_weight, ps.raw AS engager_raw, s.score AS score, s.raw AS raw, s.asof AS asof
    """,
)
