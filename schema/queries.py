"""Cypher of the migration runner."""

from influence.store import Query

APPLIED_MIGRATIONS = Query(
    "applied_migrations",
    "MATCH (m:SchemaMigration) RETURN m.version AS version, m.checksum AS checksum",
)
RECORD_MIGRATION = Query(
    "record_migration",
    "MERGE (m:SchemaMigration {version: $version}) "
    "SET m.name = $name, m.checksum = $checksum, m.applied_at = datetime()",
)
AWAIT_INDEXES = Query("await_indexes", "CALL db.awaitIndexes(300)")
OLD_INTERACTIONS = Query(
    "old_interaction_model",
    "RETURN EXISTS { MATCH ()-[:ENGAGED]->() } AS found",
)
