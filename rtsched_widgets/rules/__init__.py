"""Scheduling rules: one module per rule family, each with a full (vectorised) check and a
delta check of the neighbourhood of a change, and the ``Validator`` that maintains them."""

from rtsched_widgets.rules.base import Change, Delta, Found, Rule, Score, Severity, Violation
from rtsched_widgets.rules.common import (
    Availability,
    CoverOver,
    CoverUnder,
    MandatoryDays,
    coverage_percent,
)
from rtsched_widgets.rules.profiles import NRP_RULES, SALDO_RULES, default_rules, rule_classes
from rtsched_widgets.rules.saldo import MinGap
from rtsched_widgets.rules.state import LiveState, Tables
from rtsched_widgets.rules.table import ViolationTable
from rtsched_widgets.rules.validator import Validator

__all__ = [
    "NRP_RULES",
    "SALDO_RULES",
    "Availability",
    "Change",
    "CoverOver",
    "CoverUnder",
    "Delta",
    "Found",
    "LiveState",
    "MandatoryDays",
    "MinGap",
    "Rule",
    "Score",
    "Severity",
    "Tables",
    "Validator",
    "Violation",
    "ViolationTable",
    "coverage_percent",
    "default_rules",
    "rule_classes",
]
