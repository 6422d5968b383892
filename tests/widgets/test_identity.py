"""People are told apart by their key (the Jupyter server's unique user name), never by their
display name: two views of two people who share a display name act as two users (their own
edits, their own undo), while everything people read shows the display name."""

from __future__ import annotations

from typing import Any

import pytest

from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.widgets.identity import MAX_NAMES, UserNames, display_name_of, names_of
from rtsched_widgets.widgets.panels import HistoryPanel, StatusBar
from rtsched_widgets.widgets.protocol import ProtocolError
from rtsched_widgets.widgets.solver_bar import SolverBar
from tests.widgets._problems import make_problem, make_schedule
from tests.widgets.test_grid_messages import edit, open_grid

#: Two anonymous people who drew the same display name.
KEY_A, KEY_B = "4f1c0d5e9a2b4c6d8e0f1a2b3c4d5e6f", "9b8a7c6d5e4f40312a1b0c9d8e7f6a5b"
SAME = "Anonymous Io"


def channel_of(fake_comms: list[Any], widget: Any) -> Any:
    (channel,) = [c for c in fake_comms if c is widget.comm]
    channel.take()
    return channel


def replies(channel: Any) -> list[dict[str, Any]]:
    return [m for m in channel.take() if m.get("type") == "reply"]


def test_user_names_keep_a_display_name_per_key():
    names = UserNames()
    assert names.label("nobody") == "nobody"
    assert names.note(KEY_A, SAME) and names.note(KEY_B, SAME)
    assert not names.note(KEY_A, SAME), "nothing changed"
    assert not names.note(KEY_A, None) and not names.note(KEY_A, "")
    assert names.as_dict() == {KEY_A: SAME, KEY_B: SAME}
    assert names.as_dict([KEY_B, "bob"]) == {KEY_B: SAME}
    assert names.humanize(f"locked by {KEY_B}") == f"locked by {SAME}"
    names.note("bob", "Bob Stone")
    assert names.humanize("bob has no edit to undo") == "bob has no edit to undo", (
        "short keys never rewrite ordinary words"
    )
    for i in range(MAX_NAMES + 10):
        names.note(f"user-{i:04d}", f"User {i}")
    assert len(names.as_dict()) == MAX_NAMES, "bounded, the oldest forgotten first"
    assert names.label(KEY_A) == KEY_A


@pytest.mark.parametrize("name", ["", "  ", 7, "x" * 65, ["n"]])
def test_a_bad_display_name_is_refused(name):
    with pytest.raises(ProtocolError, match=r"^name:"):
        display_name_of({"name": name})
    assert display_name_of({}) is None


def test_two_people_with_one_display_name_keep_their_own_edits_and_undo(fake_comms):
    s = make_schedule()
    grid, channel = open_grid(fake_comms, s)
    for view, key in (("view-a", KEY_A), ("view-b", KEY_B)):
        channel.receive({"type": "hello", "view_id": view})
        channel.receive({"type": "presence", "view_id": view, "user": key, "name": SAME})
    channel.take()
    assert grid.viewers == sorted([KEY_A, KEY_B]), "two people, not one"
    assert grid.names == {KEY_A: SAME, KEY_B: SAME}

    channel.receive(edit({"k": "assign", "w": 2, "d": 0, "s": 0}, "view-a", "r1"))
    channel.receive(edit({"k": "assign", "w": 3, "d": 1, "s": 0}, "view-b", "r2"))
    channel.take()
    assert list(s.history.user[-2:]) == [KEY_A, KEY_B], "each edit is its author's key"

    # B's undo undoes B's edit, never A's (a display name would have merged their histories)
    channel.receive({"type": "undo", "view_id": "view-b", "request_id": "u1"})
    (reply,) = replies(channel)
    assert reply["ok"] is True
    assert s.core.slots[1, 0, 0] == -1 and s.core.slots[0, 0, 0] == 2
    channel.receive({"type": "undo", "view_id": "view-b", "request_id": "u2"})
    (reply,) = replies(channel)
    assert reply["ok"] is False and s.core.slots[0, 0, 0] == 2, "A's edit stays"

    # presence: each view's entry names its key and its view; the colours differ
    channel.receive({"type": "select", "view_id": "view-a", "view": "coverage", "r": 3, "c": 1})
    channel.receive({"type": "select", "view_id": "view-b", "view": "coverage", "r": 4, "c": 0})
    a, b = sorted(grid.presence, key=lambda p: p[5])
    assert (a[0], a[5], b[0], b[5]) == (KEY_A, "view-a", KEY_B, "view-b")
    assert a[1] != b[1]


