"""The validator: maintained violations of one roster, previews and score deltas of changes.

The validator keeps, per rule, the current violations indexed by anchor (see ``base``) and a
compact mirror of the roster (``LiveState``). A rule with at most one violation per anchor
(``Rule.anchored``: the cover rules per cell, the per-worker totals and balances) is kept as
one int per anchor (``AnchoredStore``), its records built only when read; the others as
records keyed by violation key plus an index anchor -> keys. An edit touches a few anchors
per rule; only the violations at those anchors are recomputed, so the cost of an edit does
not grow with the size of the roster.

An edit compares an anchored rule's held values with the mirror's as ints and holds what
changed as moves ``(rule, anchor, held value, new value)``; its ``Delta`` builds the records
of ``introduced`` and ``resolved`` from them on first read (``_EditRecords``), while
``hard`` and ``soft`` are exact at once: an anchored violation's penalty is a function of its
anchor and value (``penalty_at``), added with the same float operations as the records'
penalties would be. The other rules' records are found by ``local`` as before and handed to
the delta as they are.
``full_check`` recomputes everything with vectorised numpy code and must always agree with
the maintained set (the property tests prove it).

Changes are ``(worker, day, old_shift, new_shift)`` with -1 meaning "not working"; several
changes are applied in order (a swap is two or four changes).

The usual path of an edit is ``preview`` (what would change), then, once the roster holds the
changes, ``commit``: the validator keeps its latest preview and a commit of the same changes
with nothing committed in between reuses it, so the neighbourhood is computed once
(``commit_previewed(delta)`` says so explicitly and refuses a stale preview). The engine's
path of an edit that introduces no hard violation is ``may_introduce_hard`` (the gate), then
``commit``: the gate remembers the one change it let through, and a commit of that very
tuple before anything else is committed takes it as the gate established it (no second
check, no hard rule looked at again); any other commit is computed.
``copy`` is cheap: the mirror's rows are shared copy-on-write, the records and index entries
are immutable and shared, anchored stores are flat int arrays copied at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from operator import attrgetter
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.rules.anchored import ABSENT, AnchoredStore, AnchorIndex
from rtsched_widgets.rules.base import (
    Change,
    Delta,
    DeltaFn,
    Rule,
    Score,
    Violation,
    new_counted_delta,
    new_empty_delta,
)
from rtsched_widgets.rules.nrp import fused as nrp_fused
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.saldo.fused import (
    fusable_hard,
    fusable_soft,
    fused_hard_fn,
    fused_soft_fn,
)
from rtsched_widgets.rules.saldo.fused_moves import (
    SoftMovesFn,
    fusable_moves,
    fused_move_moves_fn,
    fused_moves_fn,
)
from rtsched_widgets.rules.state import LiveState, Tables
from rtsched_widgets.rules.table import COLUMNS, ViolationTable, violation_frame

__all__ = ["COLUMNS", "Change", "Delta", "Score", "Validator", "Violation", "ViolationTable"]


_RuleChange = tuple[
    int, Callable[[tuple], Iterable[int]], tuple[Violation, ...], tuple[Violation, ...]
]
"""A rule whose records are kept: (rule position, its ``anchors``, records to drop, records
to add)."""
_RuleFns = tuple[
    int,
    Callable[[int, int, int, int], Iterable[int]],
    Callable[[LiveState, set[int]], list[Violation]],
    Callable[[tuple], Iterable[int]],
    DeltaFn | None,
    Callable[[LiveState, int], int] | None,
    Callable[[int, int], float] | None,
]
"""Per live rule: position, ``touched``, ``local``, ``anchors``, the delta function of a hard
rule (else None), ``value_now`` and ``penalty_at`` of an anchored rule (else None)."""
_Move = tuple[int, int, int, int]
"""An anchored rule's change at one anchor: (rule position, anchor, value held, new value);
either value may be ``ABSENT``."""


_Changes = tuple[list[_Move], list[_RuleChange]]
"""What an edit changes in the maintained set, in rule order: the anchored rules' moves and
the other rules' record changes."""


class _Preview(NamedTuple):
    """The latest preview: valid while the validator's ``stamp`` is unchanged."""

    stamp: int
    changes: tuple[Change, ...]
    delta: Delta
    changed: _Changes


class _EditRecords:
    """The records of an edit's ``Delta``, built when it reads them (``DeltaRecords``): an
    anchored rule's from its moves (its store's ``record``: a function of the anchor and the
    value), the other rules' as the edit found them; rules in order, each rule's resolved
    (or introduced) records in the order of its moves (or as found)."""

    __slots__ = ("changed", "moves", "stores")

    stores: list[dict[tuple, Violation] | AnchoredStore]
    moves: list[_Move]
    changed: list[_RuleChange]

    def introduced(self) -> tuple[Violation, ...]:
        return self._side(new=True)

    def resolved(self) -> tuple[Violation, ...]:
        return self._side(new=False)

    def _side(self, *, new: bool) -> tuple[Violation, ...]:
        """The introduced (``new``) or resolved records: a move's new or held value, a rule
        change's ``came`` or ``gone``."""
        out: list[Violation] = []
        changed, stores = self.changed, self.stores
        n, j = len(changed), 0
        for i, a, old_value, new_value in self.moves:
            while j < n and changed[j][0] < i:
                out += changed[j][3] if new else changed[j][2]
                j += 1
            value = new_value if new else old_value
            if value != ABSENT:
                out.append(stores[i].record(a, value))  # type: ignore[union-attr]
        while j < n:
            out += changed[j][3] if new else changed[j][2]
            j += 1
        return tuple(out)


