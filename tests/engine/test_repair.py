"""Scopes, absences and non-disruptive repair on real schedules.

Repairs run a local search under a move budget (``LocalSearch(max_moves=...)``), so what they
do is fixed by the budget, not by the machine's speed.
"""

from __future__ import annotations

import numpy as np
import pytest

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.engine.scope import MARGIN, resolve_scope
from rtsched_widgets.solve.local_search import LocalSearch


@pytest.fixture(scope="module")
def planned() -> Schedule:
    """A greedy-planned saldo schedule of 30 workers over 8 weeks (shared: tests fork it)."""
    p = rt.synthetic(workers=30, days=56, posts=3, seed=4)
    s = Schedule(p, user="planner")
    s.generate(strategy="greedy+local_search", time_limit=5, seed=0)
    return s


def _budget() -> LocalSearch:
    return LocalSearch(max_moves=4000)


def _busiest(s: Schedule, a: int, b: int) -> int:
    """The worker with most shifts on days a … b and no mandatory day there."""
    works = (s.core.shift_of[:, a : b + 1] >= 0).sum(axis=1)
    works[s.problem.mandatory[:, a : b + 1].any(axis=1)] = -1
    return int(np.argmax(works))


def _sick_week(planned: Schedule, a: int, b: int) -> tuple[Schedule, int, np.ndarray]:
    """A fork of ``planned`` where the busiest worker of days ``a`` … ``b`` is absent then:
    (the fork, that worker, the roster before any repair)."""
    s = planned.fork()
    p = s.problem
    w = _busiest(s, a, b)
    assert s.mark_absent(p.workers[w].id, p.calendar.iso(a), p.calendar.iso(b)).ok
    return s, w, s.core.shift_of.copy()


# ---------------------------------------------------------------- scopes
def test_scope_forms(planned: Schedule) -> None:
    s, p = planned, planned.problem
    assert resolve_scope(s, None).free.all()
    w = resolve_scope(s, p.workers[3].id)
    assert w.free[3].all() and w.size == p.n_days
    span = resolve_scope(s, (p.calendar.iso(5), p.calendar.iso(9)))
    assert span.free[:, 5:10].all() and span.size == 5 * p.n_workers
    block = resolve_scope(
        s, {"dates": (p.calendar.iso(2), p.calendar.iso(3)), "posts": [1], "workers": ["W0001"]}
    )
    assert block.size == 2 and block.free[0, 2] and block.free[0, 3]
    assert block.closed[2, 0] and block.closed[3, 2] and not block.closed[2, 1]
    assert not block.closed[4].any()


def test_scope_of_violations_covers_their_dates_with_a_margin(planned: Schedule) -> None:
    s = planned.fork()
    p = s.problem
    d = 20
    w = _busiest(s, d, d)
    r = s.mark_absent(p.workers[w].id, p.calendar.iso(d))
    assert r.ok and r.hard_delta >= 1
    scope = resolve_scope(s, "violations")
    assert scope.free[:, d - MARGIN : d + MARGIN + 1].all()


def test_scope_empty_is_the_dates_below_cover(planned: Schedule) -> None:
    s = planned.fork()
    p = s.problem
    d, post = 11, 0
    w = int(s.core.slots[d, post, 0])
    assert s.unassign(p.calendar.iso(d), post, worker=p.workers[w].id, force=True).ok
    scope = resolve_scope(s, "empty")
    assert scope.free[:, d].all()
    under = (s.core.count < p.required).any(axis=1)
    assert (scope.free.any(axis=0) == under).all()


@pytest.mark.parametrize(
    "bad",
    ["W9999", ("2026-01-09", "2026-01-02"), {"weeks": 1}, {"workers": "W0001"}, 42, ("x", "y")],
)
def test_bad_scopes_are_refused_by_name(planned: Schedule, bad: object) -> None:
    with pytest.raises(ValueError, match="scope"):
        resolve_scope(planned, bad)
    r = planned.fork().repair(bad, time_limit=1)
    assert not r.ok and r.error == "MALFORMED" and "scope" in r.message


# ---------------------------------------------------------------- absences
def test_mark_absent_makes_their_shifts_hard_violations_and_undoes(planned: Schedule) -> None:
    s = planned.fork()
    p = s.problem
    a, b = 14, 20
    w = _busiest(s, a, b)
    shifts = int((s.core.shift_of[w, a : b + 1] >= 0).sum())
    assert shifts > 0
    hard0 = s.score().hard
    roster = s.core.shift_of.copy()
    r = s.mark_absent(p.workers[w].id, p.calendar.iso(a), p.calendar.iso(b))
    assert r.ok and r.kind == "absence"
    assert s.score().hard == hard0 + shifts
    assert not s.problem.available[w, a : b + 1].any()
    assert (s.core.shift_of == roster).all()  # nothing unassigned
    # the problem the schedule had, shared with the parent, is untouched
    assert s.problem is not p and p.available[w, a : b + 1].all()
    assert planned.problem is p and planned.score().hard == hard0
    assert s.undo().ok
    assert s.score().hard == hard0 and s.problem.available[w, a : b + 1].all()
    assert s.redo().ok
    assert s.score().hard == hard0 + shifts
    assert s.fork().score().hard == hard0 + shifts  # a fork made after shares the absence


