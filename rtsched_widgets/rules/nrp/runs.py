"""Runs of consecutive working days and of days off (NRP)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Rule, Violation
from rtsched_widgets.rules.nrp.limits import NO_LIMIT
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


def run_bounds(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of True per row of a 2-D bool array: (row, first, last) arrays."""
    n_rows, n = mask.shape
    padded = np.zeros((n_rows, n + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, first = np.nonzero(step == 1)
    _, end = np.nonzero(step == -1)  # same row-major order as the starts
    return rows, first, end - 1


class _Runs(Rule):
    """A rule on maximal runs of working days (``working = True``) or of days off.

    A run ``[a, b]`` of worker ``w`` is indexed under the anchors (w, x) for every day ``x``
    from ``a - 1`` to ``b + 1`` inside the horizon: any change on day ``x`` can only alter the
    runs containing ``x - 1``, ``x`` or ``x + 1``.
    """

    working = True
    upper = False
    """True when ``bound`` is a maximum run length (longer runs break the rule); False when
    it is a minimum (shorter runs break it unless they touch the horizon's ends)."""
    field = ""
    label = ""

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.bound = [getattr(w, self.field) for w in problem.workers]

    @property
    def active(self) -> bool:
        return any(b is not None for b in self.bound)

    def breaks(self, w: int, a: int, b: int) -> bool:
        raise NotImplementedError

    def record(self, w: int, a: int, b: int) -> Violation:
        t = self.t
        kind = "working days" if self.working else "days off"
        return self.make(
            (self.name, w, a, b),
            (w,),
            range(a, b + 1),
            None,
            f"{t.worker_id[w]} has {b - a + 1} consecutive {kind} ({t.iso[a]} … {t.iso[b]}); "
            f"{self.label} {self.bound[w]}",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        mask = roster.shift_of >= 0 if self.working else roster.shift_of < 0
        rows, first, last = run_bounds(mask)
        return [
            self.record(w, a, b)
            for w, a, b in zip(rows.tolist(), first.tolist(), last.tolist(), strict=True)
            if self.breaks(w, a, b)
        ]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0) or self.bound[w] is None:
            return ()
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        n_d = self.t.n_d
        base = key[1] * n_d
        return range(base + max(key[2] - 1, 0), base + min(key[3] + 1, n_d - 1) + 1)

    def _run(self, row: Sequence[int], y: int) -> tuple[int, int]:
        n_d, working = self.t.n_d, self.working
        a = y
        while a > 0 and (row[a - 1] >= 0) == working:
            a -= 1
        b = y
        while b + 1 < n_d and (row[b + 1] >= 0) == working:
            b += 1
        return a, b

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n_d, working = self.t.n_d, self.working
        found: dict[tuple, Violation] = {}
        for anchor in anchors:
            w, x = divmod(anchor, n_d)
            if self.bound[w] is None:
                continue
            row = state.shift_of[w]
            for y in (x - 1, x, x + 1):
                if 0 <= y < n_d and (row[y] >= 0) == working:
                    a, b = self._run(row, y)
                    key = (self.name, w, a, b)
                    if key not in found and self.breaks(w, a, b):
                        found[key] = self.record(w, a, b)
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    delta_family = "runs"

    @classmethod
    def fused_delta_fn(cls, rules: Sequence[Rule]) -> DeltaFn:
        """One delta function for several run rules: the sum of their deltas, finding the
        runs around the changed day once for all of them."""
        runs = [r for r in rules if isinstance(r, _Runs)]
        assert len(runs) == len(rules), "fused_delta_fn: run rules only"
        t = runs[0].t
        last_day = t.n_d - 1
        specs = [(r.bound, r.working, r.upper) for r in runs]
        any_bound = [any(b[w] is not None for b, _, _ in specs) for w in range(t.n_w)]

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0) or not any_bound[w]:
                return 0
            # the runs on each side of d: a … d - 1 all equal to day d - 1, d + 1 … b all
            # equal to day d + 1 (a = d, b = d where there is no such day); found in C by
            # looking for the nearest day of the other kind in the worker's working-day row
            row = state.works[w]
            if d > 0:
                left_works = row[d - 1] == 1
                a = row.rfind(0 if left_works else 1, 0, d) + 1
            else:
                left_works, a = False, d
            if d < last_day:
                right_works = row[d + 1] == 1
                other = row.find(0 if right_works else 1, d + 1)
                b = last_day if other < 0 else other - 1
            else:
                right_works, b = False, d
            now_works = new >= 0
            total = 0
            for bound, kind, upper in specs:
                m = bound[w]
                if m is None:
                    continue
                join_left = d > 0 and left_works == kind
                join_right = d < last_day and right_works == kind
                lo = a if join_left else d
                hi = b if join_right else d
                if upper:
                    merged = int(hi - lo + 1 > m)
                    split = int(join_left and d - a > m) + int(join_right and b - d > m)
                else:
                    merged = int(hi - lo + 1 < m and lo > 0 and hi < last_day)
                    split = int(join_left and d - a < m and a > 0) + int(
                        join_right and b - d < m and b < last_day
                    )
                total += merged - split if now_works == kind else split - merged
            return total

        return delta

    def delta_fn(self) -> DeltaFn:
        """This rule's delta alone: the fused function of one run rule."""
        return type(self).fused_delta_fn([self])


class MaxConsecutive(_Runs):
    """Hard. A run of consecutive working days longer than ``max_consecutive`` is a
    violation (a run of exactly the limit is allowed; runs touching the horizon's ends count
    too). Key ``("max_consecutive", w, first_day, last_day)``."""

    name = "max_consecutive"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False
    field = "max_consecutive"
    label = "at most"
    upper = True

    def breaks(self, w: int, a: int, b: int) -> bool:
        m = self.bound[w]
        return m is not None and b - a + 1 > m


class MinConsecutive(_Runs):
    """Hard. A run of consecutive working days shorter than ``min_consecutive`` is a
    violation, except a run that contains the horizon's first or last day (what happens
    outside the horizon is unknown). Key ``("min_consecutive", w, first_day, last_day)``."""

    name = "min_consecutive"
    severity = "hard"
    post_change_can_violate = False
    field = "min_consecutive"
    label = "at least"

    def breaks(self, w: int, a: int, b: int) -> bool:
        m = self.bound[w]
        return m is not None and b - a + 1 < m and a > 0 and b < self.t.n_d - 1


class MinConsecutiveOff(_Runs):
    """Hard. A run of consecutive days off shorter than ``min_consecutive_off`` is a
    violation, except a run that contains the horizon's first or last day.
    Key ``("min_consecutive_off", w, first_day, last_day)``."""

    name = "min_consecutive_off"
    severity = "hard"
    post_change_can_violate = False
    working = False
    field = "min_consecutive_off"
    label = "at least"

    def breaks(self, w: int, a: int, b: int) -> bool:
        m = self.bound[w]
        return m is not None and b - a + 1 < m and a > 0 and b < self.t.n_d - 1


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(MaxConsecutive, MinConsecutive, MinConsecutiveOff)
def runs_batched(rule: _Runs, state: BatchState) -> BatchTerm:
    """For a candidate whose working status flips: the broken runs of the rule's kind
    through the day after the change (the runs beside it joined, or the run through it
    split), less before (runs touching the horizon's ends exempt from minimums)."""
    kind, upper = rule.working, rule.upper
    none = NO_LIMIT if upper else 0
    bound_of = np.array([none if b is None else b for b in rule.bound], dtype=np.int64)
    last = state.n_d - 1

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        a, b = m.runs
        join_left, join_right, lo, hi = m.run_through(kind)
        ds, bound = m.ds, bound_of[m.ws]
        if upper:
            inside = (hi - lo + 1) > bound
            apart = (join_left & ((ds - a) > bound)).astype(np.int64) + (
                join_right & ((b - ds) > bound)
            )
        else:
            inside = ((hi - lo + 1) < bound) & (lo > 0) & (hi < last)
            apart = (join_left & ((ds - a) < bound) & (a > 0)).astype(np.int64) + (
                join_right & ((b - ds) < bound) & (b < last)
            )
        joined = inside.astype(np.int64)
        # where the status does not flip both sides pick the same branch: the change is 0
        cost_new = np.where(m.new_works == kind, joined, apart)
        cost_new -= np.where(m.works_old == kind, joined, apart)
        return cost_new

    return term


@encoding(MaxConsecutive, MinConsecutive, MinConsecutiveOff)
def runs_encoding(rule: _Runs, model: EncodingModel) -> None:
    """Maximum: a clause per window of ``max + 1`` days (one of them is off). Minimums:
    forbidden-pattern clauses (the builder's ``min_runs``), runs touching the first or last
    day of the horizon exempt."""
    n = model.p.n_days
    for w, bound in enumerate(rule.bound):
        if bound is None or not model.touches(w, 0, n):
            continue
        work = [model.wd(w, d) for d in range(n)]
        if not rule.upper:
            model.min_runs(w, work, bound, working=rule.working)
            continue
        for d in range(n - bound):
            if model.touches(w, d, d + bound + 1):
                model.clause([(v, False) for v in work[d : d + bound + 1]])
