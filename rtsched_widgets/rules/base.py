"""Violation records, scores and the ``Rule`` contract every rule module implements.

A rule answers three questions about a roster:

- ``full(problem, roster)``: every violation, computed from the numpy roster with vectorised
  operations (used for validation from scratch); ``full_found`` gives the same column-wise
  (``Found``: counts and penalties as arrays, records built only when asked);
- ``local(state, anchors)``: exactly the current violations indexed under any of ``anchors``,
  computed from the Python mirror ``LiveState`` (used to update the maintained set after an
  edit: the old violations at the touched anchors are dropped and these replace them);
- ``delta(state, w, d, old, new)``: the change of the hard count (hard rules) or of the soft
  penalty (soft rules) that one change would cause against the current state, without
  building records (the fast path of search and suggestions).

An *anchor* is an ``int`` that a rule derives from a change (``touched``) and from a violation
key (``anchors``); a violation whose anchors do not meet the touched anchors of an edit is
guaranteed unchanged by that edit. Each rule chooses its own anchor space (a worker, a
(worker, day) pair, a (day, shift) cell, …) and encodes it as one ``int``.

Two class flags say which changes cannot break a rule that has no violation:
``removal_can_violate`` (a worker taken off a day) and ``post_change_can_violate`` (a worker
moved to another shift of a day they keep working). On a schedule with no hard violation the
validator leaves the hard rules that declare False out of its checks of such changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import FrozenInstanceError, dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import numpy as np

from rtsched_widgets._drafts import frozen_builder

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.anchored import AnchoredRecords
    from rtsched_widgets.rules.state import LiveState, Tables

Severity = Literal["hard", "soft"]
Change = tuple[int, int, int, int]
"""(worker, day, old_shift, new_shift); -1 means not working that day."""
DeltaFn = Callable[["LiveState", int, int, int, int], float]
"""A delta check: (state, worker, day, old_shift, new_shift) -> score change."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule instance.

    ``key`` identifies it for diffing (rule name + indices); two records with equal keys and
    penalties are the same violation. ``penalty`` is weight x amount for soft rules and 1.0 for
    hard ones.
    """

    rule: str
    severity: Severity
    workers: tuple[str, ...]
    dates: tuple[str, ...]
    post: int | None
    message: str
    penalty: float
    key: tuple


new_violation: Callable[..., Violation] = frozen_builder(
    Violation, ("rule", "severity", "workers", "dates", "post", "message", "penalty", "key")
)
"""``new_violation(rule, severity, workers, dates, post, message, penalty, key)``: the same
record as ``Violation(...)``, built through a draft (see ``rtsched_widgets._drafts``); full
checks build thousands of records and edits a few."""


def distinct_in_order(rules: Sequence[Rule], types: Sequence[type[Rule]]) -> bool:
    """Whether ``rules`` are two or more rules, each of a distinct class of ``types`` (exact
    class), in the order of ``types``: the order in which the validator adds their terms, so
    a fused function adding them in that order returns the same float."""
    if len(rules) < 2 or any(type(r) not in types for r in rules):
        return False
    pos = [list(types).index(type(r)) for r in rules]
    return all(a < b for a, b in pairwise(pos))


def nonzero2(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D array (row and column indices, row-major order), computed as
    ``flatnonzero`` + ``divmod``: the same arrays, several times faster for large masks."""
    rows, cols = np.divmod(np.flatnonzero(mask), mask.shape[1])
    return rows, cols


def pair_found(
    rule: Rule,
    ws_parts: Sequence[np.ndarray],
    d1_parts: Sequence[np.ndarray],
    d2_parts: Sequence[np.ndarray],
    record: Callable[[int, int, int], Violation],
    message: Callable[[int, int, int], str],
) -> Found:
    """``Found`` of a hard rule whose violations are (worker, day, later day) pairs with key
    ``(rule.name, w, d1, d2)``, one worker, the two dates and no post; the pairs are given as
    parts (arrays of workers, first days and later days, concatenated in order);
    ``record(w, d1, d2)`` builds one record, ``message(w, d1, d2)`` its message."""
    ws, d1, d2 = (
        np.concatenate(parts) if len(parts) else np.zeros(0, dtype=np.int64)
        for parts in (ws_parts, d1_parts, d2_parts)
    )
    n = int(ws.size)

    def triples() -> zip[tuple[int, int, int]]:
        return zip(ws.tolist(), d1.tolist(), d2.tolist(), strict=True)

    def records() -> list[Violation]:
        return [record(w, a, b) for w, a, b in triples()]

    def columns() -> dict[str, list[Any]]:
        t = rule.t
        ids, iso = t.worker_id_1, t.iso
        return {
            "workers": [ids[w] for w in ws.tolist()],
            "dates": [(iso[a], iso[b]) for a, b in zip(d1.tolist(), d2.tolist(), strict=True)],
            "post": [None] * n,
            "message": [message(w, a, b) for w, a, b in triples()],
        }

    return Found(rule, n, np.ones(n, dtype=float), records, columns)


