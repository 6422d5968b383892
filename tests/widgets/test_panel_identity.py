"""In a shared notebook the History panel's Undo and the status bar's undo/redo belong to the
person viewing them (the ``user`` their view sends), never to the schedule's owner."""

from __future__ import annotations

from typing import Any

import pytest

from rtsched_widgets.widgets.panels import MAX_VIEWERS, HistoryPanel, StatusBar
from tests.widgets._problems import make_schedule


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


def test_history_undo_undoes_the_clickers_own_edit(fake_comms, tmp_path):
    s = make_schedule()  # owned by the schedule's user
    panel = HistoryPanel(s, export_dir=tmp_path)
    channel = channel_of(fake_comms, panel)
    s.assign("W02", "2026-01-05", 0, user=s.user)
    s.assign("W03", "2026-01-06", 0, user="bob")
    s.assign("W04", "2026-01-07", 0, user="carol")

    channel.receive({"type": "hello", "user": "bob"})
    channel.receive({"type": "hello", "user": "dave"})
    assert panel.undo_by_user == {"bob": [True, False], "dave": [False, False]}

    channel.receive({"type": "undo", "user": "bob"})
    assert s.core.slots[1, 0, 0] == -1, "bob's edit is undone"
    assert s.core.slots[0, 0, 0] == 2 and s.core.slots[2, 0, 0] == 4, "nobody else's"
    assert panel.undo_by_user["bob"] == [False, True]
    assert panel.can_undo is True, "the owner's own state is untouched"

    channel.receive({"type": "undo", "user": "dave"})
    assert "dave has no edit to undo" in panel.notice
    assert s.core.slots[0, 0, 0] == 2 and s.core.slots[2, 0, 0] == 4

    channel.receive({"type": "redo", "user": "bob"})
    assert s.core.slots[1, 0, 0] == 3


@pytest.mark.parametrize("user", ["", "   ", 7, "x" * 1000, ["bob"]])
def test_a_bad_user_is_refused_and_changes_nothing(fake_comms, tmp_path, user):
    s = make_schedule()
    s.assign("W02", "2026-01-05", 0)
    panel = HistoryPanel(s, export_dir=tmp_path)
    channel = channel_of(fake_comms, panel)
    before = (s.version, s.core.slots.tobytes())
    channel.receive({"type": "undo", "user": user})
    assert panel.notice.startswith("user:")
    assert (s.version, s.core.slots.tobytes()) == before
    assert panel.undo_by_user == {}


def test_status_bar_keeps_each_viewers_undo_state(fake_comms):
    s = make_schedule()
    bar = StatusBar(s)
    channel = channel_of(fake_comms, bar)
    s.assign("W02", "2026-01-05", 0)  # the owner's
    channel.receive({"type": "hello", "user": "bob"})
    assert bar.can_undo is True
    assert bar.undo_by_user == {"bob": [False, False]}, "bob sees his own state, not the owner's"
    s.assign("W03", "2026-01-06", 0, user="bob")
    assert bar.undo_by_user == {"bob": [True, False]}
    s.undo(user="bob")
    assert bar.undo_by_user == {"bob": [False, True]}
    channel.receive({"type": "hello", "user": 3})
    assert bar.error.startswith("user:")
    for i in range(MAX_VIEWERS + 5):
        channel.receive({"type": "hello", "user": f"v{i}"})
    assert len(bar.undo_by_user) == MAX_VIEWERS, "bounded"
