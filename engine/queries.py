"""Cypher of the scoring engine (docs/MODEL.md). Graph names and all values are parameters.

A recompute reads the interactions once, as columns (one record of lists per chunk of engaging
accounts: half a million relationships cost one record, not half a million), runs the model's
arithmetic on those arrays (engine/steps.py), lets GDS compute the propagation (weighted
PageRank on a graph projected from the arrays), and writes back the few per-person properties
every read path uses (score, percentile, confidence; per-network sub-scores for people on
several networks) with one GDS write, and everything else of the run (the dated snapshot and
what explanations need) as columnar chunks: ``(:ScoreRun)`` and its ``(:ScoreChunk)`` nodes.
"""

from influence.domain import INTERACTION_TYPES
from influence.store import Query

INTERACTIONS = "|".join(INTERACTION_TYPES)
"""The relationship types of interactions, for patterns: ``(a)-[r:ANSWER|REPLY|...]->(b)``
(naming them lets the planner skip every other relationship of an account)."""

# --- reads ------------------------------------------------------------------------------------

PEOPLE_COLUMNS = Query(
    "scoring_people_columns",
    """
    MATCH (p:Person)
    RETURN collect(id(p)) AS nodes, collect(p.id) AS ids,
           collect(coalesce(p.slot, -1)) AS slots,
           collect(coalesce(p.profiling_objection, false)) AS objecting
    """,
)
"""Every person as columns; their accounts' creation and networks come with the owners (one
pass over the accounts: with an OPTIONAL MATCH per person here, the read took 0.4-0.8 s on
the 1M benchmark's 100,000 people against 0.2-0.3 s, three runs each)."""

ACCOUNT_OWNERS = Query(
    "scoring_account_owners",
    """
    MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)
    RETURN collect(id(a)) AS accounts, collect(id(p)) AS owners, collect(a.network) AS networks,
           collect(coalesce(a.created_at, -1)) AS created
    """,
)

# Every interaction relationship with an event at or before the scoring date: its accounts,
# its kind-weighted decayed strength inside the window, how many of its events fall inside
# the window, its first event (any, for the engager's age) and its last event in the window.
# Event words: time = word / 2^20; $lo and $hi are words, so the window test is on words.
# Read for the engaging accounts in $accounts (node ids), a chunk at a time (see
# engine/engagement.py, read_columns): one record of lists per chunk keeps the client's and
# the server's copies of a 30M-interaction graph to a chunk's worth.
# No label on the far end: only accounts are joined by interaction types.
ENGAGEMENT_COLUMNS = Query(
    "scoring_engagement_columns",
    """
    UNWIND $accounts AS account
    MATCH (a) WHERE id(a) = account
    MATCH (a)-[r:""" + INTERACTIONS + """]->(b)
    // Events with a negative value (a distrust rating) are not engagement credit.
    WITH a, b, coalesce($weights[type(r)], 0.0) AS weight,
         CASE WHEN r.vals IS NULL THEN r.ev
              ELSE [i IN range(0, size(r.ev) - 1) WHERE NOT r.vals[i] < 0 | r.ev[i]] END AS ev
    // Most relationships hold one event: the CASEs spare them the list closures.
    WITH a, b, weight, CASE WHEN size(ev) = 1 THEN CASE WHEN ev[0] <= $hi THEN ev ELSE [] END
                       ELSE [e IN ev WHERE e <= $hi] END AS seen
    WHERE size(seen) > 0
    WITH a, b, seen, weight,
         CASE WHEN weight = 0 THEN []
              WHEN size(seen) = 1 THEN CASE WHEN seen[0] > $lo THEN seen ELSE [] END
              ELSE [e IN seen WHERE e > $lo] END AS counted
    RETURN collect(id(a)) AS sources, collect(id(b)) AS targets,
           collect(CASE size(counted) WHEN 0 THEN 0.0
                   WHEN 1 THEN weight * 2.0 ^ ((counted[0] / 1048576 - $asof) / $half_life_s)
                   ELSE weight * reduce(x = 0.0, e IN counted
                        | x + 2.0 ^ ((e / 1048576 - $asof) / $half_life_s)) END) AS parts,
           collect(size(counted)) AS counts,
           collect(CASE size(seen) WHEN 1 THEN seen[0]
                   ELSE reduce(m = seen[0], e IN seen | CASE WHEN e < m THEN e ELSE m END)
                   END / 1048576) AS firsts,
           collect(CASE size(counted) WHEN 0 THEN -1 WHEN 1 THEN counted[0] / 1048576
                   ELSE reduce(m = counted[0], e IN counted | CASE WHEN e > m THEN e ELSE m END)
                        / 1048576 END) AS lasts,
           // collect() leaves out the nulls: the words of the relationships with several
           // counted events only, in the order of the other columns (for another half-life)
           collect(CASE WHEN size(counted) > 1 THEN counted END) AS multi
    """,
)

