"""The command line's batch jobs lower their own CPU priority (INFLUENCE_JOB_NICE)."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from influence.settings import Settings

PROBE = """
import os
from influence.cli.priority import yield_cpu
from influence.settings import Settings
before = os.nice(0)
after = yield_cpu(Settings(job_nice={nice}))
print(before, after, os.nice(0))
"""


def _niceness(nice: int) -> tuple[int, int, int]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(nice=nice)], capture_output=True,
                          text=True, check=True, timeout=60)
    before, after, now = (int(v) for v in done.stdout.split())
    return before, after, now


def test_a_batch_job_runs_nicer_by_the_setting() -> None:
    before, after, now = _niceness(7)
    assert after == now == min(before + 7, 19)


def test_zero_leaves_the_priority_alone() -> None:
    before, after, now = _niceness(0)
    assert before == after == now


def test_the_setting_is_bounded_like_nice() -> None:
    with pytest.raises(ValidationError):
        Settings(job_nice=20)
    assert Settings().job_nice == 10
