"""Batched move evaluation for local search: many candidate workers of one day in one pass.

``FastEvaluator`` keeps a roster as numpy arrays plus the running aggregates the rules of the
problem's profile need (counts per cell, per worker and type, minutes, weekend and
special-day counts, incompatible partners working per day, run lengths of working days / days
off / weeks with weekend work; the ``BatchState`` of :mod:`rtsched_widgets.rules.batch`), and
answers, for one day ``d``, one target shift ``new`` and a vector of candidate workers, the
``(hard, soft)`` score change of each candidate ``w`` going from its current shift on ``d`` to
``new`` — optionally after a *preceding* change of another worker on the same day (the first
half of a reassign or a swap). The answers are the same as the rule engine's
``Validator.score_delta`` of the corresponding change list (the differential tests prove it);
only the cross-worker rules (cover and, in the saldo profile, incompatibility) see the
preceding change, every other rule is per worker.

It holds no rule of its own: each rule of the profile (``rules.profiles``) declares its
batched term beside its other checks (``@batched`` in the rule's module, see
:mod:`rtsched_widgets.rules.registry`), and the evaluator adds the terms of the active rules
— hard ones as ints, soft ones to ``0.0`` in rule order. Each soft term computes its value
with the float operations of the rule's delta check, so a placement (a worker who is off
starting a shift) gets its soft change bit for bit as the rule engine sums it; other changes
agree up to float rounding. A rule without a declared term is refused when the evaluator is
built (``MissingPiece``, naming it).

No hand-inlined path is kept: the former single function over every rule of a profile was
faster by 6-8 % of an evaluation on the NRP instances 5 and 7 and by nothing on the saldo
profile (same candidates, timed alternately in one process by
``benchmarks/bench_batched_terms.py``), under the 10 % that would pay for a second copy of
every rule; see "One declaration per rule" in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.rules.batch import BatchTerm, Moves, Pre
from rtsched_widgets.rules.profiles import rule_classes
from rtsched_widgets.rules.registry import batched_factory, require_declared
from rtsched_widgets.rules.state import Tables

Change = tuple[int, int, int, int]


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a 1-D bool row: length of the run of equal values ending at / starting at each
    index (inclusive)."""
    n = len(flags)
    if n > 48:  # vectorised (the loop below is faster on short rows)
        idx = np.arange(n, dtype=np.int64)
        change = np.empty(n, dtype=bool)
        change[0] = True
        np.not_equal(flags[1:], flags[:-1], out=change[1:])
        first = np.maximum.accumulate(np.where(change, idx, 0))
        last_ = np.empty(n, dtype=bool)
        last_[-1] = True
        last_[:-1] = change[1:]
        final = np.minimum.accumulate(np.where(last_, idx, n - 1)[::-1])[::-1]
        return idx - first + 1, final - idx + 1
    end = np.ones(n, dtype=np.int64)
    start = np.ones(n, dtype=np.int64)
    f = flags.tolist()
    for i in range(1, n):
        if f[i] == f[i - 1]:
            end[i] = end[i - 1] + 1
    for i in range(n - 2, -1, -1):
        if f[i] == f[i + 1]:
            start[i] = start[i + 1] + 1
    return end, start


