"""The command line's recompute commands lower their own CPU priority (INFLUENCE_JOB_NICE);
the demo, which serves the API from the same process after, does not."""

import subprocess
import sys
from collections.abc import Callable

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
    assert Settings.model_fields["job_nice"].default == 10


class _ReachedDatabaseError(Exception):
    pass


def _wiring(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record yield_cpu calls; stop each command where it would open the database."""
    from influence.cli import score

    calls: list[str] = []
    monkeypatch.setattr(score, "yield_cpu", lambda _settings: calls.append("nice"))

    def no_database(_settings: object) -> None:
        raise _ReachedDatabaseError

    monkeypatch.setattr(score, "Store", no_database)
    return calls


def test_score_recompute_and_topics_commands_yield(monkeypatch: pytest.MonkeyPatch) -> None:
    from influence.cli import score, topics

    calls = _wiring(monkeypatch)
    commands: list[Callable[[], None]] = [
        lambda: score.score("2016-12-10"),
        lambda: score.recompute("2016-12-10", progress=False),
        lambda: topics.compute("2016-12-10")]
    for command in commands:
        with pytest.raises(_ReachedDatabaseError):
            command()
    assert calls == ["nice"] * 3


def test_the_demo_path_does_not_yield(monkeypatch: pytest.MonkeyPatch) -> None:
    from influence.cli import score

    calls = _wiring(monkeypatch)
    with pytest.raises(_ReachedDatabaseError):
        score.recompute_steps("2016-12-10", scores=True, topics=True, communities=True)
    assert calls == []
