"""What the edit path hands on as it is: the rule engine's scores when they are an int and a
float already (converted otherwise), and one shared empty ``replaced`` for the plans that
replace nobody."""

from __future__ import annotations

from typing import Any

import numpy as np
from _schedule_helpers import movable_cells

from rtsched_widgets.engine.planning import NOTHING_REPLACED, Overlay
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.rules.base import Delta
from rtsched_widgets.rules.validator import Validator

PROBLEM, ROSTER = synthetic_with_roster(20, 28, 4, seed=2, feasible=True)


class NumpyScores(Validator):
    """A validator whose committed deltas carry numpy scores."""

    def commit(self, changes: Any) -> Delta:
        delta = super().commit(changes)
        return Delta(
            tuple(delta.introduced),
            tuple(delta.resolved),
            np.int64(delta.hard),  # type: ignore[arg-type]
            np.float32(delta.soft),  # type: ignore[arg-type]
        )


def test_scores_reach_the_result_and_the_payloads_as_int_and_float() -> None:
    plain = Schedule(PROBLEM, roster=ROSTER, user="ann")
    numpy_s = Schedule(PROBLEM, roster=ROSTER, user="ann")
    numpy_s.validator = NumpyScores(numpy_s.problem, numpy_s.core)
    date, post, who = movable_cells(plain)[0]
    for s in (plain, numpy_s):
        results = [s.unassign(date, post), s.assign(who, date, post)]
        assert all(r.ok for r in results)
        for r in results:
            assert r.hard_delta.__class__ is int and r.soft_delta.__class__ is float
        payloads = [e.payload for e in s.events.query("violations_changed")]
        assert payloads and all(
            p["hard_delta"].__class__ is int and p["soft_delta"].__class__ is float
            for p in payloads
        )
    assert [len(s.oplog) for s in (plain, numpy_s)] == [2, 2]


def test_plans_that_replace_nobody_share_one_empty_tuple() -> None:
    s = Schedule(PROBLEM, roster=ROSTER, user="ann")
    date, post, who = movable_cells(s)[0]
    planner = s.planner
    unassign = planner.plan(s_op := _unassign(date, post), "unassign")
    assert unassign.replaced is NOTHING_REPLACED
    general = planner.plan_general(s_op, "unassign")
    assert general == unassign and general.replaced is NOTHING_REPLACED
    other = next(w.id for w in s.problem.workers if w.id != who)
    d = planner.day(date)
    if s.core.shift_of[planner.problem.worker_index[other], d] < 0:
        assign = planner.plan(_assign(other, date, post), "assign")
        assert list(assign.replaced) == [planner.problem.worker_index[who]]
    assert Overlay(s.core).slot_changes() == []


def _unassign(date: str, post: int) -> Any:
    from rtsched_widgets.engine.ops import new_unassign

    return new_unassign(date, post, None, None)


def _assign(worker: str, date: str, post: int) -> Any:
    from rtsched_widgets.engine.ops import new_assign

    return new_assign(worker, date, post, None)


def test_run_edit_has_no_keyword_only_parameter() -> None:
    """The interpreter does not specialise a call of a function with keyword-only
    parameters: the edit path's entry has none (its callers name the optional ones)."""
    import inspect

    from rtsched_widgets.engine.pipeline import run_edit

    kinds = {p.kind for p in inspect.signature(run_edit).parameters.values()}
    assert kinds == {inspect.Parameter.POSITIONAL_OR_KEYWORD}
