"""First loads into the project's own server with ``neo4j-admin database import full``.

The import tool writes a store directly, far faster than transactions, but only into a
database that is offline and empty. The project owns its local server, so for a first load
into an empty local database the load job (:mod:`influence.jobs.load`) converts the records
to CSV (:mod:`influence.loaders.import_files`), then this module stops the server, imports
the files in place, and starts the server again (the schema is then migrated as usual).
Against a server it does not own (``INFLUENCE_NEO4J_URI``) the load is always transactional.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from influence import localdb
from influence.errors import EnvironmentProblemError
from influence.loaders.import_files import ImportFiles
from influence.settings import Settings

ADMIN_TOOL = "org.neo4j.cli.AdminTool"
"""The entry point of ``neo4j-admin`` (the stock script starts it through a second JVM)."""


@dataclass(frozen=True)
class ImportRun:
    """What an import did, and how long each part took (seconds)."""

    nodes: int
    relationships: int
    stop_s: float
    import_s: float
    start_s: float


def import_command(settings: Settings, files: ImportFiles) -> list[str]:
    """The ``neo4j-admin database import full`` command line for the local server's database."""
    java = localdb.find_java(settings)
    dist = localdb.provision(settings)
    return [str(java), "-Xmx1g", "-cp", f"{dist.lib}/*", ADMIN_TOOL, "database", "import",
            "full", *files.arguments(), "--overwrite-destination=true", "--array-delimiter=;",
            "--skip-duplicate-nodes=true", f"--report-file={files.folder / 'import.report'}",
            settings.neo4j_database]


def import_files(settings: Settings, files: ImportFiles,
                 progress: localdb.Progress = lambda _: None) -> ImportRun:
    """Stop the local server, import the files into its (empty) database, start it again.

    Raises:
        EnvironmentProblemError: the import tool failed (the database is left empty, as it
            was, and the server is started again).
    """
    home = settings.data_dir
    cmd = import_command(settings, files)
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    clock = time.monotonic()
    # Stopped, imported and started under the instance lock: no other process starts the
    # server on a half-written store. A first load ends ready to query (also after a failure).
    with localdb.offline(settings, progress):
        stop_s = time.monotonic() - clock
        nodes = sum(files.counts.get(k, 0) for k in ("people", "accounts", "posts", "topics"))
        progress(f"neo4j-admin database import full: {nodes:,} nodes, "
                 f"{files.counts.get('interaction_groups', 0):,} interaction relationships")
        clock = time.monotonic()
        done = subprocess.run(cmd, cwd=files.folder, env=env, capture_output=True, text=True,
                              check=False, timeout=24 * 3600)
        import_s = time.monotonic() - clock
        log = files.folder / "import.log"
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0:
            _forget_broken_store(settings)
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise EnvironmentProblemError(
                f"neo4j-admin database import failed (exit {done.returncode}); the database "
                f"is empty, as it was. Its output is in {log}:\n{tail}",
                hint="Load again with --no-bulk to write the records transactionally instead.")
        clock = time.monotonic()
    start_s = time.monotonic() - clock
    relationships = sum(v for k, v in files.counts.items()
                        if k in ("has_account", "posted", "in_reply_to", "tagged", "subtopic_of",
                                 "links_to", "interaction_groups"))
    return ImportRun(nodes, relationships, stop_s, import_s, start_s)


def _forget_broken_store(settings: Settings) -> None:
    """After a failed import: remove the half-written store, so the server starts empty."""
    data = settings.data_dir / "data"
    for part in ("databases", "transactions"):
        shutil.rmtree(data / part / settings.neo4j_database, ignore_errors=True)


def cleanup(files: ImportFiles) -> None:
    """Remove the CSV files of an import (kept on failure for inspection)."""
    shutil.rmtree(files.folder, ignore_errors=True)


def staging_folder(settings: Settings) -> Path:
    """Where the CSV files of a first load are written (next to the server's data)."""
    return settings.data_dir / "import" / f"first-load-{os.getpid()}-{int(time.time())}"
