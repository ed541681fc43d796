"""Usage errors end as click's usage message and exit code 2, never as 'unexpected error'
(typer 0.29 raises them from its own bundled copy of click, which the CLI once missed)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("args", "says"), [
    (["nosuch"], "No such command 'nosuch'"),
    (["score", "--bogus"], "No such option: --bogus"),
])
def test_a_usage_error_is_a_usage_message(args: list[str], says: str) -> None:
    done = subprocess.run([sys.executable, "-m", "influence", *args], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Usage:" in done.stderr
    assert "unexpected error" not in done.stdout + done.stderr
