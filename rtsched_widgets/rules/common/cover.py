"""Cover of each (day, shift) cell against its demand: under-cover and over-cover (soft)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.rules.anchored import ABSENT
from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.anchored import AnchoredRecords
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState


def coverage_percent(problem: Problem, roster: Roster) -> float:
    """Filled required slots as a percentage of all required slots: sum over cells of
    ``min(count, required)`` / sum of ``required`` x 100 (100.0 when nothing is required)."""
    required = int(problem.required.sum())
    if required == 0:
        return 100.0
    filled = int(np.minimum(roster.count, problem.required).sum())
    return 100.0 * filled / required


class _Cell(Rule):
    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        n_s = self.t.n_s
        if old == new:
            return ()
        if old < 0:
            return (d * n_s + new,)
        if new < 0:
            return (d * n_s + old,)
        return (d * n_s + old, d * n_s + new)

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1] * self.t.n_s + key[2],)

    @staticmethod
    def breaks(count: Any, required: Any) -> Any:
        """Whether a cell with ``count`` people against ``required`` is a violation; works on
        Python ints and, element-wise, on numpy arrays."""
        raise NotImplementedError

    def record(self, d: int, s: int, count: int) -> Violation:
        raise NotImplementedError

    def amount_weight(self, problem: Problem) -> np.ndarray:
        """The per-person weight of this rule per cell (``under_weight``/``over_weight``)."""
        raise NotImplementedError

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def _broken_cells(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Days, shifts, counts and penalties of the violated cells, row-major."""
        count = roster.count
        required = problem.required
        ds, ss = np.nonzero(self.breaks(count, required))
        cs = count[ds, ss]
        weight = self.amount_weight(problem)[ds, ss].astype(float)
        penalties = weight * np.abs(required[ds, ss].astype(np.int64) - cs.astype(np.int64))
        return ds, ss, cs, penalties

    # -- at most one violation per cell: the validator keeps one int per cell (``anchored``)
    def anchored(self) -> AnchoredRecords:
        """This rule: a cell holds at most one violation, rebuilt from the cell and the
        number of people on it (the value)."""
        return self

    def n_anchors(self) -> int:
        return self.t.n_d * self.t.n_s

    def anchor_of(self, key: tuple) -> int:
        return key[1] * self.t.n_s + key[2]

    def key_at(self, anchor: int) -> tuple:
        d, s = divmod(anchor, self.t.n_s)
        return (self.name, d, s)

    def value_now(self, state: LiveState, anchor: int) -> int:
        d, s = divmod(anchor, self.t.n_s)
        c = state.count[d][s]
        return c if self.breaks(c, self.t.required[d][s]) else ABSENT

    def record_at(self, anchor: int, value: int) -> Violation:
        d, s = divmod(anchor, self.t.n_s)
        return self.record(d, s, value)

    def penalty_at(self, anchor: int, value: int) -> float:
        raise NotImplementedError

    def full_values(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ds, ss, cs, penalties = self._broken_cells(problem, roster)
        return ds.astype(np.int64) * self.t.n_s + ss, cs, penalties

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        ds, ss, cs, penalties = self._broken_cells(problem, roster)

        def records() -> list[Violation]:
            return [
                self.record(d, s, c)
                for d, s, c in zip(ds.tolist(), ss.tolist(), cs.tolist(), strict=True)
            ]

        return Found(self, int(ds.size), penalties, records)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t, out = self.t, []
        for a in anchors:
            d, s = divmod(a, t.n_s)
            c = state.count[d][s]
            if self.breaks(c, t.required[d][s]):
                out.append(self.record(d, s, c))
        return out


class CoverUnder(_Cell):
    """Soft. Cell (day ``d``, shift ``s``) must hold ``required[d, s]`` people; each missing
    person costs ``under_weight[d, s]`` (saldo: ``settings.weight_coverage`` per unfilled
    required slot; NRP: the file's weight for under). Penalty =
    ``under_weight[d, s] x (required - count)`` when ``count < required``.

    Key ``("cover_under", d, s)``; anchor the cell.
    """

    name = "cover_under"
    severity = "soft"

    def amount_weight(self, problem: Problem) -> np.ndarray:
        return np.asarray(problem.under_weight)

    def record(self, d: int, s: int, count: int) -> Violation:
        t = self.t
        req = t.required[d][s]
        missing = req - count
        return self.make_for_cell(
            ("cover_under", d, s),
            d,
            s,
            f"shift {t.shift_id[s]} on {t.iso[d]} has {count} of {req} required "
            f"({missing} missing; cover under)",
            t.under_weight[d][s] * missing,
        )

    @staticmethod
    def breaks(count: Any, required: Any) -> Any:
        return count < required

    def penalty_at(self, anchor: int, value: int) -> float:
        t = self.t
        d, s = divmod(anchor, t.n_s)
        return float(t.under_weight[d][s] * (t.required[d][s] - value))

    def value_now(self, state: LiveState, anchor: int) -> int:
        t = self.t  # (_Cell.value_now, written out)
        d, s = divmod(anchor, t.n_s)
        c = state.count[d][s]
        return c if c < t.required[d][s] else ABSENT

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        required, weight = self.t.required, self.t.under_weight

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if old == new:
                return 0.0
            row, req = state.count[d], required[d]
            change = 0.0
            if old >= 0 and row[old] <= req[old]:
                change += weight[d][old]
            if new >= 0 and row[new] < req[new]:
                change -= weight[d][new]
            return change

        return delta


class CoverOver(_Cell):
    """Soft. Each person beyond ``required[d, s]`` in cell (``d``, ``s``) costs
    ``over_weight[d, s]``: penalty = ``over_weight[d, s] x (count - required)`` when
    ``count > required`` (NRP cover; the saldo profile forbids over-cover through ``maximum``
    and does not use this rule).

    Key ``("cover_over", d, s)``; anchor the cell.
    """

    name = "cover_over"
    severity = "soft"

    def amount_weight(self, problem: Problem) -> np.ndarray:
        return np.asarray(problem.over_weight)

    def record(self, d: int, s: int, count: int) -> Violation:
        t = self.t
        req = t.required[d][s]
        surplus = count - req
        return self.make_for_cell(
            ("cover_over", d, s),
            d,
            s,
            f"shift {t.shift_id[s]} on {t.iso[d]} has {count} people, {req} required "
            f"({surplus} too many; cover over)",
            t.over_weight[d][s] * surplus,
        )

    @staticmethod
    def breaks(count: Any, required: Any) -> Any:
        return count > required

    def penalty_at(self, anchor: int, value: int) -> float:
        t = self.t
        d, s = divmod(anchor, t.n_s)
        return float(t.over_weight[d][s] * (value - t.required[d][s]))

    def value_now(self, state: LiveState, anchor: int) -> int:
        t = self.t  # (_Cell.value_now, written out)
        d, s = divmod(anchor, t.n_s)
        c = state.count[d][s]
        return c if c > t.required[d][s] else ABSENT

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        required, weight = self.t.required, self.t.over_weight

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if old == new:
                return 0.0
            row, req = state.count[d], required[d]
            change = 0.0
            if old >= 0 and row[old] > req[old]:
                change -= weight[d][old]
            if new >= 0 and row[new] >= req[new]:
                change += weight[d][new]
            return change

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(CoverUnder)
def cover_under_batched(rule: CoverUnder, state: BatchState) -> BatchTerm:
    """The under weight of the cell a candidate leaves when it falls short (or was already
    at the requirement), less that of the cell it joins while short (after ``pre``)."""
    weight = rule.problem.under_weight.astype(float)

    def term(m: Moves) -> np.ndarray:
        oc, nc, cnt_old, cnt_new, req_old, req_new = m.cells
        ds = m.ds
        soft = np.where(m.works_old & (cnt_old <= req_old), weight[ds, oc], 0.0)
        soft -= np.where(m.new_works & (cnt_new < req_new), weight[ds, nc], 0.0)
        return soft

    return term


@batched(CoverOver)
def cover_over_batched(rule: CoverOver, state: BatchState) -> BatchTerm:
    """The over weight of the cell a candidate joins at or above the requirement, less that
    of the cell it leaves above it (after ``pre``)."""
    weight = rule.problem.over_weight.astype(float)

    def term(m: Moves) -> np.ndarray:
        oc, nc, cnt_old, cnt_new, req_old, req_new = m.cells
        ds = m.ds
        soft = np.where(m.new_works & (cnt_new >= req_new), weight[ds, nc], 0.0)
        soft -= np.where(m.works_old & (cnt_old > req_old), weight[ds, oc], 0.0)
        return soft

    return term


@encoding(CoverUnder)
def cover_under_encoding(rule: CoverUnder, model: EncodingModel) -> None:
    """The cover balance ``count + under - over == required`` of every cell (the builder's
    ``cover``), ``under`` charged; ``over`` too when the model also encodes ``cover_over``
    (one pair of slacks per cell serves both rules)."""
    model.cover(over_allowed=model.holds(CoverOver.name))


@encoding(CoverOver)
def cover_over_encoding(rule: CoverOver, model: EncodingModel) -> None:
    """Charged by the balance that ``cover_under``'s encoding builds; built here (``over``
    charged) only when the model does not encode ``cover_under``."""
    if not model.holds(CoverUnder.name):
        model.cover(over_allowed=True)
