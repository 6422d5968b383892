"""Rules of the NRP profile (Curtois & Qu instances)."""

from rtsched_widgets.rules.nrp.limits import MaxMinutes, MaxPerShift, MaxWeekends, MinMinutes
from rtsched_widgets.rules.nrp.requests import ShiftOffRequests, ShiftOnRequests
from rtsched_widgets.rules.nrp.runs import MaxConsecutive, MinConsecutive, MinConsecutiveOff
from rtsched_widgets.rules.nrp.succession import ForbiddenSuccession

__all__ = [
    "ForbiddenSuccession",
    "MaxConsecutive",
    "MaxMinutes",
    "MaxPerShift",
    "MaxWeekends",
    "MinConsecutive",
    "MinConsecutiveOff",
    "MinMinutes",
    "ShiftOffRequests",
    "ShiftOnRequests",
]
