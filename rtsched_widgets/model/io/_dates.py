"""Date and date-range parsing shared by the importers.

Accepted dates: ``date``/``datetime`` objects (the time is dropped), ISO strings
(``2026-01-05``, ``2026-01-05T00:00:00``) and day-first strings (``05-01-2026``,
``05/01/2026``, ``05.01.2026``). Accepted ranges: ``"05-01-2026 - 09-01-2026"`` (inclusive;
spaces around the separating dash are optional when both dates are day-first), a single date
(a one-day range), or a two-item list/tuple of dates. Several dates or ranges in one string are
separated by ``;`` (or ``,``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from rtsched_widgets.model.errors import ProblemError

_DAY_FIRST = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"
_ISO = r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ONE = rf"(?:{_ISO}|{_DAY_FIRST})"
_RANGE = re.compile(rf"^\s*({_ONE})\s*(?:(?:-|–|\bto\b)\s*({_ONE}))?\s*$")
_DAY_FIRST_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")

DATE_FIX = "write dates as DD-MM-YYYY (e.g. 05-01-2026) or ISO YYYY-MM-DD"
RANGE_FIX = "write ranges as 'DD-MM-YYYY - DD-MM-YYYY', several separated by ';'"


def parse_day(value: object, field: str, row: int | str | None = None) -> date:
    """One date from any accepted form; ProblemError naming ``field`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, str):
        text = value.strip()
        match = _DAY_FIRST_RE.match(text)
        parts: tuple[str, str, str] | None = None
        if match:
            day, month, year = match.groups()
            parts = (year, month, day)
        else:
            match = _ISO_RE.match(text)
            if match:
                parts = match.group(1), match.group(2), match.group(3)
        if parts is not None:
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError as exc:
                raise ProblemError(
                    field, f"{value!r} is not a real date ({exc})", row=row, fix=DATE_FIX
                ) from None
    raise ProblemError(field, f"{value!r} is not a date", row=row, fix=DATE_FIX)


def _pieces(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[;,\n]", value) if p.strip()]
    if isinstance(value, (date, datetime)):
        return [value]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def parse_ranges(
    value: object, field: str, row: int | str | None = None, *, who: str = ""
) -> tuple[tuple[date, date], ...]:
    """Inclusive date ranges from a ``;``-separated string or a list (see the module docstring).

    A range whose end is before its start, a half-written range (``"01-01-2026 -"``) or an
    impossible date (``"32-01-2026"``) raises ProblemError naming ``field`` and ``row``.
    """
    out: list[tuple[date, date]] = []
    owner = f" of worker {who!r}" if who else ""
    for piece in _pieces(value):
        if isinstance(piece, (list, tuple)) and len(piece) == 2:
            a, b = parse_day(piece[0], field, row), parse_day(piece[1], field, row)
        elif isinstance(piece, str):
            match = _RANGE.match(piece)
            if not match:
                raise ProblemError(
                    field,
                    f"{piece.strip()!r}{owner} is not a date or a date range",
                    row=row,
                    fix=RANGE_FIX,
                )
            a = parse_day(match.group(1), field, row)
            b = parse_day(match.group(2), field, row) if match.group(2) else a
        else:
            a = b = parse_day(piece, field, row)
        if b < a:
            raise ProblemError(
                field,
                f"range {a} - {b}{owner} ends before it starts",
                row=row,
                fix="write the earlier date first",
            )
        out.append((a, b))
    return tuple(out)


def parse_days(
    value: object, field: str, row: int | str | None = None, *, who: str = ""
) -> tuple[date, ...]:
    """Single dates from a ``;``-separated string or a list; ranges are refused."""
    out = []
    owner = f" of worker {who!r}" if who else ""
    for piece in _pieces(value):
        if isinstance(piece, str):
            match = _RANGE.match(piece)
            if not match or match.group(2):
                raise ProblemError(
                    field,
                    f"{piece.strip()!r}{owner} is not a single date",
                    row=row,
                    fix="write single dates DD-MM-YYYY separated by ';'",
                )
            out.append(parse_day(match.group(1), field, row))
        else:
            out.append(parse_day(piece, field, row))
    return tuple(out)


def day_first(d: date) -> str:
    """``DD-MM-YYYY``."""
    return d.strftime("%d-%m-%Y")


def format_ranges(ranges: Iterable[tuple[date, date]]) -> str:
    """Inverse of :func:`parse_ranges`: ``"DD-MM-YYYY - DD-MM-YYYY;…"`` (one-day ranges as
    ``"DD-MM-YYYY - DD-MM-YYYY"`` too, so every piece reads the same)."""
    return ";".join(f"{day_first(a)} - {day_first(b)}" for a, b in ranges)


def format_days(days: Iterable[date]) -> str:
    """Inverse of :func:`parse_days`: ``"DD-MM-YYYY;…"``."""
    return ";".join(day_first(d) for d in days)
