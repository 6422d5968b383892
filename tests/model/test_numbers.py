"""Every numeric field of every input format: type, finite, range, whole where it must be —
a ProblemError naming the field (row, file) and the fix, never a wrapped, truncated, infinite
or silently overridden value."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.io import (
    parse_nrp,
    problem_from_dict,
    problem_from_frames,
    problem_from_saldo,
    read_workers,
)
from rtsched_widgets.model.problem import Problem, Request, RuleSettings, ShiftType, Worker
from rtsched_widgets.model.synthetic import synthetic

BAD_NUMBERS = [math.inf, -math.inf, math.nan, "nan", "inf", "1e999", "abc", True, None, [1]]


# -- the helper -----------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=numbers.MAX_COUNT))
def test_whole_numbers_in_every_spelling(n: int) -> None:
    for spelling in (n, np.int64(n), float(n), str(n), f" {n} ", f"{n}.0"):
        assert numbers.integer(spelling, "f") == n


@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not float(x).is_integer()))
def test_fractions_and_non_finite_values_are_never_whole(x: float) -> None:
    with pytest.raises(ProblemError) as err:
        numbers.integer(x, "f", row=2)
    assert err.value.field == "f" and err.value.row == 2 and err.value.fix


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_numbers_are_refused(value: Any) -> None:
    with pytest.raises(ProblemError):
        numbers.number(value, "w")


def test_range_messages_name_the_bound() -> None:
    with pytest.raises(ProblemError, match="-1 is below 0"):
        numbers.integer(-1, "f")
    with pytest.raises(ProblemError, match="is above 10"):
        numbers.integer(11, "f", maximum=10)
    with pytest.raises(ProblemError, match="not above 0"):
        numbers.number(0, "f", above_minimum=True)


# -- Problem constructor --------------------------------------------------------------------------
CAL = Calendar(date(2026, 1, 5), date(2026, 1, 7))
SHIFTS = (ShiftType("D", minutes=480),)


def build(**over: Any) -> Problem:
    args: dict[str, Any] = {
        "workers": (Worker("A"), Worker("B")), "calendar": CAL, "shift_types": SHIFTS,
        "required": [[1], [1], [1]], "profile": "nrp",
    }  # fmt: skip
    args.update(over)
    return Problem(**args)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"required": [[3_000_000_000], [1], [1]]}, "required"),  # used to wrap to negative
        ({"required": [[1.5], [1], [1]]}, "required"),  # used to be truncated to 1
        ({"required": [[math.nan], [1], [1]]}, "required"),
        ({"maximum": [[math.inf], [1], [1]]}, "maximum"),
        ({"under_weight": [[math.inf], [1], [1]]}, "under_weight"),  # score inf, then nan
        ({"over_weight": [["nan"], [1], [1]]}, "over_weight"),
        ({"over_weight": [[2e9], [1], [1]]}, "over_weight"),
        ({"workers": (Worker("A", work_percentage=math.nan), Worker("B"))},
         "workers.work_percentage"),
        ({"workers": (Worker("A", max_shifts=-1), Worker("B"))}, "workers.max_shifts"),
        ({"workers": (Worker("A", target_shifts=2.5), Worker("B"))},  # type: ignore[arg-type]
         "workers.target_shifts"),
        ({"workers": (Worker("A", max_per_shift={"D": math.inf}), Worker("B"))},  # type: ignore[dict-item]
         "workers.max_per_shift"),
        ({"shift_types": (ShiftType("D", minutes=10**9),)}, "shift_types.minutes"),
        ({"shift_types": (ShiftType("D", minutes="long"),)}, "shift_types.minutes"),  # type: ignore[arg-type]
        ({"shift_on_requests": [Request("A", 0, "D", math.inf)]}, "shift_on_requests.weight"),
        ({"shift_off_requests": [Request("A", 0.5, "D", 1.0)]}, "shift_off_requests"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_constructor_numbers(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        build(**over)
    assert err.value.field == field
    assert err.value.fix


def test_numbers_are_stored_in_their_canonical_types() -> None:
    p = build(
        workers=(Worker("A", work_percentage=np.float32(50), max_shifts=np.int64(4)), Worker("B")),
        shift_types=(ShiftType("D", minutes=np.int16(480)),),
        required=np.array([[1.0], [2.0], [0.0]]),
    )
    assert type(p.workers[0].max_shifts) is int and type(p.workers[0].work_percentage) is float
    assert type(p.shift_types[0].minutes) is int
    assert p.required.tolist() == [[1], [2], [0]]


@pytest.mark.parametrize(
    ("name", "value"),
    [("gap", -1), ("gap", 2.5), ("part_time_threshold", -5), ("part_time_threshold", "nan"),
     ("pattern_weekdays", (0, 99)), ("pattern_distances", (0,)), ("weight_target", math.inf),
     ("weight_coverage", "nan"), ("max_consecutive_weekends", -2), ("target_tolerance", True)],
)  # fmt: skip
def test_impossible_rule_settings(name: str, value: Any) -> None:
    with pytest.raises(ProblemError) as err:
        RuleSettings(**{name: value})
    assert err.value.field == f"settings.{name}"


# -- saldo ----------------------------------------------------------------------------------------
def saldo_config(**over: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "start_date": "2026-01-05", "end_date": "2026-01-11", "num_shifts": 1,
        "workers_data": [{"id": "A"}, {"id": "B"}],
    }  # fmt: skip
    config.update(over)
    return config


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"pattern_weekdays": [0, 99]}, "config.pattern_weekdays"),
        ({"part_time_threshold": -10}, "config.part_time_threshold"),
        ({"weight_target": "nan"}, "config.weight_target"),
        ({"weight_coverage": float("inf")}, "config.weight_coverage"),
        ({"gap_between_shifts": 2.5}, "config.gap_between_shifts"),
        ({"num_shifts": 3_000_000_000}, "config.num_shifts"),
        ({"post_minutes": 1e12}, "config.post_minutes"),
        ({"under_weight": [[float("inf")]] * 7}, "config.under_weight"),
        ({"workers_data": [{"id": "A", "work_percentage": "nan"}, {"id": "B"}]},
         "workers_data.work_percentage"),
        ({"workers_data": [{"id": "A", "max_shifts": 1.5}, {"id": "B"}]},
         "workers_data.max_shifts"),
        ({"variable_shifts": [{"start_date": "2026-01-05", "end_date": "2026-01-06",
                               "shifts": -1}]}, "config.variable_shifts.shifts"),
    ],
)  # fmt: skip
def test_saldo_numbers(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        problem_from_saldo(saldo_config(**over))
    assert err.value.field == field


def test_saldo_json_nan_literals_are_refused_naming_the_file(tmp_path: Path) -> None:
    from rtsched_widgets.model.io import load_saldo

    path = tmp_path / "backup.json"
    path.write_text(json.dumps(saldo_config(weight_target=math.nan)), encoding="utf-8")
    assert "NaN" in path.read_text()
    with pytest.raises(ProblemError) as err:
        load_saldo(path)
    assert err.value.field == "config.weight_target" and str(path) in str(err.value)


# -- NRP ------------------------------------------------------------------------------------------
NRP = """SECTION_HORIZON
{horizon}
SECTION_SHIFTS
D,{minutes},
SECTION_STAFF
A,D={limit},{maxmin},0,5,1,1,2
SECTION_SHIFT_ON_REQUESTS
A,0,D,{weight}
SECTION_COVER
0,D,{req},100,1
"""
GOOD = {"horizon": 7, "minutes": 480, "limit": 5, "maxmin": 4800, "weight": 1, "req": 1}


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [("req", 3_000_000_000, "SECTION_COVER.Requirement"),
     ("req", "1.5", "SECTION_COVER.Requirement"),
     ("weight", "inf", "SECTION_SHIFT_ON_REQUESTS.Weight"),
     ("weight", "nan", "SECTION_SHIFT_ON_REQUESTS.Weight"),
     ("horizon", 10**9, "SECTION_HORIZON.days"), ("minutes", 10**8, "SECTION_SHIFTS.Length"),
     ("limit", "1e999", "SECTION_STAFF.MaxShifts"),
     ("maxmin", "12.5", "SECTION_STAFF.MaxTotalMinutes")],
)  # fmt: skip
def test_nrp_numbers(key: str, value: Any, field: str) -> None:
    assert parse_nrp(NRP.format(**GOOD)).n_days == 7
    with pytest.raises(ProblemError) as err:
        parse_nrp(NRP.format(**{**GOOD, key: value}), source="inst.txt")
    assert err.value.field == field and "inst.txt" in str(err.value)


def test_nrp_duplicate_cover_line_is_refused() -> None:
    text = NRP.format(**GOOD) + "0,D,2,100,1\n"
    with pytest.raises(ProblemError, match="second cover line"):
        parse_nrp(text)


# -- frames and table files -----------------------------------------------------------------------
WORKERS = pd.DataFrame({"id": ["A", "B"]})


def demand(**columns: Any) -> pd.DataFrame:
    base = {"date": ["2026-01-05", "2026-01-06"], "shift": ["D", "D"], "required": [1, 1]}
    base.update(columns)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("frame", "field", "row"),
    [
        (demand(required=[1, 2.5]), "demand.required", 1),  # used to be truncated to 2
        (demand(required=[1, 3_000_000_000]), "demand.required", 1),
        (demand(required=["1", "lots"]), "demand.required", 1),
        (demand(maximum=[1, float("inf")]), "demand.maximum", 1),
        (demand(under_weight=[float("inf"), 1]), "demand.under_weight", 0),
        (demand(over_weight=["nan", 1]), "demand.over_weight", 0),
        (demand(date=["2026-01-05", "2026-01-05"]), "demand", 1),  # duplicate row
    ],
)
def test_demand_frames(frame: pd.DataFrame, field: str, row: int) -> None:
    with pytest.raises(ProblemError) as err:
        problem_from_frames(WORKERS, frame)
    assert err.value.field == field and err.value.row == row and err.value.fix


def test_a_duplicate_demand_row_names_the_first() -> None:
    with pytest.raises(ProblemError, match=r"the first is row 0"):
        problem_from_frames(WORKERS, demand(date=["2026-01-05", "2026-01-05"], required=[1, 2]))


def test_empty_demand_is_an_error_not_a_crash() -> None:
    with pytest.raises(ProblemError, match="demand"):
        problem_from_frames(WORKERS, demand().iloc[:0])


@pytest.mark.parametrize(
    ("column", "value"),
    [("max_shifts", "-3"), ("max_shifts", "2.5"), ("work_percentage", "inf"),
     ("work_percentage", "0"), ("min_minutes", "1e99"), ("max_per_shift", "D=1.5")],
)  # fmt: skip
def test_workers_table_numbers_name_file_row_and_field(
    tmp_path: Path, column: str, value: str
) -> None:
    path = tmp_path / "staff.csv"
    pd.DataFrame({"id": ["A", "B"], column: ["", value]}).to_csv(path, index=False)
    with pytest.raises(ProblemError) as err:
        read_workers(path)
    assert err.value.field == f"workers.{column}" and err.value.row == 1
    assert str(path) in str(err.value)


# -- native JSON, synthetic -----------------------------------------------------------------------
def native(**over: Any) -> dict[str, Any]:
    data = build().to_dict()
    data.update(over)
    return data


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"required": [[1.5], [1], [1]]}, "required"),
        ({"under_weight": [[1e400], [1], [1]]}, "under_weight"),
        ({"settings": {"gap": -4}}, "settings.gap"),
        ({"settings": {"weight_target": "nan"}}, "settings.weight_target"),
        ({"shift_on_requests": [["A", "zero", "D", 1]]}, "shift_on_requests.day"),
        ({"shift_on_requests": [["A", 0, "D", "inf"]]}, "shift_on_requests.weight"),
    ],
)
def test_native_numbers(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        problem_from_dict(native(**over))
    assert err.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"part_time_share": "half"}, "synthetic.part_time_share"),
     ({"part_time_share": math.nan}, "synthetic.part_time_share"),
     ({"days_off_blocks": 10**9}, "synthetic.days_off_blocks"),
     ({"settings": None, "workers": 2.5}, "synthetic.workers")],
)  # fmt: skip
def test_synthetic_options(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        synthetic(days=14, **kwargs)
    assert err.value.field == field


def test_valid_inputs_still_load() -> None:
    p = build(under_weight=np.full((3, 1), 5.0))
    assert replace(p.workers[0]) == Worker("A")
    assert problem_from_frames(WORKERS, demand(required=["1", "2.0"])).required.tolist() == [
        [1],
        [2],
    ]
