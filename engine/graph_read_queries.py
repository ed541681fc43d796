"""Cypher of the API's graph reads: batched people, neighbours, search, leaderboards, communities.

Every batched query takes a list of ids (``$ids``) so one request makes one round trip per
field kind, whatever the number of parents (the API's DataLoaders call these).
"""

from influence.engine.queries import INTERACTIONS
from influence.store import Query


def _person_row(*carried: str) -> str:
    """The row of a person the API shows (a PersonView): ``p`` bound, one row per person;
    ``carried`` variables are kept beside it (e.g. to order by)."""
    keep = "".join(f", {name}" for name in carried)
    return f"""
    OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
    WITH p, collect(a {{.network, .id, .handle, .display_name, .url}}) AS accounts{keep}
    RETURN p.id AS id, p.name AS name, p.consent AS consent, p.score AS score,
           p.percentile AS percentile, p.confidence AS confidence,
           p.score_networks AS score_networks, p.network_scores AS network_scores,
           accounts{keep}
"""


_PERSON_ROW = _person_row()

PEOPLE_BY_IDS = Query(
    "people_by_ids",
    """
    UNWIND $ids AS id
    MATCH (p:Person {id: id})
""" + _PERSON_ROW + """    """,
)

TOPICS_BY_PEOPLE = Query(
    "topics_by_people",
    """
    UNWIND $ids AS id
    MATCH (p:Person {id: id})
    CALL (p) {
        MATCH (p)-[s:TOPIC_SCORE]->(t:Topic)
        WITH t, s ORDER BY s.score DESC, t.name ASC LIMIT $first
        RETURN collect({topic: t.name, score: s.score, percentile: s.percentile}) AS topics
    }
    RETURN p.id AS id, p.consent AS consent, topics
    """,
)

_NEIGHBOUR_TAIL = """
        WITH o, sum(size(r.ev)) AS interactions, collect(DISTINCT toLower(type(r))) AS kinds,
             sum(coalesce($weights[type(r)], 0.0) * size(r.ev)) AS weight
        ORDER BY weight DESC, interactions DESC, o.id ASC LIMIT $first
        OPTIONAL MATCH (o)-[:HAS_ACCOUNT]->(oa:Account)
        WITH o, interactions, kinds, weight,
             collect(oa {.network, .id, .handle, .display_name, .url}) AS accounts
        ORDER BY weight DESC, interactions DESC, o.id ASC
        RETURN collect({id: o.id, name: o.name, consent: o.consent, score: o.score,
                        percentile: o.percentile, confidence: o.confidence,
                        score_networks: o.score_networks, network_scores: o.network_scores,
                        accounts: accounts,
                        interactions: interactions, kinds: kinds, weight: weight}) AS neighbours
    }
    RETURN p.id AS id, neighbours
"""


def _neighbours(name: str, pattern: str) -> Query:
    """Neighbours in one direction: ``pattern`` is the interaction step between the accounts."""
    return Query(name, """
    UNWIND $ids AS id
    MATCH (p:Person {id: id})
    CALL (p) {
        MATCH (p)-[:HAS_ACCOUNT]->(:Account)""" + pattern + """(:Account)
              <-[:HAS_ACCOUNT]-(o:Person)
        WHERE o <> p AND ($types IS NULL OR type(r) IN $types)
    """ + _NEIGHBOUR_TAIL)


NEIGHBOURS_OUT = _neighbours("neighbours_out", "-[r:" + INTERACTIONS + "]->")
NEIGHBOURS_IN = _neighbours("neighbours_in", "<-[r:" + INTERACTIONS + "]-")
NEIGHBOURS_BOTH = _neighbours("neighbours_both", "-[r:" + INTERACTIONS + "]-")

# People found by a search text: ``$text`` as an exact person, account id or account key (any
# person: ids are not names), or every word of ``$words`` (a Lucene query, see
# graph_reads.name_query; None for none) as a word of the name or of an account's display name
# or handle, by prefix (published people only: a hidden person's name finds nobody).
_SEARCH = """
    CALL () {
        MATCH (p:Person {id: $text}) RETURN p, 0 AS tier, 0.0 AS relevance
        UNION ALL
        MATCH (a:Account {id: $text})<-[:HAS_ACCOUNT]-(p:Person) RETURN p, 0 AS tier,
              0.0 AS relevance
        UNION ALL
        MATCH (a:Account {key: $text})<-[:HAS_ACCOUNT]-(p:Person) RETURN p, 0 AS tier,
              0.0 AS relevance
        UNION ALL
        UNWIND CASE WHEN $words IS NULL THEN [] ELSE [$words] END AS words
        CALL db.index.fulltext.queryNodes('person_names', words) YIELD node, score
        OPTIONAL MATCH (owner:Person)-[:HAS_ACCOUNT]->(node)
        WITH coalesce(owner, node) AS p, score WHERE p.consent IN $states
        RETURN p, 1 AS tier, score AS relevance
    }
    WITH p, min(tier) AS tier, max(relevance) AS relevance
"""

