"""Maintained violations of a rule with at most one violation per anchor, held as one int each.

Some rules have at most one violation at each anchor, and its record is a function of the
anchor and one integer of the state when it was found (the cover rules: a (day, shift) cell
and the number of people on it). For those the validator keeps no record objects and no
index: ``AnchoredStore`` holds one machine integer per anchor (the rule's *value* of the
violation there, or ``ABSENT``) and builds a ``Violation`` only when one is read — an edit's
introduced and resolved records (when its ``Delta`` is read), ``violations()``; an edit's
score change needs no record (``penalty_at``). A schedule with no one assigned has a
cover violation on every cell; held this way they cost 4 bytes a cell instead of a record,
its message, its key and an index entry.

The store is the validator's map key -> record of such a rule (``store[key]``, iteration over
the keys, ``values()``, ``len``); its ``index`` (an ``AnchorIndex`` over the same values) is
the map anchor -> keys (``get(anchor)``: the one key there, or the default).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.base import Violation
    from rtsched_widgets.rules.state import LiveState, Tables

ABSENT = -1
"""The value of an anchor without a violation (rule values are >= 0)."""


class AnchoredRecords(Protocol):
    """What a rule with at most one violation per anchor tells the store (see the module
    notes). Anchors are ``0 … n_anchors() - 1``; values are ints in ``0 … 2**31 - 1``."""

    def n_anchors(self) -> int:
        """The size of the rule's anchor space."""
        ...

    def anchor_of(self, key: tuple) -> int:
        """The one anchor of the violation with ``key``."""
        ...

    def key_at(self, anchor: int) -> tuple:
        """The key of the violation at ``anchor``."""
        ...

    def value_now(self, state: LiveState, anchor: int) -> int:
        """The value of the violation at ``anchor`` in ``state``, ``ABSENT`` when there is
        none there (whether there is one: as ``local`` decides)."""
        ...

    def record_at(self, anchor: int, value: int) -> Violation:
        """The record of the violation at ``anchor`` with ``value``."""
        ...

    def penalty_at(self, anchor: int, value: int) -> float:
        """``record_at(anchor, value).penalty`` (the same float), without the record."""
        ...

    def full_values(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every violation of ``roster``: anchors (ascending), values and penalties."""
        ...


class PerWorkerAnchors:
    """The ``AnchoredRecords`` methods a rule shares when it has at most one violation per
    worker: anchor ``w``, key ``(name, w)``, record ``record(w, value)``. The rule itself says
    what the value is (``value_now``, ``penalty_at``, ``full_values``). Put it before ``Rule``
    among the bases."""

    name: ClassVar[str]
    t: Tables

    def record(self, w: int, value: int) -> Violation:
        """The record of worker ``w``'s violation with ``value``."""
        raise NotImplementedError

    def anchored(self) -> AnchoredRecords:
        """This rule: a worker holds at most one violation, rebuilt from the worker and the
        value when read."""
        return self

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1],)

    def n_anchors(self) -> int:
        return self.t.n_w

    def anchor_of(self, key: tuple) -> int:
        return int(key[1])

    def key_at(self, anchor: int) -> tuple:
        return (self.name, anchor)

    def record_at(self, anchor: int, value: int) -> Violation:
        return self.record(anchor, value)

    def penalty_at(self, anchor: int, value: int) -> float:
        raise NotImplementedError

    def value_now(self, state: LiveState, anchor: int) -> int:
        raise NotImplementedError

    def full_values(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError


class AnchoredStore:
    """One value per anchor of ``rule`` (``ABSENT`` where there is no violation) and the
    number of violations held; see the module notes.

    ``held`` (an ``array('i')``, the value per anchor) and ``size`` (the number of anchors not
    ``ABSENT``) are public: the validator compares and writes them on its edit path, an
    edit's change at an anchor being the pair of values (held, new).

    ``record(anchor, value)`` keeps the last records it built (a few, dropped when more
    accumulate): an edit often resolves what the edit before it introduced (an unassign,
    then the assign that puts the worker back), and reading one of those gives the very
    record, without building it again (a record is a function of its anchor and value)."""

    __slots__ = ("_recent", "_rule", "held", "index", "size")

    RECENT = 32
    """How many records ``record`` keeps at most (all are dropped when one more comes)."""

    def __init__(self, rule: AnchoredRecords, held: array, size: int) -> None:
        self._rule = rule
        self.held = held
        self.size = size
        self._recent: dict[int, tuple[int, Violation]] = {}
        self.index = AnchorIndex(self)

    @classmethod
    def of_roster(
        cls, rule: AnchoredRecords, problem: Problem, roster: Roster
    ) -> tuple[AnchoredStore, np.ndarray]:
        """The store of every violation of ``roster``, and their penalties."""
        anchors, values, penalties = rule.full_values(problem, roster)
        dense = np.full(rule.n_anchors(), ABSENT, dtype=np.int32)
        dense[anchors] = values
        return cls(rule, array("i", dense.tobytes()), int(anchors.size)), penalties

    def __getitem__(self, key: tuple) -> Violation:
        a = self._rule.anchor_of(key)
        value = self.held[a]
        if value == ABSENT:
            raise KeyError(key)
        return self.record(a, value)

    def record(self, anchor: int, value: int) -> Violation:
        """The record of the violation at ``anchor`` with ``value`` (held now or not): one
        of the last records built, when it is among them, else built now and kept."""
        recent = self._recent
        got = recent.get(anchor)
        if got is not None and got[0] == value:
            return got[1]  # the record of this anchor and value: the same fields
        built = self._rule.record_at(anchor, value)
        if len(recent) >= self.RECENT:
            recent.clear()
        recent[anchor] = (value, built)
        return built

    def holds(self, anchor: int) -> bool:
        """Whether a violation is held at ``anchor``."""
        return self.held[anchor] != ABSENT

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def __iter__(self) -> Iterator[tuple]:
        """The keys, in anchor order."""
        key_at = self._rule.key_at
        for a in self.anchors().tolist():
            yield key_at(a)

    def anchors(self) -> np.ndarray:
        """The anchors holding a violation, ascending."""
        return np.flatnonzero(np.frombuffer(self.held, dtype=np.int32) != ABSENT)

    def values(self) -> Iterator[Violation]:
        """The records, built now, in anchor order."""
        record, held = self._rule.record_at, self.held
        for a in self.anchors().tolist():
            yield record(a, held[a])

    # -- updates --------------------------------------------------------------------------
    def move(self, anchor: int, old: int, new: int) -> None:
        """The value at ``anchor`` goes from ``old`` (held there now) to ``new`` (either may
        be ``ABSENT``)."""
        self.held[anchor] = new
        if old == ABSENT:
            self.size += new != ABSENT
        elif new == ABSENT:
            self.size -= 1

    def put(self, anchor: int, value: int) -> None:
        """Hold a violation at ``anchor`` with ``value`` (replacing any there)."""
        self.move(anchor, self.held[anchor], value)

    def remove(self, anchor: int) -> None:
        """Drop the violation at ``anchor`` (``KeyError`` when there is none)."""
        old = self.held[anchor]
        if old == ABSENT:
            raise KeyError(anchor)
        self.move(anchor, old, ABSENT)

    def copy(self) -> AnchoredStore:
        """An independent copy (the values are copied: 4 bytes an anchor)."""
        return AnchoredStore(self._rule, self.held[:], self.size)


class AnchorIndex:
    """The map anchor -> keys of an ``AnchoredStore`` (a view of it): at most one key per
    anchor."""

    __slots__ = ("_store",)

    def __init__(self, store: AnchoredStore) -> None:
        self._store = store

    def get(self, anchor: int, default: tuple = ()) -> tuple:
        """``(key,)`` of the violation at ``anchor``, or ``default`` when there is none."""
        store = self._store
        if store.held[anchor] == ABSENT:
            return default
        return (store._rule.key_at(anchor),)

    def __bool__(self) -> bool:
        return self._store.size > 0

    def items(self) -> Iterator[tuple[int, tuple]]:
        """``(anchor, (key,))`` of every anchor holding a violation, in anchor order."""
        store = self._store
        key_at = store._rule.key_at
        for a in store.anchors().tolist():
            yield a, (key_at(a),)
