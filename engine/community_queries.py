"""Cypher of topic and people communities, and of the scratch projections of an evaluation.

Graph names and all values are parameters; the algorithm is chosen among fixed queries.
"""

from influence.store import Query

PROJECT_TOPIC_GRAPH = Query(
    "project_topic_graph",
    """
    CALL () {
        MATCH (t1:Topic)<-[:TAGGED]-(:Post)-[:TAGGED]->(t2:Topic)
        WHERE elementId(t1) < elementId(t2)
        RETURN t1, t2, toFloat(count(*)) AS w
      UNION ALL
        MATCH (a:Account)-[:POSTED]->(:Post)-[:TAGGED]->(t:Topic)
        WITH a, t, count(*) AS posts ORDER BY posts DESC
        WITH a, collect(t)[0..$max_topics_per_account] AS ts
        UNWIND range(0, size(ts) - 2) AS i
        UNWIND range(i + 1, size(ts) - 1) AS j
        WITH CASE WHEN elementId(ts[i]) < elementId(ts[j]) THEN ts[i] ELSE ts[j] END AS t1,
             CASE WHEN elementId(ts[i]) < elementId(ts[j]) THEN ts[j] ELSE ts[i] END AS t2
        RETURN t1, t2, $audience_weight * count(*) AS w
    }
    WITH t1, t2, sum(w) AS weight
    WITH gds.graph.project($graph, t1, t2, {relationshipProperties: {weight: weight}},
                           {undirectedRelationshipTypes: ['*']}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)

# People communities: the score's engager -> target pairs (person node ids), undirected, weight
# log(1 + decayed strength).
PROJECT_PEOPLE_GRAPH = Query(
    "project_people_graph",
    """
    UNWIND range(0, size($sources) - 1) AS i
    WITH gds.graph.project($graph, $sources[i], $targets[i],
           {relationshipProperties: {weight: $weights[i]}},
           {undirectedRelationshipTypes: ['*']}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)

PROJECT_PEOPLE_GRAPH_FILE = Query(
    "project_people_graph_file",
    """
    LOAD CSV FROM $url AS row
    WITH gds.graph.project($graph, toInteger(row[0]), toInteger(row[1]),
           {relationshipProperties: {weight: toFloat(row[2])}},
           {undirectedRelationshipTypes: ['*']}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)
"""PROJECT_PEOPLE_GRAPH from a file in the server's import folder (engine/projection.py)."""

PROJECT_EDGE_LIST = Query(
    "project_edge_list",
    """
    UNWIND $edges AS e
    WITH gds.graph.project($graph, e[0], e[1], {relationshipProperties: {weight: e[2]}},
                           {undirectedRelationshipTypes: $undirected}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)

# Detection mutates the in-memory graph, then one parallel write stores the property: graphs
# projected from parameter arrays (node ids, not node patterns) refuse the algorithms' write mode.
LOUVAIN_MUTATE = Query(
    "louvain_mutate",
    """
    CALL gds.louvain.mutate($graph, {mutateProperty: $property,
        relationshipWeightProperty: 'weight', concurrency: 1})
    YIELD communityCount, modularity, ranLevels
    RETURN communityCount AS communities, modularity, ranLevels AS levels
    """,
)

LEIDEN_MUTATE = Query(
    "leiden_mutate",
    """
    CALL gds.leiden.mutate($graph, {mutateProperty: $property,
        relationshipWeightProperty: 'weight', concurrency: 1, randomSeed: $seed})
    YIELD communityCount, modularity, ranLevels
    RETURN communityCount AS communities, modularity, ranLevels AS levels
    """,
)

WRITE_COMMUNITY = Query(
    "write_community_property",
    """
    CALL gds.graph.nodeProperties.write($graph, [$property])
    YIELD propertiesWritten
    RETURN propertiesWritten AS written
    """,
)

LOUVAIN_STREAM = Query(
    "louvain_stream",
    """
    CALL gds.louvain.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1})
    YIELD nodeId, communityId
    RETURN nodeId AS node, communityId AS community
    """,
)

LEIDEN_STREAM = Query(
    "leiden_stream",
    """
    CALL gds.leiden.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1,
                                    randomSeed: $seed})
    YIELD nodeId, communityId
    RETURN nodeId AS node, communityId AS community
    """,
)

CLEAR_TOPIC_COMMUNITIES = Query(
    "clear_topic_communities",
    """
    MATCH (t:Topic) WHERE t.community IS NOT NULL
    SET t.community = null
    WITH count(*) AS cleared
    OPTIONAL MATCH (c:TopicCommunity)
    DETACH DELETE c
    """,
)

CLEAR_PEOPLE_COMMUNITIES = Query(
    "clear_people_communities",
    """
    MATCH (p:Person) WHERE p.community IS NOT NULL
    CALL (p) { SET p.community = null } IN TRANSACTIONS OF 50000 ROWS
    """,
)

NAME_TOPIC_COMMUNITIES = Query(
    "name_topic_communities",
    """
    MATCH (t:Topic) WHERE t.community IS NOT NULL
    WITH t, COUNT { (t)<-[:TAGGED]-(:Post) } AS posts ORDER BY posts DESC, t.name ASC
    WITH t.community AS community, collect(t.name) AS topics, sum(posts) AS posts
    CREATE (c:TopicCommunity {id: community, name: reduce(s = head(topics),
                x IN topics[1..$name_topics] | s + ' / ' + x),
            size: size(topics), posts: posts, topics: topics, modularity: $modularity,
            algorithm: $algorithm, run: $run, computed_at: $now})
    WITH c, community
    MATCH (t:Topic {community: community})
    MERGE (t)-[:IN_COMMUNITY]->(c)
    RETURN count(DISTINCT c) AS communities
    """,
)

SAVE_SUMMARY = Query(
    "save_community_summary",
    """
    MERGE (s:CommunitySummary {kind: $kind})
    SET s.communities = $communities, s.modularity = $modularity, s.algorithm = $algorithm,
        s.members = $members, s.run = $run, s.computed_at = $now, s.seconds = $seconds
    """,
)

SUMMARY = Query(
    "community_summary",
    """
    MATCH (s:CommunitySummary {kind: $kind})
    RETURN s.communities AS communities, s.modularity AS modularity, s.algorithm AS algorithm,
           s.members AS members, s.computed_at AS computed_at
    """,
)

TOPIC_COMMUNITIES = Query(
    "topic_communities",
    """
    MATCH (c:TopicCommunity)
    RETURN c.id AS id, c.name AS name, c.size AS size, c.posts AS posts,
           c.topics[0..coalesce($topics, size(c.topics))] AS topics, c.modularity AS modularity
    ORDER BY size DESC, posts DESC, id ASC SKIP $skip LIMIT $first
    """,
)

COUNT_TOPIC_COMMUNITIES = Query(
    "count_topic_communities",
    """
    MATCH (c:TopicCommunity) RETURN count(c) AS n
    """,
)

PEOPLE_COMMUNITIES = Query(
    "people_communities",
    """
    MATCH (p:Person) WHERE p.community IS NOT NULL
    WITH p.community AS community, count(*) AS size,
         collect(CASE WHEN p.consent IN $states THEN p END) AS shown
    ORDER BY size DESC, community ASC SKIP $skip LIMIT $first
    CALL (shown) {
        UNWIND shown AS m
        WITH m ORDER BY coalesce(m.score, 0) DESC, m.id ASC LIMIT $members
        RETURN collect(m.id) AS top
    }
    CALL (community) {
        MATCH (m:Person {community: community})-[s:TOPIC_SCORE]->(t:Topic)
        WITH t, sum(s.score) AS weight ORDER BY weight DESC, t.name ASC LIMIT 3
        RETURN collect(t.name) AS topics
    }
    RETURN community AS id, size, top, topics
    """,
)

COUNT_PEOPLE_COMMUNITIES = Query(
    "count_people_communities",
    """
    MATCH (p:Person) WHERE p.community IS NOT NULL
    RETURN count(DISTINCT p.community) AS n
    """,
)
