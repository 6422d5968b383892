"""Plain-Python lookup tables of a problem and a Python mirror of a roster.

The delta checks run in a few microseconds per candidate only if they avoid numpy scalar
indexing; they read these rows instead. ``Tables`` is derived once per problem (cached);
``LiveState`` mirrors one roster together with the running aggregates the rules need and is
updated change by change by the validator.

Compact rows: the large per-cell tables (a row per worker or per day, one entry per day or per
shift) are ``array.array`` rows of machine integers (2 or 4 bytes an entry, see
``int_rows``) instead of lists of pointers; indexing them returns a Python ``int`` as a list
does. The weight tables stay lists of floats, but every equal weight is one shared ``float``
object (``shared_float_rows``): a pointer an entry, no float object per cell. The read-only
per-cell tables of ``Tables`` share equal rows (``shared_rows``).
"""

from __future__ import annotations

import weakref
from array import array
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster


def int_code(low: int, high: int) -> str:
    """The smallest ``array`` type code (``'h'``, ``'i'``, ``'q'``) that holds every integer
    in ``low … high``."""
    if low >= -(2**15) and high < 2**15:
        return "h"
    if low >= -(2**31) and high < 2**31:
        return "i"
    return "q"


_Row = TypeVar("_Row", bytes, array)

_NP_OF_CODE = {"h": np.int16, "i": np.intc, "q": np.int64}


def int_rows(table: np.ndarray, low: int, high: int) -> list[array]:
    """The rows of the 2-D integer ``table`` as ``array.array`` rows able to hold any value in
    ``low … high`` (and every value of ``table``)."""
    if table.size:
        low, high = min(low, int(table.min())), max(high, int(table.max()))
    code = int_code(low, high)
    flat = np.ascontiguousarray(table, dtype=_NP_OF_CODE[code])
    out: list[array] = []
    for row in flat:
        a = array(code)
        a.frombytes(row.data.cast("B"))  # from the table's buffer, no ``bytes`` copy
        out.append(a)
    return out


def shared_float_rows(table: np.ndarray) -> list[list[float]]:
    """``table.tolist()`` (a 2-D float table) with every equal value one shared ``float``
    object and every equal row one shared list (weights take few distinct values): READ-ONLY
    rows."""
    seen: dict[float, float] = {}
    share = seen.setdefault
    rows: dict[bytes, list[float]] = {}
    out: list[list[float]] = []
    for row in np.asarray(table, dtype=float):
        key = row.tobytes()
        got = rows.get(key)
        if got is None:
            got = rows[key] = [share(x, x) for x in row.tolist()]
        out.append(got)
    return out


def shared_rows(rows: list[_Row]) -> list[_Row]:
    """``rows`` with equal READ-ONLY rows (``bytes`` or ``array``) replaced by one of them."""
    seen: dict[bytes, _Row] = {}
    return [seen.setdefault(bytes(row), row) for row in rows]


