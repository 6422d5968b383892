"""Per-worker totals of the NRP profile: shifts per type, minutes, worked weekends."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables

NO_LIMIT = 1 << 62


class MaxPerShift(Rule):
    """Hard. A worker must not work more than ``max_per_shift[shift id]`` shifts of that type
    over the horizon (exactly the limit is allowed; types without a limit are free).
    One violation per (worker, shift type); key ``("max_per_shift", w, s)``; anchor (w, s).
    """

    name = "max_per_shift"
    severity = "hard"
    removal_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        limit = np.full((tables.n_w, tables.n_s), NO_LIMIT, dtype=np.int64)
        for w, worker in enumerate(problem.workers):
            for sid, n in worker.max_per_shift.items():
                limit[w, problem.shift_index[sid]] = n
        self.limit_arr = limit
        self.limit = limit.tolist()

    @property
    def active(self) -> bool:
        return bool((self.limit_arr != NO_LIMIT).any())

    def record(self, w: int, s: int, n: int) -> Violation:
        t = self.t
        return self.make(
            ("max_per_shift", w, s),
            (w,),
            (),
            s,
            f"{t.worker_id[w]} works {n} {t.shift_id[s]} shifts; at most {self.limit[w][s]} "
            "allowed (max shifts per type)",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        sh = roster.shift_of
        n = np.stack([(sh == s).sum(axis=1) for s in range(problem.n_shifts)], axis=1)
        ws, ss = np.nonzero(n > self.limit_arr)
        return [
            self.record(w, s, int(n[w, s])) for w, s in zip(ws.tolist(), ss.tolist(), strict=True)
        ]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if old == new:
            return ()
        base = w * self.t.n_s
        return tuple(base + s for s in (old, new) if s >= 0)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1] * self.t.n_s + key[2],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        out = []
        for a in anchors:
            w, s = divmod(a, self.t.n_s)
            n = state.n_ws[w][s]
            if n > self.limit[w][s]:
                out.append(self.record(w, s, n))
        return out

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        limits = self.limit

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if old == new:
                return 0
            n_ws, limit = state.n_ws[w], limits[w]
            change = 0
            if old >= 0 and n_ws[old] == limit[old] + 1:
                change -= 1
            if new >= 0 and n_ws[new] == limit[new]:
                change += 1
            return change

        return delta


class _Minutes(Rule):
    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.bound = [getattr(w, self.field) for w in problem.workers]

    field = ""

    @property
    def active(self) -> bool:
        return any(b is not None for b in self.bound)

    def breaks(self, w: int, m: int) -> bool:
        raise NotImplementedError

    def record(self, w: int, m: int) -> Violation:
        raise NotImplementedError

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        mins = np.append(np.asarray(self.t.minutes, dtype=np.int64), 0)  # index -1: off
        total = mins[roster.shift_of.astype(np.int64)].sum(axis=1).tolist()
        return [self.record(w, m) for w, m in enumerate(total) if self.breaks(w, m)]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if old == new or self.bound[w] is None:
            return ()
        return (w,)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        m = state.minutes
        return [self.record(w, m[w]) for w in anchors if self.breaks(w, m[w])]

    upper = False
    """True when ``bound`` is a maximum (more minutes break the rule), False for a minimum."""

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        bound, mins, upper = self.bound, self.t.minutes, self.upper

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if old == new:
                return 0
            b = bound[w]
            if b is None:
                return 0
            m = state.minutes[w]
            after = m - (mins[old] if old >= 0 else 0) + (mins[new] if new >= 0 else 0)
            if upper:
                return (after > b) - (m > b)
            return (after < b) - (m < b)

        return delta


class MaxMinutes(_Minutes):
    """Hard. The minutes a worker works over the horizon (sum of the shift lengths) must not
    exceed ``max_minutes`` (equal is allowed). Key ``("max_minutes", w)``; anchor ``w``."""

    name = "max_minutes"
    severity = "hard"
    removal_can_violate = False
    field = "max_minutes"
    upper = True

    def breaks(self, w: int, m: int) -> bool:
        b = self.bound[w]
        return b is not None and m > b

    def record(self, w: int, m: int) -> Violation:
        return self.make(
            ("max_minutes", w),
            (w,),
            (),
            None,
            f"{self.t.worker_id[w]} works {m} minutes; at most {self.bound[w]} allowed "
            "(max total minutes)",
        )


class MinMinutes(_Minutes):
    """Hard. The minutes a worker works over the horizon must be at least ``min_minutes``
    (equal is allowed). Key ``("min_minutes", w)``; anchor ``w``."""

    name = "min_minutes"
    severity = "hard"
    field = "min_minutes"

    def breaks(self, w: int, m: int) -> bool:
        b = self.bound[w]
        return b is not None and m < b

    def record(self, w: int, m: int) -> Violation:
        return self.make(
            ("min_minutes", w),
            (w,),
            (),
            None,
            f"{self.t.worker_id[w]} works {m} minutes; at least {self.bound[w]} required "
            "(min total minutes)",
        )


class MaxWeekends(Rule):
    """Hard. A *weekend* is the Saturday and Sunday of one calendar week
    (:attr:`Calendar.sat_sun_week`, whatever the calendar's ``weekend_days``); it is worked
    when the worker holds a shift on its Saturday or its Sunday (a weekend cut by the horizon
    counts by its days inside it). A worker must not work more than ``max_weekends`` weekends
    (equal is allowed).
    Key ``("max_weekends", w)``; anchor ``w``.
    """

    name = "max_weekends"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.limit = [
            NO_LIMIT if w.max_weekends is None else w.max_weekends for w in problem.workers
        ]

    @property
    def active(self) -> bool:
        return any(x != NO_LIMIT for x in self.limit)

    def record(self, w: int, n: int) -> Violation:
        return self.make(
            ("max_weekends", w),
            (w,),
            (),
            None,
            f"{self.t.worker_id[w]} works {n} weekends; at most {self.limit[w]} allowed "
            "(max weekends)",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        t = self.t
        ssw = np.asarray(t.sat_sun_week, dtype=np.int64)
        days = np.flatnonzero(ssw >= 0)
        if not days.size:
            return []
        worked = np.zeros((t.n_w, t.n_weeks), dtype=bool)
        ws, ds = np.nonzero(roster.shift_of[:, days] >= 0)
        worked[ws, ssw[days[ds]]] = True
        n = worked.sum(axis=1).tolist()
        return [self.record(w, k) for w, k in enumerate(n) if k > self.limit[w]]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0) or self.t.sat_sun_week[d] < 0:
            return ()
        return (w,)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n = state.n_weekends
        return [self.record(w, n[w]) for w in anchors if n[w] > self.limit[w]]

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        sat_sun_week, limits = self.t.sat_sun_week, self.limit

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            k = sat_sun_week[d]
            if k < 0 or (old < 0) == (new < 0):
                return 0
            c, n, limit = state.wkend[w][k], state.n_weekends[w], limits[w]
            if old < 0:
                return int(n + 1 > limit) - int(n > limit) if c == 0 else 0
            return int(n - 1 > limit) - int(n > limit) if c == 1 else 0

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
def _held(model: EncodingModel, w: int) -> np.ndarray:
    """The shifts worker ``w`` holds outside the region (base roster, working days only)."""
    held = model.base[w][~model.free[w]]
    return held[held >= 0]


@batched(MaxPerShift)
def max_per_shift_batched(rule: MaxPerShift, state: BatchState) -> BatchTerm:
    """One when the new shift type reaches one over its limit, minus one when leaving the
    old type brings it back to the limit."""
    n_w = rule.limit_arr.shape[0]
    limit = np.concatenate([rule.limit_arr, np.full((n_w, 1), NO_LIMIT, np.int64)], axis=1)

    def term(m: Moves) -> np.ndarray:
        n_ws, ws, old, new = state.n_ws, m.ws, m.old, m.new
        gained = (n_ws[ws, new] == limit[ws, new]) & m.new_works
        return gained - (m.works_old & (n_ws[ws, old] == limit[ws, old] + 1)).astype(np.int64)

    return term


@encoding(MaxPerShift)
def max_per_shift_encoding(rule: MaxPerShift, model: EncodingModel) -> None:
    """``sum_d x[w, d, s] <= limit`` per worker and limited shift type (the builder creates no
    variable for a type whose limit is 0)."""
    p, n = model.p, model.p.n_days
    for w, worker in enumerate(p.workers):
        if not worker.max_per_shift or not model.touches(w, 0, n):
            continue
        by_shift: dict[int, list[Any]] = {}
        for _, s_, v in model.by_worker.get(w, []):
            by_shift.setdefault(s_, []).append(v)
        held = _held(model, w)
        for sid, limit in worker.max_per_shift.items():
            s = p.shift_index[sid]
            ones = int((held == s).sum())
            model.at_most(sum(by_shift.get(s, [])) + ones, int(limit))


@batched(MaxMinutes, MinMinutes)
def minutes_batched(rule: MaxMinutes | MinMinutes, state: BatchState) -> BatchTerm:
    """Whether the worker's minutes break the bound after the change, less before."""
    upper = isinstance(rule, MaxMinutes)
    none = NO_LIMIT if upper else -NO_LIMIT
    bound = np.array([none if b is None else b for b in rule.bound], dtype=np.int64)

    def term(m: Moves) -> np.ndarray:
        before, after = m.minutes
        b = bound[m.ws]
        if upper:
            return (after > b).astype(np.int64) - (before > b)
        return (after < b).astype(np.int64) - (before < b)

    return term


@encoding(MaxMinutes, MinMinutes)
def minutes_encoding(rule: MaxMinutes | MinMinutes, model: EncodingModel) -> None:
    """The worker's total minutes (linear) against the bound, plus the redundant bound on
    the number of working days it implies (by the shortest / longest shift)."""
    p, n = model.p, model.p.n_days
    minutes = [st.minutes for st in p.shift_types]
    upper = isinstance(rule, MaxMinutes)
    for w, bound in enumerate(rule.bound):
        if bound is None or not model.touches(w, 0, n):
            continue
        mine = model.by_worker.get(w, [])
        total = sum(minutes[s] * v for _, s, v in mine) + int(
            sum(minutes[int(s)] for s in _held(model, w))
        )
        worked = sum(model.wd(w, d) for d in range(n))
        if upper:
            model.at_most(total, bound)
            if min(minutes, default=0) > 0:
                model.at_most(worked, bound // min(minutes))
        else:
            model.at_most(-total, -bound)
            if max(minutes, default=0) > 0:
                model.at_most(-worked, (-bound) // max(minutes))  # >= ceil(bound / longest)


@batched(MaxWeekends)
def max_weekends_batched(rule: MaxWeekends, state: BatchState) -> BatchTerm:
    """A Saturday or Sunday that starts (ends) a worked weekend: whether the count of worked
    weekends breaks the limit after, less before."""
    limit = np.array(rule.limit, dtype=np.int64)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        k = state.ssw_arr[m.ds]
        weekend = m.flip & (k >= 0)
        if not weekend.any():
            return None
        ws = m.ws
        c = state.wkend[ws, np.maximum(k, 0)]
        n = state.n_weekends[ws]
        lim = limit[ws]
        add = (c == 0) * ((n + 1 > lim).astype(np.int64) - (n > lim))
        rem = (c == 1) * ((n - 1 > lim).astype(np.int64) - (n > lim))
        return np.where(weekend, np.where(m.new_works, add, rem), 0)

    return term


@encoding(MaxWeekends)
def max_weekends_encoding(rule: MaxWeekends, model: EncodingModel) -> None:
    """A flag per worker and weekend (:meth:`Calendar.sat_sun_weekends`), implied by each
    working day of it and implying one of them; at most ``max_weekends`` flags set."""
    p, n, cp = model.p, model.p.n_days, model.model
    weekends = p.calendar.sat_sun_weekends()
    for w, worker in enumerate(p.workers):
        if worker.max_weekends is None or not model.touches(w, 0, n):
            continue
        weekend_flags: list[Any] = []
        for days in weekends:
            flags = [model.work[w, d] for d in days if (w, d) in model.work]
            held = any(model.wd(w, d) == 1 for d in days if (w, d) not in model.work)
            if held or not flags:
                weekend_flags.append(1 if held else 0)
                continue
            # an upper bound is all the limit needs: working a day implies the weekend
            we = cp.new_bool_var(f"weekend_{w}_{days[0]}")
            model.weekend_flags.append((we, w, days))
            for f in flags:
                cp.add_implication(f, we)
            cp.add_bool_or(flags).only_enforce_if(we)
            weekend_flags.append(we)
        model.at_most(sum(weekend_flags), worker.max_weekends)
