"""Results and refusals in the planner's terms: names, dates with weekday, post names; the
short toolbar line with the full explanation beside it; "Apply anyway" where the policy allows
forcing, recording why in the audit; refused undos summarised. The audit keeps ids."""

from __future__ import annotations

from typing import Any

from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.panels import HistoryPanel, StatusBar
from rtsched_widgets.widgets.wording import SHORT, display_date, force_reason, wording_of
from tests.widgets._problems import make_problem, make_schedule

JAN = "2026-01-"


def open_grid(fake_comms: list[Any], schedule: Any) -> tuple[Any, Any]:
    grid = ScheduleGrid(schedule)
    (channel,) = [c for c in fake_comms if c is grid.comm]
    channel.take()
    return grid, channel


def edit(op: dict[str, Any], request_id: str = "r1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "edit",
        "view_id": "v",
        "request_id": request_id,
        "base_version": None,
        "op": op,
        **extra,
    }


def reply_of(channel: Any) -> dict[str, Any]:
    (reply,) = [m for m in channel.take() if m["type"] == "reply"]
    return reply


def test_messages_use_names_dates_with_weekday_and_post_names():
    s = make_schedule()
    w = wording_of(s.problem)
    assert display_date("2026-01-05") == "Mon 5 Jan 2026"
    r = s.assign("W02", JAN + "05", 0)
    assert r.message == "W02 assigned to 2026-01-05/D"  # the API's wording is unchanged
    assert w.text(r.message) == "Worker 2 assigned to Mon 5 Jan 2026, Day"
    r = s.assign("W03", JAN + "06", "N", slot=1)
    assert w.text(r.message) == "Worker 3 assigned to Tue 6 Jan 2026, Night (place 2)"
    r = s.assign("W02", JAN + "05", 1)
    assert not r.ok
    text = w.text(r.message)
    assert "W02" not in text and "Worker 2" in text and "Mon 5 Jan 2026" in text
    assert "Day" in text and "'D'" not in text
    assert w.text("W00 works shift 1 on 2026-01-07, a day off") == (
        "Worker 0 works Night on Wed 7 Jan 2026, a day off"
    )
    # a word that is no worker id, and an id inside another word, stay as they are
    assert w.text("W02x and xW02 and W02.") == "W02x and xW02 and Worker 2."


def test_a_refusal_is_short_with_every_reason_in_full_and_no_force_advice():
    s = make_schedule()
    s.assign("W02", JAN + "05", 0)
    r = s.assign("W02", JAN + "07", 0)  # 2 days later: the minimum gap
    assert r.error == "HARD_VIOLATION" and "pass force=True" in r.message
    said = wording_of(s.problem).refusal(r, allow_force=True)
    assert said.forceable
    assert said.short.startswith("Refused: Worker 2 works Mon 5 Jan 2026 and Wed 7 Jan 2026")
    assert len(said.short) <= SHORT
    assert "force=True" not in said.short + said.detail
    for v in r.introduced:
        if v.severity == "hard":  # every reason, uncut
            assert wording_of(s.problem).text(v.message) in said.detail
    assert "Apply anyway" in said.detail
    plain = wording_of(s.problem).refusal(r, allow_force=False)
    assert not plain.forceable and "does not allow" in plain.detail
    assert "force=True" not in plain.short + plain.detail


def test_grid_reply_offers_apply_anyway_and_records_the_reason(fake_comms):
    s = make_schedule()
    s.assign("W02", JAN + "05", 0)
    _grid, channel = open_grid(fake_comms, s)
    op = {"k": "assign", "w": 2, "d": 2, "s": 0, "slot": 0}
    channel.receive(edit(op))
    reply = reply_of(channel)
    assert reply["ok"] is False and reply["code"] == "HARD_VIOLATION"
    assert reply["force"] == 1
    assert "W02" not in reply["message"] and "Worker 2" in reply["message"]
    assert "force=True" not in reply["message"] + reply["detail"]
    assert "min gap" in reply["detail"]
    version = s.version
    channel.receive(edit(op, "r2", force=True))
    reply = reply_of(channel)
    assert reply["ok"] is True and s.version == version + 1
    record = s.history.iloc[-1]
    assert bool(record["forced"])
    # the audit keeps ids and says why it was forced: the refusal it answered
    assert record["message"].startswith("W02 assigned to 2026-01-07/D (forced: W02 works ")
    assert "force=True" not in record["message"]


