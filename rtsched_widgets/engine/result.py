"""What an edit returns: :class:`OpResult`, and the error codes of a refused edit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets._drafts import draft_class, frozen_builder
from rtsched_widgets.limits import clip

if TYPE_CHECKING:
    from rtsched_widgets.rules.base import Delta

#: Error codes of a failed :class:`OpResult` (``OpResult.error``), with what each means.
ERROR_CODES: dict[str, str] = {
    "MALFORMED": "the operation is not well formed (missing/unknown field, wrong type)",
    "UNKNOWN_WORKER": "the worker id is not a worker of the problem",
    "OUT_OF_HORIZON": "the date is outside the planning horizon",
    "BAD_POST": "the post is neither a shift type index nor a shift type id",
    "BAD_SLOT": "the slot does not exist in that cell, or a slot is needed to choose one",
    "EMPTY_CELL": "the addressed cell/slot holds nobody",
    "CELL_FULL": "every slot of the cell is taken",
    "ALREADY_WORKING": "the worker already holds a shift on that date (one per date)",
    "NO_CHANGE": "the operation would not change anything",
    "HARD_VIOLATION": "the edit would introduce a hard rule violation",
    "PINNED": "the edit would remove a pinned (mandatory) assignment",
    "FORCE_NOT_ALLOWED": "force=True was asked but the policy does not allow forcing",
    "STALE": "the edit was based on an older version of the cells it touches",
    "NOTHING_TO_UNDO": "the user has no edit left to undo",
    "NOTHING_TO_REDO": "the user has no undone edit left to redo",
    "UNDO_CONFLICT": "the cells of the edit were changed since by another edit",
    "UNAVAILABLE": "a needed component is not installed or not available",
    "LOCKED": "a cell, date or worker the edit touches is locked by another user",
    "CONFLICT_QUEUED": "the stale edit was queued for a person to accept or reject (manual)",
    "UNSUPPORTED": "this schedule cannot make the change (an absence on a store-shared schedule)",
}


def _plain(value: Any) -> Any:
    """``value`` made JSON-serialisable (numpy scalars, dates, tuples, frames, dataclasses)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [_plain(r) for r in value.to_dict(orient="records")]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return str(value)


def violation_dict(v: Any) -> dict[str, Any]:
    """A violation record as a plain dict (rule, severity, workers, dates, post, message, …)."""
    out: dict[str, Any] = _plain(v)
    return out