class Tables:
    """Problem data as Python lists, indexed ``[w]``, ``[d]``, ``[s]`` or ``[d][s]``.

    ``last_post[d]`` is the highest shift index with a positive maximum on day ``d`` when the
    day has at least two such shifts, else -1. ``sat_sun_week[d]`` is the calendar's
    (:attr:`Calendar.sat_sun_week`: the week of a Saturday or Sunday, else -1).
    ``pattern_day[d]`` is whether the weekday of ``d`` is one of ``settings.pattern_weekdays``.
    ``available[w, d]`` and ``mandatory[w, d]`` are True or False: element views (2-D
    ``memoryview``) of the problem's own boolean arrays, so the tables hold no copy of them (a
    ``Problem``'s arrays are not written after construction: a change of availability makes a
    new ``Problem``).
    """

    def __init__(self, problem: Problem) -> None:
        cal = problem.calendar
        self.n_w, self.n_d, self.n_s = problem.n_workers, problem.n_days, problem.n_shifts
        self.worker_id = [w.id for w in problem.workers]
        self.iso = [cal.iso(d) for d in range(self.n_d)]
        self.worker_id_1 = [(x,) for x in self.worker_id]
        self.iso_1 = [(x,) for x in self.iso]
        self.shift_id = [s.id for s in problem.shift_types]
        # views of the problem's arrays (``ascontiguousarray`` copies only a non-contiguous or
        # non-boolean array, which a Problem does not hold)
        self.available = np.ascontiguousarray(problem.available, dtype=bool).data
        self.mandatory = np.ascontiguousarray(problem.mandatory, dtype=bool).data
        self.min_distance = [int(x) for x in problem.min_distance]
        self.weekday = cal.weekday.tolist()
        self.pattern_day = np.isin(cal.weekday, problem.settings.pattern_weekdays).tolist()
        self.special = cal.is_special.tolist()
        self.week = cal.week.tolist()
        self.n_weeks = int(cal.week[-1]) + 1 if self.n_d else 0
        self.week_days: list[list[int]] = [[] for _ in range(self.n_weeks)]
        for d, k in enumerate(self.week):
            self.week_days[k].append(d)
        self.special_week_days = [[d for d in ds if self.special[d]] for ds in self.week_days]
        self.sat_sun_week = cal.sat_sun_week.tolist()
        has = problem.maximum > 0
        last = np.where(
            has.sum(axis=1) >= 2, self.n_s - 1 - np.argmax(has[:, ::-1], axis=1), -1
        ).astype(np.int64)
        self.last_post_arr = last
        self.last_post = last.tolist()
        self.minutes = [int(s.minutes) for s in problem.shift_types]
        self.partners = [np.flatnonzero(row).tolist() for row in problem.incompatible]
        self.required = shared_rows(int_rows(np.asarray(problem.required), 0, 0))
        self.under_weight = shared_float_rows(problem.under_weight)
        self.over_weight = shared_float_rows(problem.over_weight)
        self.targets = [int(x) for x in problem.targets]
        self.workers = problem.workers

    @classmethod
    def of(cls, problem: Problem) -> Tables:
        """The cached tables of ``problem``."""
        tables = _CACHE.get(problem)
        if tables is None:
            tables = cls(problem)
            _CACHE[problem] = tables
        return tables


_CACHE: weakref.WeakKeyDictionary[Problem, Tables] = weakref.WeakKeyDictionary()


