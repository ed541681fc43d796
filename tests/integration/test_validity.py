"""What the validity issue asks of the model, on the real server with SNAP Bitcoin Alpha
(Kumar et al., ICDM 2016): negative ratings never raise a score, a genuine newcomer engaged
by established people rises, and the half-life is derived from the data and kept by the run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from influence.engine.scoring import compute_scores, resolve
from influence.jobs.load import LoadRequest, load, load_records
from influence.loaders.records import InteractionKind, InteractionRecord
from influence.loaders.writer import retract
from influence.settings import Settings
from influence.store import Query, Store
from influence.timeutil import DAY_S
from tests.conftest import SHARED_DATA
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

ALPHA = SHARED_DATA / "snap-bitcoin-alpha" / "soc-sign-bitcoinalpha.csv"
ASOF = 1453438800 + DAY_S  # the day after the last rating
DROP_NEWCOMER = Query("test_validity_drop_newcomer",
                      "MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account {key: 'btc:newcomer'}) "
                      "DETACH DELETE a, p")
SCORES = Query("test_validity_scores",
               "MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account {network: 'btc'}) "
               "RETURN a.id AS id, p.score AS score")


def _ratings(raters: list[str], target: str, value: float, prefix: str) -> list[InteractionRecord]:
    return [InteractionRecord(network="btc", id=f"{prefix}{i}", actor=r, target=target,
                              kind=InteractionKind.RATE, at=ASOF - DAY_S // 2, value=value)
            for i, r in enumerate(raters)]


@pytest.fixture(scope="module")
def alpha(store: Store, settings: Settings, tmp_path_factory: pytest.TempPathFactory,
          ) -> dict[str, float]:
    wipe(store)
    load(LoadRequest("bitcoin", (ALPHA,), network="btc",
                     quarantine_dir=tmp_path_factory.mktemp("q")), settings, store=store)
    compute_scores(store, settings.model, asof=ASOF)
    return {r["id"]: float(r["score"]) for r in store.read(SCORES)}


def test_the_half_life_is_derived_from_the_data_and_kept_by_the_run(
        alpha: dict[str, float], store: Store, settings: Settings) -> None:
    assert settings.model.half_life_days is None  # the default: derived
    used = resolve(store, settings.model).half_life_days
    assert used is not None
    # Bitcoin Alpha: people stay around for months (mean activity span ~ 3-4 months)
    assert 20.0 < used < 120.0
    run = compute_scores(store, settings.model, asof=ASOF)
    assert run.half_life_days == used  # the same data gives the same half-life


@contextmanager
def injected(store: Store, settings: Settings,
             records: list[InteractionRecord]) -> Iterator[dict[str, float]]:
    """The scores with ``records`` loaded; afterwards they are retracted and rescored."""
    load_records(store, records, settings)
    try:
        compute_scores(store, settings.model, asof=ASOF)
        yield {r["id"]: float(r["score"]) for r in store.read(SCORES)}
    finally:
        retract(store, records)
        store.write(DROP_NEWCOMER)
        compute_scores(store, settings.model, asof=ASOF)


def test_negative_ratings_do_not_raise_a_score(alpha: dict[str, float], store: Store,
                                               settings: Settings) -> None:
    ordered = sorted(alpha, key=lambda k: (-alpha[k], k))
    raters, target = ordered[:20], ordered[len(ordered) // 2]
    with injected(store, settings, _ratings(raters, target, -10.0, "test-neg-")) as after:
        assert after[target] <= alpha[target]
    # the same ratings with a positive value do raise it: the check above can fail
    with injected(store, settings, _ratings(raters, target, 10.0, "test-pos-")) as raised:
        assert raised[target] > alpha[target] + 1.0


def test_a_genuine_newcomer_engaged_by_established_people_rises(
        alpha: dict[str, float], store: Store, settings: Settings) -> None:
    established = sorted(alpha, key=lambda k: (-alpha[k], k))[:10]
    with injected(store, settings, _ratings(established, "newcomer", 8.0, "test-new-")) as after:
        rank = 1 + sum(1 for k, v in after.items() if k != "newcomer" and v > after["newcomer"])
    # ten established raters in a day put a brand-new account in the top 10 %
    assert rank <= 0.10 * len(after)
