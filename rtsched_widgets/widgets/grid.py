"""ScheduleGrid: the editable, virtualised grid of a Schedule, in coverage or roster view.

The widget keeps no schedule data of its own beyond a copy of the slot array it last broadcast:
whenever the schedule's event bus reports a change (an edit from any view, from Python code in
another cell, from a collaborator through the store), the widget diffs the roster's slots with
that copy and broadcasts only the changed cells and violations as one versioned patch. See
:mod:`rtsched_widgets.widgets.protocol` for every message.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from rtsched_widgets.engine.events import ROSTER_EVENTS
from rtsched_widgets.limits import MAX_VIEWS, clip
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets._assets import bundle
from rtsched_widgets.widgets.identity import names_of
from rtsched_widgets.widgets.wording import force_reason, reply_text, wording_of

logger = logging.getLogger("rtsched_widgets.widgets")

VIEWS = ("coverage", "roster")
THEMES = ("auto", "light", "dark")
CHANGE_EVENTS = (*ROSTER_EVENTS, "violations_changed")
#: Events after which the live locks are read again and, when they changed, sent to every view.
LOCK_EVENTS = ("lock_acquired", "lock_released", "user_left")
#: Most locks sent to the views (the rest are still enforced by the engine, just not marked).
MAX_LOCKS_SHOWN = 2000
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


# -- access to the engine (one place to adapt when the engine's internals move) ----------------
def roster_of(schedule: Any) -> Any:
    """The schedule's numpy :class:`~rtsched_widgets.model.Roster` (``slots[d, s, k]``)."""
    for path in ("core", "roster_state", "state.roster", "_roster"):
        obj: Any = schedule
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None and hasattr(obj, "slots"):
            return obj
    raise TypeError(
        "schedule: expected a rtsched_widgets Schedule (an object with a numpy roster); "
        f"got {type(schedule).__name__}"
    )


def pinned_of(schedule: Any, slots: np.ndarray) -> np.ndarray:
    """Boolean ``pinned[d, s, k]``: the engine's pins when it keeps them, else mandatory days."""
    for name in ("pinned_slots", "pinned_mask"):
        value = getattr(schedule, name, None)
        value = value() if callable(value) else value
        if isinstance(value, np.ndarray) and value.shape == slots.shape:
            return value.astype(bool)
    mandatory = schedule.problem.mandatory
    days = np.arange(slots.shape[0])[:, None, None]
    occupied = slots >= 0
    return occupied & mandatory[np.where(occupied, slots, 0), days]


def _get(record: Any, *names: str) -> Any:
    for name in names:
        if isinstance(record, Mapping):
            if name in record:
                return record[name]
        elif hasattr(record, name):
            return getattr(record, name)
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return [value]
    return list(value)


# Schedules (by id) that a grid is answering an edit of, on which thread, and the callbacks
# to run once the answer (patches and reply) has been sent; see after_answer.
_answering_lock = threading.Lock()
_answering: dict[int, tuple[int, list[Callable[[], None]]]] = {}


def after_answer(schedule: Any, fn: Callable[[], None]) -> None:
    """Run ``fn()`` once the edit that a grid of ``schedule`` is answering on this thread has
    been answered (every grid's patch and the reply sent); at once when no grid is answering
    one on this thread. A callback queued several times for one answer runs once. Companion
    panels refresh through this, so an edit's answer never waits for them."""
    with _answering_lock:
        entry = _answering.get(id(schedule))
        if entry is not None and entry[0] == threading.get_ident():
            if fn not in entry[1]:
                entry[1].append(fn)
            return
    fn()


@dataclass(frozen=True)
class SelectedBlock:
    """The block of cells a view has selected, in schedule terms.

    ``view`` is the view's kind when it selected ("coverage": dates × posts, "roster": workers ×
    dates); ``user`` who selected; ``dates`` the ISO dates, ``posts`` the post indices and
    ``workers`` the worker ids of the block (``posts`` are every post in the roster view,
    ``workers`` are empty in the coverage view).
    """

    view: str
    user: str
    dates: tuple[str, ...]
    posts: tuple[int, ...]
    workers: tuple[str, ...] = ()

    def scope(self) -> dict[str, Any]:
        """The block as a ``{"dates": [...], "posts": [...]}`` scope (plus ``"workers"`` for a
        block of the roster view)."""
        out: dict[str, Any] = {"dates": list(self.dates), "posts": list(self.posts)}
        if self.workers:
            out["workers"] = list(self.workers)
        return out

    def __len__(self) -> int:
        """Number of cells: (date, post) pairs, or (worker, date) pairs in the roster view."""
        return len(self.dates) * (len(self.workers) if self.workers else len(self.posts))


