"""One delta function for the saldo rules of one severity (the validator's fast path).

A candidate change is checked against every rule; calling each rule's ``delta_fn`` costs one
Python call per rule and reads the same rows of the mirror again in each. The functions built
here compute the same per-rule terms in one call: lookup lists are bound once, the worker's
rows are read once, and the terms that cannot move (the worker keeps working or keeps being
off, the day is no special day, …) are skipped.

Exactness: the hard function returns the integer sum of the rules' deltas. The soft function
evaluates each rule's term with the same float operations as that rule's ``delta_fn`` and adds
the terms to ``0.0`` in rule order, so it returns exactly ``0.0 + t1 + t2 + …`` — the value
the validator's loop over the individual functions accumulates for one change. A skipped
term is one whose function returns ``0.0``, and adding ``0.0`` to a sum that started at
``0.0`` never changes it.

A hand-inlined fast path: each rule declares its own delta check in its module, and this
module repeats them in one function (``tests/rules/test_saldo_fused.py`` keeps the two equal).
It is kept because it pays on the delta check, the validator's evaluation of one move: with
the fused functions turned off, ``Validator.score_delta`` took 2.41-2.62 µs median instead of
1.65-1.76 on the saldo 1k and 10k rosters and 3.40-3.45 instead of 2.57-2.67 on the 100k one
(``benchmarks/bench_rules.py``, two runs each): the fusion saves 21-37 % of a delta check.
An edit barely sees it (0.9 % of the instructions of an unassign + assign, under 0.1 % of a
swap: ``benchmarks/bench_edit_instructions.py``); see "One declaration per rule" in
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rtsched_widgets.rules.base import DeltaFn, Rule, distinct_in_order
from rtsched_widgets.rules.common.availability import Availability, MandatoryDays
from rtsched_widgets.rules.common.cover import CoverUnder
from rtsched_widgets.rules.profiles import SALDO_RULES
from rtsched_widgets.rules.saldo.balance import LastPostBalance, SpecialBalance
from rtsched_widgets.rules.saldo.gap import MinGap
from rtsched_widgets.rules.saldo.incompatible import Incompatibility
from rtsched_widgets.rules.saldo.pattern import WeekdayPattern
from rtsched_widgets.rules.saldo.totals import NO_LIMIT, MaxShifts, TargetShifts
from rtsched_widgets.rules.saldo.weekends import MaxConsecutiveWeekends

if TYPE_CHECKING:
    from rtsched_widgets.rules.state import LiveState

HARD_TYPES: tuple[type[Rule], ...] = tuple(r for r in SALDO_RULES if r.severity == "hard")
"""Hard rule classes the fused hard function covers (exact classes, not subclasses)."""
SOFT_TYPES: tuple[type[Rule], ...] = tuple(r for r in SALDO_RULES if r.severity == "soft")
"""Soft rule classes the fused soft function covers, in the order it adds their terms."""


def fusable_hard(rules: Sequence[Rule]) -> list[Rule]:
    """The rules of ``rules`` the fused hard function covers: the first instance of each
    class of ``HARD_TYPES`` (exact class). Empty when fewer than two."""
    seen: dict[type, Rule] = {}
    for r in rules:
        if type(r) in HARD_TYPES and type(r) not in seen:
            seen[type(r)] = r
    return list(seen.values()) if len(seen) >= 2 else []


def fusable_soft(rules: Sequence[Rule]) -> bool:
    """Whether the fused soft function can replace ALL of ``rules``: two or more, each of a
    distinct class of ``SOFT_TYPES`` (exact class), in the order of ``SOFT_TYPES`` (the order
    in which the validator would add their terms)."""
    return distinct_in_order(rules, SOFT_TYPES)


def _by_type(rules: Sequence[Rule]) -> dict[type, Any]:
    out: dict[type, Any] = {}
    for r in rules:
        if type(r) in out:
            raise ValueError(f"rules: two {type(r).__name__} rules — fuse one of each at most")
        out[type(r)] = r
    return out


def fused_hard_fn(rules: Sequence[Rule]) -> DeltaFn:
    """One delta function returning the sum of the hard deltas of ``rules`` (each of a
    distinct class of ``HARD_TYPES``) — an ``int``, equal to the sum of their ``delta_fn``s."""
    by = _by_type(rules)
    unknown = [type(r).__name__ for r in rules if type(r) not in HARD_TYPES]
    if unknown:
        raise ValueError(f"rules: {unknown} are not fusable hard saldo rules")
    any_rule = rules[0]
    t = any_rule.t
    has_avail = Availability in by
    has_mand = MandatoryDays in by
    has_gap = MinGap in by
    has_pat = WeekdayPattern in by
    has_inc = Incompatibility in by
    has_wk = MaxConsecutiveWeekends in by
    has_max = MaxShifts in by
    md = t.min_distance
    # the problem's availability and mandatory days as the tables hold them (views of the
    # problem's arrays, no private copy), each read only where its rule is held
    available = t.available
    mandatory = t.mandatory
    n_d, pat, special, week, n_weeks = t.n_d, t.pattern_day, t.special, t.week, t.n_weeks
    all_partners = t.partners
    distances = tuple(by[WeekdayPattern].distances) if has_pat else ()
    # pat_near[d]: the days exactly one of ``distances`` away from ``d`` (inside the horizon)
    # that fall on pattern weekdays, when ``d`` does (else none) — the days WeekdayPattern
    # checks; the distances are distinct and positive, so no day appears twice
    pat_near = [
        tuple(x for k in distances for x in (d - k, d + k) if 0 <= x < n_d and pat[x])
        if pat[d]
        else ()
        for d in range(n_d)
    ]
    wk_limit = by[MaxConsecutiveWeekends].limit if has_wk else 0
    # None for a worker without a limit (nothing to read for them)
    max_limits = [None if x == NO_LIMIT else x for x in by[MaxShifts].limit] if has_max else []

    def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
        n = 0
        if has_avail and not available[w, d]:
            n += (new >= 0) - (old >= 0)
        if has_mand and mandatory[w, d]:
            n += (new < 0) - (old < 0)
        on = old < 0  # the change puts the worker to work (if the status flips)
        if on == (new < 0):
            return n  # working status unchanged: no other hard rule can move
        works = state.works
        row = works[w]
        if has_gap:
            m = md[w]
            lo = d - m + 1
            c = row.count(1, lo if lo > 0 else 0, d + m)  # working days in d ± (m - 1)
            n += c if on else 1 - c
        if has_pat:
            near = pat_near[d]
            if near:
                c = 0
                for x in near:
                    c += row[x]
                n += c if on else -c
        if has_inc:
            partners = all_partners[w]
            if partners:
                c = 0
                for p in partners:
                    c += works[p][d]
                n += c if on else -c
        if has_wk and special[d]:
            spw, k = state.spw[w], week[d]
            if spw[k] <= (0 if on else 1):  # else the week keeps (or had) a weekend
                left = 0
                while k - left - 1 >= 0 and spw[k - left - 1] > 0:
                    left += 1
                right = 0
                while k + right + 1 < n_weeks and spw[k + right + 1] > 0:
                    right += 1
                split = (left > wk_limit) + (right > wk_limit)
                joined = int(left + right + 1 > wk_limit)
                n += joined - split if on else split - joined
        if has_max and (limit := max_limits[w]) is not None:
            c = state.n_work[w]
            if on:
                n += int(c + 1 > limit) - int(c > limit)
            else:
                n += int(c - 1 > limit) - int(c > limit)
        return n

    return delta


def fused_soft_fn(rules: Sequence[Rule]) -> DeltaFn:
    """One delta function returning ``0.0`` plus the soft deltas of ``rules`` (each of a
    distinct class of ``SOFT_TYPES``, in that order; see ``fusable_soft``), added in that
    order with the same float operations as their ``delta_fn``s."""
    if not fusable_soft(rules) and len(rules) >= 2:
        raise ValueError("rules: not distinct soft saldo rules in the order of SOFT_TYPES")
    by = _by_type(rules)
    unknown = [type(r).__name__ for r in rules if type(r) not in SOFT_TYPES]
    if unknown:
        raise ValueError(f"rules: {unknown} are not fusable soft saldo rules")
    t = rules[0].t
    has_target = TargetShifts in by
    has_special = SpecialBalance in by
    has_last = LastPostBalance in by
    has_cover = CoverUnder in by
    targets = t.targets
    special, last_post = t.special, t.last_post
    required, under_weight = t.required, t.under_weight
    tg = by[TargetShifts] if has_target else None
    t_tol, t_weight = (tg.tolerance, tg.weight) if tg else (0, 0.0)
    sp = by[SpecialBalance] if has_special else None
    s_share, s_tol, s_weight = (sp.share, sp.tolerance, sp.weight) if sp else ([], 0, 0.0)
    lr = by[LastPostBalance] if has_last else None
    l_share, l_tol, l_weight = (lr.share, lr.tolerance, lr.weight) if lr else ([], 0, 0.0)

    def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
        s = 0.0
        if old == new:
            return s  # every term is 0.0
        on = old < 0
        if on != (new < 0):
            if has_target:
                n, target = state.n_work[w], targets[w]
                before = abs(n - target) - t_tol
                after = abs((n + 1 if on else n - 1) - target) - t_tol
                s += (t_weight * after if after > 0 else 0.0) - (
                    t_weight * before if before > 0 else 0.0
                )
            if has_special and special[d]:
                n, fair = state.n_special[w], s_share[w]
                before = abs(n - fair) - s_tol
                after = abs((n + 1 if on else n - 1) - fair) - s_tol
                s += (s_weight * after if after > 0 else 0.0) - (
                    s_weight * before if before > 0 else 0.0
                )
        if has_last:
            lp = last_post[d]
            if lp >= 0 and (old == lp) != (new == lp):
                n, fair = state.n_last[w], l_share[w]
                before = abs(n - fair) - l_tol
                after = abs((n + 1 if new == lp else n - 1) - fair) - l_tol
                s += (l_weight * after if after > 0 else 0.0) - (
                    l_weight * before if before > 0 else 0.0
                )
        if has_cover:
            row, req = state.count[d], required[d]
            change = 0.0
            if old >= 0 and row[old] <= req[old]:
                change += under_weight[d][old]
            if new >= 0 and row[new] < req[new]:
                change -= under_weight[d][new]
            s += change
        return s

    return delta
