"""The scratch database of an evaluation: never the operator's.

By default a second local server (``<data_dir>-eval`` on ``db_port + 2``), started for the run
with an empty database and stopped after, unless it was already running (then its database is
wiped by the evaluation); or an explicit server the caller consents to wipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from influence import localdb
from influence.errors import InvalidInputError
from influence.settings import Settings
from influence.store import QueryRunner, Store


def scratch_settings(settings: Settings) -> Settings:
    """The scratch local server of an evaluation: own data directory, port ``db_port + 2``."""
    return settings.model_copy(update={
        "data_dir": settings.data_dir.with_name(f"{settings.data_dir.name}-eval"),
        "db_port": settings.db_port + 2,
        "neo4j_uri": None,
    })


@contextmanager
def scratch_store(settings: Settings, neo4j_uri: str | None = None, *, wipe: bool = False,
                  say: Callable[[str], None] = lambda _: None) -> Iterator[QueryRunner]:
    """A store the evaluation may wipe; starts (and afterwards stops) a scratch local server.

    Args:
        settings: the operator's settings (the scratch server derives from them).
        neo4j_uri: an explicit server to use instead; needs ``wipe``.
        wipe: consent to wiping ``neo4j_uri``.
        say: told when the scratch server starts and stops.

    Raises:
        InvalidInputError: for an explicit server without ``wipe`` consent.
    """
    if neo4j_uri is not None:
        if not wipe:
            raise InvalidInputError(
                f"The evaluation deletes everything in the database at {neo4j_uri}.",
                hint="Pass --wipe to consent, or omit --neo4j-uri to use a scratch local server.")
        with Store(settings.model_copy(update={"neo4j_uri": neo4j_uri})) as store:
            yield store
        return
    scratch = scratch_settings(settings)
    already = localdb.status(scratch).running
    if not already:
        say(f"starting a scratch Neo4j + GDS server on port {scratch.db_port} "
            f"(data in {scratch.data_dir})")
        # an earlier run's graph: its files go before the start, instead of a delete pass
        # after it (16-17 s of a 300k-event evaluation's load)
        localdb.discard_database(scratch, progress=say)
        localdb.start(scratch, progress=say)
    try:
        with Store(scratch) as store:
            yield store
    finally:
        if not already:
            say("stopping the scratch server")
            localdb.stop(scratch)
