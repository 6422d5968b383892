"""Forbidden next-day successions of shift types (NRP)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class ForbiddenSuccession(Rule):
    """Hard. A worker on shift ``s`` on day ``d`` must not work a shift listed in
    ``shift_types[s].forbidden_next`` on day ``d + 1`` (only consecutive days of the horizon;
    nothing is assumed before the first or after the last day).

    Key ``("succession", w, d)`` for the pair of days ``d`` and ``d + 1``; anchors (w, d) and
    (w, d + 1).
    """

    name = "succession"
    severity = "hard"
    removal_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        n_s = problem.n_shifts
        table = np.zeros((n_s + 1, n_s + 1), dtype=bool)  # row/column n_s stands for "off"
        for s, st in enumerate(problem.shift_types):
            for nxt in st.forbidden_next:
                table[s, problem.shift_index[nxt]] = True
        self.table = table
        self.forbidden = table.tolist()  # index -1 hits the "off" row/column

    @property
    def active(self) -> bool:
        return bool(self.table.any())

    def record(self, w: int, d: int, s: int, nxt: int) -> Violation:
        t = self.t
        return self.make(
            ("succession", w, d),
            (w,),
            (d, d + 1),
            None,
            f"{t.worker_id[w]} works {t.shift_id[s]} on {t.iso[d]} and {t.shift_id[nxt]} on "
            f"{t.iso[d + 1]}, a forbidden succession",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        if not self.table.any() or problem.n_days < 2:
            return []
        sh = roster.shift_of.astype(np.int64)
        hit = self.table[sh[:, :-1], sh[:, 1:]]
        ws, ds = np.nonzero(hit)
        return [
            self.record(w, d, int(sh[w, d]), int(sh[w, d + 1]))
            for w, d in zip(ws.tolist(), ds.tolist(), strict=True)
        ]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if old == new:
            return ()
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        base = key[1] * self.t.n_d + key[2]
        return (base, base + 1)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n_d, forb = self.t.n_d, self.forbidden
        found: dict[tuple, Violation] = {}
        for a in anchors:
            w, d = divmod(a, n_d)
            row = state.shift_of[w]
            for x in (d - 1, d):
                if x >= 0 and x + 1 < n_d and forb[row[x]][row[x + 1]]:
                    key = ("succession", w, x)
                    if key not in found:
                        found[key] = self.record(w, x, row[x], row[x + 1])
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        forb, n_d = self.forbidden, self.t.n_d

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if old == new:
                return 0
            row = state.shift_of[w]
            n = 0
            if d > 0:
                prev = forb[row[d - 1]]
                n += prev[new] - prev[old]
            if d + 1 < n_d:
                nxt = row[d + 1]
                n += forb[new][nxt] - forb[old][nxt]
            return n

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(ForbiddenSuccession)
def succession_batched(rule: ForbiddenSuccession, state: BatchState) -> BatchTerm:
    """The forbidden successions the new shift makes with the worker's shifts of the days
    before and after, less those the old shift made (row/column -1 of the table: off)."""
    forbidden = rule.table.astype(np.int64)

    def term(m: Moves) -> np.ndarray:
        _, _, prev, nxt = m.beside
        old, new = m.old, m.new
        f = forbidden
        return f[prev, new] - f[prev, old] + f[new, nxt] - f[old, nxt]

    return term


@encoding(ForbiddenSuccession)
def succession_encoding(rule: ForbiddenSuccession, model: EncodingModel) -> None:
    """One at-most-one per worker, day and group of shift types with the same forbidden
    successors: the group's shifts today and each shift type forbidden to follow them
    tomorrow. The shifts of one day exclude each other already (one shift a day), so this is
    the same as one at-most-one per shift type, in fewer and shorter constraints (Instance24:
    7 groups of its 27 shift types with forbidden successors)."""
    p, n = model.p, model.p.n_days
    groups: dict[tuple[int, ...], list[int]] = {}
    for s, st in enumerate(p.shift_types):
        if st.forbidden_next:
            nexts = tuple(sorted({p.shift_index[t] for t in st.forbidden_next}))
            groups.setdefault(nexts, []).append(s)
    if not groups:
        return
    for w in range(p.n_workers):
        if not model.touches(w, 0, n):
            continue  # wholly outside the region: its base roster meets the rule
        for d in range(n - 1):
            if not model.touches(w, d, d + 2):
                continue
            for nexts, todays in groups.items():
                today = [v for v in (model.xv(w, d, s) for s in todays) if not _is_zero(v)]
                if not today:
                    continue
                tomorrow = [v for v in (model.xv(w, d + 1, t) for t in nexts) if not _is_zero(v)]
                model.at_most_one(today + tomorrow)


def _is_zero(value: object) -> bool:
    """Whether a model term is the constant 0 (no variable, nothing held)."""
    return isinstance(value, int) and value == 0
