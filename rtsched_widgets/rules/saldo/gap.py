"""Minimum gap between two shifts of one worker (saldo)."""

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
    from rtsched_widgets.rules.state import LiveState


class MinGap(Rule):
    """Hard. Two shifts of one worker must be more than ``settings.gap`` days apart: days
    ``d1 < d2`` both worked violate when ``d2 - d1 < problem.min_distance[w]``, which is
    ``gap + 1`` (so a difference of exactly ``gap`` is forbidden and ``gap + 1`` allowed), and
    ``gap + 2`` for part-timers (``work_percentage < settings.part_time_threshold``).

    One violation per offending pair of days (three shifts on consecutive days give three
    pairs); key ``("min_gap", w, d1, d2)``; anchors (w, d1) and (w, d2).
    """

    name = "min_gap"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def message(self, w: int, d1: int, d2: int) -> str:
        t = self.t
        return (
            f"{t.worker_id[w]} works {t.iso[d1]} and {t.iso[d2]}, {d2 - d1} day(s) apart; "
            f"shifts must be at least {t.min_distance[w]} days apart (min gap)"
        )

    def record(self, w: int, d1: int, d2: int) -> Violation:
        return self.make(("min_gap", w, d1, d2), (w,), (d1, d2), None, self.message(w, d1, d2))

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        # worked cells in row-major order: days ascending within each worker
        ws, ds = nonzero2(roster.shift_of >= 0)
        md = problem.min_distance[ws]
        parts_w, parts_a, parts_b = [], [], []
        for j in range(1, len(ds)):
            # pairs j apart in the list; when none of them is too close, pairs further apart
            # in the list (same worker, later days) cannot be either
            hit = (ws[j:] == ws[:-j]) & (ds[j:] - ds[:-j] < md[:-j])
            if not hit.any():
                break
            i = np.flatnonzero(hit)
            parts_w.append(ws[i])
            parts_a.append(ds[i])
            parts_b.append(ds[i + j])
        return pair_found(self, parts_w, parts_a, parts_b, self.record, self.message)

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0):
            return ()
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        base = key[1] * self.t.n_d
        return (base + key[2], base + key[3])

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t = self.t
        found: dict[tuple, Violation] = {}
        for a in anchors:
            w, d = divmod(a, t.n_d)
            if state.shift_of[w][d] < 0:
                continue
            m = t.min_distance[w]
            row = state.works[w]
            end = d + m  # working days in d - m + 1 … d + m - 1, in order
            x = row.find(1, max(d - m + 1, 0), end)
            while x >= 0:
                if x != d:
                    lo, hi = (x, d) if x < d else (d, x)
                    key = ("min_gap", w, lo, hi)
                    if key not in found:
                        found[key] = self.record(w, lo, hi)
                x = row.find(1, x + 1, end)
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        md = self.t.min_distance

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0):
                return 0
            m = md[w]
            lo = d - m + 1
            # working days in d - m + 1 … d + m - 1 (d included when the worker works it)
            n = state.works[w].count(1, lo if lo > 0 else 0, d + m)
            return n if old < 0 else 1 - n

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(MinGap)
def min_gap_batched(rule: MinGap, state: BatchState) -> BatchTerm:
    """A candidate that starts working makes a pair with each working day closer than the
    minimum distance; one that stops removes its pairs (the day itself counted once)."""
    distance = np.asarray(rule.problem.min_distance, dtype=np.int64)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        ws, ds = m.ws, m.ds
        md = distance[ws]
        lo = np.maximum(ds - md + 1, 0)
        hi = np.minimum(ds + md - 1, state.n_d - 1)
        n = state.cum[ws, hi + 1] - state.cum[ws, lo]
        return m.flip.astype(np.int64) * np.where(m.new_works, n, 1 - n)

    return term


@encoding(MinGap)
def min_gap_encoding(rule: MinGap, model: EncodingModel) -> None:
    """At most one working day in every window of ``min_distance[w]`` days."""
    p, n, cp = model.p, model.p.n_days, model.model
    for w in range(p.n_workers):
        work = [model.wd(w, d) for d in range(n)]
        dist = int(p.min_distance[w])
        for d in range(n - 1):
            window = [v for v in work[d : d + dist] if not isinstance(v, int)]
            if len(window) > 1:
                cp.add(sum(window) <= 1)
