"""``Schedule``: the facade users touch — edits, validation, suggestions, history, events.

Every edit, whoever makes it, takes one path (:meth:`Schedule._run`):

1. the operation is parsed and its addresses resolved (bad input -> a failed ``OpResult``)
   into a plan of slot and worker changes — a plain assign, unassign, swap or move and the
   slot writes of undo, redo and replicated ops read straight off the roster, a bulk (and
   every refusal) compiled through an overlay of pending writes;
2. access checks: optimistic concurrency against ``base_version`` when the policy asks for it
   (the seam where locks plug in);
3. the validator previews the violations the change would introduce and resolve;
4. the policy decides: apply, block (hard violation, pinned cell) or apply forced;
5. the roster changes, the validator commits the delta, history records the op with its
   inverse, and :meth:`Schedule._persist` hands it to the store;
6. the schedule's event bus publishes one event for the op (plus ``violations_changed`` when
   violations changed);
7. an :class:`~rtsched_widgets.engine.result.OpResult` is returned.

A refused edit changes nothing: not the roster, not the validator, not the history, not the
versions; it only publishes ``op_rejected``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets.engine.events import EventBus
from rtsched_widgets.engine.history import History, OpRecord
from rtsched_widgets.engine.latency import LatencyTracker
from rtsched_widgets.engine.ops import (
    Assign,
    Bulk,
    Cell,
    Move,
    Op,
    Swap,
    Unassign,
    cell,
    new_assign,
    new_move,
    new_swap,
    new_unassign,
    parse_op,
)
from rtsched_widgets.engine.result import OpError, OpResult, applied_result, failure
from rtsched_widgets.engine.slot_record import SlotRecord, slot_record
from rtsched_widgets.model.calendar import as_date
from rtsched_widgets.model.errors import ProblemError
from rtsched_widgets.model.roster import Roster

if TYPE_CHECKING:
    from rtsched_widgets.engine.analytics import Analytics
    from rtsched_widgets.model.problem import Problem

__all__ = ["CONFLICT_POLICIES", "Policy", "Schedule", "StoreBehind"]

#: Accepted values of ``Policy.conflicts`` (see :mod:`rtsched_widgets.collab.conflicts`).
CONFLICT_POLICIES: tuple[str, ...] = ("reject", "last_writer_wins", "manual")

#: Event published for each applied op kind.
EVENT_OF_KIND: dict[str, str] = {
    "assign": "assigned",
    "unassign": "unassigned",
    "swap": "swapped",
    "move": "moved",
    "bulk": "bulk_applied",
    "merge": "bulk_applied",
    "undo": "undone",
    "redo": "redone",
    "generate": "generation_finished",
}


@dataclass(frozen=True)
class Policy:
    """What the engine accepts.

    ``allow_force``: ``force=True`` may push through hard violations and pinned cells (when
    False such a request is refused with FORCE_NOT_ALLOWED). ``block_hard``: an edit that
    introduces a hard violation is refused with HARD_VIOLATION unless forced (False: applied
    with the violations reported). ``protect_pinned``: an edit that takes a worker off one of
    their mandatory days is refused with PINNED unless forced. ``check_stale``: an edit whose
    ``base_version`` is older than the version of a cell it touches is refused with STALE
    (False: ``base_version`` is only recorded). ``max_history``: ops kept for undo and audit
    (oldest dropped first). ``event_history``: events kept by the schedule's bus.
    ``suggestions``: alternatives computed for a refused edit. ``conflicts``: what a stale
    edit meets — ``"reject"`` (STALE, the current value is reported), ``"last_writer_wins"``
    or ``"manual"`` (queued for a person; see :mod:`rtsched_widgets.collab.conflicts`); stale
    edits are detected when ``check_stale`` is set or the schedule is shared
    (``schedule.collab``, i.e. a store or :meth:`Schedule.collaborate`).
    """

    allow_force: bool = True
    block_hard: bool = True
    protect_pinned: bool = True
    check_stale: bool = False
    max_history: int = 100_000
    event_history: int = 10_000
    suggestions: int = 5
    conflicts: str = "reject"

    def __post_init__(self) -> None:
        if self.conflicts not in CONFLICT_POLICIES:
            raise ValueError(f"conflicts: {self.conflicts!r} — use one of {CONFLICT_POLICIES}")


# ---------------------------------------------------------------------------------------
# A change under construction: reads through to the roster, writes into dicts.
# ---------------------------------------------------------------------------------------
class _Overlay:
    """The roster plus pending slot writes; refuses a second shift of a worker on a date."""

    __slots__ = ("day", "problem", "roster", "slot")

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self.problem = roster.problem
        self.slot: dict[tuple[int, int, int], int] = {}
        self.day: dict[tuple[int, int], tuple[int, int] | None] = {}

    def at(self, d: int, s: int, k: int) -> int:
        v = self.slot.get((d, s, k))
        return self.roster.worker_at(d, s, k) if v is None else v

    def where(self, w: int, d: int) -> tuple[int, int] | None:
        key = (w, d)
        if key in self.day:
            return self.day[key]
        roster = self.roster
        s = roster.shift_at(w, d)
        return None if s < 0 else (s, roster.slot_at(w, d))

    def occupied(self, d: int, s: int) -> list[int]:
        return [k for k in range(self.roster.capacity(d, s)) if self.at(d, s, k) >= 0]

    def free(self, d: int, s: int) -> int:
        for k in range(self.roster.capacity(d, s)):
            if self.at(d, s, k) < 0:
                return k
        return -1

    def put(self, d: int, s: int, k: int, w: int) -> None:
        old = self.at(d, s, k)
        if old == w:
            return
        if old >= 0:
            self.day[(old, d)] = None
        if w >= 0:
            cur = self.where(w, d)
            if cur is not None:
                p = self.problem
                raise OpError(
                    "ALREADY_WORKING",
                    f"worker {p.workers[w].id!r} already works {p.calendar.iso(d)} on post "
                    f"{p.shift_types[cur[0]].id!r} (one shift per date) — move or swap instead",
                )
            self.day[(w, d)] = (s, k)
        self.slot[(d, s, k)] = w

    def slot_changes(self) -> list[tuple[int, int, int, int, int]]:
        """Net ``(d, s, k, old_worker, new_worker)`` per changed slot."""
        worker_at = self.roster.worker_at
        out = []
        for (d, s, k), w in self.slot.items():
            old = worker_at(d, s, k)
            if old != w:
                out.append((d, s, k, old, w))
        return out

    def worker_changes(self) -> list[tuple[int, int, int, int]]:
        """Net validator changes ``(w, d, old_shift, new_shift)``."""
        shift_at = self.roster.shift_at
        out = []
        for (w, d), where in self.day.items():
            old = shift_at(w, d)
            new = -1 if where is None else where[0]
            if old != new:
                out.append((w, d, old, new))
        return out


@dataclass
class _Plan:
    """A compiled edit: what it changes and what it reports."""

    kind: str
    slot_changes: list[tuple[int, int, int, int, int]]
    changes: list[tuple[int, int, int, int]]
    replaced: list[int]
    message: str


class _SetSlots:
    """Internal op: set each ``(d, s, k)`` to worker ``w`` (-1 = empty); all clears first."""

    __slots__ = ("kind", "label", "targets")

    def __init__(
        self, targets: Iterable[tuple[int, int, int, int]], kind: str, label: str = ""
    ) -> None:
        self.targets = tuple(targets)
        self.kind = kind
        self.label = label


class Schedule:
    """A schedule of one :class:`~rtsched_widgets.model.problem.Problem` that people edit.

    ``store``: ``None`` or ``"memory"`` (this process only), a store URL
    (``"sqlite:///plan.db"``, ``"postgresql://..."``, ``"memory://<name>"``) or an open
    :class:`~rtsched_widgets.collab.store.Store`: the schedule ``schedule_id`` (default
    ``"main"``) is created there or resumed from it (roster, versions, history) and kept in
    sync with every other schedule opened on it (see :mod:`rtsched_widgets.collab.sync`);
    ``user``: the default author of edits; ``policy``: see :class:`Policy`; ``roster``: a
    starting :class:`~rtsched_widgets.model.roster.Roster` (copied) — empty by default;
    ``session_options``: with a shared store, the options of its collaboration session
    (``lock_ttl``, ``presence_ttl`` in seconds, ``heartbeat``; see
    :class:`rtsched_widgets.collab.sync.Session`).

    Public state: ``core`` (the numpy :class:`Roster`; read it, never write it — edits go
    through :meth:`apply`), ``validator`` (maintained violations of ``core``), ``oplog`` (the
    :class:`~rtsched_widgets.engine.history.History` of applied ops), ``events`` (this
    schedule's :class:`~rtsched_widgets.engine.events.EventBus`), ``latency`` (a
    :class:`~rtsched_widgets.engine.latency.LatencyTracker` of every edit by kind),
    ``version`` (applied ops so far, +1 per op) and ``cell_version[d, s]`` (the version that
    last changed each cell; 0 = never). All edits are serialised by an internal lock.
    """

    def __init__(
        self,
        problem: Problem,
        store: Any = None,
        user: str = "anonymous",
        policy: Policy | None = None,
        *,
        roster: Roster | None = None,
        schedule_id: str | None = None,
        validator: Any = None,
        session_options: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(user, str) or not user:
            raise ValueError("user: give a non-empty user name")
        self.problem = problem
        self.policy = policy or Policy()
        self.user = user
        self.store = store
        shared = store is not None and store != "memory"
        if session_options and not shared:
            raise ValueError(
                "session_options: they configure the session of a shared store — give a store, "
                "or pass them to collaborate(**options)"
            )
        self.id = schedule_id or ("main" if shared else uuid.uuid4().hex[:12])
        if roster is not None and roster.problem is not problem:
            raise ValueError("roster: it belongs to another problem — build it from this one")
        self.core: Roster = roster.copy() if roster is not None else Roster(problem)
        self.validator = validator if validator is not None else _make_validator(problem, self.core)
        self.oplog = History(max_ops=self.policy.max_history)
        self.events = EventBus(schedule_id=self.id, history_size=self.policy.event_history)
        self.latency = LatencyTracker()
        self.version = 0
        self.cell_version = np.zeros((problem.n_days, problem.n_shifts), dtype=np.int64)
        self._lock = threading.RLock()
        self._fork_base: np.ndarray | None = None
        self._forked_from: str | None = None
        self._event_extra: dict[str, Any] | None = None
        self._latest_by_user: dict[str, int] = {}
        self._ids: tuple[str, ...] = tuple(w.id for w in problem.workers)
        self._iso: tuple[str, ...] = tuple(problem.calendar.iso(d) for d in range(problem.n_days))
        # the day of each date as given (ISO strings known from the start, others once seen)
        self._cache_day: dict[Any, int] = {iso: d for d, iso in enumerate(self._iso)}
        self._names = (self._iso, self._ids)  # what a SlotRecord names its cells with
        # element view of problem.mandatory (see Roster's notes on memoryviews)
        self._mandatory = np.ascontiguousarray(problem.mandatory).data
        #: The collaboration session (:class:`rtsched_widgets.collab.sync.Session`) or None.
        self.collab: Any = None
        self._remote: dict[str, Any] | None = None
        if shared:
            from rtsched_widgets.collab.sync import attach

            attach(self, store, **(session_options or {}))

    def collaborate(self, **options: Any) -> Any:
        """The collaboration session (users, presence, locks, conflicts) — started without a
        store (in memory, this process) when the schedule has none yet. ``options`` go to
        :class:`rtsched_widgets.collab.sync.Session` (``lock_ttl``, ``presence_ttl``)."""
        if self.collab is None:
            from rtsched_widgets.collab.sync import attach

            attach(self, None, **options)
        elif options:
            raise TypeError(f"collaborate: options {sorted(options)} given to a started session")
        return self.collab

    def close(self) -> None:
        """Leave the collaboration session (locks and presence dropped, change feed stopped)."""
        if self.collab is not None:
            self.collab.close()

    # ------------------------------------------------------------------ resolving input
    def _day(self, value: Any, field_name: str = "date") -> int:
        try:
            return self._cache_day[value]
        except (KeyError, TypeError):
            pass
        try:
            d = as_date(value, field_name)
        except ProblemError as exc:
            raise OpError("MALFORMED", str(exc)) from None
        cal = self.problem.calendar
        i = (d - cal.start).days
        if not 0 <= i < cal.n_days:
            raise OpError(
                "OUT_OF_HORIZON",
                f"{field_name}: {d} is outside the horizon {cal.start} … {cal.end} — "
                "use a date inside it",
            )
        try:
            if len(self._cache_day) < 100_000:
                self._cache_day[value] = i
        except TypeError:
            pass
        return i

    def _post(self, value: Any, field_name: str = "post") -> int:
        p = self.problem
        if type(value) is int and 0 <= value < p.n_shifts:  # the common case, checked first
            return value
        if isinstance(value, str) and value in p.shift_index:
            return p.shift_index[value]
        if (
            isinstance(value, int | np.integer)
            and not isinstance(value, bool)
            and 0 <= int(value) < p.n_shifts
        ):
            return int(value)
        raise OpError(
            "BAD_POST",
            f"{field_name}: {value!r} is not a post of this problem — use an index in "
            f"0 … {p.n_shifts - 1} or a shift type id of {[s.id for s in p.shift_types]}",
        )

    def _worker(self, value: Any, field_name: str = "worker") -> int:
        w = self.problem.worker_index.get(value) if isinstance(value, str) else None
        if w is None:
            raise OpError(
                "UNKNOWN_WORKER",
                f"{field_name}: unknown worker id {value!r} — use an id from problem.workers",
            )
        return w

    def _slot(self, d: int, s: int, k: int | None, field_name: str = "slot") -> int | None:
        if k is None:
            return None
        cap = self.core.capacity(d, s)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < cap:
            raise OpError(
                "BAD_SLOT",
                f"{field_name}: slot {k!r} does not exist in cell ({self.problem.calendar.iso(d)}"
                f", {self.problem.shift_types[s].id!r}) which has {cap} slot(s)",
            )
        return int(k)

    def _cell(self, c: Cell, field_name: str) -> tuple[int, int, int | None]:
        d = self._day(c.date, f"{field_name}.date")
        s = self._post(c.post, f"{field_name}.post")
        return d, s, self._slot(d, s, c.slot, f"{field_name}.slot")

    def _label(self, d: int, s: int, k: int | None = None) -> str:
        p = self.problem
        text = f"{self._iso[d]}/{p.shift_types[s].id}"
        return text if k is None or self.core.capacity(d, s) <= 1 else f"{text}[{k}]"

    # ------------------------------------------------------------------ compiling
    def _compile(self, op: Op | _SetSlots, view: _Overlay, replaced: list[int], path: str) -> str:
        """Write ``op`` into ``view``; return a one-line description. Raises OpError."""
        p = self.problem
        if isinstance(op, Assign):
            w = self._worker(op.worker, f"{path}.worker")
            d = self._day(op.date, f"{path}.date")
            s = self._post(op.post, f"{path}.post")
            k = self._slot(d, s, op.slot, f"{path}.slot")
            cap = self.core.capacity(d, s)
            if cap == 0:
                raise OpError(
                    "BAD_SLOT",
                    f"{path}: post {p.shift_types[s].id!r} has no slot on {p.calendar.iso(d)}",
                )
            cur = view.where(w, d)
            if cur is not None:
                where = "this post" if cur[0] == s else f"post {p.shift_types[cur[0]].id!r}"
                hint: tuple[dict[str, Any], ...] = ()
                if cur[0] != s:
                    src = [self._iso[d], cur[0], cur[1]]
                    free = view.free(d, s)
                    hint = (
                        {"kind": "move", "src": src, "dst": [self._iso[d], s, free]}
                        if free >= 0
                        else {"kind": "swap", "a": src, "b": [self._iso[d], s, k or 0]},
                    )
                raise OpError(
                    "ALREADY_WORKING",
                    f"worker {op.worker!r} already works {p.calendar.iso(d)} on {where} "
                    "(one shift per date) — use move or swap instead",
                    suggestions=hint,
                )
            if k is None:
                k = view.free(d, s)
                if k < 0:
                    if cap > 1:
                        raise OpError(
                            "CELL_FULL",
                            f"all {cap} slots of {self._label(d, s)} are taken — give a slot "
                            "to replace its worker, or unassign someone first",
                        )
                    k = 0
            occupant = view.at(d, s, k)
            if occupant >= 0:
                replaced.append(occupant)
                view.put(d, s, k, -1)
            view.put(d, s, k, w)
            text = f"{op.worker} assigned to {self._label(d, s, k)}"
            if occupant >= 0:
                text += f" replacing {p.workers[occupant].id}"
            return text
        if isinstance(op, Unassign):
            d = self._day(op.date, f"{path}.date")
            s = self._post(op.post, f"{path}.post")
            k = self._slot(d, s, op.slot, f"{path}.slot")
            if op.worker is not None:
                w = self._worker(op.worker, f"{path}.worker")
                cur = view.where(w, d)
                if cur is None or cur[0] != s or (k is not None and cur[1] != k):
                    raise OpError(
                        "EMPTY_CELL",
                        f"worker {op.worker!r} is not in {self._label(d, s, k)}",
                    )
                k = cur[1]
            elif k is None:
                k = self._only_occupied(view, d, s, path)
            w = view.at(d, s, k)
            if w < 0:
                raise OpError(
                    "EMPTY_CELL", f"{self._label(d, s, k)} is empty — nothing to unassign"
                )
            view.put(d, s, k, -1)
            return f"{p.workers[w].id} unassigned from {self._label(d, s, k)}"
        if isinstance(op, Swap):
            d1, s1, k1 = self._cell(op.a, f"{path}.a")
            d2, s2, k2 = self._cell(op.b, f"{path}.b")
            k1 = self._source_slot(view, d1, s1, k1, f"{path}.a", allow_empty=True)
            k2 = self._source_slot(view, d2, s2, k2, f"{path}.b", allow_empty=True)
            if (d1, s1, k1) == (d2, s2, k2):
                raise OpError("NO_CHANGE", f"{path}: both sides are {self._label(d1, s1, k1)}")
            wa, wb = view.at(d1, s1, k1), view.at(d2, s2, k2)
            if wa < 0 and wb < 0:
                raise OpError(
                    "EMPTY_CELL",
                    f"{self._label(d1, s1, k1)} and {self._label(d2, s2, k2)} are both empty",
                )
            view.put(d1, s1, k1, -1)
            view.put(d2, s2, k2, -1)
            if wb >= 0:
                view.put(d1, s1, k1, wb)
            if wa >= 0:
                view.put(d2, s2, k2, wa)
            na = p.workers[wa].id if wa >= 0 else "(empty)"
            nb = p.workers[wb].id if wb >= 0 else "(empty)"
            return (
                f"swapped {na} at {self._label(d1, s1, k1)} with {nb} at {self._label(d2, s2, k2)}"
            )
        if isinstance(op, Move):
            d1, s1, k1 = self._cell(op.src, f"{path}.src")
            d2, s2, k2 = self._cell(op.dst, f"{path}.dst")
            k1 = self._source_slot(view, d1, s1, k1, f"{path}.src", allow_empty=False)
            w = view.at(d1, s1, k1)
            if w < 0:
                raise OpError("EMPTY_CELL", f"{self._label(d1, s1, k1)} is empty — nothing to move")
            view.put(d1, s1, k1, -1)
            if k2 is None:
                k2 = view.free(d2, s2)
                if k2 < 0:
                    raise OpError(
                        "CELL_FULL",
                        f"{self._label(d2, s2)} is full — swap with its worker instead",
                    )
            elif view.at(d2, s2, k2) >= 0:
                raise OpError(
                    "CELL_FULL",
                    f"{self._label(d2, s2, k2)} is taken — swap with its worker instead",
                )
            view.put(d2, s2, k2, w)
            return f"{p.workers[w].id} moved from {self._label(d1, s1, k1)} to " + self._label(
                d2, s2, k2
            )
        if isinstance(op, Bulk):
            if not op.ops:
                raise OpError("MALFORMED", f"{path}.ops: the bulk is empty — give operations")
            for i, sub in enumerate(op.ops):
                where = f"{path}.ops[{i}]"
                try:
                    self._compile(sub, view, replaced, where)
                except OpError as err:
                    if where not in err.message:
                        err.message = f"{where}: {err.message}"
                    raise
            return f"bulk of {len(op.ops)} operations"
        if isinstance(op, _SetSlots):
            for d, s, k, w in op.targets:
                if view.at(d, s, k) != w:
                    view.put(d, s, k, -1)
            for d, s, k, w in op.targets:
                if w >= 0:
                    view.put(d, s, k, w)
            return op.label or f"{op.kind} of {len(op.targets)} cell(s)"
        raise OpError("MALFORMED", f"{path}: {type(op).__name__} is not an operation")

    def _only_occupied(self, view: _Overlay, d: int, s: int, path: str) -> int:
        occupied = view.occupied(d, s)
        if not occupied:
            raise OpError("EMPTY_CELL", f"{self._label(d, s)} is empty")
        if len(occupied) > 1:
            raise OpError(
                "BAD_SLOT",
                f"{path}: {self._label(d, s)} holds {len(occupied)} workers — give the slot "
                "(or the worker) to choose one",
            )
        return occupied[0]

    def _source_slot(
        self, view: _Overlay, d: int, s: int, k: int | None, path: str, *, allow_empty: bool
    ) -> int:
        if k is not None:
            return k
        occupied = view.occupied(d, s)
        if not occupied:
            if not allow_empty:
                raise OpError("EMPTY_CELL", f"{self._label(d, s)} is empty")
            k = view.free(d, s)
            if k < 0:
                raise OpError("BAD_SLOT", f"{path}: {self._label(d, s)} has no slot")
            return k
        if len(occupied) > 1:
            raise OpError(
                "BAD_SLOT",
                f"{path}: {self._label(d, s)} holds {len(occupied)} workers — give the slot",
            )
        return occupied[0]

    def _plan(self, op: Op | _SetSlots, kind: str) -> _Plan:
        cls = type(op)
        if cls is Unassign or cls is Assign:
            plan = self._plan_one_slot(op, kind)  # type: ignore[arg-type]
        elif cls is Swap:
            plan = self._plan_swap(op, kind)  # type: ignore[arg-type]
        elif cls is Move:
            plan = self._plan_move(op, kind)  # type: ignore[arg-type]
        elif cls is _SetSlots:
            plan = self._plan_writes(
                op.targets,  # type: ignore[union-attr]
                kind,
                op.label or f"{op.kind} of {len(op.targets)} cell(s)",  # type: ignore[union-attr]
            )
        else:
            plan = None
        return plan if plan is not None else self._plan_general(op, kind)

    def _plan_general(self, op: Op | _SetSlots, kind: str) -> _Plan:
        """The plan of any op (raises OpError naming what is wrong)."""
        view = _Overlay(self.core)
        replaced: list[int] = []
        message = self._compile(op, view, replaced, kind)
        slot_changes = view.slot_changes()
        if not slot_changes:
            raise OpError("NO_CHANGE", f"{message}: nothing would change")
        return _Plan(kind, slot_changes, view.worker_changes(), replaced, message)

    def _plan_one_slot(self, op: Assign | Unassign, kind: str) -> _Plan | None:
        """The plan ``_compile`` makes of a plain assign or unassign — an ISO date string and
        a post index already seen, no slot given, no worker named for an unassign — read
        straight off the roster; ``None`` for anything else (other forms, and every edit that
        fails: the general path then words the error)."""
        date, s = op.date, op.post
        if type(date) is not str or type(s) is not int or op.slot is not None:
            return None
        d = self._cache_day.get(date)
        if d is None or not 0 <= s < self.problem.n_shifts:
            return None
        roster = self.core
        cap = roster.capacity(d, s)
        worker_at = roster.worker_at
        if type(op) is Unassign:
            if op.worker is not None:
                return None
            if cap == 1:
                k = 0
            else:
                occupied = [k for k in range(cap) if worker_at(d, s, k) >= 0]
                if len(occupied) != 1:
                    return None
                k = occupied[0]
            w = worker_at(d, s, k)
            if w < 0:
                return None
            return _Plan(
                kind,
                [(d, s, k, w, -1)],
                [(w, d, s, -1)],
                [],
                f"{self._ids[w]} unassigned from {self._label(d, s, k)}",
            )
        w_id = op.worker
        who = self.problem.worker_index.get(w_id) if type(w_id) is str else None
        if who is None or cap < 1 or roster.shift_at(who, d) >= 0:
            return None
        k = 0
        while k < cap and worker_at(d, s, k) >= 0:
            k += 1
        if k == cap:
            if cap > 1:
                return None
            k = 0
        occupant = worker_at(d, s, k)
        text = f"{w_id} assigned to {self._label(d, s, k)}"
        if occupant < 0:
            return _Plan(kind, [(d, s, k, -1, who)], [(who, d, -1, s)], [], text)
        return _Plan(
            kind,
            [(d, s, k, occupant, who)],
            [(occupant, d, s, -1), (who, d, -1, s)],
            [occupant],
            f"{text} replacing {self._ids[occupant]}",
        )

    def _plan_writes(
        self, writes: Iterable[tuple[int, int, int, int]], kind: str, message: str
    ) -> _Plan | None:
        """The plan ``_compile`` makes of ``_SetSlots(writes)`` — ``(d, s, k, w)`` writes to
        distinct slots — read straight off the roster: each written slot whose worker changes
        is emptied first, in order, then filled, in order. ``None`` when a worker would hold
        two shifts on one date or nothing would change (the general path words both)."""
        roster = self.core
        worker_at, shift_at = roster.worker_at, roster.shift_at
        slot: dict[tuple[int, int, int], int] = {}
        day: dict[tuple[int, int], int | None] = {}  # (w, d) -> new post, None = off
        for d, s, k, w in writes:
            old = worker_at(d, s, k)
            if old != w and old >= 0:
                day[(old, d)] = None
                slot[(d, s, k)] = -1
        for d, s, k, w in writes:
            if w < 0 or worker_at(d, s, k) == w:
                continue
            works = day[(w, d)] is not None if (w, d) in day else shift_at(w, d) >= 0
            if works:
                return None  # a second shift on that date
            day[(w, d)] = s
            slot[(d, s, k)] = w
        slot_changes = [
            (d, s, k, old, w) for (d, s, k), w in slot.items() if (old := worker_at(d, s, k)) != w
        ]
        if not slot_changes:
            return None
        changes = [
            (w, d, old, new)
            for (w, d), post in day.items()
            if (old := shift_at(w, d)) != (new := -1 if post is None else post)
        ]
        return _Plan(kind, slot_changes, changes, [], message)

    def _pair_slot(self, c: Cell, source: bool, empty_ok: bool) -> tuple[int, int, int] | None:
        """``(d, s, k)`` of a swap side or a move's source (``source``: the only occupied slot
        when ``slot`` is None; an empty cell gives its first slot when ``empty_ok``) or a
        move's destination (the first free slot): what ``_compile`` resolves, for a date
        already seen and a post index; ``None`` for anything else."""
        date, s, k = c.date, c.post, c.slot
        if type(date) is not str or type(s) is not int:
            return None
        d = self._cache_day.get(date)
        if d is None or not 0 <= s < self.problem.n_shifts:
            return None
        cap = self.core.capacity(d, s)
        if k is not None:
            return (d, s, k) if type(k) is int and 0 <= k < cap else None
        worker_at = self.core.worker_at
        if cap == 1:
            taken = worker_at(d, s, 0) >= 0
            return (d, s, 0) if taken == source or (source and empty_ok) else None
        occupied = [k for k in range(cap) if worker_at(d, s, k) >= 0]
        if not source:
            free = [k for k in range(cap) if k not in occupied]
            return (d, s, free[0]) if free else None
        if len(occupied) == 1:
            return (d, s, occupied[0])
        if not occupied and empty_ok and cap > 0:
            return (d, s, 0)
        return None

    def _plan_swap(self, op: Swap, kind: str) -> _Plan | None:
        """The plan ``_compile`` makes of a swap of two different slots, as the writes it
        amounts to (see :meth:`_plan_writes`); ``None`` for other forms and for every swap that
        fails (the general path words the error)."""
        a = self._pair_slot(op.a, True, True)
        b = self._pair_slot(op.b, True, True)
        if a is None or b is None or a == b:
            return None
        worker_at, label, ids = self.core.worker_at, self._label, self._ids
        wa, wb = worker_at(*a), worker_at(*b)
        if wa == wb:
            return None  # both empty, or one worker on two dates: nothing to exchange
        na = ids[wa] if wa >= 0 else "(empty)"
        nb = ids[wb] if wb >= 0 else "(empty)"
        return self._plan_writes(
            ((*a, wb), (*b, wa)), kind, f"swapped {na} at {label(*a)} with {nb} at {label(*b)}"
        )

    def _plan_move(self, op: Move, kind: str) -> _Plan | None:
        """The plan ``_compile`` makes of a move into a free slot of another cell (or another
        given slot of its own cell), as the writes it amounts to; ``None`` otherwise."""
        src = self._pair_slot(op.src, True, False)
        if src is None:
            return None
        dst = self._pair_slot(op.dst, False, False)
        worker_at = self.core.worker_at
        if dst is None or src == dst or worker_at(*dst) >= 0:
            return None
        if op.dst.slot is None and src[:2] == dst[:2]:
            return None  # the first free slot of the source's own cell: left to _compile
        w = worker_at(*src)
        if w < 0:
            return None
        label = self._label
        return self._plan_writes(
            ((*src, -1), (*dst, w)),
            kind,
            f"{self._ids[w]} moved from {label(*src)} to {label(*dst)}",
        )

    # ------------------------------------------------------------------ the path of an edit
    def apply(
        self,
        op: Op | Mapping[str, Any] | Schedule,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Apply an operation (an Op, its dict form) or merge a branch made by :meth:`fork`.

        ``force``: accept hard violations and pinned cells (when the policy allows it);
        ``user``: author (default: the schedule's user); ``base_version``: the schedule version
        the author saw (recorded; checked against the touched cells' versions when the policy
        has ``check_stale``).
        """
        if isinstance(op, Schedule):
            return self._merge(op, force=force, user=user, base_version=base_version)
        return self._run(op, force=force, user=user, base_version=base_version)

    def preview(
        self, op: Op | Mapping[str, Any], *, force: bool = False, user: str | None = None
    ) -> OpResult:
        """What :meth:`apply` would answer for ``op``; nothing changes and nothing is published.

        ``ok`` says whether the op would be applied; ``introduced``/``resolved`` are the
        violations it would add/remove; ``op_id`` is None and ``version`` the current version.
        """
        return self._run(op, force=force, user=user, base_version=None, dry=True)

    def _run(
        self,
        op: Any,
        *,
        force: bool,
        user: str | None,
        base_version: int | None,
        dry: bool = False,
        kind: str | None = None,
        undoes: OpRecord | None = None,
        checks: bool = True,
    ) -> OpResult:
        t0 = time.perf_counter_ns()
        if user is not None and (not isinstance(user, str) or not user):
            return failure(
                "MALFORMED",
                f"user: {user!r} is not a user name — give a non-empty str (or None for "
                f"{self.user!r})",
                kind=getattr(op, "kind", kind or ""),
                version=self.version,
                preview=dry,
            )
        who = user or self.user
        with self._lock:
            try:
                if not isinstance(op, _SetSlots):
                    op = parse_op(op)
                op_kind = kind or op.kind
                if not isinstance(force, bool):
                    raise OpError("MALFORMED", "force: give True or False")
                while True:
                    plan = self._plan(op, op_kind)
                    self._check_access(plan, who, base_version, op, force)
                    try:
                        result = self._decide_and_commit(
                            plan, op, who, force, base_version, dry, undoes, checks
                        )
                    except StoreBehind:  # another process wrote first: catch up, re-check
                        self.collab.catch_up()
                        if undoes is not None:
                            raise OpError(
                                "STALE", f"the store moved on during this {op_kind} — retry it"
                            ) from None
                        continue
                    break
            except OpError as err:
                result = failure(
                    err.code,
                    err.message,
                    kind=getattr(op, "kind", kind or ""),
                    version=self.version,
                    user=who,
                    preview=dry,
                    **err.extra,
                )
                if not dry:
                    self._publish(
                        "op_rejected",
                        {
                            "kind": result.kind,
                            "error": result.error,
                            "message": result.message,
                            "version": self.version,
                        },
                        who,
                    )
        if not dry:
            self.latency.record_ns(result.kind or "invalid", time.perf_counter_ns() - t0)
        return result

    def _check_access(
        self,
        plan: _Plan,
        user: str,
        base_version: int | None,
        op: Any = None,
        force: bool = False,
    ) -> None:
        """Step 2 of the path: locks and optimistic concurrency (raise OpError to refuse)."""
        if self._remote is not None:
            return  # a replicated op: its author's replica checked it
        collab = self.collab
        if collab is not None:
            collab.check_locks(plan.slot_changes, user)
        if base_version is None:
            return
        if isinstance(base_version, bool) or not isinstance(base_version, int):
            raise OpError("MALFORMED", "base_version: give the schedule version as an int")
        if not (self.policy.check_stale or collab is not None):
            return
        if self.policy.conflicts == "last_writer_wins":
            return
        stale = self._stale_cells(plan.slot_changes, base_version)
        if not stale:
            return
        if self.policy.conflicts == "manual" and collab is not None and hasattr(op, "to_dict"):
            c = collab.queue_conflict(user, op.to_dict(), base_version, force, stale)
            raise OpError(
                "CONFLICT_QUEUED",
                f"{stale[0]['cell']} changed after your version {base_version}: your edit is "
                f"queued as conflict {c.id} for someone to accept or reject",
                details={"conflict_id": c.id, "current": stale},
            )
        first = stale[0]
        now = ", ".join(first["current"]) or "(empty)"
        raise OpError(
            "STALE",
            f"{first['cell']} changed at version {first['version']} after your version "
            f"{base_version} (now: {now}) — reload and retry",
            details={"current": stale},
        )

    def _decide_and_commit(
        self,
        plan: _Plan,
        op: Any,
        user: str,
        force: bool,
        base_version: int | None,
        dry: bool,
        undoes: OpRecord | None,
        checks: bool = True,
    ) -> OpResult:
        """Steps 3–4 (``checks=False``: a pure rollback, applied like a forced op without
        being marked forced)."""
        p, policy = self.problem, self.policy
        skip = force or not checks
        if force and not policy.allow_force:
            raise OpError(
                "FORCE_NOT_ALLOWED", "force=True is not allowed by this schedule's policy"
            )
        if policy.protect_pinned and not skip:
            for w, d, old, new in plan.changes:
                if old >= 0 and new < 0 and self._mandatory[w, d]:
                    raise OpError(
                        "PINNED",
                        f"{p.workers[w].id} must work {p.calendar.iso(d)} (mandatory day, "
                        "pinned) — move them within that date, or pass force=True",
                    )
        delta = None
        if dry or (policy.block_hard and not skip and self._may_introduce_hard(plan)):
            delta = self.validator.preview(plan.changes)
            hard_new = [v for v in delta.introduced if v.severity == "hard"]
            if hard_new and policy.block_hard and not skip:
                first = hard_new[0].message
                more = f" (and {len(hard_new) - 1} more)" if len(hard_new) > 1 else ""
                raise OpError(
                    "HARD_VIOLATION",
                    f"refused: {first}{more} — pass force=True to apply anyway",
                    introduced=tuple(delta.introduced),
                    resolved=tuple(delta.resolved),
                    hard_delta=int(delta.hard),
                    soft_delta=float(delta.soft),
                    suggestions=tuple(self._alternatives(op, plan)),
                )
        if dry:
            assert delta is not None
            return OpResult(
                ok=True,
                message=f"would apply: {plan.message}",
                version=self.version,
                introduced=tuple(delta.introduced),
                resolved=tuple(delta.resolved),
                replaced=tuple(p.workers[w].id for w in plan.replaced),
                kind=plan.kind,
                user=user,
                preview=True,
                forced=force,
                cells=self._cells(plan),
                hard_delta=int(delta.hard),
                soft_delta=float(delta.soft),
            )
        return self._commit(plan, user, force, base_version, undoes)

    def _may_introduce_hard(self, plan: _Plan) -> bool:
        """False only when the change certainly introduces no hard violation.

        With no hard violation in the schedule none can be resolved, so the change introduces
        one exactly when it raises the hard count — which the cheap ``score_delta`` (no records)
        answers. Otherwise only a full preview can tell a moved violation from none.
        """
        validator = self.validator
        hard_now = getattr(validator, "hard_count", None)  # validators may lack it
        if (validator.score().hard if hard_now is None else hard_now) != 0:
            return True
        hard_delta = getattr(validator, "hard_delta", None)  # validators may lack it
        if hard_delta is not None:
            return bool(hard_delta(plan.changes) > 0)
        hard, _ = validator.score_delta(plan.changes)
        return bool(hard > 0)

    def _cells(self, plan: _Plan) -> tuple[tuple[str, int, int], ...]:
        iso = self._iso
        return tuple((iso[d], s, k) for d, s, k, _, _ in plan.slot_changes)

    def _commit(
        self,
        plan: _Plan,
        user: str,
        forced: bool,
        base_version: int | None,
        undoes: OpRecord | None,
    ) -> OpResult:
        """Step 5–7: persist (a shared store first: nothing changes when it refuses), change
        the roster, commit the validator, record, publish."""
        remote = self._remote
        version = self.version + 1
        op_id = f"{self.id}-{version}" if remote is None else str(remote["op_id"])
        ids, iso = self._ids, self._iso
        slot_changes = plan.slot_changes
        cells_l: list[tuple[str, int, int]] = []
        event_cells: list[list[Any]] = []
        for d, s, k, _old, new in slot_changes:
            day = iso[d]
            cells_l.append((day, s, k))
            event_cells.append([day, s, k, ids[new] if new >= 0 else None])
        cells = tuple(cells_l)
        replaced = tuple([ids[w] for w in plan.replaced]) if plan.replaced else ()
        rec = slot_record(
            op_id,
            version,
            user,
            time.time() if remote is None else float(remote["ts"]),
            plan.kind,
            slot_changes[0] if len(slot_changes) == 1 else tuple(chain.from_iterable(slot_changes)),
            self._names,
            forced,
            plan.message,
            undoes.op_id if undoes is not None else None,
        )
        if remote is None:
            self._persist(rec)  # may raise StoreBehind before anything changed
        roster = self.core
        for d, s, k, old, _ in slot_changes:
            if old >= 0:
                roster.clear(d, s, k)
        for d, s, k, _, new in slot_changes:
            if new >= 0:
                roster.place(new, d, s, k)
        delta = self.validator.commit(plan.changes)
        self.version = version
        self._latest_by_user[user] = version
        cell_version = self.cell_version
        for d, s, _, _, _ in slot_changes:
            cell_version[d, s] = version
        if undoes is None:
            self.oplog.record(rec)
        elif plan.kind == "undo":
            self.oplog.mark_undone(undoes.op_id, rec)
        else:
            self.oplog.mark_redone(undoes.op_id, rec)
        introduced, resolved = delta.introduced, delta.resolved
        payload = {
            "op_id": op_id,
            "version": version,
            "kind": plan.kind,
            "cells": event_cells,
            "introduced": len(introduced),
            "resolved": len(resolved),
            "forced": forced,
            "replaced": list(replaced),
            "base_version": base_version,
        }
        if undoes is not None:
            payload["undoes"] = undoes.op_id
        if self._event_extra:
            payload.update(self._event_extra)
        event_type = EVENT_OF_KIND.get(plan.kind, "bulk_applied")
        if remote is not None:
            event_type = "remote_applied"
        self.events.publish_owned(event_type, payload, user)
        hard_delta, soft_delta = int(delta.hard), float(delta.soft)
        if introduced or resolved:
            self.events.publish_owned(
                "violations_changed",
                {
                    "op_id": op_id,
                    "version": version,
                    "introduced": len(introduced),
                    "resolved": len(resolved),
                    "hard_delta": hard_delta,
                    "soft_delta": soft_delta,
                },
                user,
            )
        return applied_result(
            plan.message + (" (forced)" if forced and delta.hard > 0 else ""),
            op_id,
            version,
            tuple(introduced),
            tuple(resolved),
            replaced,
            forced,
            plan.kind,
            user,
            cells,
            hard_delta,
            soft_delta,
            {"base_version": base_version} if base_version is not None else {},
        )

    def _persist(self, record: OpRecord) -> None:
        """Hand an op to the shared store before it is applied (no store: nothing to do)."""
        if self.collab is not None:
            self.collab.persist(record)

    def _stale_cells(self, slot_changes: Any, base_version: int) -> list[dict[str, Any]]:
        """The cells of a change that changed after ``base_version``, with what they hold."""
        out: list[dict[str, Any]] = []
        seen: set[tuple[int, int]] = set()
        for d, s, _k, _old, _new in slot_changes:
            v = int(self.cell_version[d, s])
            if v <= base_version or (d, s) in seen:
                continue
            seen.add((d, s))
            cap = int(self.problem.maximum[d, s])
            current = [self._ids[w] for w in self.core.slots[d, s, :cap] if w >= 0]
            by = next((r.user for r in reversed(self.oplog.records()) if r.version == v), None)
            out.append(
                {
                    "cell": self._label(d, s),
                    "date": self._iso[d],
                    "post": int(s),
                    "version": v,
                    "current": current,
                    "by": by,
                }
            )
        return out

    def _apply_remote(self, version: int, op: Mapping[str, Any]) -> OpResult:
        """Apply an op of the shared store's log (written by any replica) at ``version``,
        through the edit path as it was decided by its author: no rule, lock or version check;
        recorded with its author, id and time; published as ``remote_applied``."""
        from rtsched_widgets.collab.store.codec import op_targets

        targets = op_targets(op, self.problem)
        kind = str(op.get("kind") or "bulk")
        with self._lock:
            if version != self.version + 1:
                raise ValueError(f"remote op at version {version}, schedule at {self.version}")
            undoes = self.oplog.get(op["undoes"]) if op.get("undoes") else None
            if undoes is not None:
                want = self.oplog.undo_candidate if kind == "undo" else self.oplog.redo_candidate
                top = want(undoes.user)
                if top is None or top.op_id != undoes.op_id:
                    undoes = None  # not on the author's stack here: record as a plain op
            self._remote = dict(op)
            self._event_extra = {"remote_kind": kind, "origin": op.get("op_id")}
            try:
                return self._run(
                    _SetSlots(targets, kind, str(op.get("message") or "")),
                    force=False,
                    user=str(op.get("user") or "anonymous"),
                    base_version=None,
                    kind=kind,
                    undoes=undoes,
                    checks=False,
                )
            finally:
                self._remote = None
                self._event_extra = None

    def _publish(self, type_: str, payload: dict[str, Any], user: str | None) -> None:
        self.events.publish(type_, payload, user)

    def _alternatives(self, op: Any, plan: _Plan) -> list[dict[str, Any]]:
        from rtsched_widgets.engine.suggestions import alternatives

        try:
            return alternatives(self, op, plan.changes, k=self.policy.suggestions)
        except OpError:
            return []

    # ------------------------------------------------------------------ the operations
    def assign(
        self,
        worker: str,
        date: Any,
        post: Any,
        slot: int | None = None,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Put ``worker`` into ``(date, post)`` — see :class:`~rtsched_widgets.engine.ops.Assign`.

        Refused with ALREADY_WORKING when the worker already works that date (use
        :meth:`move`/:meth:`swap`); a full one-slot cell has its occupant replaced (reported in
        ``OpResult.replaced``); a full multi-slot cell needs an explicit ``slot``.
        """
        return self._run(
            new_assign(worker, date, post, slot), force=force, user=user, base_version=base_version
        )

    def unassign(
        self,
        date: Any,
        post: Any,
        slot: int | None = None,
        *,
        worker: str | None = None,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Empty a slot of ``(date, post)`` — see :class:`~rtsched_widgets.engine.ops.Unassign`."""
        return self._run(
            new_unassign(date, post, slot, worker),
            force=force,
            user=user,
            base_version=base_version,
        )

    def swap(
        self,
        a: Any,
        b: Any,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Exchange the workers of slots ``a`` and ``b``, each ``(date, post[, slot])``."""
        try:
            op = new_swap(cell(a, "a"), cell(b, "b"))
        except OpError as err:
            return failure(err.code, err.message, kind="swap", version=self.version)
        return self._run(op, force=force, user=user, base_version=base_version)

    def move(
        self,
        src: Any,
        dst: Any,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Move the worker of ``src`` into the free slot ``dst``, each ``(date, post[, slot])``."""
        try:
            op = new_move(cell(src, "src"), cell(dst, "dst"))
        except OpError as err:
            return failure(err.code, err.message, kind="move", version=self.version)
        return self._run(op, force=force, user=user, base_version=base_version)

    def bulk(
        self,
        ops: Iterable[Op | Mapping[str, Any]],
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Apply ``ops`` in order as one atomic edit: all or nothing, one history record, one
        undo step, one ``bulk_applied`` event. Violations are judged on the net result."""
        try:
            if isinstance(ops, str | bytes | Mapping) or not isinstance(ops, Iterable):
                raise OpError("MALFORMED", "ops: give a list of operations")
            op = Bulk(tuple(parse_op(o, f"bulk.ops[{i}]") for i, o in enumerate(ops)))
        except OpError as err:
            result = failure(err.code, err.message, kind="bulk", version=self.version)
            self._publish(
                "op_rejected",
                {
                    "kind": "bulk",
                    "error": err.code,
                    "message": err.message,
                    "version": self.version,
                },
                user or self.user,
            )
            return result
        return self._run(op, force=force, user=user, base_version=base_version)

    # ------------------------------------------------------------------ undo / redo
    def undo(self, user: str | None = None, *, force: bool = False) -> OpResult:
        """Revert ``user``'s (default: the schedule's user) newest not-undone edit.

        Refused with UNDO_CONFLICT — naming the cells and who changed them — when another edit
        changed any of its cells since. When other users edited anything since, the undo is
        checked like a new edit (hard violations and pinned cells refuse it unless
        ``force=True``); when only ``user`` edited since, it is a pure rollback to a state they
        had and is applied as is (violations it brings back are reported). Undo is itself
        recorded (kind ``"undo"``).
        """
        if user is not None and (not isinstance(user, str) or not user):
            return failure(
                "MALFORMED",
                f"user: {user!r} — give a non-empty str",
                kind="undo",
                version=self.version,
            )
        who = user or self.user
        rec = self.oplog.undo_candidate(who)
        if rec is None:
            return failure(
                "NOTHING_TO_UNDO",
                f"{who} has no edit to undo",
                kind="undo",
                version=self.version,
                user=who,
            )
        return self._revert(rec, who, "undo", force)

    def redo(self, user: str | None = None, *, force: bool = False) -> OpResult:
        """Re-apply ``user``'s most recently undone edit (same checks as :meth:`undo`)."""
        if user is not None and (not isinstance(user, str) or not user):
            return failure(
                "MALFORMED",
                f"user: {user!r} — give a non-empty str",
                kind="redo",
                version=self.version,
            )
        who = user or self.user
        rec = self.oplog.redo_candidate(who)
        if rec is None:
            return failure(
                "NOTHING_TO_REDO",
                f"{who} has no undone edit to redo",
                kind="redo",
                version=self.version,
                user=who,
            )
        return self._revert(rec, who, "redo", force)

    def _revert(self, rec: OpRecord, who: str, kind: str, force: bool) -> OpResult:
        if isinstance(rec, SlotRecord) and rec.holds_its_result(self.core.worker_at):
            conflicts = []  # the common case, answered without naming the cells
        else:
            conflicts = self.oplog.conflicts(rec, self._cell_value)
        if conflicts:
            parts = []
            for c in conflicts[:5]:
                by = self._last_writer(c.cell, after_version=rec.version)
                where: Any = c.cell
                parts.append(
                    f"{where[0]}/{self.problem.shift_types[where[1]].id}[{where[2]}] is now "
                    f"{c.actual or '(empty)'} instead of {c.expected or '(empty)'}"
                    + (f" (changed by {by})" if by else "")
                )
            message = (
                f"cannot {kind} {rec.op_id} ({rec.message}): its cells changed since — "
                + "; ".join(parts)
            )
            result = failure(
                "UNDO_CONFLICT",
                message,
                kind=kind,
                version=self.version,
                user=who,
                details={"op_id": rec.op_id, "conflicts": [list(c) for c in conflicts]},
            )
            self._publish(
                "op_rejected",
                {
                    "kind": kind,
                    "error": "UNDO_CONFLICT",
                    "message": message,
                    "version": self.version,
                },
                who,
            )
            return result
        return self._run(
            _SetSlots(rec.inverse, kind, f"{kind} of {rec.op_id} ({rec.message})"),
            force=force,
            user=who,
            base_version=None,
            kind=kind,
            undoes=rec,
            checks=self._others_since(rec, who),
        )

    def _others_since(self, rec: OpRecord, who: str) -> bool:
        """True when someone other than ``who`` applied an op after ``rec``: reverting ``rec``
        then meets a state nobody has checked, so it is validated like a new edit. Otherwise it
        is a pure rollback to a state ``who`` had before, and applied as is."""
        return any(v > rec.version for u, v in self._latest_by_user.items() if u != who)

    def _cell_value(self, cell: Any) -> str | None:
        iso, s, k = cell
        d = self._day(iso)
        w = self.core.worker_at(d, s, k)
        return self.problem.workers[w].id if w >= 0 else None

    def _last_writer(self, cell: Any, after_version: int) -> str | None:
        for r in reversed(self.oplog.records()):
            if r.version <= after_version:
                break
            if cell in r.cells:
                return f"{r.user} in {r.op_id}"
        return None

    # ------------------------------------------------------------------ reading
    @property
    def assignments(self) -> pd.DataFrame:
        """One row per occupied slot: date, post, shift, slot, worker, pinned, version."""
        frame = self.core.to_frame()
        if len(frame):
            d = (
                (frame["date"].to_numpy() - self.problem.calendar.dates[0])
                .astype("timedelta64[D]")
                .astype(np.int64)
            )
            w = np.array([self.problem.worker_index[i] for i in frame["worker"]], dtype=np.int64)
            s = frame["post"].to_numpy()
            frame["pinned"] = self.problem.mandatory[w, d]
            frame["version"] = self.cell_version[d, s]
        else:
            frame["pinned"] = pd.Series(dtype=bool)
            frame["version"] = pd.Series(dtype=np.int64)
        return frame

    def roster(self) -> pd.DataFrame:
        """Workers down (index: worker id), dates across (ISO strings), cell = shift id or ""."""
        p = self.problem
        labels = np.array([""] + [st.id for st in p.shift_types], dtype=object)
        table = labels[self.core.shift_of.astype(np.int64) + 1]
        return pd.DataFrame(
            table,
            index=pd.Index([w.id for w in p.workers], name="worker"),
            columns=[p.calendar.iso(d) for d in range(p.n_days)],
        )

    def coverage(self) -> pd.DataFrame:
        """One row per (date, post) with demand: date, post, shift, required, maximum, filled,
        missing (= max(required - filled, 0))."""
        p = self.problem
        d, s = np.nonzero(p.maximum > 0)
        filled = self.core.count[d, s].astype(np.int64)
        required = p.required[d, s].astype(np.int64)
        return pd.DataFrame(
            {
                "date": p.calendar.dates[d],
                "post": s.astype(np.int64),
                "shift": [p.shift_types[i].id for i in s],
                "required": required,
                "maximum": p.maximum[d, s].astype(np.int64),
                "filled": filled,
                "missing": np.maximum(required - filled, 0),
            }
        )

    def validate(self) -> pd.DataFrame:
        """Every current violation as a DataFrame (publishes ``validated``)."""
        with self._lock:
            frame = self.validator.violations()
            score = self.validator.score()
            version = self.version
        self._publish(
            "validated",
            {
                "version": version,
                "violations": len(frame),
                "hard": score.hard,
                "soft": float(score.soft),
            },
            self.user,
        )
        return frame

    def score(self) -> Any:
        """The current :class:`Score` (hard violation count, soft penalty)."""
        return self.validator.score()

    def suggest(self, date: Any, post: Any, k: int = 5, *, excluded: bool = True) -> pd.DataFrame:
        """Ranked candidate workers for ``(date, post)`` — see
        :func:`rtsched_widgets.engine.suggestions.suggest`."""
        from rtsched_widgets.engine.suggestions import suggest

        with self._lock:  # score_delta briefly applies changes to the validator's mirror
            return suggest(self, date, post, k=k, excluded=excluded)

    def analytics(self) -> Analytics:
        """Live analytics — see :func:`rtsched_widgets.engine.analytics.analytics`."""
        from rtsched_widgets.engine.analytics import analytics

        return analytics(self)

    def export_audit(self, path: str | Path, format: str = "csv") -> Path:
        """Write the audit trail of every kept op to ``path`` (csv, json or parquet)."""
        return self.oplog.export_audit(path, format)

    @property
    def undo_depth(self) -> int:
        """How many of the schedule user's edits can be undone in a row."""
        return self.oplog.undo_depth(self.user)

    @property
    def history(self) -> pd.DataFrame:
        """Every kept op, oldest first (columns of ``engine.history.AUDIT_COLUMNS``); the
        :class:`~rtsched_widgets.engine.history.History` object itself is :attr:`oplog`."""
        return self.oplog.to_frame()

    def history_frame(self, user: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The history (optionally of one user, newest ``limit``) as a DataFrame."""
        return self.oplog.to_frame(user=user, limit=limit)

    def __repr__(self) -> str:
        p = self.problem
        return (
            f"<Schedule {self.id} {p.name or p.profile}: {self.core.n_assigned} assignments, "
            f"version {self.version}, user {self.user!r}>"
        )

    # ------------------------------------------------------------------ branches
    def fork(self, user: str | None = None) -> Schedule:
        """An independent branch: same problem, copied roster, versions and validator state,
        fresh history and event bus. Merge it back with ``apply(branch)``."""
        from rtsched_widgets.engine.branch import fork

        return fork(self, user=user)

    def diff(self, other: Schedule) -> pd.DataFrame:
        """Slots that differ: date, post, shift, slot, this (worker id or None), other."""
        from rtsched_widgets.engine.branch import diff

        return diff(self, other)

    def _merge(
        self, branch: Schedule, *, force: bool, user: str | None, base_version: int | None
    ) -> OpResult:
        from rtsched_widgets.engine.branch import merge_targets

        try:
            targets = merge_targets(self, branch)
        except OpError as err:
            return failure(err.code, err.message, kind="merge", version=self.version)
        return self._run(
            _SetSlots(targets, "merge"),
            force=force,
            user=user,
            base_version=base_version,
            kind="merge",
        )

    # ------------------------------------------------------------------ generation
    def generate(
        self,
        strategy: str = "greedy",
        time_limit: float = 10,
        seed: int = 0,
        keep: Any = "mandatory",
        *,
        user: str | None = None,
        cancel: threading.Event | None = None,
    ) -> OpResult:
        """Replace the roster with one built by a generation strategy, as one undoable step.

        ``keep``: ``"mandatory"`` (default) keeps mandatory days as they are, ``"current"``
        keeps the whole current roster fixed, ``None`` keeps nothing; anything else is passed
        to the strategy unchanged. Publishes ``generation_started``, ``generation_progress``
        (from the strategy's progress reports) and ``generation_finished``.
        """
        from rtsched_widgets.engine.branch import run_strategy

        return run_strategy(
            self, strategy, time_limit=time_limit, seed=seed, keep=keep, user=user, cancel=cancel
        )

    def _replace_roster(
        self,
        roster: Roster,
        *,
        user: str | None,
        kind: str = "generate",
        event_extra: dict[str, Any] | None = None,
        label: str = "",
    ) -> OpResult:
        """Make the roster equal ``roster`` as one forced, undoable step; ``event_extra`` is
        added to the payload of the op's event."""
        diff_mask = self.core.slots != roster.slots
        d, s, k = np.nonzero(diff_mask)
        targets = [
            (int(a), int(b), int(c), int(w))
            for a, b, c, w in zip(d, s, k, roster.slots[d, s, k], strict=True)
        ]
        with self._lock:
            self._event_extra = event_extra
            try:
                return self._run(
                    _SetSlots(targets, kind, label.format(n=len(targets))),
                    force=True,
                    user=user,
                    base_version=None,
                    kind=kind,
                )
            finally:
                self._event_extra = None


class StoreBehind(Exception):
    """Raised by the store seam (:meth:`Schedule._persist`) when another process appended to
    the shared log first: the schedule catches up and re-checks the edit."""


def _make_validator(problem: Problem, roster: Roster) -> Any:
    from rtsched_widgets.rules.validator import Validator

    return Validator(problem, roster)
