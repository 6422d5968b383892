"""The message protocol between a ScheduleGrid and its views (mirrored by js/src/grid/protocol.ts).

Small state (view, selection, filters, theme, connection status) is synced traitlets. Schedule
data travels as custom messages, all JSON objects with a ``type``:

Up (a view to Python); every message carries ``view_id`` (str, at most 64 characters):

``hello``       ``{type, view_id, user?, name?}`` — asks for a snapshot; ``user`` (str) is the
                key of who is looking (presence), ``name`` their display name. Sent on render
                and whenever the view sees a version gap.
``presence``    ``{type, view_id, user, name?}`` — who is looking at this view (learnt after
                hello from the Jupyter server's ``/api/me``: ``user`` is the server's unique
                user name, the key every edit and undo is made as; ``name`` the display name
                shown to people, see :mod:`rtsched_widgets.widgets.identity`); updates
                ``viewers`` and ``names``, sends nothing.
``bye``         ``{type, view_id}`` — the view is going away (presence).
``select``      ``{type, view_id, view, r, c, sel?}`` — the view's focused cell, in data
                coordinates of its layout (``view`` "coverage": ``r`` day, ``c`` post; "roster":
                ``r`` worker, ``c`` day); shown to the other users (trait ``presence``).
                ``sel`` = ``[r0, c0, r1, c1]``: the view's selected range (displayed row and
                column indices, inclusive, ``0 <= r0 <= r1``, ``0 <= c0 <= c1``, rows below the
                row count and columns below the column count of ``view``), which becomes trait
                ``selection``; trait and presence reach the views in one update.
                ``rows`` (optional, sent when the view filters its rows): the data rows
                (days or workers) of the displayed rows ``r0..r1``, in order; without it the
                displayed rows are the data rows. The grid keeps each view's block
                (:meth:`ScheduleGrid.selected_block`).
``edit``        ``{type, view_id, request_id, base_version, op, force?}`` — one edit; ``op`` is
                one of (``d`` day index, ``s`` post index, ``k`` slot index or null = first
                fitting slot, ``w`` worker index)::

                    {k: "assign",   w, d, s, slot?}
                    {k: "unassign", d, s, slot?}
                    {k: "swap",     a: [d, s, slot], b: [d, s, slot]}
                    {k: "move",     a: [d, s, slot], b: [d, s]}
                    {k: "bulk",     ops: [op, ...]}     (atomic; at most MAX_BULK_OPS ops,
                                                         nested bulk forbidden)

                ``base_version`` is the schedule version (``sv``) the view saw (int >= 0) or
                null for "don't check"; ``force`` (bool, default false) applies an edit that
                breaks hard rules, when the engine's policy allows it.
``undo``/``redo`` ``{type, view_id, request_id}`` — undo/redo the last edit of the grid's user.
``suggest``     ``{type, view_id, request_id, d, s}`` — ranked candidates for cell (d, s).
``violations``  ``{type, view_id}`` — asks for the full violation list (sent when a patch said
                ``vt: 1``, i.e. it left violation details out to stay small).

Down (Python to views):

``snapshot``    to one view (``view_id``)::

                    {type, view_id, v, sv, start: iso date, days: int, flags: digits,
                     posts: [label], workers: [[id, name, colour]], max: digits | [int],
                     req: digits | [int], cells: [w or -1], pins: [[d, s, slotmask]],
                     viol: [violation], locks: [lock], sid: str}

                ``sid`` names the schedule in the kernel: every grid of one schedule sends the
                same, so that views of different grids on one page can repaint a change
                together. The dates are ``days`` consecutive dates from ``start``. Per-(d, s)
                values are flattened day-major (index ``d * len(posts) + s``); "digits" is a
                string of one decimal digit per item (sent when every value is 0-9, else a list
                of ints). ``cells`` concatenates the slots of every cell in that order,
                ``max[i]`` worker indices (or -1) for cell ``i``. ``flags`` has one digit per
                date: 1 weekend, 2 holiday, 4 pre-holiday, summed. A violation is
                ``[id, d, s, w, hard (0/1), rule, message]`` (``d``/``s``/``w`` = -1 when the
                violation has no such coordinate).
``patch``       to every view: ``{type: "patch", v, sv, c?: [[d, s, slots, pinmask]],
                va?: [violation], vr?: [id], vt?: 1}``. ``v`` counts patches of this grid
                (consecutive: a view that sees ``v`` jump by more than one sends ``hello``);
                ``sv`` is the schedule version after the change. A single edit's patch stays
                under :data:`PATCH_BUDGET` bytes whatever the schedule size: violation
                messages are trimmed and, when still too big, left out (``vt: 1``).
``locks``       to every view, whenever the live locks of the schedule's collaboration
                session change (taken, released, expired): ``{type: "locks", locks: [lock]}``,
                the whole list (it replaces the previous one). A lock is ``["cell", d, s,
                holder]``, ``["row", d, -1, holder]`` or ``["worker", w, -1, holder]``; a view
                marks the cells covered by locks of users other than its own.
``reply``       to the asking view: ``{type, view_id, request_id, ok, message, code?, sv?,
                alts?: [[w, delta]], items?, detail?, force?}``; ``alts`` are the alternatives
                of a refused edit; ``items`` (suggest only) are ``[w, delta, feasible (0/1),
                reasons]``. ``message`` is in the planner's terms (names, dates with weekday,
                post names; see :mod:`rtsched_widgets.widgets.wording`) and short; ``detail``
                is the full explanation when ``message`` is a summary; ``force`` is 1 on a
                refusal the schedule's policy lets people push through ("Apply anyway": the
                same edit sent again with ``force: true``, its reason recorded in the audit).
``violations``  to the asking view: ``{type, view_id, v, viol: [violation]}``.
``error``       to every view, when the message had no usable ``view_id``:
                ``{type, message}``.

Every malformed or hostile message (not a dict, wrong types, out-of-range or huge numbers,
unknown kinds, missing fields, values nested deeper than
:data:`~rtsched_widgets.limits.MAX_NESTING` levels, huge strings) gets an error reply naming
the field and changes nothing; a value it echoes is abbreviated
(:func:`~rtsched_widgets.limits.abbreviate`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rtsched_widgets.limits import MAX_NESTING, abbreviate

PATCH_BUDGET = 512
MAX_BULK_OPS = 5000
MAX_ID_LENGTH = 64
MAX_MESSAGE_LENGTH = 96
FLAG_WEEKEND, FLAG_HOLIDAY, FLAG_PRE_HOLIDAY = 1, 2, 4

UP_TYPES = ("hello", "presence", "bye", "select", "edit", "undo", "redo", "suggest", "violations")
OP_KINDS = ("assign", "unassign", "swap", "move", "bulk")

Violation = list[Any]  # [id, d, s, w, hard, rule, message]


class ProtocolError(ValueError):
    """A message broke the protocol; ``str()`` starts with the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class GridShape:
    """What a message may address: day, post, worker indices and per-cell slot counts."""

    n_days: int
    n_posts: int
    n_workers: int
    slots: np.ndarray  # (n_days, n_posts) int: slot count per cell


