"""Edit operations as frozen dataclasses, and the parser of their dict (protocol) form.

An operation says *what* to change; *who* changes it, whether hard violations are forced and
which version the client saw are arguments of ``Schedule.apply``. Addresses are given as the user
gives them (a date, ISO string or datetime64; a post index or shift type id; a worker id) and are
resolved, with clear errors, by the schedule.

Dict form (one key ``"op"`` naming the kind, every other key a field; unknown keys are errors)::

    {"op": "assign", "worker": "W01", "date": "2026-01-05", "post": 0, "slot": None}
    {"op": "unassign", "date": "2026-01-05", "post": 0, "slot": None, "worker": None}
    {"op": "swap", "a": ["2026-01-05", 0], "b": ["2026-01-07", 1, 0]}
    {"op": "move", "src": ["2026-01-05", 0], "dst": ["2026-01-07", 1]}
    {"op": "bulk", "ops": [ ... ]}

``swap``/``move`` also accept ``date1, post1, slot1, date2, post2, slot2`` instead of
``a``/``b`` (``src``/``dst``), as the original design's protocol did.

Hostile input is refused, never crashes the parser: a bulk nested deeper than
:data:`rtsched_widgets.limits.MAX_NESTING` levels is MALFORMED (naming the limit), and values
echoed in error messages are abbreviated (:func:`rtsched_widgets.limits.abbreviate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from rtsched_widgets._drafts import frozen_builder
from rtsched_widgets.engine.result import OpError
from rtsched_widgets.limits import MAX_NESTING, abbreviate, clip

__all__ = ["Assign", "Bulk", "Cell", "Move", "Op", "Swap", "Unassign", "cell", "parse_op"]


@dataclass(frozen=True, slots=True)
class Cell:
    """A slot address: ``date`` and ``post`` as given by the user; ``slot`` None = "the one".

    For a swap or move source, ``slot=None`` means the only occupied slot of the cell (an error
    when several are occupied); for a destination it means the first free slot.
    """

    date: Any
    post: Any
    slot: int | None = None

    def to_list(self) -> list[Any]:
        """``[date, post, slot]`` (dates as ISO strings when they are dates)."""
        d = self.date.isoformat() if hasattr(self.date, "isoformat") else self.date
        return [str(d) if not isinstance(d, str) else d, self.post, self.slot]


@dataclass(frozen=True, slots=True)
class Assign:
    """Put ``worker`` into cell ``(date, post)``: into ``slot`` when given (replacing its
    occupant), else into the first free slot; a full one-slot cell has its occupant replaced."""

    worker: Any
    date: Any
    post: Any
    slot: int | None = None
    kind = "assign"

    def to_dict(self) -> dict[str, Any]:
        """The dict form (see the module docstring)."""
        c = Cell(self.date, self.post, self.slot).to_list()
        return {"op": "assign", "worker": self.worker, "date": c[0], "post": c[1], "slot": c[2]}


@dataclass(frozen=True, slots=True)
class Unassign:
    """Empty cell ``(date, post)``: the given ``slot``, or the slot of ``worker``, or — when the
    cell holds exactly one worker — that worker's slot."""

    date: Any
    post: Any
    slot: int | None = None
    worker: Any = None
    kind = "unassign"

    def to_dict(self) -> dict[str, Any]:
        """The dict form (see the module docstring)."""
        c = Cell(self.date, self.post, self.slot).to_list()
        out = {"op": "unassign", "date": c[0], "post": c[1], "slot": c[2]}
        if self.worker is not None:
            out["worker"] = self.worker
        return out


@dataclass(frozen=True, slots=True)
class Swap:
    """Exchange the workers of slots ``a`` and ``b`` (an empty side makes it a move)."""

    a: Cell
    b: Cell
    kind = "swap"

    def to_dict(self) -> dict[str, Any]:
        """The dict form (see the module docstring)."""
        return {"op": "swap", "a": self.a.to_list(), "b": self.b.to_list()}


