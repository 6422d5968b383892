"""Greedy construction on the rule engine's score deltas.

1. Mandatory days first: a mandatory worker-day without a shift gets the shift (with a free
   slot) whose assignment scores best.
2. Then every required slot still empty, hardest first: cells with the fewest eligible workers
   (available, free that day, allowed by ``keep``) go first; ties are broken by a seeded random
   order. Each slot goes to the candidate that, in this order of preference, introduces the
   fewest hard violations (never a positive number: a slot no one can take without breaking a
   hard rule stays empty), adds the least soft penalty, and is furthest below its target
   (``problem.targets``; fair by targets); remaining ties by the seeded order.

Kept cells (``keep``, pinned mandatory assignments) are never touched. The result is fully
deterministic for a seed.

"Scores best" and "introduces" / "adds" refer to the rule engine's ``Validator.score_delta``
of the single change (default rule set of the problem's profile); soft penalties are compared
exactly in step 1 and rounded to 9 decimals (Python's ``round``) in step 2.

How it is computed (the choices are those of one ``score_delta`` call per slot and candidate,
``_reference_construct``, which the differential tests compare against): all candidates of a
slot are scored at once.

- saldo: a table of the hard delta of every (worker, day) placement is built once (vectorised)
  and kept up to date by integer increments after each placement — a placement only moves the
  gap and 7/14-pattern counts of the worker's nearby days, the incompatibility counts of its
  partners that day, and per-worker totals (shifts, special days, last posts, runs of weeks
  with special-day work); soft deltas are assembled from per-worker terms with the rule
  engine's float operations, in its order, so they equal ``score_delta`` bit for bit;
- nrp: ``FastEvaluator.placements`` scores a cell's candidates in one pass (soft deltas bit for
  bit too). NRP has no hard rule across workers and the cover term is the same for every
  candidate of a cell and for each of its slots (the cell stays below its requirement), so one
  evaluation serves all of the cell's empty slots.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import (
    ProgressCallback,
    RunClock,
    SolveResult,
    Status,
    Strategy,
)
from rtsched_widgets.solve.fast_eval import FastEvaluator
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.scoring import validator_for

_CLOSED = 1 << 40
"""Added to the hard delta of a worker-day that may not take a slot (so it is never
chosen: chosen deltas are <= 0)."""
_NO_LIMIT = 1 << 62


class Greedy(Strategy):
    """Greedy construction (no options)."""

    name = "greedy"

    def __init__(self) -> None:
        pass

    def solve(
        self,
        problem: Problem,
        *,
        roster: Roster | None = None,
        time_limit: float = 10.0,
        seed: int = 0,
        keep: np.ndarray | Keep | None = None,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> SolveResult:
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)
        work = roster.copy() if roster is not None else Roster(problem)
        rng = random.Random(seed)
        moves = construct(problem, work, None, fixed, rng, clock)
        score = validator_for(problem, work).score()  # fresh: no float drift from deltas
        clock.improved(score.soft, score.hard, moves, shifts=work.shift_of)
        status: Status = "feasible" if score.hard == 0 else "unknown"
        return clock.result(work, score.soft, score.hard, status, seed, moves)


# -- selection ------------------------------------------------------------------------------
def _pick(
    idx: np.ndarray,
    soft: np.ndarray,
    n_work: np.ndarray,
    targets: np.ndarray,
    rank: np.ndarray,
    n_ranks: int,
) -> int:
    """Of the workers ``idx`` (all of the same hard delta; ``soft`` their soft deltas), the one
    with the least soft delta rounded to 9 decimals (Python's ``round``), then the least
    ``n_work - targets``, then the least ``rank`` (``n_work``, ``targets``, ``rank`` indexed by
    the values of ``idx``; ranks are distinct and below ``n_ranks``)."""
    if len(idx) == 1:
        return int(idx[0])
    m = float(soft.min())
    # round(x, 9) == round(m, 9) needs x - m <= 1e-9: keep a safe superset, then round exactly
    near = soft <= m + (1e-8 + abs(m) * 1e-15)
    if not near.all():
        idx, soft = idx[near], soft[near]
    if len(idx) > 1 and float(soft.max()) != m:
        rm = round(m, 9)
        values = np.unique(soft).tolist()
        same = [v for v in values if round(v, 9) == rm]
        if len(same) < len(values):
            idx = idx[np.isin(soft, same)]
    if len(idx) == 1:
        return int(idx[0])
    key = (n_work[idx] - targets[idx]) * n_ranks + rank[idx]
    return int(idx[int(np.argmin(key))])


def _runs_end(has: np.ndarray) -> np.ndarray:
    """Along the last axis: length of the run of True ending at each index (0 where False)."""
    c = np.cumsum(has, axis=-1)
    reset = np.maximum.accumulate(np.where(has, 0, c), axis=-1)
    return c - reset


# -- saldo: an incrementally kept table of placement deltas -----------------------------------
class _SaldoScores:
    """Score deltas of placing a worker who is off on a day onto a shift, saldo profile.

    ``hard_row(d)[w]``: the hard delta of worker ``w`` starting to work on day ``d`` (plus
    ``_CLOSED`` where closed). ``soft(d, s, ws)``: the soft deltas of workers ``ws`` taking
    shift ``s`` on day ``d`` (float operations and order of the rule engine's fused saldo soft
    delta). ``place(w, d, s)`` records a placement (the roster is updated by the caller).
    """

    def __init__(self, problem: Problem, roster: Roster) -> None:
        p = problem
        n_w, n_d = p.n_workers, p.n_days
        cal, cfg = p.calendar, p.settings
        sh = roster.shift_of.astype(np.int64)
        works = sh >= 0
        self.n_w, self.n_d = n_w, n_d
        self.n_work = works.sum(axis=1).astype(np.int64)
        days = np.arange(n_d, dtype=np.int64)
        # hard, per (day, worker): availability, mandatory, gap, pattern, incompatibility
        md = np.asarray(p.min_distance, dtype=np.int64)
        self.md = md.tolist()
        cum = np.zeros((n_w, n_d + 1), dtype=np.int64)
        cum[:, 1:] = np.cumsum(works, axis=1)
        lo = np.maximum(days[None, :] - md[:, None] + 1, 0)
        hi = np.minimum(days[None, :] + md[:, None] - 1, n_d - 1)
        hard = np.take_along_axis(cum, hi + 1, axis=1) - np.take_along_axis(cum, lo, axis=1)
        hard += ~p.available
        hard -= p.mandatory
        pat = np.isin(np.asarray(cal.weekday), cfg.pattern_weekdays)
        self.pattern = pat.tolist()
        self.distances = sorted({int(k) for k in cfg.pattern_distances if k > 0})
        near = np.zeros((n_w, n_d), dtype=np.int64)
        on_pat = works & pat[None, :]
        for k in self.distances:
            if k < n_d:
                near[:, k:] += on_pat[:, :-k]
                near[:, :-k] += on_pat[:, k:]
        hard += near * pat[None, :]
        a, b = np.nonzero(p.incompatible)  # pairs: a meets b on a day both work
        if a.size:
            np.add.at(hard, a, works[b].astype(np.int64))
        # partners[w]: the workers whose count rises when w starts working on a day
        partners: list[list[int]] = [[] for _ in range(n_w)]
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            partners[y].append(x)
        self.partners = [np.array(x, dtype=np.int64) if x else None for x in partners]
        self.lh = np.ascontiguousarray(hard.T)  # [d, w]
        # max shifts: per worker
        self.limit = np.array(
            [_NO_LIMIT if w.max_shifts is None else w.max_shifts for w in p.workers], np.int64
        )
        self.has_limit = bool((self.limit != _NO_LIMIT).any())
        n = self.n_work
        self.ms = (n + 1 > self.limit).astype(np.int64) - (n > self.limit)
        # max consecutive weekends: per (week, worker), applies on special days
        self.special = np.asarray(cal.is_special, dtype=bool)
        self.special_list = self.special.tolist()
        self.week = np.asarray(cal.week, dtype=np.int64)
        self.week_list = self.week.tolist()
        self.n_weeks = int(self.week[-1]) + 1 if n_d else 0
        nw = max(self.n_weeks, 1)
        self.weekend_limit = int(cfg.max_consecutive_weekends)
        spw = np.zeros((n_w, nw), dtype=np.int64)
        w_idx, d_idx = np.nonzero(works & self.special[None, :])
        np.add.at(spw, (w_idx, self.week[d_idx]), 1)
        self.spw_rows = spw.tolist()  # [w][k]: special days worked in week k
        self.wh = np.ascontiguousarray(self._weekend_hard(spw).T)  # [k, w]
        # soft terms, per worker (the rule engine's operations)
        self.targets = np.asarray(p.targets, dtype=np.int64)
        self.tolerance = int(cfg.target_tolerance)
        self.w_target = float(cfg.weight_target)
        self.w_special = float(cfg.weight_special_balance)
        self.w_last = float(cfg.weight_last_post_balance)
        total = int(p.required.sum())
        has = p.maximum > 0
        n_s = p.n_shifts
        last = np.where(has.sum(axis=1) >= 2, n_s - 1 - np.argmax(has[:, ::-1], axis=1), -1).astype(
            np.int64
        )
        self.last_post = last.tolist()
        ld = np.flatnonzero(last >= 0)
        part_last = int(p.required[ld, last[ld]].sum())
        part_special = int(p.required[self.special].sum())
        frac_s = part_special / total if total else 0.0
        frac_l = part_last / total if total else 0.0
        self.share_special = [float(t) * frac_s for t in p.targets]
        self.share_last = [float(t) * frac_l for t in p.targets]
        self.n_special = spw.sum(axis=1).astype(np.int64)
        self.n_last = ((sh == last[None, :]) & works).sum(axis=1).astype(np.int64)
        tg = self._pen_step(self.n_work, self.targets, self.w_target)
        self.tg = tg
        self.tg_sp = tg + self._pen_step(
            self.n_special, np.asarray(self.share_special), self.w_special
        )
        self.lg = self._pen_step(self.n_last, np.asarray(self.share_last), self.w_last)
        self.required = p.required.tolist()
        self.under = p.under_weight.tolist()
        self.count = roster.count  # live

    def _pen_step(self, n: np.ndarray, fair: np.ndarray, weight: float) -> np.ndarray:
        """Change of ``weight x (|n - fair| - tolerance)`` (when positive) from ``n`` to
        ``n + 1``, element-wise, with the rule engine's operations."""
        before = np.abs(n - fair) - self.tolerance
        after = np.abs(n + 1 - fair) - self.tolerance
        return np.where(after > 0, weight * after, 0.0) - np.where(before > 0, weight * before, 0.0)

    def _pen_step_one(self, n: int, fair: float, weight: float) -> float:
        before = abs(n - fair) - self.tolerance
        after = abs((n + 1) - fair) - self.tolerance
        return (weight * after if after > 0 else 0.0) - (weight * before if before > 0 else 0.0)

    def _weekend_hard(self, spw: np.ndarray) -> np.ndarray:
        """Per (worker, week): hard delta of the consecutive-weekends rule when the worker
        starts working a special day of that week (rows of ``spw``)."""
        has = spw > 0
        end = _runs_end(has)
        start = _runs_end(has[:, ::-1])[:, ::-1]
        left = np.zeros_like(end)
        right = np.zeros_like(end)
        left[:, 1:] = end[:, :-1]
        right[:, :-1] = start[:, 1:]
        lim = self.weekend_limit
        split = (left > lim).astype(np.int64) + (right > lim)
        joined = (left + right + 1 > lim).astype(np.int64)
        return np.where(has, 0, joined - split)

    def _weekend_step(self, w: int, k: int) -> None:
        """Worker ``w`` starts working one more special day of week ``k``: update its row of
        ``wh``. Only a week that had no special work changes anything: it joins the runs of
        worked weeks around it, and the first free week on either side of the joined run sees
        a longer neighbouring run."""
        row = self.spw_rows[w]
        row[k] += 1
        if row[k] > 1:
            return
        wh, nw, lim = self.wh, len(row), self.weekend_limit
        wh[k, w] = 0
        lo = k
        while lo > 0 and row[lo - 1] > 0:
            lo -= 1
        hi = k
        while hi + 1 < nw and row[hi + 1] > 0:
            hi += 1
        run = hi - lo + 1
        if lo > 0:  # week lo - 1 is free; its right neighbour run is the joined one
            left, x = 0, lo - 2
            while x >= 0 and row[x] > 0:
                left, x = left + 1, x - 1
            wh[lo - 1, w] = int(left + run + 1 > lim) - int(left > lim) - int(run > lim)
        if hi + 1 < nw:  # week hi + 1 is free; its left neighbour run is the joined one
            right, x = 0, hi + 2
            while x < nw and row[x] > 0:
                right, x = right + 1, x + 1
            wh[hi + 1, w] = int(run + right + 1 > lim) - int(run > lim) - int(right > lim)

    def close(self, mask: np.ndarray) -> None:
        """Worker-days (``mask[w, d]``) that may not take a slot from now on."""
        self.lh += np.where(mask.T, _CLOSED, 0)

    def hard_row(self, d: int) -> np.ndarray:
        h = self.lh[d]
        if self.has_limit:
            h = h + self.ms
        if self.special_list[d]:
            h = h + self.wh[self.week_list[d]]
        return h

    def _cover(self, d: int, s: int) -> float:
        change = 0.0
        if self.count[d, s] < self.required[d][s]:
            change -= self.under[d][s]
        return change

    def soft(self, d: int, s: int, ws: np.ndarray) -> np.ndarray:
        x = (self.tg_sp if self.special_list[d] else self.tg)[ws]
        if s == self.last_post[d]:
            x = x + self.lg[ws]
        return x + self._cover(d, s)

    def mandatory_shift(self, w: int, d: int, shifts: np.ndarray) -> int:
        """Of ``shifts`` (ascending), the one with the least (hard, soft) delta for ``w`` on
        ``d`` (the hard delta does not depend on the shift here)."""
        base = float((self.tg_sp if self.special_list[d] else self.tg)[w])
        soft = np.full(len(shifts), base)
        lp = self.last_post[d]
        if lp >= 0:
            soft[shifts == lp] += float(self.lg[w])
        req = np.asarray(self.required[d])[shifts]
        under = np.asarray(self.under[d])[shifts]
        soft += np.where(self.count[d, shifts] < req, 0.0 - under, 0.0)
        return int(shifts[int(np.argmin(soft))])

    def place(self, w: int, d: int, s: int) -> None:
        lh, n_d = self.lh, self.n_d
        lh[d, w] += _CLOSED
        m = self.md[w]
        lh[max(d - m + 1, 0) : min(d + m, n_d), w] += 1
        if self.pattern[d]:
            for k in self.distances:
                for x in (d - k, d + k):
                    if 0 <= x < n_d and self.pattern[x]:
                        lh[x, w] += 1
        partners = self.partners[w]
        if partners is not None:
            lh[d, partners] += 1
        n = int(self.n_work[w]) + 1
        self.n_work[w] = n
        lim = int(self.limit[w])
        self.ms[w] = int(n + 1 > lim) - int(n > lim)
        tg = self._pen_step_one(n, int(self.targets[w]), self.w_target)
        self.tg[w] = tg
        if self.special_list[d]:
            self.n_special[w] += 1
            self._weekend_step(w, self.week_list[d])
        self.tg_sp[w] = tg + self._pen_step_one(
            int(self.n_special[w]), self.share_special[w], self.w_special
        )
        if s == self.last_post[d]:
            self.n_last[w] += 1
            self.lg[w] = self._pen_step_one(int(self.n_last[w]), self.share_last[w], self.w_last)


# -- nrp: FastEvaluator per cell ----------------------------------------------------------------
class _NrpScores:
    """Score deltas of placements, NRP profile, by ``FastEvaluator.placements`` (see
    ``_SaldoScores`` for the interface). The shift-independent part of the hard deltas
    (``placement_day_part``) is kept per day for all workers and recomputed only for the
    workers placed since (it changes only with the worker's own placements)."""

    def __init__(self, problem: Problem, roster: Roster) -> None:
        fe = self.fe = FastEvaluator(problem, roster.shift_of)
        n_w, n_d = problem.n_workers, problem.n_days
        ws = np.tile(np.arange(n_w, dtype=np.int64), n_d)
        ds = np.repeat(np.arange(n_d, dtype=np.int64), n_w)
        self.day_part = fe.placement_day_part(ds, ws).reshape(n_d, n_w)  # [d, w]
        self.placed: list[int] = []  # workers, in placement order
        self.seen = [0] * n_d  # per day: len(placed) when its row was last brought up to date

    @property
    def n_work(self) -> np.ndarray:
        return self.fe.n_work

    def cell(self, d: int, s: int, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hard, soft) deltas of workers ``ws`` (off on ``d``) taking shift ``s`` on ``d``."""
        fe, part = self.fe, self.day_part[d]
        if self.seen[d] < len(self.placed):
            since = np.unique(np.array(self.placed[self.seen[d] :], dtype=np.int64))
            part[since] = fe.placement_day_part(d, since)
            self.seen[d] = len(self.placed)
        hard = part[ws] + fe.placement_shift_part(d, ws, s)
        return hard, fe.placement_soft(d, ws, s)

    def mandatory_shift(self, w: int, d: int, shifts: np.ndarray) -> int:
        """Of ``shifts`` (ascending), the one with the least (hard, soft) delta for ``w``."""
        one = np.array([w], dtype=np.int64)
        keys = []
        for s in shifts.tolist():
            hard, soft = self.fe.placements(d, one, s)
            keys.append((int(hard[0]), float(soft[0]), s))
        return min(keys)[2]

    def place(self, w: int, d: int, s: int) -> None:
        self.fe.commit([(w, d, -1, s)])
        self.placed.append(w)


# -- construction -------------------------------------------------------------------------------
def _free_slot(slots: memoryview, cap: int, d: int, s: int) -> int:
    """``Roster.free_slot`` over the roster's element view."""
    for k in range(cap):
        if slots[d, s, k] < 0:
            return k
    return -1


_Fill = Callable[[int, int, int, memoryview, int, Roster], int]
"""``fill(d, s, missing, slots_view, capacity, roster)``: fill up to ``missing`` empty slots
of cell ``(d, s)`` (step 2); returns the candidate evaluations made."""


def _fill_saldo(
    scores: _SaldoScores, targets: np.ndarray, rank: np.ndarray, n_open: list[int]
) -> _Fill:
    """Step 2 on the saldo table: every slot is chosen from the table's current rows (a
    placement changes its partners' hard deltas that day)."""
    n_work = scores.n_work

    def fill(d: int, s: int, missing: int, slots: memoryview, cap: int, roster: Roster) -> int:
        evaluated = 0
        for _ in range(missing):
            k = _free_slot(slots, cap, d, s)
            if k < 0:
                break
            evaluated += n_open[d]
            h = scores.hard_row(d)
            hmin = int(h.min())
            if hmin > 0:  # nobody, or only closed worker-days
                break
            idx = np.flatnonzero(h == hmin)
            w = _pick(idx, scores.soft(d, s, idx), n_work, targets, rank, len(rank))
            roster.place(w, d, s, k)
            scores.place(w, d, s)
            n_open[d] -= 1
        return evaluated

    return fill


def _fill_nrp(
    scores: _NrpScores, targets: np.ndarray, rank: np.ndarray, open_: np.ndarray
) -> _Fill:
    """Step 2 with ``FastEvaluator``: one evaluation of a cell's candidates serves all its
    slots (no hard rule across workers; the cover term is the same for every candidate and,
    the cell staying below its requirement, for every slot)."""
    open_t = np.ascontiguousarray(open_.T)  # [d, w]

    def fill(d: int, s: int, missing: int, slots: memoryview, cap: int, roster: Roster) -> int:
        evaluated = 0
        ws = np.flatnonzero(open_t[d])
        hard = soft = ws  # evaluated on the first slot
        for i in range(missing):
            k = _free_slot(slots, cap, d, s)
            if k < 0:
                break
            evaluated += len(ws)
            if i == 0:
                hard, soft = scores.cell(d, s, ws)
            ok = np.flatnonzero(hard <= 0)
            if ok.size == 0:
                break
            hmin = hard[ok].min()
            sel = ok[hard[ok] == hmin]
            j = _pick(sel, soft[sel], scores.n_work[ws], targets[ws], rank[ws], len(rank))
            w = int(ws[j])
            roster.place(w, d, s, k)
            scores.place(w, d, s)
            open_t[d, w] = False
            rest = np.arange(len(ws)) != j
            ws, hard, soft = ws[rest], hard[rest], soft[rest]
        return evaluated

    return fill


def construct(
    problem: Problem,
    roster: Roster,
    validator: object | None,
    fixed: Fixed,
    rng: random.Random,
    clock: RunClock | None = None,
) -> int:
    """Fill ``roster`` in place (see the module docstring); returns the candidate
    evaluations made (a candidate counts once per slot it is considered for, as in the
    per-candidate construction).

    ``validator``: ``None``, or the rule engine's validator over ``roster`` with the default
    rule set (the construction scores by that rule set whatever the validator holds); it is
    rebuilt at the end, so that it matches the filled roster."""
    p = problem
    n_w = p.n_workers
    scores: _SaldoScores | _NrpScores = (
        _SaldoScores(p, roster) if p.profile == "saldo" else _NrpScores(p, roster)
    )
    targets = np.asarray(p.targets, dtype=np.int64)
    order = list(range(n_w))
    rng.shuffle(order)
    rank = np.empty(n_w, dtype=np.int64)
    rank[order] = np.arange(n_w, dtype=np.int64)
    slots_v, _, maximum_v = roster.cell_views()
    count = roster.count
    evaluated = 0

    # 1. mandatory worker-days without a shift
    closed = fixed.closed
    for w, d in zip(*np.nonzero(p.mandatory & (roster.shift_of < 0)), strict=True):
        w, d = int(w), int(d)
        if fixed.worker_day[w, d]:
            continue
        shifts = np.flatnonzero((count[d] < p.maximum[d]) & ~closed[d])
        if shifts.size == 0:
            continue
        evaluated += int(shifts.size)
        s = scores.mandatory_shift(w, d, shifts)
        roster.place(w, d, s, _free_slot(slots_v, maximum_v[d, s], d, s))
        scores.place(w, d, s)

    # 2. required slots, hardest first
    eligible = p.available & ~fixed.worker_day
    n_eligible = eligible.sum(axis=0)
    open_ = eligible & (roster.shift_of < 0)  # [w, d]: may take a slot now
    n_open = open_.sum(axis=0).tolist()
    missing = p.required.astype(np.int64) - count
    todo = (missing > 0) & ~closed
    cd, cs = np.nonzero(todo)  # (d, s) in row-major order: the order rng.random() is drawn in
    draws = np.array([rng.random() for _ in range(cd.size)], dtype=float)
    cell_order = np.lexsort((cs, cd, draws, n_eligible[cd]))
    cell_d = cd[cell_order].tolist()
    cell_s = cs[cell_order].tolist()
    cell_missing = missing[cd, cs][cell_order].tolist()
    if isinstance(scores, _SaldoScores):
        scores.close(~open_)
        fill = _fill_saldo(scores, targets, rank, n_open)
    else:
        fill = _fill_nrp(scores, targets, rank, open_)
    for i in range(len(cell_d)):
        if clock is not None and i % 16 == 0:
            if clock.cancelled():
                break
            clock.report(evaluated, "greedy construction")
        d, s = cell_d[i], cell_s[i]
        evaluated += fill(d, s, cell_missing[i], slots_v, maximum_v[d, s], roster)
    if validator is not None:
        validator.rebuild()  # type: ignore[attr-defined]
    return evaluated


# -- reference ------------------------------------------------------------------------------
def _reference_construct(
    problem: Problem,
    roster: Roster,
    validator: object,
    fixed: Fixed,
    rng: random.Random,
    clock: RunClock | None = None,
) -> int:
    """The construction of the module docstring with one ``validator.score_delta`` call per
    (slot, candidate) and a validator commit per placement: slow, kept as the reference that
    ``construct`` is tested (and benchmarked) against. ``validator`` must be the rule engine's
    validator over ``roster``; returns the candidate evaluations made."""
    score_delta = validator.score_delta  # type: ignore[attr-defined]

    def place(w: int, d: int, s: int) -> None:
        roster.place(w, d, s, roster.free_slot(d, s))
        validator.commit([(w, d, -1, s)])  # type: ignore[attr-defined]

    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    targets = problem.targets.tolist()
    n_work = (roster.shift_of >= 0).sum(axis=1).tolist()
    order = list(range(n_w))
    rng.shuffle(order)
    rank = [0] * n_w
    for i, w in enumerate(order):
        rank[w] = i
    evaluated = 0

    # 1. mandatory worker-days without a shift
    for w, d in zip(*np.nonzero(problem.mandatory & (roster.shift_of < 0)), strict=True):
        w, d = int(w), int(d)
        if fixed.worker_day[w, d]:
            continue
        best_shift: tuple[int, float, int] | None = None
        for s in range(n_s):
            if roster.free_slot(d, s) < 0 or not fixed.allows(w, d, s):
                continue
            hard, soft = score_delta([(w, d, -1, s)])
            evaluated += 1
            key = (int(hard), float(soft), s)
            if best_shift is None or key < best_shift:
                best_shift = key
        if best_shift is not None:
            place(w, d, best_shift[2])
            n_work[w] += 1

    # 2. required slots, hardest first
    shift_of = roster.shift_of
    eligible_workers = problem.available & ~fixed.worker_day
    n_eligible = eligible_workers.sum(axis=0)
    cells = []
    for d in range(n_d):
        for s in range(n_s):
            missing = int(problem.required[d, s]) - int(roster.count[d, s])
            if missing > 0 and not fixed.closed[d, s]:
                cells.append((int(n_eligible[d]), rng.random(), d, s, missing))
    cells.sort()
    for i, (_, _, d, s, missing) in enumerate(cells):
        if clock is not None and i % 16 == 0:
            if clock.cancelled():
                break
            clock.report(evaluated, "greedy construction")
        for _ in range(missing):
            if roster.free_slot(d, s) < 0:
                break
            best: tuple[int, float, int, int, int] | None = None
            for w in order:
                if shift_of[w, d] >= 0 or not eligible_workers[w, d]:
                    continue
                hard, soft = score_delta([(w, d, -1, s)])
                evaluated += 1
                if hard > 0:
                    continue
                cand = (int(hard), round(float(soft), 9), n_work[w] - targets[w], rank[w], w)
                if best is None or cand < best:
                    best = cand
            if best is None:
                break
            w = best[-1]
            place(w, d, s)
            n_work[w] += 1
    return evaluated
