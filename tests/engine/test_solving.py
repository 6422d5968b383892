"""Live solving: the three-way merge (properties) and real background runs on a schedule.

The runs use a real worker process per job; what they assert never depends on timing (which
improvement arrives when), only on the guarantees: people's edits survive, a job's merges are
one undo step, one job at a time, stopping follows the policy.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.solve.live import _Fix, apply_fix
from rtsched_widgets.solve.solving import (
    SOLVER_USER,
    SolverBusy,
    mergeable,
    people_changes,
)

WAIT = 120  # seconds: a safety net for a hung worker, never a performance assertion


# ---------------------------------------------------------------- the merge, as arrays
@st.composite
def merge_case(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n_w = draw(st.integers(1, 6))
    n_d = draw(st.integers(1, 5))
    n_s = draw(st.integers(1, 3))
    cell = st.integers(-1, n_s - 1)

    def grid() -> np.ndarray:
        return np.array(draw(st.lists(cell, min_size=n_w * n_d, max_size=n_w * n_d))).reshape(
            n_w, n_d
        )

    base = grid()
    edits = np.array(draw(st.lists(st.booleans(), min_size=n_w * n_d, max_size=n_w * n_d)))
    live = np.where(edits.reshape(n_w, n_d), grid(), base)
    solver = grid()
    locked = np.array(
        draw(st.lists(st.booleans(), min_size=n_d * n_s, max_size=n_d * n_s))
    ).reshape(n_d, n_s) & draw(st.booleans())
    return base, live, solver, locked


def _members(shift_of: np.ndarray, d: int, s: int) -> set[int]:
    return set(np.flatnonzero(shift_of[:, d] == s).tolist())


@settings(max_examples=300, deadline=None)
@given(merge_case())
def test_merge_never_overwrites_a_person_or_a_locked_cell(case: tuple[np.ndarray, ...]) -> None:
    base, live, solver, locked = case
    allowed = mergeable(live, base, solver, locked)
    target = np.where(allowed, solver, live)
    people, closed = people_changes(live, base, locked.shape[1])
    assert (target[people] == live[people]).all()
    n_d, n_s = locked.shape
    for d in range(n_d):
        for s in range(n_s):
            if closed[d, s] or locked[d, s]:
                assert _members(target, d, s) == _members(live, d, s)
    # everything else the solver changed is taken
    assert (target[~allowed] == live[~allowed]).all()


@settings(max_examples=300, deadline=None)
@given(merge_case())
def test_merge_is_total_when_the_solver_honours_the_fix(case: tuple[np.ndarray, ...]) -> None:
    """A solver roster that keeps every fixed cell (as the worker makes it with apply_fix) is
    merged whole: the schedule ends exactly at the solver's roster."""
    base, live, raw, _ = case
    n_d = live.shape[1]
    n_s = int(max(live.max(), base.max(), raw.max(), 0)) + 1
    people, closed = people_changes(live, base, n_s)
    members = np.zeros_like(people)
    for w, d in np.argwhere(live >= 0).tolist():
        members[w, d] = closed[d, live[w, d]]
    fix = _Fix(1, people | members, live, closed)
    solver = apply_fix(SimpleNamespace(n_days=n_d), raw, fix)  # type: ignore[arg-type]
    allowed = mergeable(live, base, solver, np.zeros((n_d, n_s), dtype=bool))
    assert (np.where(allowed, solver, live) == solver).all()


# ---------------------------------------------------------------- real runs
@pytest.fixture(scope="module")
def problem() -> rt.Problem:
    return rt.load_nrp("Instance3")


def _wait_for(schedule: Schedule, event_type: str) -> threading.Event:
    seen = threading.Event()
    schedule.events.subscribe(event_type, lambda _e: seen.set())
    return seen


def _cells_of(schedule: Schedule, pairs: list[tuple[int, int]]) -> list[int]:
    return [int(schedule.core.shift_of[w, d]) for w, d in pairs]


def test_people_edits_survive_and_the_solver_merges_are_one_undo_step(problem: rt.Problem) -> None:
    s = Schedule(problem, user="alice")
    start = s.core.shift_of.copy()
    improved = _wait_for(s, "solver_improved")
    job = s.start_solving(strategy="local_search", time_limit=6, seed=1)
    assert job.running and s.solving is job
    assert improved.wait(WAIT), "the solver never merged an improvement"
    # bob edits three worker-days while it runs: take three people off their shift
    taken = []
    for i in (0, 7, 14):
        with s.lock:  # pick and edit in one step: a merge may land between two edits
            w, d = (int(x) for x in np.argwhere(s.core.shift_of >= 0)[i])
            r = s.unassign(
                s.iso_dates[d],
                int(s.core.shift_of[w, d]),
                worker=problem.workers[w].id,
                user="bob",
                force=True,
            )
        assert r.ok, r.message
        taken.append((w, d))
    assert job.wait(WAIT)
    assert job.result is not None and job.result.status != "failed", job.result
    assert _cells_of(s, taken) == [-1, -1, -1]  # bob's edits hold at the end
    assert job.result.merges >= 1 and job.result.cells_changed > 0
    assert s.solving is None
    frame = job.progress
    assert list(frame.columns) == ["elapsed", "best_objective", "best_hard", "cells_changed"]
    assert len(frame) > 0
    # the solver's merges are one undo step; bob's edits stay. Bob edited since, so the undo
    # is checked like a new edit: back to the empty roster breaks hard rules, hence force
    solver_ops = [r for r in s.oplog.records() if r.user == SOLVER_USER]
    assert len(solver_ops) == job.result.merges
    assert s.undo(user=SOLVER_USER).error == "HARD_VIOLATION"
    undone = s.undo(user=SOLVER_USER, force=True)
    assert undone.ok, undone.message
    assert s.oplog.undo_depth(SOLVER_USER) == 0
    expected = start.copy()
    for w, d in taken:
        expected[w, d] = -1
    assert (s.core.shift_of == expected).all()
    assert s.redo(user=SOLVER_USER, force=True).ok  # and back again, as one step
    assert _cells_of(s, taken) == [-1, -1, -1]