class _AnchoredMoves(list[_Move]):
    """The moves of an edit that changed anchored rules only (the gated commit's: the saldo
    soft rules), which are the records of its ``Delta`` themselves (``DeltaRecords``, as
    ``_EditRecords`` with no rule change): one object an edit instead of a list and a
    holder."""

    __slots__ = ("stores",)

    stores: list[dict[tuple, Violation] | AnchoredStore]

    def introduced(self) -> tuple[Violation, ...]:
        stores = self.stores
        return tuple(
            [stores[i].record(a, v) for i, a, _, v in self if v != ABSENT]  # type: ignore[union-attr]
        )

    def resolved(self) -> tuple[Violation, ...]:
        stores = self.stores
        return tuple(
            [stores[i].record(a, v) for i, a, v, _ in self if v != ABSENT]  # type: ignore[union-attr]
        )


_new_edit_records = object.__new__


def _counts(moves: list[_Move], changed: list[_RuleChange]) -> tuple[int, int]:
    """``(len(introduced()), len(resolved()))`` of the ``_EditRecords`` of ``moves`` and
    ``changed``, without building a record (``Delta.counts``)."""
    came = gone = 0
    for _, _, was, now in moves:
        if now != ABSENT:
            came += 1
        if was != ABSENT:
            gone += 1
    for change in changed:
        gone += len(change[2])
        came += len(change[3])
    return came, gone


_WORKERS = attrgetter("workers")
_DATES = attrgetter("dates")
_POST = attrgetter("post")
_MESSAGE = attrgetter("message")
_PENALTY = attrgetter("penalty")


def _custom_last(
    rules: Sequence[Rule], fns: Callable[[Sequence[Rule]], list[DeltaFn]]
) -> list[DeltaFn] | None:
    """``fns`` of the built-in rules, then the custom rules' own delta functions (None when
    there is no custom rule): custom rules come last in a validator's rules, so the terms are
    added in rule order either way."""
    from rtsched_widgets.rules.custom import CustomRule

    custom = [r for r in rules if isinstance(r, CustomRule)]
    if not custom:
        return None
    return fns([r for r in rules if not isinstance(r, CustomRule)]) + [r.delta_fn() for r in custom]


def _hard_delta_fns(rules: Sequence[Rule]) -> list[DeltaFn]:
    """The delta functions of the hard ``rules``: one fused function when they are all NRP
    rules (``nrp.fused``); else the saldo rules among them (one of each class) in one fused
    function (``saldo.fused``) and the others as ``_delta_fns`` gives them.
    Their sum is an integer, so the order of the terms does not matter."""
    split = _custom_last(rules, _hard_delta_fns)
    if split is not None:
        return split
    if nrp_fused.fusable_hard(rules):
        return [nrp_fused.fused_hard_fn(rules, _delta_fns)]
    fused = fusable_hard(rules)
    if not fused:
        return _delta_fns(rules)
    rest = [r for r in rules if not any(r is x for x in fused)]
    return [fused_hard_fn(fused), *_delta_fns(rest)]


def _soft_delta_fns(rules: Sequence[Rule]) -> list[DeltaFn]:
    """The delta functions of the soft ``rules`` for ONE change: one fused function when they
    are all saldo rules or all NRP rules in profile order (it returns exactly the sum the
    individual functions accumulate from ``0.0``, see ``saldo.fused`` and ``nrp.fused``), else
    ``_delta_fns``."""
    split = _custom_last(rules, _soft_delta_fns)
    if split is not None:
        return split
    if fusable_soft(rules):
        return [fused_soft_fn(rules)]
    if nrp_fused.fusable_soft(rules):
        return [nrp_fused.fused_soft_fn(rules)]
    return _delta_fns(rules)


def _delta_fns(rules: Sequence[Rule]) -> list[DeltaFn]:
    """The delta functions of ``rules`` (one severity), rules of one ``delta_family`` fused
    into one function where two or more of them are present."""
    families: dict[str, list[Rule]] = {}
    for r in rules:
        if r.delta_family is not None:
            families.setdefault(r.delta_family, []).append(r)
    out: list[DeltaFn] = []
    done: set[str] = set()
    for r in rules:
        fam = r.delta_family
        if fam is None or len(families[fam]) < 2:
            out.append(r.delta_fn())
        elif fam not in done:
            done.add(fam)
            out.append(type(r).fused_delta_fn(families[fam]))
    return out


def _no_change(state: LiveState, w: int, d: int, old: int, new: int) -> float:
    """The sum of no delta function: 0."""
    return 0


def _one_fn(fns: Sequence[DeltaFn]) -> DeltaFn:
    """One function returning what ``fns``' sum from ``0`` gives (``0 + f1 + f2 + ...``, in
    that order): the function itself when there is one (``0 + x`` is ``x``)."""
    if not fns:
        return _no_change
    if len(fns) == 1:
        return fns[0]
    fns = tuple(fns)

    def summed(state: LiveState, w: int, d: int, old: int, new: int) -> float:
        total: float = 0
        for f in fns:
            total += f(state, w, d, old, new)
        return total

    return summed


def _penalty_sum(records: Sequence[Violation]) -> float:
    """``math.fsum`` of the records' penalties (the one penalty itself for one record: the
    same float)."""
    n = len(records)
    if n == 1:
        return records[0].penalty
    return math.fsum(map(_PENALTY, records)) if n else 0.0


def _sum_of(penalties: Sequence[float]) -> float:
    """``_penalty_sum`` of records with ``penalties``: the same float."""
    n = len(penalties)
    if n == 1:
        return penalties[0]
    return math.fsum(penalties) if n else 0.0


class _RecordsByKey(Protocol):
    """A rule's maintained records by key: a dict or an ``AnchoredStore``."""

    def __getitem__(self, key: tuple) -> Violation: ...


