"""Shift-on and shift-off requests (NRP, soft)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem, Request
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class _Requests(Rule):
    """Soft rule over a list of requests, one violation per broken request ``i``; key
    ``(name, i)``; anchor (worker, day) of the request."""

    severity = "soft"
    wants = True  # shift-on: broken when the worker does NOT work the shift

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        reqs = self.requests(problem)
        self.w = [problem.worker_index[r.worker] for r in reqs]
        self.d = [int(r.day) for r in reqs]
        self.s = [problem.shift_index[r.shift] for r in reqs]
        self.weight = [float(r.weight) for r in reqs]
        self.at: dict[int, list[int]] = {}
        for i in range(len(reqs)):
            self.at.setdefault(self.w[i] * tables.n_d + self.d[i], []).append(i)

    @property
    def active(self) -> bool:
        return bool(self.w)

    def requests(self, problem: Problem) -> tuple[Request, ...]:
        raise NotImplementedError

    def record(self, i: int) -> Violation:
        t = self.t
        w, d, s = self.w[i], self.d[i], self.s[i]
        what = "asked to work" if self.wants else "asked not to work"
        does = "does not" if self.wants else "does"
        return self.make(
            (self.name, i),
            (w,),
            (d,),
            s,
            f"{t.worker_id[w]} {what} {t.shift_id[s]} on {t.iso[d]} but {does} "
            f"({self.name.replace('_', ' ')} request, weight {self.weight[i]:g})",
            self.weight[i],
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        if not self.w:
            return []
        held = roster.shift_of[np.asarray(self.w), np.asarray(self.d)]
        hit = (held != np.asarray(self.s)) if self.wants else (held == np.asarray(self.s))
        return [self.record(i) for i in np.flatnonzero(hit).tolist()]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        a = w * self.t.n_d + d
        return (a,) if old != new and a in self.at else ()

    def anchors(self, key: tuple) -> Iterable[int]:
        i = key[1]
        return (self.w[i] * self.t.n_d + self.d[i],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        out = []
        for a in anchors:
            for i in self.at.get(a, ()):
                held = state.shift_of[self.w[i]][self.d[i]]
                if (held != self.s[i]) == self.wants:
                    out.append(self.record(i))
        return out

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        at, n_d, shifts, weights, wants = self.at, self.t.n_d, self.s, self.weight, self.wants

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            found = at.get(w * n_d + d)
            if not found or old == new:
                return 0.0
            change = 0.0
            for i in found:
                s = shifts[i]
                if wants:
                    change += weights[i] * ((new != s) - (old != s))
                else:
                    change += weights[i] * ((new == s) - (old == s))
            return change

        return delta


class ShiftOnRequests(_Requests):
    """Soft. Each shift-on request (worker, day, shift, weight) costs ``weight`` when the
    worker does not work exactly that shift on that day (off or another shift).
    Key ``("shift_on", i)`` with ``i`` the request's position in
    ``problem.shift_on_requests``."""

    name = "shift_on"
    wants = True

    def requests(self, problem: Problem) -> tuple[Request, ...]:
        return problem.shift_on_requests


class ShiftOffRequests(_Requests):
    """Soft. Each shift-off request (worker, day, shift, weight) costs ``weight`` when the
    worker works that shift on that day (another shift or a day off satisfies it).
    Key ``("shift_off", i)`` with ``i`` the request's position in
    ``problem.shift_off_requests``."""

    name = "shift_off"
    wants = False

    def requests(self, problem: Problem) -> tuple[Request, ...]:
        return problem.shift_off_requests


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(ShiftOnRequests, ShiftOffRequests)
def requests_batched(rule: ShiftOnRequests | ShiftOffRequests, state: BatchState) -> BatchTerm:
    """The weight of the requests on the old cell, less those on the new one (shift-on:
    granted ones stop costing), or the reverse (shift-off: broken ones cost); column -1 of the
    weight table is off, which no request names."""
    p = rule.problem
    weights = np.zeros((p.n_workers, p.n_days, p.n_shifts + 1))
    np.add.at(weights, (rule.w, rule.d, rule.s), rule.weight)
    granted_pays = isinstance(rule, ShiftOnRequests)

    def term(m: Moves) -> np.ndarray:
        before, after = weights[m.ws, m.ds, m.old], weights[m.ws, m.ds, m.new]
        return before - after if granted_pays else after - before

    return term


@encoding(ShiftOnRequests, ShiftOffRequests)
def requests_encoding(rule: ShiftOnRequests | ShiftOffRequests, model: EncodingModel) -> None:
    """Objective (Curtois & Qu): a shift-on request's weight when the shift is not worked, a
    shift-off request's weight when it is."""
    on = isinstance(rule, ShiftOnRequests)
    for w, d, s, weight in zip(rule.w, rule.d, rule.s, rule.weight, strict=True):
        var = model.xv(w, d, s)
        c = model.w(weight)
        model.objective.append(c * (1 - var) if on else c * var)
    model.terms.append("shift_on_requests" if on else "shift_off_requests")
