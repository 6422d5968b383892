"""Rules shared by both profiles: availability, mandatory days, cover."""

from rtsched_widgets.rules.common.availability import Availability, MandatoryDays
from rtsched_widgets.rules.common.cover import CoverOver, CoverUnder, coverage_percent

__all__ = ["Availability", "CoverOver", "CoverUnder", "MandatoryDays", "coverage_percent"]
