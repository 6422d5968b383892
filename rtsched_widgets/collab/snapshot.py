"""Snapshots of a replicated schedule: what replaying its op log rebuilds, kept in the store so
reopening costs loading the newest snapshot plus replaying the ops after it.

What a snapshot holds (``format`` 1, a JSON object)
---------------------------------------------------

* ``version`` — the op the snapshot stands after;
* ``slots`` / ``cell_version`` — the roster's slot array and the version that last changed each
  cell (base64 of the little-endian ``int32`` / ``int64`` arrays, with their shapes);
* ``latest_by_user`` — each user's newest version (which decides whether an undo is re-checked
  as a new edit);
* ``history`` — every record the schedule's :class:`~rtsched_widgets.engine.history.History`
  kept (at most ``Policy.max_history``, oldest dropped first as always), column by column: id,
  version, user, time, kind, the flat slot changes ``(day, post, slot, old, new)``, forced,
  message, undoes; plus each user's undo and redo stacks (op ids), which op reverted which,
  the undo groups and how many records were dropped. Undo, redo, conflicts and the audit trail
  after reopening are then exactly those of a full replay.

Not held: the event bus history (a reopened schedule publishes ``remote_applied`` only for
the ops it replays after the snapshot) and anything of the collaboration session (locks and
presence are leases in the store). A replica opened with a larger ``max_history`` than the one
that wrote the snapshot keeps only the records the snapshot has; the full op log is always in
the store (``store.entries``).

:func:`restore` checks the whole snapshot against the problem and builds every piece before it
changes the schedule: a snapshot that does not fit (another format, shapes, workers or versions
out of range, a worker twice on a day) raises :class:`SnapshotError` and leaves the schedule as
it was, and the session replays the whole log instead.
"""

from __future__ import annotations

import base64
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.engine.slot_record import SlotRecord, slot_record
from rtsched_widgets.model.roster import Roster

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule

__all__ = ["SNAPSHOT_FORMAT", "Captured", "SnapshotError", "capture", "encode", "restore"]

SNAPSHOT_FORMAT = 1


class SnapshotError(ValueError):
    """A snapshot that does not fit this schedule (the session then replays the whole log)."""


class Captured:
    """The state of a schedule copied under its lock (cheap: arrays copied, the immutable
    records referenced); :func:`encode` turns it into the stored JSON object outside the lock."""

    __slots__ = (
        "cell_version",
        "dropped",
        "groups",
        "latest_by_user",
        "records",
        "redo",
        "reverted_by",
        "slots",
        "undo",
        "version",
    )

    def __init__(self, schedule: Schedule) -> None:
        log = schedule.oplog
        with log._lock:
            self.records = list(log._log)
            self.undo = {u: list(st) for u, st in log._undo.items()}
            self.redo = {u: list(st) for u, st in log._redo.items()}
            self.reverted_by = dict(log._reverted_by)
            self.groups = dict(getattr(log, "_group", {}))
            self.dropped = int(log.dropped)
        self.version = int(schedule.version)
        self.slots = schedule.core.slots.copy()
        self.cell_version = np.array(schedule.cell_version, dtype=np.int64)
        self.latest_by_user = dict(schedule.latest_by_user)


def capture(schedule: Schedule) -> Captured | None:
    """The state of ``schedule`` (call with its lock held), or None when its history holds a
    record a snapshot cannot keep (one not made by the engine's edit path)."""
    captured = Captured(schedule)
    if not all(isinstance(r, SlotRecord) for r in captured.records):
        return None
    return captured


def _array(a: np.ndarray, dtype: str) -> dict[str, Any]:
    data = np.ascontiguousarray(a, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"shape": list(a.shape), "data": base64.b64encode(data.tobytes()).decode("ascii")}


def _unarray(value: Any, dtype: str, shape: tuple[int, ...], name: str) -> np.ndarray:
    try:
        if [int(x) for x in value["shape"]] != list(shape):
            raise SnapshotError(f"{name}: shape {value['shape']} is not {list(shape)}")
        raw = base64.b64decode(value["data"], validate=True)
        out = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        return out.reshape(shape).astype(np.dtype(dtype).newbyteorder("="))
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{name}: not an array of this problem ({exc})") from None


def encode(c: Captured) -> dict[str, Any]:
    """The JSON object stored for a captured state (see the module notes)."""
    recs = c.records
    return {
        "format": SNAPSHOT_FORMAT,
        "version": c.version,
        "slots": _array(c.slots, "int32"),
        "cell_version": _array(c.cell_version, "int64"),
        "latest_by_user": c.latest_by_user,
        "history": {
            "op_id": [r.op_id for r in recs],
            "version": [r.version for r in recs],
            "user": [r.user for r in recs],
            "ts": [float(r.timestamp) for r in recs],
            "kind": [r.kind for r in recs],
            "changes": [list(r._changes) for r in recs],  # type: ignore[attr-defined]
            "forced": [bool(r.forced) for r in recs],
            "message": [r.message for r in recs],
            "undoes": [r.undoes for r in recs],
            "undo": c.undo,
            "redo": c.redo,
            "reverted_by": c.reverted_by,
            "group": c.groups,
            "dropped": c.dropped,
        },
    }


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise SnapshotError(message)


