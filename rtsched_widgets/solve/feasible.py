"""The ``feasible`` strategy: one worker's whole row at a time, by the labelling search.

NRP profile. Every hard rule concerns one worker (see :mod:`rtsched_widgets.solve.labelling`),
so a roster meets them all exactly when each worker's row meets that worker's own rules. With
every other row held, the objective is a constant plus ``sum_d cost[d, row[d]]`` over worker
``w``'s row, where ``cost[d, s]`` is the worker's shift-off request weight if ``s`` is one
they asked to be off, minus their shift-on request weight if they asked for ``s``, plus the
change of the cover penalty of cell ``(d, s)`` when ``w`` joins it (``-under_weight`` while the
others leave it below the requirement, ``+over_weight`` from there on; closed — ``+inf`` —
when the others already fill it to its ``maximum``). A day off costs nothing (the shift-on
requests count as a constant). So the labelling search's least-cost schedule is worker
``w``'s exact *best response*, whenever its run is exact.

1. *Construction*: every worker in a seeded order, from the starting roster (an empty one when
   None); this pass always completes, whatever the time limit or ``cancel`` (it is the answer
   a cancelled run returns: under a second on the bundled instances but Instance24, about
   7 CPU s there on the full beam), but it is paced: behind an even schedule to
   ``construction_share`` of the time limit, and for good once the clock has stopped, a
   search keeps :data:`LATE_LABELS` labels per state and tries the true costs before
   widening its beam (:meth:`Sweeps.sweep`, :meth:`BestResponse.respond`; about 1.6 CPU s
   for all of Instance24's rows): the worker's row is replaced by the search's schedule when
   the row breaks one of the worker's rules, or when the schedule is cheaper. Afterwards
   each worker whose search found a schedule meets their rules: the roster is hard-feasible
   as soon as this pass ends (unless some worker has no schedule under ``keep``).
   The searches of the rows that break their worker's rules may be shaped (``construction``;
   the rows are always accepted and scored on the true costs): ``"greedy"`` searches the
   true costs, so the first workers take the cheapest under-covered cells wherever they are
   (on Instance24 the early weeks, leaving the last ones short); ``"fair"`` gives the
   ``k``-th of ``n`` workers a share ``(k + 1) / n`` of each cell's requirement: a cell the
   others fill to ``c`` earns ``under_weight * min(1, share * required - c)`` while below
   that share, nothing from there up to the requirement (every worker takes a part of every
   period); ``"fair_priced"`` adds to it a price per minute worked
   (:meth:`BestResponse.minute_price`), so that the beam keeps the minutes of workers
   whose minutes are bounded for the days where they gain most.
2. *Improvement rounds*: the same, in a new seeded order per round, for the workers whose cost
   changed since their last search (any other worker's search would return the same schedule:
   the search is deterministic), until a round changes nothing — every row is then a best
   response to the others (exactly so when every search of the last round was exact) —, or
   ``max_rounds`` rounds, the time limit or ``cancel``.
3. *Ruin and recreate* (the time left after convergence): from the best roster, clear the rows
   of 2 to ``ruin_share`` of the workers (seeded), search them again (their rows are
   replaced whatever the cost), then rounds until no row changes; the best roster so far is
   the start of the next restart. Stops at ``max_restarts``, when the rounds run out, at the
   time limit or on ``cancel``. On a horizon at least twice ``window_days`` long (Instances
   20, 22, 24: 182 and 364 days) a restart clears and searches only a seeded window of
   ``window_days`` days of those rows, every other day held (the searches see those days as
   kept cells, and the rounds after it stay in the window): a restart then costs a fraction
   of a whole-row one.

Phases 1 and 2 accept only improvements (fewer hard violations, else a smaller objective);
every roster better than the best so far is recorded by ``RunClock.improved`` and kept, and
the best is what a run returns, also when cancelled or timed out: never worse than the
starting roster. The work is deterministic for a seed (rounds, restarts, searches and labels
do not depend on the clock); only the time limit and ``cancel`` stop a run at a point that
depends on the machine.
Kept cells (``keep``) hold: each search is built under them. A worker whose search finds no
schedule keeps their row (the result then reports its hard violations).

The reported objective and hard count are the rule engine's score of the returned roster
(``details["tracked_objective"]`` is the strategy's own running total; tests prove they
agree).

Other profiles: the saldo profile has a hard rule across workers (incompatible pairs never
share a date), so one worker's row cannot be optimised alone; such problems are handed whole
to the ``fallback`` strategy (``greedy+local_search``), whose result is returned under this
strategy's name with ``details["fallback"]``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressCallback, RunClock, SolveResult, Strategy
from rtsched_widgets.solve.columns import request_costs
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.labelling import BIG, WorkerRules, schedule_cost, shortest_schedules
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster, validator_for

DEFAULT_MAX_LABELS = 6
"""Labels kept per (day, state) in the strategy's searches (see the labelling module)."""

