"""Live analytics of a schedule: coverage, load, fairness, violations, latency, event rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets.engine.result import _plain

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values``: 0 = all equal, towards 1 = one holds all.
    0.0 for an empty array or an all-zero one."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    index = np.arange(1, n + 1)
    return float((2 * (index * x).sum()) / (n * x.sum()) - (n + 1) / n)


@dataclass(frozen=True)
class Fairness:
    """Spread of one per-worker count, measured on the count scaled to full time
    (``count * 100 / work_percentage``): ``std`` (population standard deviation),
    ``max_deviation`` (largest absolute distance from the mean) and ``gini``."""

    std: float
    max_deviation: float
    gini: float


def fairness(counts: np.ndarray, work_percentage: np.ndarray) -> Fairness:
    """:class:`Fairness` of ``counts`` scaled by ``100 / work_percentage``."""
    scaled = np.asarray(counts, dtype=float) * 100.0 / np.asarray(work_percentage, dtype=float)
    if scaled.size == 0:
        return Fairness(0.0, 0.0, 0.0)
    return Fairness(
        std=float(scaled.std()),
        max_deviation=float(np.abs(scaled - scaled.mean()).max()),
        gini=gini(scaled),
    )


@dataclass(frozen=True)
class Analytics:
    """A snapshot of a schedule's analytics at ``version``.

    ``coverage``: filled required slots / required slots in percent (a cell counts at most its
    required number; 100.0 when nothing is required); ``filled``/``required`` those counts;
    ``load``: per worker (worker, assigned, target, deviation = assigned - target, special,
    last_post); ``fairness``: :class:`Fairness` of ``shifts``, ``special`` (shifts on special
    days) and ``last_post`` (shifts on the last post); ``violations_by_rule``: rule, severity,
    count, penalty; ``latency``: per op kind count and p50/p95/p99 in µs; ``events_per_second``
    of the schedule's bus over the last minute; ``score``: (hard, soft).
    """

    version: int
    coverage: float
    filled: int
    required: int
    load: pd.DataFrame
    fairness: dict[str, Fairness]
    violations_by_rule: pd.DataFrame
    latency: pd.DataFrame
    events_per_second: float
    hard: int
    soft: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of every field."""
        return {
            "version": self.version,
            "coverage": self.coverage,
            "filled": self.filled,
            "required": self.required,
            "load": _plain(self.load),
            "fairness": {k: _plain(v) for k, v in self.fairness.items()},
            "violations_by_rule": _plain(self.violations_by_rule),
            "latency": _plain(self.latency),
            "events_per_second": self.events_per_second,
            "hard": self.hard,
            "soft": self.soft,
        }


def analytics(schedule: Schedule) -> Analytics:
    """Compute :class:`Analytics` of ``schedule`` now (vectorised over the roster arrays)."""
    p, roster = schedule.problem, schedule.core
    with schedule._lock:
        required = p.required.astype(np.int64)
        filled = np.minimum(roster.count.astype(np.int64), required)
        works = roster.shift_of >= 0
        assigned = works.sum(axis=1).astype(np.int64)
        special = (works & p.calendar.is_special[None, :]).sum(axis=1).astype(np.int64)
        last = p.n_shifts - 1
        last_post = (roster.shift_of == last).sum(axis=1).astype(np.int64)
        targets = np.asarray(p.targets, dtype=np.int64)
        pct = np.array([w.work_percentage for w in p.workers], dtype=float)
        violations = schedule.validator.violations()
        score = schedule.validator.score()
        version = schedule.version
    total_required = int(required.sum())
    total_filled = int(filled.sum())
    load = pd.DataFrame(
        {
            "worker": [w.id for w in p.workers],
            "assigned": assigned,
            "target": targets,
            "deviation": assigned - targets,
            "special": special,
            "last_post": last_post,
        }
    )
    if len(violations):
        by_rule = (
            violations.groupby(["rule", "severity"], sort=True)
            .agg(count=("message", "size"), penalty=("penalty", "sum"))
            .reset_index()
        )
    else:
        by_rule = pd.DataFrame(
            {
                "rule": pd.Series(dtype=object),
                "severity": pd.Series(dtype=object),
                "count": pd.Series(dtype=np.int64),
                "penalty": pd.Series(dtype=float),
            }
        )
    latency = schedule.latency.summary()[["kind", "count", "p50_us", "p95_us", "p99_us"]]
    return Analytics(
        version=version,
        coverage=100.0 * total_filled / total_required if total_required else 100.0,
        filled=total_filled,
        required=total_required,
        load=load,
        fairness={
            "shifts": fairness(assigned, pct),
            "special": fairness(special, pct),
            "last_post": fairness(last_post, pct),
        },
        violations_by_rule=by_rule,
        latency=latency,
        events_per_second=float(schedule.events.stats()["events_per_second"]),
        hard=int(score.hard),
        soft=float(score.soft),
    )
