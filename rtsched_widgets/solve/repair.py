"""Non-disruptive repair: re-plan a part of the schedule, changing as few assignments as
possible.

:func:`repair` runs in three steps:

1. inside the :mod:`scope <rtsched_widgets.engine.scope>`, workers are taken off the days they
   are unavailable on (an absence); then a strategy re-plans the scope with everything outside
   it kept (pinned days always stay);
2. on a private branch holding that roster, every changed worker-day is tried back at its
   current value, one at a time, and put back when that costs no hard violation and at most
   ``change_cost`` of soft penalty — a change stays only when it pays for itself (nobody is
   put back on a day they are unavailable on); passes repeat
   until none is put back (at most :data:`PASSES`). With ``max_changes``, the changes that
   hurt least to undo are then put back until at most that many remain;
3. the difference is applied to the schedule as one edit of kind ``"repair"`` (one undo step).

Edits people make while step 1 runs are kept: a worker-day changed meanwhile is left as they
made it. Steps 2 and 3 hold the schedule's lock (they take milliseconds).

This is solve-layer orchestration (it runs a strategy): the engine reaches it through its
:class:`~rtsched_widgets.engine.ports.SolvingProvider` port (``Schedule.repair``), wired by
:mod:`rtsched_widgets._wiring`, and it edits schedules only through their public API
(``schedule.lock``, :meth:`Schedule.set_slots`, :meth:`Schedule.fork`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.engine.planning import SetSlots
from rtsched_widgets.engine.result import OpResult, failure
from rtsched_widgets.engine.scope import resolve_scope
from rtsched_widgets.solve.base import Strategy, check_time_limit
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.live import roster_of
from rtsched_widgets.solve.registry import get_strategy
from rtsched_widgets.solve.scoring import roster_from_shifts

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.roster import Roster

PASSES = 3
"""Most passes of step 2 (each tries every remaining change once)."""


def repair(
    schedule: Schedule,
    scope: object,
    *,
    time_limit: float,
    max_changes: int | None,
    strategy: str | Strategy,
    change_cost: float,
    seed: int,
    user: str,
) -> OpResult:
    """See :meth:`Schedule.repair` and the module docstring."""
    p = schedule.problem
    t0 = time.perf_counter()
    try:
        check_time_limit(time_limit)
        if max_changes is not None and (
            isinstance(max_changes, bool) or not isinstance(max_changes, int) or max_changes < 0
        ):
            raise ValueError(f"max_changes: {max_changes!r} — give None or an int >= 0")
        if (
            isinstance(change_cost, bool)
            or not isinstance(change_cost, int | float)
            or not (math.isfinite(change_cost) and change_cost >= 0)
        ):
            raise ValueError(f"change_cost: {change_cost!r} — give a finite number >= 0")
        solver = strategy if isinstance(strategy, Strategy) else get_strategy(strategy)
        with schedule.lock:
            region = resolve_scope(schedule, scope)
            start = schedule.core.copy()
            origin = start.shift_of.copy()
            before = schedule.validator.score()
    except (KeyError, ValueError) as exc:
        return failure("MALFORMED", f"repair: {exc}", kind="repair", version=schedule.version)
    details: dict[str, object] = {
        "scope_size": region.size,
        "score_before": (int(before.hard), float(before.soft)),
    }
    if region.size == 0:
        return _unchanged(schedule, user, details, "repair: the scope holds no cell")
    keep = Keep(worker_days=~region.free, cells=region.closed)
    ejected = _eject_unavailable(start, region.free)
    details["ejected"] = ejected
    solved = solver.solve(p, roster=start, keep=keep, time_limit=time_limit, seed=seed)
    details["strategy_status"] = solved.status
    with schedule.lock:
        current = schedule.core.shift_of.astype(np.int64)
        planned = solved.roster.shift_of.astype(np.int64)
        untouched = current == origin  # people's edits meanwhile stay theirs
        target = np.where(untouched, planned, current)
        branch = schedule.fork(user=user)
        _install(branch, target, user)
        _minimise(branch, roster_of(p, current, like=schedule.core), change_cost, max_changes)
        d, s, k = np.nonzero(schedule.core.slots != branch.core.slots)
        targets = [
            (int(a), int(b), int(c), int(w))
            for a, b, c, w in zip(d, s, k, branch.core.slots[d, s, k], strict=True)
        ]
        changed = int((branch.core.shift_of != schedule.core.shift_of).sum())
        details["worker_days_changed"] = changed
        details["cells_changed"] = len(targets)
        if not targets:
            details["score_after"] = details["score_before"]
            details["elapsed"] = time.perf_counter() - t0
            return _unchanged(schedule, user, details, "repair: no change pays for itself")
        result = schedule.set_slots(
            SetSlots(targets, "repair", f"repair: {changed} assignment(s) changed"),
            user=user,
            checked=False,
        )
        after = schedule.validator.score()
    details["score_after"] = (int(after.hard), float(after.soft))
    details["elapsed"] = time.perf_counter() - t0
    return dataclasses.replace(result, details={**result.details, **details})


def _unchanged(schedule: Schedule, user: str, details: dict[str, object], message: str) -> OpResult:
    details.setdefault("cells_changed", 0)
    details.setdefault("worker_days_changed", 0)
    details.setdefault("score_after", details["score_before"])
    return OpResult(
        ok=True,
        message=message,
        version=schedule.version,
        kind="repair",
        user=user,
        details=details,
    )


def _install(branch: Schedule, shift_of: np.ndarray, user: str) -> None:
    """Make ``branch`` hold ``shift_of`` (one unchecked step on the private branch)."""
    roster = roster_from_shifts(branch.problem, shift_of, like=branch.core)
    d, s, k = np.nonzero(branch.core.slots != roster.slots)
    targets = [
        (int(a), int(b), int(c), int(w))
        for a, b, c, w in zip(d, s, k, roster.slots[d, s, k], strict=True)
    ]
    if targets:
        branch.set_slots(SetSlots(targets, "repair", "re-planned scope"), user=user, checked=False)


def _revert_targets(
    branch: Schedule, w: int, d: int, want: int
) -> list[tuple[int, int, int, int]] | None:
    """Slot writes giving worker ``w`` shift ``want`` (-1 off) on day ``d`` again, or None when
    that cell is full."""
    core = branch.core
    out = []
    now = int(core.shift_of[w, d])
    if now >= 0:
        out.append((d, now, int(core.slot_of[w, d]), -1))
    if want >= 0:
        cap = int(branch.problem.maximum[d, want])
        free = np.flatnonzero(core.slots[d, want, :cap] < 0)
        if free.size == 0:
            return None
        out.append((d, want, int(free[0]), w))
    return out


def _cost_of_revert(
    branch: Schedule, targets: list[tuple[int, int, int, int]]
) -> tuple[int, float]:
    plan = branch.planner.plan(SetSlots(targets, "repair", ""), "repair")
    hard, soft = branch.validator.score_delta(plan.changes)
    return int(hard), float(soft)


def _apply(branch: Schedule, targets: list[tuple[int, int, int, int]]) -> None:
    branch.set_slots(SetSlots(targets, "repair", "put back"), user=branch.user, checked=False)


def _eject_unavailable(roster: Roster, free: np.ndarray) -> int:
    """Take every worker off the days in ``free`` they are unavailable on (in ``roster``);
    how many. A strategy that plans each worker's row only among rosters meeting every hard
    rule cannot otherwise drop such a day when the absence leaves no fully valid row."""
    off = np.argwhere(free & (roster.shift_of >= 0) & ~roster.problem.available)
    for w, d in off.tolist():
        roster.clear(d, int(roster.shift_of[w, d]), int(roster.slot_of[w, d]))
    return len(off)


def _day_targets(branch: Schedule, original: Roster, d: int) -> list[tuple[int, int, int, int]]:
    """Slot writes putting every cell of day ``d`` back as in ``original`` (always possible:
    that day was a valid state)."""
    now, then = branch.core.slots[d], original.slots[d]
    s, k = np.nonzero(now != then)
    return [(d, int(a), int(b), int(then[a, b])) for a, b in zip(s, k, strict=True)]


def _candidates(branch: Schedule, original: Roster) -> list[tuple[int, int, int]]:
    """Every way to put changes back, as ``(worker or -1 for a whole day, day, worker-days put
    back)``: each changed worker-day alone, then each day with several changes whole."""
    changed = branch.core.shift_of != original.shift_of
    out = [(w, d, 1) for w, d in np.argwhere(changed).tolist()]
    for d in np.flatnonzero(changed.any(axis=0)).tolist():
        n = int(changed[:, d].sum())
        if n > 1:
            out.append((-1, d, n))
    return out


def _targets_of(
    branch: Schedule, original: Roster, w: int, d: int
) -> list[tuple[int, int, int, int]] | None:
    """The slot writes of a candidate, from the branch as it is now (None: nothing left to put
    back, or no room in the old cell)."""
    if w < 0:
        targets = _day_targets(branch, original, d)
    else:
        want = int(original.shift_of[w, d])
        if int(branch.core.shift_of[w, d]) == want:
            return None
        targets = _revert_targets(branch, w, d, want) or []
    available = branch.problem.available
    if any(new >= 0 and not available[new, day] for day, _, _, new in targets):
        return None  # never put anyone back on a day they cannot work
    return targets or None


def _minimise(
    branch: Schedule, original: Roster, change_cost: float, max_changes: int | None
) -> None:
    """Step 2 of the module docstring, on ``branch``: a change (or a day's changes together,
    when they only fit back together) is put back when that adds no hard violation and at
    most ``change_cost`` per worker-day of soft penalty."""
    for _ in range(PASSES):
        put_back = 0
        for w, d, n in _candidates(branch, original):
            targets = _targets_of(branch, original, w, d)
            if targets is None:
                continue
            hard, soft = _cost_of_revert(branch, targets)
            if hard < 0 or (hard == 0 and soft <= change_cost * n + 1e-9):
                _apply(branch, targets)
                put_back += 1
        if put_back == 0:
            break
    if max_changes is None:
        return
    while int((branch.core.shift_of != original.shift_of).sum()) > max_changes:
        best: tuple[tuple[int, float], int, list[tuple[int, int, int, int]]] | None = None
        for w, d, n in _candidates(branch, original):
            targets = _targets_of(branch, original, w, d)
            if targets is None:
                continue
            cost = _cost_of_revert(branch, targets)
            if best is None or (cost, -n) < (best[0], -best[1]):
                best = (cost, n, targets)
        if best is None:
            return
        _apply(branch, best[2])