def schedule_token(schedule: Any) -> str:
    """The snapshot's ``sid``: the same for every grid of ``schedule`` in this process, and
    different for another schedule alive at the same time (process id and object id)."""
    return f"{os.getpid():x}-{id(schedule):x}"


def lock_entries(problem: Any, locks: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
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


class ScheduleGrid(anywidget.AnyWidget):
    """The editable grid of ``schedule``; every view of it (cells, collaborators) stays in sync.

    ``view="coverage"``: dates down, posts across, a cell lists the workers of (date, post).
    ``view="roster"``: workers down, dates across, a cell shows the worker's shift that date.
    Edits made in a view go through ``schedule``'s public operations as ``user`` (default: the
    schedule's user), with the version the view saw, so the engine's rules, locks and conflict
    policy apply exactly as for code.
    """

    _esm = bundle("grid")

    view = traitlets.Unicode("coverage", help="'coverage' or 'roster' (str).").tag(sync=True)
    selection = traitlets.Dict(
        default_value={},
        help="Last selection made in a view: {'r0','c0','r1','c1'} row/column index range, "
        "inclusive, in the current view's order (dict, default {}).",
    ).tag(sync=True)
    filters = traitlets.Dict(
        default_value={},
        help="{'text': str} shows only rows whose label contains the text; {'highlight': worker "
        "index} highlights every shift of that worker (dict, default {}).",
    ).tag(sync=True)
    theme = traitlets.Unicode(
        "auto", help="'auto' (follow JupyterLab), 'light' or 'dark' (str)."
    ).tag(sync=True)
    connection = traitlets.Unicode(
        "ready", help="'ready' while the grid serves its schedule, 'closed' after close() (str)."
    ).tag(sync=True)
    height = traitlets.Int(480, help="Height of the grid's scroll area in pixels (int).").tag(
        sync=True
    )
    row_height = traitlets.Int(26, help="Height of one row in pixels (int).").tag(sync=True)
    user = traitlets.Unicode("", help="Who edits through this grid (str).").tag(sync=True)
    viewers = traitlets.List(
        traitlets.Unicode(),
        help="Keys of the users with a view of this grid open (list of str; see ``names``).",
    ).tag(sync=True)
    presence: traitlets.List[list[Any]] = traitlets.List(
        help="Selected cell of each view open: [user key, colour, view kind, data row, column, "
        "view id] (list, default [])."
    ).tag(sync=True)
    names = traitlets.Dict(
        help="{user key: display name} of the people the schedule's widgets have seen (dict): "
        "views act as the key (the Jupyter server's unique user name) and show the name."
    ).tag(sync=True)

    def __init__(
        self,
        schedule: Any,
        view: str = "coverage",
        *,
        user: str | None = None,
        height: int = 480,
        theme: str = "auto",
    ) -> None:
        self.schedule = schedule
        roster = roster_of(schedule)
        self.problem = p = schedule.problem
        super().__init__(
            view=view,
            user=user or str(getattr(schedule, "user", "") or "local"),
            height=height,
            theme=theme,
            names=names_of(schedule).as_dict(),
        )
        self._lock = threading.RLock()
        self._slots = roster.slots.copy()
        self._pins = self._pin_masks(pinned_of(schedule, self._slots))
        self._patch_version = 0
        self._sent_bytes: list[int] = []
        self._violation_rows: dict[int, tuple[Any, list[wire.Violation]]] = {}
        self._next_violation_id = 1
        # the views seen (view id -> user), least recently seen first; at most MAX_VIEWS
        self._views: OrderedDict[str, str] = OrderedDict()
        self._view_users: Counter[str] = Counter()  # views per user, for ``viewers``
        self._selections: dict[str, list[Any]] = {}
        # each view's last forceable refusal: (engine op, reason an "Apply anyway" records)
        self._refusals: dict[str, tuple[dict[str, Any], str]] = {}
        # each view's selected block: (sequence number, view kind, data rows, c0, c1)
        self._blocks: dict[str, tuple[int, str, tuple[int, ...], int, int]] = {}
        self._block_seq = 0
        # the thread on which this grid is applying an edit of its own (its events are answered
        # by _answer with the edit's exact delta), or None
        self._own_edit: int | None = None
        self._day_of = {p.calendar.iso(d): d for d in range(p.n_days)}
        # cells named by a change event whose violations_changed event is still to come
        self._pending_cells: set[tuple[int, int]] | None = set()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._refresh_violations(initial=True)
        self._locks: list[list[Any]] = []
        self._lock_timer: threading.Timer | None = None
        self._subscription = schedule.events.subscribe(CHANGE_EVENTS, self._on_event, weak=True)
        self._lock_subscription = schedule.events.subscribe(
            LOCK_EVENTS, self._on_lock_event, weak=True
        )
        self.sync_locks(send=False)
        self.on_msg(self._on_message)

    # -- traits -----------------------------------------------------------------------------
    @traitlets.validate("view")
    def _check_view(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in VIEWS:
            raise traitlets.TraitError(f"view: expected one of {VIEWS}, got {value!r}")
        return str(value)

    @traitlets.validate("theme")
    def _check_theme(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in THEMES:
            raise traitlets.TraitError(f"theme: expected one of {THEMES}, got {value!r}")
        return str(value)

    @traitlets.validate("height", "row_height")
    def _check_pixels(self, proposal: Any) -> int:
        value = proposal["value"]
        name = proposal["trait"].name
        if not 8 <= value <= 10_000:
            raise traitlets.TraitError(f"{name}: expected pixels in [8, 10000], got {value}")
        return int(value)

    # -- public -----------------------------------------------------------------------------
    @property
    def patch_version(self) -> int:
        """Number of patches broadcast so far (the ``v`` of the last patch)."""
        return self._patch_version

    @property
    def patch_sizes(self) -> list[int]:
        """Encoded size in bytes of every patch broadcast so far (for measurements)."""
        return list(self._sent_bytes)

    def on_result(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """Call ``fn(reply)`` with every reply this grid sends (companion widgets listen)."""
        self._listeners.append(fn)

    def selected_block(
        self, view_ids: Iterable[str] | None = None, *, user: str | None = None
    ) -> SelectedBlock | None:
        """The block most recently selected in one of ``view_ids`` (the views of one browser
        page, say), else in a view of ``user``, else in any view; None when no such view has
        selected anything (a view's block goes when the view says bye)."""
        with self._lock:
            blocks = dict(self._blocks)
            views = dict(self._views)
        chosen = None
        wanted = set(view_ids) if view_ids is not None else set()
        for keep in (
            lambda vid: vid in wanted,
            lambda vid: user is not None and views.get(vid) == user,
            lambda vid: view_ids is None and user is None,
        ):
            candidates = [(b[0], vid) for vid, b in blocks.items() if keep(vid)]
            if candidates:
                chosen = max(candidates)[1]
                break
        if chosen is None:
            return None
        _, kind, rows, c0, c1 = blocks[chosen]
        p = self.problem
        who = views.get(chosen) or self.user
        if kind == "coverage":
            return SelectedBlock(
                kind, who, tuple(p.calendar.iso(d) for d in rows), tuple(range(c0, c1 + 1))
            )
        return SelectedBlock(
            kind,
            who,
            tuple(p.calendar.iso(d) for d in range(c0, c1 + 1)),
            tuple(range(p.n_shifts)),
            tuple(p.workers[w].id for w in rows),
        )

    @property
    def locks(self) -> list[list[Any]]:
        """The live locks last sent to the views (entries as in the ``locks`` message)."""
        return [list(e) for e in self._locks]

    def close(self) -> None:
        """Stop following the schedule and close every view."""
        for name in ("_subscription", "_lock_subscription"):
            sub = getattr(self, name, None)
            if sub is not None:
                sub.cancel()
        timer = getattr(self, "_lock_timer", None)
        if timer is not None:
            timer.cancel()
        collab = getattr(getattr(self, "schedule", None), "collab", None)
        if collab is not None:  # the views go away with the widget: their users leave
            for view_id, who in list(getattr(self, "_views", {}).items()):
                collab.presence.leave(who, view_id)
        if self.comm is not None:
            self.connection = "closed"
        super().close()

    # -- snapshot ---------------------------------------------------------------------------
    def _shape(self) -> wire.GridShape:
        p = self.problem
        return wire.GridShape(p.n_days, p.n_shifts, p.n_workers, p.maximum)

    @staticmethod
    def _pin_masks(pinned: np.ndarray) -> np.ndarray:
        weights = (1 << np.arange(pinned.shape[2], dtype=np.int64))[None, None, :]
        return (pinned.astype(np.int64) * weights).sum(axis=2)

    def _cell_slots(self, d: int, s: int) -> list[int]:
        return [int(w) for w in self._slots[d, s, : int(self.problem.maximum[d, s])]]

    def snapshot(self, view_id: str) -> dict[str, Any]:
        """The snapshot message for ``view_id`` (see the protocol)."""
        p = self.problem
        cal = p.calendar
        flags = (
            cal.is_weekend * wire.FLAG_WEEKEND
            + cal.is_holiday * wire.FLAG_HOLIDAY
            + cal.is_pre_holiday * wire.FLAG_PRE_HOLIDAY
        ).astype(np.int64)
        maximum = p.maximum.reshape(-1)
        k = self._slots.shape[2]
        in_cell = np.arange(k)[None, :] < maximum[:, None]
        cells = self._slots.reshape(-1, k)[in_cell]
        pins = [
            [int(d), int(s), int(self._pins[d, s])]
            for d, s in zip(*np.nonzero(self._pins), strict=True)
        ]
        return {
            "type": "snapshot",
            "view_id": view_id,
            "v": self._patch_version,
            "sv": int(getattr(self.schedule, "version", 0)),
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
            "viol": self._violations_flat,
            "locks": self._locks,
            "sid": schedule_token(self.schedule),
        }

    # -- violations -------------------------------------------------------------------------
    def _locate(self, rec: Any) -> list[list[Any]]:
        """Grid rows ``[d, s, w, hard, rule, message]`` of one engine violation: one per
        (date, worker) it names, the post found from the roster when the record has none."""
        p = self.problem
        roster = self._slots
        out: list[list[Any]] = []
        rule = str(_get(rec, "rule") or "rule")
        hard = 1 if str(_get(rec, "severity") or "").lower() == "hard" else 0
        message = wording_of(p).text(_get(rec, "message") or rule)
        workers = []
        for wid in _as_list(_get(rec, "workers", "worker")):
            if isinstance(wid, str) and wid in p.worker_index:
                workers.append(p.worker_index[wid])
        days = []
        for value in _as_list(_get(rec, "dates", "date")):
            try:
                days.append(p.day(value))
            except Exception:  # a date we cannot place is shown without one
                continue
        post = _get(rec, "post")
        s_given = -1
        if isinstance(post, int | np.integer) and not pd.isna(post) and post >= 0:
            s_given = int(post)
        for d in days or [-1]:
            for w in workers or [-1]:
                s = s_given
                if s < 0 and d >= 0 and w >= 0:
                    where = np.nonzero(roster[d] == w)[0]
                    s = int(where[0]) if where.size else -1
                out.append([d, s, w, hard, rule, message])
        return out

    def _current_violations(self) -> list[Any]:
        validator = getattr(self.schedule, "validator", None)
        if validator is not None and hasattr(validator, "violation_list"):
            return list(validator.violation_list())
        frame = self.schedule.validate()
        return list(frame.to_dict("records"))

    def _refresh_violations(self, initial: bool = False) -> tuple[list[wire.Violation], list[int]]:
        """Diff the engine's violations with those broadcast; returns (added, removed ids)."""
        try:
            records = self._current_violations()
        except Exception:  # a failing validator must not break the grid
            logger.exception("reading the violations failed; they are not shown")
            return [], []
        # the validator keeps unchanged violations as the same objects: diff by identity
        current = {id(rec): rec for rec in records}
        added: list[wire.Violation] = []
        removed: list[int] = []
        for ident in [i for i in self._violation_rows if i not in current]:
            removed.extend(row[0] for row in self._violation_rows.pop(ident)[1])
        for ident, rec in current.items():
            if ident in self._violation_rows:
                continue
            rows = []
            for located in self._locate(rec):
                rows.append([self._next_violation_id, *located])
                self._next_violation_id += 1
            self._violation_rows[ident] = (rec, rows)  # holding rec keeps its id unique
            added.extend(rows)
        return added, removed

    def _apply_delta(
        self, introduced: Any, resolved: Any
    ) -> tuple[list[wire.Violation], list[int]]:
        removed: list[int] = []
        for rec in resolved or ():
            entry = self._violation_rows.pop(id(rec), None)
            if entry is not None:
                removed.extend(row[0] for row in entry[1])
        added: list[wire.Violation] = []
        for rec in introduced or ():
            if id(rec) in self._violation_rows:
                continue
            rows = []
            for located in self._locate(rec):
                rows.append([self._next_violation_id, *located])
                self._next_violation_id += 1
            self._violation_rows[id(rec)] = (rec, rows)
            added.extend(rows)
        return added, removed

    @property
    def _violations_flat(self) -> list[wire.Violation]:
        return [row for _, rows in self._violation_rows.values() for row in rows]

    # -- following the schedule -------------------------------------------------------------
    def _cells_of(self, items: Any) -> set[tuple[int, int]] | None:
        """The (d, s) cells of an edit's ``cells`` (``[iso date, post, slot, ...]`` items), or
        None when they cannot all be placed (then every cell is compared)."""
        if not isinstance(items, list | tuple):
            return None
        out: set[tuple[int, int]] = set()
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

    def _on_event(self, event: Any) -> None:
        if self._own_edit == threading.get_ident():
            return  # _answer syncs with the result's exact violation delta
        with self._lock:
            pending, self._pending_cells = self._pending_cells, set()
        if event.type == "violations_changed":
            self.sync(violations=True, cells=pending)
            return
        payload = getattr(event, "payload", None) or {}
        cells = self._cells_of(payload.get("cells")) or None
        if cells is not None and pending is not None:
            cells |= pending
        else:
            cells = None
        introduced, resolved = payload.get("introduced"), payload.get("resolved")
        if isinstance(introduced, int) and isinstance(resolved, int):
            if introduced or resolved:
                # the violations_changed event that follows sends cells and violations
                with self._lock:
                    self._pending_cells = cells
                return
            self.sync(violations=False, cells=cells)
            return
        self.sync(violations=True, cells=cells)

    def _on_lock_event(self, _event: Any) -> None:
        self.sync_locks()

    def sync_locks(self, send: bool = True) -> dict[str, Any] | None:
        """Read the live locks of the schedule's collaboration session; when they differ from
        those last sent, send every view a ``locks`` message (returned). While locks are live,
        a timer reads them again just after the earliest one would expire, so expiries reach
        the views even when nothing publishes them. Safe to call any time, from any thread."""
        collab = getattr(self.schedule, "collab", None)
        try:
            live = list(collab.locks()) if collab is not None else []
        except Exception:  # a closing store must not break the grid
            logger.debug("reading the locks failed", exc_info=True)
            return None
        with self._lock:
            entries = lock_entries(self.problem, live)
            self._arm_lock_timer(live)
            if entries == self._locks:
                return None
            self._locks = entries
            message = {"type": "locks", "locks": entries}
            if send:
                self.send(message)
            return message

    def _arm_lock_timer(self, live: list[Mapping[str, Any]]) -> None:
        if self._lock_timer is not None:
            self._lock_timer.cancel()
            self._lock_timer = None
        expiries = [float(x["expires_at"]) for x in live if x.get("expires_at") is not None]
        if not expiries or self.comm is None:
            return
        delay = min(max(0.05, min(expiries) - time.time() + 0.05), 3600.0)
        timer = threading.Timer(delay, self.sync_locks)
        timer.daemon = True
        timer.start()
        self._lock_timer = timer

    def _pin_mask_at(self, slots: np.ndarray, d: int, s: int) -> int:
        """The pin mask of cell (d, s) alone (same answer as :func:`pinned_of` there)."""
        for name in ("pinned_slots", "pinned_mask"):
            if getattr(self.schedule, name, None) is not None:
                return int(self._pin_masks(pinned_of(self.schedule, slots))[d, s])
        mandatory = self.problem.mandatory
        mask = 0
        for k, w in enumerate(slots[d, s]):
            if w >= 0 and mandatory[w, d]:
                mask |= 1 << k
        return mask

    def sync(
        self,
        violations: bool = True,
        delta: tuple[Any, Any] | None = None,
        cells: set[tuple[int, int]] | None = None,
    ) -> dict[str, Any] | None:
        """Broadcast what changed in the schedule since the last patch; returns the patch or
        None when nothing visible changed. Called by the event bus; safe to call any time.
        ``violations=False`` skips re-reading the violations (the caller knows they did not
        change); ``delta`` = (introduced, resolved) violation records applies a known change
        instead of diffing every violation; ``cells`` = the (d, s) cells that are the only
        ones that may have changed since the last patch (an edit's cells) compares just those
        instead of every cell (None: compare every cell)."""
        with self._lock:
            slots = roster_of(self.schedule).slots
            if cells is None:
                pins = self._pin_masks(pinned_of(self.schedule, slots))
                changed = np.nonzero(np.any(slots != self._slots, axis=2) | (pins != self._pins))
                self._slots = slots.copy()
                self._pins = pins
                where = [(int(d), int(s)) for d, s in zip(*changed, strict=True)]
            else:
                where = []
                for d, s in sorted(cells):
                    mask = self._pin_mask_at(slots, d, s)
                    if np.any(slots[d, s] != self._slots[d, s]) or mask != self._pins[d, s]:
                        self._slots[d, s] = slots[d, s]
                        self._pins[d, s] = mask
                        where.append((d, s))
                pins = self._pins
            cells_out = [[d, s, self._cell_slots(d, s), int(pins[d, s])] for d, s in where]
            if delta is not None:
                added, removed = self._apply_delta(*delta)
            elif violations:
                added, removed = self._refresh_violations()
            else:
                added, removed = [], []
            if not cells_out and not added and not removed:
                return None
            self._patch_version += 1
            patch = wire.make_patch(
                self._patch_version,
                int(getattr(self.schedule, "version", 0)),
                cells_out,
                added,
                removed,
            )
            self._sent_bytes.append(wire.encoded_size(patch))
            self.send(patch)
            return patch

    # -- messages ---------------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """Answer one message from a view: every message, however malformed, gets an answer
        naming the field (an ``error`` when it names no usable view, else a ``reply``)."""
        try:
            view_id = wire.view_id_of(content)
            request_id = wire.request_id_of(content)
        except Exception:  # a mapping whose get() fails, and the like
            view_id, request_id = None, ""
        if view_id is None:
            self.send({"type": "error", "message": "view_id: every message needs a string view_id"})
            return
        try:
            msg = wire.parse_message(content, self._shape())
        except wire.ProtocolError as exc:
            self._reply(view_id, request_id, False, clip(str(exc)), code="MALFORMED")
            return
        except Exception as exc:  # a value no check foresaw: still answered, never raised
            logger.debug("unreadable grid message", exc_info=True)
            self._reply(
                view_id,
                request_id,
                False,
                f"message: could not be read ({type(exc).__name__}) — send a JSON object as "
                "described in rtsched_widgets.widgets.protocol",
                code="MALFORMED",
            )
            return
        try:
            self._dispatch(msg)
        except Exception as exc:  # shown to the user, never lost
            logger.exception("grid message %s failed", msg.type)
            self._reply(
                view_id, request_id, False, clip(f"internal error: {type(exc).__name__}: {exc}")
            )

    def _dispatch(self, msg: wire.Message) -> None:
        collab = getattr(self.schedule, "collab", None)
        if msg.type in ("hello", "presence"):
            old = self._views.get(msg.view_id)
            new = msg.user or old or self.user
            if msg.user:
                names_of(self.schedule).note(msg.user, msg.name)
                self.names = names_of(self.schedule).as_dict()  # synced only when it changed
            gone = self._track(msg.view_id, new)
            if collab is not None:
                if old is not None and old != new:
                    collab.presence.leave(old, msg.view_id)
                collab.presence.join(new, view_id=msg.view_id)
            if msg.type == "hello":
                self.send(self.snapshot(msg.view_id))
            self._forget(gone, collab, changed=old != new and msg.view_id in self._selections)
        elif msg.type == "bye":
            self._forget(self._untrack(msg.view_id), collab, changed=False)
        elif msg.type == "select":
            who = self._views.get(msg.view_id)
            if who is None:  # a view that never said hello, or one evicted: tracked again
                who = self.user
                gone = self._track(msg.view_id, who)
                if collab is not None:
                    collab.presence.join(who, view_id=msg.view_id)
                self._forget(gone, collab, changed=False)
            else:
                self._track(msg.view_id, who)
            self._selections[msg.view_id] = [msg.view, msg.d, msg.s]
            if msg.sel is not None:
                r0, c0, r1, c1 = msg.sel
                rows = msg.rows if msg.rows is not None else tuple(range(r0, r1 + 1))
                with self._lock:
                    self._block_seq += 1
                    self._blocks[msg.view_id] = (self._block_seq, msg.view, rows, c0, c1)
            if collab is not None:
                collab.presence.select(who, {"view": msg.view, "r": msg.d, "c": msg.s})
            with self.hold_sync():  # selection and presence: one update to the views
                if msg.sel is not None:
                    r0, c0, r1, c1 = msg.sel
                    self.selection = {"r0": r0, "c0": c0, "r1": r1, "c1": c1}
                self._show_presence()
        elif msg.type == "violations":
            self.send(
                {
                    "type": "violations",
                    "view_id": msg.view_id,
                    "v": self._patch_version,
                    "viol": self._violations_flat,
                }
            )
        elif msg.type == "suggest":
            self._suggest(msg)
        else:
            who = self._views.get(msg.view_id) or self.user
            if msg.view_id in self._views:
                self._track(msg.view_id, who)
            if collab is not None:
                collab.presence.touch(who)
            key = id(self.schedule)
            with _answering_lock:
                outer = key not in _answering
                if outer:
                    _answering[key] = (threading.get_ident(), [])
            try:
                self._own_edit = threading.get_ident()
                try:
                    if msg.type in ("undo", "redo"):
                        result = getattr(self.schedule, msg.type)(user=who)
                    else:
                        assert msg.op is not None
                        op = self._engine_op(msg.op)
                        why = {"reason": self._force_reason(msg, op)} if msg.force else {}
                        result = self.schedule.apply(
                            op, user=who, base_version=msg.base_version, force=msg.force, **why
                        )
                finally:
                    self._own_edit = None
                self._answer(msg, result)
            finally:
                if outer:
                    with _answering_lock:
                        _, queued = _answering.pop(key)
                    for fn in queued:
                        try:
                            fn()
                        except Exception:  # a panel must not break the grid
                            logger.exception("a callback after an edit's answer failed")

    # -- the views ----------------------------------------------------------------------------
    def _track(self, view_id: str, user: str) -> list[tuple[str, str, bool]]:
        """Note ``view_id`` (of ``user``) as seen just now; returns the views evicted to stay
        within :data:`~rtsched_widgets.limits.MAX_VIEWS` — (view id, user, whether it had a
        selection), least recently seen first. Costs the same however many views are tracked;
        ``viewers`` is reassigned only when its set of users changes."""
        gone: list[tuple[str, str, bool]] = []
        with self._lock:
            old = self._views.get(view_id)
            if old is not None:
                self._views.move_to_end(view_id)
                if old == user:
                    return gone
            self._views[view_id] = user
            changed = old is not None and self._uncount(old)
            changed = self._count(user) or changed
            while len(self._views) > MAX_VIEWS:
                oldest, who = self._views.popitem(last=False)
                changed = self._uncount(who) or changed
                self._blocks.pop(oldest, None)
                had = self._selections.pop(oldest, None) is not None
                gone.append((oldest, who, had))
            if changed:
                self.viewers = sorted(self._view_users)
        return gone

    def _count(self, user: str) -> bool:
        """One more view of ``user``; True when it is their first."""
        self._view_users[user] += 1
        return self._view_users[user] == 1

    def _uncount(self, user: str) -> bool:
        """One view of ``user`` less; True when it was their last."""
        self._view_users[user] -= 1
        if self._view_users[user] <= 0:
            del self._view_users[user]
            return True
        return False

    def _untrack(self, view_id: str) -> list[tuple[str, str, bool]]:
        """Forget ``view_id`` (a bye): its user, selection and block; returns it as
        :meth:`_track` returns evicted views (empty when it was not tracked)."""
        with self._lock:
            who = self._views.pop(view_id, None)
            self._blocks.pop(view_id, None)
            had = self._selections.pop(view_id, None) is not None
            if who is None:
                return []
            if self._uncount(who):
                self.viewers = sorted(self._view_users)
            return [(view_id, who, had)]

    def _forget(self, gone: list[tuple[str, str, bool]], collab: Any, *, changed: bool) -> None:
        """The users of the views in ``gone`` leave the presence of those views; the
        ``presence`` trait is rebuilt when a selection shown in it went or ``changed``."""
        if collab is not None:
            for view_id, who, _ in gone:
                collab.presence.leave(who, view_id)
        if changed or any(had for _, _, had in gone):
            self._show_presence()

    def _show_presence(self) -> None:
        """Update the ``presence`` trait from the views' selections and their users' colours."""
        from rtsched_widgets.collab.users import colour_of

        out = []
        for view_id, (view, r, c) in sorted(self._selections.items()):
            who = self._views.get(view_id)
            if who is not None:
                out.append([who, colour_of(who), view, r, c, view_id])
        self.presence = out

    def _engine_op(self, op: wire.Op) -> dict[str, Any]:
        """The engine's dict form of a wire op (indices turned into ids and dates)."""
        p = self.problem
        iso = p.calendar.iso
        if op.kind == "bulk":
            return {"op": "bulk", "ops": [self._engine_op(o) for o in op.ops]}
        if op.kind in ("swap", "move"):
            assert op.b is not None
            a = [iso(op.d), op.s, op.slot]
            b = [iso(op.b[0]), op.b[1], op.b[2]]
            if op.kind == "swap":
                return {"op": "swap", "a": a, "b": b}
            return {"op": "move", "src": a, "dst": b}
        if op.kind == "unassign":
            return {"op": "unassign", "date": iso(op.d), "post": op.s, "slot": op.slot}
        return {
            "op": "assign",
            "worker": p.workers[op.w].id,
            "date": iso(op.d),
            "post": op.s,
            "slot": op.slot,
        }

    def _answer(self, msg: wire.Message, result: Any) -> None:
        ok = bool(getattr(result, "ok", False))
        # the change reaches every view (one patch) before the reply reaches the asker
        introduced = getattr(result, "introduced", None)
        resolved = getattr(result, "resolved", None)
        # an applied edit names its cells (none named: compare them all); after a refused one,
        # every cell is compared (cheap insurance: it changes nothing, but a change made
        # meanwhile by another thread must not wait for the next edit)
        cells = self._cells_of(getattr(result, "cells", None)) or None if ok else None
        if ok and introduced is not None and resolved is not None:
            self.sync(delta=(introduced, resolved), cells=cells)
        else:
            self.sync(violations=ok, cells=cells)
        alts: list[list[Any]] = []
        p = self.problem
        op = msg.op
        if op is not None and op.kind == "assign":
            # other workers for the refused assign's own cell (the engine also proposes other
            # cells for the worker; the view offers those through the picker)
            cell = (p.calendar.iso(op.d), op.s)
            for sug in getattr(result, "suggestions", ()) or ():
                wid = _get(sug, "worker")
                same_cell = (_get(sug, "date"), _get(sug, "post")) == cell
                usable = _get(sug, "kind") == "assign" and same_cell and wid in p.worker_index
                if usable and p.worker_index[wid] != op.w and len(alts) < 5:
                    alts.append([p.worker_index[wid], _number(_get(sug, "soft"))])
        message = str(getattr(result, "message", "") or ("done" if ok else "refused"))
        # in the planner's terms: a short line, the full explanation, "Apply anyway" (wording)
        allow_force = bool(getattr(getattr(self.schedule, "policy", None), "allow_force", False))
        said = reply_text(wording_of(p), result, message, allow_force=allow_force)
        self._remember_refusal(msg, result, said.forceable)
        self._reply(
            msg.view_id,
            msg.request_id,
            ok,
            said.short,
            code=getattr(result, "error", None),
            alts=alts,
            detail=said.detail,
            force=1 if said.forceable else None,
        )

    def _remember_refusal(self, msg: wire.Message, result: Any, forceable: bool) -> None:
        """Keeps a forceable refusal per view: its "Apply anyway" records why (the refusal)."""
        with self._lock:
            self._refusals.pop(msg.view_id, None)
            if forceable and msg.op is not None:
                self._refusals[msg.view_id] = (
                    self._engine_op(msg.op),
                    force_reason(getattr(result, "message", "")),
                )
                while len(self._refusals) > MAX_VIEWS:
                    self._refusals.pop(next(iter(self._refusals)))

    def _force_reason(self, msg: wire.Message, op: dict[str, Any]) -> str:
        """Why ``msg`` (an edit applied anyway) is made: the refusal it answers, when it is."""
        with self._lock:
            refused = self._refusals.get(msg.view_id)
        if refused is not None and refused[0] == op:
            return refused[1]
        return "applied anyway from the grid"

    def _suggest(self, msg: wire.Message) -> None:
        """Reply with every worker for (d, s): eligible ones ranked best first with their score
        delta, then the excluded ones with the reason."""
        p = self.problem
        frame = self.schedule.suggest(p.calendar.iso(msg.d), msg.s, k=min(p.n_workers, 25))
        items: list[list[Any]] = []
        for rec in frame.to_dict("records"):
            wid = rec.get("worker")
            if not isinstance(wid, str) or wid not in p.worker_index:
                continue
            hard = _number(rec.get("hard"))
            eligible = bool(rec.get("eligible", True)) and hard <= 0
            reason = str(rec.get("reason") or "")
            if not reason and hard > 0:
                reason = f"would break {int(hard)} hard rule(s)"
            items.append(
                [p.worker_index[wid], _number(rec.get("soft")), int(eligible), wire.trim(reason)]
            )
        self._reply(msg.view_id, msg.request_id, True, f"{len(items)} candidates", items=items)

    def _reply(self, view_id: str, request_id: str, ok: bool, message: str, **extra: Any) -> None:
        # people read names, not keys ("locked by <key>" names the holder's display name)
        humanize = names_of(self.schedule).humanize
        message = humanize(message)
        if isinstance(extra.get("detail"), str):
            extra["detail"] = humanize(extra["detail"])
        reply: dict[str, Any] = {
            "type": "reply",
            "view_id": view_id,
            "request_id": request_id,
            "ok": ok,
            "message": message,
            "sv": int(getattr(self.schedule, "version", 0)),
        }
        reply.update({k: v for k, v in extra.items() if v not in (None, [], "")})
        self.send(reply)
        for fn in list(self._listeners):
            try:
                fn(reply)
            except Exception:  # a listener must not break the reply path
                logger.exception("grid result listener failed")


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return round(number, 3) if np.isfinite(number) else 0.0
