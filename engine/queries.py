"""Cypher of the scoring engine (docs/MODEL.md). Graph names and all values are parameters.

A recompute materialises one ``(:Person)-[:INFLUENCES]->(:Person)`` edge per engager/target
pair (the model's edges, with their per-network/kind parts), runs GDS weighted PageRank on
them, turns each edge into credit and writes scores, sub-scores and a dated snapshot.
"""

from influence.store import Query

CLEAR_INFLUENCE = Query(
    "clear_influence_edges",
    """
    MATCH ()-[r:INFLUENCES]->()
    CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS
    """,
)

RESET_PAGERANK = Query(
    "reset_pagerank",
    """
    MATCH (p:Person) WHERE p.pagerank IS NOT NULL OR p.trust IS NOT NULL
    CALL (p) { SET p.pagerank = null, p.trust = null } IN TRANSACTIONS OF 50000 ROWS
    """,
)

# One edge per (engager, target) pair: the decayed, kind-weighted strength of every
# interaction in the window, kept per (network, kind) part for explanations.
BUILD_INFLUENCE = Query(
    "build_influence_edges",
    """
    MATCH (pa:Person) WHERE EXISTS { (pa)-[:HAS_ACCOUNT]->(:Account)-[:ENGAGED]->() }
    CALL (pa) {
        MATCH (pa)-[:HAS_ACCOUNT]->(:Account)-[r:ENGAGED]->(:Account)<-[:HAS_ACCOUNT]-(pb:Person)
        WHERE pb <> pa AND r.at <= $asof AND r.at > $asof - $window_s
          AND r.kind IN keys($weights) AND $weights[r.kind] > 0
        WITH pb, coalesce(r.network, 'unknown') AS network, r.kind AS kind,
             sum($weights[r.kind] * 0.5 ^ (($asof - r.at) / $half_life_s)) AS part,
             count(r) AS n, max(r.at) AS last
        ORDER BY network, kind
        WITH pb, collect(network) AS networks, collect(kind) AS kinds, collect(part) AS parts,
             sum(part) AS strength, sum(n) AS n, max(last) AS last
        CREATE (pa)-[:INFLUENCES {networks: networks, kinds: kinds, parts: parts,
                                  strength: strength, n: n, last: last, pod: 1.0}]->(pb)
    } IN TRANSACTIONS OF 2000 ROWS
    """,
)

# Engagement pods: a reciprocated edge whose two ends share more than $tolerance mutual
# neighbours is divided among them (factor tolerance / shared).
POD_FACTORS = Query(
    "pod_factors",
    """
    MATCH (a:Person)-[r:INFLUENCES]->(b:Person) WHERE EXISTS { (b)-[:INFLUENCES]->(a) }
    CALL (a, b, r) {
        WITH a, b, r, COUNT {
            MATCH (a)-[:INFLUENCES]->(x:Person)-[:INFLUENCES]->(a)
            WHERE x <> b AND EXISTS { (b)-[:INFLUENCES]->(x) } AND EXISTS { (x)-[:INFLUENCES]->(b) }
        } AS shared
        SET r.pod = CASE WHEN shared > $tolerance THEN toFloat($tolerance) / shared ELSE 1.0 END,
            r.shared = shared
    } IN TRANSACTIONS OF 5000 ROWS
    """,
)

# Engager trust (age before the scoring date, or pod-discounted engagement received) and the
# final edge weight: diminishing returns, attention budget, trust, pod factor.
TRUST_AND_WEIGHTS = Query(
    "trust_and_weights",
    """
    MATCH (p:Person) WHERE EXISTS { (p)-[:INFLUENCES]->() }
    CALL (p) {
        CALL (p) {
            OPTIONAL MATCH (p)-[:HAS_ACCOUNT]->(a:Account)
            OPTIONAL MATCH (a)-[e:ENGAGED]->() WHERE e.at <= $asof
            RETURN min(a.created_at) AS created, min(e.at) AS first
        }
        CALL (p) {
            OPTIONAL MATCH (:Person)-[i:INFLUENCES]->(p)
            RETURN coalesce(sum(i.pod), 0.0) AS received
        }
        WITH p, received, CASE WHEN created IS NULL THEN first WHEN first IS NULL THEN created
                               WHEN created < first THEN created ELSE first END AS since
        WITH p, received,
             CASE WHEN since IS NULL THEN 0.0 ELSE toFloat($asof - since) / $day_s END AS age_days
        WITH p, $floor + (1.0 - $floor) * CASE
                 WHEN age_days / $age_scale > received / $received_scale
                 THEN 1.0 - exp(-1.0 * age_days / $age_scale)
                 ELSE 1.0 - exp(-1.0 * received / $received_scale) END AS trust
        SET p.trust = trust
        WITH p, trust
        MATCH (p)-[r:INFLUENCES]->()
        WITH p, trust, collect(r) AS edges, sum(log(1.0 + r.strength) * r.pod) AS attention
        WITH trust, edges, CASE WHEN attention > $budget THEN $budget / attention ELSE 1.0 END
             AS share
        UNWIND edges AS r
        SET r.w = log(1.0 + r.strength) * r.pod * share * trust
    } IN TRANSACTIONS OF 2000 ROWS
    """,
)

