"""What a scheduling problem is: workers, calendar, shift types, demand, requests, rule settings.

A ``Problem`` is immutable once built and validated on the way in: bad input raises one
``ProblemError`` naming the field, the row and the fix, and nothing half-built is returned.
Index conventions used everywhere below: workers ``w`` in ``0..n_workers-1`` (order of
``workers``), days ``d`` in ``0..n_days-1`` (0 = calendar start), shift types ``s`` in
``0..n_shifts-1`` (order of ``shift_types``; a saldo "post" is a shift type).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import numpy as np

from rtsched_widgets import _rule_check
from rtsched_widgets.limits import abbreviate, check_id_length, check_problem_size
from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import Calendar, as_date
from rtsched_widgets.model.errors import ProblemError

Profile = Literal["saldo", "nrp"]
DateRange = tuple[date, date]


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift (a "post" in saldo terms): ``minutes`` long, starting at ``start``.

    ``forbidden_next`` lists the shift type ids that may not be worked on the day right after
    this one by the same worker (NRP successions).
    """

    id: str
    label: str = ""
    start: str = "00:00"
    minutes: int = 0
    forbidden_next: tuple[str, ...] = ()


@dataclass(frozen=True)
class Worker:
    """A person who can be assigned shifts.

    ``days_off`` and ``work_periods`` are inclusive date ranges: the worker is unavailable on
    every date inside a days-off range, and — when any work period is given — on every date
    outside all work periods. ``mandatory_days`` are dates the worker must work (pinned).
    The NRP limits are ``None`` when not set: ``max_per_shift`` maps shift type id to the most
    shifts of that type; ``min_minutes``/``max_minutes`` bound the total minutes worked;
    ``min_consecutive``/``max_consecutive`` bound runs of working days; ``min_consecutive_off``
    bounds runs of days off; ``max_weekends`` bounds worked weekends.
    """

    id: str
    name: str = ""
    work_percentage: float = 100.0
    target_shifts: int | None = None
    max_shifts: int | None = None
    incompatible_with: tuple[str, ...] = ()
    days_off: tuple[DateRange, ...] = ()
    work_periods: tuple[DateRange, ...] = ()
    mandatory_days: tuple[date, ...] = ()
    color: str | None = None
    max_per_shift: Mapping[str, int] = field(default_factory=dict)
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_consecutive: int | None = None
    max_consecutive: int | None = None
    min_consecutive_off: int | None = None
    max_weekends: int | None = None

    @property
    def display_name(self) -> str:
        """The name, or the id when no name is given."""
        return self.name or self.id


@dataclass(frozen=True)
class Request:
    """An NRP shift-on (wants to work ``shift`` on ``day``) or shift-off request; soft."""

    worker: str
    day: int
    shift: str
    weight: float


@dataclass(frozen=True)
class RuleSettings:
    """Settings of the saldo rules (defaults of DESIGN §4) and the soft-rule weights.

    Checked when built (ProblemError naming ``settings.<field>``; :func:`check_setting` gives
    the ranges): ``gap`` 0 … 366 days; ``part_time_threshold`` a percentage 0 … 100;
    ``pattern_weekdays`` weekdays 0 (Monday) … 6; ``pattern_distances`` 1 … 366 days;
    ``max_consecutive_weekends`` and ``target_tolerance`` whole numbers of 0 or more; the
    weights finite, 0 … :data:`~rtsched_widgets.model.numbers.MAX_WEIGHT`. Values are stored as
    ``int``, ``float`` and tuples of ``int`` whatever numeric type they were given as.
    """

    gap: int = 3
    part_time_threshold: float = 70.0
    pattern_weekdays: tuple[int, ...] = (0, 1, 2, 3)
    pattern_distances: tuple[int, ...] = (7, 14)
    max_consecutive_weekends: int = 3
    target_tolerance: int = 1
    weight_target: float = 10.0
    weight_special_balance: float = 5.0
    weight_last_post_balance: float = 2.0
    weight_coverage: float = 1000.0

    def __post_init__(self) -> None:
        for name in _SETTING_BOUNDS:
            value = check_setting(name, getattr(self, name), f"settings.{name}")
            object.__setattr__(self, name, value)


