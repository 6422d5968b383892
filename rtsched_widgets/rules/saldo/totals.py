"""Per-worker shift totals (saldo): the hard maximum and the soft target."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.rules.anchored import ABSENT, PerWorkerAnchors
from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables

NO_LIMIT = 1 << 62


class _PerWorkerCount(PerWorkerAnchors, Rule):
    """A rule on ``n_work[w]`` (shifts of the worker over the horizon); anchor ``w``."""

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0):
            return ()
        return (w,)

    # -- at most one violation per worker: the validator keeps one int per worker
    # (PerWorkerAnchors), the rule's count of the worker
    def value_now(self, state: LiveState, anchor: int) -> int:
        n = state.n_work[anchor]
        return n if self.breaks(anchor, n) else ABSENT

    def breaks(self, w: int, n: int) -> bool:
        """Whether worker ``w`` holding ``n`` shifts breaks the rule (as ``local``)."""
        raise NotImplementedError

    def full_values(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = (roster.shift_of >= 0).sum(axis=1)
        ws = np.flatnonzero(self.violated(counts))
        return ws, counts[ws], self.penalties(counts[ws], ws)

    def record(self, w: int, n: int) -> Violation:
        """The record of worker ``w`` holding ``n`` shifts."""
        raise NotImplementedError

    def violated(self, counts: np.ndarray) -> np.ndarray:
        """Whether each worker, holding ``counts`` shifts, breaks the rule."""
        raise NotImplementedError

    def penalties(self, counts: np.ndarray, ws: np.ndarray) -> np.ndarray:
        """The penalties of the violations of workers ``ws`` holding ``counts`` shifts."""
        raise NotImplementedError


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
        over = np.flatnonzero(self.violated(n))
        return [self.record(w, int(n[w])) for w in over.tolist()]

    def violated(self, counts: np.ndarray) -> np.ndarray:
        return counts > np.asarray(self.limit, dtype=np.int64)

    def breaks(self, w: int, n: int) -> bool:
        return n > self.limit[w]

    def value_now(self, state: LiveState, anchor: int) -> int:
        n = state.n_work[anchor]  # (breaks, written out)
        return n if n > self.limit[anchor] else ABSENT

    def penalty_at(self, anchor: int, value: int) -> float:
        return 1.0

    def penalties(self, counts: np.ndarray, ws: np.ndarray) -> np.ndarray:
        return np.ones(ws.size, dtype=float)

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

    def breaks(self, w: int, n: int) -> bool:
        return self.penalty(w, n) > 0

    def value_now(self, state: LiveState, anchor: int) -> int:
        n = state.n_work[anchor]  # (breaks, written out: penalty(anchor, n) > 0)
        excess = abs(n - self.t.targets[anchor]) - self.tolerance
        return n if excess > 0 and self.weight * excess > 0 else ABSENT

    def penalty_at(self, anchor: int, value: int) -> float:
        excess = abs(value - self.t.targets[anchor]) - self.tolerance  # (penalty, written out)
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

    def violated(self, counts: np.ndarray) -> np.ndarray:
        targets = np.asarray(self.t.targets, dtype=np.int64)
        return np.abs(counts - targets) > self.tolerance

    def penalties(self, counts: np.ndarray, ws: np.ndarray) -> np.ndarray:
        targets = np.asarray(self.t.targets, dtype=np.int64)
        excess = np.abs(counts - targets[ws]) - self.tolerance  # > 0: integers
        return self.weight * excess.astype(float)

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        counts = (roster.shift_of >= 0).sum(axis=1)
        off = np.flatnonzero(self.violated(counts))
        ns = counts[off]
        penalties = self.penalties(ns, off)
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


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
def _worked(model: EncodingModel, w: int) -> Any:
    """The number of days worker ``w`` works, as a linear expression."""
    return sum(v for v in (model.wd(w, d) for d in range(model.p.n_days)) if not isinstance(v, int))


@batched(MaxShifts)
def max_shifts_batched(rule: MaxShifts, state: BatchState) -> BatchTerm:
    """Whether the worker's number of shifts breaks its maximum after the flip, less
    before."""
    limit = np.array(rule.limit, dtype=np.int64)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        n = state.n_work[m.ws]
        lim = limit[m.ws]
        return m.flip.astype(np.int64) * ((n + m.sign > lim).astype(np.int64) - (n > lim))

    return term


@encoding(MaxShifts)
def max_shifts_encoding(rule: MaxShifts, model: EncodingModel) -> None:
    """``sum_d work[w, d] <= max_shifts`` per worker with a maximum."""
    for w, limit in enumerate(rule.limit):
        if limit != NO_LIMIT:
            model.model.add(_worked(model, w) <= limit)


@batched(TargetShifts)
def target_batched(rule: TargetShifts, state: BatchState) -> BatchTerm:
    """The change of ``weight x (|n - target| - tolerance)`` (when positive) with the
    worker's number of shifts."""
    targets = np.asarray(rule.problem.targets, dtype=np.int64)
    tolerance, weight = rule.tolerance, rule.weight

    def penalty(n: np.ndarray, t: np.ndarray) -> np.ndarray:
        excess = np.abs(n - t) - tolerance
        return np.where(excess > 0, weight * excess, 0.0)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        n, t = state.n_work[m.ws], targets[m.ws]
        return m.flip * (penalty(n + m.sign, t) - penalty(n, t))

    return term


@encoding(TargetShifts)
def target_encoding(rule: TargetShifts, model: EncodingModel) -> None:
    """``weight_target x excess`` with ``excess = max(n - (t + tol), (t - tol) - n, 0)``."""
    p, cp = model.p, model.model
    weight = model.w(rule.weight)
    if weight > 0:
        for w in range(p.n_workers):
            total = _worked(model, w)
            target = int(p.targets[w])
            excess = cp.new_int_var(0, p.n_days, f"excess_{w}")
            tol = rule.tolerance
            cp.add_max_equality(excess, [total - (target + tol), (target - tol) - total, 0])
            model.objective.append(weight * excess)
    model.terms.append("target")
