"""Recompute jobs of the command line yield the CPU to serving (``INFLUENCE_JOB_NICE``).

Not loads: a first load restarts the local server, which would inherit the niceness.
"""

from __future__ import annotations

import os

from influence.settings import Settings


def yield_cpu(settings: Settings) -> int:
    """Lower this process's CPU priority by ``settings.job_nice``; the new niceness.

    Only the command line calls this: the API runs jobs in its own serving process.
    """
    if settings.job_nice <= 0 or not hasattr(os, "nice"):
        return os.nice(0) if hasattr(os, "nice") else 0
    return os.nice(settings.job_nice)
