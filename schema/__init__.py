"""Versioned schema migrations: constraints and indexes, applied in order, recorded in the graph.

Each file ``migrations/NNNN_name.cypher`` holds ``;``-separated schema statements. Applied
migrations are recorded as ``(:SchemaMigration {version, name, checksum})``; a recorded
migration whose file has since changed is an error (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from influence.errors import InvalidInputError
from influence.schema import queries as q
from influence.store import Query, QueryRunner

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cypher$")
AGGREGATED = 6
"""The migration from which interactions are aggregated (0006_aggregated_interactions)."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migrations in version order."""
    found = []
    for path in sorted(directory.glob("*.cypher")):
        match = _NAME.match(path.name)
        if not match:
            raise InvalidInputError(
                f"Migration file {path.name} is not named NNNN_snake_case.cypher.",
                hint="Rename it, e.g. 0003_topic_indexes.cypher.",
            )
        text = path.read_text()
        body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
        statements = tuple(s.strip() for s in body.split(";") if s.strip())
        found.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                statements=statements,
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise InvalidInputError("Two migration files share a version number.")
    return found


def migrate(store: QueryRunner, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply the migrations not yet recorded; return those applied now."""
    applied = {row["version"]: row["checksum"] for row in store.read(q.APPLIED_MIGRATIONS)}
    if AGGREGATED not in applied and store.read(q.OLD_INTERACTIONS)[0]["found"]:
        raise InvalidInputError(
            "This database holds interactions in the format of before migration "
            f"{AGGREGATED:04d} (one ENGAGED relationship per interaction); they are now "
            "aggregated per pair, kind and topics.",
            hint="Load the sources again into an empty database (`influence db stop`, move "
            "the data directory away, `influence db start`, then `influence load ...`).")
    done = []
    for migration in discover(directory):
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise InvalidInputError(
                    f"Migration {migration.version:04d}_{migration.name} was changed after it "
                    "was applied.",
                    hint="Restore the file and add a new migration with the change.",
                )
            continue
        done.append(migration)
    if done:  # every pending schema statement in one transaction: all of them or none
        store.write_batch([(Query(f"migration_{m.version:04d}_{index}", statement), {})
                           for m in done for index, statement in enumerate(m.statements)])
        store.write(q.RECORD_MIGRATIONS, rows=[
            {"version": m.version, "name": m.name, "checksum": m.checksum} for m in done])
    store.auto_commit(q.AWAIT_INDEXES)
    return done
