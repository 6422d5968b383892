"""Regenerate part of a roster: a date range, or only its empty slots, keeping the rest."""

from __future__ import annotations

import threading
from datetime import date

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressCallback, SolveResult, Strategy
from rtsched_widgets.solve.keep import Keep, normalize_keep
from rtsched_widgets.solve.registry import get_strategy


def regenerate(
    problem: Problem,
    roster: Roster,
    *,
    dates: tuple[date | str, date | str] | None = None,
    only_empty: bool = False,
    keep: np.ndarray | Keep | None = None,
    strategy: str | Strategy = "auto",
    time_limit: float = 10.0,
    seed: int = 0,
    cancel: threading.Event | None = None,
    progress: ProgressCallback | None = None,
) -> SolveResult:
    """A new roster equal to ``roster`` except where regeneration is allowed.

    Allowed to change: worker-days whose date lies in ``dates`` (``(start, end)``, both
    inclusive; ``None`` = the whole horizon); with ``only_empty`` only worker-days without a
    shift (so existing assignments stay and only empty slots get filled). Never changed: pinned
    assignments (``problem.mandatory`` worker-days that hold a shift), the cells and
    worker-days of ``keep`` (locked or chosen cells; a mask of shape (workers, days) or
    (days, shifts), or a :class:`Keep`). ``roster`` itself is not modified. The returned
    result's roster is checked: a strategy that changed a kept cell raises ``RuntimeError``.
    """
    if roster.problem is not problem:
        raise ValueError("roster: belongs to another problem — pass the problem's own roster")
    n_w, n_d = problem.n_workers, problem.n_days
    frozen = np.zeros((n_w, n_d), dtype=bool)
    if dates is not None:
        if len(dates) != 2:
            raise ValueError(f"dates: {dates!r} — give (start, end), both inclusive")
        start = problem.day(dates[0], "dates[0]")
        end = problem.day(dates[1], "dates[1]")
        if end < start:
            raise ValueError(f"dates: {dates[1]} is before {dates[0]} — give (start, end)")
        frozen[:, :start] = True
        frozen[:, end + 1 :] = True
    if only_empty:
        frozen |= roster.shift_of >= 0
    user = normalize_keep(problem, roster, keep)
    spec = Keep(worker_days=frozen | user.worker_day, cells=user.closed.copy())
    fixed = normalize_keep(problem, roster, spec)
    solver = get_strategy(strategy) if isinstance(strategy, str) else strategy
    if fixed.worker_day.all():
        raise ValueError(
            "dates/only_empty/keep: nothing is left to regenerate — widen the dates or keep less"
        )
    result = solver.solve(
        problem,
        roster=roster.copy(),
        time_limit=time_limit,
        seed=seed,
        keep=spec,
        cancel=cancel,
        progress=progress,
    )
    changed = fixed.worker_day & (result.roster.shift_of != roster.shift_of)
    closed_changed = fixed.closed & (result.roster.count != roster.count)
    if changed.any() or closed_changed.any():
        raise RuntimeError(
            f"strategy {solver.name!r} changed {int(changed.sum())} kept worker-days and "
            f"{int(closed_changed.sum())} kept cells; the roster was not changed"
        )
    return result
