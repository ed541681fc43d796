"""Fixtures that put known real data into the integration database."""

from __future__ import annotations

from pathlib import Path

import pytest

from influence.engine.scoring import ScoreRun, compute_scores
from influence.jobs.load import LoadRequest, load
from influence.loaders.quarantine import Tally
from influence.schema import migrate
from influence.settings import Settings
from influence.store import Query, Store
from tests.conftest import SE_DUMP

WIPE = Query("test_wipe", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
SE_ASOF = 1481328000  # 2016-12-10, the day after the dump's last post

pytestmark = pytest.mark.integration


def wipe(store: Store) -> None:
    store.auto_commit(WIPE)
    migrate(store)


def load_se(store: Store, quarantine_dir: Path, settings: Settings | None = None) -> Tally:
    """The Stack Exchange dump through the load job (the CLI's and the client's pipeline)."""
    request = LoadRequest("stackexchange", (SE_DUMP,), quarantine_dir=quarantine_dir)
    return load(request, settings or Settings(), store=store).tally


@pytest.fixture(scope="module")
def se_loaded(store: Store, tmp_path_factory: pytest.TempPathFactory,
              settings: Settings) -> tuple[Tally, ScoreRun]:
    """The Stack Exchange dump loaded and scored in a clean database."""
    wipe(store)
    tally = load_se(store, tmp_path_factory.mktemp("quarantine"), settings)
    run = compute_scores(store, settings.model, asof=SE_ASOF)
    return tally, run