def test_people_edits_reach_the_running_solver_as_fixed_cells(problem: rt.Problem) -> None:
    s = Schedule(problem, user="alice")
    s.generate(strategy="greedy", seed=0)
    progressed = _wait_for(s, "solver_progress")
    job = s.start_solving(strategy="local_search", time_limit=5, seed=2)
    assert progressed.wait(WAIT)
    with s.lock:
        w, d = (int(x) for x in np.argwhere(s.core.shift_of >= 0)[0])
        post = int(s.core.shift_of[w, d])
        r = s.unassign(s.iso_dates[d], post, worker=problem.workers[w].id, user="bob", force=True)
    assert r.ok, r.message
    assert job.wait(WAIT)
    assert job.fix_latency, "the solver never confirmed the fixed cell"
    assert s.core.shift_of[w, d] == -1


def test_one_job_at_a_time_and_stopping_follows_the_policy(problem: rt.Problem) -> None:
    s = Schedule(problem, user="alice", policy=Policy(allow_stop_others=False))
    finished = _wait_for(s, "solver_finished")
    job = s.start_solving(strategy="local_search", time_limit=60, seed=3)
    with pytest.raises(SolverBusy, match="alice is solving"):
        s.start_solving(strategy="greedy", user="bob")
    with pytest.raises(PermissionError, match="only its starter"):
        job.stop(user="bob")
    assert job.running
    assert s.stop_solving(user="alice", wait=WAIT)
    assert finished.wait(WAIT)
    assert job.result is not None
    assert job.result.status == "cancelled" and job.result.stopped_by == "alice"
    assert not job.stop(user="alice")  # already over
    # a new job may start once the first ended
    again = s.start_solving(strategy="greedy", time_limit=2, user="bob")
    assert again.wait(WAIT) and again.result is not None and again.result.status != "failed"


def test_anyone_may_stop_by_default(problem: rt.Problem) -> None:
    s = Schedule(problem, user="alice")
    job = s.start_solving(strategy="local_search", time_limit=60)
    assert job.stop(user="bob")
    assert job.wait(WAIT)
    assert job.result is not None and job.result.stopped_by == "bob"


def test_bad_requests_fail_before_a_worker_starts(problem: rt.Problem) -> None:
    s = Schedule(problem)
    with pytest.raises(ValueError, match="time_limit"):
        s.start_solving(time_limit=float("inf"))
    with pytest.raises(ValueError):
        s.start_solving(strategy="no-such-strategy")
    with pytest.raises(ValueError, match="scope"):
        s.start_solving(scope={"nonsense": 1})
    assert s.solving is None


def test_facade_starts_and_stops_a_live_solve() -> None:
    from rtsched_widgets.datasets import saldo_example

    sched = rt.Scheduler(saldo_example(), enable_real_time=True)
    started = sched.start_solving_real_time(strategy="local_search", time_limit=60, user_id="ann")
    assert started["success"] and started["started_by"] == "ann"
    busy = sched.start_solving_real_time(user_id="ben")
    assert busy == {**busy, "success": False, "error": "SOLVER_BUSY"}
    assert "ann is solving" in busy["message"]
    stopped = sched.stop_solving_real_time(user_id="ben")
    assert stopped["success"] and stopped["status"] == "cancelled"
    assert sched.stop_solving_real_time()["error"] == "NOT_SOLVING"


@pytest.mark.parametrize("merges", [1, 3])
def test_undoing_a_run_leaves_cells_people_changed_since(merges: int) -> None:
    """A run's merges (recorded with its group) undo as one step, one merge or several; a cell
    a person changed after the run leaves that person's change in place, without a conflict."""
    p = rt.synthetic(workers=6, days=7, posts=2, seed=1, mandatory_per_worker=0)
    s = Schedule(p, user="alice", policy=Policy(block_hard=False))
    cells = [(w, d) for w, d in zip(range(6), range(7), strict=False)][: 2 * merges]
    s._op_group = "run-1"  # what SolveJob does around each merge
    try:
        for i in range(merges):
            ops = [
                {"op": "assign", "worker": p.workers[w].id, "date": s.iso_dates[d], "post": 0}
                for w, d in cells[2 * i : 2 * i + 2]
            ]
            assert s.bulk(ops, user=SOLVER_USER).ok
    finally:
        s._op_group = None
    (w0, d0) = cells[0]
    assert s.unassign(s.iso_dates[d0], 0, worker=p.workers[w0].id, user="bob").ok
    back = s.undo(user=SOLVER_USER)
    assert back.ok, back.message
    assert s.oplog.undo_depth(SOLVER_USER) == 0
    assert (s.core.shift_of == -1).all()  # the solver's cells back, bob's stays as he left it
    assert s.redo(user=SOLVER_USER).ok
    assert int((s.core.shift_of >= 0).sum()) == 2 * merges - 1
