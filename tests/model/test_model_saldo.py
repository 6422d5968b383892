"""The saldo-style config/backup: mapping onto the model, lossless round trips, clear errors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.model import Problem, ProblemError, Roster
from rtsched_widgets.model.io import (
    from_saldo,
    load_nrp,
    load_saldo,
    load_saldo_backup,
    problem_differences,
    save_saldo,
    to_saldo,
)


def config(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "start_date": "2026-01-05",
        "end_date": "2026-01-18",
        "num_shifts": 2,
        "variable_shifts": [{"start_date": "10-01-2026", "end_date": "11-01-2026", "shifts": 3}],
        "holidays": ["06-01-2026"],
        "gap_between_shifts": 2,
        "max_consecutive_weekends": 2,
        "tolerance": 8,
        "workers_data": [
            {
                "id": "A",
                "work_percentage": 100,
                "days_off": "07-01-2026 - 08-01-2026;12-01-2026",
                "mandatory_days": "09-01-2026",
                "is_incompatible": True,
                "no_last_post": True,
            },
            {"id": 2, "work_percentage": 60, "target_shifts": 3, "incompatible_with": ["A"]},
            {"id": "C", "is_incompatible": True, "work_periods": "05-01-2026 -  15-01-2026"},
            {"id": "D", "target_shifts": 0, "auto_calculate_shifts": False, "max_shifts": 4},
        ],
    }
    base.update(over)
    return base


def test_config_maps_onto_the_model() -> None:
    p = Problem.from_saldo(config())
    assert p.profile == "saldo"
    assert (p.calendar.start, p.calendar.end) == (date(2026, 1, 5), date(2026, 1, 18))
    assert p.calendar.holidays == frozenset({date(2026, 1, 6)})
    assert [s.id for s in p.shift_types] == ["0", "1", "2"]
    posts = p.required.sum(axis=1).tolist()
    assert posts == [2, 2, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2]
    np.testing.assert_array_equal(p.required, p.maximum)
    assert p.required[5].tolist() == [1, 1, 1] and p.required[0].tolist() == [1, 1, 0]
    assert p.settings.gap == 2 and p.settings.max_consecutive_weekends == 2
    a, b, c, d = p.workers
    assert b.id == "2" and b.work_percentage == 60 and b.target_shifts == 3
    assert a.target_shifts is None  # 0 with auto calculation means "computed"
    assert d.target_shifts == 0 and d.max_shifts == 4  # explicit 0 when auto is off
    assert a.days_off == (
        (date(2026, 1, 7), date(2026, 1, 8)),
        (date(2026, 1, 12), date(2026, 1, 12)),
    )
    assert a.mandatory_days == (date(2026, 1, 9),)
    assert c.work_periods == ((date(2026, 1, 5), date(2026, 1, 15)),)
    # is_incompatible: the flagged workers A and C may not share a date; B lists A itself
    assert a.incompatible_with == ("C",) and c.incompatible_with == ("A",)
    assert p.incompatible[0, 1] and p.incompatible[1, 0] and p.incompatible[0, 2]
    assert not p.incompatible[1, 2]
    assert p.available[0].tolist()[:9] == [True, True, False, False, True, True, True, False, True]
    assert p.mandatory[0, 4] and p.mandatory.sum() == 1
    assert p.metadata["saldo_config_extra"] == {"tolerance": 8}
    assert p.metadata["saldo_worker_extra"] == {"A": {"no_last_post": True}}


def test_backup_shape_reads_problem_and_schedule() -> None:
    cfg = config()
    workers = cfg.pop("workers_data")
    backup = {
        "config": cfg,
        "metadata": {"created_by": "planner"},
        "workers_data": workers,
        "schedule": {
            "2026-01-05": ["A", "2"],
            "2026-01-10T00:00:00": ["C", None, "A"],
            "11-01-2026": [None, "D"],
        },
    }
    problem, roster = from_saldo(backup)
    assert roster is not None
    assert problem.metadata["created_by"] == "planner"
    frame = roster.to_frame()
    assert list(zip(frame["shift"], frame["worker"], strict=True)) == [
        ("0", "A"),
        ("1", "2"),
        ("0", "C"),
        ("2", "A"),
        ("1", "D"),
    ]
    assert roster.shift_of[problem.worker("A"), 5] == 2


def test_no_schedule_gives_no_roster() -> None:
    problem, roster = from_saldo(config())
    assert roster is None and problem.n_workers == 4


def _edited(problem: Problem, roster: Roster) -> Roster:
    edited = roster.copy()
    edited.clear(0, 0, 0)
    edited.place(problem.worker("D"), 0, 0, 0)
    edited.place(problem.worker("C"), 13, 1, 0)
    return edited


def test_import_edit_export_import_gives_the_same_problem_and_schedule(tmp_path: Path) -> None:
    backup = {**config(), "schedule": {"2026-01-05": ["A", "2"], "2026-01-10": ["C", None, "A"]}}
    problem, roster = from_saldo(backup)
    assert roster is not None
    edited = _edited(problem, roster)
    exported = to_saldo(problem, edited)
    path = save_saldo(problem, tmp_path / "plan.json", edited)
    assert json.loads(path.read_text()) == json.loads(json.dumps(exported))
    again, again_roster = load_saldo_backup(path)
    assert problem_differences(problem, again) == []
    assert again_roster is not None
    assert again_roster.to_frame().equals(edited.to_frame())
    assert again_roster != roster
    assert problem_differences(load_saldo(path), problem) == []


def test_export_keeps_extras_settings_and_colours() -> None:
    p = Problem.from_saldo({**config(), "pattern_weekdays": [0, 1], "target_tolerance": 2})
    out = to_saldo(p)
    assert out["config"]["tolerance"] == 8
    assert out["config"]["pattern_weekdays"] == [0, 1]
    assert out["workers_data"][0]["no_last_post"] is True
    assert out["config"]["num_shifts"] == 2
    assert out["config"]["variable_shifts"] == [
        {"start_date": "2026-01-10", "end_date": "2026-01-11", "shifts": 3}
    ]
    assert "schedule" not in out
    again = Problem.from_saldo(out)
    assert again.settings.pattern_weekdays == (0, 1) and again.settings.target_tolerance == 2


def test_nrp_problems_are_refused_not_exported_with_losses() -> None:
    with pytest.raises(ProblemError) as err:
        to_saldo(load_nrp("Instance1"))
    assert err.value.field == "problem" and "to_json" in str(err.value)


day_strategy = st.integers(min_value=0, max_value=27)


@st.composite
def saldo_configs(draw: st.DrawFn) -> dict[str, Any]:
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
    n_days = 28
    iso = lambda d: (start + timedelta(days=d)).strftime("%d-%m-%Y")  # noqa: E731
    n_workers = draw(st.integers(1, 6))
    workers = []
    for i in range(n_workers):
        off = sorted(draw(st.lists(day_strategy, max_size=4, unique=True)))
        ranges = [f"{iso(a)} - {iso(min(a + draw(st.integers(0, 3)), n_days - 1))}" for a in off]
        # mandatory days never inside the same worker's days off (each range spans <= 4 days)
        mand = [
            d
            for d in draw(st.lists(day_strategy, max_size=2, unique=True))
            if not any(a <= d <= a + 3 for a in off)
        ]
        workers.append(
            {
                "id": f"W{i}",
                "work_percentage": draw(st.sampled_from([50, 67, 80, 100])),
                "target_shifts": draw(st.integers(0, 6)),
                "days_off": ";".join(ranges),
                "mandatory_days": ";".join(iso(d) for d in mand),
                "incompatible_with": [f"W{j}" for j in range(i) if draw(st.booleans())],
            }
        )
    variable = []
    if draw(st.booleans()):
        a = draw(st.integers(0, n_days - 1))
        variable.append(
            {
                "start_date": iso(a),
                "end_date": iso(min(a + 5, n_days - 1)),
                "shifts": draw(st.integers(0, 4)),
            }
        )
    return {
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=n_days - 1)).isoformat(),
        "num_shifts": draw(st.integers(1, 3)),
        "variable_shifts": variable,
        "holidays": [iso(d) for d in draw(st.lists(day_strategy, max_size=3, unique=True))],
        "gap_between_shifts": draw(st.integers(0, 4)),
        "workers_data": workers,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=saldo_configs(), data=st.data())
def test_round_trip_property(cfg: dict[str, Any], data: st.DataObject) -> None:
    problem, _ = from_saldo(cfg)
    roster = Roster(problem)
    for d in range(problem.n_days):
        for s in range(int(problem.required[d].sum())):
            w = data.draw(st.integers(-1, problem.n_workers - 1))
            if w >= 0 and roster.shift_of[w, d] < 0:
                roster.place(w, d, s, 0)
    exported = json.loads(json.dumps(to_saldo(problem, roster)))
    again, again_roster = from_saldo(exported)
    assert problem_differences(problem, again) == []
    assert again_roster == roster


@pytest.mark.parametrize(
    ("worker", "field", "text"),
    [
        ({"days_off": "32-01-2026"}, "workers_data.days_off", "not a real date"),
        ({"days_off": "01-01-2026 -"}, "workers_data.days_off", "not a date or a date range"),
        ({"days_off": "10-01-2026 - 08-01-2026"}, "workers_data.days_off", "ends before"),
        ({"work_periods": "2026/13/01"}, "workers_data.work_periods", "not a date"),
        (
            {"mandatory_days": "09-01-2026 - 10-01-2026"},
            "workers_data.mandatory_days",
            "not a single date",
        ),
        (
            {"mandatory_days": "09-01-2026", "days_off": "08-01-2026 - 10-01-2026"},
            "workers.mandatory_days",
            "inside the same worker's days off",
        ),
        ({"mandatory_days": "09-02-2026"}, "workers.mandatory_days", "outside the horizon"),
        ({"work_percentage": 0}, "workers.work_percentage", "outside (0, 100]"),
        ({"work_percentage": "lots"}, "workers_data.work_percentage", "not a number"),
        ({"target_shifts": -1}, "workers_data.target_shifts", "below 0"),
        ({"incompatible_with": ["nobody"]}, "workers.incompatible_with", "unknown worker"),
        ({"id": None}, "workers_data.id", "not a worker id"),
    ],
)
def test_worker_errors_name_the_field_and_row(
    worker: dict[str, Any], field: str, text: str
) -> None:
    cfg = config()
    cfg["workers_data"][1] = {"id": "B", **worker}
    with pytest.raises(ProblemError) as err:
        Problem.from_saldo(cfg)
    assert err.value.field == field
    assert err.value.row == 1
    assert text in str(err.value) and err.value.fix


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"start_date": None}, "config.start_date"),
        ({"end_date": "2025-12-31"}, "config.end_date"),
        ({"num_shifts": "two"}, "config.num_shifts"),
        ({"num_shifts": -1}, "config.num_shifts"),
        ({"holidays": ["31-02-2026"]}, "config.holidays"),
        (
            {"variable_shifts": [{"start_date": "2026-01-06", "shifts": 2}]},
            "config.variable_shifts",
        ),
        (
            {
                "variable_shifts": [
                    {"start_date": "2026-01-06", "end_date": "2026-01-08", "shifts": 2},
                    {"start_date": "2026-01-08", "end_date": "2026-01-09", "shifts": 1},
                ]
            },
            "config.variable_shifts",
        ),
        ({"post_start": "8h"}, "config.post_start"),
        ({"workers_data": "A;B"}, "workers_data"),
        ({"gap_between_shifts": "x"}, "config.gap_between_shifts"),
    ],
)
def test_config_errors_name_the_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        Problem.from_saldo(config(**over))
    assert err.value.field == field and err.value.fix


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        ({"2026-02-01": ["A"]}, "outside the horizon"),
        ({"2026-01-05": ["A", "2", "C"]}, "post 2 does not exist"),
        ({"2026-01-05": ["nobody"]}, "unknown worker id"),
        ({"2026-01-05": ["A", "A"]}, "two posts"),
        ({"2026-01-05": "A"}, "not a list"),
        ({"someday": ["A"]}, "not a date"),
    ],
)
def test_schedule_errors(schedule: dict[str, Any], text: str) -> None:
    with pytest.raises(ProblemError, match="schedule") as err:
        from_saldo({**config(), "schedule": schedule})
    assert text in str(err.value)


def test_missing_workers_and_bad_files(tmp_path: Path) -> None:
    cfg = config()
    del cfg["workers_data"]
    with pytest.raises(ProblemError, match="workers_data: is missing"):
        Problem.from_saldo(cfg)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProblemError, match="not JSON"):
        load_saldo(bad)
    workers_only = tmp_path / "workers.json"
    workers_only.write_text("[]")
    with pytest.raises(ProblemError, match="holds a list"):
        Problem.from_saldo(workers_only)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(config()))
    assert Problem.from_saldo(str(good)).n_workers == 4
