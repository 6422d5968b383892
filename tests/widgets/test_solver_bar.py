"""SolverBar against the real engine: requests from views act as the clicking person, the state
follows the solver's events, a stop by someone else follows the policy; the grid's per-view
selected blocks that "Repair selection" uses."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.widgets.dashboard import Dashboard
from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.solver_bar import SolverBar, strategy_names, thin
from tests.widgets._problems import make_problem, make_schedule

#: Long enough that a run is still going when the test stops it (it is always stopped).
LONG = 600


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


def finished_flag(s: Any) -> threading.Event:
    """Set once ``solver_finished`` has reached every listener subscribed before this one."""
    done = threading.Event()
    s.events.subscribe("solver_finished", lambda _e: done.set())
    return done


@pytest.fixture
def stopper():
    """Stops every job a test leaves running (a failing assertion must not leak a process)."""
    schedules: list[Any] = []
    yield schedules.append
    for s in schedules:
        job = s.solving
        if job is not None:
            job.stop(user=job.user)
            job.wait(30)


def test_strategies_and_construction_checks(fake_comms):
    names = strategy_names()
    assert names[0] == "auto"
    for name in ("greedy", "local_search", "feasible", "lns", "hybrid", "patterns", "cpsat"):
        assert name in names
    s = make_schedule()
    bar = SolverBar(s)
    assert bar.strategies == names
    assert (bar.state, bar.run, bar.points, bar.user) == ("idle", {}, [], "alice")
    with pytest.raises(ValueError, match="strategy"):
        SolverBar(s, strategy="simulated_annealing")
    with pytest.raises(ValueError, match="time_limit"):
        SolverBar(s, time_limit=0)
    with pytest.raises(ValueError, match="another schedule"):
        SolverBar(s, ScheduleGrid(make_schedule()))
    assert rt.SolverBar is SolverBar


def test_solve_and_stop_from_views_act_as_the_clicking_user(fake_comms, stopper):
    s = make_schedule()
    stopper(s)
    grid = ScheduleGrid(s)
    bar = SolverBar(s, grid, throttle=0)
    channel = channel_of(fake_comms, bar)
    done = finished_flag(s)

    channel.receive(
        {"type": "solve", "strategy": "local_search", "time_limit": LONG, "user": "bob"}
    )
    job = s.solving
    assert job is not None and job.user == "bob" and job.strategy == "local_search"
    assert job.time_limit == LONG
    assert bar.state == "running"
    assert (bar.run["user"], bar.run["strategy"], bar.run["job"]) == ("bob", "local_search", job.id)
    assert bar.notice == {
        "ok": True,
        "message": f"bob started local_search for {LONG} s",
        "user": "bob",
    }

    # a second start is refused, naming who is solving
    channel.receive({"type": "solve", "strategy": "greedy", "time_limit": 5, "user": "carol"})
    assert bar.notice["ok"] is False and bar.notice["user"] == "carol"
    assert "bob is solving" in bar.notice["message"]
    assert s.solving is job

    # the default policy lets anyone stop a run; the stop is carol's
    channel.receive({"type": "stop", "user": "carol"})
    assert bar.notice == {
        "ok": True,
        "message": "carol stopped the run started by bob",
        "user": "carol",
    }
    assert bar.state in ("stopping", "stopped")
    assert job.wait(60) and done.wait(60)
    assert bar.state == "stopped"
    assert bar.run["stopped_by"] == "carol"
    assert bar.run["status"] == "cancelled"
    assert job.result is not None and job.result.stopped_by == "carol"

    # nothing runs: a stop says so
    channel.receive({"type": "stop", "user": "carol"})
    assert bar.notice == {"ok": False, "message": "nothing is running", "user": "carol"}


def test_a_view_that_names_nobody_acts_as_the_bars_user(fake_comms, stopper):
    s = make_schedule()
    stopper(s)
    bar = SolverBar(s, ScheduleGrid(s, user="dora"), throttle=0)
    channel = channel_of(fake_comms, bar)
    channel.receive({"type": "solve", "strategy": "greedy", "time_limit": LONG, "user": "  "})
    job = s.solving
    assert job is not None and job.user == "dora"
    channel.receive({"type": "stop"})
    assert bar.notice["ok"] is True and bar.notice["user"] == "dora"
    assert job.wait(60)


def test_bad_requests_are_refused_with_a_reason(fake_comms):
    s = make_schedule()
    bar = SolverBar(s, throttle=0)
    channel = channel_of(fake_comms, bar)
    channel.receive({"type": "solve", "strategy": "nope", "time_limit": 5, "user": "bob"})
    assert bar.notice["ok"] is False and "strategy" in bar.notice["message"]
    for limit in (0, -1, "soon", True, 1e9):
        channel.receive({"type": "solve", "strategy": "greedy", "time_limit": limit})
        assert bar.notice["ok"] is False and "time limit" in bar.notice["message"]
    channel.receive({"type": "launch"})
    assert "unknown request" in bar.notice["message"]
    channel.receive({"type": "repair", "scope": "everything", "user": "bob"})
    assert "scope" in bar.notice["message"]
    assert s.solving is None


def test_stopping_someone_elses_run_follows_the_policy(fake_comms, stopper):
    s = Schedule(make_problem(), user="alice", policy=Policy(allow_stop_others=False))
    stopper(s)
    bar = SolverBar(s, throttle=0)
    channel = channel_of(fake_comms, bar)
    done = finished_flag(s)
    channel.receive(
        {"type": "solve", "strategy": "local_search", "time_limit": LONG, "user": "alice"}
    )
    job = s.solving
    assert job is not None

    channel.receive({"type": "stop", "user": "bob"})
    assert bar.notice["ok"] is False and bar.notice["user"] == "bob"
    assert "bob may not stop the solve alice started" in bar.notice["message"]
    assert "allow_stop_others" in bar.notice["message"]
    assert job.running and bar.state == "running"
    assert bar.stop(user="bob") is False

    channel.receive({"type": "stop", "user": "alice"})
    assert bar.notice["ok"] is True
    assert job.wait(60) and done.wait(60)
    assert bar.state == "stopped" and bar.run["stopped_by"] == "alice"


def publish(s: Any, type_: str, by: str = "solver", **payload: Any) -> None:
    s.events.publish(type_, payload, by)


def test_the_state_follows_the_solver_events(fake_comms):
    s = make_schedule()
    bar = SolverBar(s, throttle=0)
    publish(
        s, "solver_started", "erin", job="j1", strategy="lns", time_limit=20.0, seed=0, user="erin"
    )
    assert bar.state == "running"
    assert bar.run["user"] == "erin" and bar.run["strategy"] == "lns"
    assert bar.run["time_limit"] == 20.0 and bar.points == []
    publish(s, "solver_progress", job="j1", elapsed=0.1, best_objective=None, best_hard=None)
    assert bar.points == []
    publish(s, "solver_progress", job="j1", elapsed=0.5, best_objective=900.0, best_hard=2)
    publish(
        s,
        "solver_improved",
        job="j1",
        elapsed=1.0,
        objective=700.0,
        hard=0,
        cells_changed=6,
        op_id="op1",
    )
    publish(s, "solver_progress", job="j1", elapsed=1.5, best_objective=700.0, best_hard=0)
    publish(s, "solver_progress", job="j1", elapsed=2.0, best_objective=700.0, best_hard=0)
    publish(s, "solver_progress", job="j1", elapsed=2.5, best_objective=700.0, best_hard=0)
    # a repeated best only moves its last point on
    assert bar.points == [[0.5, 900.0, 2], [1.0, 700.0, 0], [2.5, 700.0, 0]]
    assert (bar.run["objective"], bar.run["hard"], bar.run["elapsed"]) == (700.0, 0, 2.5)
    assert (bar.run["improvements"], bar.run["cells_changed"]) == (1, 6)
    # events of another job are not this run's
    publish(s, "solver_progress", job="old", elapsed=9.0, best_objective=1.0, best_hard=0)
    assert bar.run["objective"] == 700.0
    publish(
        s,
        "solver_finished",
        "erin",
        job="j1",
        status="feasible",
        objective=690.0,
        hard=0,
        elapsed=20.1,
        stopped_by=None,
        error=None,
    )
    assert bar.state == "finished"
    assert bar.run["status"] == "feasible" and bar.run["objective"] == 690.0
    assert bar.points[-1] == [20.1, 700.0, 0]

    publish(
        s, "solver_started", "fay", job="j2", strategy="auto", time_limit=5.0, seed=0, user="fay"
    )
    assert bar.state == "running" and bar.run["user"] == "fay" and bar.points == []
    publish(
        s,
        "solver_finished",
        "fay",
        job="j2",
        status="failed",
        objective=690.0,
        hard=0,
        elapsed=0.2,
        stopped_by=None,
        error="RuntimeError: boom",
    )
    assert bar.state == "failed" and bar.run["error"] == "RuntimeError: boom"


def test_progress_from_another_thread_is_coalesced_and_bounded(fake_comms):
    s = make_schedule()
    bar = SolverBar(s, throttle=0.05, max_points=16)
    refreshes = []
    bar.observe(lambda change: refreshes.append(change["new"]), names="points")
    publish(s, "solver_started", "gus", job="j", strategy="auto", time_limit=60.0, user="gus")

    def burst() -> None:
        for i in range(300):
            publish(
                s,
                "solver_progress",
                job="j",
                elapsed=i * 0.1,
                best_objective=5000.0 - i,
                best_hard=0,
            )

    worker = threading.Thread(target=burst)
    worker.start()
    worker.join()
    finished = threading.Event()
    s.events.subscribe("solver_finished", lambda _e: finished.set())
    publish(
        s,
        "solver_finished",
        "gus",
        job="j",
        status="feasible",
        objective=4701.0,
        hard=0,
        elapsed=30.0,
        stopped_by=None,
    )
    assert finished.wait(10)
    # fewer updates than events, at most max_points points, first and last kept
    assert len(refreshes) < 100
    assert 2 <= len(bar.points) <= 16
    assert bar.points[0] == [0.0, 5000.0, 0]
    assert bar.points[-1] == [30.0, 4701.0, 0]
    assert [p[0] for p in bar.points] == sorted(p[0] for p in bar.points)
    assert bar.state == "finished"


def test_thin_keeps_first_and_last():
    pts = [[float(i), float(i), 0] for i in range(101)]
    out = thin(pts, 10)
    assert len(out) <= 10 and out[0] == pts[0] and out[-1] == pts[-1]
    assert thin(pts[:5], 10) == pts[:5]


def test_a_bar_opened_during_a_run_shows_it(fake_comms, stopper):
    s = make_schedule()
    stopper(s)
    job = s.start_solving(strategy="local_search", time_limit=LONG, user="hana")
    bar = SolverBar(s, throttle=0)
    assert bar.state == "running"
    assert (bar.run["job"], bar.run["user"]) == (job.id, "hana")
    done = finished_flag(s)
    assert bar.stop(user="hana") is True
    assert job.wait(60) and done.wait(60)
    assert bar.state == "stopped"


def select(channel: Any, view_id: str, view: str, sel: list[int], **extra: Any) -> None:
    channel.receive(
        {
            "type": "select",
            "view_id": view_id,
            "view": view,
            "r": sel[0],
            "c": sel[1],
            "sel": sel,
            **extra,
        }
    )


class _Repairs:
    """Records the scopes repaired (and repairs through the engine when it can)."""

    def __init__(self, s: Any) -> None:
        self.calls: list[tuple[Any, str | None]] = []
        self._real = s.repair

    def __call__(
        self, scope: Any, time_limit: float = 10, user: str | None = None, **kw: Any
    ) -> Any:
        self.calls.append((scope, user))
        return self._real(scope, time_limit=time_limit, user=user, **kw)


def test_repair_selection_uses_the_clicking_views_block(fake_comms, monkeypatch):
    s = make_schedule()
    grid = ScheduleGrid(s)
    bar = SolverBar(s, grid, throttle=0, repair_time_limit=2)
    grid_channel = channel_of(fake_comms, grid)
    bar_channel = channel_of(fake_comms, bar)
    repairs = _Repairs(s)
    monkeypatch.setattr(s, "repair", repairs)

    bar_channel.receive({"type": "repair", "scope": "selection", "user": "ann"})
    assert bar.notice["ok"] is False and "select a block" in bar.notice["message"]

    grid_channel.receive({"type": "hello", "view_id": "va", "user": "ann"})
    grid_channel.receive({"type": "hello", "view_id": "vb", "user": "ben"})
    select(grid_channel, "va", "coverage", [0, 0, 2, 1])
    select(grid_channel, "vb", "coverage", [5, 1, 6, 1])  # ben's, newer: not ann's
    bar_channel.receive(
        {"type": "repair", "scope": "selection", "user": "ann", "grid_views": ["va"]}
    )
    assert bar.wait_repairs(60)
    scope, who = repairs.calls[-1]
    assert who == "ann"
    assert scope == {"dates": ["2026-01-05", "2026-01-06", "2026-01-07"], "posts": [0, 1]}
    assert bar.busy == ""
    assert bar.notice["user"] == "ann"
    assert "repair of 6 selected cell(s)" in bar.notice["message"]
    assert bar.notice["ok"] is True, bar.notice
    # the cells of the block are filled where the rules allow it
    assert int((s.core.count[0:3] > 0).sum()) > 0
    assert int((s.core.count[3:] > 0).sum()) == 0

    # without the page's views, the user's own newest block
    bar_channel.receive({"type": "repair", "scope": "selection", "user": "ben"})
    assert bar.wait_repairs(60)
    assert repairs.calls[-1][0]["dates"] == ["2026-01-10", "2026-01-11"]


def test_fill_empty_cells(fake_comms):
    s = make_schedule()
    bar = SolverBar(s, throttle=0, repair_time_limit=2)
    channel = channel_of(fake_comms, bar)
    assert int(s.core.count.sum()) == 0
    channel.receive({"type": "repair", "scope": "empty", "user": "ivy"})
    assert bar.wait_repairs(60)
    assert bar.notice["ok"] is True, bar.notice
    assert bar.notice["message"].startswith("repair of the empty cells")
    assert int(s.core.count.sum()) > 0
    last = s.history.iloc[-1]
    assert last["user"] == "ivy"


def test_the_dashboard_has_a_solver_bar(fake_comms):
    s = make_schedule()
    dash = Dashboard(s, user="kim")
    assert isinstance(dash.solver, SolverBar)
    assert dash.solver.grid is dash.grid and dash.solver.user == "kim"
    assert dash.children[1] is dash.solver
    # while a solve runs, the analytics refresh less often (each refresh redraws every chart)
    assert dash.analytics.throttle == 0.25
    publish(s, "solver_started", "kim", job="j", strategy="auto", time_limit=5.0, user="kim")
    assert dash.analytics.throttle == 2.0
    publish(
        s,
        "solver_finished",
        "kim",
        job="j",
        status="feasible",
        objective=1.0,
        hard=0,
        elapsed=5.0,
        stopped_by=None,
    )
    assert dash.analytics.throttle == 0.25
    with pytest.raises(ValueError, match="analytics_solving_throttle"):
        Dashboard(s, analytics_solving_throttle=-1)
    dash.close()
    assert dash.solver.comm is None


def test_undo_run_takes_back_all_of_a_runs_merges_at_once(fake_comms, stopper):
    s = make_schedule()
    stopper(s)
    bar = SolverBar(s, throttle=0)
    channel = channel_of(fake_comms, bar)
    before = s.core.shift_of.copy()
    improved = threading.Event()
    s.events.subscribe("solver_improved", lambda _e: improved.set())
    done = finished_flag(s)
    assert bar.can_undo_run is False
    channel.receive(
        {"type": "solve", "strategy": "local_search", "time_limit": LONG, "user": "ann"}
    )
    assert improved.wait(120), "the run merged nothing"
    # while it runs the run cannot be undone
    channel.receive({"type": "undo_run", "user": "ann"})
    assert bar.notice == {"ok": False, "message": "stop the run before undoing it", "user": "ann"}
    channel.receive({"type": "stop", "user": "ann"})
    assert done.wait(60)
    bar.refresh()
    assert bar.can_undo_run is True
    merges = sum(1 for r in s.oplog.records() if r.user == "solver")
    assert merges >= 1
    channel.receive({"type": "undo_run", "user": "ben"})
    assert bar.notice == {"ok": True, "message": "ben undid the solver's run", "user": "ben"}
    assert (s.core.shift_of == before).all()
    assert bar.can_undo_run is False
