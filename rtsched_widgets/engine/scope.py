"""Which part of a schedule a live solve or a repair may change.

A scope is one of:

- ``None``: everything (pinned mandatory days stay, as in every strategy run);
- ``"violations"``: every worker on the dates of the current hard violations, widened by
  :data:`MARGIN` days on each side (a rule over a run of days is repaired around it), and the
  whole rows of the workers those violations name (a worker taken off a week may have to
  make up minutes or shifts on other days);
- ``"empty"``: every worker on the dates that have a cell below its required cover;
- a worker id (``str``): that worker's whole row;
- ``(start, end)``: every worker from ``start`` to ``end``, both inclusive (dates or ISO
  strings);
- a block ``{"dates": ..., "posts": ..., "workers": ...}``: the cells of those posts on those
  dates, for those workers; each key is optional (all when absent); ``dates`` is a list of
  dates or a ``(start, end)`` pair given as a tuple; ``posts`` indices or shift ids; ``workers``
  ids. Outside the block's posts, nobody joins or leaves a cell on those dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rtsched_widgets.model.problem import Problem

MARGIN = 3
"""Days added on each side of a hard violation's dates by the ``"violations"`` scope."""


@dataclass(frozen=True)
class Scope:
    """``free[w, d]``: worker ``w``'s day ``d`` may change; ``closed[d, s]``: nobody joins or
    leaves cell ``(d, s)``."""

    free: np.ndarray
    closed: np.ndarray

    @property
    def size(self) -> int:
        """How many worker-days may change."""
        return int(self.free.sum())


def resolve_scope(schedule: Any, scope: object) -> Scope:
    """The :class:`Scope` of ``scope`` on ``schedule`` (see the module docstring); ValueError
    naming what is wrong and the accepted forms otherwise."""
    p: Problem = schedule.problem
    free = np.zeros((p.n_workers, p.n_days), dtype=bool)
    closed = np.zeros((p.n_days, p.n_shifts), dtype=bool)
    if scope is None:
        free[:] = True
    elif isinstance(scope, str) and scope == "violations":
        for v in schedule.validator.violation_list():
            if v.severity != "hard" or not v.dates:
                continue
            hit = [p.day(x, "scope") for x in v.dates]
            lo, hi = max(min(hit) - MARGIN, 0), min(max(hit) + MARGIN, p.n_days - 1)
            free[:, lo : hi + 1] = True
            for wid in v.workers:
                free[p.worker(wid, "scope")] = True
    elif isinstance(scope, str) and scope == "empty":
        under = schedule.core.count < p.required
        free[:, under.any(axis=1)] = True
    elif isinstance(scope, str):
        free[p.worker(scope, "scope")] = True
    elif isinstance(scope, tuple | list) and len(scope) == 2 and not isinstance(scope, Mapping):
        a, b = (p.day(x, "scope") for x in scope)
        if b < a:
            raise ValueError(f"scope: {scope!r} ends before it starts — give (start, end)")
        free[:, a : b + 1] = True
    elif isinstance(scope, Mapping):
        unknown = set(scope) - {"dates", "posts", "workers"}
        if unknown:
            raise ValueError(f"scope: unknown keys {sorted(unknown)} — use dates, posts, workers")
        days = _days(p, scope.get("dates"))
        workers = (
            np.arange(p.n_workers)
            if scope.get("workers") is None
            else [p.worker(w, "scope.workers") for w in _items(scope["workers"], "workers")]
        )
        free[np.ix_(np.asarray(workers, dtype=np.int64), days)] = True
        if scope.get("posts") is not None:
            posts = {p.shift(x, "scope.posts") for x in _items(scope["posts"], "posts")}
            others = [s for s in range(p.n_shifts) if s not in posts]
            closed[np.ix_(days, np.asarray(others, dtype=np.int64))] = True
    else:
        raise ValueError(
            f"scope: {scope!r} — use None, 'violations', 'empty', a worker id, (start, end) or "
            "{'dates': ..., 'posts': ..., 'workers': ...}"
        )
    return Scope(free=free, closed=closed)


def _items(values: object, name: str) -> list[Any]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(f"scope.{name}: give a list, got {values!r}")
    return list(values)


def _days(p: Problem, dates: object) -> np.ndarray:
    if dates is None:
        return np.arange(p.n_days)
    if isinstance(dates, tuple) and len(dates) == 2:
        a, b = (p.day(x, "scope.dates") for x in dates)
        if b < a:
            raise ValueError(f"scope.dates: {dates!r} ends before it starts")
        return np.arange(a, b + 1)
    return np.asarray([p.day(x, "scope.dates") for x in _items(dates, "dates")], dtype=np.int64)