@dataclass(frozen=True, slots=True)
class OpResult:
    """The outcome of one edit (or of a preview, undo, redo or branch merge).

    ``ok`` is True when the edit was applied (for a preview: when it would be). When ``ok`` is
    False nothing changed and ``error`` holds one of :data:`ERROR_CODES`. ``op_id`` and
    ``version`` are the history id of the applied edit and the schedule version after it
    (``None``/unchanged version for refusals and previews). ``introduced``/``resolved`` are the
    violations the edit adds/removes; ``replaced`` lists the ids of workers taken out of a cell
    by an assign that replaced them; ``suggestions`` lists alternatives for a refused edit as
    dicts (``kind`` = ``"assign"``, ``"move"`` or ``"swap"`` plus the fields of that op and its
    score delta). ``forced`` is True when hard violations were accepted with ``force=True``.
    ``cells`` lists the changed slots as ``(date, post, slot)``.

    What a view needs to patch itself without re-diffing (indices, as the roster holds them):

    * ``slots`` — every slot the edit changed (for a preview: would change), in the order they
      were written, as ``(day, post, slot, old worker, new worker)`` index tuples (day: index
      into the calendar; post: shift type index; slot: index within the cell; workers: index
      into ``problem.workers``, -1 for an empty slot). The same sequence as the edit's event
      payload ``"slots"``; empty when nothing changed (refusals, ``NO_CHANGE``). Read it, never
      modify it.
    * :attr:`changed_cells` — the distinct ``(day, post)`` cells of ``slots``, derived on
      first read.
    * ``introduced`` / ``resolved`` — the rule engine's ``Delta`` records of the violations
      the edit added / removed (each with its ``key`` and anchors: ``rule``, ``workers``,
      ``dates``, ``post``); applying them to the violations before the edit (remove
      ``resolved`` by key, add ``introduced``) gives the violations after it. A violation whose
      penalty changed appears in both.
    """

    ok: bool
    message: str
    op_id: str | None = None
    version: int = 0
    introduced: tuple[Any, ...] = ()
    resolved: tuple[Any, ...] = ()
    suggestions: tuple[dict[str, Any], ...] = ()
    replaced: tuple[str, ...] = ()
    error: str | None = None
    forced: bool = False
    preview: bool = False
    kind: str = ""
    user: str | None = None
    cells: tuple[tuple[str, int, int], ...] = ()
    hard_delta: int = 0
    soft_delta: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    slots: Sequence[tuple[int, int, int, int, int]] = ()

    def __bool__(self) -> bool:
        return self.ok

    @property
    def changed_cells(self) -> tuple[tuple[int, int], ...]:
        """The distinct ``(day, post)`` index pairs of :attr:`slots`, in first-seen order."""
        return tuple(dict.fromkeys((d, s) for d, s, _k, _old, _new in self.slots))

    @property
    def suggestions_frame(self) -> pd.DataFrame:
        """``suggestions`` as a DataFrame (one row per alternative)."""
        return pd.DataFrame(list(self.suggestions))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of every field (violations as dicts)."""
        return {
            "ok": self.ok,
            "message": self.message,
            "op_id": self.op_id,
            "version": self.version,
            "kind": self.kind,
            "user": self.user,
            "error": self.error,
            "forced": self.forced,
            "preview": self.preview,
            "replaced": list(self.replaced),
            "cells": [list(c) for c in self.cells],
            "slots": [list(c) for c in self.slots],
            "hard_delta": int(self.hard_delta),
            "soft_delta": float(self.soft_delta),
            "introduced": [violation_dict(v) for v in self.introduced],
            "resolved": [violation_dict(v) for v in self.resolved],
            "suggestions": [_plain(s) for s in self.suggestions],
            "details": _plain(self.details),
        }

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"refused {self.error}"
        return (
            f"OpResult({state}, {self.message!r}, op_id={self.op_id!r}, version={self.version}, "
            f"introduced={len(self.introduced)}, resolved={len(self.resolved)})"
        )


applied_result: Callable[..., OpResult] = frozen_builder(
    OpResult,
    (
        "message",
        "op_id",
        "version",
        "introduced",
        "resolved",
        "replaced",
        "forced",
        "kind",
        "user",
        "cells",
        "hard_delta",
        "soft_delta",
        "details",
        "slots",
    ),
    {"ok": True, "suggestions": (), "error": None, "preview": False},
)
"""``applied_result(message, op_id, version, introduced, resolved, replaced, forced, kind,
user, cells, hard_delta, soft_delta, details, slots)``: the ``OpResult`` of an applied edit (``ok``
True, no error, no suggestions, not a preview), equal to ``OpResult(ok=True, ...)``."""


# An applied edit's result keeps what its lazy fields come from in the slots of two of them:
# ``introduced`` holds the rule engine's Delta, ``resolved`` the ISO date of each day index;
# ``cells`` is None until first read (see AppliedResult).
_DELTA = OpResult.__dict__["introduced"]
_ISO = OpResult.__dict__["resolved"]
_CELLS = OpResult.__dict__["cells"]


class AppliedResult(OpResult):
    """The :class:`OpResult` of an edit the pipeline applied: ``introduced`` and ``resolved``
    are read from the rule engine's ``Delta`` when first read (the rule engine builds an
    edit's violation records only when someone reads them), ``cells`` are derived from
    ``slots`` on first read. Equal to the ``OpResult`` with the same fields; copies, pickles
    and ``dataclasses.replace`` give a plain ``OpResult``. Built by :func:`edit_result`."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> OpResult:  # type: ignore[misc]
        # dataclasses.replace(result, ...) calls the class with every field: a plain result
        return OpResult(*args, **kwargs)

    @property
    def introduced(self) -> tuple[Any, ...]:
        return tuple(_DELTA.__get__(self, OpResult).introduced)

    @property
    def resolved(self) -> tuple[Any, ...]:
        return tuple(_DELTA.__get__(self, OpResult).resolved)

    @property
    def cells(self) -> tuple[tuple[str, int, int], ...]:
        cells = _CELLS.__get__(self, OpResult)
        if cells is None:
            iso = _ISO.__get__(self, OpResult)
            cells = tuple([(iso[d], s, k) for d, s, k, _old, _new in self.slots])
            _CELLS.__set__(self, cells)
        return cells

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELD_NAMES)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OpResult):
            return NotImplemented
        return self._fields() == tuple(getattr(other, name) for name in _FIELD_NAMES)

    __hash__ = OpResult.__hash__

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (OpResult, self._fields())


_FIELD_NAMES: tuple[str, ...] = tuple(OpResult.__dataclass_fields__)


def _edit_result_builder() -> Callable[..., AppliedResult]:
    draft = draft_class(OpResult)

    def edit_result(
        message: str,
        op_id: str,
        version: int,
        delta: Delta,
        iso: Sequence[str],
        replaced: tuple[str, ...],
        forced: bool,
        kind: str,
        user: str,
        hard_delta: int,
        soft_delta: float,
        details: dict[str, Any],
        slots: Sequence[tuple[int, int, int, int, int]],
    ) -> AppliedResult:
        """The :class:`AppliedResult` of an applied edit: ``introduced``/``resolved`` read
        from ``delta`` when read, ``cells`` derived from ``slots`` and ``iso`` (the ISO date
        of each day index) when read."""
        r: Any = draft()  # (a call of the class: cheaper than object.__new__(draft))
        r.ok = True
        r.message = message
        r.op_id = op_id
        r.version = version
        r.introduced = delta  # the _DELTA slot
        r.resolved = iso  # the _ISO slot
        r.suggestions = ()
        r.replaced = replaced
        r.error = None
        r.forced = forced
        r.preview = False
        r.kind = kind
        r.user = user
        r.cells = None
        r.hard_delta = hard_delta
        r.soft_delta = soft_delta
        r.details = details
        r.slots = slots
        r.__class__ = AppliedResult
        return r

    return edit_result


edit_result = _edit_result_builder()


def failure(code: str, message: str, *, kind: str = "", version: int = 0, **extra: Any) -> OpResult:
    """A refused :class:`OpResult` with error ``code`` (one of :data:`ERROR_CODES`); the
    message is kept under :data:`rtsched_widgets.limits.MAX_MESSAGE` characters."""
    assert code in ERROR_CODES, code
    return OpResult(
        ok=False, message=clip(message), error=code, kind=kind, version=version, **extra
    )


class OpError(Exception):
    """Raised inside the engine to refuse an edit; turned into a failed :class:`OpResult`.
    The message is kept under :data:`rtsched_widgets.limits.MAX_MESSAGE` characters."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        assert code in ERROR_CODES, code
        message = clip(message)
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra
