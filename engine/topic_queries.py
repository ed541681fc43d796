"""Cypher of topic influence: per-topic projection, PageRank per topic, reads and explanations.

Graph names, topic names, relationship-type names and all values are parameters.
"""

from influence.engine.queries import INTERACTIONS
from influence.store import Query

TOPIC_TYPES = Query(
    "topic_types",
    """
    MATCH (t:Topic)
    RETURN t.name AS topic ORDER BY topic
    """,
)

# Every interaction relationship with topics and engagement inside the window: its accounts,
# its topic key and its kind-weighted decayed strength (as of $asof).
# Read for the engaging accounts in $accounts, a chunk at a time, like ENGAGEMENT_COLUMNS in
# engine/queries.py. The topics travel as the relationship's key `tk` (its sorted topics joined
# by '|', which topic names cannot contain): one string a relationship, where the `topics`
# lists took 1.5-2.3 s more to read on the 1M-interaction benchmark graph (3.0-3.6 s against
# 1.5-2.4 s, three runs each).
TOPIC_COLUMNS = Query(
    "topic_columns",
    """
    UNWIND $accounts AS account
    MATCH (a) WHERE id(a) = account
    MATCH (a)-[r:""" + INTERACTIONS + """]->(b)
    WHERE r.topics IS NOT NULL AND coalesce($weights[type(r)], 0.0) > 0
    WITH a, b, r, [e IN r.ev WHERE e > $lo AND e <= $hi] AS inside
    WHERE size(inside) > 0
    RETURN collect(id(a)) AS sources, collect(id(b)) AS targets, collect(r.tk) AS keys,
           collect($weights[type(r)] * reduce(x = 0.0, e IN inside
                   | x + 2.0 ^ ((e / 1048576 - $asof) / $half_life_s))) AS parts
    """,
)

PERSON_IDS = Query(
    "person_ids",
    "MATCH (p:Person) RETURN collect(id(p)) AS nodes, collect(p.id) AS ids",
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
    UNWIND range(0, size($people) - 1) AS i
    MATCH (t:Topic {name: $topics[i]})
    MATCH (p:Person) WHERE id(p) = $people[i]
    CREATE (p)-[:TOPIC_SCORE {score: $scores[i], percentile: $percentiles[i], raw: $raws[i],
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

# Explanation of one person's score on one topic: each engager's weight on the topic's pairs
# (log(1 + decayed strength)), the engager's total weight on the topic, and their own raw
# topic PageRank.
TOPIC_CONTRIBUTIONS = Query(
    "topic_contributions",
    """
    MATCH (p:Person {id: $id})-[s:TOPIC_SCORE]->(t:Topic {name: $topic})
    MATCH (pb:Person)-[:HAS_ACCOUNT]->(:Account)-[r:""" + INTERACTIONS + """]->(:Account)
          <-[:HAS_ACCOUNT]-(p)
    WHERE pb <> p AND $topic IN r.topics AND coalesce($weights[type(r)], 0.0) > 0
    WITH p, s, t, pb, r, s.asof * 1048576 + 1048575 AS hi,
         (s.asof - $window_s) * 1048576 + 1048575 AS lo
    WITH p, s, t, pb, r, hi, lo, [e IN r.ev WHERE e > lo AND e <= hi] AS inside
    WHERE size(inside) > 0
    WITH p, s, t, pb, hi, lo, collect(DISTINCT toLower(type(r))) AS kinds,
         sum($weights[type(r)] * reduce(x = 0.0, e IN inside
             | x + 2.0 ^ ((e / 1048576 - s.asof) / $half_life_s))) AS strength
    CALL (pb, s, hi, lo) {
        MATCH (pb)-[:HAS_ACCOUNT]->(:Account)-[r2:""" + INTERACTIONS + """]->(:Account)
              <-[:HAS_ACCOUNT]-(o:Person)
        WHERE o <> pb AND $topic IN r2.topics AND coalesce($weights[type(r2)], 0.0) > 0
        WITH o, r2, [e IN r2.ev WHERE e > lo AND e <= hi] AS inside
        WHERE size(inside) > 0
        WITH o, sum($weights[type(r2)] * reduce(x = 0.0, e IN inside
                 | x + 2.0 ^ ((e / 1048576 - s.asof) / $half_life_s))) AS st
        RETURN sum(log(1.0 + st)) AS out_weight
    }
    OPTIONAL MATCH (pb)-[ps:TOPIC_SCORE]->(t)
    RETURN pb.id AS engager, pb.consent AS consent, kinds, log(1.0 + strength) AS weight,
           out_weight, ps.raw AS engager_raw, s.score AS score, s.raw AS raw, s.asof AS asof
    """,
)