_SETTING_BOUNDS: dict[str, tuple[str, float, float]] = {
    "gap": ("int", 0, 366),
    "part_time_threshold": ("float", 0.0, 100.0),
    "pattern_weekdays": ("ints", 0, 6),
    "pattern_distances": ("ints", 1, 366),
    "max_consecutive_weekends": ("int", 0, numbers.MAX_COUNT),
    "target_tolerance": ("int", 0, numbers.MAX_COUNT),
    "weight_target": ("float", 0.0, numbers.MAX_WEIGHT),
    "weight_special_balance": ("float", 0.0, numbers.MAX_WEIGHT),
    "weight_last_post_balance": ("float", 0.0, numbers.MAX_WEIGHT),
    "weight_coverage": ("float", 0.0, numbers.MAX_WEIGHT),
}


def check_setting(name: str, value: object, field_name: str) -> object:
    """``value`` of the :class:`RuleSettings` field ``name`` in its stored type, or a
    ProblemError naming ``field_name`` (the importers pass the key as their input spells it)."""
    if name not in _SETTING_BOUNDS:
        raise ProblemError(
            field_name,
            f"unknown rule setting {name!r}",
            fix=f"use one of {sorted(_SETTING_BOUNDS)}",
        )
    kind, low, high = _SETTING_BOUNDS[name]
    if kind == "int":
        return numbers.integer(value, field_name, minimum=int(low), maximum=int(high))
    if kind == "ints":
        return numbers.integers(value, field_name, minimum=int(low), maximum=int(high))
    return numbers.number(value, field_name, minimum=low, maximum=high)


_WORKER_LIMITS = (
    "target_shifts", "max_shifts", "min_minutes", "max_minutes", "min_consecutive",
    "max_consecutive", "min_consecutive_off", "max_weekends",
)  # fmt: skip


