"""Every example notebook runs clean against the real test server, from a wiped database.

The notebooks are stored without outputs; here each one is executed in a fresh kernel with
nbclient. The kernel finds the server through the same ``INFLUENCE_*`` variables an analyst
would set (``INFLUENCE_NEO4J_URI`` and friends), read by the client's Settings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from influence.settings import Settings
from influence.store import Store
from tests.conftest import Target
from tests.integration.conftest import wipe

pytestmark = pytest.mark.integration

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Evaluation wipes the database it runs on, so it goes last; any new notebook runs before it.
ORDER = ["quickstart", "communities", "evaluation"]


def _ordered() -> list[Path]:
    found = sorted(NOTEBOOKS.glob("*.ipynb"))
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, -1), p.stem))


def test_notebooks_are_stored_without_outputs() -> None:
    paths = _ordered()
    assert {p.stem for p in paths} >= set(ORDER)
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [], f"{path.name} is stored with outputs"
                assert cell["execution_count"] is None, f"{path.name} is stored executed"


@pytest.fixture(scope="module")
def kernel_env(db_target: Target, settings: Settings, store: Store,
               tmp_path_factory: pytest.TempPathFactory,
               monkeypatch_module: pytest.MonkeyPatch) -> None:
    """A wiped database, and the variables that point the notebooks' kernel at it."""
    wipe(store)
    env = {
        "INFLUENCE_NEO4J_URI": db_target.uri,
        "INFLUENCE_NEO4J_USER": settings.neo4j_user,
        "INFLUENCE_NEO4J_DATABASE": settings.neo4j_database,
        "INFLUENCE_QUARANTINE_DIR": str(tmp_path_factory.mktemp("nb-quarantine")),
        "INFLUENCE_NOTEBOOK_EVALUATE_ON": "this",  # the test database is itself scratch
        "MPLBACKEND": "Agg",  # headless
    }
    if settings.neo4j_password is not None:
        env["INFLUENCE_NEO4J_PASSWORD"] = settings.neo4j_password.get_secret_value()
    else:
        monkeypatch_module.delenv("INFLUENCE_NEO4J_PASSWORD", raising=False)
    monkeypatch_module.delenv("INFLUENCE_PUBLISH_POLICY", raising=False)
    for key, value in env.items():
        monkeypatch_module.setenv(key, value)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.usefixtures("kernel_env")
@pytest.mark.parametrize("path", _ordered(), ids=lambda p: p.stem)
def test_notebook_runs_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    started = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seconds = time.monotonic() - started
    print(f"\n[influence] notebook {path.name} ran in {seconds:.1f}s")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.execution_count is not None
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}: {output.get('ename')}"
            if output.output_type == "stream" and output.name == "stderr":
                assert "Traceback" not in output.text, f"{path.name}: {output.text[:500]}"
