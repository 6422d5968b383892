"""The package's own JSON format: a lossless copy of a Problem, a Roster and pinned cells.

Document layout (``version`` 1)::

    {"format": "rtsched_widgets", "version": 1,
     "problem": {"profile", "name", "metadata",
                 "calendar": {"start", "end", "holidays", "weekend_days"},
                 "settings": {<every RuleSettings field>},
                 "shift_types": [{"id", "label", "start", "minutes", "forbidden_next"}],
                 "workers": [{<every Worker field; dates ISO, ranges [start, end]>}],
                 "required", "maximum", "under_weight", "over_weight": [[per post] per date],
                 "shift_on_requests", "shift_off_requests": [[worker, day, shift, weight]]},
     "assignments": [[date, post, slot, worker], ...],     # only with a roster
     "pinned": [[date, post, slot], ...]}                  # only with pinned cells

``problem_from_dict(problem_to_dict(p))`` describes the same problem as ``p`` (metadata values
come back as their JSON forms: tuples as lists, dates as ISO strings).

Reading checks every value's JSON type (a list where a list belongs, a string id, …) and every
number (:mod:`rtsched_widgets.model.numbers`: whole demand, finite weights, settings in range),
so a hand-edited or hostile document fails with a ProblemError naming the field (and the file)
rather than a TypeError from inside the model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from dataclasses import fields as dc_fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.problem import (
    Problem,
    Request,
    RuleSettings,
    ShiftType,
    Worker,
    check_setting,
)
from rtsched_widgets.model.roster import Roster

FORMAT = "rtsched_widgets"
VERSION = 1

Cell = tuple[int, int, int]


class NativeDocument(NamedTuple):
    """What :func:`from_json` reads: the problem, its roster (or None) and the pinned cells
    as ``(day, post, slot)`` index triples."""

    problem: Problem
    roster: Roster | None
    pinned: frozenset[Cell]


def json_value(value: Any) -> Any:
    """``value`` with dates as ISO strings, numpy scalars as Python numbers and tuples as
    lists, so ``json.dumps`` accepts it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return value


