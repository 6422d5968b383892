"""What a grid's views were last sent of a schedule, and the patches that bring them up to date.

:class:`GridMirror` keeps a copy of the roster's slots and pin masks and the violations (with
the ids the views know them by) as last broadcast; :meth:`GridMirror.patch` compares the
schedule with that copy — every cell, or only the cells an edit names — and returns one
versioned patch of the changed cells and violations (see
:mod:`rtsched_widgets.widgets.protocol`). Inside, cells are addressed by indices ``(d, s)``;
the engine's names (ISO dates, worker ids) are turned into indices where they come in
(:meth:`GridMirror.cells_named`, :meth:`GridMirror.locate`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.rules.base import Violation
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.ports import ScheduleView
from rtsched_widgets.widgets.wording import wording_of

logger = logging.getLogger("rtsched_widgets.widgets")

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

Cell = tuple[int, int]
"""A cell of the grid by indices: (day, post)."""


def schedule_token(schedule: object) -> str:
    """The snapshot's ``sid``: the same for every grid of ``schedule`` in this process, and
    different for another schedule alive at the same time (process id and object id)."""
    return f"{os.getpid():x}-{id(schedule):x}"


def pinned_of(problem: Problem, slots: NDArray[Any]) -> NDArray[np.bool_]:
    """Boolean ``pinned[d, s, k]``: the slots holding a worker on one of their mandatory days."""
    mandatory = problem.mandatory
    days = np.arange(slots.shape[0])[:, None, None]
    occupied = slots >= 0
    pinned: NDArray[np.bool_] = occupied & mandatory[np.where(occupied, slots, 0), days]
    return pinned


def pin_masks(pinned: NDArray[np.bool_]) -> NDArray[np.int64]:
    """``mask[d, s]``: bit ``k`` set when slot ``k`` of cell (d, s) is pinned."""
    weights = (1 << np.arange(pinned.shape[2], dtype=np.int64))[None, None, :]
    masks: NDArray[np.int64] = (pinned.astype(np.int64) * weights).sum(axis=2)
    return masks


def pin_mask_at(problem: Problem, slots: NDArray[Any], d: int, s: int) -> int:
    """The pin mask of cell (d, s) alone (the same as :func:`pin_masks` there)."""
    mandatory = problem.mandatory
    mask = 0
    for k, w in enumerate(slots[d, s]):
        if w >= 0 and mandatory[w, d]:
            mask |= 1 << k
    return mask


def number(value: Any) -> float:
    """``value`` as a finite float rounded to 3 places (0.0 when it is none)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return round(out, 3) if np.isfinite(out) else 0.0


