"""The planning horizon and the flags of each of its dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from rtsched_widgets.limits import MAX_DAYS, abbreviate, check_count
from rtsched_widgets.model.errors import ProblemError

FRI_SAT_SUN = (4, 5, 6)


def as_date(value: object, field_name: str) -> date:
    """Turn a date, datetime, numpy/pandas timestamp or ISO string into a ``date``."""
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        try:
            return date.fromisoformat(str(value.astype("datetime64[D]")))
        except ValueError:  # NaT, or a year outside 1 … 9999
            pass
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ProblemError(
        field_name, f"{abbreviate(value)} is not a date", fix="use an ISO date like 2026-01-05"
    )


@dataclass(frozen=True, eq=False)
class Calendar:
    """The dates from ``start`` to ``end``, both inclusive, with per-date flags.

    Any dates from year 1 to 9999 may bound it (9999-12-31 included).

    - weekend: the weekday (Monday = 0) is in ``weekend_days`` (Fri/Sat/Sun by default);
    - holiday: the date is in ``holidays`` (holidays outside the horizon still make the last
      date a pre-holiday when they fall the day after it);
    - pre-holiday: the next date is a holiday and this one is not;
    - special: weekend or holiday or pre-holiday;
    - ``week``: index of the date's ISO week counted from the ISO week of ``start`` (0, 1, …),
      so consecutive ISO weeks always differ by one, across year ends and ISO week 53 alike;
    - ``sat_sun_week``: the ``week`` of a Saturday or Sunday, -1 on other days. The Saturday
      and Sunday of one ISO week form one *worked-weekend unit* (whatever ``weekend_days``
      says): the unit the max-weekends rules count and every solver reasons about
      (:meth:`sat_sun_weekends`).

    A horizon holds at most :data:`rtsched_widgets.limits.MAX_DAYS` dates (ProblemError
    otherwise, before any array is built).
    """

    start: date
    end: date
    holidays: frozenset[date] = frozenset()
    weekend_days: tuple[int, ...] = FRI_SAT_SUN
    dates: np.ndarray = field(init=False, repr=False)
    weekday: np.ndarray = field(init=False, repr=False)
    week: np.ndarray = field(init=False, repr=False)
    sat_sun_week: np.ndarray = field(init=False, repr=False)
    is_weekend: np.ndarray = field(init=False, repr=False)
    is_holiday: np.ndarray = field(init=False, repr=False)
    is_pre_holiday: np.ndarray = field(init=False, repr=False)
    is_special: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        start, end = as_date(self.start, "calendar.start"), as_date(self.end, "calendar.end")
        if end < start:
            raise ProblemError(
                "calendar.end",
                f"{end} is before start {start}",
                fix="give an end date on or after the start date",
            )
        check_count(
            "calendar.end",
            (end - start).days + 1,
            "MAX_DAYS",
            f"plan a horizon of at most {MAX_DAYS:,} dates",
        )
        bad = [d for d in self.weekend_days if d not in range(7)]
        if bad:
            raise ProblemError(
                "calendar.weekend_days", f"{bad} are not weekdays", fix="use 0 (Mon) … 6 (Sun)"
            )
        holidays = frozenset(as_date(h, "calendar.holidays") for h in self.holidays)
        set_ = object.__setattr__
        set_(self, "start", start)
        set_(self, "end", end)
        set_(self, "holidays", holidays)
        set_(self, "weekend_days", tuple(sorted(set(self.weekend_days))))
        n = (end - start).days + 1
        dates = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
        weekday = ((dates.astype(np.int64) + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
        first_monday = start.toordinal() - start.weekday()
        ordinals = start.toordinal() + np.arange(n)
        week = ((ordinals - first_monday) // 7).astype(np.int32)
        is_holiday = np.array([start + timedelta(i) in holidays for i in range(n)], dtype=bool)
        after_end = end < date.max and end + timedelta(1) in holidays
        next_is_holiday = np.append(is_holiday[1:], after_end)
        is_pre_holiday = next_is_holiday & ~is_holiday
        is_weekend = np.isin(weekday, self.weekend_days)
        for name, arr in (
            ("dates", dates),
            ("weekday", weekday),
            ("week", week),
            ("sat_sun_week", np.where(np.isin(weekday, (5, 6)), week, -1).astype(np.int32)),
            ("is_weekend", is_weekend),
            ("is_holiday", is_holiday),
            ("is_pre_holiday", is_pre_holiday),
            ("is_special", is_weekend | is_holiday | is_pre_holiday),
        ):
            arr.setflags(write=False)
            set_(self, name, arr)

    @property
    def n_days(self) -> int:
        """Number of dates in the horizon."""
        return int(self.dates.shape[0])

    def sat_sun_weekends(self) -> list[list[int]]:
        """The day indices of each Saturday–Sunday unit (``sat_sun_week``), in order: two days
        each, or the one day inside the horizon when the horizon cuts the unit."""
        units: dict[int, list[int]] = {}
        for d in np.flatnonzero(self.sat_sun_week >= 0).tolist():
            units.setdefault(int(self.sat_sun_week[d]), []).append(d)
        return list(units.values())

    def sat_sun_pairs(self) -> np.ndarray:
        """``(n, 2)``: the Saturday and the Sunday of each Saturday–Sunday unit
        (:meth:`sat_sun_weekends`) wholly inside the horizon, in order."""
        whole = [days for days in self.sat_sun_weekends() if len(days) == 2]
        return np.array(whole, dtype=np.int64).reshape(-1, 2)

    def index(self, value: object, field_name: str = "date") -> int:
        """Day index of ``value`` (0 = start); ProblemError when outside the horizon."""
        d = as_date(value, field_name)
        i = (d - self.start).days
        if not 0 <= i < self.n_days:
            raise ProblemError(
                field_name,
                f"{d} is outside the horizon {self.start} … {self.end}",
                fix="use a date inside the horizon",
            )
        return i

    def date(self, day: int) -> date:
        """The date of day index ``day``."""
        return self.start + timedelta(days=int(day))

    def iso(self, day: int) -> str:
        """ISO string of day index ``day``."""
        return self.date(day).isoformat()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Calendar):
            return NotImplemented
        return (self.start, self.end, self.holidays, self.weekend_days) == (
            other.start,
            other.end,
            other.holidays,
            other.weekend_days,
        )

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.holidays, self.weekend_days))