def test_an_absence_overrides_a_mandatory_day(planned: Schedule) -> None:
    s = planned.fork()
    p = s.problem
    w, d = (int(x) for x in np.argwhere(p.mandatory)[0])
    r = s.mark_absent(p.workers[w].id, p.calendar.iso(d))
    assert r.ok
    assert not s.problem.mandatory[w, d]
    assert p.calendar.date(d) not in s.problem.workers[w].mandatory_days
    assert (p.calendar.date(d),) * 2 in s.problem.workers[w].days_off
    assert p.mandatory[w, d]
    assert s.undo().ok
    assert s.problem.mandatory[w, d]


def test_bad_absences_change_nothing(planned: Schedule) -> None:
    s = planned.fork()
    before = (s.version, s.problem)
    for args in (("W9999", "2026-01-05"), ("W0001", "2026-02-10", "2026-02-01"), ("W0001", "x")):
        r = s.mark_absent(*args)
        assert not r.ok and r.error == "MALFORMED"
    assert (s.version, s.problem) == before


def test_absences_are_not_split_across_processes() -> None:
    p = rt.synthetic(workers=5, days=14, posts=1, seed=0)
    s = Schedule(p, store="memory://absence-test", user="a")
    r = s.mark_absent("W0001", "2026-01-05")
    assert not r.ok and r.error == "UNSUPPORTED"
    s.close()


# ---------------------------------------------------------------- repair
def test_repair_fixes_an_absence_changing_few_cells_as_one_step(planned: Schedule) -> None:
    s = planned.fork()
    p = s.problem
    a, b = 21, 27
    w = _busiest(s, a, b)
    assert s.mark_absent(p.workers[w].id, p.calendar.iso(a), p.calendar.iso(b)).ok
    hard_before = s.score().hard
    roster = s.core.shift_of.copy()
    version = s.version
    r = s.repair("violations", time_limit=60, strategy=_budget())
    assert r.ok, r.message
    assert r.kind == "repair" and s.version == version + 1  # one step
    d = r.details
    assert d["score_before"][0] == hard_before
    assert d["score_after"] == (s.score().hard, pytest.approx(s.score().soft))
    assert d["score_after"][0] < hard_before
    assert (s.core.shift_of[w, a : b + 1] < 0).all()  # the absent worker is off
    changed = s.core.shift_of != roster
    assert d["worker_days_changed"] == int(changed.sum()) > 0
    scope = resolve_scope(planned, (p.calendar.iso(a - MARGIN), p.calendar.iso(b + MARGIN)))
    assert not (changed & ~scope.free).any()  # only inside the scope
    assert s.undo().ok and (s.core.shift_of == roster).all()


def test_every_change_a_repair_keeps_pays_for_itself(planned: Schedule) -> None:
    """Putting any single kept change back would add a hard violation or more soft penalty
    than the change costs (the minimisation's promise)."""
    s, _, roster = _sick_week(planned, 30, 36)
    r = s.repair("violations", time_limit=60, strategy=_budget(), change_cost=1.0)
    assert r.ok
    from rtsched_widgets.solve.repair import _cost_of_revert, _revert_targets

    for ww, dd in np.argwhere(s.core.shift_of != roster).tolist():
        targets = _revert_targets(s, ww, dd, int(roster[ww, dd]))
        if targets is None:
            continue
        hard, soft = _cost_of_revert(s, targets)
        assert hard > 0 or soft > 1.0 - 1e-9


def test_max_changes_caps_the_repair(planned: Schedule) -> None:
    s, _, roster = _sick_week(planned, 40, 46)
    r = s.repair("violations", time_limit=60, strategy=_budget(), max_changes=1)
    assert r.ok
    assert int((s.core.shift_of != roster).sum()) <= 1
    assert s.repair(max_changes=-1, time_limit=1).error == "MALFORMED"
    assert s.repair(change_cost=float("nan"), time_limit=1).error == "MALFORMED"


def test_a_repair_with_nothing_to_do_changes_nothing(planned: Schedule) -> None:
    s = planned.fork()
    s.validator.violation_list()
    version = s.version
    r = s.repair({"dates": [], "workers": []}, time_limit=1)
    assert r.ok and r.details["cells_changed"] == 0 and s.version == version
