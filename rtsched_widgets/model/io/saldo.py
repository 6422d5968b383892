"""The saldo-style on-call scheduler's config dict and JSON backup (saldo profile).

Two shapes are read, both as a dict or a JSON file:

- a **config** (what the original ``Scheduler(config)`` takes)::

    {"start_date": "2026-01-05", "end_date": "2026-03-31", "num_shifts": 3,
     "variable_shifts": [{"start_date": "2026-02-01", "end_date": "2026-02-07", "shifts": 4}],
     "holidays": ["2026-01-06"], "gap_between_shifts": 3, "max_consecutive_weekends": 3,
     "workers_data": [...]}

- a **backup**: ``{"config": {...}, "metadata": {...}, "workers_data": [...],
  "schedule": {"2026-01-05": ["W01", null, "W07"], ...}}`` (``workers_data`` may also sit
  inside ``config``).

Config keys:

``start_date``, ``end_date`` (required)
    the horizon, both inclusive; dates may be ISO (``2026-01-05``, ``2026-01-05T00:00:00``),
    day-first (``05-01-2026``) or ``date``/``datetime`` objects.
``num_shifts``
    posts per date (default 1).
``variable_shifts``
    ``[{"start_date", "end_date", "shifts"}]``: inclusive date ranges with another number of
    posts; ranges may not overlap; parts outside the horizon are ignored.
``holidays``
    a list of dates (or one ``;``-separated string).
``gap_between_shifts`` [3], ``max_consecutive_weekends`` [3]
    the saldo rule settings ``gap`` and ``max_consecutive_weekends``; every other
    :class:`~rtsched_widgets.model.problem.RuleSettings` field may be given under its own name
    (``part_time_threshold``, ``pattern_weekdays``, ``target_tolerance``, ``weight_target`` …).
``weekend_days`` [``[4, 5, 6]``: Fri/Sat/Sun], ``post_start`` [``"08:00"``], ``post_minutes``
[1440], ``post_labels`` [``"Post 1"``, …], ``under_weight``, ``over_weight`` (per-date
per-post lists), ``name``
    extensions of this package; ``post_start``/``post_minutes`` are one value for every post
    or a list with one per post.

Every other config key is kept unchanged in ``problem.metadata["saldo_config_extra"]`` and
written back on export.

Worker keys (``workers_data`` items): ``id`` (str; integers are turned into strings), ``name``,
``work_percentage`` [100], ``target_shifts`` (0 means "computed" unless
``auto_calculate_shifts`` is explicitly ``false``), ``auto_calculate_shifts``, ``max_shifts``
(optional; null or "" = no limit), ``incompatible_with`` (list of ids, or a ``;``/``,``
separated string), ``is_incompatible`` (true: incompatible with every other worker flagged
true), ``days_off`` / ``work_periods`` (``"DD-MM-YYYY - DD-MM-YYYY"`` inclusive ranges
separated by ``;``; a single date is a one-day range), ``mandatory_days`` (``"DD-MM-YYYY"``
separated by ``;``), ``color``. Other worker keys are kept in
``problem.metadata["saldo_worker_extra"][id]`` and written back.

Mapping: posts are shift types ``"0"``, ``"1"``, … (the most posts any date has); on each date
posts ``0 … k-1`` exist with required = maximum = 1 and the others have 0. The ``schedule``
maps a date to one entry per post: a worker id or null. Export (:func:`to_saldo`) writes a
backup whose re-import gives the same problem and schedule; problems the format cannot express
(NRP profile, demand other than 0/1 per post, forbidden successions, requests, NRP limits) are
refused with a ProblemError rather than exported with losses.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

import numpy as np

from rtsched_widgets.limits import MAX_SHIFT_TYPES
from rtsched_widgets.model import numbers
from rtsched_widgets.model.calendar import FRI_SAT_SUN, Calendar
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.io._dates import (
    format_days,
    format_ranges,
    parse_day,
    parse_days,
    parse_ranges,
)
from rtsched_widgets.model.io.native import json_value
from rtsched_widgets.model.problem import Problem, RuleSettings, ShiftType, Worker, check_setting
from rtsched_widgets.model.roster import Roster

DEFAULT_POST_START = "08:00"
DEFAULT_POST_MINUTES = 24 * 60

_SETTING_ALIASES = {
    "gap_between_shifts": "gap",
    "max_consecutive_weekends": "max_consecutive_weekends",
}
_SETTING_FIELDS = {f.name for f in dc_fields(RuleSettings)}
_CONFIG_KEYS = {
    "start_date",
    "end_date",
    "num_shifts",
    "variable_shifts",
    "holidays",
    "workers_data",
    "schedule",
    "weekend_days",
    "post_start",
    "post_minutes",
    "post_labels",
    "under_weight",
    "over_weight",
    "name",
    *_SETTING_ALIASES,
    *(_SETTING_FIELDS - set(_SETTING_ALIASES.values())),
}
_WORKER_KEYS = {
    "id",
    "name",
    "work_percentage",
    "target_shifts",
    "auto_calculate_shifts",
    "max_shifts",
    "incompatible_with",
    "is_incompatible",
    "days_off",
    "work_periods",
    "mandatory_days",
    "color",
}
_INTERNAL_METADATA = ("format", "saldo_config_extra", "saldo_worker_extra")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# -- reading ----------------------------------------------------------------------------------
def _split(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any], Any, dict[str, Any]]:
    if not isinstance(data, Mapping):
        raise ProblemError(
            "saldo",
            f"expected a dict, got {type(data).__name__}",
            fix="pass a config or backup dict",
        )
    if isinstance(data.get("config"), Mapping):
        config: Mapping[str, Any] = data["config"]
        workers = data.get("workers_data", config.get("workers_data"))
        schedule = data.get("schedule", config.get("schedule"))
    else:
        config = data
        workers = data.get("workers_data")
        schedule = data.get("schedule")
    meta = data.get("metadata")
    if meta is not None and not isinstance(meta, Mapping):
        raise ProblemError("metadata", "is not a dict", fix="give metadata as a JSON object")
    if workers is None:
        raise ProblemError(
            "workers_data", "is missing", fix="add a workers_data list (next to or inside config)"
        )
    if isinstance(workers, (str, bytes)) or not isinstance(workers, Sequence):
        raise ProblemError("workers_data", "is not a list", fix="give a list of worker objects")
    return config, list(workers), schedule, dict(meta or {})


def _int(
    value: Any,
    field: str,
    *,
    minimum: int = 0,
    maximum: int = numbers.MAX_COUNT,
    row: int | str | None = None,
) -> int:
    """A whole number ``minimum … maximum`` (:func:`rtsched_widgets.model.numbers.integer`)."""
    return numbers.integer(value, field, row=row, minimum=minimum, maximum=maximum)


def _float(value: Any, field: str, row: int | str | None = None) -> float:
    """A finite number; its range is checked where it is used."""
    return numbers.number(value, field, row=row, minimum=None, maximum=None)


def _id(value: Any, field: str, row: int | str | None = None) -> str:
    if isinstance(value, bool) or value is None:
        raise ProblemError(
            field, f"{value!r} is not a worker id", row=row, fix="give a non-empty string id"
        )
    if isinstance(value, (int, np.integer)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ProblemError(
        field, f"{value!r} is not a worker id", row=row, fix="give a non-empty string id"
    )


def _id_list(value: Any, field: str, row: int) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        items: list[Any] = [p for p in re.split(r"[;,]", value) if p.strip()]
    elif isinstance(value, Sequence):
        items = list(value)
    else:
        raise ProblemError(
            field, f"{value!r} is not a list of ids", row=row, fix="give a list of worker ids"
        )
    return tuple(_id(v, field, row) for v in items)


def _posts_per_day(config: Mapping[str, Any], cal: Calendar) -> np.ndarray:
    num = _int(config.get("num_shifts", 1), "config.num_shifts", maximum=MAX_SHIFT_TYPES)
    posts = np.full(cal.n_days, num, dtype=np.int64)
    seen = np.zeros(cal.n_days, dtype=bool)
    ranges = config.get("variable_shifts") or []
    if isinstance(ranges, Mapping) or not isinstance(ranges, Sequence):
        raise ProblemError(
            "config.variable_shifts",
            "is not a list",
            fix=("give a list of {start_date, end_date, shifts} objects"),
        )
    for row, item in enumerate(ranges):
        field = "config.variable_shifts"
        if not isinstance(item, Mapping):
            raise ProblemError(
                field,
                f"{item!r} is not an object",
                row=row,
                fix="give {start_date, end_date, shifts}",
            )
        missing = [k for k in ("start_date", "end_date", "shifts") if k not in item]
        if missing:
            raise ProblemError(
                field,
                f"missing {', '.join(missing)}",
                row=row,
                fix="give {start_date, end_date, shifts}",
            )
        a = parse_day(item["start_date"], f"{field}.start_date", row)
        b = parse_day(item["end_date"], f"{field}.end_date", row)
        if b < a:
            raise ProblemError(
                field,
                f"range {a} - {b} ends before it starts",
                row=row,
                fix="write the earlier date first",
            )
        k = _int(item["shifts"], f"{field}.shifts", row=row, maximum=MAX_SHIFT_TYPES)
        lo = max((a - cal.start).days, 0)
        hi = min((b - cal.start).days + 1, cal.n_days)
        if lo >= hi:
            continue
        if seen[lo:hi].any():
            raise ProblemError(
                field,
                f"range {a} - {b} overlaps an earlier range",
                row=row,
                fix="make variable_shifts ranges disjoint",
            )
        seen[lo:hi] = True
        posts[lo:hi] = k
    return posts


def _per_post(value: Any, n: int, field: str, default: Any) -> list[Any]:
    if value is None:
        return [default] * n
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ProblemError(
                field, f"{len(value)} values for {n} posts", fix="give one value, or one per post"
            )
        return list(value)
    return [value] * n


def _shift_types(config: Mapping[str, Any], n_posts: int) -> list[ShiftType]:
    labels = _per_post(config.get("post_labels"), n_posts, "config.post_labels", None)
    starts = _per_post(config.get("post_start"), n_posts, "config.post_start", DEFAULT_POST_START)
    minutes = _per_post(
        config.get("post_minutes"), n_posts, "config.post_minutes", DEFAULT_POST_MINUTES
    )
    out = []
    for s in range(n_posts):
        if not isinstance(starts[s], str) or not _HHMM.match(starts[s]):
            raise ProblemError(
                "config.post_start",
                f"{starts[s]!r} is not HH:MM",
                row=s,
                fix="give a 24-hour time like 08:00",
            )
        label = str(labels[s]) if labels[s] not in (None, "") else f"Post {s + 1}"
        out.append(
            ShiftType(
                id=str(s),
                label=label,
                start=starts[s],
                minutes=_int(minutes[s], "config.post_minutes", row=s, maximum=numbers.MAX_MINUTES),
            )
        )
    return out


def _settings(config: Mapping[str, Any]) -> RuleSettings:
    """The rule settings, each checked (type, finite, range) under its config key."""
    values: dict[str, Any] = {}
    for key, name in _SETTING_ALIASES.items():
        if config.get(key) is not None:
            values[name] = check_setting(name, config[key], f"config.{key}")
    for name in sorted(_SETTING_FIELDS - set(_SETTING_ALIASES.values())):
        if config.get(name) is not None:
            values[name] = check_setting(name, config[name], f"config.{name}")
    return RuleSettings(**values)


def _worker(row: int, wd: Any, flagged: set[str]) -> tuple[Worker, dict[str, Any]]:
    field = "workers_data"
    if not isinstance(wd, Mapping):
        raise ProblemError(
            field,
            f"{wd!r} is not an object",
            row=row,
            fix="give each worker as {id, work_percentage, …}",
        )
    wid = _id(wd.get("id"), f"{field}.id", row)
    auto = wd.get("auto_calculate_shifts")
    target_raw = wd.get("target_shifts")
    target: int | None = None
    if target_raw not in (None, ""):
        target = _int(target_raw, f"{field}.target_shifts", row=row)
        if target == 0 and auto is not False:
            target = None
    if auto is True:
        target = None
    max_raw = wd.get("max_shifts")
    max_shifts = None if max_raw in (None, "") else _int(max_raw, f"{field}.max_shifts", row=row)
    incompatible = list(_id_list(wd.get("incompatible_with"), f"{field}.incompatible_with", row))
    if wd.get("is_incompatible") is True:
        incompatible += [o for o in sorted(flagged) if o != wid and o not in incompatible]
    pct = wd.get("work_percentage", 100)
    worker = Worker(
        id=wid,
        name=str(wd.get("name") or ""),
        work_percentage=_float(100 if pct in (None, "") else pct, f"{field}.work_percentage", row),
        target_shifts=target,
        max_shifts=max_shifts,
        incompatible_with=tuple(incompatible),
        days_off=parse_ranges(wd.get("days_off"), f"{field}.days_off", row, who=wid),
        work_periods=parse_ranges(wd.get("work_periods"), f"{field}.work_periods", row, who=wid),
        mandatory_days=parse_days(
            wd.get("mandatory_days"), f"{field}.mandatory_days", row, who=wid
        ),
        color=str(wd["color"]) if wd.get("color") else None,
    )
    extra = {k: v for k, v in wd.items() if k not in _WORKER_KEYS}
    return worker, extra


def _weights(config: Mapping[str, Any], key: str, shape: tuple[int, int]) -> np.ndarray | None:
    if config.get(key) is None:
        return None
    return numbers.weight_table(config[key], f"config.{key}", shape)


def problem_from_saldo(data: Mapping[str, Any]) -> Problem:
    """Build a saldo-profile ``Problem`` from a config or backup dict (module docstring)."""
    config, workers_data, _, meta = _split(data)
    for key in ("start_date", "end_date"):
        if config.get(key) in (None, ""):
            raise ProblemError(f"config.{key}", "is missing", fix="give the horizon's dates")
    start = parse_day(config["start_date"], "config.start_date")
    end = parse_day(config["end_date"], "config.end_date")
    if end < start:
        raise ProblemError(
            "config.end_date",
            f"{end} is before start_date {start}",
            fix="give an end date on or after the start date",
        )
    holidays_raw = config.get("holidays") or []
    holidays = parse_days(holidays_raw, "config.holidays")
    weekend = config.get("weekend_days", FRI_SAT_SUN)
    if isinstance(weekend, (str, bytes)) or not isinstance(weekend, Sequence):
        raise ProblemError(
            "config.weekend_days",
            f"{weekend!r} is not a list",
            fix="give weekday numbers, 0 = Monday",
        )
    cal = Calendar(
        start,
        end,
        holidays=frozenset(holidays),
        weekend_days=tuple(_int(d, "config.weekend_days") for d in weekend),
    )
    posts = _posts_per_day(config, cal)
    labels = config.get("post_labels")
    n_posts = max(int(posts.max()), len(labels) if isinstance(labels, list) else 0, 1)
    required = (np.arange(n_posts)[None, :] < posts[:, None]).astype(np.int64)

    flagged = {
        _id(wd.get("id"), "workers_data.id", row)
        for row, wd in enumerate(workers_data)
        if isinstance(wd, Mapping) and wd.get("is_incompatible") is True
    }
    workers, worker_extra = [], {}
    for row, wd in enumerate(workers_data):
        worker, extra = _worker(row, wd, flagged)
        workers.append(worker)
        if extra:
            worker_extra[worker.id] = extra
    config_extra = {k: v for k, v in config.items() if k not in _CONFIG_KEYS}
    metadata: dict[str, Any] = dict(meta)
    metadata["format"] = "saldo"
    if config_extra:
        metadata["saldo_config_extra"] = config_extra
    if worker_extra:
        metadata["saldo_worker_extra"] = worker_extra
    shape = (cal.n_days, n_posts)
    return Problem(
        workers=workers,
        calendar=cal,
        shift_types=_shift_types(config, n_posts),
        required=required,
        maximum=required,
        under_weight=_weights(config, "under_weight", shape),
        over_weight=_weights(config, "over_weight", shape),
        settings=_settings(config),
        profile="saldo",
        name=str(config.get("name") or meta.get("name") or ""),
        metadata=metadata,
    )


def roster_from_saldo(problem: Problem, schedule: Mapping[str, Any] | None) -> Roster:
    """The roster of a saldo ``schedule`` (date -> one worker id or null per post).

    Dates may be in any accepted form; a date outside the horizon, a post that does not exist
    that date, an unknown id or a worker twice on one date raise ProblemError naming
    ``schedule`` and the date.
    """
    roster = Roster(problem)
    if schedule is None:
        return roster
    if not isinstance(schedule, Mapping):
        raise ProblemError("schedule", "is not an object", fix="map each date to a list of ids")
    for key, entries in schedule.items():
        where = str(key)
        d = problem.day(parse_day(key, "schedule", where), f"schedule ({where})")
        if entries is None:
            continue
        if isinstance(entries, (str, bytes)) or not isinstance(entries, Sequence):
            raise ProblemError(
                "schedule",
                f"{entries!r} is not a list",
                row=where,
                fix="give one worker id or null per post",
            )
        for s, entry in enumerate(entries):
            if entry in (None, ""):
                continue
            if s >= problem.n_shifts or problem.maximum[d, s] < 1:
                raise ProblemError(
                    "schedule",
                    f"post {s} does not exist on {problem.calendar.iso(d)}",
                    row=where,
                    fix="give at most as many entries as that date has posts",
                )
            w = problem.worker(_id(entry, "schedule", where), f"schedule ({where}, post {s})")
            if roster.shift_of[w, d] >= 0:
                raise ProblemError(
                    "schedule",
                    f"worker {problem.workers[w].id!r} holds two posts that date",
                    row=where,
                    fix="give each worker at most one post per date",
                )
            roster.place(w, d, s, 0)
    return roster


def from_saldo(data: Mapping[str, Any]) -> tuple[Problem, Roster | None]:
    """Problem and — when the dict has a ``schedule`` — its roster."""
    problem = problem_from_saldo(data)
    schedule = _split(data)[2]
    return problem, (None if schedule is None else roster_from_saldo(problem, schedule))


def _read(path: str | os.PathLike[str]) -> Mapping[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProblemError(
            "path",
            f"{p.name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start})",
            fix="give a saldo config or backup JSON file saved as UTF-8",
            source=p,
        ) from None
    except RecursionError:
        raise ProblemError(
            "path",
            f"{p.name} nests its JSON too deeply",
            fix="give a saldo config or backup JSON file",
            source=p,
        ) from None
    except OSError as exc:
        raise ProblemError(
            "path",
            f"cannot read {str(p)!r}: {exc.strerror or exc}",
            fix="give an existing JSON file",
        ) from exc
    except json.JSONDecodeError as exc:
        raise ProblemError(
            "path",
            f"{p.name} is not JSON (line {exc.lineno}: {exc.msg})",
            fix="give a saldo config or backup JSON file",
        ) from None
    if not isinstance(data, (dict, list)):
        raise ProblemError(
            "path",
            f"{p.name} holds a JSON {type(data).__name__}, not a config",
            fix="give a config or backup object with start_date/end_date",
        )
    if isinstance(data, list):  # a bare workers file is not enough
        raise ProblemError(
            "path",
            f"{p.name} holds a list, not a config",
            fix="give a config or backup object with start_date/end_date",
        )
    return data


def load_saldo(path: str | os.PathLike[str]) -> Problem:
    """Read a saldo config or backup JSON file into a ``Problem`` (its schedule is ignored;
    use :func:`load_saldo_backup` for both). Every error names the file."""
    data = _read(path)
    try:
        return problem_from_saldo(data)
    except ProblemError as err:
        raise err.in_source(path) from None


def load_saldo_backup(path: str | os.PathLike[str]) -> tuple[Problem, Roster | None]:
    """Read a saldo backup JSON file: the problem and its roster (None without a schedule).
    Every error names the file."""
    data = _read(path)
    try:
        return from_saldo(data)
    except ProblemError as err:
        raise err.in_source(path) from None


# -- writing ----------------------------------------------------------------------------------
def _saldo_posts(problem: Problem) -> np.ndarray:
    """Posts per date; ProblemError when the demand is not saldo-shaped."""
    req, cap = problem.required, problem.maximum
    posts = req.sum(axis=1)
    shaped = (np.arange(problem.n_shifts)[None, :] < posts[:, None]).astype(req.dtype)
    if (
        problem.profile != "saldo"
        or not np.array_equal(req, cap)
        or not np.array_equal(req, shaped)
    ):
        raise ProblemError(
            "problem",
            f"{problem.name or 'this problem'} ({problem.profile}) has demand the saldo format "
            "cannot express (it needs posts 0 … k-1 with required = maximum = 1 on each date)",
            fix="export it with to_json (native) or dump_nrp instead",
        )
    lost = []
    if any(st.forbidden_next for st in problem.shift_types):
        lost.append("forbidden successions")
    if problem.shift_on_requests or problem.shift_off_requests:
        lost.append("shift requests")
    nrp = (
        "min_minutes",
        "max_minutes",
        "min_consecutive",
        "max_consecutive",
        "min_consecutive_off",
        "max_weekends",
    )
    if any(w.max_per_shift or any(getattr(w, f) is not None for f in nrp) for w in problem.workers):
        lost.append("NRP worker limits")
    if lost:
        raise ProblemError(
            "problem",
            f"the saldo format cannot hold {', '.join(lost)}",
            fix="export it with to_json (native) instead",
        )
    return posts


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def to_saldo(problem: Problem, roster: Roster | None = None) -> dict[str, Any]:
    """A saldo backup dict (``config``, ``metadata``, ``workers_data``, ``schedule`` when a
    roster is given) of a saldo-shaped problem; JSON-ready (dates as strings)."""
    posts = _saldo_posts(problem)
    cal = problem.calendar
    counts = Counter(posts.tolist())
    num = max(counts, key=lambda k: (counts[k], k))
    variable = []
    d = 0
    while d < cal.n_days:
        e = d
        while e + 1 < cal.n_days and posts[e + 1] == posts[d]:
            e += 1
        if posts[d] != num:
            variable.append(
                {"start_date": cal.iso(d), "end_date": cal.iso(e), "shifts": int(posts[d])}
            )
        d = e + 1
    sts = problem.shift_types
    starts = [st.start for st in sts]
    minutes = [st.minutes for st in sts]
    config: dict[str, Any] = {
        "start_date": cal.start.isoformat(),
        "end_date": cal.end.isoformat(),
        "num_shifts": int(num),
        "variable_shifts": variable,
        "holidays": sorted(h.isoformat() for h in cal.holidays),
        "weekend_days": list(cal.weekend_days),
        "gap_between_shifts": problem.settings.gap,
        "max_consecutive_weekends": problem.settings.max_consecutive_weekends,
        "post_start": starts[0] if len(set(starts)) == 1 else starts,
        "post_minutes": minutes[0] if len(set(minutes)) == 1 else minutes,
        "post_labels": [st.label for st in sts],
    }
    if problem.name:
        config["name"] = problem.name
    defaults = RuleSettings()
    for name in sorted(_SETTING_FIELDS - set(_SETTING_ALIASES.values())):
        value = getattr(problem.settings, name)
        if value != getattr(defaults, name):
            config[name] = list(value) if isinstance(value, tuple) else value
    if not np.all(problem.under_weight == problem.settings.weight_coverage):
        config["under_weight"] = problem.under_weight.tolist()
    if not np.all(problem.over_weight == 1.0):
        config["over_weight"] = problem.over_weight.tolist()
    config_extra = problem.metadata.get("saldo_config_extra") or {}
    worker_extra = problem.metadata.get("saldo_worker_extra") or {}
    assert isinstance(config_extra, Mapping) and isinstance(worker_extra, Mapping)
    for key, value in config_extra.items():
        config.setdefault(key, json_value(value))
    workers = []
    for w in problem.workers:
        item: dict[str, Any] = {"id": w.id}
        if w.name:
            item["name"] = w.name
        item.update(
            work_percentage=_number(w.work_percentage),
            target_shifts=w.target_shifts if w.target_shifts is not None else 0,
            auto_calculate_shifts=w.target_shifts is None,
            max_shifts=w.max_shifts,
            incompatible_with=list(w.incompatible_with),
            is_incompatible=False,
            days_off=format_ranges(w.days_off),
            work_periods=format_ranges(w.work_periods),
            mandatory_days=format_days(w.mandatory_days),
        )
        if w.color:
            item["color"] = w.color
        for key, value in (worker_extra.get(w.id) or {}).items():
            item.setdefault(key, json_value(value))
        workers.append(item)
    metadata = {
        k: json_value(v) for k, v in problem.metadata.items() if k not in _INTERNAL_METADATA
    }
    backup: dict[str, Any] = {"config": config, "metadata": metadata, "workers_data": workers}
    if roster is not None:
        if roster.slots.shape[:2] != (cal.n_days, problem.n_shifts):
            raise ProblemError(
                "roster", "belongs to another problem", fix="pass the roster built for this problem"
            )
        backup["schedule"] = {
            cal.iso(day): [
                problem.workers[int(roster.slots[day, s, 0])].id
                if roster.slots[day, s, 0] >= 0
                else None
                for s in range(int(posts[day]))
            ]
            for day in range(cal.n_days)
        }
    return backup


def save_saldo(
    problem: Problem, path: str | os.PathLike[str], roster: Roster | None = None
) -> Path:
    """Write :func:`to_saldo` as indented JSON to ``path``; returns the path."""
    p = Path(path)
    p.write_text(
        json.dumps(to_saldo(problem, roster), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return p