def _record_diff(
    now: Sequence[Violation], old_keys: Collection[tuple], found: _RecordsByKey
) -> tuple[list[Violation], list[Violation]]:
    """(came, gone): the records of ``now`` that are new or changed, and the maintained
    records under ``old_keys`` that ``now`` drops or replaces (a changed record is in both)."""
    came: list[Violation] = []
    gone: list[Violation] = []
    n_kept = 0
    for v in now:
        k = v.key
        if k in old_keys:
            n_kept += 1
            f = found[k]
            if f is v or (  # the same record (fields of one rule's records with equal keys)
                f.penalty == v.penalty
                and f.message == v.message
                and f.workers == v.workers
                and f.dates == v.dates
                and f.post == v.post
            ):
                continue
            gone.append(f)  # same key, new record: resolved and introduced
        came.append(v)
    if n_kept < len(old_keys):  # (loops: a comprehension is one more function call)
        now_keys = set()
        for v in now:
            now_keys.add(v.key)
        for k in old_keys:
            if k not in now_keys:
                gone.append(found[k])
    return came, gone


def _gate_key(ch: Sequence[int]) -> Change:
    """What a gate remembers of the one change ``ch`` it let through: the caller's tuple
    itself when it is a tuple of ints (a commit then knows it by identity: the same immutable
    object, so the same values), else its values as a new tuple of ints (a commit then
    compares values)."""
    w, d, old, new = ch
    if (
        ch.__class__ is tuple
        and w.__class__ is d.__class__ is old.__class__ is new.__class__ is int
    ):
        return ch
    return (int(w), int(d), int(old), int(new))


def _shift_changes_only(changes: Sequence[Change]) -> bool:
    """Whether every change moves its worker from one shift to another of a day they keep
    working (old and new shift >= 0), each (worker, day) at most once."""
    seen: set[tuple[int, int]] = set()
    for w, d, old, new in changes:
        if old < 0 or new < 0 or (w, d) in seen:
            return False
        seen.add((w, d))
    return True


