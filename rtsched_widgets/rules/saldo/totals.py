"""Per-worker shift totals (saldo): the hard maximum and the soft target."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.state import LiveState, Tables

NO_LIMIT = 1 << 62


class _PerWorkerCount(Rule):
    """A rule on ``n_work[w]`` (shifts of the worker over the horizon); anchor ``w``."""

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0):
            return ()
        return (w,)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1],)


class MaxShifts(_PerWorkerCount):
    """Hard. A worker with ``max_shifts`` set must not hold more than ``max_shifts`` shifts
    over the horizon (exactly ``max_shifts`` is allowed). One violation per worker over the
    limit, whatever the excess; key ``("max_shifts", w)``.
    """

    name = "max_shifts"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.limit = [NO_LIMIT if w.max_shifts is None else w.max_shifts for w in problem.workers]

    @property
    def active(self) -> bool:
        return any(x != NO_LIMIT for x in self.limit)

    def record(self, w: int, n: int) -> Violation:
        t = self.t
        return self.make_for_worker(
            ("max_shifts", w),
            w,
            f"{t.worker_id[w]} holds {n} shifts; at most {self.limit[w]} allowed (max shifts)",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        n = (roster.shift_of >= 0).sum(axis=1)
        over = np.flatnonzero(n > np.asarray(self.limit, dtype=np.int64))
        return [self.record(w, int(n[w])) for w in over.tolist()]

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n, limit = state.n_work, self.limit
        return [self.record(w, n[w]) for w in anchors if n[w] > limit[w]]

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        limits = self.limit

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0):
                return 0
            n, limit = state.n_work[w], limits[w]
            if old < 0:
                return int(n + 1 > limit) - int(n > limit)
            return int(n - 1 > limit) - int(n > limit)

        return delta


class TargetShifts(_PerWorkerCount):
    """Soft. A worker should hold ``problem.targets[w]`` shifts (the worker's
    ``target_shifts`` or the proportional default); a deviation up to
    ``settings.target_tolerance`` is free, beyond it each shift costs
    ``settings.weight_target``: penalty = ``weight_target x (|n - target| - tolerance)``
    when positive. Key ``("target", w)``.
    """

    name = "target"
    severity = "soft"

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.tolerance = int(problem.settings.target_tolerance)
        self.weight = float(problem.settings.weight_target)

    def penalty(self, w: int, n: int) -> float:
        excess = abs(n - self.t.targets[w]) - self.tolerance
        return self.weight * excess if excess > 0 else 0.0

    def record(self, w: int, n: int) -> Violation:
        t = self.t
        return self.make_for_worker(
            ("target", w),
            w,
            f"{t.worker_id[w]} holds {n} shifts, target {t.targets[w]} ± {self.tolerance} "
            "(target shifts)",
            self.penalty(w, n),
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        counts = (roster.shift_of >= 0).sum(axis=1)
        targets = np.asarray(self.t.targets, dtype=np.int64)
        off = np.flatnonzero(np.abs(counts - targets) > self.tolerance)
        excess = np.abs(counts[off] - targets[off]) - self.tolerance  # > 0: integers
        penalties = self.weight * excess.astype(float)
        ns = counts[off]
        return Found(
            self,
            int(off.size),
            penalties,
            lambda: [self.record(w, n) for w, n in zip(off.tolist(), ns.tolist(), strict=True)],
        )

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n, out = state.n_work, []
        for w in anchors:
            if self.penalty(w, n[w]) > 0:
                out.append(self.record(w, n[w]))
        return out

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        # ``penalty`` inlined (same operations) over local names
        targets, tol, weight = self.t.targets, self.tolerance, self.weight

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0):
                return 0.0
            n, target = state.n_work[w], targets[w]
            before = abs(n - target) - tol
            after = abs((n + 1 if old < 0 else n - 1) - target) - tol
            return (weight * after if after > 0 else 0.0) - (weight * before if before > 0 else 0.0)

        return delta