# --- the propagation (GDS) ------------------------------------------------------------------

ANSWERS = Query("scoring_answers", "RETURN 1 AS one")
"""Whether the server answers at all (after a projection it did not take)."""

PROJECT_PAIRS = Query(
    "scoring_project_pairs",
    """
    UNWIND range(0, size($sources) - 1) AS i
    WITH gds.graph.project($graph, $sources[i], $targets[i],
                           {relationshipProperties: {weight: $weights[i]}}) AS g
    RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
    """,
)

PROJECT_PAIRS_FILE = Query(
    "scoring_project_pairs_file",
    """
    CALL gds.graph.project.cypher($graph, 'UNWIND $nodes AS id RETURN id',
        'LOAD CSV FROM $url AS row
         RETURN toInteger(row[0]) AS source, toInteger(row[1]) AS target,
                toFloat(row[2]) AS weight',
        {parameters: {nodes: $nodes, url: $url}, validateRelationships: true})
    YIELD graphName, nodeCount, relationshipCount
    RETURN graphName AS graph, nodeCount AS nodes, relationshipCount AS relationships
    """,
)
""":data:`PROJECT_PAIRS` from a file in the server's import folder (engine/projection.py), by
GDS's legacy Cypher projection (deprecated in GDS 2, still in 2.13): its relationship query
returns plain columns, where a Cypher aggregation builds a property map per row, which cost
0.7-0.8 s of the 2.5 s projection of the 1M benchmark's pairs file. ``$nodes``: the pairs'
distinct node ids."""

PAGERANK_MUTATE = Query(
    "scoring_pagerank_mutate",
    """
    CALL gds.pageRank.mutate($graph, {
        mutateProperty: 'pagerank', relationshipWeightProperty: 'weight',
        dampingFactor: $damping, maxIterations: $max_iterations, tolerance: $tolerance,
        concurrency: 2
    })
    YIELD ranIterations, didConverge
    RETURN ranIterations AS iterations, didConverge AS converged
    """,
)

PAGERANK_COLUMNS = Query(
    "scoring_pagerank_columns",
    """
    CALL gds.graph.nodeProperty.stream($graph, 'pagerank')
    YIELD nodeId, propertyValue
    RETURN collect(nodeId) AS nodes, collect(propertyValue) AS scores
    """,
)

DROP_GRAPH = Query(
    "drop_graph", "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"
)

# --- writes -----------------------------------------------------------------------------------

ASSIGN_SLOTS = Query(
    "scoring_assign_slots",
    """
    UNWIND range(0, size($nodes) - 1) AS i
    MATCH (p:Person) WHERE id(p) = $nodes[i]
    SET p.slot = $slots[i]
    """,
)

# The person-view fields, for every person, in one parallel GDS write.
PROJECT_PERSON_VALUES = Query(
    "scoring_project_person_values",
    """
    UNWIND range(0, size($nodes) - 1) AS i
    WITH gds.graph.project($graph, $nodes[i], null, {
             sourceNodeProperties: {score: $scores[i], percentile: $percentiles[i],
                                    confidence: $confidences[i]},
             targetNodeProperties: null}) AS g
    RETURN g.nodeCount AS nodes
    """,
)

WRITE_PERSON_VALUES = Query(
    "scoring_write_person_values",
    """
    CALL gds.graph.nodeProperties.write($graph, ['score', 'percentile', 'confidence'])
    YIELD propertiesWritten
    RETURN propertiesWritten AS written
    """,
)

