"""The Curtois & Qu shift scheduling benchmark text format (NRP profile).

The format is a sequence of sections, each opened by a ``SECTION_<NAME>`` line; lines starting
with ``#`` are comments, blank lines are ignored, fields are comma separated:

``SECTION_HORIZON``
    one integer: the number of days (day indices start at 0; every instance starts on a Monday).
``SECTION_SHIFTS``
    ``ShiftID, minutes, forbidden successors`` where the successors are shift ids joined by
    ``|`` (possibly empty): those shifts may not be worked the day after this one.
``SECTION_STAFF``
    ``ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts,
    MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends``; MaxShifts is ``type=limit``
    pairs joined by ``|`` (e.g. ``D=14|L=0``).
``SECTION_DAYS_OFF``
    ``EmployeeID, day, day, …``: days the employee must not work.
``SECTION_SHIFT_ON_REQUESTS`` / ``SECTION_SHIFT_OFF_REQUESTS``
    ``EmployeeID, day, ShiftID, weight``: soft wishes to work / not to work that shift.
``SECTION_COVER``
    ``day, ShiftID, requirement, weight for under, weight for over``.

Mapping onto :class:`~rtsched_widgets.model.problem.Problem` (profile ``"nrp"``):

- the calendar starts on :data:`NRP_START` (a Monday, 2024-01-01) unless ``start`` is given,
  with Saturday and Sunday as the weekend and no holidays; ``metadata["horizon_start"]`` holds
  the ISO start date, ``metadata["format"]`` is ``"nrp"``;
- ``required[d, s]`` is the cover requirement (0 for cells the cover section leaves out);
  ``under_weight``/``over_weight`` are the cover weights (100 and 1 for cells left out);
- ``maximum[d, s]`` is the number of workers who may work shift ``s`` on day ``d`` at all
  (their MaxShifts for ``s`` is above 0 and ``d`` is not one of their days off), and never
  less than the requirement. Every worker works at most one shift per day, so every roster that
  meets the hard rules fits inside this cap; over-cover below it is priced by ``over_weight``;
- days off become single-day ``days_off`` ranges; requests become ``Request`` objects; staff
  limits go onto the ``Worker`` fields of the same meaning (``max_per_shift``,
  ``max_minutes``, ``min_minutes``, ``max_consecutive``, ``min_consecutive``,
  ``min_consecutive_off``, ``max_weekends``).

The shift types carry no start time in this format: they start at ``"00:00"``.
Every parse error is a :class:`ProblemError` whose field is ``<SECTION>.<column>`` and whose
message gives the line number and the fix; nothing half-built is returned. Numbers are checked
by :mod:`rtsched_widgets.model.numbers`: whole numbers where the format has them (no
fractions), finite weights, a horizon of at most ``MAX_DAYS`` days, a requirement of at most
``MAX_PER_CELL``, shifts of at most ``MAX_MINUTES``. A file that is not UTF-8 text is refused
naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from rtsched_widgets.limits import MAX_DAYS
from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import Calendar, as_date
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.problem import Problem, Request, ShiftType, Worker

NRP_START = date(2024, 1, 1)
"""The Monday every NRP instance is placed on when no start date is given."""

NRP_WEEKEND = (5, 6)
"""Saturday and Sunday: a weekend is worked when either day is worked."""

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
STAFF_COLUMNS = (
    "ID",
    "MaxShifts",
    "MaxTotalMinutes",
    "MinTotalMinutes",
    "MaxConsecutiveShifts",
    "MinConsecutiveShifts",
    "MinConsecutiveDaysOff",
    "MaxWeekends",
)


@dataclass
class _Line:
    section: str
    number: int
    fields: list[str]
    source: str

    def error(self, column: str, problem: str, fix: str) -> ProblemError:
        err = ProblemError(
            f"{self.section}.{column}",
            f"line {self.number} of {self.source}: {problem}",
            fix=fix,
        )
        err.line = self.number  # type: ignore[attr-defined]
        return err

    def integer(
        self, index: int, column: str, *, minimum: int = 0, maximum: int = numbers.MAX_COUNT
    ) -> int:
        """Field ``index`` as a whole number ``minimum … maximum`` (no fractions)."""
        try:
            return numbers.integer(self.fields[index], column, minimum=minimum, maximum=maximum)
        except ProblemError as err:
            raise self.error(column, err.problem, err.fix) from None

    def number_(self, index: int, column: str) -> float:
        """Field ``index`` as a finite number ``0 … MAX_WEIGHT``."""
        try:
            return numbers.number(self.fields[index], column)
        except ProblemError as err:
            raise self.error(column, err.problem, err.fix) from None


@dataclass
class _Parsed:
    horizon: int | None = None
    shifts: list[tuple[str, int, list[str], _Line]] = field(default_factory=list)
    staff: list[_Line] = field(default_factory=list)
    days_off: list[_Line] = field(default_factory=list)
    on: list[_Line] = field(default_factory=list)
    off: list[_Line] = field(default_factory=list)
    cover: list[_Line] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _lines(text: str, source: str) -> Iterator[_Line]:
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise ProblemError(
                    "nrp.section",
                    f"line {number} of {source}: unknown section {line!r}",
                    fix=f"use one of {', '.join(SECTIONS)}",
                )
            section = line
            yield _Line(section, number, [], source)
            continue
        if not section:
            raise ProblemError(
                "nrp.section",
                f"line {number} of {source}: data {line!r} before any SECTION_ line",
                fix="start the file with SECTION_HORIZON",
            )
        yield _Line(section, number, [f.strip() for f in line.split(",")], source)


def _need(line: _Line, count: int, columns: str) -> None:
    if len(line.fields) < count:
        raise line.error(
            "fields",
            f"{len(line.fields)} comma-separated fields, expected {count}",
            f"write: {columns}",
        )


def parse_nrp(
    text: str, *, name: str = "nrp", start: date | str | None = None, source: str | None = None
) -> Problem:
    """Parse the text of a Curtois & Qu instance into a ``Problem`` (see the module docstring).

    ``name`` names the problem; ``start`` overrides the calendar start (default
    :data:`NRP_START`); ``source`` is the file name used in error messages.
    """
    source = source or name
    p = _Parsed()
    for line in _lines(text, source):
        if not line.fields:
            if line.section in p.seen:
                raise line.error(
                    "section", f"{line.section} appears twice", "merge the two sections"
                )
            p.seen.add(line.section)
            continue
        if line.section == "SECTION_HORIZON":
            if p.horizon is not None:
                raise line.error(
                    "days", "a second horizon length", "give exactly one number of days"
                )
            p.horizon = line.integer(0, "days", minimum=1, maximum=MAX_DAYS)
        elif line.section == "SECTION_SHIFTS":
            _need(line, 2, "ShiftID, minutes, forbidden successors joined by |")
            sid = line.fields[0]
            if not sid:
                raise line.error("ShiftID", "empty shift id", "give every shift type an id")
            minutes = line.integer(1, "Length", maximum=numbers.MAX_MINUTES)
            nxt = [x.strip() for x in (line.fields[2] if len(line.fields) > 2 else "").split("|")]
            p.shifts.append((sid, minutes, [x for x in nxt if x], line))
        elif line.section == "SECTION_STAFF":
            _need(line, len(STAFF_COLUMNS), ", ".join(STAFF_COLUMNS))
            p.staff.append(line)
        elif line.section == "SECTION_DAYS_OFF":
            _need(line, 1, "EmployeeID, day, day, …")
            p.days_off.append(line)
        elif line.section == "SECTION_SHIFT_ON_REQUESTS":
            _need(line, 4, "EmployeeID, Day, ShiftID, Weight")
            p.on.append(line)
        elif line.section == "SECTION_SHIFT_OFF_REQUESTS":
            _need(line, 4, "EmployeeID, Day, ShiftID, Weight")
            p.off.append(line)
        else:
            _need(line, 5, "Day, ShiftID, Requirement, Weight for under, Weight for over")
            p.cover.append(line)
    return _build(p, name=name, start=start, source=source)


def _build(p: _Parsed, *, name: str, start: date | str | None, source: str) -> Problem:
    if p.horizon is None:
        raise ProblemError(
            "SECTION_HORIZON.days",
            f"{source} gives no horizon length",
            fix="add SECTION_HORIZON followed by the number of days",
        )
    n_days = p.horizon
    if not p.shifts:
        raise ProblemError(
            "SECTION_SHIFTS", f"{source} defines no shift types", fix="add SECTION_SHIFTS lines"
        )
    shift_ids: dict[str, int] = {}
    for sid, _, _, line in p.shifts:
        if sid in shift_ids:
            raise line.error("ShiftID", f"duplicate shift id {sid!r}", "give each shift one line")
        shift_ids[sid] = len(shift_ids)

    def known_shift(line: _Line, index: int, column: str, value: str | None = None) -> int:
        sid = line.fields[index] if value is None else value
        if sid not in shift_ids:
            raise line.error(
                column, f"unknown shift id {sid!r}", f"use one of {', '.join(shift_ids)}"
            )
        return shift_ids[sid]

    def day_of(line: _Line, index: int, column: str) -> int:
        d = line.integer(index, column)
        if d >= n_days:
            raise line.error(
                column,
                f"day {d} is outside the horizon 0 … {n_days - 1}",
                "use a day index inside the horizon",
            )
        return d

    for _, _, nxt, line in p.shifts:
        for x in nxt:
            known_shift(line, 2, "forbidden successors", x)
    shift_types = [
        ShiftType(id=sid, label=sid, start="00:00", minutes=minutes, forbidden_next=tuple(nxt))
        for sid, minutes, nxt, _ in p.shifts
    ]

    first = NRP_START if start is None else as_date(start, "start")
    staff_fields: dict[str, dict[str, object]] = {}
    staff_lines: dict[str, _Line] = {}
    for line in p.staff:
        wid = line.fields[0]
        if not wid:
            raise line.error("ID", "empty employee id", "give every employee an id")
        if wid in staff_fields:
            raise line.error("ID", f"duplicate employee id {wid!r}", "give each employee one line")
        limits: dict[str, int] = {}
        for pair in filter(None, (x.strip() for x in line.fields[1].split("|"))):
            sid, eq, value = pair.partition("=")
            if not eq:
                raise line.error("MaxShifts", f"{pair!r} is not type=limit", "write e.g. D=14|L=0")
            known_shift(line, 1, "MaxShifts", sid.strip())
            try:
                limit = numbers.integer(value, "MaxShifts")
            except ProblemError as err:
                raise line.error(
                    "MaxShifts",
                    f"limit of {sid.strip()!r}: {err.problem}",
                    f"write e.g. D=14|L=0 ({err.fix})",
                ) from None
            limits[sid.strip()] = limit
        staff_fields[wid] = {
            "max_per_shift": limits,
            "max_minutes": line.integer(2, "MaxTotalMinutes"),
            "min_minutes": line.integer(3, "MinTotalMinutes"),
            "max_consecutive": line.integer(4, "MaxConsecutiveShifts"),
            "min_consecutive": line.integer(5, "MinConsecutiveShifts"),
            "min_consecutive_off": line.integer(6, "MinConsecutiveDaysOff"),
            "max_weekends": line.integer(7, "MaxWeekends"),
        }
        staff_lines[wid] = line

    def known_worker(line: _Line, column: str = "EmployeeID") -> str:
        wid = line.fields[0]
        if wid not in staff_fields:
            raise line.error(column, f"unknown employee id {wid!r}", "define it in SECTION_STAFF")
        return wid

    off_days: dict[str, set[int]] = {wid: set() for wid in staff_fields}
    for line in p.days_off:
        wid = known_worker(line)
        for i in range(1, len(line.fields)):
            if line.fields[i]:
                off_days[wid].add(day_of(line, i, "DayIndexes"))

    def requests(lines: list[_Line]) -> list[Request]:
        out = []
        for line in lines:
            wid = known_worker(line)
            d = day_of(line, 1, "Day")
            known_shift(line, 2, "ShiftID")
            out.append(Request(wid, d, line.fields[2], line.number_(3, "Weight")))
        return out

    on, off = requests(p.on), requests(p.off)

    n_s = len(shift_types)
    required = np.zeros((n_days, n_s), dtype=np.int64)
    under = np.full((n_days, n_s), 100.0)
    over = np.full((n_days, n_s), 1.0)
    covered: set[tuple[int, int]] = set()
    for line in p.cover:
        d = day_of(line, 0, "Day")
        s = known_shift(line, 1, "ShiftID")
        if (d, s) in covered:
            raise line.error(
                "ShiftID",
                f"second cover line for day {d}, shift {line.fields[1]!r}",
                "give one cover line per day and shift",
            )
        covered.add((d, s))
        required[d, s] = line.integer(2, "Requirement", maximum=numbers.MAX_PER_CELL)
        under[d, s] = line.number_(3, "Weight for under")
        over[d, s] = line.number_(4, "Weight for over")

    workers = []
    eligible = np.zeros((n_days, n_s), dtype=np.int64)
    for wid, kwargs in staff_fields.items():
        caps = kwargs["max_per_shift"]
        assert isinstance(caps, dict)
        can = np.array([caps.get(st.id, n_days) > 0 for st in shift_types])
        free = np.ones(n_days, dtype=bool)
        free[sorted(off_days[wid])] = False
        eligible += np.outer(free, can)
        workers.append(
            Worker(
                id=wid,
                name=wid,
                days_off=tuple(
                    (first + timedelta(d), first + timedelta(d)) for d in sorted(off_days[wid])
                ),
                **kwargs,  # type: ignore[arg-type]
            )
        )
    maximum = np.maximum(required, eligible)
    return Problem(
        workers=workers,
        calendar=Calendar(first, first + timedelta(n_days - 1), weekend_days=NRP_WEEKEND),
        shift_types=shift_types,
        required=required,
        maximum=maximum,
        under_weight=under,
        over_weight=over,
        shift_on_requests=on,
        shift_off_requests=off,
        profile="nrp",
        name=name,
        metadata={"format": "nrp", "horizon_start": first.isoformat(), "source": source},
    )


def load_nrp(path: str | os.PathLike[str], *, start: date | str | None = None) -> Problem:
    """Read a Curtois & Qu instance file into a ``Problem`` named after the file's stem.

    ``path`` is a file, or the name of an instance of the series that is bundled with the
    package or fetched into its cache (``"Instance5"``, ``"Instance5.txt"``, ``"nrp:5"``; see
    :mod:`rtsched_widgets.datasets`) when no file of that name exists. ``start`` overrides the
    calendar start (default :data:`NRP_START`, a Monday).
    """
    p = Path(path)
    if not p.exists() and p.parent == Path("."):
        p = _dataset_file(p.name) or p
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(
            "path",
            f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start})",
            fix="give a Curtois & Qu instance text file",
            source=p,
        ) from None
    except OSError as exc:
        raise ProblemError(
            "path",
            f"cannot read {str(p)!r}: {exc.strerror or exc}",
            fix="give an existing file or the name of a bundled instance such as 'Instance5' "
            "(rt.datasets.list() lists them)",
        ) from exc
    return parse_nrp(text, name=p.stem, start=start, source=p.name)


def _dataset_file(name: str) -> Path | None:
    """The bundled or cached file of the series instance ``name``, or None when ``name`` is
    not an instance name or that instance is not available."""
    from rtsched_widgets import datasets

    try:
        return datasets.nrp_path(name)
    except (ValueError, FileNotFoundError):
        return None


def dump_nrp(problem: Problem) -> str:
    """Write ``problem`` in the Curtois & Qu text format (``\\n`` line endings).

    Inverse of :func:`parse_nrp` for NRP problems: ``parse_nrp(dump_nrp(p))`` gives back the
    same workers, shift types, demand, weights and requests. Limits that are not set are
    written as the loosest value (MaxShifts = horizon, max minutes/consecutive/weekends large,
    minimums 0); a saldo problem exported this way loses its saldo-only settings. An id the
    format cannot hold unchanged (one with a comma, ``|``, ``=``, a line break, surrounding
    blanks, or starting with ``#`` or ``SECTION_``) is refused with a ProblemError rather than
    written as a different or broken file.
    """
    for field_name, ids in (
        ("shift_types.id", [st.id for st in problem.shift_types]),
        ("workers.id", [w.id for w in problem.workers]),
    ):
        for row, ident in enumerate(ids):
            _check_nrp_id(ident, field_name, row)
    n_days = problem.n_days
    big = n_days * 24 * 60
    out = ["# Written by rtsched_widgets", "SECTION_HORIZON", str(n_days), "", "SECTION_SHIFTS"]
    out.append("# ShiftID, Length in mins, Shifts which cannot follow this shift | separated")
    for st in problem.shift_types:
        out.append(f"{st.id},{st.minutes},{'|'.join(st.forbidden_next)}")
    out += ["", "SECTION_STAFF", "# " + ", ".join(STAFF_COLUMNS)]
    for w in problem.workers:
        limits = "|".join(
            f"{st.id}={w.max_per_shift.get(st.id, n_days)}" for st in problem.shift_types
        )
        values = [
            w.max_minutes if w.max_minutes is not None else big,
            w.min_minutes or 0,
            w.max_consecutive if w.max_consecutive is not None else n_days,
            w.min_consecutive or 0,
            w.min_consecutive_off or 0,
            w.max_weekends if w.max_weekends is not None else n_days,
        ]
        out.append(",".join([w.id, limits, *map(str, values)]))
    out += ["", "SECTION_DAYS_OFF", "# EmployeeID, DayIndexes (start at zero)"]
    for i, w in enumerate(problem.workers):
        days = np.flatnonzero(~problem.available[i])
        if days.size:
            out.append(",".join([w.id, *map(str, days.tolist())]))
    for title, reqs in (
        ("SECTION_SHIFT_ON_REQUESTS", problem.shift_on_requests),
        ("SECTION_SHIFT_OFF_REQUESTS", problem.shift_off_requests),
    ):
        out += ["", title, "# EmployeeID, Day, ShiftID, Weight"]
        out += [f"{r.worker},{r.day},{r.shift},{_num(r.weight)}" for r in reqs]
    out += ["", "SECTION_COVER", "# Day, ShiftID, Requirement, Weight for under, Weight for over"]
    for d in range(n_days):
        for s, st in enumerate(problem.shift_types):
            out.append(
                f"{d},{st.id},{int(problem.required[d, s])},"
                f"{_num(problem.under_weight[d, s])},{_num(problem.over_weight[d, s])}"
            )
    return "\n".join(out) + "\n"


def save_nrp(problem: Problem, path: str | os.PathLike[str]) -> Path:
    """Write :func:`dump_nrp` of ``problem`` to ``path``; returns the path."""
    p = Path(path)
    p.write_text(dump_nrp(problem), encoding="utf-8")
    return p


def _check_nrp_id(ident: str, field_name: str, row: int) -> None:
    if (
        any(ch in ident for ch in ",|=\r\n")
        or ident != ident.strip()
        or ident.startswith(("#", "SECTION_"))
    ):
        raise ProblemError(
            field_name,
            f"{ident!r} cannot be written in the NRP format unchanged",
            row=row,
            fix="export with to_json (native) or rename it without , | = line breaks, "
            "surrounding blanks or a leading # / SECTION_",
        )


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
