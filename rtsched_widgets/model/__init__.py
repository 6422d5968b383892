"""The scheduling model: problems, calendars, rosters and their importers/exporters."""

from rtsched_widgets.model.calendar import Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.problem import Problem, Request, RuleSettings, ShiftType, Worker
from rtsched_widgets.model.roster import Roster

__all__ = [
    "Calendar",
    "Problem",
    "ProblemError",
    "Request",
    "Roster",
    "RuleSettings",
    "ShiftType",
    "Worker",
]
