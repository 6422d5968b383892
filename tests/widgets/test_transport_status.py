"""HeldBusyStatuses: a widget message's busy status is held back and dropped when its idle comes
first, relayed late when it does not; every other status is relayed at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from rtsched_widgets.widgets.transport import HeldBusyStatuses


@dataclass
class Timer:
    when: float
    fn: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """A manual scheduler: ``advance(t)`` runs the callbacks due by then."""

    def __init__(self) -> None:
        self.now = 0.0
        self.due: list[Timer] = []

    def schedule(self, delay: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(self.now + delay, fn)
        self.due.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in sorted(self.due, key=lambda t: t.when):
            if timer.when <= self.now and not timer.cancelled:
                timer.cancelled = True
                timer.fn()
        self.due = [t for t in self.due if not t.cancelled]


def offer(held: HeldBusyStatuses, sent: list[str], state: str, ptype: str, pid: str) -> None:
    """Offer a status; relay it now when the filter does not take charge of it."""
    label = f"{state}:{pid}"
    if not held.offer(state, ptype, pid, lambda: sent.append(label)):
        sent.append(label)


def test_a_quick_widget_message_sends_only_its_idle():
    clock, sent = Clock(), list[str]()
    held = HeldBusyStatuses(0.25, clock.schedule)
    offer(held, sent, "busy", "comm_msg", "m1")
    assert sent == [] and held.held == 1
    clock.advance(0.01)
    offer(held, sent, "idle", "comm_msg", "m1")
    assert sent == ["idle:m1"] and held.held == 0
    clock.advance(1.0)
    assert sent == ["idle:m1"]  # the dropped busy never comes


def test_a_slow_widget_message_sends_its_busy_late_then_its_idle():
    clock, sent = Clock(), list[str]()
    held = HeldBusyStatuses(0.25, clock.schedule)
    offer(held, sent, "busy", "comm_msg", "m1")
    clock.advance(0.2)
    assert sent == []
    clock.advance(0.1)
    assert sent == ["busy:m1"] and held.held == 0
    offer(held, sent, "idle", "comm_msg", "m1")
    assert sent == ["busy:m1", "idle:m1"]


@pytest.mark.parametrize("ptype", ["execute_request", "comm_open", "kernel_info_request", ""])
def test_statuses_of_other_messages_are_relayed_at_once(ptype: str):
    clock, sent = Clock(), list[str]()
    held = HeldBusyStatuses(0.25, clock.schedule)
    offer(held, sent, "busy", ptype, "x")
    offer(held, sent, "idle", ptype, "x")
    assert sent == ["busy:x", "idle:x"] and held.held == 0


def test_widget_messages_are_told_apart_by_their_parent():
    clock, sent = Clock(), list[str]()
    held = HeldBusyStatuses(0.25, clock.schedule)
    offer(held, sent, "busy", "comm_msg", "a")
    offer(held, sent, "idle", "comm_msg", "a")
    offer(held, sent, "busy", "comm_msg", "b")
    clock.advance(0.3)  # b is slow
    offer(held, sent, "idle", "comm_msg", "b")
    assert sent == ["idle:a", "busy:b", "idle:b"]


def test_zero_delay_relays_everything_and_close_drops_what_is_held():
    clock, sent = Clock(), list[str]()
    offer(HeldBusyStatuses(0.0, clock.schedule), sent, "busy", "comm_msg", "a")
    assert sent == ["busy:a"]
    held = HeldBusyStatuses(0.25, clock.schedule)
    offer(held, sent, "busy", "comm_msg", "b")
    held.close()
    clock.advance(1.0)
    assert sent == ["busy:a"] and held.held == 0


def test_a_negative_delay_is_refused_with_the_field_named():
    with pytest.raises(ValueError, match="delay"):
        HeldBusyStatuses(-1.0, Clock().schedule)
