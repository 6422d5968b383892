"""The history record of an applied slot edit, kept as one flat tuple of integers.

A schedule keeps up to ``Policy.max_history`` records (100,000 by default), so what one record
holds is what the history costs. An edit of ``n`` slots is kept as ``changes``: the ``5 * n``
integers ``(day, post, slot, old worker, new worker)`` of each slot it changed (worker ``-1`` =
empty). The :class:`~rtsched_widgets.engine.history.OpRecord` fields a reader sees are derived
from it when read (``cells`` and ``after``, which undo and conflict checks read, are kept from
their first read on):

* ``cells``: ``(ISO date, post, slot)`` per changed slot, in the order of ``changes``;
* ``before`` / ``after``: cell -> worker id of the slots that held / hold a worker;
* ``inverse``: ``(day, post, slot, old worker)`` per slot — what puts the slots back.

A record is two objects: the record (no slot beyond ``OpRecord``'s: the change tuple and the
names are kept in the slots of ``inverse`` and ``before``, which are derived) and its change
tuple. Keeping two small objects per edit instead of a dozen containers also keeps the garbage
collector's young generation quiet: it collects after a fixed number of new container objects,
and a record of the history is one that stays.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from rtsched_widgets._drafts import draft_class
from rtsched_widgets.engine.history import OpRecord

__all__ = ["SlotRecord", "group_record", "slot_record"]

# SlotRecord adds no slot to OpRecord's: it keeps its change tuple and its names in the slots
# of two fields it derives (``inverse`` and ``before``), and the two fields read most once
# derived (``cells``, ``after``; None until then). The same layout lets slot_record() build
# it through a draft of OpRecord's layout (see rtsched_widgets._drafts).
_CHANGES = OpRecord.__dict__["inverse"]
_NAMES = OpRecord.__dict__["before"]
_CELLS = OpRecord.__dict__["cells"]
_AFTER = OpRecord.__dict__["after"]


class SlotRecord(OpRecord):
    """An :class:`OpRecord` whose ``cells``, ``before``, ``after`` and ``inverse`` come from a
    flat change tuple (see the module notes). Equal to another ``SlotRecord`` with the same
    fields; pickles as a plain ``OpRecord``."""

    __slots__ = ()

    @property
    def _changes(self) -> tuple[int, ...]:
        """The flat change tuple: ``(day, post, slot, old worker, new worker)`` per slot."""
        changes: tuple[int, ...] = _CHANGES.__get__(self, OpRecord)
        return changes

    @property
    def _names(self) -> tuple[Sequence[str], Sequence[str]]:
        """``(ISO date per day, worker id per worker)``: what the cells are named with."""
        names: tuple[Sequence[str], Sequence[str]] = _NAMES.__get__(self, OpRecord)
        return names

    @property
    def cells(self) -> tuple[Hashable, ...]:
        cells = _CELLS.__get__(self, OpRecord)
        if cells is None:
            cells = self._cells()
            _CELLS.__set__(self, cells)
        return cells

    @property
    def before(self) -> Mapping[Hashable, Any]:
        return self._values(3)

    @property
    def after(self) -> Mapping[Hashable, Any]:
        after = _AFTER.__get__(self, OpRecord)
        if after is None:
            after = self._values(4)
            _AFTER.__set__(self, after)
        return after

    @property
    def inverse(self) -> Any:
        ch = self._changes
        return tuple([(ch[i], ch[i + 1], ch[i + 2], ch[i + 3]) for i in range(0, len(ch), 5)])

    def _cells(self) -> tuple[Hashable, ...]:
        iso = self._names[0]
        ch = self._changes
        return tuple([(iso[ch[i]], ch[i + 1], ch[i + 2]) for i in range(0, len(ch), 5)])

    def holds_its_result(self, worker_at: Callable[[int, int, int], int]) -> bool:
        """Whether every slot this op changed still holds the worker it left there
        (``worker_at(day, post, slot)``: worker index or -1): reverting it then overwrites
        no later edit."""
        ch = self._changes
        for i in range(0, len(ch), 5):
            if worker_at(ch[i], ch[i + 1], ch[i + 2]) != ch[i + 4]:
                return False
        return True

    def _values(self, at: int) -> dict[Hashable, Any]:
        """cell -> worker id of the slots whose worker at offset ``at`` (3: old, 4: new) is
        not -1."""
        ids = self._names[1]
        ch = self._changes
        cells = self.cells
        return {
            cells[j]: ids[ch[i + at]] for j, i in enumerate(range(0, len(ch), 5)) if ch[i + at] >= 0
        }

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (
            OpRecord,
            (
                self.op_id,
                self.version,
                self.user,
                self.timestamp,
                self.kind,
                self.cells,
                dict(self.before),
                dict(self.after),
                self.inverse,
                self.forced,
                self.message,
                self.undoes,
            ),
        )


def _builder() -> Any:
    draft = draft_class(OpRecord)

    def slot_record(
        op_id: str,
        version: int,
        user: str,
        timestamp: float,
        kind: str,
        changes: tuple[int, ...],
        names: tuple[Sequence[str], Sequence[str]],
        forced: bool,
        message: str,
        undoes: str | None,
    ) -> SlotRecord:
        """A :class:`SlotRecord` built without ``OpRecord``'s field checks: for the engine,
        whose values are valid by construction. ``changes``: the flat change tuple; ``names``:
        ``(ISO date per day, worker id per worker)``."""
        rec: Any = draft()  # (a call of the class: cheaper than object.__new__(draft))
        rec.op_id = op_id
        rec.version = version
        rec.user = user
        rec.timestamp = timestamp
        rec.kind = kind
        rec.cells = None
        rec.before = names  # the _NAMES slot
        rec.after = None
        rec.inverse = changes  # the _CHANGES slot
        rec.forced = forced
        rec.message = message
        rec.undoes = undoes
        rec.__class__ = SlotRecord
        return rec

    return slot_record


slot_record = _builder()


def group_record(
    members: Sequence[OpRecord],
    names: tuple[Sequence[str], Sequence[str]],
    worker_at: Callable[[int, int, int], int] | None = None,
) -> OpRecord | None:
    """One record standing for ``members`` (newest first, as
    :meth:`~rtsched_widgets.engine.history.History.undo_group` lists them): each slot they
    changed goes from its value before the oldest to its value after the newest; slots that
    came back to where they started are left out, and with ``worker_at(day, post, slot)`` so
    are slots that no longer hold what the newest member left there (someone changed them
    since: reverting the group leaves their change alone). It carries the newest member's id,
    user and time, so reverting it reverts the group, and the oldest member's version, so
    edits made by others between the members count as made after it. ``None`` when a member is not a
    :class:`SlotRecord` (a group is undone one record at a time then)."""
    if not members or not all(isinstance(m, SlotRecord) for m in members):
        return None
    first_old: dict[tuple[int, int, int], int] = {}
    last_new: dict[tuple[int, int, int], int] = {}
    for member in reversed(members):  # oldest first
        ch = member._changes  # type: ignore[attr-defined]
        for i in range(0, len(ch), 5):
            key = (ch[i], ch[i + 1], ch[i + 2])
            first_old.setdefault(key, ch[i + 3])
            last_new[key] = ch[i + 4]
    changes = tuple(
        x
        for key, old in first_old.items()
        if old != last_new[key] and (worker_at is None or worker_at(*key) == last_new[key])
        for x in (*key, old, last_new[key])
    )
    top = members[0]
    return slot_record(
        top.op_id,
        members[-1].version,
        top.user,
        top.timestamp,
        top.kind,
        changes,
        names,
        any(m.forced for m in members),
        f"{len(members)} edits: {members[-1].message} … {top.message}",
        None,
    )
