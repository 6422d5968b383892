"""Small problems built with the Problem constructor, and state snapshots, for engine tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker

START = date(2026, 1, 1)


def make_problem(
    n_workers: int = 8, n_days: int = 31, wide_night: bool = True, **kwargs: Any
) -> Problem:
    """A saldo problem: posts D (1 slot) and N (2 slots when ``wide_night``), one required each.

    W00 is off 2026-01-10 … 2026-01-12; W01 must work 2026-01-20; W02 and W03 are
    incompatible.
    """
    cal = Calendar(START, START + timedelta(days=n_days - 1))
    workers = []
    for i in range(n_workers):
        extra: dict[str, Any] = {}
        if i == 0:
            extra["days_off"] = ((date(2026, 1, 10), date(2026, 1, 12)),)
        if i == 1 and n_days > 19:
            extra["mandatory_days"] = (date(2026, 1, 20),)
        if i == 2:
            extra["incompatible_with"] = ("W03",)
        workers.append(Worker(f"W{i:02d}", name=f"Worker {i}", **extra))
    required = np.ones((n_days, 2), dtype=int)
    maximum = required.copy()
    if wide_night:
        maximum[:, 1] = 2
    return Problem(
        workers=workers,
        calendar=cal,
        shift_types=[ShiftType("D", "Day"), ShiftType("N", "Night")],
        required=required,
        maximum=maximum,
        **kwargs,
    )


def snapshot(s: Schedule) -> tuple[Any, ...]:
    """Everything a refused edit must leave unchanged."""
    return (
        s.core.slots.tobytes(),
        s.core.shift_of.tobytes(),
        s.core.count.tobytes(),
        s.version,
        s.cell_version.tobytes(),
        len(s.oplog),
        tuple(sorted(repr(v.key) for v in s.validator.violation_list())),
        s.score(),
    )


def assert_consistent(s: Schedule) -> None:
    """The roster arrays agree with each other and the validator agrees with a full check."""
    r = s.core
    n_w, n_d = r.shift_of.shape
    seen = np.zeros((n_w, n_d), dtype=np.int64)
    for d, sh, k in zip(*np.nonzero(r.slots >= 0), strict=True):
        w = r.slots[d, sh, k]
        seen[w, d] += 1
        assert r.shift_of[w, d] == sh and r.slot_of[w, d] == k
    assert (seen <= 1).all(), "a worker holds two shifts on one date"
    assert ((r.shift_of >= 0) == (seen == 1)).all()
    assert (r.count == (r.slots >= 0).sum(axis=2)).all()
    maintained = sorted(repr(v.key) for v in s.validator.violation_list())
    full = sorted(repr(v.key) for v in s.validator.full_check())
    assert maintained == full


def movable_cells(s: Schedule, n: int = 1) -> list[tuple[str, int, str]]:
    """The first ``n`` (date, post, worker id) of ``s``'s occupied cells (slot 0 of each post)
    whose worker is not mandatory that day: cells an unassign + assign round may empty and
    refill."""
    p = s.problem
    out = []
    for d in range(p.n_days):
        for post in range(p.n_shifts):
            w = int(s.core.slots[d, post, 0])
            if w >= 0 and not p.mandatory[w, d]:
                out.append((p.calendar.iso(d), post, p.workers[w].id))
                if len(out) == n:
                    return out
    raise AssertionError(f"fewer than {n} occupied non-mandatory cells")