LATE_LABELS = 2
"""Labels kept per (day, state) in a construction's searches once the clock has stopped
(:meth:`Sweeps.sweep`): the construction still completes, on a narrower beam, so a run whose
time is up before its construction ends overruns its limit by less."""

DEFAULT_CONSTRUCTION_SHARE = 0.5
"""Share of the time limit by which the construction should end (:meth:`Sweeps.sweep`'s
``pace``): behind that pace its searches keep :data:`LATE_LABELS` labels per state."""

DEFAULT_WINDOW_DAYS = 56
"""Days a restart re-plans on horizons at least twice as long (see :class:`Feasible`)."""


CONSTRUCTIONS = ("greedy", "fair", "fair_priced")
"""How the construction shapes each worker's search (module docstring, phase 1)."""


def checked_construction(construction: str) -> str:
    """``construction`` when it is one of :data:`CONSTRUCTIONS`; ValueError naming them else."""
    if construction not in CONSTRUCTIONS:
        raise ValueError(f"construction: {construction!r} — use one of {CONSTRUCTIONS}")
    return construction


def checked_share(share: float | None) -> float | None:
    """``share`` (a construction's share of the time limit) when None or in (0, 1];
    ValueError else."""
    if share is not None and not 0 < share <= 1:
        raise ValueError(f"construction_share: {share} — use a fraction in (0, 1], or None")
    return None if share is None else float(share)


def construction_pace(clock: RunClock, share: float | None) -> float | None:
    """The clock's elapsed seconds by which a construction should end: ``share`` of the
    time limit (None: no pace)."""
    return None if share is None else share * clock.time_limit


