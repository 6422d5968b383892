"""Boundary cases of the saldo rules; every case is checked on the full and the delta path."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from _rules_helpers import keys_of, records_of, roster_with, saldo_problem

from rtsched_widgets.model import RuleSettings, Worker
from rtsched_widgets.rules import Validator, coverage_percent

MONDAY = date(2026, 1, 5)


# -- minimum gap -------------------------------------------------------------------------------
@pytest.mark.parametrize("gap", [1, 2, 3, 5])
def test_gap_of_exactly_gap_days_is_forbidden_and_gap_plus_one_allowed(gap):
    p = saldo_problem(1, days=20, settings=RuleSettings(gap=gap))
    assert keys_of(p, [(0, 0, 0), (0, gap, 0)], "min_gap") == [("min_gap", 0, 0, gap)]
    assert keys_of(p, [(0, 0, 0), (0, gap + 1, 0)], "min_gap") == []


@pytest.mark.parametrize("pct, part_time", [(50.0, True), (69.9, True), (70.0, False)])
def test_part_timers_need_one_more_day(pct, part_time):
    p = saldo_problem([Worker("A", work_percentage=pct)], days=20)  # gap 3, threshold 70
    need = 5 if part_time else 4
    assert keys_of(p, [(0, 2, 0), (0, 2 + need - 1, 0)], "min_gap") == [
        ("min_gap", 0, 2, 2 + need - 1)
    ]
    assert keys_of(p, [(0, 2, 0), (0, 2 + need, 0)], "min_gap") == []


def test_gap_counts_every_pair_of_close_shifts_and_names_both_dates():
    p = saldo_problem(1, days=10)
    recs = records_of(p, [(0, 1, 0), (0, 2, 0), (0, 3, 0)], "min_gap")
    assert [r.key for r in recs] == [
        ("min_gap", 0, 1, 2),
        ("min_gap", 0, 1, 3),
        ("min_gap", 0, 2, 3),
    ]
    assert recs[0].dates == ("2026-01-06", "2026-01-07")
    assert recs[0].workers == ("W0",) and recs[0].severity == "hard" and recs[0].penalty == 1.0
    assert "min gap" in recs[0].message and "W0" in recs[0].message


# -- 7/14 pattern ------------------------------------------------------------------------------
@pytest.mark.parametrize("weekday", range(7))
@pytest.mark.parametrize("apart", [7, 8, 14])
def test_pattern_on_each_weekday(weekday, apart):
    p = saldo_problem(1, start=MONDAY, days=30)
    d1 = weekday  # MONDAY + weekday has that weekday
    got = keys_of(p, [(0, d1, 0), (0, d1 + apart, 0)], "pattern")
    forbidden = apart in (7, 14) and weekday <= 3  # Mon–Thu, both dates share the weekday
    assert got == ([("pattern", 0, d1, d1 + apart)] if forbidden else [])


def test_pattern_needs_both_dates_on_pattern_weekdays():
    # distance 3 configured: Thursday + 3 = Sunday (not a pattern day); Monday + 3 = Thursday
    p = saldo_problem(
        1, start=MONDAY, days=14, settings=RuleSettings(pattern_distances=(3,), gap=0)
    )
    assert keys_of(p, [(0, 3, 0), (0, 6, 0)], "pattern") == []
    assert keys_of(p, [(0, 0, 0), (0, 3, 0)], "pattern") == [("pattern", 0, 0, 3)]


def test_pattern_ignores_holidays_for_the_weekday():
    p = saldo_problem(1, start=MONDAY, days=20, holidays=[MONDAY + timedelta(7)])
    assert keys_of(p, [(0, 0, 0), (0, 7, 0)], "pattern") == [("pattern", 0, 0, 7)]


# -- consecutive weekends ----------------------------------------------------------------------
def _saturdays(start: date, first: date, n: int, problem_start: date) -> list[tuple[int, int, int]]:
    return [(0, (first - problem_start).days + 7 * i, 0) for i in range(n)]


def test_weekend_run_across_the_year_end_and_iso_week_53():
    start = date(2026, 12, 7)  # Monday of ISO week 50
    p = saldo_problem(1, start=start, days=42, settings=RuleSettings(gap=0))
    # Saturdays 12-12 (W50), 12-19 (W51), 12-26 (W52), 2027-01-02 (W53), 01-09 (2027-W01)
    three = _saturdays(start, date(2026, 12, 19), 3, start)
    four = _saturdays(start, date(2026, 12, 19), 4, start)
    assert keys_of(p, three, "max_consecutive_weekends") == []
    recs = records_of(p, four, "max_consecutive_weekends")
    assert len(recs) == 1
    # weeks from ISO 2026-W50 (index 0): W51 = 1, W52 = 2, W53 = 3, 2027-W01 = 4
    assert recs[0].key == ("max_consecutive_weekends", 0, 1, 4)
    assert recs[0].dates == ("2026-12-19", "2026-12-26", "2027-01-02", "2027-01-09")


def test_iso_week_53_is_one_week_even_across_january_first():
    start = date(2026, 12, 21)  # Monday, ISO week 52
    p = saldo_problem(
        1,
        start=start,
        days=21,
        holidays=[date(2027, 1, 1)],
        settings=RuleSettings(gap=0, max_consecutive_weekends=1),
    )
    # Sat 12-26 (W52); Thu 12-31 pre-holiday, Fri 01-01 holiday, Sun 01-03: all W53
    cells = [
        (0, (x - start).days, 0)
        for x in (date(2026, 12, 26), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3))
    ]
    recs = records_of(p, cells, "max_consecutive_weekends")
    assert [r.key for r in recs] == [("max_consecutive_weekends", 0, 0, 1)]
    assert recs[0].dates == ("2026-12-26", "2026-12-31", "2027-01-01", "2027-01-03")
    # the W53 days alone make a run of one week: allowed
    assert keys_of(p, cells[1:], "max_consecutive_weekends") == []


def test_a_pre_holiday_thursday_counts_as_a_weekend():
    start = date(2026, 3, 23)  # Monday; Good Friday 2026-04-03 is a holiday
    hol = [date(2026, 4, 3)]
    rs = RuleSettings(gap=0, max_consecutive_weekends=1)
    p = saldo_problem(1, start=start, days=21, holidays=hol, settings=rs)
    thursday = (date(2026, 4, 2) - start).days
    assert p.calendar.is_pre_holiday[thursday] and p.calendar.weekday[thursday] == 3
    sat_before = (date(2026, 3, 28) - start).days
    assert keys_of(p, [(0, sat_before, 0), (0, thursday, 0)], "max_consecutive_weekends") == [
        ("max_consecutive_weekends", 0, 0, 1)
    ]
    # an ordinary Thursday (no holiday next day) is not special
    plain = saldo_problem(1, start=start, days=21, settings=rs)
    assert keys_of(plain, [(0, sat_before, 0), (0, thursday, 0)], "max_consecutive_weekends") == []


def test_weekend_run_of_exactly_the_limit_is_allowed():
    p = saldo_problem(1, start=MONDAY, days=70, settings=RuleSettings(gap=0))
    sats = [(0, 5 + 7 * i, 0) for i in range(3)] + [(0, 5 + 7 * 4, 0)]  # W1-3, gap, W5
    assert keys_of(p, sats, "max_consecutive_weekends") == []
    sats.append((0, 5 + 7 * 3, 0))  # fills the gap: five weeks in a row
    assert keys_of(p, sats, "max_consecutive_weekends") == [("max_consecutive_weekends", 0, 0, 4)]


# -- availability ------------------------------------------------------------------------------
def test_days_off_ends_are_inclusive():
    w = Worker("A", days_off=((date(2026, 1, 10), date(2026, 1, 12)),))
    p = saldo_problem([w], start=MONDAY, days=14, settings=RuleSettings(gap=0))
    day = {x: (date(2026, 1, x) - MONDAY).days for x in (9, 10, 11, 12, 13)}
    cells = [(0, day[x], 0) for x in (9, 10, 11, 12, 13)]
    assert keys_of(p, cells, "availability") == [
        ("availability", 0, day[x], 0) for x in (10, 11, 12)
    ]


def test_work_period_ends_are_inclusive():
    w = Worker("A", work_periods=((date(2026, 1, 8), date(2026, 1, 12)),))
    p = saldo_problem([w], start=MONDAY, days=14, settings=RuleSettings(gap=0))
    day = {x: (date(2026, 1, x) - MONDAY).days for x in (7, 8, 12, 13)}
    recs = records_of(p, [(0, day[x], 0) for x in (7, 8, 12, 13)], "availability")
    assert [r.key for r in recs] == [
        ("availability", 0, day[7], 0),
        ("availability", 0, day[13], 0),
    ]
    assert "outside the work periods" in recs[0].message


def test_mandatory_day_without_a_shift():
    w = Worker("A", mandatory_days=(date(2026, 1, 7),))
    p = saldo_problem([w], start=MONDAY, days=7)
    assert keys_of(p, [], "mandatory") == [("mandatory", 0, 2)]
    assert keys_of(p, [(0, 2, 0)], "mandatory") == []


# -- incompatibility ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "lists", [("B", None), (None, "A"), ("B", "A")], ids=["A lists B", "B lists A", "both"]
)
@pytest.mark.parametrize("order", ["A first", "B first"])
def test_incompatible_pairs_in_both_directions(lists, order):
    a = Worker("A", incompatible_with=(lists[0],) if lists[0] else ())
    b = Worker("B", incompatible_with=(lists[1],) if lists[1] else ())
    p = saldo_problem([a, b, Worker("C")], days=7, posts=2)
    cells = [(0, 3, 0), (1, 3, 1)] if order == "A first" else [(1, 3, 0), (0, 3, 1)]
    recs = records_of(p, cells, "incompatible")
    assert [r.key for r in recs] == [("incompatible", 0, 1, 3)]
    assert recs[0].workers == ("A", "B") and recs[0].dates == ("2026-01-08",)
    # other days and other workers are fine
    assert keys_of(p, [(0, 3, 0), (1, 4, 0), (2, 3, 1)], "incompatible") == []


# -- totals and shares -------------------------------------------------------------------------
def test_max_shifts_and_target_penalty():
    w = Worker("A", target_shifts=2, max_shifts=3)
    p = saldo_problem([w], days=30, settings=RuleSettings(gap=0, target_tolerance=1))
    three = [(0, d, 0) for d in (0, 10, 20)]
    assert keys_of(p, three, "max_shifts") == []
    assert keys_of(p, [*three, (0, 25, 0)], "max_shifts") == [("max_shifts", 0)]
    (rec,) = records_of(p, [*three, (0, 25, 0)], "target")
    assert rec.penalty == 10.0 * (4 - 2 - 1) and rec.severity == "soft"
    assert keys_of(p, three, "target") == []  # |3 - 2| = 1 is within the tolerance


def test_special_balance_share_is_proportional_to_targets():
    # 14 days from a Monday: Fri/Sat/Sun x2 = 6 special of 14 required slots
    ws = [Worker("A", target_shifts=7), Worker("B", target_shifts=7)]
    p = saldo_problem(ws, start=MONDAY, days=14, settings=RuleSettings(gap=0, target_tolerance=1))
    special = [d for d in range(14) if p.calendar.is_special[d]]
    assert len(special) == 6
    v = Validator(p, roster_with(p, [(0, d, 0) for d in special]))  # A takes all 6; share 3
    rec = {x.key: x for x in v.violation_list() if x.rule == "special_balance"}
    assert rec[("special_balance", 0)].penalty == pytest.approx(5.0 * (6 - 3 - 1))
    assert rec[("special_balance", 1)].penalty == pytest.approx(5.0 * (3 - 0 - 1))


def test_last_post_balance_counts_the_highest_post_of_each_day():
    ws = [Worker("A", target_shifts=4), Worker("B", target_shifts=4)]
    p = saldo_problem(ws, days=4, posts=2, settings=RuleSettings(gap=0, target_tolerance=0))
    # L = 4 last-post slots of R = 8: share 2 each; A holds all four last posts
    v = Validator(p, roster_with(p, [(0, d, 1) for d in range(4)] + [(1, d, 0) for d in range(4)]))
    rec = {x.key: x.penalty for x in v.violation_list() if x.rule == "last_post_balance"}
    assert rec == {("last_post_balance", 0): 2.0 * 2, ("last_post_balance", 1): 2.0 * 2}


def test_coverage_penalty_and_percentage():
    req = np.array([[2], [1], [0]])
    p = saldo_problem(3, days=3, required=req, settings=RuleSettings(gap=0))
    r = roster_with(p, [(0, 0, 0), (1, 1, 0)])
    v = Validator(p, r)
    rec = {x.key: x.penalty for x in v.violation_list() if x.rule == "cover_under"}
    assert rec == {("cover_under", 0, 0): 1000.0}
    assert coverage_percent(p, r) == pytest.approx(100 * 2 / 3)
