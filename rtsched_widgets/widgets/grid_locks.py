"""The live locks of a schedule's collaboration session as the grid's views mark them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rtsched_widgets.model.problem import Problem

#: Most locks sent to the views (the rest are still enforced by the engine, just not marked).
MAX_LOCKS_SHOWN = 2000


def lock_entries(problem: Problem, locks: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """The protocol's lock entries of the session's live locks (``schedule.collab.locks()``):
    ``["cell", d, s, holder]``, ``["row", d, -1, holder]`` or ``["worker", w, -1, holder]``,
    sorted; targets that do not name a date, post or worker of ``problem`` are left out."""
    out: list[list[Any]] = []
    for lock in locks:
        target, holder = str(lock.get("target", "")), lock.get("holder")
        if not isinstance(holder, str):
            continue
        kind, _, rest = target.partition(":")
        try:
            if kind == "worker":
                if rest in problem.worker_index:
                    out.append(["worker", int(problem.worker_index[rest]), -1, holder])
            elif kind == "row":
                out.append(["row", int(problem.day(rest)), -1, holder])
            elif kind == "cell":
                date, _, post = rest.rpartition(":")
                s = int(post)
                if 0 <= s < problem.n_shifts:
                    out.append(["cell", int(problem.day(date)), s, holder])
        except Exception:
            continue  # a target of another shape (or out of the calendar): not marked
    out.sort(key=lambda e: (e[0], e[1], e[2], e[3]))
    return out[:MAX_LOCKS_SHOWN]
