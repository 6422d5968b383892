"""Fair shares of special days and of last posts (saldo, soft)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.state import LiveState, Tables


class _Share(Rule):
    """Soft rule on a per-worker count ``n`` against a fixed share; anchor ``w``.

    ``share[w] = targets[w] x part / required_total``; penalty =
    ``weight x (|n - share| - settings.target_tolerance)`` when positive.
    """

    kind = ""
    weight_name = ""
    live_count = ""  # the LiveState list of the per-worker counts

    def __init__(self, problem: Problem, tables: Tables) -> None:
        super().__init__(problem, tables)
        total = int(problem.required.sum())
        part = self.part(problem)
        fraction = part / total if total else 0.0
        self.share = [float(t) * fraction for t in tables.targets]
        self.tolerance = int(problem.settings.target_tolerance)
        self.weight = float(getattr(problem.settings, self.weight_name))
        self._texts: list[str] | None = None  # message tail per worker, made on first use

    def part(self, problem: Problem) -> int:
        raise NotImplementedError

    def counts(self, problem: Problem, roster: Roster) -> np.ndarray:
        raise NotImplementedError

    def penalty(self, w: int, n: int) -> float:
        excess = abs(n - self.share[w]) - self.tolerance
        return self.weight * excess if excess > 0 else 0.0

    def record(self, w: int, n: int) -> Violation:
        texts = self._texts
        if texts is None:
            label = self.name.replace("_", " ")
            texts = self._texts = [
                f"fair share {x:.2f} ± {self.tolerance} ({label})" for x in self.share
            ]
        return self.make_for_worker(
            (self.name, w),
            w,
            f"{self.t.worker_id[w]} holds {n} {self.kind}, {texts[w]}",
            self.penalty(w, n),
        )

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return self.full_found(problem, roster).records()

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        n: list[int] = getattr(state, self.live_count)
        out = []
        for w in anchors:  # (a loop: a comprehension is one more function call)
            if self.penalty(w, n[w]) > 0:
                out.append(self.record(w, n[w]))
        return out

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        counts = self.counts(problem, roster)
        # the same float operations as ``penalty``, element-wise
        excess = np.abs(counts - np.asarray(self.share, dtype=float)) - self.tolerance
        hit = np.flatnonzero(excess > 0)
        penalties = self.weight * excess[hit]
        keep = np.flatnonzero(penalties > 0)  # a zero weight reports nothing
        ws, ns = hit[keep], counts[hit[keep]]
        return Found(
            self,
            int(ws.size),
            penalties[keep],
            lambda: [self.record(w, n) for w, n in zip(ws.tolist(), ns.tolist(), strict=True)],
        )

    def anchors(self, key: tuple) -> Iterable[int]:
        return (key[1],)


class SpecialBalance(_Share):
    """Soft. Special days (weekend, holiday, pre-holiday) are shared in proportion to the
    targets: worker ``w``'s share is ``targets[w] x S / R`` with ``S`` the required slots on
    special days and ``R`` all required slots. Holding ``n`` shifts on special days costs
    ``settings.weight_special_balance x (|n - share| - settings.target_tolerance)`` when that
    is positive. Key ``("special_balance", w)``.
    """

    name = "special_balance"
    severity = "soft"
    kind = "special-day shifts"
    weight_name = "weight_special_balance"
    live_count = "n_special"

    def part(self, problem: Problem) -> int:
        return int(problem.required[problem.calendar.is_special].sum())

    def counts(self, problem: Problem, roster: Roster) -> np.ndarray:
        return ((roster.shift_of >= 0) & problem.calendar.is_special[None, :]).sum(axis=1)

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        if (old < 0) == (new < 0) or not self.t.special[d]:
            return ()
        return (w,)

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        # ``penalty`` inlined (same operations) over local names
        special, share, tol, weight = self.t.special, self.share, self.tolerance, self.weight

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            if (old < 0) == (new < 0) or not special[d]:
                return 0.0
            n, fair = state.n_special[w], share[w]
            before = abs(n - fair) - tol
            after = abs((n + 1 if old < 0 else n - 1) - fair) - tol
            return (weight * after if after > 0 else 0.0) - (weight * before if before > 0 else 0.0)

        return delta


class LastPostBalance(_Share):
    """Soft. The *last post* of a day is its highest-index shift type with a positive
    ``maximum``, on days with at least two such posts (``Tables.last_post``). Last posts are
    shared in proportion to the targets: share = ``targets[w] x L / R`` with ``L`` the required
    slots of the days' last posts and ``R`` all required slots; holding ``n`` last posts costs
    ``settings.weight_last_post_balance x (|n - share| - settings.target_tolerance)`` when
    positive. Key ``("last_post_balance", w)``.
    """

    name = "last_post_balance"
    severity = "soft"
    kind = "last posts"
    weight_name = "weight_last_post_balance"
    live_count = "n_last"

    @property
    def active(self) -> bool:
        return bool((self.t.last_post_arr >= 0).any())

    def part(self, problem: Problem) -> int:
        lp = self.t.last_post_arr
        days = np.flatnonzero(lp >= 0)
        return int(problem.required[days, lp[days]].sum())

    def counts(self, problem: Problem, roster: Roster) -> np.ndarray:
        sh = roster.shift_of
        return ((sh == self.t.last_post_arr[None, :]) & (sh >= 0)).sum(axis=1)

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        lp = self.t.last_post[d]
        if lp < 0 or (old == lp) == (new == lp):
            return ()
        return (w,)

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return self.delta_fn()(state, w, d, old, new)

    def delta_fn(self) -> DeltaFn:
        # ``penalty`` inlined (same operations) over local names
        last_post, share, tol, weight = self.t.last_post, self.share, self.tolerance, self.weight

        def delta(state: LiveState, w: int, d: int, old: int, new: int) -> float:
            lp = last_post[d]
            if lp < 0 or (old == lp) == (new == lp):
                return 0.0
            n, fair = state.n_last[w], share[w]
            before = abs(n - fair) - tol
            after = abs((n + 1 if new == lp else n - 1) - fair) - tol
            return (weight * after if after > 0 else 0.0) - (weight * before if before > 0 else 0.0)

        return delta
