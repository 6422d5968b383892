"""Shared helpers of the collaboration tests: a small problem, a roster digest, waiting."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.problem import Problem


def problem() -> Problem:
    """20 workers, 28 days, 2 posts: room for many concurrent edits."""
    return rt.synthetic(workers=20, days=28, posts=2, seed=3, mandatory_per_worker=0)


def digest(s: Schedule) -> str:
    """A hash of the roster's slot array (identical rosters, identical digests)."""
    return hashlib.sha256(s.core.slots.tobytes()).hexdigest()


def wait_until(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``cond`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()
