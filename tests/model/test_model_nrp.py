"""The Curtois & Qu importer: every instance loads with its published size, every section maps
onto the model, and bad input is refused with the section, the line and the fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from rtsched_widgets import datasets
from rtsched_widgets.model import ProblemError
from rtsched_widgets.model.io import NRP_START, dump_nrp, load_nrp, parse_nrp

BEST = datasets.nrp_best_known().to_dict("records")

SMALL = """\
# comment
SECTION_HORIZON
7

SECTION_SHIFTS
# ShiftID, Length in mins, Shifts which cannot follow this shift | separated
D,480,
N,600,D|N

SECTION_STAFF
A,D=5|N=0,2400,960,4,2,1,1
B,D=7|N=3,3000,0,5,1,2,2
C,D=7,3000,0,5,1,2,2

SECTION_DAYS_OFF
A,0,6
B,3

SECTION_SHIFT_ON_REQUESTS
A,2,D,2
B,4,N,3

SECTION_SHIFT_OFF_REQUESTS
B,5,D,1.5

SECTION_COVER
0,D,2,100,1
0,N,1,50,2
5,D,1,80,3
"""


@pytest.mark.parametrize("row", BEST, ids=[r["instance"] for r in BEST])
def test_every_instance_loads_with_its_published_size(row: dict[str, str]) -> None:
    problem = datasets.nrp(row["instance"])
    assert problem.profile == "nrp"
    assert problem.name == row["instance"]
    assert problem.n_days == int(row["days"])
    assert problem.n_workers == int(row["staff"])
    assert problem.n_shifts == int(row["shift_types"])
    assert problem.calendar.start == NRP_START and NRP_START.weekday() == 0
    assert problem.calendar.weekend_days == (5, 6)
    assert problem.metadata["horizon_start"] == NRP_START.isoformat()
    # any roster meeting the hard rules fits: the cap is never below the requirement
    assert (problem.maximum >= problem.required).all()
    assert problem.maximum.max() <= problem.n_workers


@pytest.mark.parametrize("row", BEST, ids=[r["instance"] for r in BEST])
def test_dump_then_parse_gives_the_same_problem(row: dict[str, str]) -> None:
    problem = datasets.nrp(row["instance"])
    again = parse_nrp(dump_nrp(problem), name=problem.name)
    assert again.workers == problem.workers
    assert again.shift_types == problem.shift_types
    assert again.shift_on_requests == problem.shift_on_requests
    assert again.shift_off_requests == problem.shift_off_requests
    for name in ("required", "maximum", "under_weight", "over_weight", "available"):
        np.testing.assert_array_equal(getattr(again, name), getattr(problem, name), err_msg=name)


def test_every_section_maps_onto_the_model() -> None:
    p = parse_nrp(SMALL, name="small")
    assert [s.id for s in p.shift_types] == ["D", "N"]
    assert p.shift_types[1].minutes == 600
    assert p.shift_types[1].forbidden_next == ("D", "N")
    assert p.shift_types[0].forbidden_next == ()
    a, b, c = p.workers
    assert dict(a.max_per_shift) == {"D": 5, "N": 0}
    assert dict(c.max_per_shift) == {"D": 7}
    assert (a.max_minutes, a.min_minutes) == (2400, 960)
    assert (a.max_consecutive, a.min_consecutive, a.min_consecutive_off) == (4, 2, 1)
    assert a.max_weekends == 1 and b.max_weekends == 2
    assert a.days_off == ((date(2024, 1, 1),) * 2, (date(2024, 1, 7),) * 2)
    assert p.available[0].tolist() == [False, True, True, True, True, True, False]
    assert [(r.worker, r.day, r.shift, r.weight) for r in p.shift_on_requests] == [
        ("A", 2, "D", 2.0),
        ("B", 4, "N", 3.0),
    ]
    assert [(r.worker, r.day, r.shift, r.weight) for r in p.shift_off_requests] == [
        ("B", 5, "D", 1.5)
    ]
    assert p.required[0].tolist() == [2, 1] and p.required[5].tolist() == [1, 0]
    assert p.required.sum() == 4
    assert p.under_weight[0].tolist() == [100, 50] and p.over_weight[5, 0] == 3
    assert p.under_weight[3, 1] == 100 and p.over_weight[3, 1] == 1  # cells left out
    # maximum: who may work the shift that day (A never works N; A is off on day 0)
    assert p.maximum[0].tolist() == [2, 2]
    assert p.maximum[3].tolist() == [2, 1]  # B is off on day 3
    assert p.maximum[1].tolist() == [3, 2]
    # saturday and sunday are the weekend (2024-01-06/07)
    assert p.calendar.is_weekend.tolist() == [False] * 5 + [True, True]


def test_start_date_can_be_moved() -> None:
    p = parse_nrp(SMALL, start="2026-01-05")
    assert p.calendar.start == date(2026, 1, 5)
    assert p.workers[0].days_off[0] == (date(2026, 1, 5), date(2026, 1, 5))
    assert p.metadata["horizon_start"] == "2026-01-05"


def test_crlf_files_parse_like_lf_files() -> None:
    lf = parse_nrp(SMALL)
    crlf = parse_nrp(SMALL.replace("\n", "\r\n"))
    assert crlf.workers == lf.workers
    np.testing.assert_array_equal(crlf.required, lf.required)


def _broken(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        (_broken("SECTION_HORIZON\n7", "SECTION_HORIZON\nseven"), "SECTION_HORIZON.days", 3),
        (_broken("SECTION_HORIZON\n7", "SECTION_HORIZON\n0"), "SECTION_HORIZON.days", 3),
        (_broken("N,600,D|N", "N,600,D|X"), "SECTION_SHIFTS.forbidden successors", 8),
        (_broken("N,600,D|N", "N,-5,D|N"), "SECTION_SHIFTS.Length", 8),
        (_broken("N,600,D|N", "D,600,"), "SECTION_SHIFTS.ShiftID", 8),
        (_broken("A,D=5|N=0", "A,D5|N=0"), "SECTION_STAFF.MaxShifts", 11),
        (_broken("A,D=5|N=0", "A,D=5|Q=0"), "SECTION_STAFF.MaxShifts", 11),
        (_broken("A,D=5|N=0", "A,D=x|N=0"), "SECTION_STAFF.MaxShifts", 11),
        (_broken("A,D=5|N=0,2400", "A,D=5|N=0,lots"), "SECTION_STAFF.MaxTotalMinutes", 11),
        (_broken("C,D=7,3000,0,5,1,2,2", "C,D=7,3000"), "SECTION_STAFF.fields", 13),
        (_broken("C,D=7", "A,D=7"), "SECTION_STAFF.ID", 13),
        (_broken("B,3\n", "B,9\n"), "SECTION_DAYS_OFF.DayIndexes", 17),
        (_broken("B,3\n", "Z,3\n"), "SECTION_DAYS_OFF.EmployeeID", 17),
        (_broken("A,2,D,2", "A,2,X,2"), "SECTION_SHIFT_ON_REQUESTS.ShiftID", 20),
        (_broken("A,2,D,2", "A,2,D,-2"), "SECTION_SHIFT_ON_REQUESTS.Weight", 20),
        (_broken("B,5,D,1.5", "B,7,D,1.5"), "SECTION_SHIFT_OFF_REQUESTS.Day", 24),
        (_broken("5,D,1,80,3", "5,D,-1,80,3"), "SECTION_COVER.Requirement", 29),
        (_broken("5,D,1,80,3", "0,D,1,80,3"), "SECTION_COVER.ShiftID", 29),
        (_broken("5,D,1,80,3", "5,D,1,x,3"), "SECTION_COVER.Weight for under", 29),
        (_broken("SECTION_COVER", "SECTION_COVERS"), "nrp.section", 26),
    ],
)
def test_parse_errors_name_section_line_and_fix(text: str, field: str, line: int) -> None:
    with pytest.raises(ProblemError) as err:
        parse_nrp(text, source="broken.txt")
    assert err.value.field == field
    assert f"line {line} of broken.txt" in str(err.value)
    assert err.value.fix


def test_missing_horizon_and_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="SECTION_HORIZON"):
        parse_nrp(SMALL.replace("SECTION_HORIZON\n7\n", ""))
    with pytest.raises(ProblemError, match="path: cannot read"):
        load_nrp(tmp_path / "Instance99.txt")
