"""Tables of assignments, workers and demand as CSV, Parquet or Excel files.

The file format follows the suffix (``.csv``, ``.parquet``/``.pq``, ``.xlsx``) unless
``format`` is given. Parquet needs pyarrow and Excel needs openpyxl (the ``io`` extra).

Text cells written to CSV and Excel go through :mod:`rtsched_widgets.model.io.neutralise`: a
text a spreadsheet would run as a formula gets one leading ``'``, Excel cells are text cells,
line breaks never split a CSV record; :func:`read_table` undoes it, so reading back a file
written here gives the original values. Parquet is written and read unchanged. A file that
cannot be read (missing, not UTF-8, not CSV, a damaged workbook or Parquet file) and every bad
cell raise a ProblemError naming the file, the field and the row.

- assignments: the columns of ``Roster.to_frame``: ``date`` (ISO), ``post`` (shift type index),
  ``shift`` (id), ``slot``, ``worker`` (id); one row per occupied slot;
- workers: one row per worker with the ``Worker`` fields; ranges are written
  ``"YYYY-MM-DD - YYYY-MM-DD;…"``, dates ``"YYYY-MM-DD;…"``, ``incompatible_with`` as ids
  joined by ``;`` and ``max_per_shift`` as ``"D=14|L=0"``; empty cells mean "not set";
- demand: one row per (date, shift type) with ``required``, ``maximum``, ``under_weight``,
  ``over_weight``.

:func:`problem_from_frames` builds a Problem from a workers table and a demand table.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from rtsched_widgets._optional import require
from rtsched_widgets.limits import abbreviate
from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import FRI_SAT_SUN, Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.io._dates import parse_day, parse_days, parse_ranges
from rtsched_widgets.model.io.neutralise import (
    read_csv_text,
    read_excel_text,
    write_csv,
    write_excel,
)
from rtsched_widgets.model.problem import Problem, Profile, RuleSettings, ShiftType, Worker
from rtsched_widgets.model.roster import Roster

TableFormat = Literal["csv", "parquet", "excel"]
ASSIGNMENT_COLUMNS = ("date", "post", "shift", "slot", "worker")
WORKER_COLUMNS = (
    "id", "name", "work_percentage", "target_shifts", "max_shifts", "incompatible_with",
    "days_off", "work_periods", "mandatory_days", "color", "max_per_shift", "min_minutes",
    "max_minutes", "min_consecutive", "max_consecutive", "min_consecutive_off", "max_weekends",
)  # fmt: skip
_OPTIONAL_INTS = (*WORKER_COLUMNS[11:], "target_shifts", "max_shifts")
_SUFFIX: dict[str, TableFormat] = {
    ".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel",
}  # fmt: skip


def _format(path: Path, format: str | None) -> TableFormat:
    fmt = format or _SUFFIX.get(path.suffix.lower())
    if fmt not in ("csv", "parquet", "excel"):
        raise ProblemError(
            "format",
            f"cannot tell the table format of {path.name!r} ({format!r})",
            fix="use a .csv, .parquet or .xlsx file or pass format='csv'|'parquet'|'excel'",
        )
    return fmt  # type: ignore[return-value]


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, format: TableFormat | None = None
) -> Path:
    """Write ``frame`` (without its index) as CSV, Parquet or Excel; returns the path.

    CSV and Excel text cells are neutralised (module docstring); a path that cannot be written
    (missing folder, no permission) is a ProblemError naming it."""
    p = Path(path)
    fmt = _format(p, format)
    try:
        if fmt == "csv":
            write_csv(frame, p)
        elif fmt == "parquet":
            require("pyarrow", "io")
            frame.to_parquet(p, index=False)
        else:
            require("openpyxl", "io")
            write_excel(frame, p)
    except OSError as exc:
        raise ProblemError(
            "path",
            f"cannot write {str(p)!r}: {exc.strerror or exc}",
            fix="write into an existing folder you may write to",
        ) from exc
    return p


def read_table(path: str | os.PathLike[str], *, format: TableFormat | None = None) -> pd.DataFrame:
    """Read a table written by :func:`write_table`; CSV cells are read as text ("" = empty),
    Excel cells as their values ("" = empty), and the neutralising of CSV and Excel text is
    undone. A file that is missing, unreadable or not of its format (binary garbage, a
    truncated Parquet file, a workbook that is a zip of something else) is a ProblemError
    naming the file and the fix, never the parsing library's own error."""
    p = Path(path)
    fmt = _format(p, format)
    if not p.exists():
        raise ProblemError("path", f"{str(p)!r} does not exist", fix="give an existing file")
    if fmt == "parquet":
        require("pyarrow", "io")
    elif fmt == "excel":
        require("openpyxl", "io")
    label = {"csv": "CSV", "parquet": "Parquet", "excel": "Excel (.xlsx)"}[fmt]
    try:
        if fmt == "csv":
            return read_csv_text(p)
        if fmt == "parquet":
            return pd.read_parquet(p)
        return read_excel_text(p)
    except ProblemError as err:
        raise err.in_source(p) from None
    except UnicodeDecodeError as exc:
        raise ProblemError(
            "path",
            f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start})",
            fix=f"save it as UTF-8 {label}",
            source=p,
        ) from None
    except pd.errors.EmptyDataError:
        raise ProblemError(
            "path", f"{p.name} is empty", fix=f"give a {label} file with a header row", source=p
        ) from None
    except OSError as exc:
        raise ProblemError(
            "path",
            f"cannot read {str(p)!r}: {exc.strerror or exc}",
            fix="give a file you may read",
        ) from exc
    except MemoryError:
        raise
    except Exception as exc:  # the parser's own error: bad quoting, a damaged file, ...
        raise ProblemError(
            "path",
            f"{p.name} is not a readable {label} file ({type(exc).__name__}: "
            f"{abbreviate(str(exc))})",
            fix=f"give a {label} file written by write_table or a spreadsheet",
            source=p,
        ) from None


