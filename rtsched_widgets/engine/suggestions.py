"""Ranked candidates for a cell, and alternatives for a refused edit.

:func:`suggest` screens every worker at once with numpy (why each excluded worker cannot take
the cell), pre-ranks the eligible ones by how far they are below their target, and refines the
best few with the validator's exact score delta.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets.engine.ops import Assign, Move
from rtsched_widgets.engine.result import OpError

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.problem import Problem

SUGGEST_COLUMNS = [
    "rank",
    "worker",
    "name",
    "eligible",
    "hard",
    "soft",
    "assigned",
    "target",
    "reason",
]


_MAX_SHIFTS: weakref.WeakKeyDictionary[Problem, np.ndarray] = weakref.WeakKeyDictionary()
_NO_LIMIT = np.iinfo(np.int64).max


def _max_shifts(p: Problem) -> np.ndarray:
    """Per worker ``max_shifts`` (no limit = the largest int64), computed once per problem."""
    got = _MAX_SHIFTS.get(p)
    if got is None:
        got = np.array(
            [w.max_shifts if w.max_shifts is not None else _NO_LIMIT for w in p.workers],
            dtype=np.int64,
        )
        _MAX_SHIFTS[p] = got
    return got


_NAMES: weakref.WeakKeyDictionary[Problem, np.ndarray] = weakref.WeakKeyDictionary()


def _names(p: Problem) -> np.ndarray:
    """Display names of the workers (object array), computed once per problem."""
    got = _NAMES.get(p)
    if got is None:
        got = _NAMES[p] = np.asarray([w.display_name for w in p.workers], dtype=object)
    return got


def _screen(schedule: Schedule, d: int, s: int, *, reasons: bool = True) -> np.ndarray:
    """Per worker: "" when eligible for (d, s), else the first reason they are not; with
    ``reasons=False`` only whether each worker is eligible (a bool array, no text built)."""
    p, roster = schedule.problem, schedule.core
    cal = p.calendar
    n_w = p.n_workers
    text_of = np.full(n_w, "", dtype=object) if reasons else None
    blocked = np.zeros(n_w, dtype=bool)
    shift_today = roster.shift_of[:, d].astype(np.int64)

    def mark(mask: Any, text: Any) -> None:
        todo = mask & ~blocked
        if todo.any():
            blocked[todo] = True
            if text_of is None:
                return
            if callable(text):
                for w in np.flatnonzero(todo):
                    text_of[w] = text(int(w))
            else:
                text_of[todo] = text

    mark(shift_today == s, "already in this cell")
    mark(
        shift_today >= 0,
        lambda w: f"already works that day ({p.shift_types[int(shift_today[w])].id})",
    )
    mark(~p.available[:, d], "unavailable (days off or outside work periods)")
    maxima = _max_shifts(p)
    assigned = _assigned(schedule)
    mark(assigned >= maxima, lambda w: f"already has the maximum of {int(maxima[w])} shifts")
    today = np.flatnonzero(shift_today >= 0)
    clashing = _clashing(p)
    if today.size and clashing.size:
        # only workers with an incompatibility can clash
        clash = p.incompatible[np.ix_(clashing, today)]
        hit = np.zeros(n_w, dtype=bool)
        hit[clashing] = clash.any(axis=1)
        first = np.zeros(n_w, dtype=np.int64)
        first[clashing] = today[np.argmax(clash, axis=1)] if clash.size else 0
        mark(hit, lambda w: f"incompatible with {p.workers[int(first[w])].id}")
    if p.profile == "saldo":
        top = int(p.min_distance.max()) if n_w else 0
        lo, hi = max(d - top + 1, 0), min(d + top, p.n_days)
        window = roster.shift_of[:, lo:hi] >= 0
        offsets = np.abs(np.arange(lo, hi) - d)
        dist = np.where(window & (offsets > 0), offsets, np.iinfo(np.int64).max)
        nearest = dist.min(axis=1) if dist.size else np.full(n_w, np.iinfo(np.int64).max)
        near_day = lo + np.argmin(dist, axis=1) if dist.size else np.zeros(n_w, dtype=np.int64)
        iso = schedule._iso
        mark(nearest < p.min_distance, lambda w: f"would break min gap with {iso[near_day[w]]}")
        st = p.settings
        if int(cal.weekday[d]) in st.pattern_weekdays:
            for dist_days in st.pattern_distances:
                for other in (d - dist_days, d + dist_days):
                    if 0 <= other < p.n_days:
                        mark(
                            roster.shift_of[:, other] >= 0,
                            f"7/14 pattern with {cal.iso(other)}",
                        )
    return text_of if text_of is not None else ~blocked


def _assigned(schedule: Schedule) -> np.ndarray:
    """Shifts each worker holds now (int64 per worker), as the rule engine counts them."""
    return schedule.validator.worker_loads()


_CLASHING: weakref.WeakKeyDictionary[Problem, np.ndarray] = weakref.WeakKeyDictionary()


def _clashing(p: Problem) -> np.ndarray:
    """The workers incompatible with at least one other (indices), computed once per problem."""
    got = _CLASHING.get(p)
    if got is None:
        got = _CLASHING[p] = np.flatnonzero(p.incompatible.any(axis=1))
    return got


def _rank(
    schedule: Schedule, d: int, s: int, k: int, *, with_reasons: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, float, int, int]]]:
    """Screen reasons (``with_reasons=False``: the eligible mask), assigned counts, targets and
    the ``k`` best ``(hard, soft, deviation, worker)`` for cell ``(d, s)``, best first."""
    p, roster = schedule.problem, schedule.core
    reasons = _screen(schedule, d, s, reasons=with_reasons)
    assigned = _assigned(schedule)
    targets = np.asarray(p.targets, dtype=np.int64)
    eligible = np.flatnonzero(reasons == "") if with_reasons else np.flatnonzero(reasons)
    # leaving occupant of a full one-slot cell (an assign would replace them)
    leave: list[tuple[int, int, int, int]] = []
    if p.maximum[d, s] == 1 and roster.count[d, s] >= 1:
        occ = int(roster.slots[d, s, 0])
        leave = [(occ, d, s, -1)]
    order = eligible[np.argsort(assigned[eligible] - targets[eligible], kind="stable")]
    pool = order[: max(3 * k, 10)]
    rows = []
    for w in pool.tolist():
        hard, soft = schedule.validator.score_delta([*leave, (w, d, -1, s)])
        rows.append((int(hard), float(soft), int(assigned[w] - targets[w]), w))
    rows.sort()
    return reasons, assigned, targets, rows[:k]


def suggest(
    schedule: Schedule, date: Any, post: Any, k: int = 5, *, excluded: bool = True
) -> pd.DataFrame:
    """The ``k`` best workers for cell ``(date, post)`` and, with ``excluded``, every screened-out
    worker with the reason.

    Columns: rank (1 = best; 0 for excluded rows), worker, name, eligible, hard and soft (score
    change if that worker were put into the cell — replacing the occupant of a full one-slot
    cell; NaN for excluded rows), assigned (shifts now), target, reason ("" when eligible).
    Ranking: fewest new hard violations, then smallest soft change, then furthest below
    target. Raises ValueError naming the field for a bad date or post.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k: {k!r} — give the number of candidates as an int >= 0")
    try:
        d = schedule.planner.day(date)
        s = schedule.planner.post(post)
    except OpError as err:
        raise ValueError(err.message) from None
    p = schedule.problem
    reasons, assigned, targets, best = _rank(schedule, d, s, k)
    chosen = [w for _, _, _, w in best]
    if excluded:
        out_w = np.flatnonzero(reasons != "")
        workers = np.concatenate([np.asarray(chosen, dtype=np.int64), out_w])
    else:
        out_w = np.zeros(0, dtype=np.int64)
        workers = np.asarray(chosen, dtype=np.int64)
    n_best, n_out = len(best), len(out_w)
    ids = np.asarray(schedule._ids, dtype=object)
    names = _names(p)
    frame = pd.DataFrame(
        {
            "rank": np.concatenate([np.arange(1, n_best + 1), np.zeros(n_out, dtype=np.int64)]),
            "worker": pd.Series(ids[workers], dtype=object),
            "name": pd.Series(names[workers], dtype=object),
            "eligible": np.concatenate([np.ones(n_best, bool), np.zeros(n_out, bool)]),
            "hard": np.concatenate([[float(h) for h, _, _, _ in best], np.full(n_out, np.nan)]),
            "soft": np.concatenate([[f for _, f, _, _ in best], np.full(n_out, np.nan)]),
            "assigned": assigned[workers],
            "target": targets[workers],
            "reason": pd.Series(
                np.concatenate([np.full(n_best, "", dtype=object), reasons[out_w]]), dtype=object
            ),
        }
    )
    return frame


