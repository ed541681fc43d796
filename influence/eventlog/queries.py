"""Cypher of the event log export (influence/eventlog): the graph's canonical interactions,
accounts and people, read as columns."""

from influence.engine.queries import INTERACTIONS
from influence.store import Query

LOG_PEOPLE = Query(
    "eventlog_people",
    """
    MATCH (p:Person)
    RETURN collect(p.id) AS ids, collect(coalesce(p.profiling_objection, false)) AS objecting
    """,
)

LOG_ACCOUNTS = Query(
    "eventlog_accounts",
    """
    MATCH (a:Account)
    OPTIONAL MATCH (p:Person)-[:HAS_ACCOUNT]->(a)
    RETURN collect(id(a)) AS nodes, collect(a.network) AS networks, collect(a.id) AS ids,
           collect(coalesce(p.id, '')) AS people, collect(coalesce(a.created_at, -1)) AS created
    """,
)

LOG_MAX_NODE = Query("eventlog_max_node",
                     "MATCH (a:Account) RETURN coalesce(max(id(a)), -1) AS top")

# The interactions given by the accounts whose node ids are in [$lo, $hi): one entry per
# stored relationship (its events' words and, where the source has them, their values).
LOG_INTERACTIONS = Query(
    "eventlog_interactions",
    """
    UNWIND range($lo, $hi - 1) AS node
    MATCH (a:Account) WHERE id(a) = node
    MATCH (a)-[r:""" + INTERACTIONS + """]->(b:Account)
    RETURN collect(id(a)) AS sources, collect(id(b)) AS targets, collect(type(r)) AS types,
           collect(r.ev) AS ev, collect(coalesce(r.vals, [])) AS vals
    """,
)
