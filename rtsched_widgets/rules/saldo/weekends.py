"""Maximum run of consecutive weeks with special-day work (saldo)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation, new_violation, nonzero2
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class MaxConsecutiveWeekends(Rule):
    """Hard. A worker *has a weekend* in calendar week ``k`` (``calendar.week``: consecutive
    ISO weeks, so the count runs on across year ends and ISO week 53) when the worker holds a
    shift on at least one special day of that week (``calendar.is_special``: a weekend day —
    Fri/Sat/Sun by default —, a holiday or the day before a holiday). A maximal run of
    consecutive weeks that all have a weekend and is longer than
    ``settings.max_consecutive_weekends`` is a violation; a run of exactly the limit is
    allowed. Only weeks inside the horizon count.

    One violation per offending run; key ``("max_consecutive_weekends", w, first_week,
    last_week)``; its dates are the special days the worker works in the run. Anchors
    (w, k) for every week ``k`` from ``first_week - 1`` to ``last_week + 1``.
    """

    name = "max_consecutive_weekends"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.limit = int(problem.settings.max_consecutive_weekends)
        self.stride = tables.n_weeks + 2
        # week_first[k]: first day of calendar week k; week_first[n_weeks] = n_days
        self.week_first = np.array(
            [ds[0] for ds in tables.week_days] + [tables.n_d], dtype=np.int64
        )

    def record(self, w: int, first: int, last: int, row: Sequence[int]) -> Violation:
        t = self.t
        days = [d for k in range(first, last + 1) for d in t.special_week_days[k] if row[d] >= 0]
        return self.make(
            ("max_consecutive_weekends", w, first, last),
            (w,),
            days,
            None,
            f"{t.worker_id[w]} works special days in {last - first + 1} consecutive weeks "
            f"({t.iso[days[0]]} … {t.iso[days[-1]]}); at most {self.limit} allowed "
            "(max consecutive weekends)",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        t = self.t
        if t.n_weeks == 0:
            return Found.of_records(self, [])
        works = (roster.shift_of >= 0) & problem.calendar.is_special[None, :]
        # a week's days are contiguous: OR over each week's columns
        has = np.logical_or.reduceat(works, self.week_first[:-1], axis=1)
        padded = np.zeros((t.n_w, t.n_weeks + 2), dtype=np.int8)
        padded[:, 1:-1] = has
        step = np.diff(padded, axis=1)
        sw, sk = np.nonzero(step == 1)  # run starts (week index)
        _, ek = np.nonzero(step == -1)  # one past run ends (same row order)
        long = (ek - sk) > self.limit
        if not long.any():
            return Found.of_records(self, [])
        sw, sk, ek = sw[long], sk[long], ek[long]
        n = int(sw.size)

        def records() -> list[Violation]:
            # The days of a week are contiguous, so a run's special days worked are the
            # entries of the row-major (worker, day) list of worked special days between two
            # keys.
            ws, ds = nonzero2(works)
            flat = ws.astype(np.int64) * t.n_d + ds
            lo = np.searchsorted(flat, sw * t.n_d + self.week_first[sk])
            hi = np.searchsorted(flat, sw * t.n_d + self.week_first[ek])
            day_list = ds.tolist()
            iso, worker_id_1, worker_id = t.iso, t.worker_id_1, t.worker_id
            getiso = iso.__getitem__
            tail = f"; at most {self.limit} allowed (max consecutive weekends)"
            name, severity = self.name, self.severity
            out = []
            for w, first, end, i, j in zip(
                sw.tolist(), sk.tolist(), ek.tolist(), lo.tolist(), hi.tolist(), strict=True
            ):
                dates = tuple(map(getiso, day_list[i:j]))
                out.append(
                    new_violation(
                        name,
                        severity,
                        worker_id_1[w],
                        dates,
                        None,
                        f"{worker_id[w]} works special days in {end - first} consecutive weeks "
                        f"({dates[0]} … {dates[-1]}){tail}",
                        1.0,
                        ("max_consecutive_weekends", w, first, end - 1),
                    )
                )
            return out

        return Found(self, n, np.ones(n, dtype=float), records)

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        t = self.t
        if (old < 0) == (new < 0) or not t.special[d]:
            return ()
        return (w * self.stride + t.week[d] + 1,)

    def anchors(self, key: tuple) -> Iterable[int]:
        base = key[1] * self.stride + 1
        return range(base + key[2] - 1, base + key[3] + 2)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n_weeks, limit = self.t.n_weeks, self.limit
        found: dict[tuple, Violation] = {}
        for a in anchors:
            w, x = divmod(a, self.stride)
            x -= 1
            spw = state.spw[w]
            for y in (x - 1, x, x + 1):
                if not 0 <= y < n_weeks or spw[y] == 0:
                    continue
                first = y
                while first > 0 and spw[first - 1] > 0:
                    first -= 1
                last = y
                while last + 1 < n_weeks and spw[last + 1] > 0:
                    last += 1
                key = ("max_consecutive_weekends", w, first, last)
                if last - first + 1 > limit and key not in found:
                    found[key] = self.record(w, first, last, state.shift_of[w])
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        special, week, n_weeks, limit = self.t.special, self.t.week, self.t.n_weeks, self.limit

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0) or not special[d]:
                return 0
            spw, k = state.spw[w], week[d]
            if spw[k] > (0 if old < 0 else 1):
                return 0  # the week keeps (or already had) a weekend
            left = 0
            while k - left - 1 >= 0 and spw[k - left - 1] > 0:
                left += 1
            right = 0
            while k + right + 1 < n_weeks and spw[k + right + 1] > 0:
                right += 1
            split = (left > limit) + (right > limit)
            joined = int(left + right + 1 > limit)
            return joined - split if old < 0 else split - joined

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(MaxConsecutiveWeekends)
def weekends_batched(rule: MaxConsecutiveWeekends, state: BatchState) -> BatchTerm:
    """On a special day whose week's work starts (ends) with the candidate: the runs of
    weeks over the limit after joining the runs beside the week, less before (or the
    reverse)."""
    limit = rule.limit

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        ws, ds = m.ws, m.ds
        special = state.special[ds] & m.flip
        if not special.any():
            return None
        k = state.week[ds]
        nw = state.n_weeks
        blocked = state.spw[ws, k] > np.where(m.new_works, 0, 1)  # the week keeps its work
        left = np.where(k > 0, state.wrun_end[ws, np.maximum(k - 1, 0)], 0)
        right = np.where(k + 1 < nw, state.wrun_start[ws, np.minimum(k + 1, nw - 1)], 0)
        split = (left > limit).astype(np.int64) + (right > limit)
        joined = (left + right + 1 > limit).astype(np.int64)
        change = np.where(m.new_works, joined - split, split - joined)
        return np.where(special & ~blocked, change, 0)

    return term


@encoding(MaxConsecutiveWeekends)
def weekends_encoding(rule: MaxConsecutiveWeekends, model: EncodingModel) -> None:
    """A flag per worker and week (the max of its special days' work); at most ``limit``
    flags set in every window of ``limit + 1`` weeks."""
    p, n, cp = model.p, model.p.n_days, model.model
    cal = p.calendar
    weeks: dict[int, list[int]] = {}
    for d in range(n):
        if cal.is_special[d]:
            weeks.setdefault(int(cal.week[d]), []).append(d)
    n_weeks = int(cal.week[-1]) + 1 if n else 0
    limit = rule.limit
    for w in range(p.n_workers):
        flags: list[Any] = []
        for week in range(n_weeks):
            days = [model.work[w, d] for d in weeks.get(week, []) if (w, d) in model.work]
            if days:
                f = cp.new_bool_var(f"wk_{w}_{week}")
                cp.add_max_equality(f, days)
                flags.append(f)
            else:
                flags.append(0)
        for start in range(n_weeks - limit):
            window = [f for f in flags[start : start + limit + 1] if not isinstance(f, int)]
            if len(window) > limit:
                cp.add(sum(window) <= limit)
