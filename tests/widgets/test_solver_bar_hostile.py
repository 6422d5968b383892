"""Hostile and careless requests to the solver bar: each one is answered in ``notice`` naming the
field, briefly, and starts nothing."""

from __future__ import annotations

from typing import Any

import pytest

from rtsched_widgets import limits
from rtsched_widgets.widgets.solver_bar import SolverBar
from tests.widgets._problems import make_schedule
from tests.widgets.test_hostile_messages import HUGE, channel_of, deep, deep_object, looped


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (deep(10_000), "message"),
        (looped(), "message"),
        (None, "message"),
        (HUGE, "message"),
        ({"type": deep(10_000)}, "type"),
        ({"type": HUGE}, "type"),
        ({"type": "solve", "strategy": deep(10_000), "time_limit": 5}, "strategy"),
        ({"type": "solve", "strategy": HUGE, "time_limit": 5}, "strategy"),
        ({"type": "solve", "strategy": "greedy", "time_limit": 10**5000}, "time limit"),
        ({"type": "solve", "strategy": "greedy", "time_limit": deep_object(10_000)}, "time_limit"),
        ({"type": "solve", "strategy": "greedy", "time_limit": HUGE}, "time limit"),
        ({"type": "repair", "scope": deep(10_000)}, "scope"),
        ({"type": "repair", "scope": HUGE}, "scope"),
        ({"type": "stop", "user": deep(10_000, "bob")}, "user"),
    ],
)
def test_a_hostile_request_is_answered_naming_the_field(fake_comms, message: Any, field: str):
    s = make_schedule()
    bar = SolverBar(s, throttle=0)
    channel = channel_of(fake_comms, bar)

    channel.receive(message)

    assert bar.notice["ok"] is False
    assert bar.notice["message"].startswith(field), bar.notice["message"][:200]
    assert len(bar.notice["message"]) <= limits.MAX_MESSAGE
    assert bar.notice["user"] == "alice"
    assert s.solving is None and bar.busy == ""