def _empty(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _opt_int(value: Any, field: str, row: int, maximum: int = numbers.MAX_COUNT) -> int | None:
    """A whole number 0 … ``maximum`` or None for an empty cell."""
    if _empty(value):
        return None
    return numbers.integer(
        value,
        field,
        row=row,
        maximum=maximum,
        fix=f"give a whole number from 0 to {maximum:,} or leave the cell empty",
    )


def _text(value: Any) -> str:
    return "" if _empty(value) else str(value).strip()


# -- assignments ------------------------------------------------------------------------------
def assignments_frame(roster: Roster) -> pd.DataFrame:
    """``roster.to_frame()`` (date, post, shift, slot, worker)."""
    return roster.to_frame()


def write_assignments(
    roster: Roster, path: str | os.PathLike[str], *, format: TableFormat | None = None
) -> Path:
    """Write the roster's assignments table; dates are ISO text in CSV; worker and shift ids
    are neutralised in CSV and Excel (module docstring)."""
    frame = roster.to_frame()
    if _format(Path(path), format) == "csv":
        frame["date"] = [str(d)[:10] for d in frame["date"].to_numpy()]
    return write_table(frame, path, format=format)


def roster_from_frame(problem: Problem, frame: pd.DataFrame) -> Roster:
    """A roster from an assignments table: columns ``date``, ``worker`` and ``post`` (index)
    or ``shift`` (id), optionally ``slot`` (an empty slot takes the first free one). Every bad
    row raises ProblemError naming ``assignments`` and the row; nothing is half-built."""
    missing = [c for c in ("date", "worker") if c not in frame.columns]
    if missing or ("post" not in frame.columns and "shift" not in frame.columns):
        raise ProblemError(
            "assignments",
            f"missing columns {missing or ['post or shift']}",
            fix="give columns date, post (or shift), worker and optionally slot",
        )
    roster = Roster(problem)
    has_post, has_slot = "post" in frame.columns, "slot" in frame.columns
    for row, rec in enumerate(frame.to_dict("records")):
        field = f"assignments (row {row})"
        d = problem.day(parse_day(rec["date"], "assignments.date", row), field)
        if has_post and not _empty(rec["post"]):
            post = _opt_int(rec["post"], "assignments.post", row, numbers.MAX_PER_CELL)
            s = problem.shift(post, field)
        else:
            s = problem.shift(_text(rec.get("shift")), field)
        w = problem.worker(_text(rec["worker"]), field)
        k = _opt_int(rec["slot"], "assignments.slot", row, numbers.MAX_PER_CELL) if has_slot \
            else None  # fmt: skip
        k = roster.free_slot(d, s) if k is None else k
        try:
            if k < 0:
                raise ValueError(f"cell ({problem.calendar.iso(d)}, {s}) is full")
            roster.place(w, d, s, k)
        except ValueError as exc:
            raise ProblemError(
                "assignments",
                str(exc),
                row=row,
                fix="give each worker one shift per date and each slot one worker",
            ) from None
    return roster


def read_assignments(
    problem: Problem, path: str | os.PathLike[str], *, format: TableFormat | None = None
) -> Roster:
    """Read an assignments table file into a roster of ``problem`` (errors name the file)."""
    frame = read_table(path, format=format)
    try:
        return roster_from_frame(problem, frame)
    except ProblemError as err:
        raise err.in_source(path) from None


# -- workers ----------------------------------------------------------------------------------
def _ranges_text(ranges: Iterable[tuple[Any, Any]]) -> str:
    return ";".join(f"{a.isoformat()} - {b.isoformat()}" for a, b in ranges)


def workers_frame(problem_or_workers: Problem | Sequence[Worker]) -> pd.DataFrame:
    """One row per worker (columns :data:`WORKER_COLUMNS`; module docstring for the cells)."""
    workers = (
        problem_or_workers.workers
        if isinstance(problem_or_workers, Problem)
        else problem_or_workers
    )
    rows = []
    for w in workers:
        rows.append({
            "id": w.id, "name": w.name, "work_percentage": float(w.work_percentage),
            "target_shifts": w.target_shifts, "max_shifts": w.max_shifts,
            "incompatible_with": ";".join(w.incompatible_with),
            "days_off": _ranges_text(w.days_off), "work_periods": _ranges_text(w.work_periods),
            "mandatory_days": ";".join(d.isoformat() for d in w.mandatory_days),
            "color": w.color or "",
            "max_per_shift": "|".join(f"{k}={v}" for k, v in w.max_per_shift.items()),
            **{name: getattr(w, name) for name in WORKER_COLUMNS[11:]},
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(WORKER_COLUMNS))
    for name in _OPTIONAL_INTS:
        frame[name] = frame[name].astype("Int64")
    return frame


def workers_from_frame(frame: pd.DataFrame) -> list[Worker]:
    """Workers from a workers table (only ``id`` is required; missing columns keep the
    defaults). Bad cells raise ProblemError naming ``workers.<column>`` and the row."""
    if "id" not in frame.columns:
        raise ProblemError("workers", "has no id column", fix="add an id column")
    unknown = sorted(set(frame.columns) - set(WORKER_COLUMNS))
    if unknown:
        raise ProblemError(
            "workers", f"unknown columns {unknown}", fix=f"use only {list(WORKER_COLUMNS)}"
        )
    out = []
    for row, rec in enumerate(frame.to_dict("records")):
        wid = _text(rec["id"])
        limits: dict[str, int] = {}
        for pair in filter(None, _text(rec.get("max_per_shift")).split("|")):
            sid, eq, value = pair.partition("=")
            limit = _opt_int(value, "workers.max_per_shift", row) if eq else None
            if limit is None:
                raise ProblemError(
                    "workers.max_per_shift",
                    f"{pair!r} is not id=limit",
                    row=row,
                    fix="write e.g. D=14|L=0",
                )
            limits[sid.strip()] = limit
        pct = rec.get("work_percentage")
        percentage = 100.0 if _empty(pct) else numbers.number(
            pct, "workers.work_percentage", row=row, maximum=100.0, above_minimum=True,
            fix="give a percentage above 0 and at most 100",
        )  # fmt: skip
        ints = {name: _opt_int(rec.get(name), f"workers.{name}", row) for name in _OPTIONAL_INTS}
        out.append(Worker(
            id=wid, name=_text(rec.get("name")), work_percentage=percentage,
            incompatible_with=tuple(x.strip() for x in _text(rec.get("incompatible_with"))
                                    .split(";") if x.strip()),
            days_off=parse_ranges(_text(rec.get("days_off")), "workers.days_off", row, who=wid),
            work_periods=parse_ranges(_text(rec.get("work_periods")), "workers.work_periods",
                                      row, who=wid),
            mandatory_days=parse_days(_text(rec.get("mandatory_days")),
                                      "workers.mandatory_days", row, who=wid),
            color=_text(rec.get("color")) or None, max_per_shift=limits, **ints,
        ))  # fmt: skip
    return out


def write_workers(
    problem: Problem, path: str | os.PathLike[str], *, format: TableFormat | None = None
) -> Path:
    """Write the workers table of ``problem`` (ids and names neutralised in CSV and Excel)."""
    return write_table(workers_frame(problem), path, format=format)


def read_workers(
    path: str | os.PathLike[str], *, format: TableFormat | None = None
) -> list[Worker]:
    """Read a workers table file (errors name the file)."""
    frame = read_table(path, format=format)
    try:
        return workers_from_frame(frame)
    except ProblemError as err:
        raise err.in_source(path) from None


# -- demand and whole problems ----------------------------------------------------------------
def demand_frame(problem: Problem) -> pd.DataFrame:
    """One row per (date, shift type): date, post, shift, required, maximum, weights."""
    n_d, n_s = problem.n_days, problem.n_shifts
    d = np.repeat(np.arange(n_d), n_s)
    s = np.tile(np.arange(n_s), n_d)
    return pd.DataFrame({
        "date": problem.calendar.dates[d], "post": s.astype(np.int64),
        "shift": [problem.shift_types[i].id for i in s],
        "required": problem.required.ravel().astype(np.int64),
        "maximum": problem.maximum.ravel().astype(np.int64),
        "under_weight": problem.under_weight.ravel(), "over_weight": problem.over_weight.ravel(),
    })  # fmt: skip


def problem_from_frames(
    workers: pd.DataFrame | Sequence[Worker],
    demand: pd.DataFrame,
    *,
    shift_types: Sequence[ShiftType] | None = None,
    start: object = None,
    end: object = None,
    holidays: Iterable[object] = (),
    weekend_days: tuple[int, ...] = FRI_SAT_SUN,
    settings: RuleSettings | None = None,
    profile: Profile = "saldo",
    name: str = "",
) -> Problem:
    """A Problem from a workers table (or Worker list) and a demand table with columns
    ``date``, ``shift`` (id), ``required`` and optionally ``maximum`` (default: required),
    ``under_weight``, ``over_weight``. Shift types default to the demand's shift ids in order of
    first appearance. The horizon is ``start … end`` (default: the demand's first and last
    date); (date, shift) pairs without a row have demand 0.

    ``required`` and ``maximum`` are whole numbers 0 … ``MAX_PER_CELL`` (a fraction is refused,
    never truncated), the weights finite numbers 0 … ``MAX_WEIGHT``
    (:mod:`rtsched_widgets.model.numbers`); an empty cell takes the default. Two rows for the
    same date and shift are refused (naming both) rather than one silently winning."""
    for column in ("date", "shift", "required"):
        if column not in demand.columns:
            raise ProblemError(
                "demand",
                f"has no {column} column",
                fix="give columns date, shift, required (and maximum, weights)",
            )
    days = [parse_day(v, "demand.date", row) for row, v in enumerate(demand["date"])]
    if not days and (start is None or end is None):
        raise ProblemError(
            "demand", "has no rows", fix="give at least one demand row, or start and end"
        )
    if shift_types is None:
        ids = list(dict.fromkeys(_text(v) for v in demand["shift"]))
        shift_types = [ShiftType(id=i, label=i) for i in ids]
    first = parse_day(start, "start") if start is not None else min(days)
    last = parse_day(end, "end") if end is not None else max(days)
    calendar = Calendar(
        first,
        last,
        holidays=frozenset(parse_day(h, "holidays") for h in holidays),
        weekend_days=weekend_days,
    )
    index = {st.id: s for s, st in enumerate(shift_types)}
    shape = (calendar.n_days, len(shift_types))
    tables = {c: np.zeros(shape) for c in ("required", "maximum")}
    tables["under_weight"] = np.full(shape, np.nan)
    tables["over_weight"] = np.full(shape, np.nan)
    present = [c for c in tables if c in demand.columns]
    first_row: dict[tuple[int, int], int] = {}
    for row, (day, rec) in enumerate(zip(days, demand.to_dict("records"), strict=True)):
        d = calendar.index(day, f"demand.date (row {row})")
        sid = _text(rec["shift"])
        if sid not in index:
            raise ProblemError(
                "demand.shift",
                f"unknown shift type {sid!r}",
                row=row,
                fix=f"use one of {sorted(index)}",
            )
        cell = (d, index[sid])
        if cell in first_row:
            raise ProblemError(
                "demand",
                f"a second row for {calendar.iso(d)}, shift {sid!r} (the first is row "
                f"{first_row[cell]})",
                row=row,
                fix="give one demand row per date and shift",
            )
        first_row[cell] = row
        for column in present:
            value = rec[column]
            if _empty(value):
                continue
            if column in ("required", "maximum"):
                tables[column][cell] = numbers.integer(
                    value, f"demand.{column}", row=row, maximum=numbers.MAX_PER_CELL
                )
            else:
                tables[column][cell] = numbers.number(value, f"demand.{column}", row=row)
    if "maximum" not in present:
        tables["maximum"] = tables["required"]
    weights: dict[str, np.ndarray | None] = {}
    for column, default in (("under_weight", None), ("over_weight", 1.0)):
        arr = tables[column]
        if np.isnan(arr).all():
            weights[column] = None
        else:
            fill = (
                default
                if default is not None
                else (100.0 if profile == "nrp" else (settings or RuleSettings()).weight_coverage)
            )
            weights[column] = np.where(np.isnan(arr), fill, arr)
    worker_list = workers_from_frame(workers) if isinstance(workers, pd.DataFrame) else workers
    return Problem(
        workers=worker_list, calendar=calendar, shift_types=shift_types,
        required=tables["required"], maximum=tables["maximum"],
        under_weight=weights["under_weight"], over_weight=weights["over_weight"],
        settings=settings, profile=profile, name=name,
    )  # fmt: skip