# Sub-scores by network, only for people with accounts on several networks (a person on one
# network has one sub-score: their score).
WRITE_NETWORK_SCORES = Query(
    "scoring_write_network_scores",
    """
    UNWIND $rows AS row
    MATCH (p:Person) WHERE id(p) = row.node
    SET p.score_networks = row.networks, p.network_scores = row.scores
    """,
)

CLEAR_UNSCORED = Query(
    "scoring_clear_unscored",
    """
    UNWIND $nodes AS node
    MATCH (p:Person) WHERE id(p) = node
    SET p.score = null, p.percentile = null, p.confidence = null,
        p.score_networks = null, p.network_scores = null
    """,
)

# One run per scoring date: recomputing a date replaces its run; the new run is current.
REPLACE_RUN = Query(
    "scoring_replace_run",
    """
    OPTIONAL MATCH (old:ScoreRun {asof: $asof})
    OPTIONAL MATCH (c:ScoreChunk {asof: $asof})
    DETACH DELETE c, old
    WITH count(*) AS _
    OPTIONAL MATCH (previous:ScoreRun {current: true})
    SET previous.current = false
    WITH count(*) AS _
    CREATE (r:ScoreRun {id: $run, asof: $asof, current: true, at: $at, people: $people,
                        pairs: $pairs, iterations: $iterations, converged: $converged,
                        chunk_size: $chunk_size, networks: $networks, params: $params,
                        half_life_days: $half_life_days})
    RETURN r.id AS id
    """,
)

# The half-life the current run used (derived from the data, or the configured one).
CURRENT_HALF_LIFE = Query(
    "scoring_current_half_life",
    """
    MATCH (r:ScoreRun {current: true})
    RETURN r.half_life_days AS days
    """,
)

WRITE_CHUNKS = Query(
    "scoring_write_chunks",
    """
    UNWIND $chunks AS c
    CREATE (:ScoreChunk {run: $run, asof: $asof, chunk: c.chunk, score: c.score,
                         percentile: c.percentile, confidence: c.confidence, raw: c.raw,
                         pagerank: c.pagerank, trust: c.trust, attention: c.attention,
                         engagers: c.engagers, interactions: c.interactions,
                         last_engaged: c.last_engaged, pod_sources: c.pod_sources,
                         pod_targets: c.pod_targets, pod_factors: c.pod_factors})
    """,
)

# Erasure (used by the consent module): the person's entries in every chunk of every run. The
# SET clause is built from the column names (not from values): NaN for the float columns, -1
# for the counts, and a pod factor of 1 wherever the person was a pod's source or target.
_FLOAT_COLUMNS = ("score", "percentile", "confidence", "raw", "pagerank", "trust", "attention")
_COUNT_COLUMNS = ("engagers", "interactions", "last_engaged")
FORGET_SLOT = Query(
    "forget_person_slot",
    "MATCH (c:ScoreChunk {chunk: $chunk})\nSET "
    + ",\n    ".join(
        f"c.{name} = [i IN range(0, size(c.{name}) - 1) | "
        f"CASE WHEN i = $position THEN {blank} ELSE c.{name}[i] END]"
        for names, blank in ((_FLOAT_COLUMNS, "0.0 / 0.0"), (_COUNT_COLUMNS, "-1"))
        for name in names)
    + """,
    c.pod_factors = [i IN range(0, size(c.pod_targets) - 1) |
                     CASE WHEN c.pod_targets[i] = $slot OR c.pod_sources[i] = $slot
                          THEN 1.0 ELSE c.pod_factors[i] END]
    RETURN count(c) AS chunks
    """,
)

# --- the read generation (engine/generation.py) -------------------------------------------

GENERATION_BUMP = Query(
    "reads_generation_bump",
    """
    MERGE (g:Meta {id: 'reads'})
    SET g.generation = randomUUID()
    RETURN g.generation AS generation
    """,
)

SCORES_BUMP = Query(
    "reads_scores_bump",
    """
    MERGE (g:Meta {id: 'reads'})
    SET g.scores = randomUUID()
    RETURN g.scores AS scores
    """,
)

GENERATION_CURRENT = Query(
    "reads_generation_current",
    """
    OPTIONAL MATCH (g:Meta {id: 'reads'})
    OPTIONAL MATCH (r:ScoreRun {current: true})
    RETURN g.generation AS generation, g.scores AS scores, r.id AS run
    """,
)