class Problem:
    """A validated scheduling problem of one profile (``"saldo"`` or ``"nrp"``).

    Demand: ``required[d, s]`` posts/people must work shift ``s`` on day ``d`` and at most
    ``maximum[d, s]`` may (the grid shows ``maximum`` slots per cell). ``under_weight`` and
    ``over_weight`` price a missing and a surplus person (NRP cover; saldo uses the coverage
    weight for under-cover and forbids over-cover by ``maximum``).

    Sizes are bounded by :mod:`rtsched_widgets.limits` (workers, shift types, cells, people
    per cell, array bytes; ids of at most ``MAX_ID_LENGTH`` characters): a problem over a limit
    is refused with a ProblemError before its arrays are built.
    """

    def __init__(
        self,
        *,
        workers: Sequence[Worker],
        calendar: Calendar,
        shift_types: Sequence[ShiftType],
        required: np.ndarray | Sequence[Sequence[int]],
        maximum: np.ndarray | Sequence[Sequence[int]] | None = None,
        under_weight: np.ndarray | None = None,
        over_weight: np.ndarray | None = None,
        shift_on_requests: Iterable[Request] = (),
        shift_off_requests: Iterable[Request] = (),
        settings: RuleSettings | None = None,
        profile: Profile = "saldo",
        name: str = "",
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        if profile not in ("saldo", "nrp"):
            raise ProblemError(
                "profile", f"unknown profile {profile!r}", fix="use 'saldo' or 'nrp'"
            )
        self.profile: Profile = profile
        self.name = name
        #: Rules written by people (``rt.WorkerRule`` / ``rt.DateRule``), see :meth:`with_rules`.
        self.custom_rules: tuple[Any, ...] = ()
        self.metadata: dict[str, object] = dict(metadata or {})
        self.calendar = calendar
        self.settings = settings or RuleSettings()
        self.workers: tuple[Worker, ...] = tuple(workers)
        self.shift_types: tuple[ShiftType, ...] = tuple(shift_types)
        self.shift_on_requests: tuple[Request, ...] = tuple(shift_on_requests)
        self.shift_off_requests: tuple[Request, ...] = tuple(shift_off_requests)
        n_days, n_shifts = calendar.n_days, len(self.shift_types)
        check_problem_size(len(self.workers), n_days, n_shifts)
        self.required = _demand(required, "required", (n_days, n_shifts))
        self.maximum = (
            self.required.copy()
            if maximum is None
            else _demand(maximum, "maximum", (n_days, n_shifts))
        )
        bad = np.argwhere(self.maximum < self.required)
        if bad.size:
            d, s = bad[0]
            raise ProblemError(
                "maximum",
                f"maximum {self.maximum[d, s]} < required {self.required[d, s]} "
                f"on {calendar.iso(d)} for shift {self.shift_types[s].id!r}",
                fix="make maximum at least the required count",
            )
        check_problem_size(
            len(self.workers), n_days, n_shifts, int(self.maximum.max()) if self.maximum.size else 0
        )
        default_under = 100.0 if profile == "nrp" else self.settings.weight_coverage
        self.under_weight = _weights(
            under_weight, "under_weight", (n_days, n_shifts), default_under
        )
        self.over_weight = _weights(over_weight, "over_weight", (n_days, n_shifts), 1.0)
        self._index_and_check()
        self._derive()

    # -- construction helpers -------------------------------------------------------------
    def _check_numbers(self) -> None:
        """Every number on the workers, shift types and requests checked (type, finite, range)
        and stored in its canonical type (``int``/``float``)."""
        shift_types = []
        for row, st in enumerate(self.shift_types):
            minutes = numbers.integer(
                st.minutes, "shift_types.minutes", row=row, minimum=None, maximum=None
            )
            if minutes < 0:
                raise ProblemError(
                    "shift_types.minutes",
                    f"{minutes} is negative",
                    row=row,
                    fix="give the length in minutes, 0 or more",
                )
            minutes = numbers.integer(
                minutes, "shift_types.minutes", row=row, maximum=numbers.MAX_MINUTES
            )
            shift_types.append(st if st.minutes is minutes else replace(st, minutes=minutes))
        self.shift_types = tuple(shift_types)
        workers = []
        for row, w in enumerate(self.workers):
            pct = numbers.number(
                w.work_percentage, "workers.work_percentage", row=row, minimum=None, maximum=None,
                fix="give a percentage above 0 and at most 100",
            )  # fmt: skip
            if not 0 < pct <= 100:
                raise ProblemError(
                    "workers.work_percentage",
                    f"{w.work_percentage} is outside (0, 100]",
                    row=row,
                    fix="give a percentage above 0 and at most 100",
                )
            changes: dict[str, object] = {"work_percentage": pct}
            for name in _WORKER_LIMITS:
                changes[name] = numbers.optional_integer(
                    getattr(w, name), f"workers.{name}", row=row
                )
            if not isinstance(w.max_per_shift, Mapping):
                raise ProblemError(
                    "workers.max_per_shift",
                    f"{w.max_per_shift!r} is not a mapping",
                    row=row,
                    fix="map shift type ids to the most shifts of that type",
                )
            changes["max_per_shift"] = {
                sid: numbers.integer(limit, "workers.max_per_shift", row=row)
                for sid, limit in w.max_per_shift.items()
            }
            same = all(getattr(w, k) == v and type(getattr(w, k)) is type(v)
                       for k, v in changes.items())  # fmt: skip
            workers.append(w if same else replace(w, **changes))  # type: ignore[arg-type]
        self.workers = tuple(workers)
        for label in ("shift_on_requests", "shift_off_requests"):
            checked = []
            for row, r in enumerate(getattr(self, label)):
                day = numbers.integer(r.day, label, row=row, minimum=None, maximum=None)
                weight = numbers.number(r.weight, f"{label}.weight", row=row)
                checked.append(replace(r, day=day, weight=weight))
            setattr(self, label, tuple(checked))

    def _index_and_check(self) -> None:
        self._check_numbers()
        self.worker_index: dict[str, int] = {}
        for row, w in enumerate(self.workers):
            if not isinstance(w.id, str) or not w.id:
                raise ProblemError(
                    "workers.id",
                    f"{abbreviate(w.id)} is not a worker id",
                    row=row,
                    fix="give every worker a non-empty string id",
                )
            check_id_length("workers.id", w.id, row)
            if w.id in self.worker_index:
                raise ProblemError(
                    "workers.id",
                    f"duplicate worker id {abbreviate(w.id)}",
                    row=row,
                    fix="give every worker a unique id",
                )
            self.worker_index[w.id] = row
        self.shift_index: dict[str, int] = {}
        for row, st in enumerate(self.shift_types):
            if not isinstance(st.id, str) or not st.id:
                raise ProblemError(
                    "shift_types.id",
                    f"{abbreviate(st.id)} is not a shift type id",
                    row=row,
                    fix="give every shift type a non-empty string id",
                )
            check_id_length("shift_types.id", st.id, row)
            if st.id in self.shift_index:
                raise ProblemError(
                    "shift_types.id",
                    f"duplicate shift type id {abbreviate(st.id)}",
                    row=row,
                    fix="give every shift type a unique id",
                )
            self.shift_index[st.id] = row
        for row, st in enumerate(self.shift_types):
            for nxt in st.forbidden_next:
                self._known_shift(nxt, "shift_types.forbidden_next", row)
        cal = self.calendar
        for row, w in enumerate(self.workers):
            for other in w.incompatible_with:
                if other not in self.worker_index:
                    raise ProblemError(
                        "workers.incompatible_with",
                        f"unknown worker id {abbreviate(other)} (worker {w.id!r})",
                        row=row,
                        fix="list only ids of workers in this problem",
                    )
                if other == w.id:
                    raise ProblemError(
                        "workers.incompatible_with",
                        f"worker {w.id!r} is listed as incompatible with itself",
                        row=row,
                        fix="remove the worker's own id",
                    )
            for label, ranges in (("days_off", w.days_off), ("work_periods", w.work_periods)):
                for a, b in ranges:
                    if b < a:
                        raise ProblemError(
                            f"workers.{label}",
                            f"range {a} - {b} of worker {w.id!r} ends before it starts",
                            row=row,
                            fix="write the earlier date first",
                        )
            for m in w.mandatory_days:
                if not cal.start <= m <= cal.end:
                    raise ProblemError(
                        "workers.mandatory_days",
                        f"{m} of worker {w.id!r} is outside the horizon {cal.start} … {cal.end}",
                        row=row,
                        fix="remove it or widen the horizon",
                    )
                if any(a <= m <= b for a, b in w.days_off):
                    raise ProblemError(
                        "workers.mandatory_days",
                        f"{m} of worker {w.id!r} is inside the same worker's days off",
                        row=row,
                        fix="remove the mandatory day or the day off",
                    )
                if w.work_periods and not any(a <= m <= b for a, b in w.work_periods):
                    raise ProblemError(
                        "workers.mandatory_days",
                        f"{m} of worker {w.id!r} is outside the worker's work periods",
                        row=row,
                        fix="remove the mandatory day or extend the period",
                    )
            for sid in w.max_per_shift:
                self._known_shift(sid, "workers.max_per_shift", row)
        for label, requests in (
            ("shift_on_requests", self.shift_on_requests),
            ("shift_off_requests", self.shift_off_requests),
        ):
            for row, r in enumerate(requests):
                if r.worker not in self.worker_index:
                    raise ProblemError(
                        label,
                        f"unknown worker id {abbreviate(r.worker)}",
                        row=row,
                        fix="use an id from the workers",
                    )
                if not 0 <= r.day < cal.n_days:
                    raise ProblemError(
                        label,
                        f"day {r.day} is outside the horizon 0 … {cal.n_days - 1}",
                        row=row,
                        fix="use a day inside it",
                    )
                self._known_shift(r.shift, label, row)

    def _known_shift(self, sid: str, field_name: str, row: int) -> int:
        if sid not in self.shift_index:
            raise ProblemError(
                field_name,
                f"unknown shift type {abbreviate(sid)}",
                row=row,
                fix=f"use one of {sorted(self.shift_index)}",
            )
        return self.shift_index[sid]

    def _derive(self) -> None:
        cal, n_w, n_d = self.calendar, len(self.workers), self.calendar.n_days
        self.available = np.ones((n_w, n_d), dtype=bool)
        self.mandatory = np.zeros((n_w, n_d), dtype=bool)
        self.incompatible = np.zeros((n_w, n_w), dtype=bool)
        for w, worker in enumerate(self.workers):
            if worker.work_periods:
                inside = np.zeros(n_d, dtype=bool)
                for a, b in worker.work_periods:
                    inside[_clip(cal, a) : _clip(cal, b, end=True)] = True
                self.available[w] &= inside
            for a, b in worker.days_off:
                self.available[w, _clip(cal, a) : _clip(cal, b, end=True)] = False
            for m in worker.mandatory_days:
                self.mandatory[w, (m - cal.start).days] = True
            for other in worker.incompatible_with:
                o = self.worker_index[other]
                self.incompatible[w, o] = self.incompatible[o, w] = True
        pct = np.array([wk.work_percentage for wk in self.workers], dtype=float)
        self.part_time = pct < self.settings.part_time_threshold
        self.min_distance = np.where(self.part_time, self.settings.gap + 2, self.settings.gap + 1)
        self.targets = self._default_targets(pct)
        for arr in (
            self.available,
            self.mandatory,
            self.incompatible,
            self.part_time,
            self.min_distance,
            self.targets,
            self.required,
            self.maximum,
            self.under_weight,
            self.over_weight,
        ):
            arr.setflags(write=False)

    def _default_targets(self, pct: np.ndarray) -> np.ndarray:
        """Given targets where set; the others share the remaining required slots in proportion
        to available days x work percentage, largest-remainder rounded."""
        given = np.array(
            [w.target_shifts if w.target_shifts is not None else -1 for w in self.workers],
            dtype=np.int64,
        )
        free = given < 0
        targets = np.where(free, 0, given)
        remaining = max(int(self.required.sum()) - int(targets.sum()), 0)
        weight = self.available.sum(axis=1) * pct * free
        if free.any() and weight.sum() > 0:
            exact = remaining * weight / weight.sum()
            base = np.floor(exact).astype(np.int64)
            short = remaining - int(base.sum())
            order = np.argsort(-(exact - base), kind="stable")
            base[order[:short]] += 1
            targets = np.where(free, base, targets)
        return targets

    # -- convenience ----------------------------------------------------------------------
    @property
    def n_workers(self) -> int:
        """Number of workers."""
        return len(self.workers)

    @property
    def n_days(self) -> int:
        """Number of days in the horizon."""
        return self.calendar.n_days

    @property
    def n_shifts(self) -> int:
        """Number of shift types (posts)."""
        return len(self.shift_types)

    @property
    def max_slots(self) -> int:
        """The largest ``maximum`` over all cells: the slot capacity of a cell in the roster."""
        return int(self.maximum.max()) if self.maximum.size else 0

    def worker(self, worker_id: object, field_name: str = "worker") -> int:
        """Index of ``worker_id``; ProblemError naming ``field_name`` when unknown."""
        if isinstance(worker_id, str) and worker_id in self.worker_index:
            return self.worker_index[worker_id]
        raise ProblemError(
            field_name,
            f"unknown worker id {abbreviate(worker_id)}",
            fix="use an id from problem.workers",
        )

    def shift(self, value: object, field_name: str = "post") -> int:
        """Index of a shift type given by index or id; ProblemError when unknown."""
        if isinstance(value, str) and value in self.shift_index:
            return self.shift_index[value]
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            index = int(value)
            if 0 <= index < self.n_shifts:
                return index
        raise ProblemError(
            field_name,
            f"{abbreviate(value)} is not a post/shift type of this problem",
            fix=f"use an index in 0 … {self.n_shifts - 1} or an id of "
            f"{[s.id for s in self.shift_types]}",
        )

    def day(self, value: object, field_name: str = "date") -> int:
        """Day index of a date (date, ISO string or numpy datetime64)."""
        return self.calendar.index(value, field_name)

    # -- importers (implemented in rtsched_widgets.model.io) -------------------------------
    @classmethod
    def from_saldo(cls, data: Mapping[str, object] | str | os.PathLike[str]) -> Problem:
        """A saldo-profile problem from a saldo config dict, a backup dict or a path to a
        JSON file of either (format: :mod:`rtsched_widgets.model.io.saldo`); a backup's
        ``schedule`` is not read here (``rtsched_widgets.model.io.from_saldo`` returns both)."""
        from rtsched_widgets.model.io.saldo import load_saldo, problem_from_saldo

        if isinstance(data, (str, os.PathLike)):
            return load_saldo(data)
        return problem_from_saldo(data)

    @classmethod
    def from_nrp(cls, path: str | os.PathLike[str]) -> Problem:
        """An NRP-profile problem from a Curtois & Qu instance file
        (:mod:`rtsched_widgets.model.io.nrp`)."""
        from rtsched_widgets.model.io.nrp import load_nrp

        return load_nrp(path)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Problem:
        """Inverse of :meth:`to_dict` (:mod:`rtsched_widgets.model.io.native`)."""
        from rtsched_widgets.model.io.native import problem_from_dict

        return problem_from_dict(data)

    def with_rules(self, rules: Iterable[object]) -> Problem:
        """This problem with custom rules added (``rt.WorkerRule`` / ``rt.DateRule``
        instances; see :mod:`rtsched_widgets.rules.custom`): a copy, checked first (ValueError
        naming the rule and the fix); this problem is not changed. Every validator, score and
        strategy run of the copy applies them.

        The rules are checked by the rules layer's check, registered in
        :mod:`rtsched_widgets._rule_check` (the model does not import the rules layer)."""
        check = _rule_check.check
        if check is None:
            raise RuntimeError(
                "with_rules: no rule check is registered — import rtsched_widgets (its "
                "composition root registers rtsched_widgets.rules.custom.check_added_rules)"
            )
        added = check(self, rules)
        new = copy.copy(self)
        new.custom_rules = (*self.custom_rules, *added)
        return new

    def without_custom_rules(self) -> Problem:
        """A copy of this problem without its custom rules (this one when it has none)."""
        if not self.custom_rules:
            return self
        new = copy.copy(self)
        new.custom_rules = ()
        return new

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict describing this problem losslessly (native format)."""
        from rtsched_widgets.model.io.native import problem_to_dict

        return problem_to_dict(self)

    @classmethod
    def from_frames(cls, workers: object, demand: object, **options: object) -> Problem:
        """A problem from a workers table and a demand table; ``options`` as
        :func:`rtsched_widgets.model.io.tables.problem_from_frames` (unknown ones are errors)."""
        from rtsched_widgets.model.io.tables import problem_from_frames

        return problem_from_frames(workers, demand, **options)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"Problem({self.profile!r}, name={self.name!r}, workers={self.n_workers}, "
            f"days={self.n_days}, shifts={self.n_shifts}, slots={int(self.maximum.sum())})"
        )


def _clip(cal: Calendar, value: date, end: bool = False) -> int:
    i = (as_date(value, "date") - cal.start).days + (1 if end else 0)
    return min(max(i, 0), cal.n_days)


def _demand(values: object, name: str, shape: tuple[int, int]) -> np.ndarray:
    """Whole numbers 0 … MAX_PER_CELL per (day, shift type); fractions, NaN, infinities and
    values beyond int32 are refused, never truncated or wrapped."""
    try:
        probe = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        probe = None
    if probe is not None and probe.shape == shape and (probe < 0).any():
        d, s = np.argwhere(probe < 0)[0]
        raise ProblemError(
            name,
            f"negative demand {values[d][s]} at day {d}, shift type {s}",  # type: ignore[index]
            fix="give a demand of 0 or more",
        )
    return numbers.count_table(values, name, shape).astype(np.int32)


def _weights(values: object, name: str, shape: tuple[int, int], default: float) -> np.ndarray:
    """Finite weights 0 … MAX_WEIGHT per (day, shift type); the default where not given."""
    if values is None:
        return np.full(shape, default, dtype=float)
    return numbers.weight_table(values, name, shape)