def test_a_refusal_names_the_lock_holder_by_display_name(fake_comms):
    s = make_schedule()
    session = s.collaborate()
    grid, channel = open_grid(fake_comms, s)
    channel.receive({"type": "hello", "view_id": "view-a", "user": KEY_A, "name": "Ann Lee"})
    channel.receive({"type": "hello", "view_id": "view-b", "user": KEY_B, "name": "Ben Ode"})
    assert session.lock("row", "2026-01-06", user=KEY_A)
    channel.take()
    channel.receive(edit({"k": "assign", "w": 2, "d": 1, "s": 0}, "view-b", "r1"))
    (reply,) = replies(channel)
    assert reply["ok"] is False
    assert "Ann Lee" in reply["message"] and KEY_A not in reply["message"]
    assert grid.locks == [["row", 1, -1, KEY_A]], "the lock itself is the key's"


def test_panels_learn_names_from_their_views_and_act_as_the_key(fake_comms, tmp_path):
    s = make_schedule()
    s.assign("W02", "2026-01-05", 0, user=KEY_A)
    s.assign("W03", "2026-01-06", 0, user=KEY_B)
    history = HistoryPanel(s, export_dir=tmp_path)
    status = StatusBar(s)
    h, st = channel_of(fake_comms, history), channel_of(fake_comms, status)
    h.receive({"type": "hello", "user": KEY_A, "name": SAME})
    st.receive({"type": "hello", "user": KEY_B, "name": SAME})
    assert history.undo_by_user == {KEY_A: [True, False]}
    assert status.undo_by_user == {KEY_B: [True, False]}
    assert [r[2] for r in history.rows[:2]] == [KEY_B, KEY_A], "rows keep the keys"
    assert history.names == {KEY_A: SAME}

    h.receive({"type": "undo", "user": KEY_A, "name": SAME})
    assert s.core.slots[0, 0, 0] == -1 and s.core.slots[1, 0, 0] == 3, "A's own edit"
    assert history.names == {KEY_A: SAME, KEY_B: SAME}, "what the status bar learnt counts too"
    h.receive({"type": "undo", "user": KEY_A})
    assert KEY_A not in history.notice and SAME in history.notice

    h.receive({"type": "hello", "user": KEY_A, "name": 3})
    assert history.notice.startswith("name:")


def test_the_solver_bar_shows_who_runs_by_display_name(fake_comms):
    s = Schedule(make_problem(), user="alice", policy=Policy(allow_stop_others=False))
    bar = SolverBar(s, throttle=0)
    channel = channel_of(fake_comms, bar)
    channel.receive(
        {
            "type": "solve",
            "strategy": "local_search",
            "time_limit": 600,
            "user": KEY_A,
            "name": "Ann Lee",
        }
    )
    job = s.solving
    try:
        assert job is not None and job.user == KEY_A, "the run is the key's"
        assert bar.run["user"] == KEY_A and bar.names[KEY_A] == "Ann Lee"
        assert bar.notice["message"].startswith("Ann Lee started local_search")
        channel.receive({"type": "stop", "user": KEY_B, "name": "Ann Lee"})
        assert bar.notice["ok"] is False and bar.notice["user"] == KEY_B
        assert KEY_A not in bar.notice["message"], bar.notice["message"]
        assert job.running, "same display name, another person: not allowed to stop"
        channel.receive({"type": "stop", "user": KEY_A})
        assert bar.notice["ok"] is True
        assert bar.notice["message"] == "Ann Lee stopped the run started by Ann Lee"
    finally:
        if job is not None:
            job.stop(user=job.user)
            job.wait(60)
    assert names_of(s).label(KEY_A) == "Ann Lee"
