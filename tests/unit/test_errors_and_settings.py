"""The one error mapping, the CLI's use of it, and the typed settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from influence import errors
from influence.engine.model import DEFAULT_KIND_WEIGHTS
from influence.settings import Settings, load_settings


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


@pytest.mark.parametrize(("typed", "keys"), [
    ("k1", ["k1"]), ("k1, k2,", ["k1", "k2"]), ('["a","b"]', ["a", "b"]), ("", [])])
def test_token_lists_as_a_person_types_them(monkeypatch: pytest.MonkeyPatch, typed: str,
                                            keys: list[str]) -> None:
    monkeypatch.setenv("INFLUENCE_API_KEYS", typed)
    monkeypatch.setenv("INFLUENCE_OPERATOR_TOKENS", typed)
    settings = load_settings()
    assert [k.get_secret_value() for k in settings.api_keys] == keys
    assert [k.get_secret_value() for k in settings.operator_tokens] == keys


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("INFLUENCE_API_KEYS", "[bad", "INFLUENCE_API_KEYS: Value error, not a JSON list"),
    ("INFLUENCE_DB_PORT", "abc", "INFLUENCE_DB_PORT: Input should be a valid integer"),
    ("INFLUENCE_MODEL__HALF_LIFE_DAYS", "-3", "INFLUENCE_MODEL__HALF_LIFE_DAYS: Input should be"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch,
                                                       variable: str, value: str,
                                                       says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(errors.InvalidInputError) as raised:
        load_settings()
    assert raised.value.message.startswith(f"Bad setting: {says}")
    assert "\n" not in raised.value.message


def test_the_cli_reports_a_bad_setting_without_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", "from influence.cli import main; main()", "db",
                           "status"], env={**os.environ, "INFLUENCE_DB_PORT": "abc"},
                          capture_output=True, text=True, check=False)
    assert done.returncode == errors.code_for(errors.InvalidInputError("")).exit_code
    assert "INFLUENCE_DB_PORT" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
