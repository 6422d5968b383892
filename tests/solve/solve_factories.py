"""Small problems built in code for the strategy tests, and the checks several of them share."""

from __future__ import annotations

import random

import numpy as np

from rtsched_widgets.model import Problem, Roster


def small_saldo(
    n_workers: int = 12, n_days: int = 28, n_posts: int = 2, seed: int = 0, mandatory: int = 3
):
    """A small saldo problem: random days off, a few mandatory days, a part-timer, one
    incompatible pair; required = maximum = 1 per post and day."""
    import random
    from datetime import date, timedelta

    from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker

    rng = random.Random(seed)
    start = date(2026, 1, 5)
    workers = []
    for i in range(n_workers):
        off_start = start + timedelta(days=rng.randrange(n_days))
        days_off = ((off_start, off_start + timedelta(days=rng.randrange(3))),)
        mand = set()
        for k in range(mandatory if i < 2 else 0):
            day = start + timedelta(days=i + 10 * k)  # 10 days apart: gap and 7/14 safe
            if day <= start + timedelta(days=n_days - 1) and not (
                days_off[0][0] <= day <= days_off[0][1]
            ):
                mand.add(day)
        workers.append(
            Worker(
                id=f"W{i:02d}",
                work_percentage=50.0 if i == n_workers - 1 else 100.0,
                days_off=days_off,
                mandatory_days=tuple(sorted(mand)),
                incompatible_with=("W01",) if i == 0 else (),
            )
        )
    return Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days=n_days - 1)),
        shift_types=[ShiftType(id=f"P{s}", minutes=1440) for s in range(n_posts)],
        required=[[1] * n_posts for _ in range(n_days)],
        profile="saldo",
        name=f"small-{seed}",
    )


def engine_score(problem, roster) -> tuple[int, float]:
    """(hard count, soft penalty) of ``roster`` as the rule engine scores it."""
    from rtsched_widgets.rules import Validator

    score = Validator(problem, roster).score()
    return score.hard, score.soft


def random_roster(problem: Problem, rng: random.Random, density: float) -> Roster:
    """A roster where each (worker, day) holds a random shift with probability ``density``
    (where that cell still has a free slot)."""
    roster = Roster(problem)
    for d in range(problem.n_days):
        for w in range(problem.n_workers):
            if rng.random() < density:
                s = rng.randrange(problem.n_shifts)
                k = roster.free_slot(d, s)
                if k >= 0:
                    roster.place(w, d, s, k)
    return roster


def assert_keep_held(before: np.ndarray, after: np.ndarray, worker_days, cells) -> None:
    """``after`` (a roster's ``shift_of``) holds ``before``'s kept worker-days exactly, and on
    each kept cell ``(day, shift)`` the same set of workers as ``before``."""
    assert np.array_equal(after[worker_days], before[worker_days])
    for d, s in zip(*np.nonzero(cells), strict=True):
        assert set(np.flatnonzero(after[:, d] == s)) == set(np.flatnonzero(before[:, d] == s))
