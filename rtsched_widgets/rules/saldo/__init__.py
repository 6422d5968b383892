"""Rules of the saldo profile (on-call posts)."""

from rtsched_widgets.rules.saldo.balance import LastPostBalance, SpecialBalance
from rtsched_widgets.rules.saldo.gap import MinGap
from rtsched_widgets.rules.saldo.incompatible import Incompatibility
from rtsched_widgets.rules.saldo.pattern import WeekdayPattern
from rtsched_widgets.rules.saldo.totals import MaxShifts, TargetShifts
from rtsched_widgets.rules.saldo.weekends import MaxConsecutiveWeekends

__all__ = [
    "Incompatibility",
    "LastPostBalance",
    "MaxConsecutiveWeekends",
    "MaxShifts",
    "MinGap",
    "SpecialBalance",
    "TargetShifts",
    "WeekdayPattern",
]
