"""One worker's least-cost schedule under that worker's own NRP hard rules (labelling).

Every hard rule of the NRP profile concerns one worker, so the best row of ``shift_of`` for
worker ``w`` under additive costs is a resource-constrained shortest path over the days:
:func:`shortest_schedules` returns the schedules (a shift index or -1 per day) of least
``sum_d cost[d, row[d]]`` (``off_cost[d]`` where ``row[d] == -1``) that meet

- availability (no shift on a day off), and the kept cells of a :class:`~rtsched_widgets.
  solve.keep.Fixed` (a kept worker-day holds exactly its kept shift or day off; a closed cell
  nobody else joins);
- forbidden next-day successions; max shifts per type; min/max total minutes (inclusive);
- max consecutive working days (every run); min consecutive working days and min consecutive
  days off (only runs that touch neither the horizon's first nor its last day);
- max working weekends (a weekend, the Saturday and Sunday of one calendar week, is worked
  when either day is);
- and no cell of cost ``+inf`` (the caller's way to close a cell, e.g. a full one).

Optionally (``weekend``, a :class:`WeekendPrice`) the cost also holds a price per worked
Saturday–Sunday unit (the max-weekends rule's unit) and a charge per one-day weekend: both
depend only on the day and the state (a unit is started by the first worked day of it, and
whether its Saturday was worked is the state on its Sunday), so the search stays exact.

The rules are those of ``rtsched_widgets.rules.nrp`` with the same semantics; a schedule
returned always has zero hard violations for the rule engine (tests prove it).

*Labels.* A label is a partial schedule of days ``0..d``. Its *state* is the class of its
last shift (shift types with the same forbidden successors share a class) or "off", with the
length of the current run of working days (capped at the max consecutive limit, or at the min
limit when there is no max) or of days off (capped at the min-off limit); whether that run
touches day 0 follows from its length. Its *resources* are the cost, the minutes worked, the
weekends worked and the count of each shift type whose limit can bind (a limit below the
number of days the worker may work that type). A backward pass over the states alone gives,
per (day, state), the least and the most minutes any completion can add (ignoring the type
limits and weekends), also over the completions that work no further weekend; a second one,
with the successions relaxed, the most minutes any completion working at most ``b`` further
weekends can add. A label whose minutes cannot end within the min/max window by these bounds
is dropped (a valid relaxation: no completion of it meets the rules).
Label ``A`` *dominates* ``B`` at the same (day, state) when ``cost(A) <= cost(B)`` and every
completion of ``B`` that meets the rules also does for ``A``: per type ``count(A) <= count(B)``
or ``A`` can no longer exceed the limit; the same for weekends; and equal minutes, or
``A`` has more and can no longer exceed the max, or fewer and can no longer fall short of the
min. Dominated labels are dropped.

*Beam and exactness.* At most ``max_labels`` labels are kept per (day, state). When a full
bucket gets a label that no kept label dominates, the beam drops one label and the run is
*inexact*: a label with the same minutes and weekends as another (a *twin*) gives way to a
cheaper twin (or as cheap, with fewer shifts of the limited types); else the last by rank
goes, the rank being the cost plus ``RISK_RANK`` for a label *at risk* — one that needs more
than ``1 - RISK_MARGIN`` of its optimistic most minutes still to come to reach the min —
and among equal ranks one with a twin goes first. A run is exact when no label was dropped
by the beam; then ``schedules[0]`` is a least-cost schedule meeting all of the rules above
(ties broken deterministically), and an empty result proves that none exists. Further
schedules (``n_best > 1``) are distinct, sorted by cost and feasible, but not necessarily the
next best ones (dominance drops alternatives). An inexact run is a heuristic: its schedules
are feasible but maybe not the cheapest, and an empty result proves nothing (a failed
inexact run is repeated with a wider beam, see :func:`shortest_schedules`). The work is
deterministic: at most ``n_days x n_states x max_labels`` labels are extended per run, each
to the off day and to every shift type.

The search runs compiled by ``numba`` when it is installed (the ``solve`` extra; the
compiled code is cached on disk) and as plain Python otherwise (the same results, far
slower: fine for small problems only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rtsched_widgets.model.problem import Problem, Worker
from rtsched_widgets.solve.keep import Fixed
from rtsched_widgets.solve.labelling_kernels import (
    BIG,
    COMPILED,
    RISK_MARGIN,
    RISK_RANK,
    _bounds,
    _capacity,
    _search,
)

__all__ = [
    "BIG",
    "COMPILED",
    "DEFAULT_MAX_LABELS",
    "RETRY_GROWTH",
    "RISK_MARGIN",
    "RISK_RANK",
    "PathResult",
    "WeekendPrice",
    "WorkerRules",
    "schedule_cost",
    "shortest_schedules",
]

DEFAULT_MAX_LABELS = 8
"""Default labels kept per (day, state); see the module docstring."""

RETRY_GROWTH = 4
"""Factor by which :func:`shortest_schedules` widens the beam when an inexact run found
nothing."""


@dataclass(frozen=True)
class PathResult:
    """What :func:`shortest_schedules` returns.

    ``schedules``: int64 ``(k, n_days)``, a shift index (of the problem) or -1 per day, by
    increasing cost (``k`` may be 0); ``costs``: their costs; ``exact``: no label was dropped
    by the beam (see the module docstring for what that proves); ``labels``: labels created
    (the work done).
    """

    schedules: np.ndarray
    costs: np.ndarray
    exact: bool
    labels: int

    @property
    def found(self) -> bool:
        """True when at least one schedule was found."""
        return len(self.schedules) > 0

    @property
    def best(self) -> np.ndarray | None:
        """The least-cost schedule found, or None."""
        return self.schedules[0] if len(self.schedules) else None


@dataclass(frozen=True)
class WorkerRules:
    """Worker ``worker``'s hard rules (and kept cells) compiled for the search.

    Build with :meth:`of`. Local shift ``j`` is problem shift ``shifts[j]`` (the types the
    worker may work: limit above 0, or held in a kept cell); ``allowed[d, j]`` and
    ``off_allowed[d]`` say what day ``d`` may hold before costs; the rest are the limits
    (``BIG`` / ``-BIG`` where unset) and the backward bounds of the module docstring.
    """

    worker: int
    n_days: int
    shifts: np.ndarray
    minutes: np.ndarray
    allowed: np.ndarray
    off_allowed: np.ndarray
    cls: np.ndarray
    forbid: np.ndarray
    run_cap: int
    max_run: int
    min_run: int
    off_cap: int
    min_off: int
    lo: int
    hi: int
    weekend: np.ndarray
    weekend_cont: np.ndarray
    max_weekends: int
    weekends_left: np.ndarray
    bind: np.ndarray
    limit: np.ndarray
    count_left: np.ndarray
    min_left: np.ndarray = field(repr=False)
    """``(2, n_days, n_states)``: index 0 over all completions, 1 over those working no
    further weekend (see :func:`_bounds`)."""
    max_left: np.ndarray = field(repr=False)
    dead: np.ndarray = field(repr=False)
    capacity: np.ndarray = field(repr=False)
    """int32 ``(levels, n_days, run states)``: see :func:`_capacity`; level ``b`` bounds the
    labels that may still work ``b`` weekends."""
    first_day: int = 0
    """The search's day 0 is this day of the problem (above 0 only for trimmed rules)."""
    held_row: np.ndarray | None = field(default=None, repr=False)
    """Trimmed rules (``of(..., trim=True)``): the whole horizon's row, the held cells outside
    days ``[first_day, first_day + n_days)`` and -1 inside; None otherwise."""

    @property
    def n_states(self) -> int:
        """Number of states per day (work classes x run lengths + off run lengths + start)."""
        return int(self.forbid.shape[0]) * self.run_cap + self.off_cap + 1

    @classmethod
    def of(
        cls, problem: Problem, w: int, fixed: Fixed | None = None, *, trim: bool = False
    ) -> WorkerRules:
        """Compile worker ``w``'s rules of ``problem`` (an NRP problem) under ``fixed``.

        ``trim``: compile only the span of :func:`held_span` around the days ``fixed`` leaves
        free for the worker, the held cells outside it counted into the minutes, type and
        weekend limits (their run and succession rules cannot involve the span: it starts and
        ends with held days off, at least the min-off limit of them). The search then runs over
        that span alone; :func:`shortest_schedules` still takes whole-horizon costs and returns
        whole-horizon rows. Exactly the whole-horizon search's problem when the held row
        outside the span meets the worker's rules (the caller's to ensure: a held part that
        breaks them makes the whole-horizon search find nothing, the trimmed one may not
        notice); otherwise, or when the span is the whole horizon, the same as
        ``trim=False``.
        """
        if problem.profile != "nrp":
            raise ValueError(f"problem.profile: {problem.profile!r} — the labelling is for 'nrp'")
        p = problem
        worker = p.workers[w]
        n_d, n_s = p.n_days, p.n_shifts
        limit_all = np.full(n_s, BIG, dtype=np.int64)
        for sid, k in worker.max_per_shift.items():
            limit_all[p.shift_index[sid]] = k
        kept = np.zeros(n_d, dtype=bool)
        kept_shift = np.full(n_d, -1, dtype=np.int64)
        closed = np.zeros((n_d, n_s), dtype=bool)
        if fixed is not None:
            kept = np.asarray(fixed.worker_day[w], dtype=bool)
            kept_shift = np.asarray(fixed.shift[w], dtype=np.int64)
            closed = np.asarray(fixed.closed, dtype=bool)
        held = set(kept_shift[kept & (kept_shift >= 0)].tolist())
        shifts = np.array([s for s in range(n_s) if limit_all[s] > 0 or s in held], dtype=np.int64)
        m = len(shifts)
        minutes = np.array([p.shift_types[s].minutes for s in shifts], dtype=np.int64)
        available = np.asarray(p.available[w], dtype=bool)
        # C order always: numba compiles one version per array layout
        allowed = np.ascontiguousarray(available[:, None] & ~closed[:, shifts])
        allowed[kept] = False
        off_allowed = ~kept | (kept_shift < 0)
        held_days = np.flatnonzero(kept & (kept_shift >= 0))
        # a kept shift on a day off: nothing fits
        allowed[held_days, np.searchsorted(shifts, kept_shift[held_days])] = available[held_days]
        weekend = p.calendar.sat_sun_week.astype(np.int64)
        first, last = (0, n_d)
        used = _HeldUse(0, np.zeros(n_s, dtype=np.int64), 0)
        if trim:
            first, last = held_span(kept, kept_shift, max(int(worker.min_consecutive_off or 0), 1))
            if (first, last) != (0, n_d):
                used = _HeldUse.of(p, kept_shift, weekend, first, last)
                if not used.fits(worker, limit_all):
                    first, last = (0, n_d)
                    used = _HeldUse(0, np.zeros(n_s, dtype=np.int64), 0)
        held_row: np.ndarray | None = None
        if (first, last) != (0, n_d):
            held_row = kept_shift.copy()
            held_row[first:last] = -1
            allowed = np.ascontiguousarray(allowed[first:last])
            off_allowed = off_allowed[first:last].copy()
            weekend = weekend[first:last]
            limit_all = np.where(limit_all < BIG, limit_all - used.per_type, BIG)
            n_d = last - first
        # classes: shift types with the same forbidden successors (among the local types)
        table = np.zeros((n_s, n_s), dtype=bool)
        for s, st in enumerate(p.shift_types):
            for nxt in st.forbidden_next:
                table[s, p.shift_index[nxt]] = True
        rows = table[np.ix_(shifts, shifts)] if m else np.zeros((0, 0), dtype=bool)
        keys: dict[bytes, int] = {}
        cls_of = np.zeros(m, dtype=np.int64)
        for j in range(m):
            cls_of[j] = keys.setdefault(rows[j].tobytes(), len(keys))
        forbid = np.zeros((len(keys), m), dtype=bool)
        for j in range(m):
            forbid[cls_of[j]] = rows[j]

        def get(value: int | None, default: int) -> int:
            return default if value is None else int(value)

        max_run = get(worker.max_consecutive, BIG)
        if max_run >= n_d:
            max_run = BIG  # can never be exceeded
        min_run = get(worker.min_consecutive, 0)
        run_cap = max_run if max_run < BIG else max(min_run, 1)
        min_off = get(worker.min_consecutive_off, 0)
        off_cap = max(min_off, 1)
        lo = get(worker.min_minutes, -BIG)
        hi = get(worker.max_minutes, BIG)
        lo = lo - used.minutes if lo > -BIG else lo
        hi = hi - used.minutes if hi < BIG else hi
        cont = np.zeros(n_d, dtype=bool)
        cont[1:] = (weekend[1:] >= 0) & (weekend[1:] == weekend[:-1])
        # distinct weekends among the days after d (an upper bound of the weekends still to add)
        starts = (weekend >= 0) & ~cont
        weekends_left = np.zeros(n_d, dtype=np.int64)
        weekends_left[:-1] = np.cumsum(starts[::-1])[::-1][1:]
        weekends_left[:-1] += cont[1:]  # the weekend of d goes on at d + 1
        workable = allowed.any(axis=1)
        n_weekends = len(set(weekend[(weekend >= 0) & workable].tolist()))
        max_weekends = get(worker.max_weekends, BIG)
        max_weekends = max_weekends - used.weekends if max_weekends < BIG else max_weekends
        if max_weekends >= n_weekends:
            max_weekends = BIG
        # type limits that can bind: below the number of days the type is allowed
        per_type_days = allowed.sum(axis=0)
        bind = np.full(m, -1, dtype=np.int64)
        limits: list[int] = []
        for j in range(m):
            if limit_all[shifts[j]] < per_type_days[j]:
                bind[j] = len(limits)
                limits.append(int(limit_all[shifts[j]]))
        limit = np.array(limits, dtype=np.int64)
        count_left = np.zeros((n_d, len(limits)), dtype=np.int64)
        for j in np.flatnonzero(bind >= 0).tolist():
            after = np.cumsum(allowed[::-1, j])[::-1]
            count_left[:-1, bind[j]] = after[1:]
        tables = [
            _bounds(
                allowed,
                off_allowed,
                cls_of,
                forbid,
                minutes,
                run_cap,
                max_run,
                min_run,
                off_cap,
                min_off,
                weekend,
                cont,
                flag,
            )
            for flag in (False, True)
        ]
        min_left, max_left, dead = (np.stack([t[i] for t in tables]) for i in range(3))
        tracked = max_weekends < BIG
        capacity = _capacity(
            allowed,
            off_allowed,
            minutes,
            run_cap,
            max_run,
            min_run,
            off_cap,
            min_off,
            weekend,
            cont,
            max_weekends + 1 if tracked else 1,
            tracked,
        )
        capacity = np.maximum(capacity, -(1 << 30)).astype(np.int32)
        return cls(
            worker=w,
            n_days=n_d,
            shifts=shifts,
            minutes=minutes,
            allowed=allowed,
            off_allowed=off_allowed,
            cls=cls_of,
            forbid=forbid,
            run_cap=run_cap,
            max_run=max_run,
            min_run=min_run,
            off_cap=off_cap,
            min_off=min_off,
            lo=lo,
            hi=hi,
            weekend=weekend,
            weekend_cont=cont,
            max_weekends=max_weekends,
            weekends_left=weekends_left,
            bind=bind,
            limit=limit,
            count_left=count_left,
            min_left=min_left,
            max_left=max_left,
            dead=dead,
            capacity=capacity,
            first_day=first,
            held_row=held_row,
        )


