"""Native JSON, assignment/worker/demand tables and iCalendar export."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets.model import Problem, ProblemError, Roster
from rtsched_widgets.model.io import (
    demand_frame,
    export_ical,
    from_json,
    load_nrp,
    problem_differences,
    problem_from_frames,
    read_assignments,
    read_workers,
    to_json,
    workers_frame,
    write_assignments,
    write_workers,
)

SALDO = {
    "start_date": "2026-01-05",
    "end_date": "2026-01-18",
    "num_shifts": 2,
    "holidays": ["2026-01-06"],
    "name": "ER, main; \\ unit",
    "workers_data": [
        {
            "id": "A/b",
            "name": 'Doe, Jane; "x"\nnext',
            "days_off": "07-01-2026 - 08-01-2026",
            "mandatory_days": "09-01-2026",
            "color": "#ff0000",
        },
        {"id": "2", "work_percentage": 60, "target_shifts": 3, "incompatible_with": ["A/b"]},
        {"id": "C", "work_periods": "05-01-2026 - 15-01-2026", "max_shifts": 4},
    ],
}


def nrp(name: str = "Instance3") -> Problem:
    return load_nrp(name)


def some_roster(problem: Problem, seed: int = 0) -> Roster:
    rng = np.random.default_rng(seed)
    roster = Roster(problem)
    for d in range(problem.n_days):
        for s in range(problem.n_shifts):
            for _ in range(int(problem.required[d, s])):
                w = int(rng.integers(problem.n_workers))
                k = roster.free_slot(d, s)
                if k >= 0 and roster.shift_of[w, d] < 0:
                    roster.place(w, d, s, k)
    return roster


@pytest.mark.parametrize("name", ["Instance1", "Instance7", "Instance12"])
def test_native_json_round_trip_of_nrp_problem_roster_and_pins(name: str, tmp_path: Path) -> None:
    problem = nrp(name)
    roster = some_roster(problem)
    assert roster.n_assigned > 0
    pins = [("2024-01-01", 0, 0), (3, problem.shift_types[-1].id)]
    path = tmp_path / "plan.json"
    text = to_json(problem, roster, path, pinned=pins)
    for source in (text, path, str(path)):
        doc = from_json(source)
        assert problem_differences(problem, doc.problem) == []
        assert doc.roster == roster
        assert doc.pinned == {(0, 0, 0), (3, problem.n_shifts - 1, 0)}
    assert problem_differences(Problem.from_dict(problem.to_dict()), problem) == []


def test_native_json_round_trip_of_saldo_problem() -> None:
    problem = Problem.from_saldo(SALDO)
    doc = from_json(to_json(problem))
    assert doc.roster is None and doc.pinned == frozenset()
    assert problem_differences(problem, doc.problem) == []
    assert doc.problem.workers[0].color == "#ff0000"


def test_native_json_refuses_foreign_and_broken_documents(tmp_path: Path) -> None:
    problem = nrp("Instance1")
    doc = json.loads(to_json(problem, Roster(problem)))
    with pytest.raises(ProblemError, match="format"):
        from_json(json.dumps({**doc, "format": "other"}))
    with pytest.raises(ProblemError, match="version"):
        from_json(json.dumps({**doc, "version": 99}))
    bad_worker = json.loads(json.dumps(doc))
    bad_worker["problem"]["workers"][0]["colour"] = "red"
    with pytest.raises(ProblemError) as err:
        from_json(json.dumps(bad_worker))
    assert err.value.field == "workers" and err.value.row == 0 and "colour" in str(err.value)
    twice = {**doc, "assignments": [["2024-01-01", 0, 0, "A"], ["2024-01-01", 0, 1, "A"]]}
    with pytest.raises(ProblemError, match="assignments"):
        from_json(json.dumps(twice))
    with pytest.raises(ProblemError, match="pinned"):
        to_json(problem, pinned=[("2024-01-01",)])
    with pytest.raises(ProblemError, match="not JSON"):
        from_json("{broken")
    with pytest.raises(ProblemError, match="cannot read"):
        from_json(tmp_path / "missing.json")


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx"])
def test_assignment_and_worker_tables_round_trip(suffix: str, tmp_path: Path) -> None:
    for problem in (nrp("Instance5"), Problem.from_saldo(SALDO)):
        roster = some_roster(problem, seed=3)
        path = write_assignments(roster, tmp_path / f"a.{suffix}")
        assert read_assignments(problem, path) == roster
        wpath = write_workers(problem, tmp_path / f"w.{suffix}")
        assert tuple(read_workers(wpath)) == problem.workers


def test_assignments_csv_columns_and_errors(tmp_path: Path) -> None:
    problem = nrp("Instance1")
    roster = some_roster(problem)
    path = write_assignments(roster, tmp_path / "a.csv")
    frame = pd.read_csv(path, dtype=str)
    assert list(frame.columns) == ["date", "post", "shift", "slot", "worker"]
    assert frame["date"].iloc[0] == "2024-01-01"
    frame.loc[1, "worker"] = "nobody"
    frame.to_csv(path, index=False)
    with pytest.raises(ProblemError, match=r"assignments \(row 1\).*unknown worker"):
        read_assignments(problem, path)
    with pytest.raises(ProblemError, match="format"):
        write_assignments(roster, tmp_path / "a.txt")


def test_problem_from_frames_matches_the_source_problem() -> None:
    problem = nrp("Instance4")
    again = problem_from_frames(
        workers_frame(problem),
        demand_frame(problem),
        shift_types=problem.shift_types,
        weekend_days=(5, 6),
        profile="nrp",
        name=problem.name,
    )
    assert problem_differences(problem, again, metadata=False) == [
        "shift_on_requests",
        "shift_off_requests",
    ]
    minimal = Problem.from_frames(
        pd.DataFrame({"id": ["x", "y"]}),
        pd.DataFrame(
            {"date": ["2026-01-05", "2026-01-07"], "shift": ["N", "D"], "required": [1, 2]}
        ),
    )
    assert [s.id for s in minimal.shift_types] == ["N", "D"]
    assert minimal.n_days == 3 and minimal.required.tolist() == [[1, 0], [0, 0], [0, 2]]
    with pytest.raises(TypeError):
        Problem.from_frames(pd.DataFrame({"id": ["x"]}), pd.DataFrame(), colour="red")


def test_ical_one_file_per_worker_with_escaped_text_and_crlf(tmp_path: Path) -> None:
    import icalendar

    problem = Problem.from_saldo(SALDO)
    roster = Roster(problem)
    roster.place(0, 0, 0, 0)
    roster.place(0, 3, 1, 0)
    roster.place(1, 0, 1, 0)
    stamp = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    paths = export_ical(problem, roster, tmp_path / "ics", stamp=stamp)
    assert [p.name for p in paths] == ["A_b.ics", "2.ics", "C.ics"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b'Doe\\, Jane\\; "x"\\nnext' in raw
    assert b"ER\\, main\\; \\\\ unit" in raw
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 2
    first = events[0]
    assert first.decoded("dtstart") == datetime(2026, 1, 5, 8, 0)
    assert first.decoded("dtend") == datetime(2026, 1, 6, 8, 0)  # 1440 minutes
    assert first.decoded("dtstamp") == stamp
    assert str(first["summary"]) == 'Post 1 — Doe, Jane; "x"\nnext'
    uids = {
        str(e["uid"])
        for p in paths
        for e in icalendar.Calendar.from_ical(p.read_bytes()).walk("VEVENT")
    }
    assert len(uids) == 3
    empty = icalendar.Calendar.from_ical(paths[2].read_bytes())
    assert empty.walk("VEVENT") == []


def test_ical_zero_minute_shifts_are_all_day(tmp_path: Path) -> None:
    import icalendar

    problem = Problem.from_saldo({**SALDO, "post_minutes": 0})
    roster = Roster(problem)
    roster.place(2, 1, 0, 0)
    path = export_ical(problem, roster, tmp_path)[2]
    event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == date(2026, 1, 6)
    assert event.decoded("dtend") == date(2026, 1, 7)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_native_round_trip_property_on_random_rosters(seed: int) -> None:
    problem = PROBLEM_CACHE.setdefault("p", nrp("Instance2"))
    roster = some_roster(problem, seed)
    doc = from_json(to_json(problem, roster))
    assert doc.roster == roster


PROBLEM_CACHE: dict[str, Problem] = {}
