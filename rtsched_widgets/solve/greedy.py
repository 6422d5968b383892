"""Greedy construction on the rule engine's score deltas.

1. Mandatory days first: a mandatory worker-day without a shift gets the shift (with a free
   slot) whose assignment scores best.
2. Then every required slot still empty, hardest first: cells with the fewest eligible workers
   (available, free that day, allowed by ``keep``) go first; ties are broken by a seeded random
   order. Each slot goes to the candidate that, in this order of preference, introduces the
   fewest hard violations (never a positive number: a slot no one can take without breaking a
   hard rule stays empty), adds the least soft penalty, and is furthest below its target
   (``problem.targets``; fair by targets); remaining ties by the seeded order.

Kept cells (``keep``, pinned mandatory assignments) are never touched. The result is fully
deterministic for a seed.
"""

from __future__ import annotations

import random
import threading

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import (
    ProgressCallback,
    RunClock,
    SolveResult,
    Status,
    Strategy,
)
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.scoring import validator_for


class Greedy(Strategy):
    """Greedy construction (no options)."""

    name = "greedy"

    def __init__(self) -> None:
        pass

    def solve(
        self,
        problem: Problem,
        *,
        roster: Roster | None = None,
        time_limit: float = 10.0,
        seed: int = 0,
        keep: np.ndarray | Keep | None = None,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> SolveResult:
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)
        work = roster.copy() if roster is not None else Roster(problem)
        validator = validator_for(problem, work)
        rng = random.Random(seed)
        moves = construct(problem, work, validator, fixed, rng, clock)
        score = validator_for(problem, work).score()  # fresh: no float drift from deltas
        clock.improved(score.soft, score.hard, moves)
        status: Status = "feasible" if score.hard == 0 else "unknown"
        return clock.result(work, score.soft, score.hard, status, seed, moves)


def _place(roster: Roster, validator: object, w: int, d: int, s: int) -> None:
    roster.place(w, d, s, roster.free_slot(d, s))
    validator.commit([(w, d, -1, s)])  # type: ignore[attr-defined]


def construct(
    problem: Problem,
    roster: Roster,
    validator: object,
    fixed: Fixed,
    rng: random.Random,
    clock: RunClock | None = None,
) -> int:
    """Fill ``roster`` in place (see the module docstring); returns the candidate
    evaluations made. ``validator`` must be the rule engine's validator over ``roster``."""
    score_delta = validator.score_delta  # type: ignore[attr-defined]
    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    targets = problem.targets.tolist()
    n_work = (roster.shift_of >= 0).sum(axis=1).tolist()
    order = list(range(n_w))
    rng.shuffle(order)
    rank = [0] * n_w
    for i, w in enumerate(order):
        rank[w] = i
    evaluated = 0

    # 1. mandatory worker-days without a shift
    for w, d in zip(*np.nonzero(problem.mandatory & (roster.shift_of < 0)), strict=True):
        w, d = int(w), int(d)
        if fixed.worker_day[w, d]:
            continue
        best_shift: tuple[int, float, int] | None = None
        for s in range(n_s):
            if roster.free_slot(d, s) < 0 or not fixed.allows(w, d, s):
                continue
            hard, soft = score_delta([(w, d, -1, s)])
            evaluated += 1
            key = (int(hard), float(soft), s)
            if best_shift is None or key < best_shift:
                best_shift = key
        if best_shift is not None:
            _place(roster, validator, w, d, best_shift[2])
            n_work[w] += 1

    # 2. required slots, hardest first
    shift_of = roster.shift_of
    eligible_workers = problem.available & ~fixed.worker_day
    n_eligible = eligible_workers.sum(axis=0)
    cells = []
    for d in range(n_d):
        for s in range(n_s):
            missing = int(problem.required[d, s]) - int(roster.count[d, s])
            if missing > 0 and not fixed.closed[d, s]:
                cells.append((int(n_eligible[d]), rng.random(), d, s, missing))
    cells.sort()
    for i, (_, _, d, s, missing) in enumerate(cells):
        if clock is not None and i % 16 == 0:
            if clock.cancelled():
                break
            clock.report(evaluated, "greedy construction")
        for _ in range(missing):
            if roster.free_slot(d, s) < 0:
                break
            best: tuple[int, float, int, int, int] | None = None
            for w in order:
                if shift_of[w, d] >= 0 or not eligible_workers[w, d]:
                    continue
                hard, soft = score_delta([(w, d, -1, s)])
                evaluated += 1
                if hard > 0:
                    continue
                cand = (int(hard), round(float(soft), 9), n_work[w] - targets[w], rank[w], w)
                if best is None or cand < best:
                    best = cand
            if best is None:
                break
            w = best[-1]
            _place(roster, validator, w, d, s)
            n_work[w] += 1
    return evaluated