def test_no_apply_anyway_where_the_policy_forbids_forcing(fake_comms):
    s = Schedule(make_problem(), user="alice", policy=Policy(allow_force=False))
    s.assign("W01", JAN + "12", 0)
    _grid, channel = open_grid(fake_comms, s)
    channel.receive(edit({"k": "unassign", "d": 7, "s": 0, "slot": 0}))  # W01's pinned day
    reply = reply_of(channel)
    assert reply["code"] == "PINNED" and "force" not in reply
    assert "force=True" not in reply["message"] + reply["detail"]
    assert "Worker 1 must work Mon 12 Jan 2026" in reply["message"]
    channel.receive(edit({"k": "unassign", "d": 7, "s": 0, "slot": 0}, "r2", force=True))
    assert reply_of(channel)["code"] == "FORCE_NOT_ALLOWED"


def test_a_pinned_refusal_is_forceable_with_the_advice_reworded(fake_comms):
    s = make_schedule()
    s.assign("W01", JAN + "12", 0)
    _grid, channel = open_grid(fake_comms, s)
    channel.receive(edit({"k": "unassign", "d": 7, "s": 0, "slot": 0}))
    reply = reply_of(channel)
    assert reply["code"] == "PINNED" and reply["force"] == 1
    assert "choose Apply anyway" in reply["detail"]
    channel.receive(edit({"k": "unassign", "d": 7, "s": 0, "slot": 0}, "r2", force=True))
    assert reply_of(channel)["ok"] is True
    assert "(forced: W01 must work 2026-01-12" in s.history.iloc[-1]["message"]


def test_a_forced_edit_not_answering_a_refusal_still_says_why(fake_comms):
    s = make_schedule()
    s.assign("W02", JAN + "05", 0)
    _grid, channel = open_grid(fake_comms, s)
    channel.receive(edit({"k": "assign", "w": 2, "d": 2, "s": 0, "slot": 0}, force=True))
    assert reply_of(channel)["ok"] is True
    assert s.history.iloc[-1]["message"].endswith("(forced: applied anyway from the grid)")
    assert force_reason("refused: x — pass force=True to apply anyway") == "x"


def test_a_refused_undo_is_summarised_with_details_on_demand():
    s = make_schedule()
    panel = HistoryPanel(s, user="alice")
    ops = [{"op": "assign", "worker": f"W0{i}", "date": f"{JAN}{5 + i:02d}", "post": 1}
           for i in range(1, 5)]  # fmt: skip
    s.bulk(ops, user="alice")
    for i in range(1, 5):  # bob changes every cell of alice's edit
        s.unassign(f"{JAN}{5 + i:02d}", 1, user="bob")
    panel._on_message(panel, {"type": "undo", "user": "alice"}, [])
    engine = s.undo(user="alice")
    assert engine.error == "UNDO_CONFLICT" and "alice-" not in engine.message
    assert s.id in engine.message  # the engine names the op ids …
    assert s.id not in panel.notice  # … the panel does not
    assert len(panel.notice) <= SHORT
    assert "4 cells changed since by bob" in panel.notice
    assert panel.notice_detail.count("•") == 4
    assert "Tue 6 Jan 2026, Night" in panel.notice_detail and "was Worker 1" in panel.notice_detail
    # the rows show the planner's terms; the audit keeps ids
    assert panel.rows[0][5].startswith("Worker 4 unassigned from Fri 9 Jan 2026, Night")
    assert s.history.iloc[-1]["message"].startswith("W04 unassigned from 2026-01-09/N")


def test_status_bar_shows_a_rejected_event_in_planner_terms():
    s = make_schedule()
    bar = StatusBar(s)
    s.assign("W00", JAN + "07", 0)  # W00 is off that day
    assert bar.last["ok"] is False
    assert "W00" not in bar.last["message"] and "Worker 0" in bar.last["message"]
    assert "Wed 7 Jan 2026" in bar.last["message"] + bar.last["detail"]