class FastEvaluator:
    """Incremental batched evaluator of ``problem`` over the roster ``shift_of`` (copied).

    ``batch(d, workers, new, pre=None)``: arrays ``(hard, soft)`` of the score change of each
    worker in ``workers`` (int array; none may be the worker of ``pre`` nor already hold
    ``new`` on ``d``) going to ``new`` (-1 = off) on day ``d``, after ``pre = (w1, old1, new1)``
    (a change of worker ``w1`` on the same day) when given — the change of ``pre`` itself is
    NOT included (see ``single``). ``placements(d, workers, new)``: the same for workers who
    are off on ``d`` starting shift ``new >= 0``, soft changes bit for bit those of the rule
    engine. ``commit(changes)`` applies changes ``(w, d, old, new)``.

    The terms are those of the profile's built-in rules (``rules.profiles.rule_classes``);
    custom rules are not evaluated here (the searches that honour them score through the
    rule engine).
    """

    def __init__(self, problem: Problem, shift_of: np.ndarray) -> None:
        if problem.profile not in ("nrp", "saldo"):
            raise ValueError(f"problem.profile: {problem.profile!r} — use 'nrp' or 'saldo'")
        p = self.p = problem
        self.nrp = problem.profile == "nrp"
        self.n_w, self.n_d, self.n_s = p.n_workers, p.n_days, p.n_shifts
        cal = p.calendar
        self.minutes_pad = np.append(np.array([st.minutes for st in p.shift_types], np.int64), 0)
        self.week = np.asarray(cal.week, dtype=np.int64)
        self.n_weeks = int(self.week[-1]) + 1 if self.n_d else 0
        self.ssw_arr = cal.sat_sun_week.astype(np.int64)
        self.sat_sun_week = self.ssw_arr.tolist()
        self.special = np.asarray(cal.is_special, dtype=bool)
        self.special_list = self.special.tolist()
        tables = Tables.of(problem)
        self.last_arr = np.asarray(tables.last_post_arr, dtype=np.int64)
        self.last_post = self.last_arr.tolist()
        self.incompatible = p.incompatible
        self.required = p.required.astype(np.int64)
        self.has_partners = bool(p.incompatible.any())
        # partners_of[w]: the workers x with incompatible[x, w] (their count moves with w)
        pa, pb = np.nonzero(p.incompatible)
        by: list[list[int]] = [[] for _ in range(self.n_w)]
        for x, y in zip(pa.tolist(), pb.tolist(), strict=True):
            by[y].append(x)
        self.partners_of = [np.array(x, dtype=np.int64) if x else None for x in by]
        self.load(shift_of)
        classes = rule_classes(problem.profile)
        require_declared(classes)
        rules = [cls(problem, tables) for cls in classes]
        active = [r for r in rules if r.active]
        hard = [r for r in active if r.severity == "hard"]
        self.hard_terms: list[BatchTerm] = [batched_factory(r)(r, self) for r in hard]
        """The hard rules' terms, in rule order."""
        self.soft_terms: list[BatchTerm] = [
            batched_factory(r)(r, self) for r in active if r.severity == "soft"
        ]
        """The soft rules' terms, in rule order (the order the rule engine adds them in)."""
        # for placements: the hard terms of rules about days only (which days are worked, not
        # which shift) do not depend on the shift a worker who is off starts
        self.day_terms = [
            t for r, t in zip(hard, self.hard_terms, strict=True) if not r.post_change_can_violate
        ]
        self.shift_terms = [
            t for r, t in zip(hard, self.hard_terms, strict=True) if r.post_change_can_violate
        ]

    # -- state ----------------------------------------------------------------------------
    def load(self, shift_of: np.ndarray) -> None:
        """(Re)build every aggregate from ``shift_of``."""
        n_w, n_d, n_s = self.n_w, self.n_d, self.n_s
        sh = self.sh = np.array(shift_of, dtype=np.int64, copy=True)
        works = sh >= 0
        w_idx, d_idx = np.nonzero(works)
        s_idx = sh[w_idx, d_idx]
        self.count = np.zeros((n_d, n_s), dtype=np.int64)
        np.add.at(self.count, (d_idx, s_idx), 1)
        self.n_ws = np.zeros((n_w, n_s + 1), dtype=np.int64)
        np.add.at(self.n_ws, (w_idx, s_idx), 1)
        self.mins = self.minutes_pad[sh].sum(axis=1)
        self.n_work = works.sum(axis=1)
        wk = np.zeros((n_w, max(self.n_weeks, 1)), dtype=np.int64)
        ssw = np.asarray(self.sat_sun_week, dtype=np.int64)
        sel = ssw[d_idx] >= 0
        np.add.at(wk, (w_idx[sel], ssw[d_idx[sel]]), 1)
        self.wkend = wk
        self.n_weekends = (wk > 0).sum(axis=1)
        if self.nrp:
            self.run_end = np.zeros((n_w, n_d), dtype=np.int64)
            self.run_start = np.zeros((n_w, n_d), dtype=np.int64)
            for w in range(n_w):
                self._row_runs(w)
        else:
            self.cum = np.zeros((n_w, n_d + 1), dtype=np.int64)
            self.cum[:, 1:] = np.cumsum(works, axis=1)
            spw = np.zeros((n_w, max(self.n_weeks, 1)), dtype=np.int64)
            sel = self.special[d_idx]
            np.add.at(spw, (w_idx[sel], self.week[d_idx[sel]]), 1)
            self.spw = spw
            self.n_special = spw.sum(axis=1)
            self.n_last = ((sh == self.last_arr[None, :]) & works).sum(axis=1)
            self.wrun_end = np.zeros_like(spw)
            self.wrun_start = np.zeros_like(spw)
            for w in range(n_w):
                self._row_week_runs(w)
            # partner_on[w, d]: incompatible partners of w working on d
            self.partner_on = np.zeros((n_w, n_d), dtype=np.int64)
            if self.has_partners:
                pa, pb = np.nonzero(self.incompatible)
                np.add.at(self.partner_on, pa, works[pb].astype(np.int64))

    def _row_runs(self, w: int) -> None:
        end, start = _runs(self.sh[w] >= 0)
        self.run_end[w] = end
        self.run_start[w] = start

    def _row_week_runs(self, w: int) -> None:
        has = self.spw[w] > 0
        end, start = _runs(has)
        self.wrun_end[w] = np.where(has, end, 0)
        self.wrun_start[w] = np.where(has, start, 0)

    def commit(self, changes: Sequence[Change]) -> None:
        """Apply ``changes`` (each ``(w, d, old, new)``, ``old`` the current shift)."""
        touched: set[int] = set()
        weeks: set[int] = set()
        for w, d, old, new in changes:
            if int(self.sh[w, d]) != old:
                raise ValueError(
                    f"changes: worker {w} holds shift {int(self.sh[w, d])} on day {d}, not {old}"
                )
            if old == new:
                continue
            self.sh[w, d] = new
            if old >= 0:
                self.count[d, old] -= 1
            if new >= 0:
                self.count[d, new] += 1
            self.n_ws[w, old] -= 1
            self.n_ws[w, new] += 1
            self.mins[w] += self.minutes_pad[new] - self.minutes_pad[old]
            sign = (new >= 0) - (old >= 0)
            if not self.nrp:
                lp = self.last_post[d]
                if lp >= 0:
                    self.n_last[w] += (new == lp) - (old == lp)
            if sign == 0:
                continue
            touched.add(w)
            self.n_work[w] += sign
            k = self.sat_sun_week[d]
            if k >= 0:
                before = self.wkend[w, k]
                self.wkend[w, k] = before + sign
                if before == 0 or before + sign == 0:
                    self.n_weekends[w] += sign
            if not self.nrp:
                self.cum[w, d + 1 :] += sign
                partners = self.partners_of[w]
                if partners is not None:
                    self.partner_on[partners, d] += sign
                if self.special_list[d]:
                    self.spw[w, self.week[d]] += sign
                    self.n_special[w] += sign
                    weeks.add(w)
        for w in touched:
            if self.nrp:
                self._row_runs(w)
        for w in weeks:  # week runs only move with special days
            self._row_week_runs(w)

    # -- evaluation -----------------------------------------------------------------------
    def single(self, w: int, d: int, new: int) -> tuple[int, float]:
        """Score change of worker ``w`` going to ``new`` on day ``d``."""
        if int(self.sh[w, d]) == new:
            return 0, 0.0
        hard, soft = self.batch(d, np.array([w], dtype=np.int64), new)
        return int(hard[0]), float(soft[0])

    def delta(self, changes: Sequence[Change]) -> tuple[int, float]:
        """Score change of a change list of up to two workers on one day (as
        ``Validator.score_delta``); other lists are evaluated by committing and reverting."""
        ch = [c for c in changes if c[2] != c[3]]
        if len(ch) == 1:
            w, d, _, new = ch[0]
            return self.single(w, d, new)
        if len(ch) == 2 and ch[0][1] == ch[1][1] and ch[0][0] != ch[1][0]:
            (w1, d, old1, new1), (w2, _, _, new2) = ch
            h1, s1 = self.single(w1, d, new1)
            h2, s2 = self.batch(d, np.array([w2], dtype=np.int64), new2, pre=(w1, old1, new1))
            return h1 + int(h2[0]), s1 + float(s2[0])
        before = self.score_parts()
        self.commit(ch)
        after = self.score_parts()
        self.commit([(w, d, new, old) for w, d, old, new in reversed(ch)])
        return after[0] - before[0], after[1] - before[1]

    def score_parts(self) -> tuple[int, float]:
        """Hard count and soft penalty of the current roster, from scratch (slow; tests and
        the generic path of ``delta``)."""
        from rtsched_widgets.model.roster import Roster
        from rtsched_widgets.solve.scoring import score_roster

        roster = Roster(self.p)
        for w, d in zip(*np.nonzero(self.sh >= 0), strict=True):
            roster.place(int(w), int(d), int(self.sh[w, d]), roster.free_slot(d, self.sh[w, d]))
        return score_roster(self.p, roster)

    def batch(
        self,
        d: int,
        ws: np.ndarray,
        new: int,
        pre: tuple[int, int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """See the class docstring (one day, one target shift)."""
        n = len(ws)
        ds = np.full(n, d, dtype=np.int64)
        news = np.full(n, new, dtype=np.int64)
        if pre is None:
            return self.evaluate(ws, ds, news)
        w1, old1, new1 = pre
        return self.evaluate(
            ws,
            ds,
            news,
            (np.full(n, w1, np.int64), np.full(n, old1, np.int64), np.full(n, new1, np.int64)),
        )

    def placements(self, d: int, ws: np.ndarray, new: int) -> tuple[np.ndarray, np.ndarray]:
        """Score change of each worker of ``ws`` (int array; all off on day ``d``) starting to
        work shift ``new`` (>= 0) on ``d``: ``batch(d, ws, new)``, whose soft change is then
        that of ``Validator.score_delta([(w, d, -1, new)])`` bit for bit (each soft term
        computes a placement's change with the rule's own float operations, summed from
        ``0.0`` in rule order); equal to ``placement_day_part + placement_shift_part`` and
        ``placement_soft``."""
        return self.batch(d, ws, new)

    def placement_soft(self, d: int, ws: np.ndarray, new: int) -> np.ndarray:
        """The soft change of ``placements(d, ws, new)``."""
        return self._sum(self._placing(d, ws, new), self.soft_terms, float)

    def placement_shift_part(self, d: int, ws: np.ndarray, new: int) -> np.ndarray:
        """The part of the hard change of ``placements(d, ws, new)`` from the rules that look
        at the shift (``Rule.post_change_can_violate``: successions, limits per shift type,
        minutes, …)."""
        return self._sum(self._placing(d, ws, new), self.shift_terms, np.int64)

    def placement_day_part(self, d: int | np.ndarray, ws: np.ndarray) -> np.ndarray:
        """The part of the hard change of ``placements(d, ws, new)`` that does not depend on
        the shift (the rules about days only: availability, runs, weekends, …); it changes
        only with commits of the worker itself. ``d`` may also be an int array (element-wise
        with ``ws``)."""
        return self._sum(self._placing(d, ws, 0), self.day_terms, np.int64)

    def _placing(self, d: int | np.ndarray, ws: np.ndarray, new: int) -> Moves:
        ws = np.asarray(ws, dtype=np.int64)
        ds = np.broadcast_to(np.asarray(d, dtype=np.int64), ws.shape)
        return Moves(self, ws, ds, np.full(len(ws), new, dtype=np.int64), None)

    @staticmethod
    def _sum(m: Moves, terms: list[BatchTerm], dtype: type) -> np.ndarray:
        """``0 + t1 + t2 + …`` of the terms' changes, in order (None: nothing to add)."""
        total: np.ndarray | None = None
        for term in terms:
            change = term(m)
            if change is None:
                continue
            if total is None:
                total = change.astype(dtype)  # a copy: the terms' arrays are never added to
            else:
                total += change
        return np.zeros(len(m.ws), dtype=dtype) if total is None else total

    def evaluate(
        self,
        ws: np.ndarray,
        ds: np.ndarray,
        new: np.ndarray,
        pre: Pre | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Element-wise: candidate ``i`` is worker ``ws[i]`` going to ``new[i]`` on day
        ``ds[i]``, after ``pre[0][i]`` (another worker) went from ``pre[1][i]`` to
        ``pre[2][i]`` on the same day when ``pre`` is given (its own change not included).
        Returns int hard and float soft arrays: the sums of the rules' batched terms."""
        m = Moves(self, ws, ds, new, pre)
        return self._sum(m, self.hard_terms, np.int64), self._sum(m, self.soft_terms, float)