class Feasible(Strategy):
    """Construction, best-response rounds and restarts by the labelling search (module
    docstring).

    Options: ``max_rounds`` best-response rounds in all after the construction (None: no
    limit; 0: construction only, no restart either); ``max_restarts`` ruin-and-recreate steps
    (None: until the time limit or the rounds run out); ``ruin_share`` the largest share of
    the workers one restart clears; ``max_labels`` labels kept per (day, state) in each
    search (the work per search); ``window_days`` the days a restart re-plans on horizons at
    least twice as long (None: whole rows always); ``fallback`` the registered strategy for
    other profiles; ``construction`` how the construction shapes each worker's search (one
    of :data:`CONSTRUCTIONS`, module docstring, phase 1); ``construction_share`` the share
    of the time limit by which the construction should end (None: no pace; see
    :meth:`Sweeps.sweep`).
    """

    name = "feasible"

    def __init__(
        self,
        *,
        max_rounds: int | None = None,
        max_restarts: int | None = None,
        ruin_share: float = 0.1,
        max_labels: int = DEFAULT_MAX_LABELS,
        window_days: int | None = DEFAULT_WINDOW_DAYS,
        fallback: str = "greedy+local_search",
        construction: str = "greedy",
        construction_share: float | None = DEFAULT_CONSTRUCTION_SHARE,
    ) -> None:
        self.construction = checked_construction(construction)
        self.construction_share = checked_share(construction_share)
        if max_rounds is not None and max_rounds < 0:
            raise ValueError(f"max_rounds: {max_rounds} — use 0 or more rounds, or None")
        if max_restarts is not None and max_restarts < 0:
            raise ValueError(f"max_restarts: {max_restarts} — use 0 or more, or None")
        if not 0 < ruin_share <= 1:
            raise ValueError(f"ruin_share: {ruin_share} — use a fraction in (0, 1]")
        if window_days is not None and window_days < 1:
            raise ValueError(f"window_days: {window_days} — use 1 or more days, or None")
        self.window_days = window_days
        self.max_restarts = max_restarts
        self.ruin_share = float(ruin_share)
        if max_labels < 1:
            raise ValueError(f"max_labels: {max_labels} — keep at least one label per state")
        from rtsched_widgets.solve.registry import get_strategy

        get_strategy(fallback)  # unknown names: errors now
        self.max_rounds = max_rounds
        self.max_labels = int(max_labels)
        self.fallback = fallback

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
        if problem.profile != "nrp":
            return self._fallback(problem, roster, time_limit, seed, keep, cancel, progress)
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)
        state = BestResponse(problem, fixed, roster, self.max_labels)
        run = Sweeps(state, clock, self.max_rounds)
        if roster is not None and not state.hard.any():
            clock.improved(state.objective, 0, shifts=state.rows)
        rng = np.random.default_rng(seed)
        # 1. construction: every worker once; 2. rounds until no row changes
        order = rng.permutation(problem.n_workers)
        pace = construction_pace(clock, self.construction_share)
        done = run.sweep(order, stoppable=False, construction=self.construction, pace=pace)
        done = done and run.settle(rng)
        # 3. ruin and recreate from the best roster, while time and rounds are left
        restarts = 0
        while done and (self.max_restarts is None or restarts < self.max_restarts):
            if run.rounds_left() <= 0 or clock.should_stop():
                break
            done = self.restart(run, rng)
            restarts += 1
        state.set_window(None)
        state.restore(run.best)
        out = roster_from_shifts(problem, state.rows, like=roster)
        hard, soft = score_roster(problem, out)
        return clock.result(
            out,
            soft,
            hard,
            "feasible" if hard == 0 else "unknown",
            seed,
            state.searches,
            rounds=run.rounds,
            late_searches=run.late_searches,
            paced_searches=run.paced_searches,
            restarts=restarts,
            converged=bool(run.best.converged),
            searches=state.searches,
            exact_searches=state.exact,
            labels=state.labels,
            no_schedule=sorted(state.failed),
            tracked_objective=state.objective,
        )

    def restart(self, run: Sweeps, rng: np.random.Generator) -> bool:
        """One ruin-and-recreate step (module docstring, phase 3) from ``run``'s best roster:
        clear a seeded share of the rows (on a seeded window of days on long horizons; the
        window stays set on ``run.state`` afterwards), search them again, rounds until no row
        changes. False when the clock or the round budget stopped it first."""
        state, problem = run.state, run.state.p
        state.restore(run.best)
        state.set_window(self._window(problem, rng))
        ruined = rng.choice(problem.n_workers, size=self._ruin_size(problem, rng), replace=False)
        state.clear(ruined)
        return run.sweep(rng.permutation(ruined)) and run.settle(rng)

    def _window(self, problem: Problem, rng: np.random.Generator) -> tuple[int, int] | None:
        """The days one restart re-plans: a seeded window of ``window_days`` days when the
        horizon is at least twice as long, else None (whole rows)."""
        length = self.window_days
        if length is None or problem.n_days < 2 * length:
            return None
        start = int(rng.integers(0, problem.n_days - length + 1))
        return start, start + length

    def _ruin_size(self, problem: Problem, rng: np.random.Generator) -> int:
        """How many workers one restart clears: 2 up to ``ruin_share`` of them (at least 2)."""
        top = max(2, round(self.ruin_share * problem.n_workers))
        return min(problem.n_workers, int(rng.integers(2, top + 1)))

    def _fallback(
        self,
        problem: Problem,
        roster: Roster | None,
        time_limit: float,
        seed: int,
        keep: np.ndarray | Keep | None,
        cancel: threading.Event | None,
        progress: ProgressCallback | None,
    ) -> SolveResult:
        from rtsched_widgets.solve.registry import get_strategy

        result = get_strategy(self.fallback).solve(
            problem,
            roster=roster,
            time_limit=time_limit,
            seed=seed,
            keep=keep,
            cancel=cancel,
            progress=progress,
        )
        details = {**result.details, "fallback": result.strategy}
        return dataclasses.replace(result, strategy=self.name, details=details)