"""``new_violation(rule, severity, workers, dates, post, message, penalty, key)``: the same
record as ``Violation(...)`` with the same positional arguments, built faster."""


@dataclass(frozen=True, slots=True)
class Score:
    """Number of hard violations and total soft penalty."""

    hard: int
    soft: float


class DeltaRecords(Protocol):
    """Where a ``Delta`` built by the validator reads its records from, on first read."""

    def introduced(self) -> tuple[Violation, ...]:
        """The records the changes introduce, in rule order."""
        ...

    def resolved(self) -> tuple[Violation, ...]:
        """The records the changes resolve, in rule order."""
        ...


class Delta:
    """What a set of changes introduces and resolves; ``hard``/``soft`` are the score changes.

    A violation whose key stays but whose penalty (or record) changes appears in both
    ``resolved`` (old record) and ``introduced`` (new record).

    Immutable, compared and hashed by its four fields, like the frozen dataclass it replaces.
    ``Delta(introduced, resolved, hard, soft)`` holds records already built; the validator's
    deltas (``Delta.of_records``) hold what changed in compact form and build each of
    ``introduced`` and ``resolved`` on its first read (then keep it): ``hard`` and ``soft``
    are exact without them, and an edit whose records nobody reads builds none. ``changed``
    says whether there is any record on either side without building them.
    """

    __slots__ = ("_changed", "_introduced", "_records", "_resolved", "counts", "hard", "soft")

    _changed: bool | None
    counts: tuple[int, int] | None
    """``(len(introduced), len(resolved))`` when known without building a record: a delta of
    built records, an empty one, and the validator's deltas (it counts the records its moves
    and rule changes stand for as it builds them); ``None`` when only reading the records
    would tell (``of_records`` of another source). Not one of the fields compared, hashed or
    pickled: it follows from them."""
    _introduced: tuple[Violation, ...] | None
    _resolved: tuple[Violation, ...] | None
    _records: DeltaRecords | None
    hard: int
    soft: float

    def __init__(
        self,
        introduced: tuple[Violation, ...],
        resolved: tuple[Violation, ...],
        hard: int,
        soft: float,
    ) -> None:
        _set = object.__setattr__
        _set(self, "_changed", None)
        _set(self, "_introduced", introduced)
        _set(self, "_resolved", resolved)
        _set(self, "_records", None)
        _set(self, "counts", (len(introduced), len(resolved)))
        _set(self, "hard", hard)
        _set(self, "soft", soft)

    @classmethod
    def of_records(cls, records: DeltaRecords, hard: int, soft: float) -> Delta:
        """A delta whose ``introduced`` and ``resolved`` are ``records``' answers, asked for
        on their first read (``records`` must give the same answer whenever asked)."""
        return new_lazy_delta(records, hard, soft)

    @property
    def introduced(self) -> tuple[Violation, ...]:
        """The violations the changes introduce (a changed one's new record)."""
        got = self._introduced
        if got is None:
            assert self._records is not None
            got = self._records.introduced()
            object.__setattr__(self, "_introduced", got)
        return got

    @property
    def resolved(self) -> tuple[Violation, ...]:
        """The violations the changes resolve (a changed one's old record)."""
        got = self._resolved
        if got is None:
            assert self._records is not None
            got = self._records.resolved()
            object.__setattr__(self, "_resolved", got)
        return got

    @property
    def changed(self) -> bool:
        """Whether the changes introduce or resolve any violation: ``bool(introduced or
        resolved)``. The validator's deltas know it when they are built (an edit that changes
        no maintained violation gets a delta without records), so reading it builds no record;
        a delta of other ``DeltaRecords`` (``of_records``) reads them. A changed record (same
        key, new penalty) counts, even when ``hard`` and ``soft`` are 0."""
        known = self._changed
        if known is not None:
            return known
        return bool(self.introduced) or bool(self.resolved)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _fields(self) -> tuple[Any, ...]:
        return (self.introduced, self.resolved, self.hard, self.soft)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Delta:
            return NotImplemented
        assert isinstance(other, Delta)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Delta(introduced={self.introduced!r}, resolved={self.resolved!r}, "
            f"hard={self.hard!r}, soft={self.soft!r})"
        )

    def __reduce__(self) -> tuple[type[Delta], tuple[Any, ...]]:
        return (Delta, self._fields())


new_lazy_delta: Callable[[DeltaRecords, int, float], Delta] = frozen_builder(
    Delta,
    ("_records", "hard", "soft"),
    {"_changed": None, "_introduced": None, "_resolved": None, "counts": None},
)
"""``new_lazy_delta(records, hard, soft)``: ``Delta.of_records(records, hard, soft)``, built
through a draft (see ``_drafts``), without the class method's call."""

new_empty_delta: Callable[[int, float], Delta] = frozen_builder(
    Delta,
    ("hard", "soft"),
    {"_changed": False, "_introduced": (), "_resolved": (), "_records": None, "counts": (0, 0)},
)
"""``new_empty_delta(hard, soft)``: ``Delta((), (), hard, soft)`` (nothing introduced or
resolved), built through a draft."""

new_counted_delta: Callable[[DeltaRecords, int, float, tuple[int, int]], Delta] = frozen_builder(
    Delta,
    ("_records", "hard", "soft", "counts"),
    {"_changed": True, "_introduced": None, "_resolved": None},
)
"""``new_lazy_delta`` for ``records`` whose ``counts`` (introduced, resolved; one at least
not 0: the validator's edits that changed something) are known: its ``changed`` is True and
``counts`` set without reading them."""


class Found:
    """The violations of one rule found by a full check, held column-wise.

    ``size`` is the number of violations and ``penalties`` their penalties (a float array in
    record order). The records themselves (``records()``) and the display columns
    (``columns()``: workers, dates, post, message) are built only when asked, so a full check
    whose caller needs counts and penalties never creates per-violation Python objects.
    ``records()`` returns exactly what ``Rule.full`` returns, in the same order.
    """

    __slots__ = ("_columns", "_make", "_records", "penalties", "rule", "size")

    def __init__(
        self,
        rule: Rule,
        size: int,
        penalties: np.ndarray,
        make_records: Callable[[], list[Violation]],
        make_columns: Callable[[], dict[str, list[Any]]] | None = None,
    ) -> None:
        self.rule = rule
        self.size = size
        self.penalties = penalties
        self._make = make_records
        self._columns = make_columns
        self._records: list[Violation] | None = None

    @classmethod
    def of_records(cls, rule: Rule, records: list[Violation]) -> Found:
        """Wrap records already built (rules without a column-wise full check)."""
        found = cls(
            rule,
            len(records),
            np.fromiter((v.penalty for v in records), dtype=float, count=len(records)),
            records.copy,
        )
        found._records = records
        return found

    def records(self) -> list[Violation]:
        """The violation records (built on the first call, then kept; a new list each call)."""
        if self._records is None:
            self._records = self._make()
        return list(self._records)

    def columns(self) -> dict[str, list[Any]]:
        """Lists ``workers``, ``dates``, ``post``, ``message`` in record order (built from the
        arrays when the rule provides it, else read from the records)."""
        if self._columns is not None and self._records is None:
            return self._columns()
        rows = self.records()
        return {
            "workers": [v.workers for v in rows],
            "dates": [v.dates for v in rows],
            "post": [v.post for v in rows],
            "message": [v.message for v in rows],
        }


