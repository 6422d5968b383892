"""One function for the validator's edit path over the saldo soft rules, all anchored.

The saldo profile's soft rules (target shifts, special-day and last-post balance, cover
under) each hold at most one violation per anchor, kept by the validator as one int per
anchor (``rules.anchored``). For one change the validator would, per rule, ask its
``touched`` anchors, the value there now (``value_now``) and the penalties of the held and
new values (``penalty_at``): three to four Python calls a rule. The function built here does
the same for all of them in one call: it appends the moves ``(rule position, anchor, held
value, new value)`` of the anchors whose value changed, in rule order, and returns the soft
change.

Exactness: each rule's term is computed with the same operations as its ``value_now`` and
``penalty_at`` (so the same floats) and added to ``0.0`` in rule order, one anchor's term as
``new penalty - held penalty`` (0.0 for ``ABSENT``), several anchors' through ``math.fsum``
of each side — what the validator's loop over the rules adds. ``tests/rules/
test_saldo_fused_moves.py`` keeps the two equal; the differential tests check both against
full checks.

The validator's gated commit of one change (an assign or an unassign that the gate let
through) calls ``fused_move_moves_fn``'s function instead: ``LiveState.move`` written out and
the same moves computed from the counts it has just written, in one call (one call and the
counts read once: about 4k instructions fewer an unassign + assign round,
``benchmarks/bench_edit_instructions.py``). ``tests/rules/test_saldo_fused_move_moves.py``
keeps it equal to ``move`` followed by the function above.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rtsched_widgets.rules.anchored import ABSENT
from rtsched_widgets.rules.base import Rule
from rtsched_widgets.rules.common.cover import CoverUnder
from rtsched_widgets.rules.saldo.balance import LastPostBalance, SpecialBalance
from rtsched_widgets.rules.saldo.totals import TargetShifts

if TYPE_CHECKING:
    from rtsched_widgets.rules.state import LiveState

MOVES_TYPES: tuple[type[Rule], ...] = (TargetShifts, SpecialBalance, LastPostBalance, CoverUnder)
"""The soft rule classes the function covers, in the order it adds their terms."""

SoftMovesFn = Callable[
    ["LiveState", Sequence[Any], int, int, int, int, list[tuple[int, int, int, int]]], float
]
"""``(state, stores, w, d, old, new, moves) -> soft change``: ``stores[i].held`` is the held
value per anchor of the rule at position ``i``; the state already holds the change."""


def fusable_moves(rules: Sequence[Rule]) -> bool:
    """Whether ``rules`` (a validator's live soft rules, in rule order) are one or more rules,
    each of a distinct class of ``MOVES_TYPES`` (exact class), in that order."""
    if not rules or any(type(r) not in MOVES_TYPES for r in rules):
        return False
    pos = [MOVES_TYPES.index(type(r)) for r in rules]
    return all(a < b for a, b in pairwise(pos))


def fused_moves_fn(rules: Sequence[Rule], positions: Sequence[int]) -> SoftMovesFn:
    """The function over ``rules`` (``fusable_moves``), at validator rule ``positions``."""
    if not fusable_moves(rules) or len(positions) != len(rules):
        raise ValueError("rules: not distinct saldo soft rules in the order of MOVES_TYPES")
    by: dict[type, Any] = {type(r): r for r in rules}
    at: dict[type, int] = {type(r): i for r, i in zip(rules, positions, strict=True)}
    t = rules[0].t
    has_target, has_special = TargetShifts in by, SpecialBalance in by
    has_last, has_cover = LastPostBalance in by, CoverUnder in by
    i_t, i_s, i_l, i_c = (at.get(c, -1) for c in MOVES_TYPES)
    targets, special, last_post = t.targets, t.special, t.last_post
    required, under_weight, n_s = t.required, t.under_weight, t.n_s
    tg, sp, lr = by.get(TargetShifts), by.get(SpecialBalance), by.get(LastPostBalance)
    t_tol, t_weight = (tg.tolerance, tg.weight) if tg else (0, 0.0)
    s_share, s_tol, s_weight = (sp.share, sp.tolerance, sp.weight) if sp else ([], 0, 0.0)
    l_share, l_tol, l_weight = (lr.share, lr.tolerance, lr.weight) if lr else ([], 0, 0.0)
    # whether a target excess (an int >= 1: ints less an int tolerance) gives a positive
    # penalty: ``t_weight * excess > 0`` is ``t_weight > 0`` then (TargetShifts.value_now's
    # test, answered once; the balances' fair shares are floats, tested as the rules do)
    t_weighs = t_weight > 0

    def cover_cell(state: LiveState, held: Any, a: int) -> tuple[int, int]:
        """(held, new) value of cover cell ``a`` (CoverUnder.value_now)."""
        d, s = divmod(a, n_s)
        c = state.count[d][s]
        return held[a], (c if c < required[d][s] else ABSENT)

    def cover_penalty(a: int, value: int) -> float:
        d, s = divmod(a, n_s)  # (CoverUnder.penalty_at)
        return float(under_weight[d][s] * (required[d][s] - value))

    def moves_fn(
        state: LiveState,
        stores: Sequence[Any],
        w: int,
        d: int,
        old: int,
        new: int,
        moves: list[tuple[int, int, int, int]],
    ) -> float:
        s = 0.0
        if old == new:
            return s
        on = old < 0
        if on != (new < 0):
            if has_target:
                was = stores[i_t].held[w]
                n = state.n_work[w]
                excess = abs(n - targets[w]) - t_tol
                now = n if excess > 0 and t_weighs else ABSENT
                if now != was:
                    moves.append((i_t, w, was, now))
                    if was != ABSENT:
                        ex = abs(was - targets[w]) - t_tol
                        s += (0.0 if now == ABSENT else t_weight * excess) - (
                            t_weight * ex if ex > 0 else 0.0
                        )
                    else:
                        s += t_weight * excess - 0.0
            if has_special and special[d]:
                was = stores[i_s].held[w]
                n, fair = state.n_special[w], s_share[w]
                excess = abs(n - fair) - s_tol
                now = n if excess > 0 and s_weight * excess > 0 else ABSENT
                if now != was:
                    moves.append((i_s, w, was, now))
                    if was != ABSENT:
                        ex = abs(was - fair) - s_tol
                        s += (0.0 if now == ABSENT else s_weight * excess) - (
                            s_weight * ex if ex > 0 else 0.0
                        )
                    else:
                        s += s_weight * excess - 0.0
        if has_last:
            lp = last_post[d]
            if lp >= 0 and (old == lp) != (new == lp):
                was = stores[i_l].held[w]
                n, fair = state.n_last[w], l_share[w]
                excess = abs(n - fair) - l_tol
                now = n if excess > 0 and l_weight * excess > 0 else ABSENT
                if now != was:
                    moves.append((i_l, w, was, now))
                    if was != ABSENT:
                        ex = abs(was - fair) - l_tol
                        s += (0.0 if now == ABSENT else l_weight * excess) - (
                            l_weight * ex if ex > 0 else 0.0
                        )
                    else:
                        s += l_weight * excess - 0.0
        if has_cover:
            held = stores[i_c].held
            if on or new < 0:  # one cell (cover_penalty written out: the cell is known)
                x = new if on else old
                a = d * n_s + x
                was = held[a]
                req = required[d][x]
                c = state.count[d][x]
                now = c if c < req else ABSENT
                if now != was:
                    moves.append((i_c, a, was, now))
                    weight = under_weight[d][x]  # (a float: weight * int is the float itself)
                    s += (0.0 if now == ABSENT else weight * (req - now)) - (
                        0.0 if was == ABSENT else weight * (req - was)
                    )
            else:  # a shift change: two cells (in the order the validator's set gives)
                came: list[float] = []
                gone: list[float] = []
                for a in {d * n_s + old, d * n_s + new}:
                    was, now = cover_cell(state, held, a)
                    if now == was:
                        continue
                    moves.append((i_c, a, was, now))
                    if was != ABSENT:
                        gone.append(cover_penalty(a, was))
                    if now != ABSENT:
                        came.append(cover_penalty(a, now))
                if came or gone:
                    s += _sum_of(came) - _sum_of(gone)
        return s

    minutes_of, sat_sun_week, week = t.minutes, t.sat_sun_week, t.week

    def move_moves_fn(
        state: LiveState,
        stores: Sequence[Any],
        w: int,
        d: int,
        old: int,
        new: int,
        moves: list[tuple[int, int, int, int]],
    ) -> float:
        """``state.move(w, d, old, new)`` then ``moves_fn(state, stores, w, d, old, new,
        moves)``: for an assign or an unassign, ``LiveState.move``'s updates written out, the
        soft terms from the counts just written (the same values ``moves_fn`` reads back)."""
        if old == new or (old >= 0 and new >= 0):  # no change or a shift change: the calls
            state.move(w, d, old, new)
            return moves_fn(state, stores, w, d, old, new, moves)
        if state._shared:
            state._own(w, d)
        state.shift_of[w][d] = new
        row = state.count[d]
        n_ws = state._n_ws
        lp = last_post[d]
        n_last = state.n_last
        on = old < 0
        if on:  # (LiveState.move of an assign)
            x = new
            c = row[new] + 1
            row[new] = c
            if n_ws is not None:
                n_ws[w][new] += 1
            state.minutes[w] += minutes_of[new]
            last_moved = new == lp
            if last_moved:
                n_last[w] += 1
            sign = 1
            state.works[w][d] = 1
        else:  # (of an unassign)
            x = old
            c = row[old] - 1
            row[old] = c
            if n_ws is not None:
                n_ws[w][old] -= 1
            state.minutes[w] -= minutes_of[old]
            last_moved = old == lp
            if last_moved:
                n_last[w] -= 1
            sign = -1
            state.works[w][d] = 0
        n_work = state.n_work
        n = n_work[w] + sign
        n_work[w] = n
        is_special = special[d]
        if is_special:
            state.spw[w][week[d]] += sign
            n_special = state.n_special
            n_sp = n_special[w] + sign
            n_special[w] = n_sp
        k = sat_sun_week[d]
        if k >= 0:
            wk = state.wkend[w]
            before = wk[k]
            wk[k] = before + sign
            if before == 0 or before + sign == 0:
                state.n_weekends[w] += sign
        # moves_fn of an assign or an unassign, from the counts written above
        s = 0.0
        if has_target:
            was = stores[i_t].held[w]
            excess = abs(n - targets[w]) - t_tol
            now = n if excess > 0 and t_weighs else ABSENT
            if now != was:
                moves.append((i_t, w, was, now))
                if was != ABSENT:
                    ex = abs(was - targets[w]) - t_tol
                    s += (0.0 if now == ABSENT else t_weight * excess) - (
                        t_weight * ex if ex > 0 else 0.0
                    )
                else:
                    s += t_weight * excess - 0.0
        if has_special and is_special:
            was = stores[i_s].held[w]
            fair = s_share[w]
            excess = abs(n_sp - fair) - s_tol
            now = n_sp if excess > 0 and s_weight * excess > 0 else ABSENT
            if now != was:
                moves.append((i_s, w, was, now))
                if was != ABSENT:
                    ex = abs(was - fair) - s_tol
                    s += (0.0 if now == ABSENT else s_weight * excess) - (
                        s_weight * ex if ex > 0 else 0.0
                    )
                else:
                    s += s_weight * excess - 0.0
        if has_last and last_moved and lp >= 0:
            was = stores[i_l].held[w]
            nl, fair = n_last[w], l_share[w]
            excess = abs(nl - fair) - l_tol
            now = nl if excess > 0 and l_weight * excess > 0 else ABSENT
            if now != was:
                moves.append((i_l, w, was, now))
                if was != ABSENT:
                    ex = abs(was - fair) - l_tol
                    s += (0.0 if now == ABSENT else l_weight * excess) - (
                        l_weight * ex if ex > 0 else 0.0
                    )
                else:
                    s += l_weight * excess - 0.0
        if has_cover:
            held = stores[i_c].held
            a = d * n_s + x
            was = held[a]
            req = required[d][x]
            now = c if c < req else ABSENT
            if now != was:
                moves.append((i_c, a, was, now))
                weight = under_weight[d][x]
                s += (0.0 if now == ABSENT else weight * (req - now)) - (
                    0.0 if was == ABSENT else weight * (req - was)
                )
        return s

    moves_fn.move_moves = move_moves_fn  # type: ignore[attr-defined]
    return moves_fn


def fused_move_moves_fn(moves_fn: SoftMovesFn) -> SoftMovesFn:
    """The function that does ``state.move(w, d, old, new)`` and then ``moves_fn``'s work
    in one call (see ``fused_moves_fn``), for ``moves_fn`` returned by ``fused_moves_fn``:
    ``(state, stores, w, d, old, new, moves) -> soft change``, the state taking the change
    first (it must fit the state: see ``LiveState.move``)."""
    fn: SoftMovesFn = moves_fn.move_moves  # type: ignore[attr-defined]
    return fn


def _sum_of(penalties: list[float]) -> float:
    """The penalties' sum as the validator adds a rule's records: one as it is, several
    through ``math.fsum``."""
    n = len(penalties)
    if n == 1:
        return penalties[0]
    return math.fsum(penalties) if n else 0.0