def held_span(kept: np.ndarray, kept_shift: np.ndarray, off_days: int) -> tuple[int, int]:
    """The days ``[first, last)`` a trimmed search covers for a row whose kept cells are
    ``kept`` / ``kept_shift`` (-1: a kept day off): from the start of the last run of
    ``off_days`` kept days off that ends at or before the first free day, to the end of the
    first such run that starts at or after the last free day (the horizon's ends when there
    is none); the whole horizon when no day is free."""
    n_d = len(kept)
    free = np.flatnonzero(~np.asarray(kept, dtype=bool))
    if not len(free):
        return 0, n_d
    held_off = np.asarray(kept, dtype=bool) & (np.asarray(kept_shift) < 0)
    # ends[e]: days [e - off_days, e) are all kept days off
    window = np.convolve(held_off.astype(np.int64), np.ones(off_days, dtype=np.int64), "valid")
    runs = np.flatnonzero(window == off_days)  # starts of such runs
    before = runs[runs + off_days <= free[0]]
    after = runs[runs > free[-1]]
    first = int(before[-1]) if len(before) else 0
    last = int(after[0]) + off_days if len(after) else n_d
    return first, last


@dataclass(frozen=True)
class _HeldUse:
    """What the held cells outside a trimmed span use of a worker's horizon-wide limits."""

    minutes: int
    per_type: np.ndarray
    weekends: int

    @classmethod
    def of(
        cls,
        p: Problem,
        kept_shift: np.ndarray,
        weekend: np.ndarray,
        first: int,
        last: int,
    ) -> _HeldUse:
        outside = np.ones(len(kept_shift), dtype=bool)
        outside[first:last] = False
        worked = outside & (kept_shift >= 0)
        types = kept_shift[worked]
        minutes = int(sum(p.shift_types[s].minutes for s in types.tolist()))
        per_type = np.bincount(types, minlength=p.n_shifts).astype(np.int64)
        return cls(minutes, per_type, len(set(weekend[worked & (weekend >= 0)].tolist())))

    def fits(self, worker: Worker, limit_all: np.ndarray) -> bool:
        """The held cells alone stay within the worker's upper limits (else no trimming: the
        whole-horizon search reports such a row as having no schedule)."""
        if worker.max_minutes is not None and self.minutes > worker.max_minutes:
            return False
        if worker.max_weekends is not None and self.weekends > worker.max_weekends:
            return False
        return bool(np.all(self.per_type <= limit_all))