class LiveState:
    """Python mirror of a roster plus running aggregates, updated by ``apply``.

    - ``shift_of[w][d]``: shift index or -1;
    - ``works[w][d]``: 1 when ``w`` works day ``d``, else 0 (one ``bytearray`` per worker: a
      window of days is one short slice, ``works[w].count(1, a, b)`` counts the working days
      in ``a … b - 1`` and ``works[w].find(1, a, b)`` finds the first);
    - ``count[d][s]``: people on shift ``s`` of day ``d``;
    - ``n_work[w]``, ``n_ws[w][s]``, ``minutes[w]``: shifts, shifts per type, minutes worked
      (``n_ws`` is built on its first read, then kept up to date: only the per-type limit
      rules read it, a state nobody asks it of never holds it);
    - ``spw[w][k]``: special days worked in calendar week ``k``; ``n_special[w]`` their total;
    - ``n_last[w]``: days on which ``w`` holds the day's last post;
    - ``wkend[w][k]``: Saturdays/Sundays worked in week ``k``; ``n_weekends[w]``: weeks with
      at least one.

    The rows of ``shift_of``, ``count``, ``n_ws``, ``spw`` and ``wkend`` are ``array.array``
    rows (see the module notes); the flat per-worker tables are lists of ints.

    ``copy`` is copy-on-write: the copy and the original share the rows of the per-worker and
    per-day tables until one of them changes a row, which it then copies first (``apply`` is
    the only writer). The flat per-worker lists are copied at once.
    """

    __slots__ = (
        "_n_ws",
        "_own_d",
        "_own_w",
        "_shared",
        "count",
        "minutes",
        "n_last",
        "n_special",
        "n_weekends",
        "n_work",
        "shift_of",
        "spw",
        "t",
        "wkend",
        "works",
    )

    def __init__(self, tables: Tables, shift_of: np.ndarray) -> None:
        t = self.t = tables
        # Construction order (memory): the aggregates are first computed as numpy tables from
        # the roster's own integer table (no widened copy of it), the per-cell temporaries
        # (indices of the assigned cells) are then dropped, and only after that are the small
        # rows built. Rows allocated among live temporaries would pin the heap around the
        # holes the temporaries leave (the allocator can return neither); built last, they
        # fill those holes instead (about 6 MiB of resident memory at 1,600 x 365).
        sh = np.asarray(shift_of)
        if sh.dtype.kind != "i":
            sh = sh.astype(np.int64)
        n_w, n_d, n_s, n_weeks = t.n_w, t.n_d, t.n_s, t.n_weeks
        works = sh >= 0
        w_idx, d_idx = np.nonzero(works)
        s_idx = sh[w_idx, d_idx].astype(np.intp)
        count = np.bincount(d_idx * n_s + s_idx, minlength=n_d * n_s).reshape(n_d, n_s)
        minutes = np.bincount(
            w_idx, weights=np.asarray(t.minutes, dtype=np.int64)[s_idx], minlength=n_w
        )
        special = np.asarray(t.special, dtype=bool)[d_idx]
        week = np.asarray(t.week, dtype=np.intp)[d_idx]
        spw = np.bincount(
            w_idx[special] * n_weeks + week[special], minlength=n_w * n_weeks
        ).reshape(n_w, n_weeks)
        ssw = np.asarray(t.sat_sun_week, dtype=np.intp)[d_idx]
        sel = ssw >= 0
        wkend = np.bincount(w_idx[sel] * n_weeks + ssw[sel], minlength=n_w * n_weeks).reshape(
            n_w, n_weeks
        )
        del w_idx, d_idx, s_idx, special, week, ssw, sel
        self.n_work = works.sum(axis=1).tolist()
        self.minutes = [int(x) for x in minutes.tolist()]
        self.n_special = spw.sum(axis=1).tolist()
        self.n_last = ((sh == t.last_post_arr[None, :]) & works).sum(axis=1).tolist()
        self.n_weekends = (wkend > 0).sum(axis=1).tolist()
        self._n_ws: list[array] | None = None
        self.count = int_rows(count, 0, n_w)
        self.spw = int_rows(spw, 0, 7)
        self.wkend = int_rows(wkend, 0, 7)
        del count, spw, wkend
        self.shift_of = int_rows(sh, -1, n_s)
        self.works = [bytearray(row.data) for row in works.view(np.uint8)]
        self._shared = False
        self._own_w: set[int] = set()
        self._own_d: set[int] = set()

    @property
    def n_ws(self) -> list[array]:
        """``n_ws[w][s]``: the shifts of type ``s`` worker ``w`` works (built on first read
        from ``shift_of``, kept up to date by ``apply`` from then on)."""
        n_ws = self._n_ws
        if n_ws is None:
            t = self.t
            table = np.zeros((t.n_w, t.n_s + 1), dtype=np.int64)  # column 0: days off
            for w, row in enumerate(self.shift_of):
                shifts = np.frombuffer(row, dtype=_NP_OF_CODE[row.typecode])
                table[w] = np.bincount(shifts + 1, minlength=t.n_s + 1)
            n_ws = self._n_ws = int_rows(table[:, 1:], 0, t.n_d)
        return n_ws

    @classmethod
    def from_roster(cls, tables: Tables, roster: Roster) -> LiveState:
        """Mirror of ``roster``."""
        return cls(tables, roster.shift_of)

    def copy(self) -> LiveState:
        """An independent copy (the tables are shared; rows are shared copy-on-write, so the
        copy costs a few outer lists, not the tables' contents)."""
        other = LiveState.__new__(LiveState)
        other.t = self.t
        other.shift_of = self.shift_of[:]
        other.works = self.works[:]
        other.count = self.count[:]
        other.n_work = self.n_work[:]
        other._n_ws = self._n_ws[:] if self._n_ws is not None else None
        other.minutes = self.minutes[:]
        other.spw = self.spw[:]
        other.n_special = self.n_special[:]
        other.n_last = self.n_last[:]
        other.wkend = self.wkend[:]
        other.n_weekends = self.n_weekends[:]
        # from now on every row is shared by both: each copies a row before its first write
        for x in (self, other):
            x._shared = True
            x._own_w = set()
            x._own_d = set()
        return other

    def _own(self, w: int, d: int) -> None:
        """Copy the shared rows ``apply`` is about to write for worker ``w`` and day ``d``."""
        own = self._own_w
        if w not in own:
            own.add(w)
            self.shift_of[w] = self.shift_of[w][:]
            self.works[w] = self.works[w][:]
            if self._n_ws is not None:
                self._n_ws[w] = self._n_ws[w][:]
            self.spw[w] = self.spw[w][:]
            self.wkend[w] = self.wkend[w][:]
        own = self._own_d
        if d not in own:
            own.add(d)
            self.count[d] = self.count[d][:]

    def check(self, w: int, d: int, old: int, new: int) -> None:
        """Raise ``ValueError`` (naming the bad part) unless the change fits the state."""
        t = self.t
        if not (0 <= w < t.n_w and 0 <= d < t.n_d):
            raise ValueError(
                f"change ({w}, {d}, {old}, {new}): worker must be in 0 … {t.n_w - 1} and day "
                f"in 0 … {t.n_d - 1}"
            )
        if not (-1 <= new < t.n_s and -1 <= old < t.n_s):
            raise ValueError(
                f"change ({w}, {d}, {old}, {new}): shifts must be -1 (off) or in 0 … {t.n_s - 1}"
            )
        have = self.shift_of[w][d]
        if have != old:
            raise ValueError(
                f"change ({w}, {d}, {old}, {new}): worker {t.worker_id[w]!r} holds shift "
                f"{have} on {t.iso[d]}, not {old}; give the current shift as old_shift"
            )

    def apply(self, w: int, d: int, old: int, new: int) -> None:
        """Worker ``w`` goes from shift ``old`` to ``new`` on day ``d`` (checked first)."""
        t = self.t
        if not (0 <= w < t.n_w and 0 <= d < t.n_d and -1 <= new < t.n_s and -1 <= old < t.n_s) or (
            self.shift_of[w][d] != old
        ):
            self.check(w, d, old, new)  # raises, naming what does not fit
        # (the body of ``move``, written out: one call less on every checked change)
        if old == new:
            return
        if self._shared:
            self._own(w, d)
        self.shift_of[w][d] = new
        row = self.count[d]
        n_ws = self._n_ws
        lp = t.last_post[d]
        minutes = t.minutes
        if old >= 0:
            row[old] -= 1
            if n_ws is not None:
                n_ws[w][old] -= 1
            if new >= 0:  # another shift of a day still worked: the day's counts stay
                row[new] += 1
                if n_ws is not None:
                    n_ws[w][new] += 1
                self.minutes[w] += minutes[new] - minutes[old]
                if old == lp:
                    self.n_last[w] -= 1
                elif new == lp:
                    self.n_last[w] += 1
                return
            self.minutes[w] -= minutes[old]
            if old == lp:
                self.n_last[w] -= 1
            sign = -1
        else:
            row[new] += 1
            if n_ws is not None:
                n_ws[w][new] += 1
            self.minutes[w] += minutes[new]
            if new == lp:
                self.n_last[w] += 1
            sign = 1
        self.works[w][d] = 1 if sign > 0 else 0
        self.n_work[w] += sign
        if t.special[d]:
            self.spw[w][t.week[d]] += sign
            self.n_special[w] += sign
        k = t.sat_sun_week[d]
        if k >= 0:
            wk = self.wkend[w]
            before = wk[k]
            wk[k] = before + sign
            if before == 0 or before + sign == 0:
                self.n_weekends[w] += sign

    def move(self, w: int, d: int, old: int, new: int) -> None:
        """``apply`` without the check: for a change already checked against this very state
        (the validator's gate), whose ``w``, ``d``, ``old`` and ``new`` are ints in range and
        whose ``old`` is the shift ``w`` holds on ``d``. Anything else corrupts the state."""
        t = self.t
        if old == new:
            return
        if self._shared:
            self._own(w, d)
        self.shift_of[w][d] = new
        row = self.count[d]
        n_ws = self._n_ws
        lp = t.last_post[d]
        minutes = t.minutes
        if old >= 0:
            row[old] -= 1
            if n_ws is not None:
                n_ws[w][old] -= 1
            if new >= 0:  # another shift of a day still worked: the day's counts stay
                row[new] += 1
                if n_ws is not None:
                    n_ws[w][new] += 1
                self.minutes[w] += minutes[new] - minutes[old]
                if old == lp:
                    self.n_last[w] -= 1
                elif new == lp:
                    self.n_last[w] += 1
                return
            self.minutes[w] -= minutes[old]
            if old == lp:
                self.n_last[w] -= 1
            sign = -1
        else:
            row[new] += 1
            if n_ws is not None:
                n_ws[w][new] += 1
            self.minutes[w] += minutes[new]
            if new == lp:
                self.n_last[w] += 1
            sign = 1
        self.works[w][d] = 1 if sign > 0 else 0
        self.n_work[w] += sign
        if t.special[d]:
            self.spw[w][t.week[d]] += sign
            self.n_special[w] += sign
        k = t.sat_sun_week[d]
        if k >= 0:
            wk = self.wkend[w]
            before = wk[k]
            wk[k] = before + sign
            if before == 0 or before + sign == 0:
                self.n_weekends[w] += sign
