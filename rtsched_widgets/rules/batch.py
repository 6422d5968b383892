"""Batched evaluation: the score change of many candidate changes in one numpy pass.

A rule's *batched term* answers, for arrays of candidates (candidate ``i``: worker ``ws[i]``
goes from its current shift to ``new[i]`` on day ``ds[i]``, optionally after another worker's
change on the same day, ``pre``), the change of that rule's hard count (hard rules, an int
array) or soft penalty (soft rules, a float array) — the same values as the rule's ``delta``
against the same roster. Each built-in rule declares its term beside its other checks with
``@batched(RuleClass)`` (see :mod:`rtsched_widgets.rules.registry`); the evaluator of the
solve layer (``solve.fast_eval.FastEvaluator``) keeps the roster and its running aggregates
as arrays (``BatchState``) and adds the terms of the profile's rules.

A term is built once per evaluator by its factory ``factory(rule, state) -> term`` (lookup
arrays derived from the problem are built there) and then called as ``term(moves)`` with
the candidates (``Moves``); it returns the array of changes, or None when the rule cannot
move for any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, Protocol

import numpy as np

Pre = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A preceding change per candidate: (worker, old shift, new shift) arrays, same day."""


class BatchState(Protocol):
    """The roster and running aggregates a batched term reads (maintained by the
    evaluator; every array is indexed by worker index ``w``, day ``d``, shift ``s``, with -1
    = off; a column ``n_shifts`` or index -1 of a per-shift table stands for off).

    Both profiles: ``sh[w, d]`` shift; ``count[d, s]`` people on a cell; ``n_ws[w, s]``
    shifts per type; ``mins[w]`` minutes; ``n_work[w]`` working days; ``wkend[w, k]``
    Saturdays/Sundays worked in week ``k``, ``n_weekends[w]`` weeks with one.
    NRP profile: ``run_end[w, d]`` / ``run_start[w, d]`` length of the run of equal working
    status ending / starting at ``d``.
    saldo profile: ``cum[w, d]`` working days before ``d``; ``spw[w, k]`` special days worked
    in week ``k``, ``n_special[w]`` their total, ``wrun_end`` / ``wrun_start`` runs of weeks
    with special-day work; ``n_last[w]`` days on the day's last post; ``partner_on[w, d]``
    incompatible partners of ``w`` working on ``d``.
    Problem: ``required[d, s]`` people a cell needs.
    Calendar: ``n_d`` days, ``n_weeks`` weeks, ``week[d]``, ``ssw_arr[d]`` (the week of a
    Saturday or Sunday, else -1), ``special[d]``, ``last_arr[d]`` (the day's last post or
    -1), ``minutes_pad[s]`` (0 at index -1)."""

    sh: np.ndarray
    count: np.ndarray
    n_ws: np.ndarray
    mins: np.ndarray
    n_work: np.ndarray
    wkend: np.ndarray
    n_weekends: np.ndarray
    run_end: np.ndarray
    run_start: np.ndarray
    cum: np.ndarray
    spw: np.ndarray
    n_special: np.ndarray
    n_last: np.ndarray
    wrun_end: np.ndarray
    wrun_start: np.ndarray
    partner_on: np.ndarray
    required: np.ndarray
    n_d: int
    n_weeks: int
    week: np.ndarray
    ssw_arr: np.ndarray
    special: np.ndarray
    last_arr: np.ndarray
    minutes_pad: np.ndarray