class Rule:
    """Base class of all rules; see the module docstring for the contract.

    Subclasses set ``name`` and ``severity`` and implement ``full``, ``touched``, ``anchors``,
    ``local`` and ``delta``. A rule instance is bound to one problem (its lookup tables are
    built in ``__init__``) and holds no roster state, so validators may share it.
    """

    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = "hard"
    removal_can_violate: ClassVar[bool] = True
    """Whether, on a roster with no violation of this rule, taking a worker off a day they
    work (their shift on that day becomes off, nothing else changes) can create one. Rules
    that only limit work (maximums, forbidden combinations, unavailability) set it to False:
    on a schedule with no hard violation the validator then leaves them out when it checks
    such a change. (With violations present a removal may still split one into two, e.g. a
    run of weekends.) True, the safe default, for rules that require work (minimums,
    mandatory days)."""
    post_change_can_violate: ClassVar[bool] = True
    """Whether, on a roster with no violation of this rule, moving a worker to another shift
    of a day they work (they still work that day) can create one. Rules about days only
    (which days are worked, not which shift) set it to False, with the same use as
    ``removal_can_violate``. True, the safe default, for rules that look at the shift (limits
    per shift type, successions, minutes)."""

    def __init__(self, problem: Problem, tables: Tables) -> None:
        self.problem = problem
        self.t = tables

    @property
    def active(self) -> bool:
        """False when the problem gives this rule nothing to check (no limits set, no
        requests, …): it can then never report a violation and validators skip it."""
        return True

    # -- contract -------------------------------------------------------------------------
    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        """Every violation of this rule in ``roster``."""
        raise NotImplementedError

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        """``full`` held column-wise (see ``Found``); rules with many violations override it
        to find them with array operations and build records only on demand."""
        return Found.of_records(self, self.full(problem, roster))

    def anchored(self) -> AnchoredRecords | None:
        """For a rule with at most one violation per anchor whose record is rebuilt from the
        anchor and one int: itself as ``AnchoredRecords`` (the validator then keeps one int
        per anchor instead of records, see ``rules.anchored``); None (the default) for the
        other rules, whose records the validator keeps."""
        return None

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        """Anchors whose violations may change when worker ``w`` goes from ``old`` to ``new``
        on day ``d``."""
        raise NotImplementedError

    def anchors(self, key: tuple) -> Iterable[int]:
        """Anchors a violation with ``key`` is indexed under."""
        raise NotImplementedError

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        """Every current violation that has at least one anchor in ``anchors``."""
        raise NotImplementedError

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        """Score change of one change against ``state`` (hard: count; soft: penalty)."""
        raise NotImplementedError

    def delta_fn(self) -> DeltaFn:
        """``delta`` as a plain function, for the validator's hot loop. Rules may return a
        closure over their lookup lists (no attribute look-ups per call); the default is the
        bound ``delta`` method."""
        return self.delta

    delta_family: ClassVar[str | None] = None
    """Rules of one family (same severity) can share work in their delta checks: when a
    validator holds two or more of them it calls ``fused_delta_fn`` of their class once
    instead of each rule's ``delta_fn``."""

    @classmethod
    def fused_delta_fn(cls, rules: Sequence[Rule]) -> DeltaFn:
        """One delta function returning the sum of ``rules``' deltas (all of this family)."""
        fns = [r.delta_fn() for r in rules]

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            return sum(f(state, w, d, old, new) for f in fns)

        return delta

    # -- helpers --------------------------------------------------------------------------
    def make(
        self,
        key: tuple,
        workers: Sequence[int],
        days: Sequence[int],
        post: int | None,
        message: str,
        penalty: float = 1.0,
    ) -> Violation:
        """A record of this rule; ``workers``/``days`` are indices, turned into ids/ISO dates."""
        t = self.t
        ids: tuple[str, ...]
        dates: tuple[str, ...]
        n = len(workers)
        if n == 1:
            ids = t.worker_id_1[workers[0]]
        elif n == 0:
            ids = ()
        else:
            ids = tuple(map(t.worker_id.__getitem__, workers))
        n = len(days)
        if n == 1:
            dates = t.iso_1[days[0]]
        elif n == 0:
            dates = ()
        else:
            dates = tuple(map(t.iso.__getitem__, days))
        return new_violation(
            self.name, self.severity, ids, dates, post, message, float(penalty), key
        )

    def make_for_cell(
        self, key: tuple, d: int, post: int, message: str, penalty: float
    ) -> Violation:
        """``make(key, (), (d,), post, message, penalty)``: a record of a cell of day ``d``
        that names no worker (the hot case of the cover rules, without ``make``'s branches)."""
        return new_violation(
            self.name, self.severity, (), self.t.iso_1[d], post, message, float(penalty), key
        )

    def make_for_worker(self, key: tuple, w: int, message: str, penalty: float = 1.0) -> Violation:
        """``make(key, (w,), (), None, message, penalty)``: a record of worker ``w`` alone."""
        return new_violation(
            self.name, self.severity, self.t.worker_id_1[w], (), None, message, float(penalty), key
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.severity})"