def restore(schedule: Schedule, state: dict[str, Any], head: int) -> None:
    """Make the fresh (version 0, empty) ``schedule`` what a replay of ops 1..version gives, from
    a snapshot ``state`` of a log whose head is at least ``head``; SnapshotError (and nothing
    changed) when it does not fit. Call with the schedule's lock held."""
    try:
        _restore(schedule, state, head)
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise SnapshotError(f"snapshot does not fit: {type(exc).__name__}: {exc}") from None


def _restore(schedule: Schedule, state: dict[str, Any], head: int) -> None:
    p = schedule.problem
    _check(state.get("format") == SNAPSHOT_FORMAT, f"format {state.get('format')!r}")
    version = state["version"]
    _check(isinstance(version, int) and 1 <= version <= head, f"version {version!r}")
    _check(schedule.version == 0 and schedule.core.n_assigned == 0, "schedule is not fresh")
    core = schedule.core
    slots = _unarray(state["slots"], "int32", core.slots.shape, "slots")
    cell_version = _unarray(
        state["cell_version"], "int64", schedule.cell_version.shape, "cell_version"
    )
    _check(bool(((cell_version >= 0) & (cell_version <= version)).all()), "cell versions")
    _check(bool(((slots >= -1) & (slots < p.n_workers)).all()), "worker out of range")
    roster = Roster(p)
    for d, s, k in zip(*np.nonzero(slots >= 0), strict=True):
        roster.place(int(slots[d, s, k]), int(d), int(s), int(k))  # ValueError: twice on a day
    latest = {str(u): int(v) for u, v in state["latest_by_user"].items()}
    _check(all(0 < v <= version for v in latest.values()), "latest_by_user")

    h = state["history"]
    n = len(h["op_id"])
    columns = ("version", "user", "ts", "kind", "changes", "forced", "message", "undoes")
    _check(all(len(h[c]) == n for c in columns), "history columns of different lengths")
    names = schedule.record_names
    n_days, n_posts, n_slots = core.slots.shape
    records = []
    last = 0
    for i in range(n):
        v, ch = h["version"][i], h["changes"][i]
        _check(isinstance(v, int) and last < v <= version, f"history version {v!r}")
        last = v
        _check(len(ch) % 5 == 0, f"history changes of {h['op_id'][i]!r}")
        for j in range(0, len(ch), 5):
            d, s, k, old, new = ch[j : j + 5]
            _check(
                0 <= d < n_days and 0 <= s < n_posts and 0 <= k < n_slots,
                f"history cell of {h['op_id'][i]!r}",
            )
            _check(-1 <= old < p.n_workers and -1 <= new < p.n_workers, "history worker")
        undoes = h["undoes"][i]
        records.append(
            slot_record(
                str(h["op_id"][i]),
                v,
                str(h["user"][i]),
                float(h["ts"][i]),
                str(h["kind"][i]),
                tuple(int(x) for x in ch),
                names,
                bool(h["forced"][i]),
                str(h["message"][i]),
                None if undoes is None else str(undoes),
            )
        )
    keep = schedule.oplog.max_ops
    dropped = int(h["dropped"]) + max(0, len(records) - keep)
    records = records[len(records) - keep :] if len(records) > keep else records
    by_id = {r.op_id: r for r in records}
    _check(len(by_id) == len(records), "duplicate op ids in the history")

    def stacks(raw: dict[str, list[str]]) -> dict[str, deque[str]]:
        out = {}
        for user, ids in raw.items():
            kept = deque(str(x) for x in ids if x in by_id)
            _check(all(by_id[x].user == user for x in kept), f"stack of {user!r}")
            if kept:
                out[str(user)] = kept
        return out

    undo, redo = stacks(h["undo"]), stacks(h["redo"])
    reverted = {str(a): str(b) for a, b in h["reverted_by"].items() if a in by_id}
    groups = {str(a): str(b) for a, b in h.get("group", {}).items() if a in by_id}

    # everything checked and built: now change the schedule
    log = schedule.oplog
    with log._lock:
        log._log = deque(records)
        log._by_id = by_id
        log._undo = undo
        log._redo = redo
        log._reverted_by = reverted
        if hasattr(log, "_group"):
            log._group = groups
        log._last_version = records[-1].version if records else 0
        log.dropped = dropped
    core.slots[...] = roster.slots
    core.shift_of[...] = roster.shift_of
    core.slot_of[...] = roster.slot_of
    core.count[...] = roster.count
    schedule.cell_version[...] = cell_version
    schedule.latest_by_user.clear()
    schedule.latest_by_user.update(latest)
    schedule.version = version
    schedule.validator.rebuild()