PROJECT_INFLUENCE = Query(
    "project_influence_graph",
    """
    MATCH (pa:Person)-[r:INFLUENCES]->(pb:Person) WHERE r.w > 0
    WITH gds.graph.project($graph, pa, pb, {relationshipProperties: {weight: r.w}}) AS g
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

# Credit of an edge: its weight times (1 - blend) + blend * standing of the engager, where
# standing = log2(1 + PageRank / teleport share) is 1 for an engager nobody engages with.
EDGE_CREDIT = Query(
    "edge_credit",
    """
    MATCH (u:Person)-[r:INFLUENCES]->()
    CALL (u, r) {
        SET r.credit = coalesce(r.w, 0.0) * ((1.0 - $blend)
            + $blend * log(1.0 + coalesce(u.pagerank, $base) / $base) / log(2.0))
    } IN TRANSACTIONS OF 20000 ROWS
    """,
)

# Raw credit -> score: 1 + 99 * L / (L + K), L = ln(1 + raw), K = ln(1 + midpoint).
SCORE_PEOPLE = Query(
    "score_people",
    """
    MATCH (p:Person)
    CALL (p) {
        CALL (p) {
            OPTIONAL MATCH (:Person)-[r:INFLUENCES]->(p)
            RETURN coalesce(sum(r.credit), 0.0) AS raw, count(r) AS engagers,
                   coalesce(sum(r.n), 0) AS interactions, max(r.last) AS last
        }
        CALL (p) {
            OPTIONAL MATCH (:Person)-[r:INFLUENCES]->(p)
            UNWIND CASE WHEN r IS NULL THEN [] ELSE range(0, size(r.parts) - 1) END AS i
            WITH r.networks[i] AS network, sum(r.credit * r.parts[i] / r.strength) AS part
            ORDER BY network
            RETURN collect(network) AS networks, collect(part) AS parts
        }
        WITH p, raw, engagers, interactions, last, networks, parts, log(1.0 + $midpoint) AS k
        SET p.raw = raw,
            p.score = round(100.0 * (1.0 + 99.0 * log(1.0 + raw) / (log(1.0 + raw) + k))) / 100.0,
            p.score_networks = networks,
            p.network_scores = [x IN parts |
                round(100.0 * (1.0 + 99.0 * log(1.0 + x) / (log(1.0 + x) + k))) / 100.0],
            p.engagers = engagers, p.interactions = interactions, p.last_engaged = last,
            p.confidence = round(1000.0 * (1.0 - exp(-1.0 * engagers / $conf_engagers))
                                 * (1.0 - exp(-1.0 * interactions / $conf_interactions))) / 1000.0,
            p.scored_at = $run, p.score_asof = $asof
    } IN TRANSACTIONS OF 5000 ROWS
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

# One snapshot per person and scoring date; recomputing the same date replaces it.
WRITE_SNAPSHOTS = Query(
    "write_snapshots",
    """
    MATCH (p:Person) WHERE p.score IS NOT NULL
    CALL (p) {
        MERGE (s:ScoreSnapshot {key: p.id + '@' + toString($asof)})
        SET s.person_id = p.id, s.asof = $asof, s.score = p.score, s.percentile = p.percentile,
            s.confidence = p.confidence, s.raw = p.raw, s.run = $run
    } IN TRANSACTIONS OF 10000 ROWS
    """,
)

# Erasure (used by the consent module): a person's score history and model edges.
FORGET_PERSON_SCORES = Query(
    "forget_person_scores",
    """
    OPTIONAL MATCH (s:ScoreSnapshot {person_id: $id})
    WITH collect(s) AS snapshots
    FOREACH (s IN snapshots | DELETE s)
    WITH size(snapshots) AS removed
    OPTIONAL MATCH (:Person {id: $id})-[r:INFLUENCES]-(:Person)
    DELETE r
    RETURN removed
    """,
)
