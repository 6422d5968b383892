"""Status bar, analytics and history panels, and the dashboard, against the real engine."""

from __future__ import annotations

import json
from typing import Any

import ipywidgets
import pytest

from rtsched_widgets.widgets.dashboard import Dashboard, dashboard
from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.panels import AnalyticsPanel, HistoryPanel, StatusBar
from tests.widgets._problems import make_schedule


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


def test_status_bar_follows_edits_refusals_and_undo(fake_comms):
    s = make_schedule()
    bar = StatusBar(s)
    assert bar.coverage == 0.0
    assert (bar.can_undo, bar.can_redo) == (False, False)

    s.assign("W02", "2026-01-05", 0)
    assert bar.coverage == pytest.approx(100 / 28, abs=0.01)
    assert bar.last["ok"] is True
    assert bar.version == 1
    assert bar.can_undo is True

    s.assign("W00", "2026-01-07", 0)  # refused: day off
    assert bar.last["ok"] is False
    assert "Worker 0" in bar.last["message"]  # in the planner's terms: the name, not W00
    assert bar.version == 1

    s.undo()
    assert (bar.can_undo, bar.can_redo) == (False, True)
    assert bar.coverage == 0.0


def test_status_bar_counts_violations_and_shows_grid_viewers_and_errors(fake_comms, monkeypatch):
    s = make_schedule()
    grid = ScheduleGrid(s)
    bar = StatusBar(s, grid)
    channel = channel_of(fake_comms, grid)
    soft_before = bar.violations["soft"]

    s.assign("W02", "2026-01-05", 0)
    s.assign("W02", "2026-01-07", 0, force=True)
    assert bar.violations["hard"] >= 1
    assert bar.violations["soft"] != soft_before or bar.violations["soft"] > 0

    channel.receive({"type": "hello", "view_id": "v1", "user": "carol"})
    assert "carol" in bar.users

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(s, "apply", broken)
    channel.receive(
        {
            "type": "edit",
            "view_id": "v1",
            "request_id": "r",
            "base_version": None,
            "op": {"k": "unassign", "d": 0, "s": 0},
        }
    )
    assert bar.last["ok"] is False
    assert "store unreachable" in bar.error


def test_a_failing_refresh_is_shown_not_lost(fake_comms, monkeypatch):
    s = make_schedule()
    bar = StatusBar(s)
    monkeypatch.setattr(s, "score", lambda: 1 / 0)
    s.assign("W02", "2026-01-05", 0)
    assert bar.error.startswith("ZeroDivisionError")
    assert s.core.slots[0, 0, 0] == 2  # the edit itself went through


def test_analytics_panel_charts_load_special_rules_and_coverage(fake_comms):
    s = make_schedule()
    panel = AnalyticsPanel(s)
    s.assign("W02", "2026-01-09", 0)  # a holiday Friday: special
    s.assign("W03", "2026-01-05", 1)

    data = panel.data
    load = {name: (n, target) for name, n, target in data["load"]}
    assert load["Worker 2"][0] == 1
    assert load["Worker 3"][0] == 1
    special = dict((name, n) for name, n in data["special"])
    assert special["Worker 2"] == 1
    assert special["Worker 3"] == 0
    rules = {rule: (hard, soft) for rule, hard, soft in data["rules"]}
    assert rules["cover_under"][1] > 0
    weeks = data["coverage"]
    assert weeks[0][0] == "2026-01-05"
    assert weeks[0][1] == pytest.approx(100 * 2 / 14, abs=0.1)
    assert len(weeks) == 2
    assert "coverage" in panel.note


def test_analytics_panel_keeps_the_workers_furthest_from_target(fake_comms):
    s = make_schedule(n_workers=6)
    panel = AnalyticsPanel(s, max_workers=2)
    assert len(panel.data["load"]) == 2
    assert "2 of 6 workers" in panel.note
    with pytest.raises(ValueError, match="max_workers"):
        AnalyticsPanel(s, max_workers=0)


def test_history_panel_lists_ops_newest_first_and_undoes_redoes_exports(fake_comms, tmp_path):
    s = make_schedule()
    panel = HistoryPanel(s, export_dir=tmp_path)
    channel = channel_of(fake_comms, panel)
    s.assign("W02", "2026-01-05", 0)
    s.assign("W03", "2026-01-06", 0)

    assert [r[1] for r in panel.rows] == [2, 1]
    assert panel.rows[0][4] == "assign"
    assert panel.can_undo is True

    channel.receive({"type": "undo"})
    assert s.core.slots[1, 0, 0] == -1
    assert panel.can_redo is True
    assert any(r[6] == 1 for r in panel.rows)
    channel.receive({"type": "redo"})
    assert s.core.slots[1, 0, 0] == 3

    channel.receive({"type": "export", "format": "json"})
    (download,) = [m for m in channel.take() if m.get("type") == "download"]
    assert download["name"].endswith(".json")
    assert (tmp_path / download["name"]).is_file()
    assert json.loads(download["text"])
    assert "exported" in panel.notice


