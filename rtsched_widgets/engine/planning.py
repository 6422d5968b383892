"""Planning, step 1 of the path of an edit: an operation as the user gave it becomes a
:class:`Plan` — the slot changes ``(d, s, k, old_worker, new_worker)`` and the validator's
worker changes ``(w, d, old_shift, new_shift)`` it amounts to, the workers it replaces and
the one-line message that describes it — or an :class:`~rtsched_widgets.engine.result.OpError`
naming the field that is wrong and how to fix it.

Two ways lead to the same plan. The general one, :meth:`Planner.compile`, writes the op into
an :class:`Overlay` of pending slot writes over the roster; it handles every op and words
every refusal. The direct ones read the roster straight: a plain assign or unassign
(:meth:`Planner.plan_one_slot`), a swap or move (:meth:`Planner.plan_swap`,
:meth:`Planner.plan_move`) and the slot writes of undo, redo and replicated ops
(:meth:`Planner.plan_writes`; two writes that exchange the workers of two slots, as a swap
and its undo and redo are, written out). They answer ``None`` for anything they do not cover
and for every op that fails, which then goes the general way; tests compare both ways on
random ops.
Nothing here changes the roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.engine.ops import Assign, Bulk, Cell, Move, Op, Swap, Unassign, nesting_error
from rtsched_widgets.engine.result import OpError
from rtsched_widgets.limits import MAX_NESTING, abbreviate
from rtsched_widgets.model.calendar import as_date
from rtsched_widgets.model.errors import ProblemError

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster

__all__ = ["NOTHING_REPLACED", "Overlay", "Plan", "Planner", "SetSlots"]


class Overlay:
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


@dataclass(slots=True)
class Plan:
    """A compiled edit: what it changes and what it reports. ``replaced``: the workers an
    assign takes out of their slot, in order (:data:`NOTHING_REPLACED`, one shared empty
    tuple, when none: read it, never modify it)."""

    kind: str
    slot_changes: list[tuple[int, int, int, int, int]]
    changes: list[tuple[int, int, int, int]]
    replaced: Sequence[int]
    message: str


NOTHING_REPLACED: tuple[int, ...] = ()
"""The ``replaced`` of every plan that replaces nobody (no list allocated per plan)."""


def _plan_builder() -> Any:
    new = object.__new__

    def new_plan(
        kind: str,
        slot_changes: list[tuple[int, int, int, int, int]],
        changes: list[tuple[int, int, int, int]],
        replaced: Sequence[int],
        message: str,
    ) -> Plan:
        """``Plan(kind, slot_changes, changes, replaced, message)`` without the class call
        (the direct planners' plans: one per edit)."""
        plan: Plan = new(Plan)
        plan.kind = kind
        plan.slot_changes = slot_changes
        plan.changes = changes
        plan.replaced = replaced
        plan.message = message
        return plan

    return new_plan


new_plan = _plan_builder()
_new = object.__new__


class SetSlots:
    """Internal op: set each ``(d, s, k)`` to worker ``w`` (-1 = empty); all clears first."""

    __slots__ = ("kind", "label", "targets")

    def __init__(
        self, targets: Iterable[tuple[int, int, int, int]], kind: str, label: str = ""
    ) -> None:
        self.targets = tuple(targets)
        self.kind = kind
        self.label = label


class Planner:
    """Resolves the addresses of ops on ``roster`` (dates, posts, slots, workers, with clear
    errors) and plans ops into :class:`Plan` objects. ``day_of`` maps each date as given to
    its day index: ISO strings are known from the start, other forms once resolved (shared
    by the planners of a schedule's branches)."""

    __slots__ = (
        "_cap",
        "_maximum",
        "_shift_ids",
        "_shift_of",
        "_slots",
        "day_of",
        "ids",
        "iso",
        "n_shifts",
        "problem",
        "roster",
    )

    def __init__(
        self,
        roster: Roster,
        day_of: dict[Any, int] | None = None,
        _cap: list[memoryview] | None = None,
    ) -> None:
        problem = roster.problem
        self.problem: Problem = problem
        self.roster = roster
        self.ids: tuple[str, ...] = tuple(w.id for w in problem.workers)
        self.iso: tuple[str, ...] = tuple(problem.calendar.iso(d) for d in range(problem.n_days))
        self.n_shifts: int = problem.n_shifts
        # the direct planners read cells through the roster's views (no call per cell)
        self._slots, self._shift_of, self._maximum = roster.cell_views()
        # _cap[d][s]: maximum[d, s], one view per day of the problem's table (a row's element
        # is a one-dimensional subscript, cheaper than the two-dimensional one; the views share
        # the table, shared in turn by the planners of a schedule's branches)
        if _cap is None:
            flat = np.ascontiguousarray(problem.maximum).reshape(-1).data
            n_s = problem.n_shifts
            _cap = [flat[d * n_s : (d + 1) * n_s] for d in range(problem.n_days)]
        self._cap: list[memoryview] = _cap
        self._shift_ids: tuple[str, ...] = tuple(t.id for t in problem.shift_types)
        self.day_of: dict[Any, int] = (
            day_of if day_of is not None else {iso: d for d, iso in enumerate(self.iso)}
        )

    def on(self, roster: Roster) -> Planner:
        """A planner of ``roster`` (a copy of this one's, e.g. a branch's) sharing the
        resolved dates."""
        if roster.problem is not self.problem:
            raise ValueError("roster: it belongs to another problem")
        return Planner(roster, self.day_of, self._cap)

    # ------------------------------------------------------------------ resolving input
    def day(self, value: Any, field_name: str = "date") -> int:
        try:
            return self.day_of[value]
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
            if len(self.day_of) < 100_000:
                self.day_of[value] = i
        except TypeError:
            pass
        return i

    def post(self, value: Any, field_name: str = "post") -> int:
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
            f"{field_name}: {abbreviate(value)} is not a post of this problem — use an index in "
            f"0 … {p.n_shifts - 1} or a shift type id of {[s.id for s in p.shift_types]}",
        )

    def worker(self, value: Any, field_name: str = "worker") -> int:
        w = self.problem.worker_index.get(value) if isinstance(value, str) else None
        if w is None:
            raise OpError(
                "UNKNOWN_WORKER",
                f"{field_name}: unknown worker id {abbreviate(value)} — use an id from "
                "problem.workers",
            )
        return w

    def slot(self, d: int, s: int, k: int | None, field_name: str = "slot") -> int | None:
        if k is None:
            return None
        cap = self.roster.capacity(d, s)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k < cap:
            raise OpError(
                "BAD_SLOT",
                f"{field_name}: slot {abbreviate(k)} does not exist in cell "
                f"({self.problem.calendar.iso(d)}"
                f", {self.problem.shift_types[s].id!r}) which has {cap} slot(s)",
            )
        return int(k)

    def cell(self, c: Cell, field_name: str) -> tuple[int, int, int | None]:
        d = self.day(c.date, f"{field_name}.date")
        s = self.post(c.post, f"{field_name}.post")
        return d, s, self.slot(d, s, c.slot, f"{field_name}.slot")

    def label(self, d: int, s: int, k: int | None = None) -> str:
        """``date/post`` of cell ``(d, s)``, with ``[k]`` when a slot is given and the cell
        has more than one."""
        text = f"{self.iso[d]}/{self._shift_ids[s]}"
        return text if k is None or self._maximum[d, s] <= 1 else f"{text}[{k}]"

    # ------------------------------------------------------------------ compiling
    def compile(self, op: Op | SetSlots, view: Overlay, replaced: list[int], path: str) -> str:
        """Write ``op`` into ``view``; return a one-line description. Raises OpError."""
        p = self.problem
        if isinstance(op, Assign):
            w = self.worker(op.worker, f"{path}.worker")
            d = self.day(op.date, f"{path}.date")
            s = self.post(op.post, f"{path}.post")
            k = self.slot(d, s, op.slot, f"{path}.slot")
            cap = self.roster.capacity(d, s)
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
                    src = [self.iso[d], cur[0], cur[1]]
                    free = view.free(d, s)
                    hint = (
                        {"kind": "move", "src": src, "dst": [self.iso[d], s, free]}
                        if free >= 0
                        else {"kind": "swap", "a": src, "b": [self.iso[d], s, k or 0]},
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
                            f"all {cap} slots of {self.label(d, s)} are taken — give a slot "
                            "to replace its worker, or unassign someone first",
                        )
                    k = 0
            occupant = view.at(d, s, k)
            if occupant >= 0:
                replaced.append(occupant)
                view.put(d, s, k, -1)
            view.put(d, s, k, w)
            text = f"{op.worker} assigned to {self.label(d, s, k)}"
            if occupant >= 0:
                text += f" replacing {p.workers[occupant].id}"
            return text
        if isinstance(op, Unassign):
            d = self.day(op.date, f"{path}.date")
            s = self.post(op.post, f"{path}.post")
            k = self.slot(d, s, op.slot, f"{path}.slot")
            if op.worker is not None:
                w = self.worker(op.worker, f"{path}.worker")
                cur = view.where(w, d)
                if cur is None or cur[0] != s or (k is not None and cur[1] != k):
                    raise OpError(
                        "EMPTY_CELL",
                        f"worker {op.worker!r} is not in {self.label(d, s, k)}",
                    )
                k = cur[1]
            elif k is None:
                k = self._only_occupied(view, d, s, path)
            w = view.at(d, s, k)
            if w < 0:
                raise OpError("EMPTY_CELL", f"{self.label(d, s, k)} is empty — nothing to unassign")
            view.put(d, s, k, -1)
            return f"{p.workers[w].id} unassigned from {self.label(d, s, k)}"
        if isinstance(op, Swap):
            d1, s1, k1 = self.cell(op.a, f"{path}.a")
            d2, s2, k2 = self.cell(op.b, f"{path}.b")
            k1 = self._source_slot(view, d1, s1, k1, f"{path}.a", allow_empty=True)
            k2 = self._source_slot(view, d2, s2, k2, f"{path}.b", allow_empty=True)
            if (d1, s1, k1) == (d2, s2, k2):
                raise OpError("NO_CHANGE", f"{path}: both sides are {self.label(d1, s1, k1)}")
            wa, wb = view.at(d1, s1, k1), view.at(d2, s2, k2)
            if wa < 0 and wb < 0:
                raise OpError(
                    "EMPTY_CELL",
                    f"{self.label(d1, s1, k1)} and {self.label(d2, s2, k2)} are both empty",
                )
            view.put(d1, s1, k1, -1)
            view.put(d2, s2, k2, -1)
            if wb >= 0:
                view.put(d1, s1, k1, wb)
            if wa >= 0:
                view.put(d2, s2, k2, wa)
            na = p.workers[wa].id if wa >= 0 else "(empty)"
            nb = p.workers[wb].id if wb >= 0 else "(empty)"
            return f"swapped {na} at {self.label(d1, s1, k1)} with {nb} at {self.label(d2, s2, k2)}"
        if isinstance(op, Move):
            d1, s1, k1 = self.cell(op.src, f"{path}.src")
            d2, s2, k2 = self.cell(op.dst, f"{path}.dst")
            k1 = self._source_slot(view, d1, s1, k1, f"{path}.src", allow_empty=False)
            w = view.at(d1, s1, k1)
            if w < 0:
                raise OpError("EMPTY_CELL", f"{self.label(d1, s1, k1)} is empty — nothing to move")
            view.put(d1, s1, k1, -1)
            if k2 is None:
                k2 = view.free(d2, s2)
                if k2 < 0:
                    raise OpError(
                        "CELL_FULL",
                        f"{self.label(d2, s2)} is full — swap with its worker instead",
                    )
            elif view.at(d2, s2, k2) >= 0:
                raise OpError(
                    "CELL_FULL",
                    f"{self.label(d2, s2, k2)} is taken — swap with its worker instead",
                )
            view.put(d2, s2, k2, w)
            return f"{p.workers[w].id} moved from {self.label(d1, s1, k1)} to " + self.label(
                d2, s2, k2
            )
        if isinstance(op, Bulk):
            if path.count(".ops[") >= MAX_NESTING:  # a Bulk instance made by code, not parsed
                raise nesting_error(path)
            if not op.ops:
                raise OpError("MALFORMED", f"{path}.ops: the bulk is empty — give operations")
            for i, sub in enumerate(op.ops):
                where = f"{path}.ops[{i}]"
                try:
                    self.compile(sub, view, replaced, where)
                except OpError as err:
                    if where not in err.message:
                        err.message = f"{where}: {err.message}"
                    raise
            return f"bulk of {len(op.ops)} operations"
        if isinstance(op, SetSlots):
            for d, s, k, w in op.targets:
                if view.at(d, s, k) != w:
                    view.put(d, s, k, -1)
            for d, s, k, w in op.targets:
                if w >= 0:
                    view.put(d, s, k, w)
            return op.label or f"{op.kind} of {len(op.targets)} cell(s)"
        raise OpError("MALFORMED", f"{path}: {type(op).__name__} is not an operation")

    def _only_occupied(self, view: Overlay, d: int, s: int, path: str) -> int:
        occupied = view.occupied(d, s)
        if not occupied:
            raise OpError("EMPTY_CELL", f"{self.label(d, s)} is empty")
        if len(occupied) > 1:
            raise OpError(
                "BAD_SLOT",
                f"{path}: {self.label(d, s)} holds {len(occupied)} workers — give the slot "
                "(or the worker) to choose one",
            )
        return occupied[0]

    def _source_slot(
        self, view: Overlay, d: int, s: int, k: int | None, path: str, *, allow_empty: bool
    ) -> int:
        if k is not None:
            return k
        occupied = view.occupied(d, s)
        if not occupied:
            if not allow_empty:
                raise OpError("EMPTY_CELL", f"{self.label(d, s)} is empty")
            k = view.free(d, s)
            if k < 0:
                raise OpError("BAD_SLOT", f"{path}: {self.label(d, s)} has no slot")
            return k
        if len(occupied) > 1:
            raise OpError(
                "BAD_SLOT",
                f"{path}: {self.label(d, s)} holds {len(occupied)} workers — give the slot",
            )
        return occupied[0]

    def plan(self, op: Op | SetSlots, kind: str) -> Plan:
        """The plan of ``op`` recorded as ``kind``: a direct planner's when one covers it, the
        general compiler's otherwise (which raises OpError naming what is wrong)."""
        cls = op.__class__
        if cls is Unassign or cls is Assign:
            plan = self.plan_one_slot(op, kind)  # type: ignore[arg-type]
        elif cls is Swap:
            plan = self.plan_swap(op, kind)  # type: ignore[arg-type]
        elif cls is Move:
            plan = self.plan_move(op, kind)  # type: ignore[arg-type]
        elif cls is SetSlots:
            plan = self.plan_writes(
                op.targets,  # type: ignore[union-attr]
                kind,
                op.label or f"{op.kind} of {len(op.targets)} cell(s)",  # type: ignore[union-attr]
            )
        else:
            plan = None
        return plan if plan is not None else self.plan_general(op, kind)

    def plan_general(self, op: Op | SetSlots, kind: str) -> Plan:
        """The plan of any op (raises OpError naming what is wrong)."""
        view = Overlay(self.roster)
        replaced: list[int] = []
        message = self.compile(op, view, replaced, kind)
        slot_changes = view.slot_changes()
        if not slot_changes:
            raise OpError("NO_CHANGE", f"{message}: nothing would change")
        return Plan(
            kind, slot_changes, view.worker_changes(), replaced or NOTHING_REPLACED, message
        )

    def plan_one_slot(self, op: Assign | Unassign, kind: str) -> Plan | None:
        """The plan ``compile`` makes of a plain assign or unassign — a date in ``day_of``
        (every ISO string is) and a post index, no slot given, no worker named for an
        unassign — read straight off the roster; ``None`` for anything else (other forms, and
        every edit that fails: the general path then words the error)."""
        if op.slot is not None:
            return None
        return self.plan_cell(op.__class__ is Unassign, op.worker, op.date, op.post, kind)

    def plan_cell(self, unassign: bool, w_id: Any, date: Any, s: Any, kind: str) -> Plan | None:
        """:meth:`plan_one_slot` of ``Unassign(date, s, None, w_id)`` (``unassign``) or of
        ``Assign(w_id, date, s, None)``, from the fields themselves (the facade's plain edits:
        no op object); ``None`` where ``plan_one_slot`` gives None."""
        if date.__class__ is not str or s.__class__ is not int:
            return None
        d = self.day_of.get(date)
        if d is None or not 0 <= s < self.n_shifts:
            return None
        # the roster read through its views, the label written out, classes compared through
        # __class__ (no call): this is the path of most edits, and each call it makes costs
        # as much as the work it does
        slots = self._slots
        cap = self._cap[d][s]
        if unassign:
            if w_id is not None:
                return None
            if cap == 1:
                k = 0
                w = slots[d, s, 0]
                if w < 0:
                    return None
                text = f"{self.ids[w]} unassigned from {self.iso[d]}/{self._shift_ids[s]}"
            else:
                occupied = [k for k in range(cap) if slots[d, s, k] >= 0]
                if len(occupied) != 1:
                    return None
                k = occupied[0]
                w = slots[d, s, k]
                text = f"{self.ids[w]} unassigned from {self.iso[d]}/{self._shift_ids[s]}[{k}]"
            plan: Plan = _new(Plan)  # (new_plan written out: one call less on this path)
            plan.kind = kind
            plan.slot_changes = [(d, s, k, w, -1)]
            plan.changes = [(w, d, s, -1)]
            plan.replaced = NOTHING_REPLACED
            plan.message = text
            return plan
        who = self.problem.worker_index.get(w_id) if w_id.__class__ is str else None
        if who is None or cap < 1 or self._shift_of[who, d] >= 0:
            return None
        k = 0
        while k < cap and slots[d, s, k] >= 0:
            k += 1
        if k == cap:
            if cap > 1:
                return None
            k = 0
        if cap > 1:
            text = f"{w_id} assigned to {self.iso[d]}/{self._shift_ids[s]}[{k}]"
        else:
            text = f"{w_id} assigned to {self.iso[d]}/{self._shift_ids[s]}"
        occupant = slots[d, s, k]
        plan = _new(Plan)  # (new_plan written out)
        plan.kind = kind
        if occupant < 0:
            plan.slot_changes = [(d, s, k, -1, who)]
            plan.changes = [(who, d, -1, s)]
            plan.replaced = NOTHING_REPLACED
            plan.message = text
        else:
            plan.slot_changes = [(d, s, k, occupant, who)]
            plan.changes = [(occupant, d, s, -1), (who, d, -1, s)]
            plan.replaced = [occupant]
            plan.message = f"{text} replacing {self.ids[occupant]}"
        return plan

    def plan_writes(
        self, writes: Sequence[tuple[int, int, int, int]], kind: str, message: str
    ) -> Plan | None:
        """The plan ``compile`` makes of ``SetSlots(writes)`` — ``(d, s, k, w)`` slot writes —
        read straight off the roster: each written slot whose worker changes is emptied first,
        in order, then filled, in order (a slot written twice ends with its last worker).
        ``None`` when a worker would hold two shifts on one date or nothing would change (the
        general path words both)."""
        if len(writes) == 2:
            plan = self._plan_exchange(writes, kind, message)
            if plan is not None:
                return plan
        slots, shift_of = self._slots, self._shift_of
        slot: dict[tuple[int, int, int], int] = {}
        day: dict[tuple[int, int], int | None] = {}  # (w, d) -> new post, None = off
        for d, s, k, w in writes:
            old = slots[d, s, k]
            if old != w and old >= 0:
                day[(old, d)] = None
                slot[(d, s, k)] = -1
        for d, s, k, w in writes:
            if w < 0:
                continue
            now = slot.get((d, s, k))  # what the slot holds so far (None: the roster's)
            if now is None:
                if slots[d, s, k] == w:
                    continue
            elif now == w:
                continue
            elif now >= 0:  # a slot written twice: its first worker leaves again
                day[(now, d)] = None
            works = day[(w, d)] is not None if (w, d) in day else shift_of[w, d] >= 0
            if works:
                return None  # a second shift on that date
            day[(w, d)] = s
            slot[(d, s, k)] = w
        # loops, not comprehensions: each comprehension is one more function on this path
        slot_changes: list[tuple[int, int, int, int, int]] = []
        for (d, s, k), w in slot.items():
            old = slots[d, s, k]
            if old != w:
                slot_changes.append((d, s, k, old, w))
        if not slot_changes:
            return None
        changes: list[tuple[int, int, int, int]] = []
        for (w, d), post in day.items():
            old, new = shift_of[w, d], -1 if post is None else post
            if old != new:
                changes.append((w, d, old, new))
        return new_plan(kind, slot_changes, changes, NOTHING_REPLACED, message)

    def _plan_exchange(
        self, writes: Sequence[tuple[int, int, int, int]], kind: str, message: str
    ) -> Plan | None:
        """:meth:`plan_writes` of two writes that exchange the workers of two slots (each slot
        gets the worker the other holds) — a swap of two occupied slots, and the undo and redo
        of one — written out; ``None`` for any other pair, and when a worker would hold two
        shifts on one date. The same plan: both slots emptied, then filled, in write order."""
        (d1, s1, k1, w1), (d2, s2, k2, w2) = writes
        slots = self._slots
        if w1 < 0 or w2 < 0 or w1 == w2 or slots[d1, s1, k1] != w2 or slots[d2, s2, k2] != w1:
            return None
        # w2 leaves (d1, s1) for (d2, s2) and w1 leaves (d2, s2) for (d1, s1)
        if d1 == d2:
            changes = [(w2, d1, s1, s2), (w1, d1, s2, s1)] if s1 != s2 else []
        else:
            shift_of = self._shift_of
            if shift_of[w1, d1] >= 0 or shift_of[w2, d2] >= 0:
                return None
            changes = [(w2, d1, s1, -1), (w1, d2, s2, -1), (w1, d1, -1, s1), (w2, d2, -1, s2)]
        return new_plan(
            kind,
            [(d1, s1, k1, w2, w1), (d2, s2, k2, w1, w2)],
            changes,
            NOTHING_REPLACED,
            message,
        )

    def _pair_slot(self, c: Cell, source: bool, empty_ok: bool) -> tuple[int, int, int] | None:
        """``(d, s, k)`` of a swap side or a move's source (``source``: the only occupied slot
        when ``slot`` is None; an empty cell gives its first slot when ``empty_ok``) or a
        move's destination (the first free slot): what ``compile`` resolves, for a date in
        ``day_of`` and a post index; ``None`` for anything else."""
        date, s, k = c.date, c.post, c.slot
        if type(date) is not str or type(s) is not int:
            return None
        d = self.day_of.get(date)
        if d is None or not 0 <= s < self.n_shifts:
            return None
        cap = self._cap[d][s]
        if k is not None:
            return (d, s, k) if type(k) is int and 0 <= k < cap else None
        slots = self._slots
        if cap == 1:
            taken = slots[d, s, 0] >= 0
            return (d, s, 0) if taken == source or (source and empty_ok) else None
        occupied = [k for k in range(cap) if slots[d, s, k] >= 0]
        if not source:
            free = [k for k in range(cap) if k not in occupied]
            return (d, s, free[0]) if free else None
        if len(occupied) == 1:
            return (d, s, occupied[0])
        if not occupied and empty_ok and cap > 0:
            return (d, s, 0)
        return None

    def plan_swap(self, op: Swap, kind: str) -> Plan | None:
        """The plan ``compile`` makes of a swap of two different slots, as the writes it
        amounts to (see :meth:`plan_writes`); ``None`` for other forms and for every swap that
        fails (the general path words the error)."""
        a = self._pair_slot(op.a, True, True)
        b = self._pair_slot(op.b, True, True)
        if a is None or b is None or a == b:
            return None
        slots, label, ids = self._slots, self.label, self.ids
        wa, wb = slots[a], slots[b]
        if wa == wb:
            return None  # both empty, or one worker on two dates: nothing to exchange
        na = ids[wa] if wa >= 0 else "(empty)"
        nb = ids[wb] if wb >= 0 else "(empty)"
        return self.plan_writes(
            ((*a, wb), (*b, wa)), kind, f"swapped {na} at {label(*a)} with {nb} at {label(*b)}"
        )

    def plan_move(self, op: Move, kind: str) -> Plan | None:
        """The plan ``compile`` makes of a move into a free slot of another cell (or another
        given slot of its own cell): the slot writes it amounts to (see :meth:`plan_writes`),
        written out — the source emptied, then the destination filled; on one date the
        worker's shift changes (if the post does), across dates they leave one and take the
        other. ``None`` otherwise, and when the worker already works the destination's date
        (the general path words the error)."""
        src = self._pair_slot(op.src, True, False)
        if src is None:
            return None
        dst = self._pair_slot(op.dst, False, False)
        slots = self._slots
        if dst is None or src == dst or slots[dst] >= 0:
            return None
        if op.dst.slot is None and src[:2] == dst[:2]:
            return None  # the first free slot of the source's own cell: left to compile
        w = slots[src]
        if w < 0:
            return None
        d1, s1, _ = src
        d2, s2, _ = dst
        if d1 == d2:
            changes = [(w, d1, s1, s2)] if s1 != s2 else []
        elif self._shift_of[w, d2] >= 0:
            return None  # a second shift on that date
        else:
            changes = [(w, d1, s1, -1), (w, d2, -1, s2)]
        label = self.label
        return new_plan(
            kind,
            [(*src, w, -1), (*dst, -1, w)],
            changes,
            NOTHING_REPLACED,
            f"{self.ids[w]} moved from {label(*src)} to {label(*dst)}",
        )
