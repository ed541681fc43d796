"""The Parquet event log: written by the load job, idempotent, and erasure reaches it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from influence import eventlog
from influence.engine.privacy import erasure
from influence.jobs.load import LoadRequest, load
from influence.settings import Settings
from influence.store import Query, Store
from tests.conftest import SE_DUMP
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

EVENTS_IN_GRAPH = Query("test_eventlog_events", """
    MATCH (:Account)-[r]->(:Account) WHERE r.ev IS NOT NULL
    RETURN sum(size(r.ev)) AS events, count(DISTINCT r) AS relationships
""")
MOST_ACTIVE = Query("test_eventlog_most_active", """
    MATCH (p:Person)-[:HAS_ACCOUNT]->(a:Account)-[r]-(:Account) WHERE r.ev IS NOT NULL
    RETURN p.id AS id, collect(DISTINCT a.key) AS keys, sum(size(r.ev)) AS events
    ORDER BY events DESC, id LIMIT 1
""")


def _events(folder: Path) -> list[tuple[object, ...]]:
    table = ds.dataset(folder / "events", format="parquet", partitioning="hive").to_table()
    columns = ("network", "actor", "target", "kind", "word", "value", "day")
    return sorted(zip(*(table[c].to_pylist() for c in columns), strict=True),
                  key=lambda row: tuple(str(v) for v in row))


def test_the_load_writes_the_log_and_erasure_reaches_it(store: Store, settings: Settings,
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "log"
    logged = settings.model_copy(update={"event_log_dir": folder})
    wipe(store)
    report = load(LoadRequest("stackexchange", (SE_DUMP,), quarantine_dir=tmp_path), logged,
                  store=store)
    assert any("event log" in note for note in report.notes)
    graph = store.read(EVENTS_IN_GRAPH)[0]
    rows = _events(folder)
    assert len(rows) == graph["events"] > 3000  # one row per stored interaction
    assert {r[3] for r in rows} >= {"answer", "comment"}
    for row in (rows[0], rows[-1]):  # partitioned by the UTC day of the event word
        assert row[6] == str(datetime.fromtimestamp(int(str(row[4])) >> 20, UTC).date())
    # reloading the same input, or rewriting the log, gives the same rows
    load(LoadRequest("stackexchange", (SE_DUMP,), quarantine_dir=tmp_path), logged,
         store=store)
    assert _events(folder) == rows
    eventlog.write_log(store, folder)
    assert _events(folder) == rows
    people = pq.read_table(folder / "people.parquet")
    accounts = pq.read_table(folder / "accounts.parquet")
    assert people.num_rows > 100
    assert accounts.num_rows >= people.num_rows

    who = store.read(MOST_ACTIVE)[0]
    assert eventlog.traces(folder, who["id"], who["keys"])  # named before the erasure
    report_erased = erasure.erase(store, who["id"], "test-operator", settings=logged)
    assert report_erased.residual == ()
    assert eventlog.traces(folder, who["id"], who["keys"]) == []
    after = _events(folder)
    named = {k.split(":", 1)[1] for k in who["keys"]}
    assert not [r for r in after if r[1] in named or r[2] in named]
    assert 0 < len(rows) - len(after) <= who["events"]
    assert len(after) == store.read(EVENTS_IN_GRAPH)[0]["events"]  # the log is the graph again
    kept = pq.read_table(folder / "people.parquet")
    assert kept.num_rows == people.num_rows - 1
    assert not pc.any(pc.equal(kept["id"], who["id"])).as_py()
