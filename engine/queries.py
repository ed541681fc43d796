"""Cypher of the scoring engine. Graph names and all values are parameters."""

from influence.store import Query

PROJECT_INFLUENCE = Query(
    "project_influence_graph",
    """
    MATCH (pa:Person)-[:HAS_ACCOUNT]->(:Account)-[r:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(pb:Person)
    WHERE pa <> pb AND r.at <= $asof AND r.at > $asof - $window_s
      AND r.kind IN keys($weights)
    WITH pa, pb, sum($weights[r.kind] * 0.5 ^ (($asof - r.at) / $half_life_s)) AS strength
    WITH gds.graph.project($graph, pa, pb,
           {relationshipProperties: {weight: log(1.0 + strength)}}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)

DROP_GRAPH = Query(
    "drop_graph", "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"
)

PAGERANK_WRITE = Query(
    "pagerank_write",
    """
    CALL gds.pageRank.write($graph, {
        writeProperty: 'pagerank', relationshipWeightProperty: 'weight',
        dampingFactor: $damping, maxIterations: $max_iterations, tolerance: $tolerance
    })
    YIELD nodePropertiesWritten, ranIterations, didConverge
    RETURN nodePropertiesWritten AS written, ranIterations AS iterations, didConverge AS converged
    """,
)

RESET_PAGERANK = Query(
    "reset_pagerank",
    """
    MATCH (p:Person) WHERE p.pagerank IS NOT NULL
    CALL (p) { SET p.pagerank = null } IN TRANSACTIONS OF 50000 ROWS
    """,
)

SCALE_SCORES = Query(
    "scale_scores",
    """
    MATCH (p:Person)
    WITH p, coalesce(p.pagerank, $base) AS raw
    SET p.score = round(100.0 * (1.0 + 99.0 * CASE
            WHEN raw <= $base THEN 0.0
            WHEN raw >= $base * $reference THEN 1.0
            ELSE log(raw / $base) / log($reference) END)) / 100.0,
        p.scored_at = $run
    """,
)

PERCENTILES = Query(
    "percentiles",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL
    WITH p.score AS score, count(*) AS people ORDER BY score
    WITH collect(score) AS scores, collect(people) AS counts, sum(people) AS n
    WITH scores, n, reduce(acc = [0], c IN counts | acc + [acc[-1] + c]) AS below
    UNWIND range(0, size(scores) - 1) AS i
    MATCH (p:Person {score: scores[i]})
    SET p.percentile = round(1000.0 * below[i] / n) / 10.0
    """,
)