@dataclass(frozen=True)
class WeekendPrice:
    """Prices on the Saturday–Sunday units (:meth:`Calendar.sat_sun_weekends`) that
    :func:`shortest_schedules` adds to a schedule's cost: ``worked[u]`` when unit ``u`` is
    worked (either day: the unit the max-weekends rule counts; a Lagrangian price on that
    resource), ``split[u]`` when exactly one of its two days is worked (a one-day weekend; a
    unit the horizon cuts to one day never counts as split). Build with :meth:`of`."""

    units: tuple[tuple[int, ...], ...]
    worked: np.ndarray
    split: np.ndarray

    @classmethod
    def of(
        cls, problem: Problem, worked: float | np.ndarray = 0.0, split: float | np.ndarray = 0.0
    ) -> WeekendPrice:
        """The prices for ``problem``'s units: a number (every unit) or one per unit."""
        units = tuple(tuple(days) for days in problem.calendar.sat_sun_weekends())
        n = len(units)
        w = np.broadcast_to(np.asarray(worked, dtype=np.float64), (n,)).copy()
        s = np.broadcast_to(np.asarray(split, dtype=np.float64), (n,)).copy()
        if not (np.isfinite(w).all() and np.isfinite(s).all()):
            raise ValueError("weekend prices: use finite numbers")
        return cls(units, w, s)

    def per_day(self, n_days: int) -> tuple[np.ndarray, np.ndarray]:
        """``(worked, split)`` per day of the horizon as the search charges them: the unit's
        price on each of its days (charged on the day that starts the worked unit), the split
        charge on the second day of a two-day unit (zeros elsewhere)."""
        wk = np.zeros(n_days)
        split = np.zeros(n_days)
        for u, days in enumerate(self.units):
            wk[list(days)] = self.worked[u]
            if len(days) == 2:
                split[days[1]] = self.split[u]
        return wk, split

    def charge(self, row: np.ndarray) -> float:
        """What the prices add to schedule ``row`` (a shift index or -1 per day)."""
        works = np.asarray(row) >= 0
        total = 0.0
        for u, days in enumerate(self.units):
            n = int(works[list(days)].sum())
            if n:
                total += float(self.worked[u])
            if n == 1 and len(days) == 2:
                total += float(self.split[u])
        return total