class BestResponse:
    """The rows of an NRP roster, the cover they make and each worker's search.

    ``rows``: ``shift_of`` (int64, a shift index or -1); ``count[d, s]``: workers per cell;
    ``hard[w]``: the rule engine's hard violations of worker ``w``'s row (0 once replaced by a
    searched schedule); ``objective``: the soft penalty of the rows, kept up to date;
    ``dirty[w]``: worker ``w``'s cost changed since their last search (True at the start).
    """

    def __init__(
        self, problem: Problem, fixed: Fixed, roster: Roster | None, max_labels: int
    ) -> None:
        p = self.p = problem
        self.fixed = fixed
        self.max_labels = max_labels
        n_w, n_d, n_s = p.n_workers, p.n_days, p.n_shifts
        self.rows = (
            np.full((n_w, n_d), -1, dtype=np.int64)
            if roster is None
            else roster.shift_of.astype(np.int64).copy()
        )
        self.count = np.zeros((n_d, n_s), dtype=np.int64)
        w_idx, d_idx = np.nonzero(self.rows >= 0)
        np.add.at(self.count, (d_idx, self.rows[w_idx, d_idx]), 1)
        self.required = p.required.astype(np.int64)
        self.maximum = p.maximum.astype(np.int64)
        self.under = p.under_weight.astype(float)
        self.over = p.over_weight.astype(float)
        self.constant, self.per_cell = request_costs(p)
        self.minutes = np.array([t.minutes for t in p.shift_types], dtype=float)
        self.rules: list[WorkerRules | None] = [None] * n_w
        self.hard = self._hard_counts(roster)
        self.objective = self._objective()
        self.dirty = np.ones(n_w, dtype=bool)
        self.searches = 0
        self.exact = 0
        self.labels = 0
        self.failed: set[str] = set()
        self.window: tuple[int, int] | None = None
        """The first and past the last free day of the window set (None: whole rows)."""
        self.free: np.ndarray | None = None
        """The free days of the window set (None: whole rows)."""
        self._window_rules: dict[int, WorkerRules] = {}
        self._cache_window_rules = True
        self._trim = np.zeros(n_w, dtype=bool)

    # -- windows ----------------------------------------------------------------------------
    def set_window(
        self, window: tuple[int, int] | np.ndarray | None, *, cache: bool = True
    ) -> None:
        """Searches from now on re-plan only the free days of a row, every other day of it
        held as it is now (None: whole rows): days ``[d0, d1)`` for a pair ``(d0, d1)``, the
        days where it is True for a boolean mask over the horizon (e.g. an early and a late
        span together). Only rows' free days may change while it is set, so each worker's
        compiled rules stay valid until the next call. The searches of the workers whose rows
        meet their rules now run over the span from the first to the last free day alone
        (``WorkerRules.of(..., trim=True)``: the same problem, a fraction of the work on
        long horizons); the others' over the whole row, whose held part may break the rules.
        ``cache``: keep each worker's compiled rules for the window until the next call (for
        windows whose workers are searched more than once; without it they are compiled anew
        for each search and their memory freed after it)."""
        self._cache_window_rules = cache
        if window is None:
            self.window, self.free = None, None
        elif isinstance(window, tuple):
            d0, d1 = window
            self.window = (int(d0), int(d1))
            self.free = np.zeros(self.p.n_days, dtype=bool)
            self.free[d0:d1] = True
        else:
            free = np.asarray(window, dtype=bool)
            if free.shape != (self.p.n_days,):
                raise ValueError(f"window: a mask of {free.shape} — use one of the horizon's days")
            days = np.flatnonzero(free)
            self.free = free.copy()
            self.window = (int(days[0]), int(days[-1]) + 1) if len(days) else (0, 0)
        self._window_rules = {}
        self._trim = self.hard == 0

    def rules_of(self, w: int) -> WorkerRules:
        """Worker ``w``'s rules as the searches see them: under ``keep``, and with the days
        outside the window (:meth:`set_window`) held at the row's shifts; built once per
        worker (per window when the window's rules are cached)."""
        if self.window is None:
            if self.rules[w] is None:
                self.rules[w] = WorkerRules.of(self.p, w, self.fixed)
            rules = self.rules[w]
            assert rules is not None
            return rules
        if w not in self._window_rules:
            assert self.free is not None
            outside = ~self.free
            worker_day = self.fixed.worker_day.copy()
            shift = self.fixed.shift.copy()
            worker_day[w, outside] = True
            shift[w, outside] = self.rows[w, outside]
            held = Fixed(worker_day, shift, self.fixed.closed)
            rules = WorkerRules.of(self.p, w, held, trim=bool(self._trim[w]))
            if not self._cache_window_rules:
                return rules
            self._window_rules[w] = rules
        return self._window_rules[w]

    # -- costs ------------------------------------------------------------------------------
    def _hard_counts(self, roster: Roster | None) -> np.ndarray:
        """Hard violations per worker of the starting rows (every NRP hard rule concerns one
        worker), by the rule engine."""
        p = self.p
        out = np.zeros(p.n_workers, dtype=np.int64)
        start = roster if roster is not None else Roster(p)
        tally = Counter(
            v.workers[0]
            for v in validator_for(p, start).violation_list()
            if v.severity == "hard" and v.workers
        )
        for wid, n in tally.items():
            out[p.worker_index[wid]] = n
        return out

    def _penalty(self, count: np.ndarray) -> float:
        short = np.maximum(self.required - count, 0)
        surplus = np.maximum(count - self.required, 0)
        return float((short * self.under).sum() + (surplus * self.over).sum())

    def _objective(self) -> float:
        p = self.p
        total = float(self.constant.sum()) + self._penalty(self.count)
        w_idx, d_idx = np.nonzero(self.rows >= 0)
        total += float(self.per_cell[w_idx, d_idx, self.rows[w_idx, d_idx]].sum())
        return total if p.n_workers else 0.0

    def _marginal(self, count: np.ndarray) -> np.ndarray:
        """Cover penalty change of one more worker in each cell holding ``count`` others."""
        step = np.where(count < self.required, -self.under, self.over)
        return np.where(count >= self.maximum, np.inf, step)

    def _others(self, w: int) -> np.ndarray:
        """Workers per cell but worker ``w``."""
        row = self.rows[w]
        others = self.count.copy()
        days = np.flatnonzero(row >= 0)
        others[days, row[days]] -= 1
        return others

    def costs(self, w: int) -> np.ndarray:
        """Worker ``w``'s cost per (day, shift) with the other rows held (module docstring)."""
        return self._marginal(self._others(w)) + self.per_cell[w]

    def shared_costs(self, w: int, share: float) -> np.ndarray:
        """Worker ``w``'s construction cost under a fair share (module docstring, phase 1):
        a cell the others fill to ``c`` below its requirement ``r`` costs
        ``-under_weight * min(1, share * r - c)`` while ``c < share * r``, nothing from there
        up to ``r``; a full or over-covered cell costs as in :meth:`costs`; the requests'
        costs are added as they are."""
        others = self._others(w)
        step = np.where(
            others < self.required,
            -self.under * np.clip(share * self.required - others, 0.0, 1.0),
            self.over,
        )
        return np.where(others >= self.maximum, np.inf, step) + self.per_cell[w]

    # -- moves ------------------------------------------------------------------------------
    def minute_price(self, rules: WorkerRules, cost: np.ndarray) -> float:
        """The price per minute worked that the searches of worker ``rules.worker`` add to
        every shift (a whole-row search only; 0 without a max minutes limit): the gain per
        minute of the day at which the worker's days, best gain per minute first (each day's
        best allowed shift), reach the max minutes. A schedule's price is the price times
        its minutes, which the min/max minutes bound to a band: the least-cost schedule moves
        by at most the price times the band's width, whereas the beam, which ranks partial
        schedules by their cost so far, no longer spends the minutes on the first days of
        small gain that it would lack on later days of large gain."""
        if rules.first_day != 0 or rules.n_days != self.p.n_days or rules.hi >= BIG // 2:
            return 0.0
        local = cost[:, rules.shifts]
        per_minute = np.where(rules.allowed, -local / rules.minutes[None, :], -np.inf)
        best = per_minute.argmax(axis=1)
        days = np.arange(rules.n_days)
        gain = per_minute[days, best]
        order = np.argsort(-gain, kind="stable")
        used = np.cumsum(rules.minutes[best][order])
        at = int(np.searchsorted(used, rules.hi))
        if at >= len(order):
            return 0.0
        price = float(gain[order[at]])
        return price if np.isfinite(price) and price > 0 else 0.0

    def respond(
        self, w: int, share: float | None = None, priced: bool = False, narrow: bool = False
    ) -> bool:
        """Search worker ``w``'s best schedule; replace the row when it breaks the worker's
        rules or the schedule is cheaper. True when the row changed. A row that breaks the
        worker's rules is replaced by the best schedule under :meth:`shared_costs` with
        ``share`` (when given), plus :meth:`minute_price` per minute when ``priced``; a row
        meeting them is always searched under the true costs (:meth:`costs`).
        ``narrow`` (a search on a narrow beam, for a row that breaks the worker's rules):
        the search under shaped costs runs once on ``max_labels`` labels without widening;
        when it finds nothing, the search under the true costs runs once on as many (the
        narrow beam finds a schedule there far more often); only when that finds nothing
        either, the shaped search with its widening retries (as without ``narrow``)."""
        rules = self.rules_of(w)
        cost = self.costs(w)
        search = cost
        shaped = False
        if self.hard[w] > 0 and share is not None:
            search, shaped = self.shared_costs(w, share), True
        if self.hard[w] > 0 and priced:
            price = self.minute_price(rules, search)
            if price > 0:
                search, shaped = search + price * self.minutes[None, :], True
        tries = [(search, shaped, 2)]  # (costs, shaped, widening retries)
        if narrow and self.hard[w] > 0:
            tries[:0] = [(search, shaped, 0), (cost, False, 0)] if shaped else [(cost, False, 0)]
        for costs, costs_shaped, retries in tries:  # the last one: the shaped search as is
            result = shortest_schedules(rules, costs, max_labels=self.max_labels, retries=retries)
            self.labels += result.labels
            if result.found:
                shaped = costs_shaped
                break
        self.searches += 1
        self.exact += result.exact
        self.dirty[w] = False
        best = result.best
        if best is None:
            self.failed.add(self.p.workers[w].id)
            return False
        self.failed.discard(self.p.workers[w].id)
        old = self.rows[w]
        old_cost = schedule_cost(cost, old)
        new_cost = schedule_cost(cost, best) if shaped else float(result.costs[0])
        if self.hard[w] == 0 and not new_cost < old_cost - 1e-9 * max(1.0, abs(old_cost)):
            return False
        self._replace(w, best)
        self.hard[w] = 0
        self.objective += new_cost - old_cost
        return True

    def _replace(self, w: int, new: np.ndarray) -> None:
        """Put ``new`` in worker ``w``'s row; mark the workers whose cost changed."""
        old = self.rows[w].copy()
        before = self.count.copy()
        days = np.flatnonzero(old >= 0)
        self.count[days, old[days]] -= 1
        days = np.flatnonzero(new >= 0)
        self.count[days, new[days]] += 1
        self.rows[w] = new
        cells_d, cells_s = np.nonzero(self.count != before)
        if not len(cells_d):
            return
        # another worker's cost changes where the step of its marginal moves
        own = (self.rows[:, cells_d] == cells_s[None, :]).astype(np.int64)
        prev = self._marginal_at(before[cells_d, cells_s][None, :] - own, cells_d, cells_s)
        now = self._marginal_at(self.count[cells_d, cells_s][None, :] - own, cells_d, cells_s)
        changed = (prev != now).any(axis=1)
        changed[w] = False
        self.dirty |= changed

    def _marginal_at(self, count: np.ndarray, d: np.ndarray, s: np.ndarray) -> np.ndarray:
        step = np.where(count < self.required[d, s], -self.under[d, s], self.over[d, s])
        return np.where(count >= self.maximum[d, s], np.inf, step)

    def set_rows(self, rows: np.ndarray) -> None:
        """Put ``rows`` in place of the current rows (each changed row must meet its worker's
        rules: its hard count becomes 0); the workers whose cost changed become dirty."""
        rows = np.asarray(rows, dtype=np.int64)
        for w in np.flatnonzero((rows != self.rows).any(axis=1)).tolist():
            self._replace(w, rows[w].copy())
            self.hard[w] = 0
        self.objective = self._objective()

    def snapshot(self) -> Snapshot:
        """The current rows and what goes with them."""
        return Snapshot(
            self.rows.copy(),
            self.count.copy(),
            self.hard.copy(),
            self.objective,
            self.dirty.copy(),
            not self.dirty.any(),
        )

    def restore(self, snap: Snapshot) -> None:
        """Go back to ``snap`` (its arrays are copied)."""
        self.rows = snap.rows.copy()
        self.count = snap.count.copy()
        self.hard = snap.hard.copy()
        self.objective = snap.objective
        self.dirty = snap.dirty.copy()

    def clear(self, workers: np.ndarray) -> None:
        """Empty the rows of ``workers`` (on the window's days when one is set) but for their
        kept cells, and have them searched again (their rows count as breaking their rules
        until then)."""
        for w in np.asarray(workers).tolist():
            row = np.where(self.fixed.worker_day[w], self.fixed.shift[w], -1).astype(np.int64)
            if self.free is not None:
                row = np.where(self.free, row, self.rows[w])
            self._replace(w, row)
            self.hard[w] = max(int(self.hard[w]), 1)
            self.dirty[w] = True
        self.objective = self._objective()


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A saved state of :class:`BestResponse` (``converged``: no worker was dirty)."""

    rows: np.ndarray
    count: np.ndarray
    hard: np.ndarray
    objective: float
    dirty: np.ndarray
    converged: bool

    @property
    def key(self) -> tuple[int, float]:
        """Lexicographic quality: hard violations, then objective."""
        return int(self.hard.sum()), self.objective


class Sweeps:
    """The sweeps of one run: the best state so far, its recording, the round budget."""

    def __init__(self, state: BestResponse, clock: RunClock, max_rounds: int | None) -> None:
        self.state = state
        self.clock = clock
        self.max_rounds = max_rounds
        self.rounds = 0
        self.late_searches = 0
        """Searches of a construction made on the narrow beam after the clock stopped."""
        self.paced_searches = 0
        """Searches of a construction made on the narrow beam behind its pace (``sweep``)."""
        self.best = state.snapshot()

    def rounds_left(self) -> float:
        """Rounds the budget still allows (inf without a limit)."""
        return np.inf if self.max_rounds is None else self.max_rounds - self.rounds

    def sweep(
        self,
        order: np.ndarray,
        *,
        stoppable: bool = True,
        construction: str = "greedy",
        pace: float | None = None,
    ) -> bool:
        """Best responses of the workers in ``order``; a state better than the best goes to
        ``clock.improved``. False when the clock stopped the sweep before its end (never when
        not ``stoppable``: the construction always completes; once the clock has stopped,
        its remaining searches keep :data:`LATE_LABELS` labels per state, a worker whose
        narrow search finds no schedule meeting its rules searched again on the full beam).
        ``pace`` (a sweep that is not ``stoppable`` only): the clock's elapsed seconds by
        which the sweep should end; the ``k``-th of ``n`` searches (from 0) is narrow as well
        when it starts behind the even schedule to it from the end of the first search (more
        than ``(k - 1) / (n - 1)`` of the time from there to ``pace`` gone; the first search
        loads the compiled kernels: ``paced_searches`` counts them), so that the sweep
        ends near ``pace`` when a narrow search costs less than the even share.
        ``construction`` (one of :data:`CONSTRUCTIONS`) shapes the searches of the rows that
        break their worker's rules: ``"fair"`` searches the ``k``-th of ``n`` workers (from
        0) under :meth:`BestResponse.shared_costs` with share ``(k + 1) / n``,
        ``"fair_priced"`` adds :meth:`BestResponse.minute_price`; ``"greedy"`` the true
        costs."""
        checked_construction(construction)
        state, clock = self.state, self.clock
        n = len(order)
        fair = construction != "greedy"
        priced = construction == "fair_priced"
        labels = state.max_labels
        narrow = min(labels, LATE_LABELS)
        begin = 0.0
        late = False  # the clock stopped during a construction: narrow searches from now on
        try:
            for k, w in enumerate(order.tolist()):
                if not late and clock.should_stop():
                    if stoppable:
                        return False
                    late = True
                if k == 1:  # the pace from here: the first search loads the compiled code
                    begin = clock.elapsed()
                behind = (
                    not late
                    and not stoppable
                    and pace is not None
                    and k > 1
                    and clock.elapsed() - begin > (pace - begin) * (k - 1) / (n - 1)
                )
                state.max_labels = narrow if late or behind else labels
                self.paced_searches += behind
                share = (k + 1) / n if fair else None
                self._respond(int(w), share, priced, late or behind, labels, late)
        finally:
            state.max_labels = labels
        if not state.dirty.any() and self.best.key == (int(state.hard.sum()), state.objective):
            self.best = state.snapshot()  # the same rows, now known to be converged
        return True

    def _respond(
        self,
        w: int,
        share: float | None,
        priced: bool,
        narrow: bool,
        labels: int,
        late: bool = False,
    ) -> None:
        """Worker ``w``'s best response (:meth:`BestResponse.respond`); a better state goes to
        ``clock.improved``. ``narrow``: a search of the construction on the narrow beam,
        searched again on ``labels`` labels when the row still breaks the worker's rules;
        ``late``: made after the clock stopped (``late_searches`` counts them)."""
        state, clock = self.state, self.clock
        changed = state.respond(w, share, priced, narrow)
        self.late_searches += late
        if narrow and state.hard[w] > 0:  # the narrow beam found nothing meeting the rules
            beam, state.max_labels = state.max_labels, labels
            changed = state.respond(w, share, priced) or changed
            state.max_labels = beam
        if changed:
            key = (int(state.hard.sum()), state.objective)
            if key < self.best.key:
                self.best = state.snapshot()
                clock.improved(state.objective, key[0], state.searches, shifts=self.best.rows)
                return
        clock.report(state.searches, f"{state.searches} searches")

    def settle(self, rng: np.random.Generator) -> bool:
        """Rounds over the dirty workers, in a new seeded order each, until none is dirty;
        False when stopped by the clock or the round budget first."""
        state = self.state
        while state.dirty.any():
            if self.rounds_left() <= 0 or self.clock.should_stop():
                return False
            order = rng.permutation(self.state.p.n_workers)
            self.rounds += 1
            if not self.sweep(order[state.dirty[order]]):
                return False
        return True