def _slots_for_worker(
    schedule: Schedule, w: int, around: int, k: int, skip: tuple[int, int] | None = None
) -> list[dict[str, Any]]:
    """Up to ``k`` cells with a free slot within 14 days of ``around`` where worker ``w`` would
    introduce no hard violation, nearest first."""
    p, roster = schedule.problem, schedule.core
    out: list[dict[str, Any]] = []
    days = sorted(
        range(max(around - 14, 0), min(around + 15, p.n_days)), key=lambda x: abs(x - around)
    )
    shift_of, available, count, maximum = roster.shift_of, p.available, roster.count, p.maximum
    for d in days:
        if shift_of[w, d] >= 0 or not available[w, d]:
            continue
        for s in np.flatnonzero(count[d] < maximum[d]).tolist():
            if (d, s) == skip:
                continue
            hard, soft = schedule.validator.score_delta([(w, d, -1, s)])
            if hard <= 0:
                out.append(
                    {
                        "kind": "assign",
                        "worker": p.workers[w].id,
                        "date": p.calendar.iso(d),
                        "post": s,
                        "hard": int(hard),
                        "soft": float(soft),
                        "why": "another cell for this worker",
                    }
                )
                break
        if len(out) >= k:
            break
    return out


def alternatives(
    schedule: Schedule, op: Any, changes: list[tuple[int, int, int, int]], k: int = 5
) -> list[dict[str, Any]]:
    """Alternatives for a refused ``op``: other workers for its cell, other cells for its worker,
    and a swap with the worker now in the target cell when that introduces no hard violation."""
    out: list[dict[str, Any]] = []
    if isinstance(op, Assign):
        w = schedule.planner.worker(op.worker)
        d, s = schedule.planner.day(op.date), schedule.planner.post(op.post)
        d_iso = schedule._iso[d]
        for hard, soft, _, cand in _rank(schedule, d, s, k, with_reasons=False)[3]:
            if hard <= 0:
                out.append(
                    {
                        "kind": "assign",
                        "worker": schedule._ids[cand],
                        "date": d_iso,
                        "post": s,
                        "hard": int(hard),
                        "soft": float(soft),
                        "why": "another worker for this cell",
                    }
                )
        out.extend(_slots_for_worker(schedule, w, d, k, skip=(d, s)))
        out.extend(_swaps(schedule, w, d, s, k))
    elif isinstance(op, Move):
        for w, d, old, new in changes:
            if old >= 0 and new < 0:
                out.extend(_slots_for_worker(schedule, w, d, k))
                break
    return out[: 3 * k]


