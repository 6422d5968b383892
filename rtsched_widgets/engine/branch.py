"""What-if branches: fork a schedule, diff two, and the slot writes that merge a branch back."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rtsched_widgets.engine.events import EventBus
from rtsched_widgets.engine.history import History
from rtsched_widgets.engine.latency import LatencyTracker
from rtsched_widgets.engine.result import OpError

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule


def fork(parent: Schedule, user: str | None = None) -> Schedule:
    """An independent branch of ``parent``: copied roster, validator state, versions; fresh
    history and event bus; the same problem and policy. Costs a copy of the numpy arrays and of
    the validator state — nothing is recomputed."""
    from rtsched_widgets.engine.schedule import Schedule

    with parent._lock:
        branch = Schedule.__new__(Schedule)
        branch.problem = parent.problem
        branch.policy = parent.policy
        branch.user = user or parent.user
        branch.store = None
        branch.id = uuid.uuid4().hex[:12]
        branch.core = parent.core.copy()
        branch.validator = parent.validator.copy(branch.core)
        branch._lock = threading.RLock()
        branch.oplog = History(max_ops=parent.policy.max_history, lock=branch._lock)
        branch.events = EventBus(
            schedule_id=branch.id,
            history_size=parent.policy.event_history,
            history_bytes=parent.policy.event_history_bytes,
        )
        branch.latency = LatencyTracker(lock=branch._lock)
        branch.version = parent.version
        branch.cell_version = parent.cell_version.copy()
        branch._fork_base = parent.core.slots.copy()
        branch.planner = parent.planner.on(branch.core)
        branch._ids = parent._ids
        branch._iso = parent._iso
        branch._names = parent._names
        branch._mandatory = parent._mandatory
        branch._forked_from = parent.id
        branch._event_extra = None
        branch._op_group = None
        branch.live_solve = None
        branch._latest_by_user = {}
        branch.collab = None  # a what-if branch is private: no store, no shared session
        branch._remote = None
    return branch


def _check_same_problem(a: Schedule, b: Schedule) -> None:
    if a.problem is not b.problem:
        raise OpError(
            "MALFORMED",
            "branch: the schedules have different problems — fork() the schedule to compare",
        )


def diff(this: Schedule, other: Schedule) -> pd.DataFrame:
    """Slots where ``this`` and ``other`` differ: date, post, shift, slot, this, other (worker
    id or None for an empty slot), one row per slot, sorted by date, post, slot."""
    try:
        _check_same_problem(this, other)
    except OpError as err:
        raise ValueError(err.message) from None
    p = this.problem
    a, b = this.core.slots, other.core.slots
    d, s, k = np.nonzero(a != b)
    ids = np.array([w.id for w in p.workers] + [None], dtype=object)  # -1 -> None
    return pd.DataFrame(
        {
            "date": p.calendar.dates[d],
            "post": s.astype(np.int64),
            "shift": [p.shift_types[i].id for i in s],
            "slot": k.astype(np.int64),
            "this": pd.Series(ids[a[d, s, k]], dtype=object),
            "other": pd.Series(ids[b[d, s, k]], dtype=object),
        }
    )


def merge_targets(this: Schedule, branch: Schedule) -> list[tuple[int, int, int, int]]:
    """The slot writes that bring into ``this`` what ``branch`` changed since it was forked.

    Only slots the branch changed count. A slot ``this`` also changed since the fork, to a value
    other than the branch's, is a conflict: OpError STALE naming the first such slots.
    """
    _check_same_problem(this, branch)
    base = branch._fork_base
    if base is None:
        raise OpError(
            "MALFORMED", "branch: this schedule was not made by fork() — nothing to merge"
        )
    if getattr(branch, "_forked_from", None) != this.id:
        raise OpError("MALFORMED", "branch: it was forked from another schedule")
    mine, theirs = this.core.slots, branch.core.slots
    changed = theirs != base
    conflict = changed & (mine != base) & (mine != theirs)
    if conflict.any():
        d, s, k = (int(x) for x in np.argwhere(conflict)[0])
        n = int(conflict.sum())
        raise OpError(
            "STALE",
            f"{n} slot(s) changed both here and in the branch since the fork, first "
            f"{this.planner.label(d, s, k)} — resolve them (e.g. fork again) before merging",
        )
    dd, ss, kk = np.nonzero(changed & (mine != theirs))
    return [
        (int(a), int(b), int(c), int(w))
        for a, b, c, w in zip(dd, ss, kk, theirs[dd, ss, kk], strict=True)
    ]
