"""The 7/14-day weekday pattern (saldo)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation, nonzero2, pair_found
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class WeekdayPattern(Rule):
    """Hard. A worker must not work two days exactly ``k`` days apart, for each ``k`` in
    ``settings.pattern_distances`` (7 and 14), when BOTH days fall on one of
    ``settings.pattern_weekdays`` (Monday–Thursday by default; Monday = 0). With the default
    distances both days share a weekday, so e.g. Tuesday and the Tuesday a week or two later
    are forbidden, while Friday–Sunday repeats and 8 or 13 days apart are allowed.
    Holidays do not change a date's weekday.

    One violation per pair; key ``("pattern", w, d1, d2)`` with ``d1 < d2``; anchors (w, d1)
    and (w, d2).
    """

    name = "pattern"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        self.distances = sorted({int(k) for k in problem.settings.pattern_distances if k > 0})

    def message(self, w: int, d1: int, d2: int) -> str:
        t = self.t
        return (
            f"{t.worker_id[w]} works {t.iso[d1]} and {t.iso[d2]}, exactly {d2 - d1} days "
            "apart on pattern weekdays (7/14 pattern)"
        )

    def record(self, w: int, d1: int, d2: int) -> Violation:
        return self.make(("pattern", w, d1, d2), (w,), (d1, d2), None, self.message(w, d1, d2))

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        works = roster.shift_of >= 0
        pat = np.asarray(self.t.pattern_day, dtype=bool)
        parts_w, parts_a, parts_b = [], [], []
        for k in self.distances:
            if k >= problem.n_days:
                continue
            hit = works[:, :-k] & works[:, k:]
            hit &= (pat[:-k] & pat[k:])[None, :]
            ws, ds = nonzero2(hit)
            parts_w.append(ws)
            parts_a.append(ds)
            parts_b.append(ds + k)
        return pair_found(self, parts_w, parts_a, parts_b, self.record, self.message)

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0) or not self.t.pattern_day[d]:
            return ()
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        base = key[1] * self.t.n_d
        return (base + key[2], base + key[3])

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t = self.t
        n_d, pat = t.n_d, t.pattern_day
        found: dict[tuple, Violation] = {}
        for a in anchors:
            w, d = divmod(a, n_d)
            row = state.shift_of[w]
            if row[d] < 0 or not pat[d]:
                continue
            for k in self.distances:
                for x in (d - k, d + k):
                    if 0 <= x < n_d and pat[x] and row[x] >= 0:
                        lo, hi = (x, d) if x < d else (d, x)
                        key = ("pattern", w, lo, hi)
                        if key not in found:
                            found[key] = self.record(w, lo, hi)
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        n_d, pat, distances = self.t.n_d, self.t.pattern_day, tuple(self.distances)

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0) or not pat[d]:
                return 0
            row = state.shift_of[w]
            n = 0
            for k in distances:
                x = d - k
                if x >= 0 and pat[x] and row[x] >= 0:
                    n += 1
                x = d + k
                if x < n_d and pat[x] and row[x] >= 0:
                    n += 1
            return n if old < 0 else -n

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(WeekdayPattern)
def pattern_batched(rule: WeekdayPattern, state: BatchState) -> BatchTerm:
    """On a pattern weekday, a candidate that starts (stops) working makes (removes) a pair
    with each worked pattern day one of the distances away."""
    p = rule.problem
    pattern = np.isin(np.asarray(p.calendar.weekday), p.settings.pattern_weekdays)
    distances = rule.distances
    n_d = state.n_d

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        ws, ds = m.ws, m.ds
        on_pattern = pattern[ds]
        if not on_pattern.any():
            return None
        n = np.zeros(len(ws), dtype=np.int64)
        for k in distances:
            for x in (ds - k, ds + k):
                inside = (x >= 0) & (x < n_d)
                xc = np.clip(x, 0, n_d - 1)
                n += inside & pattern[xc] & (state.sh[ws, xc] >= 0)
        return m.flip.astype(np.int64) * on_pattern * m.sign * n

    return term


@encoding(WeekdayPattern)
def pattern_encoding(rule: WeekdayPattern, model: EncodingModel) -> None:
    """A clause ``not work[d] or not work[d + k]`` for each pair of pattern days ``k`` apart
    (``k`` in ``settings.pattern_distances``)."""
    p, n, cp = model.p, model.p.n_days, model.model
    weekdays, st = p.calendar.weekday, p.settings
    for w in range(p.n_workers):
        work = [model.wd(w, d) for d in range(n)]
        for d in range(n):
            if int(weekdays[d]) not in st.pattern_weekdays or isinstance(work[d], int):
                continue
            for k in st.pattern_distances:
                if (
                    d + k < n
                    and not isinstance(work[d + k], int)
                    and int(weekdays[d + k]) in st.pattern_weekdays
                ):
                    cp.add_bool_or([~work[d], ~work[d + k]])
