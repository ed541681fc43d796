"""Recompute jobs of the command line yield the CPU to serving (``INFLUENCE_JOB_NICE``).

Not loads: a first load restarts the local server, which would inherit the niceness.
"""

from __future__ import annotations

import os

from influence.settings import Settings


def yield_cpu(settings: Settings) -> int:
    """Lower this process's CPU priority by ``settings.job_nice``; the new niceness.

    Only the command line's own recompute commands call this: the API (and ``demo``, which
    serves it after) runs jobs in its serving process.
    """
    if not hasattr(os, "nice"):  # not on this platform
        return 0
    return os.nice(settings.job_nice)  # 0 (the setting is never negative) reads it
