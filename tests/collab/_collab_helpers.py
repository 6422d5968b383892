"""Shared helpers of the collaboration tests: a small problem, a roster digest, waiting."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import signal
import time
from collections.abc import Callable
from typing import Any

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


FORK = mp.get_context("fork")
"""Children are forked: the parent has everything imported already."""


def kill_after_acks(
    target: Callable[..., None],
    args: tuple[Any, ...],
    rng: random.Random,
    acks: tuple[int, int],
    pause: float,
) -> list[Any]:
    """Run ``target(*args, writer)`` in a forked child that sends each acknowledged write on
    ``writer``; after ``rng.randint(*acks)`` of them and a random pause of up to ``pause``
    seconds, kill it with SIGKILL. Everything it acknowledged, in order."""
    reader, writer = FORK.Pipe(duplex=False)
    child = FORK.Process(target=target, args=(*args, writer))
    child.start()
    writer.close()
    acked = [reader.recv() for _ in range(rng.randint(*acks))]
    time.sleep(rng.random() * pause)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    while True:
        try:
            acked.append(reader.recv())
        except EOFError:
            break
    reader.close()
    return acked