@dataclass(frozen=True)
class Op:
    """A validated edit: ``kind`` plus the indices it needs (-1 = not given / first slot)."""

    kind: Literal["assign", "unassign", "swap", "move", "bulk"]
    w: int = -1
    d: int = -1
    s: int = -1
    slot: int | None = None
    b: tuple[int, int, int | None] | None = None  # target of swap/move
    ops: tuple[Op, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        """The JSON form this op arrives in (inverse of :func:`parse_op`)."""
        if self.kind == "bulk":
            return {"k": "bulk", "ops": [o.to_wire() for o in self.ops]}
        if self.kind in ("swap", "move"):
            assert self.b is not None
            b = list(self.b) if self.kind == "swap" else list(self.b[:2])
            return {"k": self.kind, "a": [self.d, self.s, self.slot], "b": b}
        out: dict[str, Any] = {"k": self.kind, "d": self.d, "s": self.s, "slot": self.slot}
        if self.kind == "assign":
            out["w"] = self.w
        return out


@dataclass(frozen=True)
class Message:
    """A validated up message."""

    type: str
    view_id: str
    request_id: str = ""
    base_version: int | None = None
    op: Op | None = None
    force: bool = False
    d: int = -1
    s: int = -1
    user: str | None = None
    #: ``hello``/``presence``: the display name of ``user``, if the view sent it
    name: str | None = None
    view: str = ""
    #: ``select``: the selected range [r0, c0, r1, c1] (displayed indices), if the view sent it
    sel: tuple[int, int, int, int] | None = None
    #: ``select``: the data rows of the displayed rows r0..r1 (sent by a filtered view)
    rows: tuple[int, ...] | None = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _index(value: Any, size: int, field: str) -> int:
    if not _is_int(value) or not 0 <= value < size:
        raise ProtocolError(field, f"expected an integer in [0, {size}), got {_short(value)}")
    return int(value)


def _short(value: Any) -> str:
    """``value`` as echoed in an error: abbreviated, never raising, whatever its size or depth."""
    return abbreviate(value)


def _part(key: Any) -> str:
    """One step of a field path: ``.name`` for a short plain key, ``[...]`` otherwise."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    if isinstance(key, str) and key.isidentifier() and len(key) <= 32:
        return f".{key}"
    return f"[{abbreviate(key, 20)}]"


def _path(parts: Sequence[Any], keep: int = 3) -> str:
    """The field named by ``parts`` (keys and indices), its first ``keep`` steps when longer."""
    text = "".join(_part(k) for k in parts[:keep]).lstrip(".")
    return text + "…" if len(parts) > keep else text


def check_nesting(value: Any, limit: int = MAX_NESTING) -> None:
    """Raise :class:`ProtocolError` naming the field when ``value`` (a message) nests lists
    and objects more than ``limit`` levels deep (the message itself is level 0).

    Walks without recursion and visits each container at most once per depth, so a 10,000-deep
    list, a wide message and a structure that contains itself are all checked in time and
    memory bounded by the message's size and ``limit``.
    """
    seen: dict[int, int] = {}
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 0, ())]
    while stack:
        node, depth, parts = stack.pop()
        if isinstance(node, dict):
            items: Any = node.items()
        elif isinstance(node, list | tuple):
            items = enumerate(node)
        else:
            continue
        if depth > limit:
            raise ProtocolError(
                _path(parts) or "message",
                f"nested more than {limit} levels deep (rtsched_widgets.limits.MAX_NESTING) — "
                "send flat lists and objects",
            )
        if seen.get(id(node), -1) >= depth:
            continue
        seen[id(node)] = depth
        for key, item in items:
            if isinstance(item, dict | list | tuple):
                stack.append((item, depth + 1, (*parts[:4], key)))


def _text(value: Any, field: str, *, limit: int = MAX_ID_LENGTH) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError(field, f"expected a non-empty string of at most {limit} characters")
    return value


def view_id_of(content: Any) -> str | None:
    """The message's ``view_id`` when it is usable (a short non-empty string), else None."""
    if not isinstance(content, dict):
        return None
    view_id = content.get("view_id")
    if isinstance(view_id, str) and 0 < len(view_id) <= MAX_ID_LENGTH:
        return view_id
    return None


def request_id_of(content: Any) -> str:
    """The message's ``request_id`` when it is a short string, else ``""``."""
    rid = content.get("request_id") if isinstance(content, dict) else None
    return rid if isinstance(rid, str) and len(rid) <= MAX_ID_LENGTH else ""


def _cell(value: Any, shape: GridShape, field: str, *, slot: bool) -> tuple[int, int, int | None]:
    size = 3 if slot else 2
    if not isinstance(value, list) or len(value) not in (2, 3) or (not slot and len(value) != 2):
        raise ProtocolError(
            field, f"expected [d, s{', slot' if slot else ''}], got {_short(value)}"
        )
    d = _index(value[0], shape.n_days, f"{field}[0]")
    s = _index(value[1], shape.n_posts, f"{field}[1]")
    k = value[2] if len(value) == size == 3 else None
    return d, s, _slot(k, shape, d, s, f"{field}[2]")


def _slot(value: Any, shape: GridShape, d: int, s: int, field: str) -> int | None:
    if value is None:
        return None
    return _index(value, max(int(shape.slots[d, s]), 1), field)


def parse_op(value: Any, shape: GridShape, field: str = "op", *, nested: bool = False) -> Op:
    """Validate one edit op against ``shape``; ProtocolError names the bad field."""
    if not isinstance(value, dict):
        raise ProtocolError(field, f"expected an object with a kind 'k', got {_short(value)}")
    kind = value.get("k")
    if kind not in OP_KINDS:
        raise ProtocolError(f"{field}.k", f"unknown op kind {_short(kind)}; use one of {OP_KINDS}")
    if kind == "bulk":
        if nested:
            raise ProtocolError(f"{field}.k", "a bulk op cannot contain another bulk op")
        ops = value.get("ops")
        if not isinstance(ops, list) or not 0 < len(ops) <= MAX_BULK_OPS:
            raise ProtocolError(f"{field}.ops", f"expected a list of 1 to {MAX_BULK_OPS} ops")
        return Op(
            "bulk",
            ops=tuple(
                parse_op(o, shape, f"{field}.ops[{i}]", nested=True) for i, o in enumerate(ops)
            ),
        )
    if kind in ("swap", "move"):
        a = _cell(value.get("a"), shape, f"{field}.a", slot=True)
        b = _cell(value.get("b"), shape, f"{field}.b", slot=kind == "swap")
        return Op(kind, d=a[0], s=a[1], slot=a[2], b=b)
    d = _index(value.get("d"), shape.n_days, f"{field}.d")
    s = _index(value.get("s"), shape.n_posts, f"{field}.s")
    slot = _slot(value.get("slot"), shape, d, s, f"{field}.slot")
    if kind == "unassign":
        return Op("unassign", d=d, s=s, slot=slot)
    w = _index(value.get("w"), shape.n_workers, f"{field}.w")
    return Op("assign", w=w, d=d, s=s, slot=slot)


def _range(content: Any, rows: int, cols: int) -> tuple[int, int, int, int] | None:
    """The ``sel`` of a select message (None when absent); raises ProtocolError."""
    sel = content.get("sel")
    if sel is None:
        return None
    if not isinstance(sel, list) or len(sel) != 4:
        raise ProtocolError("sel", f"expected [r0, c0, r1, c1], got {_short(sel)}")
    r0 = _index(sel[0], rows, "sel[0] (r0)")
    c0 = _index(sel[1], cols, "sel[1] (c0)")
    r1 = _index(sel[2], rows, "sel[2] (r1)")
    c1 = _index(sel[3], cols, "sel[3] (c1)")
    if r1 < r0 or c1 < c0:
        raise ProtocolError("sel", f"expected r0 <= r1 and c0 <= c1, got {_short(sel)}")
    return (r0, c0, r1, c1)


def _data_rows(
    content: Any, rows: int, sel: tuple[int, int, int, int] | None
) -> tuple[int, ...] | None:
    """The ``rows`` of a select message (None when absent); raises ProtocolError."""
    value = content.get("rows")
    if value is None:
        return None
    if sel is None:
        raise ProtocolError("rows", "rows needs sel (the range whose rows they are)")
    if not isinstance(value, list) or len(value) != sel[2] - sel[0] + 1:
        raise ProtocolError(
            "rows", f"expected {sel[2] - sel[0] + 1} data row(s) for sel, got {_short(value)}"
        )
    return tuple(_index(r, rows, f"rows[{i}]") for i, r in enumerate(value))


def parse_message(content: Any, shape: GridShape) -> Message:
    """Validate an up message (see the module docstring); raises ProtocolError.

    The caller has already checked :func:`view_id_of`; this checks everything else.
    """
    view_id = view_id_of(content)
    if view_id is None:
        raise ProtocolError("view_id", "every message needs a string view_id (1-64 chars)")
    check_nesting(content)
    kind = content.get("type")
    if kind not in UP_TYPES:
        raise ProtocolError("type", f"unknown message {_short(kind)}; use one of {UP_TYPES}")
    if kind in ("hello", "presence", "bye", "violations"):
        user = content.get("user")
        if user is not None or kind == "presence":
            user = _text(user, "user")
        name = content.get("name")
        if name is not None:
            name = _text(name, "name")
        if kind not in ("hello", "presence"):
            user = name = None
        return Message(kind, view_id, user=user, name=name)
    if kind == "select":
        view = content.get("view")
        if view not in ("coverage", "roster"):
            raise ProtocolError("view", f"expected 'coverage' or 'roster', got {_short(view)}")
        rows, cols = (
            (shape.n_days, shape.n_posts) if view == "coverage" else (shape.n_workers, shape.n_days)
        )
        r = _index(content.get("r"), rows, "r")
        c = _index(content.get("c"), cols, "c")
        sel = _range(content, rows, cols)
        return Message(
            kind, view_id, d=r, s=c, view=view, sel=sel, rows=_data_rows(content, rows, sel)
        )
    request_id = _text(content.get("request_id"), "request_id")
    if kind in ("undo", "redo"):
        return Message(kind, view_id, request_id)
    if kind == "suggest":
        d = _index(content.get("d"), shape.n_days, "d")
        s = _index(content.get("s"), shape.n_posts, "s")
        return Message(kind, view_id, request_id, d=d, s=s)
    base = content.get("base_version")
    if base is not None and (not _is_int(base) or not 0 <= base < 2**53):
        raise ProtocolError("base_version", f"expected null or an integer >= 0, got {_short(base)}")
    force = content.get("force", False)
    if not isinstance(force, bool):
        raise ProtocolError("force", f"expected true or false, got {_short(force)}")
    op = parse_op(content.get("op"), shape)
    return Message("edit", view_id, request_id, base_version=base, op=op, force=force)


def digits(values: Any) -> str | list[int]:
    """``values`` (integers) as a string of decimal digits when all are 0-9, else a list."""
    arr = np.asarray(values, dtype=np.int64).reshape(-1)
    if arr.size and (arr.min() < 0 or arr.max() > 9):
        return [int(x) for x in arr.tolist()]
    return (arr.astype(np.uint8) + ord("0")).tobytes().decode("ascii")


def trim(text: Any, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut)."""
    out = "" if text is None else str(text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def encoded_size(message: dict[str, Any]) -> int:
    """Bytes of ``message`` as compact UTF-8 JSON (what the comm sends, give or take framing)."""
    return len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())


def make_patch(
    v: int,
    sv: int,
    cells: Sequence[list[Any]],
    added: Sequence[Violation],
    removed: Sequence[int],
) -> dict[str, Any]:
    """A patch message within :data:`PATCH_BUDGET` when it can be (see the module docstring)."""
    patch: dict[str, Any] = {"type": "patch", "v": v, "sv": sv}
    if cells:
        patch["c"] = list(cells)
    if removed:
        patch["vr"] = list(removed)
    if added:
        patch["va"] = [[*a[:6], trim(a[6])] for a in added]
        if encoded_size(patch) > PATCH_BUDGET:
            patch["va"] = [[*a[:6], trim(a[6], 24)] for a in added]
        if encoded_size(patch) > PATCH_BUDGET:
            patch["va"] = [[*a[:6], ""] for a in added]
            patch["vt"] = 1
    return patch
