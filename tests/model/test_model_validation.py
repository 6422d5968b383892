"""Every ProblemError of the Problem constructor names its field; Calendar flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pytest

from rtsched_widgets.model import Calendar, Problem, ProblemError, Request, ShiftType, Worker

CAL = Calendar(date(2026, 1, 5), date(2026, 1, 11))
SHIFTS = (ShiftType("D", minutes=480), ShiftType("N", minutes=600, forbidden_next=("D",)))
WORKERS = (Worker("A"), Worker("B", incompatible_with=("A",)), Worker("C", work_percentage=50))


def build(**over: Any) -> Problem:
    kwargs: dict[str, Any] = {
        "workers": WORKERS,
        "calendar": CAL,
        "shift_types": SHIFTS,
        "required": np.ones((7, 2), dtype=int),
    }
    kwargs.update(over)
    return Problem(**kwargs)


def with_worker(i: int, **changes: Any) -> tuple[Worker, ...]:
    workers = list(WORKERS)
    workers[i] = replace(workers[i], **changes)
    return tuple(workers)


def test_the_base_problem_is_valid() -> None:
    p = build()
    assert p.n_workers == 3 and p.incompatible[0, 1] and p.part_time.tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    ("over", "field", "row"),
    [
        ({"workers": (*WORKERS, Worker("A"))}, "workers.id", 3),
        ({"workers": (Worker(""),)}, "workers.id", 0),
        ({"workers": with_worker(1, incompatible_with=("Z",))}, "workers.incompatible_with", 1),
        ({"workers": with_worker(1, incompatible_with=("B",))}, "workers.incompatible_with", 1),
        ({"workers": with_worker(2, work_percentage=0)}, "workers.work_percentage", 2),
        ({"workers": with_worker(2, work_percentage=-5)}, "workers.work_percentage", 2),
        ({"workers": with_worker(2, work_percentage=100.5)}, "workers.work_percentage", 2),
        (
            {"workers": with_worker(0, days_off=((date(2026, 1, 9), date(2026, 1, 7)),))},
            "workers.days_off", 0,
        ),
        (
            {"workers": with_worker(0, work_periods=((date(2026, 1, 9), date(2026, 1, 7)),))},
            "workers.work_periods", 0,
        ),
        (
            {"workers": with_worker(0, days_off=((date(2026, 1, 7), date(2026, 1, 8)),),
                                    mandatory_days=(date(2026, 1, 8),))},
            "workers.mandatory_days", 0,
        ),
        ({"workers": with_worker(0, mandatory_days=(date(2026, 2, 1),))},
         "workers.mandatory_days", 0),
        (
            {"workers": with_worker(0, work_periods=((date(2026, 1, 5), date(2026, 1, 6)),),
                                    mandatory_days=(date(2026, 1, 9),))},
            "workers.mandatory_days", 0,
        ),
        ({"workers": with_worker(0, max_per_shift={"X": 3})}, "workers.max_per_shift", 0),
        ({"shift_types": (SHIFTS[0], ShiftType("D"))}, "shift_types.id", 1),
        ({"shift_types": (SHIFTS[0], ShiftType("N", minutes=-1))}, "shift_types.minutes", 1),
        ({"shift_types": (SHIFTS[0], ShiftType("N", forbidden_next=("Q",)))},
         "shift_types.forbidden_next", 1),
        ({"shift_on_requests": [Request("A", 0, "Q", 1.0)]}, "shift_on_requests", 0),
        ({"shift_on_requests": [Request("Z", 0, "D", 1.0)]}, "shift_on_requests", 0),
        ({"shift_off_requests": [Request("A", 7, "D", 1.0)]}, "shift_off_requests", 0),
    ],
)  # fmt: skip
def test_constructor_errors_name_field_and_row(over: dict[str, Any], field: str, row: int) -> None:
    with pytest.raises(ProblemError) as err:
        build(**over)
    assert err.value.field == field
    assert err.value.row == row
    assert str(err.value).startswith(f"{field} (row {row}): ")
    assert err.value.fix and err.value.fix in str(err.value)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"required": -np.ones((7, 2), dtype=int)}, "required"),
        ({"required": np.ones((6, 2), dtype=int)}, "required"),
        ({"maximum": np.zeros((7, 2), dtype=int)}, "maximum"),
        ({"under_weight": -np.ones((7, 2))}, "under_weight"),
        ({"over_weight": np.ones((2, 7))}, "over_weight"),
        ({"profile": "other"}, "profile"),
    ],
)
def test_demand_and_profile_errors(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        build(**over)
    assert err.value.field == field


def test_a_failed_build_returns_nothing_and_leaves_inputs_untouched() -> None:
    required = np.ones((7, 2), dtype=int)
    required[3, 1] = -2
    before = required.copy()
    result = None
    with pytest.raises(ProblemError, match="negative demand -2"):
        result = build(required=required)
    assert result is None
    np.testing.assert_array_equal(required, before)


def test_unknown_keyword_arguments_are_errors() -> None:
    with pytest.raises(TypeError):
        build(colour="red")


def test_dates_outside_the_horizon_and_unknown_posts() -> None:
    p = build()
    with pytest.raises(ProblemError) as err:
        p.day("2026-01-12", "assign.date")
    assert err.value.field == "assign.date" and "outside the horizon" in str(err.value)
    with pytest.raises(ProblemError, match="post"):
        p.shift("Q")
    with pytest.raises(ProblemError, match="post"):
        p.shift(2)
    with pytest.raises(ProblemError, match="worker"):
        p.worker("Z")
    assert p.shift("N") == p.shift(1) == 1


# -- calendar ---------------------------------------------------------------------------------
def test_weekend_flags_default_and_configured() -> None:
    cal = Calendar(date(2026, 1, 5), date(2026, 1, 11))  # Monday … Sunday
    assert cal.is_weekend.tolist() == [False] * 4 + [True] * 3
    assert cal.weekday.tolist() == list(range(7))
    nrp = Calendar(date(2026, 1, 5), date(2026, 1, 11), weekend_days=(5, 6))
    assert nrp.is_weekend.tolist() == [False] * 5 + [True] * 2


def test_pre_holiday_on_a_thursday_is_special() -> None:
    # 2026-04-03 is Good Friday: Thursday 2026-04-02 becomes a pre-holiday
    cal = Calendar(date(2026, 3, 30), date(2026, 4, 5), holidays={date(2026, 4, 3)})
    thursday = cal.index("2026-04-02")
    assert cal.weekday[thursday] == 3
    assert cal.is_pre_holiday[thursday] and cal.is_special[thursday]
    assert not cal.is_weekend[thursday] and not cal.is_holiday[thursday]
    assert cal.is_holiday[cal.index("2026-04-03")]
    assert not cal.is_pre_holiday[cal.index("2026-04-03")]  # a holiday is not a pre-holiday
    assert cal.is_special.tolist() == [False, False, False, True, True, True, True]


def test_holiday_after_the_horizon_makes_the_last_day_a_pre_holiday() -> None:
    cal = Calendar(date(2026, 1, 5), date(2026, 1, 7), holidays={date(2026, 1, 8)})
    assert cal.is_pre_holiday.tolist() == [False, False, True]


def test_iso_week_53_counts_as_consecutive() -> None:
    # 2026 has an ISO week 53: 2026-12-28 … 2027-01-03, then week 1 of 2027
    cal = Calendar(date(2026, 12, 28), date(2027, 1, 10))
    assert date(2026, 12, 28).isocalendar()[1] == 53
    assert cal.week.tolist() == [0] * 7 + [1] * 7


def test_weeks_count_from_the_iso_week_of_a_mid_week_start() -> None:
    cal = Calendar(date(2026, 1, 8), date(2026, 1, 13))  # Thursday … Tuesday
    assert cal.week.tolist() == [0, 0, 0, 0, 1, 1]


def test_saturday_sunday_units_ignore_weekend_days_and_keep_cut_units() -> None:
    # Sunday 2026-01-04 … Saturday 2026-01-17: the first and last units are cut by the horizon
    cal = Calendar(date(2026, 1, 4), date(2026, 1, 17), weekend_days=(0, 4))
    assert cal.sat_sun_week.tolist() == [0, -1, -1, -1, -1, -1, 1, 1, -1, -1, -1, -1, -1, 2]
    assert cal.sat_sun_weekends() == [[0], [6, 7], [13]]
    assert cal.sat_sun_pairs().tolist() == [[6, 7]]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": date(2026, 1, 9), "end": date(2026, 1, 5)}, "calendar.end"),
        ({"start": "someday", "end": date(2026, 1, 5)}, "calendar.start"),
        (
            {"start": date(2026, 1, 5), "end": date(2026, 1, 9), "weekend_days": (7,)},
            "calendar.weekend_days",
        ),
    ],
)
def test_calendar_errors(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        Calendar(**kwargs)
    assert err.value.field == field
