"""Planning: the direct planners read the roster straight and give the plan the general
compiler gives (changes, replaced workers, message) — or leave the op to it."""

from __future__ import annotations

import numpy as np
import pytest
from _schedule_helpers import make_problem

from rtsched_widgets.engine.ops import Assign, Cell, Move, Swap, Unassign
from rtsched_widgets.engine.planning import Planner, SetSlots
from rtsched_widgets.engine.result import OpError
from rtsched_widgets.engine.schedule import Schedule


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_slot_plans_equal_the_general_plans(seed: int) -> None:
    """Plain assigns and unassigns are planned straight off the roster; the plan (changes,
    replaced worker, message) is the one the general compiler makes, on cells of one and of
    two slots, empty, partly and fully taken."""
    s = Schedule(make_problem(n_workers=10, n_days=20), user="alice")
    s.generate()
    p = s.problem
    rng = np.random.default_rng(seed)
    fast = 0
    for i in range(400):
        d = int(rng.integers(p.n_days))
        iso = p.calendar.iso(d)
        post = int(rng.integers(p.n_shifts))
        if rng.random() < 0.5:
            op: Assign | Unassign = Assign(p.workers[int(rng.integers(p.n_workers))].id, iso, post)
        else:
            op = Unassign(iso, post)
        plan = s.planner.plan_one_slot(op, op.kind)
        try:
            general = s.planner.plan_general(op, op.kind)
        except OpError:
            assert plan is None, op  # every refusal is left to the general path
            continue
        if plan is not None:
            fast += 1
            assert plan == general, op
        if i % 3 == 0:  # move the roster on so cells fill and empty
            s.apply(op)
    assert fast > 100


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_swap_move_and_slot_write_plans_equal_the_general_plans(seed: int) -> None:
    """Swaps, moves and the internal slot writes of undo, redo and replicated ops are planned
    straight off the roster; the plan is the one the general compiler makes, across one- and
    two-slot cells, both on one date and across dates (double bookings included), with and
    without explicit slots (out of range included), slot writes naming a slot twice, and two
    slots given each other's worker. Every refusal is left to the general path."""
    s = Schedule(make_problem(n_workers=6, n_days=6), user="alice")
    s.generate()
    p = s.problem
    rng = np.random.default_rng(seed)

    def some_cell() -> Cell:
        d = int(rng.integers(p.n_days))
        slot = None if rng.random() < 0.6 else int(rng.integers(3))
        return Cell(p.calendar.iso(d), int(rng.integers(p.n_shifts)), slot)

    fast = {"swap": 0, "move": 0, "undo": 0}
    for i in range(900):
        roll = rng.random()
        op: Swap | Move | SetSlots
        if roll < 0.4:
            op = Swap(some_cell(), some_cell())
        elif roll < 0.8:
            op = Move(some_cell(), some_cell())
        elif roll < 0.9:
            slots = [  # the same slot may come twice (a hand-made store op)
                (d, q, int(rng.integers(s.core.capacity(d, q))))
                for d in rng.integers(p.n_days, size=3).tolist()
                for q in [int(rng.integers(p.n_shifts))]
            ]
            slots += slots[:1] if rng.random() < 0.25 else []
            writes = [(*c, int(rng.integers(-1, p.n_workers))) for c in slots]
            op = SetSlots(writes, "undo", "undo of x")
        else:  # two slots given each other's worker (the undo of a swap), half on one date
            taken = np.argwhere(s.core.slots >= 0)
            a = tuple(int(x) for x in taken[int(rng.integers(len(taken)))])
            same_day = taken[taken[:, 0] == a[0]] if rng.random() < 0.5 else taken
            b = tuple(int(x) for x in same_day[int(rng.integers(len(same_day)))])
            wa, wb = int(s.core.slots[a]), int(s.core.slots[b])
            op = SetSlots([(*a, wb), (*b, wa)], "undo", "undo of x")
        try:
            general = s.planner.plan_general(op, op.kind)
        except OpError:
            general = None
        if type(op) is SetSlots:
            plan, kind = s.planner.plan_writes(op.targets, op.kind, op.label), "undo"
        elif type(op) is Swap:
            plan, kind = s.planner.plan_swap(op, op.kind), "swap"
        else:
            plan, kind = s.planner.plan_move(op, op.kind), "move"
        if general is None:
            assert plan is None, op  # every refusal is left to the general path
            continue
        if plan is not None:
            fast[kind] += 1
            assert plan == general, op
        if i % 2 == 0 and type(op) is not SetSlots:  # move the roster on
            assert s.apply(op, force=True).ok
    assert min(fast.values()) > 40, fast


def test_a_branch_plans_on_its_own_roster_and_shares_the_resolved_dates() -> None:
    from datetime import date

    from rtsched_widgets.model.roster import Roster

    s = Schedule(make_problem(n_workers=6, n_days=10), user="alice")
    assert s.assign("W05", "2026-01-07", 0).ok
    branch = s.fork()
    assert branch.planner.roster is branch.core and s.planner.roster is s.core
    assert branch.planner.day_of is s.planner.day_of
    assert s.planner.day(date(2026, 1, 7)) == 6  # resolved once, then known to both
    assert date(2026, 1, 7) in branch.planner.day_of
    assert branch.apply({"op": "unassign", "date": "2026-01-07", "post": 0}).ok
    plan = s.planner.plan(Unassign("2026-01-07", 0), "unassign")
    assert plan.slot_changes == [(6, 0, 0, 5, -1)]  # the parent still holds W05 there
    other = Roster(make_problem(n_workers=6, n_days=10))
    with pytest.raises(ValueError, match="another problem"):
        s.planner.on(other)
    assert isinstance(s.planner.on(s.core.copy()), Planner)