@dataclass(frozen=True, slots=True)
class Move:
    """Move the worker of slot ``src`` into slot ``dst`` (which must be free)."""

    src: Cell
    dst: Cell
    kind = "move"

    def to_dict(self) -> dict[str, Any]:
        """The dict form (see the module docstring)."""
        return {"op": "move", "src": self.src.to_list(), "dst": self.dst.to_list()}


@dataclass(frozen=True, slots=True)
class Bulk:
    """Several operations applied in order as one atomic edit (all or nothing)."""

    ops: tuple[Assign | Unassign | Swap | Move | Bulk, ...]
    kind = "bulk"

    def to_dict(self) -> dict[str, Any]:
        """The dict form (see the module docstring)."""
        return {"op": "bulk", "ops": [o.to_dict() for o in self.ops]}


Op: TypeAlias = Assign | Unassign | Swap | Move | Bulk
OP_TYPES = (Assign, Unassign, Swap, Move, Bulk)


def cell(value: Any, field_name: str = "cell") -> Cell:
    """A :class:`Cell` from a Cell, ``(date, post)``, ``(date, post, slot)`` or a dict with
    ``date``, ``post`` and optional ``slot``; :class:`OpError` MALFORMED otherwise."""
    cls = type(value)
    if (cls is tuple or cls is list) and len(value) == 2:  # the common form, checked first
        return new_cell(value[0], value[1], None)
    if isinstance(value, Cell):
        return value
    if isinstance(value, Mapping):
        extra = set(value) - {"date", "post", "slot"}
        if extra or "date" not in value or "post" not in value:
            raise OpError(
                "MALFORMED",
                f"{field_name}: expected keys date, post and optional slot, got {_keys(value)}",
            )
        return Cell(value["date"], value["post"], _slot(value.get("slot"), field_name))
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) in (2, 3):
        slot = _slot(value[2] if len(value) == 3 else None, field_name)
        return Cell(value[0], value[1], slot)
    raise OpError(
        "MALFORMED",
        f"{field_name}: {abbreviate(value)} is not a cell address — give (date, post) or "
        "(date, post, slot)",
    )


def _slot(value: Any, field_name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise OpError(
            "MALFORMED",
            f"{field_name}.slot: {abbreviate(value)} is not a slot number — give an int >= 0",
        )
    return int(value)


_FIELDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "assign": ({"worker", "date", "post"}, {"slot"}),
    "unassign": ({"date", "post"}, {"slot", "worker"}),
    "swap": (set(), {"a", "b", "date1", "post1", "slot1", "date2", "post2", "slot2"}),
    "move": (set(), {"src", "dst", "date1", "post1", "slot1", "date2", "post2", "slot2"}),
    "bulk": ({"ops"}, set()),
}


# The facade builds one op per edit, through a draft (see ``rtsched_widgets._drafts``): the
# same frozen record as the dataclass call in a third of the time.
new_assign: Callable[[Any, Any, Any, int | None], Assign] = frozen_builder(
    Assign, ("worker", "date", "post", "slot")
)
"""``new_assign(worker, date, post, slot)``: ``Assign(worker, date, post, slot)``."""
new_cell: Callable[[Any, Any, int | None], Cell] = frozen_builder(Cell, ("date", "post", "slot"))
"""``new_cell(date, post, slot)``: ``Cell(date, post, slot)``."""
new_swap: Callable[[Cell, Cell], Swap] = frozen_builder(Swap, ("a", "b"))
"""``new_swap(a, b)``: ``Swap(a, b)``."""
new_move: Callable[[Cell, Cell], Move] = frozen_builder(Move, ("src", "dst"))
"""``new_move(src, dst)``: ``Move(src, dst)``."""
new_unassign: Callable[[Any, Any, int | None, Any], Unassign] = frozen_builder(
    Unassign, ("date", "post", "slot", "worker")
)
"""``new_unassign(date, post, slot, worker)``: ``Unassign(date, post, slot, worker)``."""


