"""Lock targets: a cell ``(date, post)``, a row (a date) or a worker.

A lock is a lease in the schedule's store (see :meth:`Store.acquire_lock`): one holder per
target, a time to live renewed while the holder is present, dropped when the holder leaves or
stops renewing. The engine refuses an edit that touches a locked target held by someone else
with code LOCKED ("locked by <name>"). An edit touches:

* ``cell:<ISO date>:<post index>`` for each cell whose slots it changes,
* ``row:<ISO date>`` for each date of those cells,
* ``worker:<id>`` for each worker it places or removes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rtsched_widgets.model.calendar import as_date

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem

__all__ = ["LOCK_KINDS", "describe", "lock_target", "touched_targets"]

#: The kinds of lock target.
LOCK_KINDS: tuple[str, ...] = ("cell", "row", "worker")


def lock_target(problem: Problem, kind: str, what: Any, post: Any = None) -> str:
    """The store target string of a lock.

    ``kind="cell"``: ``what`` is the date and ``post`` the post (index or shift id);
    ``kind="row"``: ``what`` is the date; ``kind="worker"``: ``what`` is the worker id.
    ValueError names the bad argument.
    """
    if kind not in LOCK_KINDS:
        raise ValueError(f"kind: {kind!r} — use one of {LOCK_KINDS}")
    if kind == "worker":
        if not isinstance(what, str) or what not in problem.worker_index:
            raise ValueError(f"worker: unknown worker id {what!r} — use an id from problem.workers")
        if post is not None:
            raise ValueError("post: a worker lock takes no post")
        return f"worker:{what}"
    d = problem.calendar.index(as_date(what, "date"), "date")
    iso = problem.calendar.iso(d)
    if kind == "row":
        if post is not None:
            raise ValueError("post: a row lock takes no post — use kind='cell' for one cell")
        return f"row:{iso}"
    if isinstance(post, str) and post in problem.shift_index:
        s = problem.shift_index[post]
    elif isinstance(post, int) and not isinstance(post, bool) and 0 <= post < problem.n_shifts:
        s = post
    else:
        raise ValueError(
            f"post: {post!r} is not a post of this problem — use an index in "
            f"0 … {problem.n_shifts - 1} or a shift type id"
        )
    return f"cell:{iso}:{s}"


def touched_targets(
    problem: Problem,
    iso: tuple[str, ...],
    slot_changes: Iterable[tuple[int, int, int, int, int]],
) -> dict[str, str]:
    """Every lock target an edit touches (target -> human description), from its net slot
    changes ``(d, s, k, old worker, new worker)``."""
    out: dict[str, str] = {}
    for d, s, _k, old, new in slot_changes:
        out[f"cell:{iso[d]}:{s}"] = f"cell {iso[d]}/{problem.shift_types[s].id}"
        out[f"row:{iso[d]}"] = f"date {iso[d]}"
        for w in (old, new):
            if w >= 0:
                wid = problem.workers[w].id
                out[f"worker:{wid}"] = f"worker {wid}"
    return out


def describe(target: str) -> str:
    """A short human form of a target string (``"row:2026-01-05"`` -> ``"date 2026-01-05"``)."""
    kind, _, rest = target.partition(":")
    if kind == "row":
        return f"date {rest}"
    if kind == "cell":
        date, _, post = rest.rpartition(":")
        return f"cell {date}/post {post}"
    return f"{kind} {rest}"