def _swaps(schedule: Schedule, w: int, d: int, s: int, k: int) -> list[dict[str, Any]]:
    """Swaps that put ``w`` into (d, s): ``w`` trades a shift of theirs within 7 days with the
    occupant of (d, s), when neither side breaks a hard rule."""
    p, roster = schedule.problem, schedule.core
    if roster.count[d, s] != 1 or roster.shift_of[w, d] >= 0:
        return []
    x = int(roster.slots[d, s, int(np.argmax(roster.slots[d, s] >= 0))])
    out: list[dict[str, Any]] = []
    for d2 in range(max(d - 7, 0), min(d + 8, p.n_days)):
        s2 = int(roster.shift_of[w, d2])
        if d2 == d or s2 < 0 or roster.shift_of[x, d2] >= 0:
            continue
        changes = [(x, d, s, -1), (w, d2, s2, -1), (w, d, -1, s), (x, d2, -1, s2)]
        hard, soft = schedule.validator.score_delta(changes)
        if hard <= 0:
            out.append(
                {
                    "kind": "swap",
                    "a": [p.calendar.iso(d), s],
                    "b": [p.calendar.iso(d2), s2],
                    "hard": int(hard),
                    "soft": float(soft),
                    "why": f"swap with {p.workers[x].id}",
                }
            )
            if len(out) >= k:
                break
    return out
