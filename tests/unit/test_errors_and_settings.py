"""The one error mapping, the CLI's use of it, and the typed settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from influence import errors
from influence.engine.model import DEFAULT_KIND_WEIGHTS
from influence.settings import Settings


def test_every_error_class_has_a_distinct_code() -> None:
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.InfluenceError)]
    assert set(classes) == set(errors.ERROR_CODES)
    codes = [errors.ERROR_CODES[c] for c in classes]
    assert len({c.exit_code for c in codes}) == len(codes)
    assert len({c.graphql_code for c in codes}) == len(codes)


def test_subclasses_inherit_the_nearest_code() -> None:
    class Custom(errors.NotFoundError):
        pass

    assert errors.code_for(Custom("x")).graphql_code == "NOT_FOUND"


def test_cli_prints_the_hint_and_exits_with_the_mapped_code(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from influence.cli import main; main()", "load",
         "stackexchange", str(tmp_path), "--dry-run"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == errors.ERROR_CODES[errors.InvalidInputError].exit_code
    assert "not a Stack Exchange dump" in result.stderr
    assert "hint:" in result.stderr


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFLUENCE_DB_PORT", "7999")
    monkeypatch.setenv("INFLUENCE_MODEL__HALF_LIFE_DAYS", "30")
    settings = Settings()
    assert settings.bolt_uri == "bolt://127.0.0.1:7999"
    assert settings.model.half_life_days == 30
    assert settings.publish_policy == "opted_in"
    assert settings.model.kind_weights == DEFAULT_KIND_WEIGHTS
