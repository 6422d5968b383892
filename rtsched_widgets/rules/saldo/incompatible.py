"""Incompatible pairs of workers (saldo)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation, nonzero2
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class Incompatibility(Rule):
    """Hard. Two workers with ``problem.incompatible[a, b]`` (symmetric: either listing the
    other in ``incompatible_with`` is enough) must not both work on the same date, whatever
    their posts.

    One violation per pair and date; key ``("incompatible", a, b, d)`` with ``a < b``;
    anchors (a, d) and (b, d).
    """

    name = "incompatible"
    severity = "hard"
    removal_can_violate = False
    post_change_can_violate = False

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        pairs = [(a, b) for a, ps in enumerate(tables.partners) for b in ps if a < b]
        self.pair_a = np.array([a for a, _ in pairs], dtype=np.int64)
        self.pair_b = np.array([b for _, b in pairs], dtype=np.int64)

    @property
    def active(self) -> bool:
        return bool(self.pair_a.size)

    def record(self, a: int, b: int, d: int) -> Violation:
        t = self.t
        return self.make(
            ("incompatible", a, b, d),
            (a, b),
            (d,),
            None,
            f"{t.worker_id[a]} and {t.worker_id[b]} are incompatible but both work on {t.iso[d]}",
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        a, b = self.pair_a, self.pair_b
        if not a.size:
            return Found.of_records(self, [])
        sh = roster.shift_of
        ps, ds = nonzero2((sh[a] >= 0) & (sh[b] >= 0))
        return Found(
            self,
            int(ps.size),
            np.ones(ps.size, dtype=float),
            lambda: [
                self.record(x, y, d)
                for x, y, d in zip(a[ps].tolist(), b[ps].tolist(), ds.tolist(), strict=True)
            ],
        )

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0) or not self.t.partners[w]:
            return ()
        return (w * self.t.n_d + d,)

    def anchors(self, key: tuple) -> Iterable[int]:
        n_d = self.t.n_d
        return (key[1] * n_d + key[3], key[2] * n_d + key[3])

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        t = self.t
        found: dict[tuple, Violation] = {}
        for a in anchors:
            w, d = divmod(a, t.n_d)
            if state.shift_of[w][d] < 0:
                continue
            for p in t.partners[w]:
                if state.shift_of[p][d] >= 0:
                    lo, hi = (p, w) if p < w else (w, p)
                    key = ("incompatible", lo, hi, d)
                    if key not in found:
                        found[key] = self.record(lo, hi, d)
        return list(found.values())

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        all_partners = self.t.partners

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            partners = all_partners[w]
            if not partners or (old < 0) == (new < 0):
                return 0
            shift_of = state.shift_of
            n = 0
            for p in partners:
                if shift_of[p][d] >= 0:
                    n += 1
            return n if old < 0 else -n

        return delta


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
@batched(Incompatibility)
def incompatibility_batched(rule: Incompatibility, state: BatchState) -> BatchTerm:
    """A candidate that starts (stops) working makes (removes) a violation with each
    incompatible partner working that day, ``pre``'s worker counted after its change."""
    incompatible = rule.problem.incompatible.astype(np.int64)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        n = state.partner_on[m.ws, m.ds]
        if m.pre is not None:
            pw, pold, pnew = m.pre
            n = n + incompatible[m.ws, pw] * ((pnew >= 0).astype(np.int64) - (pold >= 0))
        return m.flip.astype(np.int64) * m.sign * n

    return term


@encoding(Incompatibility)
def incompatibility_encoding(rule: Incompatibility, model: EncodingModel) -> None:
    """``not work[a, d] or not work[b, d]`` for each incompatible pair and day."""
    p, cp = model.p, model.model
    for a, b in zip(rule.pair_a.tolist(), rule.pair_b.tolist(), strict=True):
        for d in range(p.n_days):
            if (a, d) in model.work and (b, d) in model.work:
                cp.add_bool_or([~model.work[a, d], ~model.work[b, d]])