def shortest_schedules(
    rules: WorkerRules,
    cost: np.ndarray,
    off_cost: np.ndarray | None = None,
    *,
    n_best: int = 1,
    max_labels: int = DEFAULT_MAX_LABELS,
    retries: int = 2,
    weekend: WeekendPrice | None = None,
) -> PathResult:
    """The least-cost schedules of ``rules.worker`` meeting its rules (module docstring).

    ``cost[d, s]``: float cost of working problem shift ``s`` on day ``d``, shape
    ``(n_days, n_shifts)``; ``+inf`` closes the cell. ``off_cost[d]``: cost of a day off
    (zeros when None; ``+inf`` forbids the day off). ``n_best``: at most this many schedules;
    ``max_labels``: labels kept per (day, state), the work budget (>= 1). When an inexact run
    finds no schedule (the beam kept only labels that turned out to have no completion), the
    search runs again with ``RETRY_GROWTH`` times as many labels, at most ``retries`` times;
    the result is the last run's (``labels`` counts every run). Trimmed rules (``WorkerRules.
    of(..., trim=True)``) take the same whole-horizon ``cost`` and ``off_cost`` and give
    whole-horizon schedules (the held cells outside their span), costed over the whole
    horizon in day order. ``weekend``: prices on the weekend units added to the cost
    (:class:`WeekendPrice`; the search stays exact under them and ``costs`` include them).
    """
    if n_best < 1:
        raise ValueError(f"n_best: {n_best} — ask for at least one schedule")
    if max_labels < 1:
        raise ValueError(f"max_labels: {max_labels} — keep at least one label per state")
    n_d = rules.n_days
    cost = np.asarray(cost, dtype=np.float64)
    held, whole_cost, whole_off = rules.held_row, cost, off_cost
    if held is not None:
        if cost.ndim != 2 or cost.shape[0] != len(held):
            raise ValueError(f"cost: shape {cost.shape} — expected (n_days={len(held)}, n_shifts)")
        span = slice(rules.first_day, rules.first_day + n_d)
        cost = cost[span]
        if off_cost is not None:
            off_cost = np.asarray(off_cost, dtype=np.float64)[span]
    if cost.ndim != 2 or cost.shape[0] != n_d:
        raise ValueError(f"cost: shape {cost.shape} — expected (n_days={n_d}, n_shifts)")
    local = np.ascontiguousarray(cost[:, rules.shifts])
    off = np.zeros(n_d) if off_cost is None else np.asarray(off_cost, dtype=np.float64)
    if off.shape != (n_d,):
        raise ValueError(f"off_cost: shape {off.shape} — expected ({n_d},)")
    r = rules
    wk_cost, split_cost = np.zeros(n_d), np.zeros(n_d)
    if weekend is not None:
        wk_cost, split_cost = weekend.per_day(len(whole_cost))
        wk_cost = np.ascontiguousarray(wk_cost[r.first_day : r.first_day + n_d])
        split_cost = np.ascontiguousarray(split_cost[r.first_day : r.first_day + n_d])
        split_cost[~r.weekend_cont] = 0.0  # a unit cut by a trimmed span: see the charge below
    beam, labels = int(max_labels), 0
    while True:
        rows, costs, exact, created = _search(
            local,
            off,
            r.allowed,
            r.off_allowed,
            r.cls,
            r.forbid,
            r.minutes,
            r.run_cap,
            r.max_run,
            r.min_run,
            r.off_cap,
            r.min_off,
            r.lo,
            r.hi,
            r.min_left,
            r.max_left,
            r.dead,
            r.capacity,
            r.weekend,
            r.weekend_cont,
            r.max_weekends,
            r.weekends_left,
            r.bind,
            r.limit,
            r.count_left,
            beam,
            int(n_best),
            wk_cost,
            split_cost,
        )
        labels += int(created)
        if len(rows) or exact or retries <= 0:
            break
        retries -= 1
        beam *= RETRY_GROWTH
    local_to_problem = np.append(r.shifts, -1)  # index -1: off
    out = local_to_problem[rows].astype(np.int64)
    if held is not None:
        whole = np.tile(held, (len(out), 1))
        whole[:, r.first_day : r.first_day + n_d] = out
        costs = np.array([schedule_cost(whole_cost, row, whole_off) for row in whole])
        if weekend is not None:
            costs = costs + np.array([weekend.charge(row) for row in whole])
        finite = np.isfinite(costs)  # a held cell closed by its cost: no schedule
        out, costs = whole[finite], costs[finite]
    return PathResult(schedules=out, costs=costs, exact=bool(exact), labels=labels)


def schedule_cost(cost: np.ndarray, row: np.ndarray, off_cost: np.ndarray | None = None) -> float:
    """``sum_d cost[d, row[d]]`` (``off_cost[d]`` where ``row[d] == -1``), summed in day order
    as the search does."""
    row = np.asarray(row, dtype=np.int64)
    days = np.arange(len(row))
    vals = np.where(row >= 0, cost[days, np.maximum(row, 0)], 0.0)
    if off_cost is not None:
        vals = np.where(row >= 0, vals, off_cost)
    total = 0.0
    for v in vals.tolist():
        total += v
    return total
