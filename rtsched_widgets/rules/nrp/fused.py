"""One delta function for the NRP rules of one severity (the validator's fast path).

The NRP profile checks a candidate change against up to thirteen rules; one Python call per
rule is a large share of a check that should take a few microseconds. The functions built
here compute the same per-rule terms in one call, reading each lookup list once.

Exactness: the hard function returns the integer sum of the rules' deltas (the consecutive-run
rules keep their own fused function, called once). The soft function evaluates each rule's
term with the same float operations as that rule's ``delta_fn`` and adds the terms to ``0.0``
in rule order, so it returns exactly ``0.0 + t1 + t2 + …`` — the value the validator's loop
over the individual functions accumulates for one change. A skipped term is one whose
function returns ``0.0``; adding ``0.0`` to a sum that started at ``0.0`` never changes it.

A hand-inlined fast path: each rule declares its own delta check in its module, and this
module repeats them (``tests/rules/test_nrp_fused.py`` keeps the two equal). It is kept
because it pays on the delta check, the validator's evaluation of one move: with the fused
functions turned off, ``Validator.score_delta`` took 3.22-3.35 µs median instead of
2.80-2.81 on Instance1 and 3.73-3.86 instead of 3.21-3.25 on Instance12
(``benchmarks/bench_rules.py``, two runs each): the fusion saves 13-16 % of a delta check;
see "One declaration per rule" in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rtsched_widgets.rules.base import DeltaFn, Rule, distinct_in_order
from rtsched_widgets.rules.common.availability import Availability
from rtsched_widgets.rules.common.cover import CoverOver, CoverUnder
from rtsched_widgets.rules.nrp.limits import MaxMinutes, MaxPerShift, MaxWeekends, MinMinutes
from rtsched_widgets.rules.nrp.requests import ShiftOffRequests, ShiftOnRequests
from rtsched_widgets.rules.nrp.runs import MaxConsecutive, MinConsecutive, MinConsecutiveOff
from rtsched_widgets.rules.nrp.succession import ForbiddenSuccession
from rtsched_widgets.rules.profiles import NRP_RULES
from rtsched_widgets.rules.saldo.totals import NO_LIMIT

if TYPE_CHECKING:
    from rtsched_widgets.rules.state import LiveState

HARD_TYPES: tuple[type[Rule], ...] = (
    Availability,
    ForbiddenSuccession,
    MaxPerShift,
    MaxMinutes,
    MinMinutes,
    MaxWeekends,
)
"""Hard rule classes the fused hard function inlines (exact classes)."""
RUN_TYPES: tuple[type[Rule], ...] = (MaxConsecutive, MinConsecutive, MinConsecutiveOff)
"""Hard rule classes whose deltas the fused hard function adds through their own (family)
delta function."""
SOFT_TYPES: tuple[type[Rule], ...] = tuple(r for r in NRP_RULES if r.severity == "soft")
"""Soft rule classes the fused soft function covers, in the order it adds their terms."""


def fusable_hard(rules: Sequence[Rule]) -> bool:
    """Whether the fused hard function can replace ALL of ``rules``: two or more, each of a
    distinct class of ``HARD_TYPES`` + ``RUN_TYPES`` (exact class)."""
    kinds = [type(r) for r in rules]
    return (
        len(rules) >= 2
        and len(set(kinds)) == len(kinds)
        and all(k in HARD_TYPES or k in RUN_TYPES for k in kinds)
    )


def fusable_soft(rules: Sequence[Rule]) -> bool:
    """Whether the fused soft function can replace ALL of ``rules``: two or more, each of a
    distinct class of ``SOFT_TYPES`` (exact class), in the order of ``SOFT_TYPES``."""
    return distinct_in_order(rules, SOFT_TYPES)


def fused_hard_fn(
    rules: Sequence[Rule], runs: Callable[[Sequence[Rule]], list[DeltaFn]]
) -> DeltaFn:
    """One delta function returning the sum of the hard deltas of ``rules`` (see
    ``fusable_hard``); ``runs(run_rules)`` gives the delta functions of the run rules among
    them (the validator's family fusion)."""
    if not fusable_hard(rules):
        raise ValueError("rules: not two or more distinct fusable hard NRP rules")
    by: dict[type, Any] = {type(r): r for r in rules}
    t = rules[0].t
    n_d = t.n_d
    available = t.available
    has_avail = Availability in by
    forb = by[ForbiddenSuccession].forbidden if ForbiddenSuccession in by else None
    per_shift = by[MaxPerShift].limit if MaxPerShift in by else None
    mins = t.minutes
    max_min = by[MaxMinutes].bound if MaxMinutes in by else None
    min_min = by[MinMinutes].bound if MinMinutes in by else None
    sat_sun_week = t.sat_sun_week
    wk_limit = (
        [None if x == NO_LIMIT else x for x in by[MaxWeekends].limit] if MaxWeekends in by else None
    )
    run_fns = tuple(runs([r for r in rules if type(r) in RUN_TYPES]))

    def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
        if old == new:
            return 0  # every term is 0
        n: float = 0  # stays an int: every term is one
        on_before, on_after = old >= 0, new >= 0
        if has_avail and not available[w, d]:
            n += on_after - on_before
        if forb is not None:
            row = state.shift_of[w]
            if d > 0:
                prev = forb[row[d - 1]]
                n += prev[new] - prev[old]
            if d + 1 < n_d:
                nxt = row[d + 1]
                n += forb[new][nxt] - forb[old][nxt]
        if per_shift is not None:
            n_ws, limit = state.n_ws[w], per_shift[w]
            if on_before and n_ws[old] == limit[old] + 1:
                n -= 1
            if on_after and n_ws[new] == limit[new]:
                n += 1
        if max_min is not None or min_min is not None:
            m = state.minutes[w]
            after = m - (mins[old] if on_before else 0) + (mins[new] if on_after else 0)
            if max_min is not None and (b := max_min[w]) is not None:
                n += (after > b) - (m > b)
            if min_min is not None and (b := min_min[w]) is not None:
                n += (after < b) - (m < b)
        if on_before != on_after and wk_limit is not None and (k := sat_sun_week[d]) >= 0:
            limit = wk_limit[w]
            if limit is not None:
                c, nw = state.wkend[w][k], state.n_weekends[w]
                if on_after:
                    if c == 0:
                        n += int(nw + 1 > limit) - int(nw > limit)
                elif c == 1:
                    n += int(nw - 1 > limit) - int(nw > limit)
        for f in run_fns:
            n += f(state, w, d, old, new)
        return n

    return delta


def fused_soft_fn(rules: Sequence[Rule]) -> DeltaFn:
    """One delta function returning ``0.0`` plus the soft deltas of ``rules`` (see
    ``fusable_soft``), added in that order with the same float operations as their
    ``delta_fn``s."""
    if not fusable_soft(rules):
        raise ValueError("rules: not distinct soft NRP rules in the order of SOFT_TYPES")
    by: dict[type, Any] = {type(r): r for r in rules}
    t = rules[0].t
    n_d = t.n_d
    on_req = by.get(ShiftOnRequests)
    off_req = by.get(ShiftOffRequests)
    on_at, on_s, on_wt = (on_req.at, on_req.s, on_req.weight) if on_req else ({}, [], [])
    off_at, off_s, off_wt = (off_req.at, off_req.s, off_req.weight) if off_req else ({}, [], [])
    has_on, has_off = on_req is not None, off_req is not None
    has_under, has_over = CoverUnder in by, CoverOver in by
    required, under_weight, over_weight = t.required, t.under_weight, t.over_weight

    def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
        s = 0.0
        if old == new:
            return s  # every term is 0.0
        if has_on or has_off:
            wd = w * n_d + d
            if has_on and (found := on_at.get(wd)):
                change = 0.0
                for i in found:
                    x = on_s[i]
                    change += on_wt[i] * ((new != x) - (old != x))
                s += change
            if has_off and (found := off_at.get(wd)):
                change = 0.0
                for i in found:
                    x = off_s[i]
                    change += off_wt[i] * ((new == x) - (old == x))
                s += change
        row, req = state.count[d], required[d]
        if has_under:
            change = 0.0
            if old >= 0 and row[old] <= req[old]:
                change += under_weight[d][old]
            if new >= 0 and row[new] < req[new]:
                change -= under_weight[d][new]
            s += change
        if has_over:
            change = 0.0
            if old >= 0 and row[old] > req[old]:
                change -= over_weight[d][old]
            if new >= 0 and row[new] >= req[new]:
                change += over_weight[d][new]
            s += change
        return s

    return delta
