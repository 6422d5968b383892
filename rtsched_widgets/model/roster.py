"""The hot core of a schedule's assignments, in numpy arrays.

A ``Roster`` answers "who works where" both ways in O(1):
``shift_of[w, d]`` is the shift type index worker ``w`` works on day ``d`` or -1, and
``slots[d, s, k]`` is the worker in slot ``k`` of cell ``(d, s)`` or -1, with
``count[d, s]`` occupied slots. A worker holds at most one shift per date: the structure itself
makes a second one impossible. The roster does not check rules; it only keeps the arrays
consistent and refuses structurally impossible changes with ``ValueError``.

One element at a time is read and written through ``memoryview``s of the same buffers
(``worker_at``, ``shift_at``, ``place``, ``clear``): a memoryview indexes a C array and gives a
Python int several times faster than numpy's scalar indexing, and both always see the same
values. The arrays are never replaced, only written in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem


class Roster:
    """Assignments of one ``Problem``; see the module docstring for the arrays it keeps."""

    __slots__ = (
        "_v_count",
        "_v_maximum",
        "_v_shift_of",
        "_v_slot_of",
        "_v_slots",
        "count",
        "problem",
        "shift_of",
        "slot_of",
        "slots",
    )

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
        k = max(problem.max_slots, 1)
        self.shift_of = np.full((n_w, n_d), -1, dtype=np.int16)
        self.slot_of = np.full((n_w, n_d), -1, dtype=np.int16)
        self.slots = np.full((n_d, n_s, k), -1, dtype=np.int32)
        self.count = np.zeros((n_d, n_s), dtype=np.int32)
        self._views()

    def _views(self) -> None:
        """Element views of the arrays (see the module notes)."""
        self._v_slots = self.slots.data
        self._v_shift_of = self.shift_of.data
        self._v_slot_of = self.slot_of.data
        self._v_count = self.count.data
        self._v_maximum = np.ascontiguousarray(self.problem.maximum).data

    def __getstate__(self) -> dict[str, object]:
        return {n: getattr(self, n) for n in ("problem", "shift_of", "slot_of", "slots", "count")}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._views()

    # -- reading --------------------------------------------------------------------------
    def cell_views(self) -> tuple[memoryview, memoryview, memoryview]:
        """Element views for code that reads many cells and cannot afford a call for each:
        ``slots[d, s, k]`` (the worker in that slot, -1 when empty), ``shift_of[w, d]`` (the
        shift worker ``w`` works on day ``d``, -1 when off) and ``maximum[d, s]`` (the slots
        of the cell). They follow every change of this roster; read them, never write."""
        return self._v_slots, self._v_shift_of, self._v_maximum

    def worker_at(self, d: int, s: int, k: int) -> int:
        """Worker index in slot ``k`` of cell ``(d, s)``, or -1 when empty."""
        return self._v_slots[d, s, k]

    def shift_at(self, w: int, d: int) -> int:
        """Shift type index worker ``w`` works on day ``d``, or -1."""
        return self._v_shift_of[w, d]

    def slot_at(self, w: int, d: int) -> int:
        """Slot of cell ``(d, shift_at(w, d))`` worker ``w`` holds on day ``d``, or -1."""
        return self._v_slot_of[w, d]

    def capacity(self, d: int, s: int) -> int:
        """``problem.maximum[d, s]``: the slots of cell ``(d, s)``."""
        return self._v_maximum[d, s]

    def workers_in(self, d: int, s: int) -> list[int]:
        """Worker indices in cell ``(d, s)`` in slot order (empty slots left out)."""
        return [int(w) for w in self.slots[d, s] if w >= 0]

    def free_slot(self, d: int, s: int) -> int:
        """Index of the first empty slot of cell ``(d, s)`` within its maximum, or -1."""
        cap = int(self.problem.maximum[d, s])
        for k in range(cap):
            if self.slots[d, s, k] < 0:
                return k
        return -1

    @property
    def n_assigned(self) -> int:
        """Number of occupied slots."""
        return int(self.count.sum())

    # -- writing --------------------------------------------------------------------------
    def place(self, w: int, d: int, s: int, k: int) -> None:
        """Put worker ``w`` into the empty slot ``k`` of cell ``(d, s)``."""
        if self._v_shift_of[w, d] >= 0:
            who, when = self.problem.workers[w].id, self.problem.calendar.iso(d)
            raise ValueError(f"worker {who!r} already works {when}")
        if not 0 <= k < self._v_maximum[d, s]:
            raise ValueError(f"slot {k} does not exist in cell ({d}, {s})")
        slots = self._v_slots
        if slots[d, s, k] >= 0:
            raise ValueError(f"slot {k} of cell ({d}, {s}) is occupied")
        slots[d, s, k] = w
        self._v_shift_of[w, d] = s
        self._v_slot_of[w, d] = k
        self._v_count[d, s] += 1

    def clear(self, d: int, s: int, k: int) -> int:
        """Empty slot ``k`` of cell ``(d, s)``; returns the worker it held (-1 if empty)."""
        slots = self._v_slots
        w: int = slots[d, s, k]
        if w >= 0:
            slots[d, s, k] = -1
            self._v_shift_of[w, d] = -1
            self._v_slot_of[w, d] = -1
            self._v_count[d, s] -= 1
        return w

    def copy(self, problem: Problem | None = None) -> Roster:
        """An independent copy sharing the (immutable) problem — or of ``problem``, a problem
        of the same shape (the same problem with other rules, say)."""
        if problem is not None and (
            problem.n_workers,
            problem.n_days,
            problem.n_shifts,
            max(problem.max_slots, 1),
        ) != (*self.shift_of.shape, self.slots.shape[1], self.slots.shape[2]):
            raise ValueError("problem: its shape differs from this roster's")
        other = Roster.__new__(Roster)
        other.problem = self.problem if problem is None else problem
        other.shift_of = self.shift_of.copy()
        other.slot_of = self.slot_of.copy()
        other.slots = self.slots.copy()
        other.count = self.count.copy()
        other._views()
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Roster):
            return NotImplemented
        return bool(np.array_equal(self.slots, other.slots))

    __hash__ = None  # type: ignore[assignment]

    # -- tables ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per occupied slot: date, post (shift type index), shift (id), slot, worker."""
        d, s, k = np.nonzero(self.slots >= 0)
        p = self.problem
        return pd.DataFrame(
            {
                "date": p.calendar.dates[d],
                "post": s.astype(np.int64),
                "shift": [p.shift_types[i].id for i in s],
                "slot": k.astype(np.int64),
                "worker": [p.workers[w].id for w in self.slots[d, s, k]],
            }
        )

    @classmethod
    def from_frame(cls, problem: Problem, frame: pd.DataFrame) -> Roster:
        """Build a roster from a frame with columns date, post (index or shift id), worker and
        optionally slot; rows are placed in order, a missing slot taking the first free one."""
        roster = cls(problem)
        for row, rec in enumerate(frame.itertuples(index=False)):
            d = problem.day(rec.date, f"assignments.date (row {row})")
            s = problem.shift(rec.post, f"assignments.post (row {row})")
            w = problem.worker(rec.worker, f"assignments.worker (row {row})")
            k = getattr(rec, "slot", None)
            k = roster.free_slot(d, s) if k is None or pd.isna(k) else int(k)
            if k < 0:
                raise ValueError(f"assignments (row {row}): cell ({rec.date}, {rec.post}) is full")
            roster.place(w, d, s, k)
        return roster