class Moves:
    """The candidates of one batched evaluation, element-wise, with the arrays several terms
    share (computed once, on first use).

    ``ws``, ``ds``, ``new``: worker, day, target shift; ``old``: the current shift;
    ``works_old`` / ``new_works``: working before / after; ``flip``: the working status
    changes (``any_flip``: for some candidate); ``pre``: the preceding change on the same day
    (``None`` when none; its own change is not part of the candidates' score change)."""

    def __init__(
        self, state: BatchState, ws: np.ndarray, ds: np.ndarray, new: np.ndarray, pre: Pre | None
    ) -> None:
        self.state = state
        self.ws, self.ds, self.new, self.pre = ws, ds, new, pre
        self.old = old = state.sh[ws, ds]
        self.works_old = old >= 0
        self.new_works = new >= 0
        self.flip = self.works_old != self.new_works
        self.any_flip = bool(self.flip.any())

    @cached_property
    def sign(self) -> np.ndarray:
        """+1 where the candidate starts working, -1 where it stops (meaningful on ``flip``)."""
        return np.where(self.new_works, 1, -1)

    @cached_property
    def cells(
        self,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(old_cell, new_cell, count_old, count_new, required_old, required_new)``: the
        shift columns of the old and new cells (0 for off), their people counts after ``pre``
        and their requirements."""
        oc, nc = np.maximum(self.old, 0), np.maximum(self.new, 0)
        st, ds = self.state, self.ds
        cnt_old, cnt_new = st.count[ds, oc], st.count[ds, nc]
        if self.pre is not None:
            _, pold, pnew = self.pre
            cnt_old = cnt_old - (pold == self.old) + (pnew == self.old)
            cnt_new = cnt_new - (pold == self.new) + (pnew == self.new)
        return oc, nc, cnt_old, cnt_new, st.required[ds, oc], st.required[ds, nc]

    @cached_property
    def minutes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(before, after)``: the worker's minutes before and after the change."""
        st = self.state
        before = st.mins[self.ws]
        return before, before - st.minutes_pad[self.old] + st.minutes_pad[self.new]

    @cached_property
    def beside(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(has_left, has_right, prev, nxt)``: whether the day has a day before / after it
        in the horizon and the worker's shifts on those days (-1 outside the horizon)."""
        sh, n_d, ds, ws = self.state.sh, self.state.n_d, self.ds, self.ws
        has_left = ds > 0
        has_right = ds + 1 < n_d
        prev = np.where(has_left, sh[ws, ds - 1], -1)  # -1 wraps: masked by has_left
        nxt = np.where(has_right, sh[ws, np.minimum(ds + 1, n_d - 1)], -1)
        return has_left, has_right, prev, nxt

    @cached_property
    def runs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)``: the first day of the run (of equal working status) that ends the day
        before ``d`` and the last day of the run that starts the day after (``d`` itself
        where there is no such day). NRP state only (``run_end`` / ``run_start``)."""
        has_left, has_right, _, _ = self.beside
        st, ds, ws = self.state, self.ds, self.ws
        a = np.where(has_left, ds - st.run_end[ws, ds - 1], ds)
        b = np.where(has_right, ds + st.run_start[ws, np.minimum(ds + 1, st.n_d - 1)], ds)
        return a, b

    def run_through(self, working: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(join_left, join_right, lo, hi)`` for runs of working days (``working``) or of
        days off: whether the runs before / after the day are of that kind, and the first and
        last day of the run through the day when it is of that kind too (computed once per
        kind)."""
        cache = self._run_through
        if working not in cache:
            has_left, has_right, prev, nxt = self.beside
            a, b = self.runs
            join_left = has_left & ((prev >= 0) == working)
            join_right = has_right & ((nxt >= 0) == working)
            lo = np.where(join_left, a, self.ds)
            hi = np.where(join_right, b, self.ds)
            cache[working] = (join_left, join_right, lo, hi)
        return cache[working]

    @cached_property
    def _run_through(self) -> dict[bool, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        return {}


BatchTerm = Callable[[Moves], "np.ndarray | None"]
"""A built term: the candidates' changes of one rule (int for hard, float for soft), or
None when nothing can change."""
BatchFactory = Callable[[Any, BatchState], BatchTerm]
"""``factory(rule, state)``: builds a rule's term (``rule`` is an instance of the class the
factory is declared for)."""
