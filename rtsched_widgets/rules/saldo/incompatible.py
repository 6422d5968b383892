"""Incompatible pairs of workers (saldo)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import Rule, Violation

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.state import LiveState


class Incompatibility(Rule):
    """Hard. Two workers with ``problem.incompatible[a, b]`` (symmetric: either listing the
    other in ``incompatible_with`` is enough) must not both work on the same date, whatever
    their posts.

    One violation per pair and date; key ``("incompatible", a, b, d)`` with ``a < b``;
    anchors (a, d) and (b, d).
    """

    name = "incompatible"
    severity = "hard"

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
        pairs = np.argwhere(np.triu(problem.incompatible, 1))
        if not len(pairs):
            return []
        works = roster.shift_of >= 0
        a, b = pairs[:, 0], pairs[:, 1]
        ps, ds = np.nonzero(works[a] & works[b])
        return [
            self.record(x, y, d)
            for x, y, d in zip(a[ps].tolist(), b[ps].tolist(), ds.tolist(), strict=True)
        ]

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
        partners = self.t.partners[w]
        if not partners or (old < 0) == (new < 0):
            return 0
        shift_of = state.shift_of
        n = 0
        for p in partners:
            if shift_of[p][d] >= 0:
                n += 1
        return n if old < 0 else -n
