"""Choosing the scoring engine: the names the CLI and the job accept, and the clear error
for any other."""

from __future__ import annotations

import subprocess
import sys

import pytest

from influence.errors import InvalidInputError
from influence.jobs.recompute import ENGINES, SparkJob, engine


def test_the_engines_are_gds_and_spark() -> None:
    assert [engine(name) for name in ENGINES] == ["gds", "spark"]
    assert SparkJob().log is None  # the log is written from the graph unless one is kept
    assert SparkJob().options.master == "local[2]"


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="Unknown engine 'hadoop'") as caught:
        engine("hadoop")
    assert caught.value.hint == "Use gds or spark."


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from influence.cli import main; main()",
                           *args], capture_output=True, text=True, check=False,
                          env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})


def test_the_cli_names_the_engines_and_rejects_others() -> None:
    shown = _cli("score", "--help")
    assert shown.returncode == 0
    assert "--engine" in shown.stdout
    assert "spark" in shown.stdout
    rejected = _cli("score", "--engine", "hadoop")  # refused before any database is reached
    assert rejected.returncode != 0
    output = rejected.stdout + rejected.stderr
    assert "Unknown engine 'hadoop'" in output
    assert "Use gds or spark." in output
    assert "Traceback" not in output