def _keys(value: Mapping[Any, Any]) -> str:
    """The keys of a mapping for a message: sorted when they can be, at most a few, short."""
    keys = list(value)[:8]
    try:
        keys.sort()
    except TypeError:  # keys of several types
        keys.sort(key=repr)
    more = f" and {len(value) - 8} more" if len(value) > 8 else ""
    return "[" + ", ".join(abbreviate(k, 30) for k in keys) + "]" + more


def nesting_error(where: str) -> OpError:
    """The MALFORMED error of a bulk nested deeper than :data:`MAX_NESTING` levels."""
    return OpError(
        "MALFORMED",
        f"{clip(where, 120)}: bulk operations nested more than MAX_NESTING = {MAX_NESTING} levels "
        "deep — flatten them into one bulk (a bulk's operations apply in order anyway)",
    )


def parse_op(value: Any, where: str = "op", _depth: int = 0) -> Op:
    """An operation from an Op instance or its dict form; :class:`OpError` MALFORMED naming the
    offending field (``where`` prefixes it, e.g. ``ops[3].worker``) otherwise — also for bulks
    nested more than :data:`~rtsched_widgets.limits.MAX_NESTING` levels deep."""
    if isinstance(value, OP_TYPES):
        return value
    if not isinstance(value, Mapping):
        raise OpError(
            "MALFORMED",
            f"{where}: {type(value).__name__} is not an operation — give an Assign/Unassign/"
            "Swap/Move/Bulk or a dict with key 'op'",
        )
    kind = value.get("op", value.get("kind"))
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise OpError(
            "MALFORMED",
            f"{where}.op: {abbreviate(kind)} is not one of {sorted(_FIELDS)} — name the kind",
        )
    required, optional = _FIELDS[kind]
    keys = set(value) - {"op", "kind"}
    unknown = keys - required - optional
    if unknown:
        raise OpError(
            "MALFORMED",
            f"{where}: unknown field(s) {_keys(dict.fromkeys(unknown))} for {kind!r} — "
            f"allowed: {sorted(required | optional)}",
        )
    missing = required - keys
    if missing:
        raise OpError("MALFORMED", f"{where}: {kind!r} needs field(s) {sorted(missing)}")
    if kind == "assign":
        return Assign(
            value["worker"], value["date"], value["post"], _slot(value.get("slot"), where)
        )
    if kind == "unassign":
        return Unassign(
            value["date"], value["post"], _slot(value.get("slot"), where), value.get("worker")
        )
    if kind == "bulk":
        ops = value["ops"]
        if isinstance(ops, str | bytes | Mapping) or not isinstance(ops, Iterable):
            raise OpError("MALFORMED", f"{where}.ops: give a list of operations")
        if _depth >= MAX_NESTING:
            raise nesting_error(where)
        return Bulk(tuple(parse_op(o, f"{where}.ops[{i}]", _depth + 1) for i, o in enumerate(ops)))
    first, second = ("a", "b") if kind == "swap" else ("src", "dst")
    if first in keys or second in keys:
        if first not in keys or second not in keys or keys & {"date1", "date2"}:
            raise OpError(
                "MALFORMED", f"{where}: {kind!r} needs both {first!r} and {second!r} (only)"
            )
        one, two = cell(value[first], f"{where}.{first}"), cell(value[second], f"{where}.{second}")
    else:
        need = {"date1", "post1", "date2", "post2"}
        if need - keys:
            raise OpError(
                "MALFORMED",
                f"{where}: {kind!r} needs {first!r}/{second!r} or fields {sorted(need - keys)}",
            )
        one = Cell(value["date1"], value["post1"], _slot(value.get("slot1"), where))
        two = Cell(value["date2"], value["post2"], _slot(value.get("slot2"), where))
    return Swap(one, two) if kind == "swap" else Move(one, two)
