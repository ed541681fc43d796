"""Cypher of the migration runner."""

from influence.store import Query

APPLIED_MIGRATIONS = Query(
    "applied_migrations",
    "MATCH (m:SchemaMigration) RETURN m.version AS version, m.checksum AS checksum",
)
RECORD_MIGRATIONS = Query(
    "record_migrations",
    "UNWIND $rows AS row MERGE (m:SchemaMigration {version: row.version}) "
    "SET m.name = row.name, m.checksum = row.checksum, m.applied_at = datetime()",
)
AWAIT_INDEXES = Query("await_indexes", "CALL db.awaitIndexes(300)")
OLD_INTERACTIONS = Query(
    "old_interaction_model",
    "RETURN EXISTS { MATCH ()-[:ENGAGED]->() } AS found",
)