SEARCH_PEOPLE = Query(
    "search_people",
    _SEARCH + """
    WITH p, tier, relevance, CASE WHEN p.consent IN $states THEN p.score END AS shown
    ORDER BY tier, coalesce(shown, -1.0) DESC, relevance DESC, p.id
    SKIP $skip LIMIT $first
""" + _person_row("tier", "relevance", "shown") + """
    ORDER BY tier, coalesce(shown, -1.0) DESC, relevance DESC, id
    """,
)

SEARCH_PEOPLE_COUNT = Query(
    "search_people_count", _SEARCH + "    RETURN count(p) AS n\n")

LEADERBOARD_PAGE = Query(
    "leaderboard_page",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL AND p.consent IN $states
      AND ($network IS NULL OR EXISTS { (p)-[:HAS_ACCOUNT]->(:Account {network: $network}) })
    WITH p ORDER BY p.score DESC, p.id ASC SKIP $skip LIMIT $first
""" + _PERSON_ROW + """    ORDER BY score DESC, id ASC
    """,
)

LEADERBOARD_COUNT = Query(
    "leaderboard_count",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL AND p.consent IN $states
      AND ($network IS NULL OR EXISTS { (p)-[:HAS_ACCOUNT]->(:Account {network: $network}) })
    RETURN count(p) AS n
    """,
)

TOPIC_LEADERBOARD_PAGE = Query(
    "topic_leaderboard_page",
    """
    MATCH (:Topic {name: $topic})<-[:TAGGED]-(:Post)<-[:POSTED]-(:Account)
          <-[:HAS_ACCOUNT]-(p:Person)
    WHERE p.score IS NOT NULL AND p.consent IN $states
      AND ($network IS NULL OR EXISTS { (p)-[:HAS_ACCOUNT]->(:Account {network: $network}) })
    WITH DISTINCT p ORDER BY p.score DESC, p.id ASC SKIP $skip LIMIT $first
""" + _PERSON_ROW + """    ORDER BY score DESC, id ASC
    """,
)

TOPIC_LEADERBOARD_COUNT = Query(
    "topic_leaderboard_count",
    """
    MATCH (:Topic {name: $topic})<-[:TAGGED]-(:Post)<-[:POSTED]-(:Account)
          <-[:HAS_ACCOUNT]-(p:Person)
    WHERE p.score IS NOT NULL AND p.consent IN $states
      AND ($network IS NULL OR EXISTS { (p)-[:HAS_ACCOUNT]->(:Account {network: $network}) })
    RETURN count(DISTINCT p) AS n
    """,
)

TOPICS_PAGE = Query(
    "topics_page",
    """
    MATCH (t:Topic) WHERE $q IS NULL OR toLower(t.name) CONTAINS $q
    WITH t, COUNT { (t)<-[:TAGGED]-(:Post) } AS posts
    RETURN t.name AS name, posts, t.community AS community
    ORDER BY posts DESC, name ASC SKIP $skip LIMIT $first
    """,
)

TOPICS_COUNT = Query(
    "topics_count",
    """
    MATCH (t:Topic) WHERE $q IS NULL OR toLower(t.name) CONTAINS $q
    RETURN count(t) AS n
    """,
)

TOPICS_BY_NAMES = Query(
    "topics_by_names",
    """
    UNWIND $names AS name
    MATCH (t:Topic {name: name})
    RETURN t.name AS name, COUNT { (t)<-[:TAGGED]-(:Post) } AS posts, t.community AS community
    """,
)

COMMUNITY_OF_PEOPLE = Query(
    "community_of_people",
    """
    UNWIND $ids AS id
    MATCH (p:Person {id: id})
    RETURN p.id AS id, toString(p.community) AS community
    """,
)