class Validator:
    """Violations of ``roster`` (of ``problem``) under ``rules``, kept up to date by ``commit``.

    ``rules`` defaults to the rule set of ``problem.profile``; it may hold rule instances bound
    to ``problem`` or rule classes (instantiated here). Construction runs a full check.
    """

    __slots__ = (
        "_found",
        "_gate",
        "_gate_fns",
        "_gate_stamp",
        "_hard",
        "_hard_fns",
        "_hard_post_fns",
        "_hard_removal_fns",
        "_hard_rule_fns",
        "_held",
        "_index",
        "_last_hard",
        "_live",
        "_move_moves",
        "_pending",
        "_rule_fns",
        "_soft",
        "_soft_fns",
        "_soft_moves",
        "_soft_one",
        "_soft_rule_fns",
        "_stamp",
        "problem",
        "roster",
        "rules",
        "state",
        "tables",
    )

    def __init__(
        self, problem: Problem, roster: Roster, rules: Sequence[Rule | type[Rule]] | None = None
    ) -> None:
        if roster.problem is not problem:
            raise ValueError("roster: belongs to another problem — build it from this problem")
        self.problem = problem
        self.roster = roster
        self._held = roster.cell_views()[1]  # [w, d]: the shift the roster holds
        self.tables = Tables.of(problem)
        if rules is None:
            bound = default_rules(problem)
        else:
            bound = []
            for i, r in enumerate(rules):
                if isinstance(r, type) and issubclass(r, Rule):
                    bound.append(r(problem, self.tables))
                elif isinstance(r, Rule):
                    if r.problem is not problem:
                        raise ValueError(
                            f"rules[{i}]: {r!r} is bound to another problem — pass the class "
                            "or an instance built for this problem"
                        )
                    bound.append(r)
                else:
                    raise TypeError(f"rules[{i}]: {r!r} is not a Rule instance or class")
        self.rules: tuple[Rule, ...] = tuple(bound)
        live = [i for i, r in enumerate(self.rules) if r.active]
        self._live = tuple(live)
        rules_ = self.rules
        hard_rules = [rules_[i] for i in live if rules_[i].severity == "hard"]
        self._hard_fns = _hard_delta_fns(hard_rules)
        # the hard rules a change that only takes a worker off a day can add a violation to
        self._hard_removal_fns = _hard_delta_fns([r for r in hard_rules if r.removal_can_violate])
        # ... and to a change of shift on a day the worker keeps working
        self._hard_post_fns = _hard_delta_fns([r for r in hard_rules if r.post_change_can_violate])
        # the gate's one function per kind of change (assign, removal, change of shift)
        self._gate_fns = (
            _one_fn(self._hard_fns),
            _one_fn(self._hard_removal_fns),
            _one_fn(self._hard_post_fns),
        )
        soft_rules = [rules_[i] for i in live if rules_[i].severity == "soft"]
        # several changes: one term per rule and change, added in that order
        self._soft_fns = _delta_fns(soft_rules)
        # one change: the same sum, fused where possible
        self._soft_one = _soft_delta_fns(soft_rules)
        # per live rule: position, touched, local, anchors, for hard rules the delta
        # function (a hard rule without violations near a change whose count does not move
        # has nothing to report: see _compute), and for anchored rules their value_now and
        # penalty_at (else None)
        fns: list[_RuleFns] = []
        for i in live:
            rule = rules_[i]
            anchored = rule.anchored()
            fns.append(
                (
                    i,
                    rule.touched,
                    rule.local,
                    rule.anchors,
                    rule.delta_fn() if rule.severity == "hard" else None,
                    None if anchored is None else anchored.value_now,
                    None if anchored is None else anchored.penalty_at,
                )
            )
        self._rule_fns = tuple(fns)
        # the soft ones alone, in the same order (a change known to move no hard rule)
        self._soft_rule_fns = tuple(f for f in self._rule_fns if f[4] is None)
        # one change: the saldo soft rules, all anchored, in one function (saldo.fused_moves)
        # when they are the only soft rules and come after every hard rule; then the hard
        # ones alone are looked at one by one
        self._soft_moves: SoftMovesFn | None = None
        # the mirror's move and _soft_moves in one call (the gated commit of one change)
        self._move_moves: SoftMovesFn | None = None
        self._hard_rule_fns = tuple(f for f in self._rule_fns if f[4] is not None)
        soft_at = [f[0] for f in self._soft_rule_fns]
        if fusable_moves([rules_[i] for i in soft_at]) and all(
            f[0] < soft_at[0] for f in self._hard_rule_fns
        ):
            self._soft_moves = fused_moves_fn([rules_[i] for i in soft_at], soft_at)
            self._move_moves = fused_move_moves_fn(self._soft_moves)
        self._stamp = 0
        self._pending: _Preview | None = None
        # (stamp, changes) of the latest hard_delta of several changes that found 0, else None
        self._last_hard: tuple[int, tuple[Change, ...]] | None = None
        # the one change whose hard delta the latest gate of one change (may_introduce_hard,
        # hard_delta) found 0 on the state of stamp _gate_stamp with no hard violation held,
        # else None (see _gate_key)
        self._gate: Change | None = None
        self._gate_stamp = -1
        self.rebuild()

    # -- maintained set -------------------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute the mirror and every maintained violation from the roster."""
        self.state = LiveState.from_roster(self.tables, self.roster)
        # per rule: key -> record and anchor -> keys (an AnchoredStore and its index)
        self._found: list[dict[tuple, Violation] | AnchoredStore] = []
        self._index: list[dict[int, frozenset[tuple]] | AnchorIndex] = []
        hard, soft = 0, 0.0
        live = set(self._live)
        for i, rule in enumerate(self.rules):
            anchored = rule.anchored() if i in live else None
            if anchored is not None:
                store, penalties = AnchoredStore.of_roster(anchored, self.problem, self.roster)
                self._found.append(store)
                self._index.append(store.index)
                if rule.severity == "hard":
                    hard += len(store)
                else:
                    soft += math.fsum(penalties.tolist())
                continue
            found: dict[tuple, Violation] = {}
            index: dict[int, set[tuple]] = {}
            for v in rule.full(self.problem, self.roster) if i in live else ():
                found[v.key] = v
                for a in rule.anchors(v.key):
                    index.setdefault(a, set()).add(v.key)
            self._found.append(found)
            # index values are immutable: a copy of the validator shares them
            self._index.append({a: frozenset(keys) for a, keys in index.items()})
            if rule.severity == "hard":
                hard += len(found)
            else:
                soft += math.fsum(v.penalty for v in found.values())
        self._hard, self._soft = hard, soft
        self._stamp += 1  # any kept preview is stale from now on

    def full_check(self) -> list[Violation]:
        """Every violation, recomputed from scratch (vectorised); the maintained set is not
        changed. Same as ``full_table().records()``."""
        return self.full_table().records()

    def full_table(self) -> ViolationTable:
        """Every violation, recomputed from scratch, held column-wise: counts, penalties and
        score without building a record per violation (records and the DataFrame on demand,
        see ``ViolationTable``). The maintained set is not changed."""
        problem, roster = self.problem, self.roster
        return ViolationTable([self.rules[i].full_found(problem, roster) for i in self._live])

    def violation_list(self) -> list[Violation]:
        """The maintained violations, rule by rule in rule order."""
        return [v for found in self._found for v in found.values()]

    def violations(self) -> pd.DataFrame:
        """One row per maintained violation: rule, severity, workers, dates, post, message,
        penalty (``post`` is a nullable integer), rule by rule in rule order."""
        parts = []
        for rule, found in zip(self.rules, self._found, strict=True):
            if found:
                rows = list(found.values())  # (an AnchoredStore builds them now)
                parts.append(
                    (
                        rule.name,
                        rule.severity,
                        len(rows),
                        list(map(_WORKERS, rows)),
                        list(map(_DATES, rows)),
                        list(map(_POST, rows)),
                        list(map(_MESSAGE, rows)),
                        np.fromiter(map(_PENALTY, rows), dtype=float, count=len(rows)),
                    )
                )
        return violation_frame(parts)

    def score(self) -> Score:
        """Hard violation count and soft penalty of the maintained set."""
        return Score(self._hard, self._soft)

    @property
    def hard_count(self) -> int:
        """``score().hard``: the number of maintained hard violations."""
        return self._hard

    def worker_loads(self) -> np.ndarray:
        """Shifts each worker holds now (int64, one per worker), from the mirror's counts."""
        counts = self.state.n_work
        return np.fromiter(counts, dtype=np.int64, count=len(counts))

    # -- changes --------------------------------------------------------------------------
    def _apply_all(self, changes: Sequence[Change]) -> list[Change]:
        """Apply ``changes`` to the mirror, all or nothing; returns them as int tuples."""
        apply = self.state.apply
        done: list[Change] = []
        try:
            for w, d, old, new in changes:
                ch = (int(w), int(d), int(old), int(new))
                apply(*ch)
                done.append(ch)
        except (TypeError, ValueError):
            self._revert(done)
            raise
        return done

    def _revert(self, done: Sequence[Change]) -> None:
        state = self.state
        for w, d, old, new in reversed(done):
            state.apply(w, d, new, old)

    def _compute(self, done: Sequence[Change]) -> tuple[Delta, _Changes]:
        """Per rule: old violations at the touched anchors vs the mirror's current ones (the
        mirror already holds ``done``). Returns the delta and what to change in the
        maintained set (``_Changes``)."""
        if len(done) == 1:
            return self._compute_one(*done[0])
        moves: list[_Move] = []
        changed: list[_RuleChange] = []
        hard, soft = 0, 0.0
        state = self.state
        skip_hard = False
        if self._hard == 0:
            # No hard violation before, and either the hard delta of these very changes on
            # this very state, computed in order by the gate, is 0, or they only change
            # shifts of days kept working and no hard rule can be broken that way (see
            # may_introduce_hard): each hard rule's count is as high after as before, so
            # still 0 — nothing to introduce or resolve.
            last = self._last_hard
            skip_hard = last is not None and last[0] == self._stamp and last[1] == tuple(done)
            if not skip_hard:
                skip_hard = not self._hard_post_fns and _shift_changes_only(done)
        for i, touched_fn, local_fn, anchors_fn, hard_fn, value_now, penalty_at in (
            self._soft_rule_fns if skip_hard else self._rule_fns
        ):
            touched: set[int] = set()
            for w, d, old, new in done:
                touched.update(touched_fn(w, d, old, new))
            if not touched:
                continue
            found = self._found[i]
            if value_now is not None:  # anchored: held values against the state's
                assert isinstance(found, AnchoredStore) and penalty_at is not None
                held = found.held
                came_p: list[float] = []
                gone_p: list[float] = []
                for a in touched:
                    was = held[a]
                    now_v = value_now(state, a)
                    if was == now_v:
                        continue
                    moves.append((i, a, was, now_v))
                    if was != ABSENT:
                        gone_p.append(penalty_at(a, was))
                    if now_v != ABSENT:
                        came_p.append(penalty_at(a, now_v))
                if hard_fn is not None:
                    hard += len(came_p) - len(gone_p)
                elif came_p or gone_p:
                    soft += _sum_of(came_p) - _sum_of(gone_p)
                continue
            index = self._index[i]
            old_keys: set[tuple] = set()
            if index:
                for a in touched:
                    keys = index.get(a)
                    if keys:
                        old_keys.update(keys)
            now = local_fn(state, touched)
            if not now and not old_keys:
                continue
            assert isinstance(found, dict)
            came, gone = _record_diff(now, old_keys, found)
            if gone or came:
                changed.append((i, anchors_fn, tuple(gone), tuple(came)))
                if hard_fn is not None:
                    hard += len(came) - len(gone)
                else:
                    soft += _penalty_sum(came) - _penalty_sum(gone)
        return self._delta(moves, changed, hard, soft), (moves, changed)

    def _delta(
        self, moves: list[_Move], changed: list[_RuleChange], hard: int, soft: float
    ) -> Delta:
        """The ``Delta`` of an edit's changes: records built when read, counted now."""
        if not moves and not changed:
            return new_empty_delta(hard, soft)
        records = _new_edit_records(_EditRecords)
        records.stores = self._found
        records.moves = moves
        records.changed = changed
        return new_counted_delta(records, hard, soft, _counts(moves, changed))

    def _compute_one(self, w0: int, d0: int, old0: int, new0: int) -> tuple[Delta, _Changes]:
        """``_compute`` of one change (the mirror holds it). The same answer with fewer
        temporaries: most changes touch one anchor of a rule, whose held value or indexed
        keys are used as they are."""
        moves: list[_Move] = []
        changed: list[_RuleChange] = []
        hard, soft = 0, 0.0
        state = self.state
        skip_hard = False
        if self._hard == 0:
            # No hard violation anywhere before the change, so each hard rule's count can
            # only rise: every term of the change's hard delta is >= 0 (and every term of its
            # undo, computed on the mirror that holds it, <= 0). A zero sum means no hard rule
            # changed near the change (nothing to look at). The engine's gate has often just
            # computed the forward sum for this very change on this very state: reuse it.
            gate = self._gate
            if (
                gate is not None
                and self._gate_stamp == self._stamp
                and gate == (w0, d0, old0, new0)
            ):
                skip_hard = True
            else:  # (only the rules a change of its kind can break: see may_introduce_hard)
                undo: float = 0
                for hard_delta in (
                    self._hard_fns
                    if old0 < 0
                    else self._hard_removal_fns
                    if new0 < 0
                    else self._hard_post_fns
                ):
                    undo += hard_delta(state, w0, d0, new0, old0)
                skip_hard = undo == 0
        stores = self._found
        soft_moves = self._soft_moves
        if soft_moves is None:
            fns = self._soft_rule_fns if skip_hard else self._rule_fns
        else:
            fns = () if skip_hard else self._hard_rule_fns
        for i, touched_fn, local_fn, anchors_fn, hard_fn, value_now, penalty_at in fns:
            hit = touched_fn(w0, d0, old0, new0)
            if not hit:
                continue
            if value_now is not None:  # anchored: held values against the state's, as ints
                held = stores[i].held  # type: ignore[union-attr]
                if hit.__class__ is tuple and len(hit) == 1:  # (most changes: one anchor)
                    a = hit[0]
                    was = held[a]
                    if (
                        hard_fn is not None
                        and was == ABSENT
                        and not hard_fn(state, w0, d0, new0, old0)
                    ):
                        continue  # (as below)
                    now_v = value_now(state, a)
                    if was == now_v:
                        continue
                    moves.append((i, a, was, now_v))
                    if hard_fn is not None:
                        hard += (now_v != ABSENT) - (was != ABSENT)
                    else:  # (_sum_of of one penalty or none, written out)
                        soft += (0.0 if now_v == ABSENT else penalty_at(a, now_v)) - (  # type: ignore[misc]
                            0.0 if was == ABSENT else penalty_at(a, was)  # type: ignore[misc]
                        )
                    continue
                anchors = set(hit)
                if (
                    hard_fn is not None
                    and all(held[a] == ABSENT for a in anchors)
                    and not hard_fn(state, w0, d0, new0, old0)
                ):
                    continue  # (as below)
                came_p: list[float] = []
                gone_p: list[float] = []
                for a in anchors:
                    was = held[a]
                    now_v = value_now(state, a)
                    if was == now_v:
                        continue
                    moves.append((i, a, was, now_v))
                    if was != ABSENT:
                        gone_p.append(penalty_at(a, was))  # type: ignore[misc]
                    if now_v != ABSENT:
                        came_p.append(penalty_at(a, now_v))  # type: ignore[misc]
                if hard_fn is not None:
                    hard += len(came_p) - len(gone_p)
                elif came_p or gone_p:
                    soft += _sum_of(came_p) - _sum_of(gone_p)
                continue
            touched = set(hit)
            index = self._index[i]
            old_keys: Collection[tuple] = ()
            if index:
                if len(touched) == 1:
                    old_keys = index.get(next(iter(touched)), ())
                else:
                    merged: set[tuple] = set()
                    for a in touched:
                        keys = index.get(a)
                        if keys:
                            merged.update(keys)
                    old_keys = merged
            # see _compute: nothing near a hard rule's change was violated and undoing the
            # change would not move its count, so there is nothing to report
            if hard_fn is not None and not old_keys and not hard_fn(state, w0, d0, new0, old0):
                continue
            now = local_fn(state, touched)
            if not now and not old_keys:
                continue
            came, gone = _record_diff(now, old_keys, stores[i])
            if gone or came:
                changed.append((i, anchors_fn, tuple(gone), tuple(came)))
                if hard_fn is not None:
                    hard += len(came) - len(gone)
                else:
                    soft += _penalty_sum(came) - _penalty_sum(gone)
        if soft_moves is not None:  # (the soft rules come last: moves stay in rule order)
            soft += soft_moves(state, stores, w0, d0, old0, new0, moves)
        if not moves and not changed:  # (_delta, written out)
            return new_empty_delta(hard, soft), (moves, changed)
        records = _new_edit_records(_EditRecords)
        records.stores = stores
        records.moves = moves
        records.changed = changed
        return new_counted_delta(records, hard, soft, _counts(moves, changed)), (moves, changed)

    def _store(self, changes: _Changes) -> None:
        """Write the held values of the anchored rules' moves, drop and add the records of
        the other rules' changes in the maintained set and its index (index entries are
        replaced, never mutated: copies of this validator share them)."""
        stores = self._found
        moves, changed = changes
        for i, a, was, now_v in moves:
            store: AnchoredStore = stores[i]  # type: ignore[assignment]
            store.held[a] = now_v  # (AnchoredStore.move, written out)
            if was == ABSENT:
                store.size += 1
            elif now_v == ABSENT:
                store.size -= 1
        for i, anchors_fn, gone, came in changed:
            index, found = self._index[i], stores[i]
            assert isinstance(index, dict) and isinstance(found, dict)
            if len(gone) == 1 and len(came) == 1 and gone[0].key == came[0].key:
                found[gone[0].key] = came[0]  # one record replaced: same key, same anchors
                continue
            for v in gone:
                key = v.key
                del found[key]
                for a in anchors_fn(key):
                    keys = index[a]
                    if len(keys) == 1:
                        del index[a]
                    else:
                        index[a] = keys.difference((key,))
            for v in came:
                key = v.key
                found[key] = v
                for a in anchors_fn(key):
                    have = index.get(a)
                    index[a] = frozenset((key,)) if have is None else have.union((key,))

    def preview(self, changes: Sequence[Change]) -> Delta:
        """What ``changes`` would introduce and resolve; the roster must NOT hold them yet.
        Nothing observable changes. The validator remembers the answer: a following
        ``commit`` of the same changes (or ``commit_previewed`` of the returned delta) before
        any other commit reuses it instead of recomputing the neighbourhood."""
        done = self._apply_all(changes)
        try:
            delta, changed = self._compute(done)
        finally:
            self._revert(done)
        self._pending = _Preview(self._stamp, tuple(done), delta, changed)
        return delta

    def _check_roster(self, done: Sequence[Change]) -> None:
        """Raise ``ValueError`` (mirror reverted) unless the roster holds the mirror's cells
        of ``done``."""
        held, mirror = self._held, self.state.shift_of
        for w, d, _, _ in done:
            if held[w, d] != mirror[w][d]:
                self._revert(done)
                raise ValueError(
                    f"changes: the roster holds shift {held[w, d]} for worker "
                    f"{self.tables.worker_id[w]!r} on {self.tables.iso[d]}, not "
                    f"{mirror[w][d]} — apply the changes to the roster before commit()"
                )

    def commit(self, changes: Sequence[Change]) -> Delta:
        """Update the maintained violations for ``changes``, which the roster ALREADY holds;
        returns what they introduced and resolved. ``ValueError`` (and nothing changed) when
        a change does not match the mirror or the roster does not hold the result.

        When the last ``preview`` was of exactly these changes and nothing was committed since,
        its answer is reused (same result, the neighbourhood is not recomputed)."""
        pending = self._pending
        if len(changes) == 1:  # (_apply_all and the roster check of one change, written out)
            ch = changes[0]
            soft_moves = self._soft_moves
            if ch is self._gate and soft_moves is not None and self._gate_stamp == self._stamp:
                # Right after may_introduce_hard((ch,)) (or hard_delta) found this very tuple
                # of ints introducing no hard violation on a schedule without any, with
                # nothing committed or rebuilt since: the change fits the mirror (the gate
                # checked it against this very state), no hard rule's count moves (see
                # _compute_one), and the saldo soft rules' one function gives every move. So
                # the mirror takes the change without a second check, and nothing is
                # computed twice (written out here: the path of every edit). The mirror's
                # move and the soft rules' moves are one call (_move_moves).
                w, d, old, new = ch
                state = self.state
                if self._held[w, d] != new:
                    state.move(w, d, old, new)
                    self._check_roster((ch,))  # reverts the mirror, raises naming the cell
                stores = self._found
                found_moves = _AnchoredMoves()
                soft = 0.0 + self._move_moves(  # type: ignore[misc]
                    state, stores, w, d, old, new, found_moves
                )
                self._soft += soft
                self._stamp += 1  # any kept preview or gate is stale from now on
                if not found_moves:
                    return new_empty_delta(0, soft)
                came = gone = 0  # the records the moves stand for: new and held values
                for i, a, was, now_v in found_moves:  # (_store of moves alone, written out)
                    kept: AnchoredStore = stores[i]  # type: ignore[assignment]
                    kept.held[a] = now_v
                    if was == ABSENT:  # (then now_v is not: a move changes the value)
                        kept.size += 1
                        came += 1
                    elif now_v == ABSENT:
                        kept.size -= 1
                        gone += 1
                    else:
                        came += 1
                        gone += 1
                found_moves.stores = stores
                return new_counted_delta(found_moves, 0, soft, (came, gone))
            w, d, old, new = ch
            ch = (int(w), int(d), int(old), int(new))
            w, d, old, new = ch
            state = self.state
            state.apply(w, d, old, new)
            if self._held[w, d] != state.shift_of[w][d]:
                self._check_roster((ch,))  # raises, naming the cell
            if pending is not None and pending.stamp == self._stamp and pending.changes == (ch,):
                delta, changed = pending.delta, pending.changed
            else:
                delta, changed = self._compute_one(w, d, old, new)
        else:
            done = self._apply_all(changes)
            held, mirror = self._held, self.state.shift_of
            for w, d, _, _ in done:
                if held[w, d] != mirror[w][d]:
                    self._check_roster(done)  # raises, naming the cell
            if (
                pending is not None
                and pending.stamp == self._stamp
                and pending.changes == tuple(done)
            ):
                delta, changed = pending.delta, pending.changed
            else:
                delta, changed = self._compute(done)
        # _finish, written out (the path of every edit), with _store's moves
        moves, records = changed
        if records:
            self._store(changed)
        else:
            stores = self._found
            for i, a, was, now_v in moves:
                store: AnchoredStore = stores[i]  # type: ignore[assignment]
                store.held[a] = now_v
                if was == ABSENT:
                    store.size += 1
                elif now_v == ABSENT:
                    store.size -= 1
        self._hard += delta.hard
        self._soft += delta.soft
        self._stamp += 1
        return delta

    def commit_previewed(self, delta: Delta) -> Delta:
        """Commit the changes of the ``preview`` that returned ``delta`` (the roster must
        ALREADY hold them) without recomputing anything; returns ``delta``.

        Refused with ``ValueError`` (nothing changed) when ``delta`` is not the answer of the
        latest preview, when anything was committed or rebuilt since that preview (the
        preview is stale: preview again or use ``commit``), or when the roster does not hold
        the previewed changes."""
        pending = self._pending
        if pending is None or pending.delta is not delta:
            raise ValueError(
                "delta: not the answer of this validator's latest preview — preview the "
                "changes again (or commit them with commit(changes))"
            )
        if pending.stamp != self._stamp:
            raise ValueError(
                "delta: stale — the validator committed other changes since this preview; "
                "preview again (or commit the changes with commit(changes))"
            )
        done = self._apply_all(pending.changes)
        self._check_roster(done)
        self._finish(delta, pending.changed)
        return delta

    def _finish(self, delta: Delta, changed: _Changes) -> None:
        self._store(changed)
        self._hard += delta.hard
        self._soft += delta.soft
        self._stamp += 1  # any kept preview is stale from now on

    def score_delta(self, changes: Sequence[Change]) -> tuple[int, float]:
        """(hard, soft) change that ``changes`` would cause; no records, nothing changes.
        The roster must not hold the changes yet."""
        state = self.state
        if len(changes) == 1:
            w, d, old, new = changes[0]
            hard = self._hard_of_one(w, d, old, new)
            soft_one = self._soft_one
            if len(soft_one) == 1:
                return hard, 0.0 + soft_one[0](state, w, d, old, new)
            soft = 0.0
            for g in soft_one:
                soft += g(state, w, d, old, new)
            return hard, soft
        done: list[Change] = []
        total_hard: float = 0
        total_soft = 0.0
        try:
            for ch in changes:
                w, d, old, new = (int(x) for x in ch)
                state.check(w, d, old, new)
                for f in self._hard_fns:
                    total_hard += f(state, w, d, old, new)
                for g in self._soft_fns:
                    total_soft += g(state, w, d, old, new)
                state.apply(w, d, old, new)
                done.append((w, d, old, new))
        finally:
            self._revert(done)
        return int(total_hard), total_soft

    def hard_delta(self, changes: Sequence[Change]) -> int:
        """The hard part of ``score_delta(changes)`` (soft rules are not evaluated); nothing
        changes. The roster must not hold the changes yet."""
        if len(changes) != 1:
            hard, done = self._hard_of_many(changes)
            # a commit of these changes before anything else is committed skips the hard
            # rules when the schedule had no hard violation (see _compute)
            self._last_hard = (self._stamp, done) if hard == 0 else None
            return hard
        ch = changes[0]
        w, d, old, new = ch
        hard = self._hard_of_one(w, d, old, new)
        # a commit of this change before anything else is committed skips the hard rules
        # (when the schedule has no hard violation: see may_introduce_hard)
        self._gate = _gate_key(ch) if hard == 0 and not self._hard else None
        self._gate_stamp = self._stamp
        return hard

    def may_introduce_hard(self, changes: Sequence[Change]) -> bool:
        """False only when ``changes`` (the roster must not hold them yet) certainly introduce
        no hard violation: the schedule has none and their ``hard_delta`` is 0 — a commit of
        exactly these changes next then skips the hard rules, as after ``hard_delta``. True
        whenever the schedule has hard violations: only a ``preview`` tells a violation that
        moved from one that is new. Nothing changes."""
        if self._hard:
            return True
        # Every hard rule has no violation now. A change that takes a worker off a day, or
        # moves them to another shift of a day they keep working, cannot add one to the rules
        # that declare so (removal_can_violate, post_change_can_violate): their terms of the
        # hard delta are exactly 0, and the other rules' sum is the whole of it.
        if len(changes) == 1:  # (_hard_of_one, written out)
            ch = changes[0]
            w, d, old, new = ch
            state = self.state
            t = self.tables
            if not (
                0 <= w < t.n_w
                and 0 <= d < t.n_d
                and -1 <= new < t.n_s
                and old >= -1
                and state.shift_of[w][d] == old
            ):
                state.check(int(w), int(d), int(old), int(new))
            # one call site per kind of change: each then meets the same function from edit
            # to edit, which the interpreter specialises (a site that alternates between an
            # assign's and an unassign's functions takes the generic call); one call, no loop
            hard: float
            if old < 0:
                hard = self._gate_fns[0](state, w, d, old, new)
            elif new < 0:
                hard = self._gate_fns[1](state, w, d, old, new)
            else:
                hard = self._gate_fns[2](state, w, d, old, new)
            self._gate_stamp = self._stamp
            if hard == 0 or int(hard) == 0:
                # (_gate_key, written out)
                self._gate = (
                    ch
                    if ch.__class__ is tuple
                    and w.__class__ is d.__class__ is old.__class__ is new.__class__ is int
                    else (int(w), int(d), int(old), int(new))
                )
                return False
            self._gate = None
            return int(hard) > 0
        if self._hard_post_fns or not _shift_changes_only(changes):
            return self.hard_delta(changes) > 0
        # each change meets a state with no hard violation and leaves it so
        done: list[Change] = []
        for w, d, old, new in changes:
            ch = (int(w), int(d), int(old), int(new))
            self.state.check(*ch)
            done.append(ch)
        self._last_hard = (self._stamp, tuple(done))
        return False

    def _hard_of_many(self, changes: Sequence[Change]) -> tuple[int, tuple[Change, ...]]:
        """Hard change of several changes applied in order (each checked against the state
        they meet) and the changes as int tuples; nothing changes."""
        state = self.state
        hard_fns = self._hard_fns
        done: list[Change] = []
        total: float = 0
        try:
            for w, d, old, new in changes:
                ch = (int(w), int(d), int(old), int(new))
                state.check(*ch)
                for f in hard_fns:
                    total += f(state, *ch)
                state.apply(*ch)
                done.append(ch)
        finally:
            self._revert(done)
        return int(total), tuple(done)

    def _hard_of_one(
        self, w: int, d: int, old: int, new: int, fns: Sequence[DeltaFn] | None = None
    ) -> int:
        """Hard change of one change (checked against the state first) under the delta
        functions ``fns`` (default: every hard rule's); nothing changes."""
        state = self.state
        t = self.tables
        if not (
            0 <= w < t.n_w
            and 0 <= d < t.n_d
            and -1 <= new < t.n_s
            and old >= -1
            and state.shift_of[w][d] == old
        ):
            state.check(int(w), int(d), int(old), int(new))
        hard: float = 0
        for f in self._hard_fns if fns is None else fns:
            hard += f(state, w, d, old, new)
        return int(hard)

    # -- copies ---------------------------------------------------------------------------
    def copy(self, roster: Roster) -> Validator:
        """A validator for ``roster`` (which must hold the same assignments, e.g. a
        ``Roster.copy()``), sharing the rules and copying the maintained set.

        Cheap: the mirror is shared copy-on-write (see ``LiveState.copy``), the maintained
        records are immutable and shared, their per-rule maps are copied shallowly (index
        entries are never mutated in place), an ``AnchoredStore``'s values are copied (4 bytes
        an anchor). Afterwards the two validators are independent."""
        if roster.problem is not self.problem:
            raise ValueError("roster: belongs to another problem")
        if not np.array_equal(roster.shift_of, self.roster.shift_of):
            raise ValueError(
                "roster: holds different assignments — copy the roster this validator checks"
            )
        other = Validator.__new__(Validator)
        other.problem = self.problem
        other.roster = roster
        other._held = roster.cell_views()[1]
        other.tables = self.tables
        other.rules = self.rules
        other._live = self._live
        other._hard_fns = self._hard_fns
        other._hard_removal_fns = self._hard_removal_fns
        other._hard_post_fns = self._hard_post_fns
        other._gate_fns = self._gate_fns
        other._soft_fns = self._soft_fns
        other._soft_one = self._soft_one
        other._rule_fns = self._rule_fns
        other._soft_rule_fns = self._soft_rule_fns
        other._soft_moves = self._soft_moves
        other._move_moves = self._move_moves
        other._hard_rule_fns = self._hard_rule_fns
        other.state = self.state.copy()
        other._found = [f.copy() for f in self._found]
        other._index = []
        for f, idx in zip(other._found, self._index, strict=True):
            if isinstance(f, AnchoredStore):
                other._index.append(f.index)
            elif isinstance(idx, dict):
                other._index.append(idx.copy())
        other._hard = self._hard
        other._soft = self._soft
        other._stamp = 0
        other._pending = None
        other._last_hard = None
        other._gate = None
        other._gate_stamp = -1
        return other

    def __repr__(self) -> str:
        s = self.score()
        return f"Validator({len(self.rules)} rules, hard={s.hard}, soft={s.soft:g})"