@pytest.mark.parametrize(
    "message", [None, "undo", {"type": "drop_tables"}, {"type": "export", "format": "exe"}]
)
def test_history_panel_reports_bad_requests_and_changes_nothing(fake_comms, message, tmp_path):
    s = make_schedule()
    s.assign("W02", "2026-01-05", 0)
    panel = HistoryPanel(s, export_dir=tmp_path)
    channel = channel_of(fake_comms, panel)
    before = (s.version, s.core.slots.tobytes())

    channel.receive(message)

    assert panel.notice
    assert (s.version, s.core.slots.tobytes()) == before
    assert list(tmp_path.iterdir()) == []


def test_dashboard_lays_out_the_parts_and_closes_them(fake_comms):
    s = make_schedule()
    board = dashboard(s, view="roster", user="dora")
    assert isinstance(board, Dashboard)
    assert isinstance(board, ipywidgets.VBox)
    assert board.children[0] is board.status
    assert board.children[1] is board.solver
    assert board.children[2] is board.grid
    assert set(board.children[3].children) == {board.history, board.analytics}
    assert board.grid.view == "roster"
    assert board.grid.user == "dora"
    assert board.history.user == "dora"

    board.close()
    s.assign("W02", "2026-01-05", 0)
    assert board.status.version == 0
    assert board.history.rows == []


def test_panels_refuse_bad_arguments():
    s = make_schedule()
    with pytest.raises(TypeError, match="schedule"):
        StatusBar(object())
    with pytest.raises(ValueError, match="throttle"):
        StatusBar(s, throttle=-1)
    with pytest.raises(TypeError):
        HistoryPanel(s, colour="red")  # type: ignore[call-arg]
    with pytest.raises(Exception, match="theme"):
        HistoryPanel(s, theme="neon")


def test_an_edit_from_a_grid_is_answered_before_the_panels_refresh_once(fake_comms, monkeypatch):
    s = make_schedule()
    board = dashboard(s, user="dora")
    other = StatusBar(s)  # a panel outside the dashboard follows the same rule
    order: list[tuple[str, str]] = []
    names = {id(board.grid.comm): "grid", id(board.status.comm): "status"}
    names.update({id(board.history.comm): "history", id(other.comm): "other"})
    for channel in fake_comms:
        name = names.get(id(channel))
        if name is None:
            continue
        publish = channel.publish_msg

        def spy(
            msg_type: str,
            data: Any = None,
            *args: Any,
            _n: str = name,
            _p: Any = publish,
            **kw: Any,
        ) -> None:
            method = (data or {}).get("method", "")
            kind = (data or {}).get("content", {}).get("type", "") if method == "custom" else ""
            order.append((_n, kind or method))
            _p(msg_type, data, *args, **kw)

        monkeypatch.setattr(channel, "publish_msg", spy)
    refreshes: list[str] = []
    for panel, label in ((board.status, "status"), (board.history, "history"), (other, "other")):
        monkeypatch.setattr(
            panel, "refresh", lambda _r=panel.refresh, _l=label: (refreshes.append(_l), _r())[1]
        )
    grid = channel_of(fake_comms, board.grid)
    grid.receive(
        {
            "type": "edit",
            "view_id": "v",
            "request_id": "r1",
            "base_version": None,
            "op": {"k": "assign", "w": 2, "d": 0, "s": 0, "slot": 0},
        }
    )
    # the patch and the reply leave first; then each panel refreshes once (not per event)
    assert order[:2] == [("grid", "patch"), ("grid", "reply")]
    assert sorted(refreshes) == ["history", "other", "status"]
    assert board.status.version == 1 and other.version == 1
    # the status bar shows the grid's reply (it names the worker), not the bare event
    assert "Worker 2" in board.status.last["message"]  # the name, not the id W02
    assert "Worker 2" not in other.last["message"]  # no grid: the event's summary
    assert board.history.rows and "assign" in json.dumps(board.history.rows)
    # an edit from code (no grid answering) still refreshes the panels at once
    s.assign("W03", "2026-01-06", 0)
    assert board.status.version == other.version == 2
    board.close()
    other.close()