def _worker_dict(w: Worker) -> dict[str, Any]:
    out = asdict(w)
    out["incompatible_with"] = list(w.incompatible_with)
    out["days_off"] = [[a.isoformat(), b.isoformat()] for a, b in w.days_off]
    out["work_periods"] = [[a.isoformat(), b.isoformat()] for a, b in w.work_periods]
    out["mandatory_days"] = [d.isoformat() for d in w.mandatory_days]
    out["max_per_shift"] = dict(w.max_per_shift)
    return out


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The ``problem`` part of a native document (JSON-ready)."""
    cal = problem.calendar
    return {
        "profile": problem.profile,
        "name": problem.name,
        "metadata": json_value(problem.metadata),
        "calendar": {
            "start": cal.start.isoformat(),
            "end": cal.end.isoformat(),
            "holidays": sorted(h.isoformat() for h in cal.holidays),
            "weekend_days": list(cal.weekend_days),
        },
        "settings": json_value(asdict(problem.settings)),
        "shift_types": [
            {**asdict(st), "forbidden_next": list(st.forbidden_next)} for st in problem.shift_types
        ],
        "workers": [_worker_dict(w) for w in problem.workers],
        "required": problem.required.tolist(),
        "maximum": problem.maximum.tolist(),
        "under_weight": problem.under_weight.tolist(),
        "over_weight": problem.over_weight.tolist(),
        "shift_on_requests": [
            [r.worker, r.day, r.shift, r.weight] for r in problem.shift_on_requests
        ],
        "shift_off_requests": [
            [r.worker, r.day, r.shift, r.weight] for r in problem.shift_off_requests
        ],
    }


def _known(
    data: Mapping[str, Any], allowed: Iterable[str], field: str, row: int | None = None
) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ProblemError(
            field, f"unknown keys {unknown}", row=row, fix=f"use only {sorted(allowed)}"
        )


def _need(data: Any, kind: type, field: str, row: int | None = None) -> Any:
    if not isinstance(data, kind):
        raise ProblemError(
            field,
            f"expected {kind.__name__}, got {type(data).__name__}",
            row=row,
            fix="write the document with to_json",
        )
    return data


def _worker(row: int, data: Any) -> Worker:
    data = _need(data, dict, "workers", row)
    names = [f.name for f in dc_fields(Worker)]
    _known(data, names, "workers", row)
    if "id" not in data:
        raise ProblemError("workers.id", "is missing", row=row, fix="give every worker an id")
    kwargs = dict(data)

    def day(value: Any, field: str) -> date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ProblemError(
                field, f"{value!r} is not an ISO date", row=row, fix="write dates as YYYY-MM-DD"
            ) from None

    for key in ("days_off", "work_periods"):
        ranges = []
        for pair in _need(data.get(key, []), list, f"workers.{key}", row):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ProblemError(
                    f"workers.{key}",
                    f"{pair!r} is not [start, end]",
                    row=row,
                    fix="write each range as [start, end]",
                )
            ranges.append((day(pair[0], f"workers.{key}"), day(pair[1], f"workers.{key}")))
        kwargs[key] = tuple(ranges)
    kwargs["mandatory_days"] = tuple(
        day(d, "workers.mandatory_days")
        for d in _need(data.get("mandatory_days", []), list, "workers.mandatory_days", row)
    )
    kwargs["incompatible_with"] = tuple(
        _need(data.get("incompatible_with", []), list, "workers.incompatible_with", row)
    )
    kwargs["max_per_shift"] = dict(
        _need(data.get("max_per_shift", {}), dict, "workers.max_per_shift", row)
    )
    for key in ("id", "name"):
        _need(data.get(key, ""), str, f"workers.{key}", row)
    if data.get("color") is not None:
        _need(data["color"], str, "workers.color", row)
    return Worker(**kwargs)


def problem_from_dict(data: Mapping[str, Any]) -> Problem:
    """Inverse of :func:`problem_to_dict`; unknown keys and wrong types raise ProblemError."""
    data = _need(data, dict, "problem")
    allowed = (
        "profile",
        "name",
        "metadata",
        "calendar",
        "settings",
        "shift_types",
        "workers",
        "required",
        "maximum",
        "under_weight",
        "over_weight",
        "shift_on_requests",
        "shift_off_requests",
    )
    _known(data, allowed, "problem")
    for key in ("calendar", "shift_types", "workers", "required"):
        if key not in data:
            raise ProblemError(
                f"problem.{key}", "is missing", fix="write the document with to_json"
            )
    cal = _need(data["calendar"], dict, "calendar")
    _known(cal, ("start", "end", "holidays", "weekend_days"), "calendar")
    calendar = Calendar(
        cal.get("start"),
        cal.get("end"),
        holidays=frozenset(_need(cal.get("holidays", []), list, "calendar.holidays")),
        weekend_days=numbers.integers(
            cal.get("weekend_days", [4, 5, 6]), "calendar.weekend_days", minimum=0, maximum=6
        ),
    )
    settings_data = _need(data.get("settings", {}), dict, "settings")
    _known(settings_data, [f.name for f in dc_fields(RuleSettings)], "settings")
    setting_values: dict[str, Any] = {
        k: check_setting(k, v, f"settings.{k}") for k, v in settings_data.items()
    }
    settings = RuleSettings(**setting_values)
    shift_types = []
    for row, st in enumerate(_need(data["shift_types"], list, "shift_types")):
        st = _need(st, dict, "shift_types", row)
        _known(st, [f.name for f in dc_fields(ShiftType)], "shift_types", row)
        for key in ("id", "label", "start"):
            _need(st.get(key, ""), str, f"shift_types.{key}", row)
        nxt = _need(st.get("forbidden_next", []), list, "shift_types.forbidden_next", row)
        shift_types.append(ShiftType(**{**st, "forbidden_next": tuple(nxt)}))
    workers = [_worker(row, w) for row, w in enumerate(_need(data["workers"], list, "workers"))]

    def requests(key: str) -> list[Request]:
        out = []
        for row, item in enumerate(_need(data.get(key, []), list, key)):
            if not isinstance(item, list) or len(item) != 4:
                raise ProblemError(
                    key,
                    f"{item!r} is not [worker, day, shift, weight]",
                    row=row,
                    fix="write each request as [worker, day, shift, weight]",
                )
            day = numbers.integer(item[1], f"{key}.day", row=row, minimum=None, maximum=None)
            weight = numbers.number(item[3], f"{key}.weight", row=row)
            out.append(Request(str(item[0]), day, str(item[2]), weight))
        return out

    def table(key: str) -> Any:
        # checked cell by cell (whole numbers, finite weights) by the Problem constructor
        return data.get(key)

    return Problem(
        workers=workers,
        calendar=calendar,
        shift_types=shift_types,
        required=table("required"),
        maximum=table("maximum"),
        under_weight=table("under_weight"),
        over_weight=table("over_weight"),
        shift_on_requests=requests("shift_on_requests"),
        shift_off_requests=requests("shift_off_requests"),
        settings=settings,
        profile=data.get("profile", "saldo"),
        name=_need(data.get("name", ""), str, "name"),
        metadata=_need(data.get("metadata", {}), dict, "metadata"),
    )


def _cells(problem: Problem, pinned: Iterable[Any]) -> list[Cell]:
    out = []
    for row, cell in enumerate(pinned):
        if not isinstance(cell, (list, tuple)) or len(cell) not in (2, 3):
            raise ProblemError(
                "pinned",
                f"{cell!r} is not (date, post[, slot])",
                row=row,
                fix="give each pinned cell as (date, post) or (date, post, slot)",
            )
        d = cell[0] if isinstance(cell[0], (int, np.integer)) else problem.day(cell[0], "pinned")
        s = problem.shift(cell[1], "pinned")
        k = numbers.integer(cell[2], "pinned", row=row, minimum=None, maximum=None) \
            if len(cell) == 3 else 0  # fmt: skip
        if not (0 <= int(d) < problem.n_days and 0 <= k < max(problem.max_slots, 1)):
            raise ProblemError(
                "pinned",
                f"{cell!r} is not a cell of this problem",
                row=row,
                fix="use a date inside the horizon and an existing slot",
            )
        out.append((int(d), s, k))
    return sorted(set(out))


def to_document(
    problem: Problem, roster: Roster | None = None, *, pinned: Iterable[Any] = ()
) -> dict[str, Any]:
    """The native document as a dict (see the module docstring).

    ``pinned`` cells are ``(date or day index, post index or id[, slot])``.
    """
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "problem": problem_to_dict(problem),
    }
    if roster is not None:
        if roster.slots.shape[:2] != (problem.n_days, problem.n_shifts):
            raise ProblemError(
                "roster", "belongs to another problem", fix="pass the roster built for this problem"
            )
        d, s, k = np.nonzero(roster.slots >= 0)
        doc["assignments"] = [
            [
                problem.calendar.iso(int(a)),
                int(b),
                int(c),
                problem.workers[roster.slots[a, b, c]].id,
            ]
            for a, b, c in zip(d, s, k, strict=True)
        ]
    cells = _cells(problem, pinned)
    if cells:
        doc["pinned"] = [[problem.calendar.iso(d), s, k] for d, s, k in cells]
    return doc


def from_document(doc: Mapping[str, Any]) -> NativeDocument:
    """Inverse of :func:`to_document`."""
    doc = _need(doc, dict, "document")
    if doc.get("format") != FORMAT:
        raise ProblemError(
            "format",
            f"{doc.get('format')!r} is not {FORMAT!r}",
            fix="read saldo files with load_saldo and NRP files with load_nrp",
        )
    if doc.get("version") != VERSION:
        raise ProblemError(
            "version",
            f"unsupported version {doc.get('version')!r}",
            fix=f"write the file with version {VERSION}",
        )
    _known(doc, ("format", "version", "problem", "assignments", "pinned"), "document")
    problem = problem_from_dict(doc.get("problem"))  # type: ignore[arg-type]
    roster = None
    if doc.get("assignments") is not None:
        _need(doc["assignments"], list, "assignments")
        roster = Roster(problem)
        for row, item in enumerate(_need(doc["assignments"], list, "assignments")):
            if not isinstance(item, list) or len(item) != 4:
                raise ProblemError(
                    "assignments",
                    f"{item!r} is not [date, post, slot, worker]",
                    row=row,
                    fix="write the document with to_json",
                )
            d = problem.day(item[0], f"assignments (row {row})")
            s = problem.shift(item[1], f"assignments (row {row})")
            w = problem.worker(item[3], f"assignments (row {row})")
            k = numbers.integer(item[2], "assignments.slot", row=row, maximum=numbers.MAX_PER_CELL)
            try:
                roster.place(w, d, s, k)
            except ValueError as exc:
                raise ProblemError(
                    "assignments",
                    str(exc),
                    row=row,
                    fix="give each worker one shift per date and each slot one worker",
                ) from None
    pinned = frozenset(_cells(problem, _need(doc.get("pinned", []), list, "pinned")))
    return NativeDocument(problem, roster, pinned)


def to_json(
    problem: Problem,
    roster: Roster | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    pinned: Iterable[Any] = (),
    indent: int | None = None,
) -> str:
    """The native JSON text; also written to ``path`` (UTF-8) when given."""
    text = json.dumps(
        to_document(problem, roster, pinned=pinned), indent=indent, ensure_ascii=False
    )
    if path is not None:
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text


def from_json(source: str | os.PathLike[str]) -> NativeDocument:
    """Read a native document from JSON text or from a path to a file holding it."""
    where: Path | None = None
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not source.lstrip().startswith("{")
    ):
        p = where = Path(source)
        try:
            source = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProblemError(
                "path",
                f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start})",
                fix="give a file written by to_json",
                source=p,
            ) from None
        except OSError as exc:
            raise ProblemError(
                "path",
                f"cannot read {str(p)!r}: {exc.strerror or exc}",
                fix="give an existing file or the JSON text",
            ) from exc
    try:
        doc = json.loads(source)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            "json",
            f"not JSON (line {exc.lineno}: {exc.msg})",
            fix="give a file written by to_json",
            source=where,
        ) from None
    except RecursionError:
        raise ProblemError(
            "json", "nested too deeply", fix="give a file written by to_json", source=where
        ) from None
    try:
        return from_document(doc)
    except ProblemError as err:
        raise (err if where is None else err.in_source(where)) from None
