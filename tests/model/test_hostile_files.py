"""Errors from deep inside the readers become ProblemErrors naming the file, the field and the
fix: binary garbage, truncated Parquet, a workbook that is a zip of junk, wrong JSON types for
each field, far-future dates."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rtsched_widgets.model.calendar import Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.io import (
    from_json,
    load_nrp,
    load_saldo,
    problem_from_dict,
    problem_from_saldo,
    read_table,
    read_workers,
    to_json,
    write_table,
)
from rtsched_widgets.model.problem import Problem, ShiftType, Worker
from rtsched_widgets.model.synthetic import synthetic

GARBAGE = bytes(range(256)) * 4 + b"\xff\xfe\x00\x81"


def problem() -> Problem:
    return Problem(
        workers=[Worker("A"), Worker("B")],
        calendar=Calendar(date(2026, 1, 5), date(2026, 1, 7)),
        shift_types=[ShiftType("D", minutes=480)],
        required=[[1], [1], [1]],
    )


def assert_names_file(err: pytest.ExceptionInfo[ProblemError], path: Path) -> None:
    assert path.name in str(err.value), str(err.value)
    assert err.value.fix and err.value.fix in str(err.value)


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_binary_garbage_in_any_table_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"workers.{suffix}"
    path.write_bytes(GARBAGE)
    with pytest.raises(ProblemError) as err:
        read_workers(path)
    assert err.value.field == "path"
    assert_names_file(err, path)


def test_truncated_parquet(tmp_path: Path) -> None:
    whole = write_table(pd.DataFrame({"id": ["A", "B"] * 50}), tmp_path / "whole.parquet")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ProblemError) as err:
        read_table(cut)
    assert "Parquet" in str(err.value)
    assert_names_file(err, cut)


def test_xlsx_that_is_a_zip_of_junk(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("junk.txt", "not a workbook")
        z.writestr("xl/workbook.xml", "<not xml")
    with pytest.raises(ProblemError) as err:
        read_workers(path)
    assert "Excel" in str(err.value)
    assert_names_file(err, path)


@pytest.mark.parametrize(
    "content",
    [b'a,b\n"unterminated,1\n', b"", b"id,name\nA,x\nB,1,2,3,4\n", b"id,name\nA,x,y,z\n"],
)
def test_broken_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(content)
    with pytest.raises(ProblemError) as err:
        read_workers(path)
    assert_names_file(err, path)


@pytest.mark.parametrize(
    ("loader", "suffix"), [(load_nrp, "txt"), (load_saldo, "json"), (from_json, "json")]
)
def test_binary_garbage_in_text_formats(tmp_path: Path, loader: Any, suffix: str) -> None:
    path = tmp_path / f"input.{suffix}"
    path.write_bytes(GARBAGE)
    with pytest.raises(ProblemError) as err:
        loader(path)
    assert "UTF-8" in str(err.value)
    assert_names_file(err, path)


@pytest.mark.parametrize("loader", [load_saldo, from_json])
def test_deeply_nested_json(tmp_path: Path, loader: Any) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        loader(path)
    assert_names_file(err, path)


# -- wrong JSON types for each field --------------------------------------------------------------
def native_variants() -> list[tuple[str, Any]]:
    """(dotted path, wrong value) for every field of the native problem document."""
    return [
        ("profile", 3), ("name", None), ("metadata", []), ("calendar", []),
        ("calendar.start", 20260105), ("calendar.end", ["2026-01-07"]),
        ("calendar.holidays", "2026-01-06"), ("calendar.holidays", 5),
        ("calendar.weekend_days", "56"), ("calendar.weekend_days", [5.5]),
        ("settings", [1]), ("settings.gap", "three"), ("settings.pattern_weekdays", 3),
        ("shift_types", {}), ("shift_types.0", "D"), ("shift_types.0.id", 7),
        ("shift_types.0.minutes", "480x"), ("shift_types.0.forbidden_next", "D"),
        ("shift_types.0.label", ["x"]),
        ("workers", "A"), ("workers.0", 1), ("workers.0.id", 5), ("workers.0.name", {}),
        ("workers.0.work_percentage", "most"), ("workers.0.max_shifts", "many"),
        ("workers.0.incompatible_with", "B"), ("workers.0.days_off", "2026-01-05"),
        ("workers.0.days_off", [[1, 2]]), ("workers.0.mandatory_days", [5]),
        ("workers.0.max_per_shift", [1]), ("workers.0.max_per_shift", {"D": "x"}),
        ("workers.0.color", 7),
        ("required", "lots"), ("required", [[1], [1]]), ("required", [["x"], [1], [1]]),
        ("maximum", {"a": 1}), ("under_weight", [[None], [1], [1]]),
        ("shift_on_requests", {}), ("shift_on_requests", [["A", "0", "D"]]),
        ("shift_on_requests", [["A", [0], "D", 1]]),
    ]  # fmt: skip


@pytest.mark.parametrize(("where", "value"), native_variants())
def test_wrong_json_types_in_native_documents(tmp_path: Path, where: str, value: Any) -> None:
    doc = json.loads(to_json(problem()))
    node: Any = doc["problem"]
    *parents, last = where.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        from_json(path)
    assert_names_file(err, path)
    with pytest.raises(ProblemError):
        problem_from_dict(doc["problem"])


def saldo_variants() -> list[tuple[str, Any]]:
    return [
        ("start_date", 5), ("end_date", [1]), ("num_shifts", "two"), ("num_shifts", {}),
        ("variable_shifts", "x"), ("variable_shifts", [5]), ("holidays", 7), ("holidays", {"a": 1}),
        ("weekend_days", "56"), ("weekend_days", [9]), ("gap_between_shifts", "x"),
        ("max_consecutive_weekends", [1]), ("post_start", 8), ("post_minutes", "day"),
        ("post_start", [8]), ("under_weight", "x"), ("pattern_weekdays", "0123"),
        ("workers_data", "A"), ("workers_data", [5]), ("workers_data.0.id", []),
        ("workers_data.0.work_percentage", "full"), ("workers_data.0.target_shifts", [1]),
        ("workers_data.0.max_shifts", {}), ("workers_data.0.incompatible_with", 5),
        ("workers_data.0.days_off", 5), ("workers_data.0.mandatory_days", {"a": 1}),
        ("schedule", 5), ("schedule", {"2026-01-05": 5}),
    ]  # fmt: skip


@pytest.mark.parametrize(("where", "value"), saldo_variants())
def test_wrong_json_types_in_saldo_files(tmp_path: Path, where: str, value: Any) -> None:
    from rtsched_widgets.model.io import load_saldo_backup

    config: dict[str, Any] = {
        "start_date": "2026-01-05", "end_date": "2026-01-11", "num_shifts": 1,
        "workers_data": [{"id": "A"}, {"id": "B"}], "schedule": {},
    }  # fmt: skip
    node: Any = config
    *parents, last = where.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_saldo_backup(path)
    assert_names_file(err, path)
    with pytest.raises(ProblemError):
        from rtsched_widgets.model.io import from_saldo

        from_saldo(config)


# -- far-future dates -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "end",
    ["9999-12-31", "31-12-9999", "1000000-01-01", "+1000000-01-01", np.datetime64(10**6, "Y")],
)
def test_far_future_end_dates(end: Any) -> None:
    with pytest.raises(ProblemError) as err:
        problem_from_saldo(
            {"start_date": "2026-01-05", "end_date": end, "workers_data": [{"id": "A"}]}
        )
    assert "end_date" in err.value.field or "calendar" in err.value.field


def test_the_last_representable_day_is_a_valid_horizon_end() -> None:
    cal = Calendar(date(9999, 12, 1), date(9999, 12, 31), holidays=frozenset([date(9999, 12, 31)]))
    assert cal.n_days == 31 and cal.is_holiday[-1]
    p = problem_from_saldo(
        {"start_date": "9999-12-25", "end_date": "9999-12-31", "workers_data": [{"id": "A"}]}
    )
    assert p.n_days == 7


def test_synthetic_past_the_year_9999() -> None:
    with pytest.raises(ProblemError, match="synthetic"):
        synthetic(workers=2, days=30, posts=1, start="9999-12-20")


def test_far_future_dates_in_table_files(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    pd.DataFrame({"id": ["A"], "days_off": ["9999-12-31 - 10000-01-02"]}).to_csv(path, index=False)
    with pytest.raises(ProblemError) as err:
        read_workers(path)
    assert err.value.field == "workers.days_off" and str(path) in str(err.value)


@pytest.mark.parametrize(
    "ident", ["A,B", "A|B", "A=1", "A\nSECTION_COVER", " A", "#A", "SECTION_X"]
)
def test_nrp_export_refuses_ids_the_format_cannot_hold(ident: str) -> None:
    from rtsched_widgets.model.io import dump_nrp, parse_nrp

    p = Problem(
        workers=[Worker(ident), Worker("B")],
        calendar=Calendar(date(2024, 1, 1), date(2024, 1, 3)),
        shift_types=[ShiftType("D", minutes=480)],
        required=[[1], [1], [1]],
        profile="nrp",
    )
    with pytest.raises(ProblemError) as err:
        dump_nrp(p)
    assert err.value.field == "workers.id" and err.value.row == 0
    assert parse_nrp(_renamed(p)).n_workers == 2  # the same problem with plain ids is written


def _renamed(p: Problem) -> str:
    from rtsched_widgets.model.io import dump_nrp

    return dump_nrp(
        Problem(
            workers=[Worker("A"), Worker("B")], calendar=p.calendar, shift_types=p.shift_types,
            required=p.required, profile="nrp",
        )
    )  # fmt: skip
