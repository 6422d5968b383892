"""Synthetic saldo-profile problems, deterministic by seed, from tens to 100,000+ slots.

``synthetic(...)`` draws (with ``numpy.random.default_rng(seed)``, so the same arguments give
the same problem):

- workers ``W0001 …``; a ``part_time_share`` of them work 50–67 % (part-timers: below the
  70 % threshold, so they need one more day of gap), the others 80–100 %;
- holidays: about one per 60 days on weekdays (or the dates given);
- ``incompatible_pairs`` random pairs of workers that may not share a date;
- ``days_off_blocks`` blocks of 2–6 days off per worker;
- ``mandatory_per_worker`` mandatory days per worker, never inside that worker's days off.

With ``feasible=True`` the generator first builds a hidden roster day by day that meets every
hard saldo rule with the default :class:`RuleSettings` (one shift per date, gap, part-time gap,
7/14 pattern, incompatibility, max consecutive weekends) and then derives the rest around it:
days off only fall between the worker's hidden shifts and mandatory days are hidden shifts.
Guarantee: the hidden roster (:func:`synthetic_with_roster` returns it) fills every required
slot and breaks no hard rule, so a roster with full coverage and no hard violation exists.
A date on which the hidden roster runs out of eligible workers gets fewer posts (posts
``0 … k-1`` stay the saldo shape). Without ``feasible`` nothing is promised.

Size: slots = days x posts; ``SCALE_100K`` (1,600 workers, 365 days, 275 posts) gives 100,375
slots and builds in well under two seconds. Sizes over the limits of
:mod:`rtsched_widgets.limits` (``MAX_WORKERS``, ``MAX_DAYS``, ``MAX_SHIFT_TYPES``, cells and
array bytes) are refused with a ProblemError before anything is drawn.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from rtsched_widgets.limits import abbreviate, check_problem_size
from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import Calendar, as_date
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.problem import Problem, RuleSettings, ShiftType, Worker
from rtsched_widgets.model.roster import Roster

SCALE_100K: dict[str, int] = {"workers": 1600, "days": 365, "posts": 275}
"""A shape with a little over 100,000 slots that the feasible generator can fill."""


def _positive(name: str, value: int, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ProblemError(
            f"synthetic.{name}", f"{abbreviate(value)} is not an integer >= {minimum}",
            fix=f"give an integer of at least {minimum}",
        )  # fmt: skip
    return int(value)


def _hidden_roster(
    cal: Calendar,
    posts: int,
    pct: np.ndarray,
    incompatible: np.ndarray,
    settings: RuleSettings,
    rng: np.random.Generator,
) -> np.ndarray:
    """``shift_of[w, d]`` of a roster meeting the hard saldo rules; -1 = free."""
    n_w, n_d = pct.shape[0], cal.n_days
    shift_of = np.full((n_w, n_d), -1, dtype=np.int16)
    part_time = pct < settings.part_time_threshold
    min_distance = np.where(part_time, settings.gap + 2, settings.gap + 1)
    last = np.full(n_w, -(10**6), dtype=np.int64)
    count = np.zeros(n_w, dtype=np.float64)
    run = np.zeros(n_w, dtype=np.int64)
    last_week = np.full(n_w, -(10**6), dtype=np.int64)
    partners = [np.flatnonzero(row).tolist() for row in incompatible]
    pattern_days = set(settings.pattern_weekdays)
    distances = settings.pattern_distances
    for d in range(n_d):
        ok = (d - last) >= min_distance
        if int(cal.weekday[d]) in pattern_days:
            for gap in distances:
                if d - gap >= 0:
                    ok &= shift_of[:, d - gap] < 0
        week = int(cal.week[d])
        special = bool(cal.is_special[d])
        if special:
            new_run = np.where(last_week == week, run, np.where(last_week == week - 1, run + 1, 1))
            ok &= new_run <= settings.max_consecutive_weekends
        candidates = np.flatnonzero(ok)
        # fewest shifts per unit of work percentage first, random among equals
        score = count[candidates] / pct[candidates] + rng.random(candidates.size) * 1e-3
        order = candidates[np.argsort(score, kind="stable")]
        blocked: set[int] = set()
        chosen: list[int] = []
        for w in order.tolist():
            if len(chosen) == posts:
                break
            if w in blocked:
                continue
            chosen.append(w)
            blocked.update(partners[w])
        shift_of[chosen, d] = np.arange(len(chosen))
        placed = np.flatnonzero(shift_of[:, d] >= 0)
        last[placed] = d
        count[placed] += 1
        if special and placed.size:
            run[placed] = new_run[placed]
            last_week[placed] = week
    return shift_of


def synthetic_with_roster(
    workers: int = 40,
    days: int = 180,
    posts: int = 3,
    seed: int = 0,
    *,
    start: date | str = "2026-01-05",
    part_time_share: float = 0.2,
    holidays: list[date | str] | None = None,
    incompatible_pairs: int | None = None,
    mandatory_per_worker: int = 1,
    days_off_blocks: int = 2,
    feasible: bool = False,
    settings: RuleSettings | None = None,
    name: str | None = None,
) -> tuple[Problem, Roster | None]:
    """The problem of :func:`synthetic` and, with ``feasible=True``, the hidden roster that
    proves it feasible (None otherwise)."""
    n_w = _positive("workers", workers)
    n_d = _positive("days", days)
    n_p = _positive("posts", posts)
    seed = _positive("seed", seed, 0)
    check_problem_size(n_w, n_d, n_p, where="synthetic")
    mandatory_per_worker = _positive("mandatory_per_worker", mandatory_per_worker, 0)
    days_off_blocks = _positive("days_off_blocks", days_off_blocks, 0)
    if mandatory_per_worker > n_d or days_off_blocks > n_d:
        name = "mandatory_per_worker" if mandatory_per_worker > n_d else "days_off_blocks"
        raise ProblemError(f"synthetic.{name}", f"more than the {n_d} days of the horizon",
                           fix=f"give at most {n_d}")  # fmt: skip
    part_time_share = numbers.number(part_time_share, "synthetic.part_time_share", maximum=1.0,
                                     fix="give a share between 0 and 1")  # fmt: skip
    settings = settings or RuleSettings()
    rng = np.random.default_rng(seed)
    first = as_date(start, "synthetic.start")
    try:
        last_day = first + timedelta(days=n_d - 1)
    except OverflowError:
        raise ProblemError(
            "synthetic.days", f"{n_d:,} days from {first} end after the year 9999",
            fix="give fewer days or an earlier start",
        ) from None  # fmt: skip
    if holidays is None:
        weekdays = [i for i in range(n_d) if (first + timedelta(i)).weekday() < 4]
        k = min(len(weekdays), n_d // 60 + 1)
        picked: list[int] = rng.choice(weekdays, size=k, replace=False).tolist() if k else []
        holiday_dates = frozenset(first + timedelta(int(i)) for i in picked)
    else:
        holiday_dates = frozenset(as_date(h, "synthetic.holidays") for h in holidays)
    cal = Calendar(first, last_day, holidays=holiday_dates)

    ids = [f"W{i + 1:0{max(4, len(str(n_w)))}d}" for i in range(n_w)]
    part = rng.random(n_w) < part_time_share
    pct = np.where(part, rng.choice([50.0, 60.0, 67.0], n_w), rng.choice([80.0, 90.0, 100.0], n_w))
    pct = np.where(~part & (rng.random(n_w) < 0.6), 100.0, pct)
    n_pairs = max(n_w // 20, 0) if incompatible_pairs is None else incompatible_pairs
    n_pairs = min(_positive("incompatible_pairs", n_pairs, 0), n_w * (n_w - 1) // 2)
    incompatible = np.zeros((n_w, n_w), dtype=bool)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_pairs:
        a, b = sorted(int(x) for x in rng.choice(n_w, size=2, replace=False))
        pairs.add((a, b))
    for a, b in pairs:
        incompatible[a, b] = incompatible[b, a] = True
    partner_ids: list[list[str]] = [[] for _ in range(n_w)]
    for a, b in sorted(pairs):
        partner_ids[a].append(ids[b])

    posts_per_day = np.full(n_d, n_p, dtype=np.int64)
    hidden: np.ndarray | None = None
    if feasible:
        hidden = _hidden_roster(cal, n_p, pct, incompatible, settings, rng)
        posts_per_day = (hidden >= 0).sum(axis=0)
    worked_lists = [np.flatnonzero(hidden[w] >= 0) for w in range(n_w)] if hidden is not None \
        else None  # fmt: skip

    worker_objs = []
    for w in range(n_w):
        off: list[tuple[date, date]] = []
        if worked_lists is not None:
            worked = worked_lists[w]
            bounds = np.concatenate(([-1], worked, [n_d]))
            wide = np.flatnonzero(np.diff(bounds) - 1 >= 2)
            gaps = list(zip((bounds[wide] + 1).tolist(), (bounds[wide + 1] - 1).tolist(),
                            strict=True))  # fmt: skip
            for g in rng.permutation(len(gaps))[:days_off_blocks]:
                lo, hi = gaps[int(g)]
                length = int(rng.integers(2, min(6, hi - lo + 1) + 1))
                begin = int(rng.integers(lo, hi - length + 2))
                off.append((cal.date(begin), cal.date(begin + length - 1)))
            chosen = rng.permutation(worked)[:mandatory_per_worker]
        else:
            for _ in range(days_off_blocks):
                length = int(rng.integers(2, 7))
                begin = int(rng.integers(0, max(n_d - length, 0) + 1))
                off.append((cal.date(begin), cal.date(min(begin + length - 1, n_d - 1))))
            free = np.ones(n_d, dtype=bool)
            for off_start, off_end in off:
                free[(off_start - first).days : (off_end - first).days + 1] = False
            chosen = rng.permutation(np.flatnonzero(free))[:mandatory_per_worker]
        off.sort()
        worker_objs.append(
            Worker(
                id=ids[w],
                name=f"Worker {w + 1}",
                work_percentage=float(pct[w]),
                incompatible_with=tuple(partner_ids[w]),
                days_off=tuple(off),
                mandatory_days=tuple(sorted(cal.date(int(d)) for d in chosen)),
            )
        )
    required = (np.arange(n_p)[None, :] < posts_per_day[:, None]).astype(np.int64)
    problem = Problem(
        workers=worker_objs,
        calendar=cal,
        shift_types=[
            ShiftType(id=str(s), label=f"Post {s + 1}", start="08:00", minutes=1440)
            for s in range(n_p)
        ],
        required=required,
        maximum=required,
        settings=settings,
        profile="saldo",
        name=name or f"synthetic-{n_w}x{n_d}x{n_p}-seed{seed}",
        metadata={"format": "synthetic", "seed": seed, "feasible": bool(feasible)},
    )
    roster = None
    if hidden is not None:
        roster = Roster(problem)
        w_idx, d_idx = np.nonzero(hidden >= 0)
        s_idx = hidden[w_idx, d_idx].astype(np.int64)
        roster.shift_of[w_idx, d_idx] = s_idx
        roster.slot_of[w_idx, d_idx] = 0
        roster.slots[d_idx, s_idx, 0] = w_idx
        roster.count[d_idx, s_idx] = 1
    return problem, roster


def synthetic(
    workers: int = 40,
    days: int = 180,
    posts: int = 3,
    seed: int = 0,
    *,
    start: date | str = "2026-01-05",
    part_time_share: float = 0.2,
    holidays: list[date | str] | None = None,
    incompatible_pairs: int | None = None,
    mandatory_per_worker: int = 1,
    days_off_blocks: int = 2,
    feasible: bool = False,
    settings: RuleSettings | None = None,
    name: str | None = None,
) -> Problem:
    """A synthetic saldo-profile problem (see the module docstring for what is drawn and for
    the ``feasible`` guarantee). ``incompatible_pairs`` defaults to ``workers // 20``."""
    return synthetic_with_roster(
        workers, days, posts, seed, start=start, part_time_share=part_time_share,
        holidays=holidays, incompatible_pairs=incompatible_pairs,
        mandatory_per_worker=mandatory_per_worker, days_off_blocks=days_off_blocks,
        feasible=feasible, settings=settings, name=name,
    )[0]  # fmt: skip
