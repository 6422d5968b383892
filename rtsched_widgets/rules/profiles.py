"""The default rule set of each profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtsched_widgets.rules.common import Availability, CoverOver, CoverUnder, MandatoryDays
from rtsched_widgets.rules.nrp import (
    ForbiddenSuccession,
    MaxConsecutive,
    MaxMinutes,
    MaxPerShift,
    MaxWeekends,
    MinConsecutive,
    MinConsecutiveOff,
    MinMinutes,
    ShiftOffRequests,
    ShiftOnRequests,
)
from rtsched_widgets.rules.saldo import (
    Incompatibility,
    LastPostBalance,
    MaxConsecutiveWeekends,
    MaxShifts,
    MinGap,
    SpecialBalance,
    TargetShifts,
    WeekdayPattern,
)

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.rules.base import Rule

SALDO_RULES: tuple[type[Rule], ...] = (
    Availability,
    MandatoryDays,
    MinGap,
    WeekdayPattern,
    Incompatibility,
    MaxConsecutiveWeekends,
    MaxShifts,
    TargetShifts,
    SpecialBalance,
    LastPostBalance,
    CoverUnder,
)
NRP_RULES: tuple[type[Rule], ...] = (
    Availability,
    ForbiddenSuccession,
    MaxPerShift,
    MaxMinutes,
    MinMinutes,
    MaxConsecutive,
    MinConsecutive,
    MinConsecutiveOff,
    MaxWeekends,
    ShiftOnRequests,
    ShiftOffRequests,
    CoverUnder,
    CoverOver,
)


def rule_classes(profile: str) -> tuple[type[Rule], ...]:
    """The rule classes of ``profile`` (``"saldo"`` or ``"nrp"``)."""
    if profile == "saldo":
        return SALDO_RULES
    if profile == "nrp":
        return NRP_RULES
    raise ValueError(f"profile: unknown profile {profile!r} — use 'saldo' or 'nrp'")


def default_rules(problem: Problem) -> list[Rule]:
    """Instances of the rules of ``problem.profile``, then of its custom rules
    (``problem.custom_rules``, see :mod:`rtsched_widgets.rules.custom`), bound to ``problem``."""
    from rtsched_widgets.rules.custom import bind_custom
    from rtsched_widgets.rules.state import Tables

    tables = Tables.of(problem)
    return [cls(problem, tables) for cls in rule_classes(problem.profile)] + bind_custom(
        problem, tables
    )
