"""Fair shares of special days and of last posts (saldo, soft)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from rtsched_widgets.rules.anchored import ABSENT, PerWorkerAnchors
from rtsched_widgets.rules.base import DeltaFn, Found, Rule, Violation
from rtsched_widgets.rules.registry import batched, encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.batch import BatchState, BatchTerm, Moves
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables


class _Share(PerWorkerAnchors, Rule):
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

    def full_values(
        self, problem: Problem, roster: Roster
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        counts = self.counts(problem, roster)
        # the same float operations as ``penalty``, element-wise
        excess = np.abs(counts - np.asarray(self.share, dtype=float)) - self.tolerance
        hit = np.flatnonzero(excess > 0)
        penalties = self.weight * excess[hit]
        keep = np.flatnonzero(penalties > 0)  # a zero weight reports nothing
        ws = hit[keep]
        return ws, counts[ws], penalties[keep]

    def full_found(self, problem: Problem, roster: Roster) -> Found:
        ws, ns, penalties = self.full_values(problem, roster)
        return Found(
            self,
            int(ws.size),
            penalties,
            lambda: [self.record(w, n) for w, n in zip(ws.tolist(), ns.tolist(), strict=True)],
        )

    # -- at most one violation per worker: the validator keeps one int per worker
    # (PerWorkerAnchors), the rule's count of the worker
    def value_now(self, state: LiveState, anchor: int) -> int:
        n: int = getattr(state, self.live_count)[anchor]
        return n if self.penalty(anchor, n) > 0 else ABSENT

    def penalty_at(self, anchor: int, value: int) -> float:
        excess = abs(value - self.share[anchor]) - self.tolerance  # (penalty, written out)
        return self.weight * excess if excess > 0 else 0.0


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

    def value_now(self, state: LiveState, anchor: int) -> int:
        n = state.n_special[anchor]  # (_Share.value_now, written out)
        excess = abs(n - self.share[anchor]) - self.tolerance
        return n if excess > 0 and self.weight * excess > 0 else ABSENT

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

    def value_now(self, state: LiveState, anchor: int) -> int:
        n = state.n_last[anchor]  # (_Share.value_now, written out)
        excess = abs(n - self.share[anchor]) - self.tolerance
        return n if excess > 0 and self.weight * excess > 0 else ABSENT

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


# -- batched evaluation and CP-SAT encoding (see rules.registry) ---------------------------
def _penalty(
    rule: _Share,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    tolerance, weight = rule.tolerance, rule.weight

    def penalty(n: np.ndarray, share: np.ndarray) -> np.ndarray:
        excess = np.abs(n - share) - tolerance
        return np.where(excess > 0, weight * excess, 0.0)

    return penalty


@batched(SpecialBalance)
def special_balance_batched(rule: SpecialBalance, state: BatchState) -> BatchTerm:
    """On a special day: the change of the worker's penalty with its special-day count."""
    share = np.asarray(rule.share, dtype=float)
    penalty = _penalty(rule)

    def term(m: Moves) -> np.ndarray | None:
        if not m.any_flip:
            return None
        special = state.special[m.ds] & m.flip
        if not special.any():
            return None
        n, fair = state.n_special[m.ws], share[m.ws]
        return np.where(special, penalty(n + m.sign, fair) - penalty(n, fair), 0.0)

    return term


@batched(LastPostBalance)
def last_post_balance_batched(rule: LastPostBalance, state: BatchState) -> BatchTerm:
    """Where the candidate takes or leaves the day's last post: the change of the worker's
    penalty with its last-post count."""
    share = np.asarray(rule.share, dtype=float)
    penalty = _penalty(rule)

    def term(m: Moves) -> np.ndarray | None:
        lp = state.last_arr[m.ds]
        moved = (lp >= 0) & ((m.old == lp) != (m.new == lp))
        if not moved.any():
            return None
        n, fair = state.n_last[m.ws], share[m.ws]
        step = np.where(m.new == lp, 1, -1)
        return np.where(moved, penalty(n + step, fair) - penalty(n, fair), 0.0)

    return term


@encoding(SpecialBalance, LastPostBalance)
def balance_encoding(rule: SpecialBalance | LastPostBalance, model: EncodingModel) -> None:
    """``weight x (|n - t x part / R| - tol)`` when positive, modelled exactly in units of
    ``1 / R`` (``R`` = the total of required slots, the builder's ``total_required``)."""
    p, n, cp = model.p, model.p.n_days, model.model
    model.terms.append(rule.name)
    coef = round(rule.weight * model.unit)
    if int(p.required.sum()) == 0 or coef == 0:
        return
    R = model.total_required
    part = rule.part(p)
    tol = rule.tolerance
    special = isinstance(rule, SpecialBalance)
    if special:
        cells = [(d, -1) for d in range(n) if p.calendar.is_special[d]]  # any shift
    else:
        last = rule.t.last_post_arr
        cells = [(d, int(last[d])) for d in range(n) if last[d] >= 0]
    for w in range(p.n_workers):
        if special:
            count = sum(model.work[w, d] for d, _ in cells if (w, d) in model.work)
        else:
            count = sum(model.x[w, d, s] for d, s in cells if (w, d, s) in model.x)
        share_r = int(p.targets[w]) * part  # share x R
        e = cp.new_int_var(0, max(n * R + share_r, 1), f"{rule.name}_{w}")
        cp.add_max_equality(e, [count * R - share_r - tol * R, share_r - count * R - tol * R, 0])
        model.objective.append(coef * e)
