"""Undo/redo history and audit trail of schedule operations, generic over the op payload.

Every applied op is kept as an :class:`OpRecord`: which cells it touched, their values before
and after, and an opaque ``inverse`` the engine can apply to revert it. :class:`History` keeps
the records in a bounded log (oldest dropped first) plus an undo stack and a redo stack per user.

Undo/redo model
---------------
* ``record(rec)`` logs a new op of ``rec.user``, pushes it on that user's undo stack and clears
  that user's redo stack only (other users keep theirs).
* ``undo_candidate(user)`` is the record the user would undo (the top of their undo stack). The
  engine checks :meth:`History.conflicts` (cells changed since by someone else), applies
  ``rec.inverse`` and calls ``mark_undone(rec.op_id, undo_rec)`` with an ``undo_rec`` of kind
  ``"undo"`` whose ``undoes`` is ``rec.op_id`` and whose ``inverse`` re-applies ``rec``.
* ``redo_candidate(user)`` is the top of the user's redo stack: an undo record. The engine treats
  it exactly like an undo candidate (check conflicts against ``undo_rec.after``, apply
  ``undo_rec.inverse``) and calls ``mark_redone(undo_rec.op_id, redo_rec)`` with a record of kind
  ``"redo"`` whose ``undoes`` is ``undo_rec.op_id``; the redo record goes back on the undo stack.

Both stacks of a user always hold that user's records only, so undo never reverts another
user's work. Records beyond ``max_ops`` are dropped oldest first; a dropped op is no longer
undoable or redoable and is absent from the audit trail.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

# rtsched_widgets.model.io.neutralise (and with it the whole model.io package: ~1.8 MiB) is
# imported by the functions that write or read an audit trail, not with the history.

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_FORMATS",
    "Conflict",
    "History",
    "OpRecord",
    "neutralise_csv",
    "read_audit",
    "unneutralise_csv",
]

#: Columns of :meth:`History.to_frame` and of the exported audit trail, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "op_id",
    "version",
    "user",
    "timestamp",
    "kind",
    "cells",
    "before",
    "after",
    "forced",
    "message",
    "undoes",
)
#: Formats accepted by :meth:`History.export_audit` and :func:`read_audit`.
AUDIT_FORMATS: tuple[str, ...] = ("csv", "json", "parquet")

_JSON_FORMAT_TAG = "rtsched_widgets.audit"


@dataclass(frozen=True, slots=True)
class OpRecord:
    """One applied operation.

    ``op_id``: unique non-empty id; ``version``: the schedule version right after the op (must
    increase strictly from record to record); ``user``: who applied it; ``timestamp``: seconds
    since the epoch (UTC); ``kind``: assign / unassign / swap / move / bulk / generate / undo /
    redo / ...; ``cells``: the hashable cell keys it touched (e.g. ``(date, post, slot)``);
    ``before`` / ``after``: cell -> value maps (a cell absent from ``after`` means empty,
    ``None``); ``inverse``: an opaque object the engine applies to revert the op; ``forced``:
    applied despite hard violations; ``message``: free text; ``undoes``: for undo/redo records,
    the ``op_id`` of the record this one reverts, otherwise ``None``. The mappings are treated
    as read-only.
    """

    op_id: str
    version: int
    user: str
    timestamp: float
    kind: str
    cells: tuple[Hashable, ...] = ()
    before: Mapping[Hashable, Any] = field(default_factory=dict)
    after: Mapping[Hashable, Any] = field(default_factory=dict)
    inverse: Any = None
    forced: bool = False
    message: str = ""
    undoes: str | None = None

    def __post_init__(self) -> None:
        for name in ("op_id", "user", "kind"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"OpRecord.{name} must be a non-empty str, got {value!r}")
        if not isinstance(self.version, int) or isinstance(self.version, bool) or self.version < 0:
            raise ValueError(f"OpRecord.version must be an int >= 0, got {self.version!r}")
        if isinstance(self.timestamp, bool) or not isinstance(self.timestamp, int | float):
            raise ValueError(
                f"OpRecord.timestamp must be seconds since the epoch, got {self.timestamp!r}"
            )
        if not isinstance(self.cells, tuple):
            raise ValueError(
                f"OpRecord.cells must be a tuple of cell keys, got {type(self.cells).__name__}"
            )
        for name in ("before", "after"):
            if not isinstance(getattr(self, name), Mapping):
                raise ValueError(f"OpRecord.{name} must be a mapping cell -> value")
        if not isinstance(self.forced, bool):
            raise ValueError(f"OpRecord.forced must be a bool, got {self.forced!r}")
        if not isinstance(self.message, str):
            raise ValueError(f"OpRecord.message must be a str, got {self.message!r}")
        if self.undoes is not None and (not isinstance(self.undoes, str) or not self.undoes):
            raise ValueError(f"OpRecord.undoes must be an op_id or None, got {self.undoes!r}")


class Conflict(NamedTuple):
    """A cell whose current value is not the value an op left there."""

    cell: Hashable
    expected: Any
    actual: Any


def _differs(a: Any, b: Any) -> bool:
    if a is b:
        return False
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # e.g. arrays with ambiguous truth values
        return True


class History:
    """Bounded log of :class:`OpRecord` with per-user undo/redo stacks (see module notes).

    Keeps at most ``max_ops`` records; recording one more drops the oldest, which is then no
    longer undoable, redoable, retrievable with :meth:`get` or exported. All methods are
    thread-safe: they hold ``lock`` (a re-entrant lock; default: one of its own). A
    :class:`~rtsched_widgets.engine.schedule.Schedule` gives its history its edit lock, so
    an edit, which holds that lock already, records through :meth:`record_held` without
    taking a second one.
    """

    def __init__(self, max_ops: int = 100_000, *, lock: threading.RLock | None = None) -> None:
        if not isinstance(max_ops, int) or isinstance(max_ops, bool) or max_ops < 1:
            raise ValueError(f"max_ops must be a positive int, got {max_ops!r}")
        self.max_ops = max_ops
        self._lock = threading.RLock() if lock is None else lock
        self._log: deque[OpRecord] = deque()
        self._by_id: dict[str, OpRecord] = {}
        self._undo: dict[str, deque[str]] = {}
        self._redo: dict[str, deque[str]] = {}
        self._reverted_by: dict[str, str] = {}
        self._group: dict[str, str] = {}  # op_id -> group, for ops recorded as one undo step
        self._last_version = 0
        self.dropped = 0

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self._log)

    def __iter__(self) -> Iterator[OpRecord]:
        with self._lock:
            return iter(list(self._log))

    def __contains__(self, op_id: object) -> bool:
        return op_id in self._by_id

    @property
    def last_version(self) -> int:
        """The version of the newest record ever recorded (0 before any)."""
        return self._last_version

    def get(self, op_id: str) -> OpRecord | None:
        """The kept record with ``op_id``, or ``None`` (unknown or already dropped)."""
        return self._by_id.get(op_id)

    def reverted_by(self, op_id: str) -> str | None:
        """The op_id of the undo/redo record that reverted ``op_id`` (``None`` if not reverted).

        An op that was undone and then redone reports its undo record; the undo record reports
        the redo record.
        """
        return self._reverted_by.get(op_id)

    def is_undone(self, op_id: str) -> bool:
        """True when ``op_id`` was undone and that undo was not redone since."""
        undo_id = self._reverted_by.get(op_id)
        return undo_id is not None and undo_id not in self._reverted_by

    def undo_depth(self, user: str) -> int:
        """How many of ``user``'s ops can be undone in a row (ignoring conflicts)."""
        return len(self._undo.get(user, ()))

    def redo_depth(self, user: str) -> int:
        """How many of ``user``'s undos can be redone in a row (ignoring conflicts)."""
        return len(self._redo.get(user, ()))

    def users(self) -> list[str]:
        """Users with at least one kept record, in order of their first kept record."""
        with self._lock:
            return list(dict.fromkeys(r.user for r in self._log))

    # ------------------------------------------------------------------ recording
    def _check_new(self, rec: OpRecord) -> None:
        if not isinstance(rec, OpRecord):
            raise TypeError(f"expected an OpRecord, got {type(rec).__name__}")
        if rec.op_id in self._by_id:
            raise ValueError(f"op_id {rec.op_id!r} is already recorded; op ids must be unique")
        if rec.version <= self._last_version:
            raise ValueError(
                f"OpRecord.version must increase: got {rec.version} after {self._last_version}"
            )

    def _append(self, rec: OpRecord) -> None:
        # Lock held. Drop the oldest first so the log never exceeds max_ops.
        if len(self._log) >= self.max_ops:
            self._drop_oldest()
        self._log.append(rec)
        self._by_id[rec.op_id] = rec
        self._last_version = rec.version

    def _drop_oldest(self) -> None:
        old = self._log.popleft()
        del self._by_id[old.op_id]
        self._reverted_by.pop(old.op_id, None)
        self._group.pop(old.op_id, None)
        self.dropped += 1
        # Stacks grow in log order, so a dropped record can only sit at a stack's bottom.
        for stacks in (self._undo, self._redo):
            stack = stacks.get(old.user)
            if stack and stack[0] == old.op_id:
                stack.popleft()
                if not stack:
                    del stacks[old.user]

    def record(self, rec: OpRecord, group: str | None = None) -> None:
        """Log a new op of ``rec.user``: push it on their undo stack, clear their redo stack.

        ``group``: ops of one user recorded one after another with the same group are undone
        as one step (a live solve's merges); see :meth:`undo_group`.

        Raises ValueError for a duplicate ``op_id``, a version not above :attr:`last_version`,
        or a record with ``undoes`` set (use :meth:`mark_undone` / :meth:`mark_redone`).
        """
        if not isinstance(rec, OpRecord) or rec.undoes is not None:
            if isinstance(rec, OpRecord):
                raise ValueError(
                    f"record {rec.op_id!r} reverts {rec.undoes!r}; log it with mark_undone() or "
                    "mark_redone() instead of record()"
                )
            self._check_new(rec)  # raises, naming what is wrong
        lock = self._lock
        lock.acquire()
        try:
            self.record_held(rec, group)
        finally:
            lock.release()

    @property
    def lock(self) -> threading.RLock:
        """The lock every method of this history holds while it reads or writes."""
        return self._lock

    def record_held(self, rec: OpRecord, group: str | None = None) -> None:
        """:meth:`record` of ``rec`` (an :class:`OpRecord` whose ``undoes`` is None) by a
        caller that holds :attr:`lock` already (a schedule's edit path): the same checks and
        errors, no second acquire."""
        # _check_new and _append, written out for the path of every edit
        op_id, user = rec.op_id, rec.user
        by_id = self._by_id
        if op_id in by_id or rec.version <= self._last_version:
            self._check_new(rec)  # raises, naming what is wrong
        log = self._log
        if len(log) >= self.max_ops:
            self._drop_oldest()
        log.append(rec)
        by_id[op_id] = rec
        self._last_version = rec.version
        stack = self._undo.get(user)
        if stack is None:
            stack = self._undo[user] = deque()
        stack.append(op_id)
        if group is not None:
            self._group[op_id] = group
        if self._redo:
            self._redo.pop(user, None)

    def group_of(self, op_id: str) -> str | None:
        """The group ``op_id`` was recorded with (see :meth:`record`), or ``None``."""
        return self._group.get(op_id)

    def undo_group(self, user: str) -> list[OpRecord]:
        """The records ``user``'s next undo reverts, newest first: their undo candidate and,
        when it was recorded with a group, the records right below it on their undo stack with
        the same group (empty when there is nothing to undo)."""
        with self._lock:
            stack = self._undo.get(user)
            if not stack:
                return []
            group = self._group.get(stack[-1])
            out = [self._by_id[stack[-1]]]
            if group is None:
                return out
            for op_id in reversed(list(stack)[:-1]):
                if self._group.get(op_id) != group:
                    break
                out.append(self._by_id[op_id])
            return out

    def undo_candidate(self, user: str) -> OpRecord | None:
        """The record ``user`` would undo next (their newest not-undone op), or ``None``."""
        with self._lock:
            stack = self._undo.get(user)
            return self._by_id[stack[-1]] if stack else None

    def redo_candidate(self, user: str) -> OpRecord | None:
        """The undo record ``user`` would revert next to redo, or ``None``.

        Revert it like an undo candidate: check :meth:`conflicts` against it, apply its
        ``inverse`` (which re-applies the op named by its ``undoes``).
        """
        with self._lock:
            stack = self._redo.get(user)
            return self._by_id[stack[-1]] if stack else None

    def _check_revert(
        self,
        target_id: str,
        new: OpRecord,
        stacks: dict[str, deque[str]],
        kind: str,
        candidate: str,
    ) -> OpRecord:
        if not isinstance(new, OpRecord):
            raise TypeError(f"expected an OpRecord, got {type(new).__name__}")
        target = self._by_id.get(target_id)
        if target is None:
            raise ValueError(f"op {target_id!r} is unknown or was dropped from the history")
        stack = stacks.get(target.user)
        if not stack or stack[-1] != target_id:
            raise ValueError(
                f"op {target_id!r} is not {target.user!r}'s {candidate}; "
                f"only the top of a user's stack can be reverted"
            )
        if new.kind != kind:
            raise ValueError(f"the record reverting {target_id!r} must have kind {kind!r}")
        if new.undoes != target_id:
            raise ValueError(
                f"the {kind} record must have undoes={target_id!r}, got {new.undoes!r}"
            )
        if new.user != target.user:
            raise ValueError(
                f"the {kind} record's user {new.user!r} differs from {target.user!r}; "
                "a user can only undo and redo their own ops"
            )
        self._check_new(new)
        return target

    def mark_undone(self, op_id: str, undo_record: OpRecord) -> None:
        """Log ``undo_record`` (kind ``"undo"``, ``undoes=op_id``, same user) as reverting
        ``op_id``, which must be its user's :meth:`undo_candidate`, together with the rest of
        its :meth:`undo_group`; the undo record goes on the user's redo stack. Nothing changes
        when a check fails (ValueError).
        """
        with self._lock:
            target = self._check_revert(op_id, undo_record, self._undo, "undo", "undo candidate")
            members = [r.op_id for r in self.undo_group(target.user)]
            for _ in members:
                self._pop(self._undo, target.user)
            self._append(undo_record)  # may drop the oldest record, possibly the target
            self._redo.setdefault(target.user, deque()).append(undo_record.op_id)
            for member in members:
                if member in self._by_id:
                    self._reverted_by[member] = undo_record.op_id

    def mark_redone(self, undo_op_id: str, redo_record: OpRecord) -> None:
        """Log ``redo_record`` (kind ``"redo"``, ``undoes=undo_op_id``, same user) as reverting
        the undo record ``undo_op_id``, which must be its user's :meth:`redo_candidate`; the redo
        record goes on the user's undo stack. Nothing changes when a check fails (ValueError).
        """
        with self._lock:
            target = self._check_revert(
                undo_op_id, redo_record, self._redo, "redo", "redo candidate"
            )
            self._pop(self._redo, target.user)
            self._append(redo_record)  # may drop the oldest record, possibly the target
            self._undo.setdefault(target.user, deque()).append(redo_record.op_id)
            if undo_op_id in self._by_id:
                self._reverted_by[undo_op_id] = redo_record.op_id

    @staticmethod
    def _pop(stacks: dict[str, deque[str]], user: str) -> None:
        stack = stacks[user]
        stack.pop()
        if not stack:
            del stacks[user]

    def clear_stacks(self, user: str | None = None) -> None:
        """Forget the undo and redo stacks of ``user`` (all users when ``None``); the log and
        audit trail are kept."""
        with self._lock:
            if user is None:
                self._undo.clear()
                self._redo.clear()
            else:
                self._undo.pop(user, None)
                self._redo.pop(user, None)

    # ------------------------------------------------------------------ conflicts
    @staticmethod
    def conflicts(rec: OpRecord, current: Callable[[Any], Any]) -> list[Conflict]:
        """Cells of ``rec`` whose current value differs from what ``rec`` left there.

        For each cell in ``rec.cells`` (in that order) compares ``current(cell)`` with
        ``rec.after.get(cell)`` (``None`` = empty when absent). A non-empty result means someone
        changed those cells since; reverting ``rec`` blindly would overwrite their work.
        """
        after = rec.after
        out: list[Conflict] = []
        for cell in rec.cells:
            expected = after.get(cell)
            actual = current(cell)
            if _differs(expected, actual):
                out.append(Conflict(cell, expected, actual))
        return out

    # ------------------------------------------------------------------ frames & audit
    def records(self, user: str | None = None, limit: int | None = None) -> list[OpRecord]:
        """Kept records (of ``user`` if given), oldest first; ``limit`` keeps the newest."""
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
        with self._lock:
            recs = [r for r in self._log if user is None or r.user == user]
        if limit is not None:
            recs = recs[len(recs) - limit :] if limit else []
        return recs

    def last_touch(self, cell: Hashable, after_version: int = 0) -> OpRecord | None:
        """The newest kept record with ``version > after_version`` whose ``cells`` include
        ``cell`` (who changed it since), or ``None``. Scans newest to oldest and stops at
        ``after_version``.
        """
        with self._lock:
            for r in reversed(self._log):
                if r.version <= after_version:
                    return None
                if cell in r.cells:
                    return r
        return None

    def to_frame(self, user: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The trail as a DataFrame with :data:`AUDIT_COLUMNS`, newest last.

        ``timestamp`` is a UTC datetime; ``cells`` a tuple; ``before``/``after`` dicts;
        ``undoes`` an op_id or ``None``. ``user`` filters, ``limit`` keeps the newest rows.
        """
        return _frame([_row(r) for r in self.records(user=user, limit=limit)])

    def export_audit(self, path: str | Path, format: str = "csv") -> Path:
        """Write the audit trail (all kept records, oldest first) to ``path``; return the path.

        ``format``: ``"csv"``, ``"json"`` or ``"parquet"`` (needs pyarrow). ``cells``,
        ``before`` and ``after`` are stored as JSON (tuples become lists, dates ISO strings,
        mappings lists of ``[cell, value]`` pairs). In CSV every text cell, and in JSON every
        string, that a spreadsheet would run as a formula gets one more leading ``'``, and a
        CSV field holding a line break is quoted so it never splits a record
        (:mod:`rtsched_widgets.model.io.neutralise`); :func:`read_audit` undoes it. Parquet is
        written unchanged. ``inverse`` is not exported.
        """
        from rtsched_widgets.model.io.neutralise import neutralise_json, write_csv

        fmt = _check_format(format)
        path = Path(path)
        rows = [_row(r) for r in self.records()]
        if fmt == "json":
            doc = {
                "format": _JSON_FORMAT_TAG,
                "version": 1,
                "ops": [neutralise_json(_json_row(row)) for row in rows],
            }
            path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
            return path
        frame = _frame(rows)
        flat = frame.copy()
        for col in ("cells", "before", "after"):
            flat[col] = [_dumps(v) for v in frame[col]]
        if fmt == "parquet":
            _require_pyarrow()
            flat.to_parquet(path, index=False)
            return path
        flat["timestamp"] = [ts.isoformat() for ts in frame["timestamp"]]
        flat["undoes"] = ["" if u is None else u for u in frame["undoes"]]
        return write_csv(flat, path)


# ---------------------------------------------------------------------- helpers
def neutralise_csv(text: str) -> str:
    """Make ``text`` inert in spreadsheets (:func:`rtsched_widgets.model.io.neutralise.
    neutralise`: one leading ``'`` when a spreadsheet could run it as a formula). Reversible
    by :func:`unneutralise_csv`; other strings are returned unchanged.
    """
    from rtsched_widgets.model.io.neutralise import neutralise

    return neutralise(text)


def unneutralise_csv(text: str) -> str:
    """Inverse of :func:`neutralise_csv`."""
    from rtsched_widgets.model.io.neutralise import unneutralise

    return unneutralise(text)


def _check_format(format: str) -> str:
    if format not in AUDIT_FORMATS:
        raise ValueError(
            f"unknown audit format {format!r}; valid formats: {', '.join(AUDIT_FORMATS)}"
        )
    return format


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "parquet audit export needs pyarrow, which comes with the 'io' extra: "
            "pip install 'rtsched_widgets[io]'"
        ) from exc


def _row(r: OpRecord) -> dict[str, Any]:
    return {
        "op_id": r.op_id,
        "version": r.version,
        "user": r.user,
        "timestamp": r.timestamp,
        "kind": r.kind,
        "cells": r.cells,
        "before": dict(r.before),
        "after": dict(r.after),
        "forced": r.forced,
        "message": r.message,
        "undoes": r.undoes,
    }


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    def col(name: str) -> list[Any]:
        return [row[name] for row in rows]

    return pd.DataFrame(
        {
            "op_id": pd.Series(col("op_id"), dtype="object"),
            "version": pd.Series(col("version"), dtype="int64"),
            "user": pd.Series(col("user"), dtype="object"),
            "timestamp": pd.to_datetime(
                pd.Series(col("timestamp"), dtype="float64"), unit="s", utc=True
            ).astype("datetime64[ns, UTC]"),
            "kind": pd.Series(col("kind"), dtype="object"),
            "cells": pd.Series(col("cells"), dtype="object"),
            "before": pd.Series(col("before"), dtype="object"),
            "after": pd.Series(col("after"), dtype="object"),
            "forced": pd.Series(col("forced"), dtype="bool"),
            "message": pd.Series(col("message"), dtype="object"),
            "undoes": pd.Series(col("undoes"), dtype="object"),
        },
        columns=list(AUDIT_COLUMNS),
    )


def _to_jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return [[_to_jsonable(k), _to_jsonable(v)] for k, v in value.items()]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _to_jsonable(item())
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(_to_jsonable(value), ensure_ascii=False, separators=(",", ":"))


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _tuplify(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


def _pairs_to_dict(pairs: Any) -> dict[Any, Any]:
    return {_tuplify(k): _tuplify(v) for k, v in pairs}


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    out = dict(row)
    out["timestamp"] = pd.Timestamp(row["timestamp"], unit="s", tz="UTC").isoformat()
    for col in ("cells", "before", "after"):
        out[col] = _to_jsonable(row[col])
    return out


def read_audit(path: str | Path, format: str | None = None) -> pd.DataFrame:
    """Read a trail written by :meth:`History.export_audit` back into a DataFrame.

    ``format`` defaults to the file suffix. The result has :data:`AUDIT_COLUMNS` and the dtypes
    of :meth:`History.to_frame`; JSON lists come back as tuples and dates as ISO strings.
    """
    import pandas as pd

    from rtsched_widgets.model.io.neutralise import read_csv_text, unneutralise_json

    path = Path(path)
    fmt = _check_format(format if format is not None else path.suffix.lstrip(".").lower())
    columns: dict[str, list[Any]]
    if fmt == "json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("format") != _JSON_FORMAT_TAG:
            raise ValueError(f"{path} is not an rtsched_widgets audit trail (format tag missing)")
        ops = unneutralise_json(doc["ops"])
        columns = {c: [op[c] for op in ops] for c in AUDIT_COLUMNS}
        columns["cells"] = [_tuplify(v) for v in columns["cells"]]
        columns["before"] = [_pairs_to_dict(v) for v in columns["before"]]
        columns["after"] = [_pairs_to_dict(v) for v in columns["after"]]
    else:
        if fmt == "parquet":
            _require_pyarrow()
            table = pd.read_parquet(path)
        else:
            table = read_csv_text(path)
        missing = [c for c in AUDIT_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"{path} lacks audit columns: {', '.join(missing)}")
        columns = {c: list(table[c]) for c in AUDIT_COLUMNS}
        if fmt == "csv":
            columns["forced"] = [v == "True" for v in columns["forced"]]
        columns["undoes"] = [
            None if _is_missing(u) or u == "" else str(u) for u in columns["undoes"]
        ]
        for col in ("cells", "before", "after"):
            columns[col] = [json.loads(v) for v in columns[col]]
        columns["cells"] = [_tuplify(v) for v in columns["cells"]]
        columns["before"] = [_pairs_to_dict(v) for v in columns["before"]]
        columns["after"] = [_pairs_to_dict(v) for v in columns["after"]]
    text = columns
    return pd.DataFrame(
        {
            "op_id": pd.Series(list(text["op_id"]), dtype="object"),
            "version": pd.Series([int(v) for v in text["version"]], dtype="int64"),
            "user": pd.Series(list(text["user"]), dtype="object"),
            "timestamp": pd.to_datetime(pd.Series(list(text["timestamp"])), utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "kind": pd.Series(list(text["kind"]), dtype="object"),
            "cells": pd.Series(text["cells"], dtype="object"),
            "before": pd.Series(text["before"], dtype="object"),
            "after": pd.Series(text["after"], dtype="object"),
            "forced": pd.Series([bool(v) for v in text["forced"]], dtype="bool"),
            "message": pd.Series(list(text["message"]), dtype="object"),
            "undoes": pd.Series(text["undoes"], dtype="object"),
        },
        columns=list(AUDIT_COLUMNS),
    )