class GridMirror:
    """The state of ``schedule`` as its grid's views last received it, and the patches that
    follow the schedule from there. Not thread-safe: the grid holds its lock around calls."""

    def __init__(self, schedule: ScheduleView) -> None:
        self.schedule = schedule
        self.problem = p = schedule.problem
        #: ``slots[d, s, k]`` as last broadcast.
        self.slots: NDArray[Any] = schedule.core.slots.copy()
        #: ``pins[d, s]`` pin masks as last broadcast.
        self.pins: NDArray[np.int64] = pin_masks(pinned_of(p, self.slots))
        #: The ``v`` of the last patch (patches broadcast so far).
        self.version = 0
        #: Encoded size of every patch built so far.
        self.sent_bytes: list[int] = []
        # each violation shown, by its key -> (its record, its grid rows). Keys, not object
        # identity: the validator may build a record anew each time it is read, and an edit's
        # delta names the violations it removes by key (see engine.events.ROSTER_EVENTS)
        self._violation_rows: dict[tuple[Any, ...], tuple[Violation, list[wire.Violation]]] = {}
        self._next_violation_id = 1
        self._day_of = {p.calendar.iso(d): d for d in range(p.n_days)}
        self.refresh_violations()

    # -- names at the edge --------------------------------------------------------------------
    def cells_named(self, items: object) -> set[Cell] | None:
        """The (d, s) cells of an edit's ``cells`` (``[iso date, post, slot, ...]`` items), or
        None when they cannot all be placed (then every cell is compared)."""
        if not isinstance(items, list | tuple):
            return None
        out: set[Cell] = set()
        for item in items:
            try:
                d = self._day_of[item[0]]
                s = int(item[1])
            except (KeyError, TypeError, ValueError, IndexError):
                return None
            if not 0 <= s < self.problem.n_shifts:
                return None
            out.add((d, s))
        return out

    def locate(self, rec: Violation) -> list[list[Any]]:
        """Grid rows ``[d, s, w, hard, rule, message]`` of one engine violation: one per
        (date, worker) it names, the post found from the slots when the record has none."""
        p = self.problem
        rule = str(rec.rule or "rule")
        hard = 1 if str(rec.severity or "").lower() == "hard" else 0
        message = wording_of(p).text(rec.message or rule)
        workers = [p.worker_index[w] for w in _names(rec.workers) if w in p.worker_index]
        days = []
        for value in _names(rec.dates):
            try:
                days.append(p.day(value))
            except Exception:  # a date we cannot place is shown without one
                continue
        post = rec.post
        s_given = int(post) if isinstance(post, int | np.integer) and post >= 0 else -1
        out: list[list[Any]] = []
        for d in days or [-1]:
            for w in workers or [-1]:
                s = s_given
                if s < 0 and d >= 0 and w >= 0:
                    where = np.nonzero(self.slots[d] == w)[0]
                    s = int(where[0]) if where.size else -1
                out.append([d, s, w, hard, rule, message])
        return out

    # -- violations ---------------------------------------------------------------------------
    @property
    def violations(self) -> list[wire.Violation]:
        """Every violation row shown, ``[id, d, s, w, hard, rule, message]``."""
        return [row for _, rows in self._violation_rows.values() for row in rows]

    def _add(self, rec: Violation) -> list[wire.Violation]:
        """Show ``rec`` (in place of the violation of its key, which the caller removed)."""
        rows = []
        for located in self.locate(rec):
            rows.append([self._next_violation_id, *located])
            self._next_violation_id += 1
        self._violation_rows[rec.key] = (rec, rows)
        return rows

    def _remove(self, key: tuple[Any, ...]) -> list[int]:
        """Stop showing the violation of ``key``; the ids of its rows (none when not shown)."""
        entry = self._violation_rows.pop(key, None)
        return [row[0] for row in entry[1]] if entry is not None else []

    def refresh_violations(self) -> tuple[list[wire.Violation], list[int]]:
        """Diff the engine's violations with those shown; returns (added rows, removed ids)."""
        try:
            records = self.schedule.validator.violation_list()
        except Exception:  # a failing validator must not break the grid
            logger.exception("reading the violations failed; they are not shown")
            return [], []
        current = {rec.key: rec for rec in records}
        removed: list[int] = []
        for key, (shown, _) in list(self._violation_rows.items()):
            if current.get(key) != shown:  # gone, or changed (its penalty and message)
                removed.extend(self._remove(key))
        added: list[wire.Violation] = []
        for key, rec in current.items():
            if key not in self._violation_rows:
                added.extend(self._add(rec))
        return added, removed

    def apply_delta(
        self, introduced: Iterable[Violation], resolved: Iterable[Violation]
    ) -> tuple[list[wire.Violation], list[int]]:
        """Apply an edit's known violation change (``resolved`` removed by key, then
        ``introduced`` added: a violation whose penalty changed is in both); returns (added
        rows, removed ids)."""
        removed: list[int] = []
        for rec in resolved:
            removed.extend(self._remove(rec.key))
        added: list[wire.Violation] = []
        for rec in introduced:
            shown = self._violation_rows.get(rec.key)
            if shown is not None and shown[0] == rec:
                continue
            removed.extend(self._remove(rec.key))  # shown with another penalty: replaced
            added.extend(self._add(rec))
        return added, removed

    # -- cells --------------------------------------------------------------------------------
    def cell_slots(self, d: int, s: int) -> list[int]:
        """The workers of cell (d, s), one per slot of the cell (-1: empty)."""
        return [int(w) for w in self.slots[d, s, : int(self.problem.maximum[d, s])]]

    def _changed_cells(self, cells: set[Cell] | None) -> list[Cell]:
        """Take the schedule's slots and pins of ``cells`` (None: every cell) into the copy;
        returns the cells that changed, in order."""
        slots = self.schedule.core.slots
        if cells is None:
            pins = pin_masks(pinned_of(self.problem, slots))
            changed = np.nonzero(np.any(slots != self.slots, axis=2) | (pins != self.pins))
            self.slots = slots.copy()
            self.pins = pins
            return [(int(d), int(s)) for d, s in zip(*changed, strict=True)]
        where = []
        for d, s in sorted(cells):
            mask = pin_mask_at(self.problem, slots, d, s)
            if np.any(slots[d, s] != self.slots[d, s]) or mask != self.pins[d, s]:
                self.slots[d, s] = slots[d, s]
                self.pins[d, s] = mask
                where.append((d, s))
        return where

    def patch(
        self,
        violations: bool = True,
        delta: tuple[Sequence[Violation], Sequence[Violation]] | None = None,
        cells: set[Cell] | None = None,
    ) -> dict[str, Any] | None:
        """The patch of what changed in the schedule since the last one (its version taken),
        or None when nothing visible changed. ``violations=False`` skips re-reading the
        violations; ``delta`` = (introduced, resolved) applies a known change instead of
        diffing every violation; ``cells`` = the only cells that may have changed (None:
        compare every cell)."""
        where = self._changed_cells(cells)
        cells_out = [[d, s, self.cell_slots(d, s), int(self.pins[d, s])] for d, s in where]
        if delta is not None:
            added, removed = self.apply_delta(*delta)
        elif violations:
            added, removed = self.refresh_violations()
        else:
            added, removed = [], []
        if not cells_out and not added and not removed:
            return None
        self.version += 1
        patch = wire.make_patch(self.version, self.schedule.version, cells_out, added, removed)
        self.sent_bytes.append(wire.encoded_size(patch))
        return patch

    # -- snapshot -----------------------------------------------------------------------------
    def snapshot(self, view_id: str, locks: list[list[Any]]) -> dict[str, Any]:
        """The snapshot message for ``view_id`` (see the protocol), with ``locks`` shown."""
        p = self.problem
        cal = p.calendar
        flags = (
            cal.is_weekend * wire.FLAG_WEEKEND
            + cal.is_holiday * wire.FLAG_HOLIDAY
            + cal.is_pre_holiday * wire.FLAG_PRE_HOLIDAY
        ).astype(np.int64)
        maximum = p.maximum.reshape(-1)
        k = self.slots.shape[2]
        in_cell = np.arange(k)[None, :] < maximum[:, None]
        cells = self.slots.reshape(-1, k)[in_cell]
        pins = [
            [int(d), int(s), int(self.pins[d, s])]
            for d, s in zip(*np.nonzero(self.pins), strict=True)
        ]
        return {
            "type": "snapshot",
            "view_id": view_id,
            "v": self.version,
            "sv": self.schedule.version,
            "start": cal.iso(0),
            "days": p.n_days,
            "flags": wire.digits(flags),
            "posts": [st.label or st.id for st in p.shift_types],
            "workers": [
                [w.id, w.display_name, w.color or PALETTE[i % len(PALETTE)]]
                for i, w in enumerate(p.workers)
            ],
            "max": wire.digits(maximum),
            "req": wire.digits(p.required.reshape(-1)),
            "cells": cells.tolist(),
            "pins": pins,
            "viol": self.violations,
            "locks": locks,
            "sid": schedule_token(self.schedule),
        }


def _names(value: object) -> list[Any]:
    """A record's names (a tuple of them, or one alone) as a list."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return [value]
    return list(value)
