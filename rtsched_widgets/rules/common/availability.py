"""Availability (days off, work periods) and mandatory days: rules about single cells."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation, nonzero2
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState


class Availability(Rule):
    """Hard. Worker ``w`` must not hold any shift on day ``d`` when ``problem.available[w, d]``
    is False: the date lies inside one of the worker's ``days_off`` ranges or, when the worker
    has ``work_periods``, outside all of them (every range includes both of its ends). In the
    NRP profile these are the file's days off.

    One violation per (worker, date); key ``("availability", w, d, shift)``; anchor (w, d).
    """

    name = "availability"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    @property
    def active(self) -> bool:
        return not bool(self.problem.available.all())

    def record(self, w: int, d: int, s: int) -> Violation:
        t = self.t
        worker, day = t.workers[w], self.problem.calendar.date(d)
        why = (
            "a day off"
            if any(a <= day <= b for a, b in worker.days_off)
            else "outside the work periods"
        )
        return self.make(
            ("availability", w, d, s),
            (w,),
            (d,),
            s,
            f"{t.worker_id[w]} works shift {t.shift_id[s]} on {t.iso[d]}, {why} (availability)",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        sh = roster.shift_of
        ws, ds = nonzero2((sh >= 0) & ~problem.available)
        ss = sh[ws, ds]
        return Found(
            self,
            int(ws.size),
            np.ones(ws.size, dtype=float),
            lambda: [
                self.record(w, d, s)
                for w, d, s in zip(ws.tolist(), ds.tolist(), ss.tolist(), strict=True)
            ],
        )

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1] * self.t.n_d + key[2],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t, out = self.t, []
        for a in anchors:
            w, d = divmod(a, t.n_d)
            s = state.shift_of[w][d]
            if s >= 0 and not t.available[w, d]:
                out.append(self.record(w, d, s))
        return out

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        available = self.t.available

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if available[w, d]:
                return 0
            return (new >= 0) - (old >= 0)

        return delta


class MandatoryDays(Rule):
    """Hard. On each of a worker's ``mandatory_days`` (``problem.mandatory[w, d]``) the worker
    must hold a shift (any shift type); a violation is a mandatory date left without one.

    Key ``("mandatory", w, d)``; anchor (w, d).
    """

    name = "mandatory"
    severity = "hard"
    post_change_can_violate = False

    @property
    def active(self) -> bool:
        return bool(self.problem.mandatory.any())

    def record(self, w: int, d: int) -> Violation:
        t = self.t
        return self.make(
            ("mandatory", w, d),
            (w,),
            (d,),
            None,
            f"{t.worker_id[w]} must work on {t.iso[d]} (mandatory day) but holds no shift",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        ws, ds = nonzero2(problem.mandatory & (roster.shift_of < 0))
        return Found(
            self,
            int(ws.size),
            np.ones(ws.size, dtype=float),
            lambda: [self.record(w, d) for w, d in zip(ws.tolist(), ds.tolist(), strict=True)],
        )

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1] * self.t.n_d + key[2],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t, out = self.t, []
        for a in anchors:
            w, d = divmod(a, t.n_d)
            if t.mandatory[w, d] and state.shift_of[w][d] < 0:
                out.append(self.record(w, d))
        return out

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        if not self.t.mandatory[w, d]:
            return 0
        return (new < 0) - (old < 0)

    def delta_fn(self) -> DeltaFn:
        mandatory = self.t.mandatory  # (no attribute look-ups per call: the gate of a removal)

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if not mandatory[w, d]:
                return 0
            return (new < 0) - (old < 0)

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(Availability)
def availability_batched(rule: Availability, state: BatchState) -> BatchTerm:
    """One per candidate that starts working on a day it is unavailable (minus one for one
    that stops)."""
    unavailable = ~rule.problem.available

    def term(m: Moves) -> np.ndarray:
        return unavailable[m.ws, m.ds] * (m.new_works.astype(np.int64) - m.works_old)

    return term


@encoding(Availability)
def availability_encoding(rule: Availability, model: EncodingModel) -> None:
    """Nothing to add: the builder creates no variable where ``problem.available`` is
    False."""


@batched(MandatoryDays)
def mandatory_batched(rule: MandatoryDays, state: BatchState) -> BatchTerm:
    """One per candidate that stops working on a mandatory day (minus one for one that
    starts)."""
    mandatory = rule.problem.mandatory

    def term(m: Moves) -> np.ndarray:
        return mandatory[m.ws, m.ds] * ((~m.new_works).astype(np.int64) - (m.old < 0))

    return term


@encoding(MandatoryDays)
def mandatory_encoding(rule: MandatoryDays, model: EncodingModel) -> None:
    """``work[w, d] == 1`` on each mandatory day of the region (infeasible where the worker
    has no variable that day)."""
    cp = model.model
    for w, d in zip(*np.nonzero(rule.problem.mandatory & model.free), strict=True):
        var = model.work.get((int(w), int(d)))
        if var is None:
            cp.add_bool_or([])  # mandatory on a day the worker cannot work
        else:
            cp.add(var == 1)
