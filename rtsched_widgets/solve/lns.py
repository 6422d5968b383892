"""Large neighbourhood search over the CP-SAT model.

1. Start: the starting ``roster`` when it meets every hard rule; otherwise the full CP-SAT
   model (hinted with the starting roster when there is one) solved with CP-SAT's own
   multi-threaded portfolio for ``initial_share`` of the time limit (``initial="solve"``, the
   default: CP-SAT's own search is strong early on the smaller instances), or only until its
   first solution (``initial="first"``); when the share passes without a solution, the search
   for a first one goes on.
2. Repeat until the time limit, ``max_iterations`` or ``cancel``: free a *neighbourhood* of
   worker-days, fix every other worker-day to its current shift (or off), and re-solve that
   sub-problem with CP-SAT, hinted with the current roster; the result replaces the current
   roster when its objective is no worse (equal moves let the search drift across plateaus).
   For the NRP profile the sub-model is a *region model* (see
   :class:`~rtsched_widgets.solve.cpsat.CpModelBuilder`): variables only for the freed
   worker-days, every other worker-day a constant, so building and solving it costs in
   proportion to the neighbourhood, not to the instance; its objective is the whole roster's.
   Neighbourhoods, drawn at random (seeded) with probability proportional to each kind's
   success rate ``(improving sub-solves + 1) / (sub-solves + 2)`` (``pick="rate"``, the
   default) or to its gain per sub-solve (``pick="gain"``: the objective its improving
   sub-solves took off plus twice the mean gain of any sub-solve, over ``sub-solves + 2``; a
   kind that improves less often but by more, as ``pair`` and ``weekend`` on Instance13, is
   drawn more often than one of many small gains, as ``days``):

   - ``workers``: whole rows of a random set of workers;
   - ``days``: every worker on a window of consecutive days;
   - ``block``: a random set of workers on a window of days;
   - ``penalty``: the workers whose requests are broken plus a random set of others, around
     the day of a cell with under- or over-cover (chosen with probability proportional to its
     penalty), on a window of days around it.

   Two more kinds may be asked for (``neighbourhoods``; not among the defaults):

   - ``pair``: a set of workers on two windows of days of the same length, one around a day
     with cover penalty (drawn as for ``penalty``), the other elsewhere, a whole number of
     weeks away when there is room (the same weekdays), else anywhere apart from the first;
     up to half the workers are off on the penalised day, available then and working in the
     second window (they can move a shift from the second window to that day within their
     minutes and weekends), the rest drawn at random. Built for rosters whose shortfall sits
     on a few days (Instance13's last weekends) while the workers who could fill it spend
     their limited weekends or minutes elsewhere: no window of consecutive days frees both.
   - ``weekend``: a set of workers on a window of days around a weekend day (a Saturday or
     Sunday) with cover penalty, drawn by its penalty (any weekend day when none has any);
     up to half the workers work one day only of that weekend (they can complete it,
     moving a shift of the days around it to someone else), up to a quarter are off on the
     drawn day, available and with minutes left for the shortest shift type (they can take
     it, or the shift a completed weekend frees), the rest drawn at random; the same sizes
     as ``block``. Built for the same rosters: the one-day weekends spend the workers'
     limited weekends on half the cover they could give (on a horizon without weekends: a
     window around a penalised day).

   The neighbourhood size adapts to the edge of what a sub-solve can prove: a sub-problem
   solved to optimality grows the next ones (x1.1), one stopped by its effort limit shrinks
   them (x0.9). A neighbourhood that frees every worker-day is the whole problem: it gets
   ``max(50 x sub_effort, 1)`` deterministic seconds, doubled at each such attempt.

   A *stall* (``stall_limit`` sub-solves in a row without improvement) doubles the effort of
   the following sub-solves (up to ``max_effort``) and makes the next one a ``whole``-problem
   solve from the current roster (``max(25 x effort, 0.5)`` deterministic seconds, at most a
   tenth of the time limit): small instances leave their local optima that way, large ones
   rarely stall. With ``whole_threads`` above 1 that solve runs alone in its iteration with
   CP-SAT's own multi-threaded portfolio (its internal neighbourhoods and search) for at least
   ``whole_effort`` deterministic seconds and at most ``whole_share`` of the time limit, and
   a whole solve that improved is followed by another one (region sub-solves resume once
   one does not); :class:`Hybrid` (strategy ``hybrid``) is this search with stalls every 6
   sub-solves.
3. Return the best roster; its objective is the rule engine's score (between sub-solves the
   sub-model's objective is trusted: at a solution that is not proven optimal its cover
   slacks may be loose, which can only overstate the score).

Each iteration solves ``parallel`` neighbourhoods at once (threads; CP-SAT releases the
interpreter lock) and moves to the best result, in batch order on ties. With ``merge`` (NRP
profile) the other improving results of the iteration join it, best first, each when the rows
it changes are rows no joined result changes and the joined roster scores lower: every NRP
rule but the cover is a rule of one worker's row, so the joined score is the sum of the
changes plus the cover's interaction, computed from the cells' counts. Each sub-solve runs
``num_workers`` CP-SAT threads (1 by default) limited by ``sub_effort`` deterministic seconds
(CP-SAT's machine-independent work measure); with one thread per sub-solve the run is fully
deterministic for a seed when it stops on ``max_iterations`` (iterations count sub-solves; a
wall-clock limit may cut the same trajectory earlier on a busier machine) and starts from a
given feasible roster: the first-solution search runs CP-SAT's multi-threaded portfolio, whose
first solution can differ from run to run. When the sub-problem
frees every worker-day and is solved to optimality, the run stops with status ``optimal``.

``keep`` and pinned mandatory assignments are fixed in the base model, so no neighbourhood can
change them. ``moves_evaluated`` counts CP-SAT branches of all solves.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.rules.common.cover import CoverOver
from rtsched_widgets.solve.base import ProgressCallback, RunClock, SolveResult, Status, Strategy
from rtsched_widgets.solve.cpsat import CancelWatcher, CpModelBuilder, _Callback, variable_days
from rtsched_widgets.solve.keep import Keep, normalize_keep
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster
from rtsched_widgets.solve.start import feasible_start

NEIGHBOURHOODS = ("workers", "days", "block", "penalty")
"""The neighbourhood kinds drawn by default."""

EXTRA_NEIGHBOURHOODS = ("pair", "weekend")
"""Kinds that run only when asked for (``Lns(neighbourhoods=...)``)."""

PICKS = ("rate", "gain")
"""How a neighbourhood kind is drawn: by its success rate or by its gain per sub-solve."""


@dataclass
class _Plan:
    """One sub-solve to run: the freed worker-days, the solver seed, the neighbourhood kind,
    the effort (deterministic seconds) and whether it frees every movable worker-day."""

    free: np.ndarray
    seed: int
    kind: str
    effort: float
    everything: bool
    wall: float
    threads: int = 1


@dataclass
class _Job:
    """One sub-solve: the builder that reads its solution, the model, the solver, and whether
    it frees every movable worker-day."""

    builder: CpModelBuilder
    cp_model: Any
    solver: Any
    everything: bool
    kind: str = "workers"


class Lns(Strategy):
    """Large neighbourhood search with CP-SAT sub-solves (see the module docstring).

    Options: ``max_iterations`` sub-solves (None: only the time limit); ``sub_effort``
    deterministic seconds per sub-solve (0.02); ``start_fraction`` of the worker-days freed at
    first (0.05); ``initial``: ``"solve"`` (plain CP-SAT for ``initial_share`` of the time
    limit, then the neighbourhood search from its best solution; the default) or ``"first"``
    (stop at the first solution); ``initial_share`` (0.2); ``num_workers`` CP-SAT threads
    per solve (1); ``parallel`` sub-solves run at once on different neighbourhoods, the best
    result taken (2: one per core); ``neighbourhoods`` kinds among ``workers``, ``days``,
    ``block``, ``penalty`` (the default: all four), ``pair`` and ``weekend``;
    ``stall_limit`` sub-solves without improvement that make a stall (20); ``max_effort``
    deterministic seconds a stall may raise the effort to (0.5); ``whole_threads`` CP-SAT
    threads of a stall's whole-problem solve (1; above 1 it runs alone, with CP-SAT's own
    portfolio, and the run is no longer deterministic); ``whole_effort`` its least
    deterministic seconds (0.5) and ``whole_share`` the most wall time it may take, as a
    fraction of the time limit (0.1); ``merge`` joins an iteration's improving results that
    change different workers' rows (False; NRP profile); ``pick`` how the kinds are drawn
    (``"rate"`` or ``"gain"``, :data:`PICKS`).
    """

    name = "lns"

    def unhonoured(self, problem: Problem) -> list[str]:
        # the sub-solves are CP-SAT models: they honour what the rules encode
        return [r.name for r in problem.custom_rules if not r.has_encode()]

    def __init__(
        self,
        *,
        max_iterations: int | None = None,
        sub_effort: float = 0.02,
        start_fraction: float = 0.05,
        initial_share: float = 0.2,
        initial: str = "solve",
        num_workers: int = 1,
        parallel: int = 2,
        neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS,
        stall_limit: int = 20,
        max_effort: float = 0.5,
        whole_threads: int = 1,
        whole_effort: float = 0.5,
        whole_share: float = 0.1,
        merge: bool = False,
        pick: str = "rate",
    ) -> None:
        if whole_threads < 1:
            raise ValueError(f"whole_threads: {whole_threads} — use 1 or more search threads")
        if not whole_effort > 0:
            raise ValueError(f"whole_effort: {whole_effort} — use a positive number of seconds")
        if not 0 < whole_share <= 1:
            raise ValueError(f"whole_share: {whole_share} — use a fraction in (0, 1]")
        self.whole_threads = int(whole_threads)
        self.whole_effort = float(whole_effort)
        self.whole_share = float(whole_share)
        self.merge = bool(merge)
        if pick not in PICKS:
            raise ValueError(f"pick: {pick!r} — use one of {PICKS}")
        self.pick = pick
        if max_iterations is not None and max_iterations < 0:
            raise ValueError(f"max_iterations: {max_iterations} — use 0 or more, or None")
        if not sub_effort > 0:
            raise ValueError(f"sub_effort: {sub_effort} — use a positive number of seconds")
        if not 0 < start_fraction <= 1:
            raise ValueError(f"start_fraction: {start_fraction} — use a fraction in (0, 1]")
        if initial not in ("solve", "first"):
            raise ValueError(f"initial: {initial!r} — use 'solve' or 'first'")
        if not 0 < initial_share <= 1:
            raise ValueError(f"initial_share: {initial_share} — use a fraction in (0, 1]")
        if num_workers < 1:
            raise ValueError(f"num_workers: {num_workers} — use 1 or more search threads")
        if parallel < 1:
            raise ValueError(f"parallel: {parallel} — use 1 or more concurrent sub-solves")
        kinds = NEIGHBOURHOODS + EXTRA_NEIGHBOURHOODS
        unknown = [n for n in neighbourhoods if n not in kinds]
        if unknown or not neighbourhoods:
            raise ValueError(
                f"neighbourhoods: {list(neighbourhoods)} — choose one or more of {kinds}"
            )
        self.max_iterations = max_iterations
        self.sub_effort = float(sub_effort)
        self.start_fraction = float(start_fraction)
        self.initial_share = float(initial_share)
        self.initial = initial
        self.num_workers = int(num_workers)
        self.parallel = int(parallel)
        self.neighbourhoods = tuple(neighbourhoods)
        if stall_limit < 1:
            raise ValueError(f"stall_limit: {stall_limit} — use 1 or more sub-solves")
        if not max_effort > 0:
            raise ValueError(f"max_effort: {max_effort} — use a positive number of seconds")
        self.stall_limit = int(stall_limit)
        self.max_effort = float(max_effort)

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
        cp = require("ortools.sat.python.cp_model", "solve")
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)

        def full_model() -> CpModelBuilder:
            model = CpModelBuilder(cp, problem)
            model.build()
            model.fix(fixed.worker_day, fixed.shift, fixed.closed)
            return model

        run = _Run(cp, problem, full_model, fixed.worker_day, self, clock, seed, fixed.closed)
        roster = feasible_start(problem, roster, keep, seed) or roster
        start = run.initial(roster)
        if start is None:
            fallback = roster.copy() if roster is not None else Roster(problem)
            hard, soft = score_roster(problem, fallback)
            status: Status = "infeasible" if run.proven_infeasible else "unknown"
            return clock.result(fallback, soft, hard, status, seed, run.branches, iterations=0)
        run.search()
        best = roster_from_shifts(problem, run.best_shift_of, like=roster)
        hard, soft = score_roster(problem, best)
        if hard == 0 and (not clock.log or clock.log[-1][1] != soft):
            clock.improved(
                soft, 0, run.branches, shifts=best.shift_of
            )  # the rule engine's score of the result
        status = "optimal" if run.proven_optimal else ("feasible" if hard == 0 else "unknown")
        return clock.result(
            best,
            soft,
            hard,
            status,
            seed,
            run.branches,
            iterations=run.iterations,
            improvements=run.improvements,
            merged=run.merged,
            final_fraction=run.fraction,
            neighbourhood_counts=dict(run.kind_counts),
            neighbourhood_wins=dict(run.kind_wins),
            neighbourhood_gains=dict(run.kind_gains),
            final_effort=run.effort,
        )


class Hybrid(Lns):
    """Region-model LNS that hands the whole problem to CP-SAT's own portfolio whenever it
    stalls: :class:`Lns` with ``stall_limit=6`` and each stall's whole-problem solve run
    alone on all threads (``whole_threads=2``), hinted with the current roster, for at least
    ``whole_effort=4`` deterministic seconds and at most ``whole_share=0.2`` of the time limit.
    The region sub-solves bring cheap improvements under load and on large instances; the
    whole solves (CP-SAT's own large neighbourhoods and search) leave the local optima that
    small neighbourhoods cannot. Same options as :class:`Lns`; not deterministic (the whole
    solves are multi-threaded)."""

    name = "hybrid"

    def __init__(self, **options: Any) -> None:
        defaults: dict[str, Any] = {
            "stall_limit": 6,
            "whole_threads": 2,
            "whole_effort": 4.0,
            "whole_share": 0.2,
        }
        super().__init__(**{**defaults, **options})


class _Variables:
    """The base model's shift variables in one order: the variables, their negations, their
    indices and their worker, day and shift type as arrays."""

    def __init__(self, model: CpModelBuilder) -> None:
        keys = list(model.x)
        self.vars = [model.x[k] for k in keys]
        self.neg = [~v for v in self.vars]
        self.index = np.array([v.index for v in self.vars], dtype=np.int64)
        arr = np.array(keys, dtype=np.int64).reshape(-1, 3)
        self.w, self.d, self.s = arr[:, 0], arr[:, 1], arr[:, 2]


class _Run:
    """State of one LNS run: the base model, the current roster and the adaptive size.

    The base model (the whole problem) is built on first use: an NRP run from a roster that
    meets every hard rule never needs it (its sub-solves are region models, and the
    worker-days they may free come from :func:`variable_days`), which on the largest
    instances saves most of the memory and the seconds before the first sub-solve."""

    def __init__(
        self,
        cp: Any,
        problem: Problem,
        full_model: Callable[[], CpModelBuilder],
        kept: np.ndarray,
        options: Lns,
        clock: RunClock,
        seed: int,
        closed: np.ndarray | None = None,
    ) -> None:
        self.cp = cp
        self.closed = closed
        self.p = problem
        self._full_model = full_model
        self.opt = options
        self.clock = clock
        self.seed = seed
        self.rng = random.Random(seed)
        self.branches = 0
        self.iterations = 0
        self.improvements = 0
        self.merged = 0
        self.proven_optimal = False
        self.proven_infeasible = False
        self.kind_counts: dict[str, int] = {}
        self.kind_wins: dict[str, int] = {}
        self.kind_gains: dict[str, float] = {}
        self.fraction = options.start_fraction
        self.full_solves = 0
        # effort per sub-solve: doubles after a stall (no improvement in ``stall_limit``
        # iterations), up to ``max_effort``; an improvement keeps the current effort
        self.effort = options.sub_effort
        self.stall = 0
        self.want_whole = False
        # worker-days a neighbourhood may free: not kept and with at least one variable
        self.movable = variable_days(problem) & ~kept
        self.current = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
        self.current_cost = math.inf  # solver units
        self.best_shift_of = self.current.copy()

    @cached_property
    def model(self) -> CpModelBuilder:
        """The base model: the whole problem, kept worker-days fixed (built on first use)."""
        return self._full_model()

    @cached_property
    def _variables(self) -> _Variables:
        return _Variables(self.model)

    # -- solving --------------------------------------------------------------------------
    def _solver(
        self, limit: float, effort: float | None, seed: int, first: bool, threads: int = 0
    ) -> Any:
        solver = self.cp.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(limit, 0.01)
        if effort is not None:
            params.max_deterministic_time = effort
        # the first solution comes fastest from CP-SAT's portfolio (feasibility jump runs
        # beside the tree search only with two threads or more)
        params.num_workers = self._initial_workers() if effort is None else self.opt.num_workers
        if threads > 1:
            params.num_workers = threads
        params.random_seed = seed
        if first:
            params.stop_after_first_solution = True
        if effort is not None and effort < 0.5:
            # short sub-solves: symmetry detection and probing cost more than they save
            params.symmetry_level = 0
            params.cp_model_probing_level = 0
        return solver

    def _initial_workers(self) -> int:
        return max(2, self.opt.num_workers * self.opt.parallel)

    def _solve(self, cp_model: Any, solver: Any, callback: Any = None) -> int:
        watcher = CancelWatcher(solver, self.clock, name="lns-watch")
        watcher.start()
        try:
            code = solver.solve(cp_model, callback)
        finally:
            watcher.stop()
        self.branches += int(solver.num_branches)
        return code

    def _hint(self, cp_model: Any, shift_of: np.ndarray, where: np.ndarray | None) -> None:
        xs = self._variables
        values = (shift_of[xs.w, xs.d] == xs.s).astype(np.int64)
        idx = xs.index
        if where is not None:
            values, idx = values[where], idx[where]
        hint = cp_model.proto.solution_hint
        hint.vars.extend(idx.tolist())
        hint.values.extend(values.tolist())

    def _take(self, shift_of: np.ndarray) -> float:
        """Make ``shift_of`` current; returns its objective (rule engine)."""
        roster = roster_from_shifts(self.p, shift_of)
        hard, soft = score_roster(self.p, roster)
        self.current = shift_of
        self.current_cost = soft if hard == 0 else math.inf
        self.best_shift_of = shift_of.copy()
        return soft

    def initial(self, roster: Roster | None) -> np.ndarray | None:
        """The starting roster (``shift_of``), or None when none meets the hard rules."""
        clock = self.clock
        if roster is not None:
            hard, soft = score_roster(self.p, roster)
            if hard == 0:
                self.current = roster.shift_of.astype(np.int64).copy()
                self.best_shift_of = self.current.copy()
                self.current_cost = soft
                clock.improved(soft, 0, 0, shifts=self.best_shift_of)
                return self.current
        cp_model = self.model.model.clone()
        if roster is not None:
            self._hint(cp_model, roster.shift_of, None)
        budget = max(clock.time_limit * self.opt.initial_share - clock.elapsed(), 0.01)
        solver = self._solver(
            min(budget, clock.remaining()), None, self.seed, first=self.opt.initial == "first"
        )
        # the full model's improving solutions go to the convergence log as they come (the
        # clone keeps the variable indices, so the base model reads their objective)
        callback = _Callback(self.cp, self.model, clock, False)
        code = self._solve(cp_model, solver, callback)
        if code == self.cp.UNKNOWN and not clock.should_stop():
            # no solution within the initial share: keep looking, until the first one
            solver = self._solver(clock.remaining(), None, self.seed, first=True)
            code = self._solve(cp_model, solver, callback)
        if code == self.cp.INFEASIBLE:
            self.proven_infeasible = True
            return None
        if code not in (self.cp.OPTIMAL, self.cp.FEASIBLE):
            return None
        soft = self._take(self.model.shifts(solver))
        if code == self.cp.OPTIMAL:
            self.proven_optimal = True
        clock.improved(soft, 0, self.branches, shifts=self.best_shift_of)
        return self.current

    def search(self) -> None:
        clock, opt = self.clock, self.opt
        if self.p.profile != "nrp":
            _ = self.model  # its sub-solves are clones of it: build it before the threads
        pool = ThreadPoolExecutor(max_workers=opt.parallel) if opt.parallel > 1 else None
        try:
            while not self.proven_optimal and not clock.should_stop():
                if opt.max_iterations is not None and self.iterations >= opt.max_iterations:
                    break
                batch = []
                for _ in range(opt.parallel):
                    self.iterations += 1
                    if self.want_whole:
                        # after a stall: one sub-solve of the whole problem from the current
                        # roster (what small instances need to leave a local optimum)
                        self.want_whole = False
                        self.kind_counts["whole"] = self.kind_counts.get("whole", 0) + 1
                        batch.append((self.movable.copy(), self.iterations, "whole"))
                        if opt.whole_threads > 1:
                            break  # a multi-threaded whole solve runs alone
                        continue
                    kind = self._pick_kind()
                    self.kind_counts[kind] = self.kind_counts.get(kind, 0) + 1
                    batch.append((self._neighbourhood(kind), self.iterations, kind))
                plans = [self._plan(free, it, kind) for free, it, kind in batch]
                # each thread builds its sub-model and solves it: one thread's model building
                # (Python) overlaps the other's solve (CP-SAT runs without the interpreter lock)
                if pool is None:
                    outcomes = [self._run_job(plan) for plan in plans]
                else:
                    outcomes = list(pool.map(self._run_job, plans))
                self.branches += sum(int(job.solver.num_branches) for _, job in outcomes)
                self._settle(outcomes)
                clock.report(self.branches, f"lns iteration {self.iterations}")
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _pick_kind(self) -> str:
        """A neighbourhood kind, drawn with probability proportional to its weight (see
        :meth:`_kind_weights`)."""
        kinds = self.opt.neighbourhoods
        weights = self._kind_weights(kinds)
        r = self.rng.random() * sum(weights)
        for k, wt in zip(kinds, weights, strict=True):
            r -= wt
            if r < 0:
                return k
        return kinds[-1]

    def _kind_weights(self, kinds: tuple[str, ...]) -> list[float]:
        """Each kind's weight: with ``pick="rate"`` its success rate (improving sub-solves
        + 1) / (sub-solves + 2); with ``pick="gain"`` its gain per sub-solve (the objective
        its improving sub-solves took off, plus twice the mean gain of a sub-solve of any
        kind, over its sub-solves + 2; 1 for every kind before any gain). Kinds that keep
        paying off are tried more often and none is starved."""
        counts = [self.kind_counts.get(k, 0) for k in kinds]
        if self.opt.pick == "rate":
            return [
                (self.kind_wins.get(k, 0) + 1) / (n + 2) for k, n in zip(kinds, counts, strict=True)
            ]
        total = sum(self.kind_gains.values())
        if total <= 0:
            return [1.0] * len(kinds)
        prior = 2 * total / max(sum(self.kind_counts.values()), 1)
        return [
            (self.kind_gains.get(k, 0.0) + prior) / (n + 2)
            for k, n in zip(kinds, counts, strict=True)
        ]

    def _plan(self, free: np.ndarray, iteration: int, kind: str) -> _Plan:
        """What one sub-solve frees, with its effort and seed (decided in the main thread, so
        a run is the same whatever the threads' timing)."""
        everything = bool(free[self.movable].all())
        effort = self.effort
        wall = self.clock.remaining()
        if kind == "whole":
            # a stall's whole-problem solve: at most ``whole_share`` of the time limit
            opt = self.opt
            effort = max(effort * 25, opt.whole_effort)
            wall = min(wall, max(1.0, opt.whole_share * self.clock.time_limit))
            seed = self.seed * 7919 + iteration
            return _Plan(free, seed, kind, effort, everything, wall, opt.whole_threads)
        elif everything:
            # the whole problem: a proof of optimality ends the run, so it gets more effort
            self.full_solves += 1
            effort = max(effort * 50, 1.0) * 2 ** min(self.full_solves - 1, 10)
        return _Plan(free, self.seed * 7919 + iteration, kind, effort, everything, wall)

    def _prepare(self, plan: _Plan) -> _Job:
        """The sub-model with everything outside ``plan.free`` fixed to the current roster,
        and its solver."""
        free = plan.free
        solver = self._solver(plan.wall, plan.effort, plan.seed, False, plan.threads)
        if self.p.profile == "nrp":
            # a model of the region only: the rest of the roster enters as constants
            builder = CpModelBuilder(self.cp, self.p, free=free, base=self.current)
            builder.build()
            if self.closed is not None and self.closed.any():
                builder.fix(np.zeros_like(free), self.current, self.closed)
            builder.hint(self.current)
            return _Job(builder, builder.model, solver, plan.everything, plan.kind)
        cp_model = self.model.model.clone()
        xs = self._variables
        free_var = free[xs.w, xs.d]
        fixed_idx = np.flatnonzero(~free_var)
        on = self.current[xs.w, xs.d] == xs.s
        vars_, neg = xs.vars, xs.neg
        cp_model.add_bool_and([vars_[i] if on[i] else neg[i] for i in fixed_idx.tolist()])
        self._hint(cp_model, self.current, free_var)
        return _Job(self.model, cp_model, solver, plan.everything, plan.kind)

    def _run_job(self, plan: _Plan) -> tuple[int, _Job]:
        job = self._prepare(plan)
        watcher = CancelWatcher(job.solver, self.clock, name="lns-watch")
        watcher.start()
        try:
            code = job.solver.solve(job.cp_model)
        finally:
            watcher.stop()
        return code, job

    def _settle(self, outcomes: list[tuple[int, _Job]]) -> None:
        """Adapt the size to each sub-solve and move to the best solution found (ties: the
        first in the batch); with ``merge``, the other improving solutions that change other
        workers' rows join it when the roster they make together scores lower still."""
        cp = self.cp
        found: list[tuple[float, np.ndarray, _Job]] = []
        for code, job in outcomes:
            if job.kind == "whole":
                self.proven_optimal |= code == cp.OPTIMAL
            elif code == cp.OPTIMAL:
                if job.everything:
                    self.proven_optimal = True
                self.fraction = min(self.fraction * 1.1, 1.0)
            else:
                self.fraction = max(self.fraction * 0.9, 0.02)
            if code not in (cp.OPTIMAL, cp.FEASIBLE):
                continue
            value = job.builder.value(job.solver) / job.builder.scale
            if value < self.current_cost - 1e-9:
                self.kind_wins[job.kind] = self.kind_wins.get(job.kind, 0) + 1
                gain = self.current_cost - value
                self.kind_gains[job.kind] = self.kind_gains.get(job.kind, 0.0) + gain
            if value <= self.current_cost + 1e-9:
                found.append((value, job.builder.shifts(job.solver), job))
        best: tuple[float, np.ndarray] | None = None
        if found:
            first = min(range(len(found)), key=lambda i: found[i][0])
            best = found[first][:2]
            if self.opt.merge and self.p.profile == "nrp":
                best = self._merge(best, [f for i, f in enumerate(found) if i != first])
        improved = False
        if best is not None and not np.array_equal(best[1], self.current):
            # the sub-model's objective counts the whole roster; at a solution that is not
            # optimal its cover slacks may be loose, so it is an upper bound of the score
            before = self.current_cost
            self.current = best[1]
            self.current_cost = best[0]
            self.best_shift_of = best[1].copy()
            if best[0] < before - 1e-9:
                improved = True
                self.improvements += 1
                self.clock.improved(best[0], 0, self.branches, shifts=self.best_shift_of)
        if improved:
            self.stall = 0
            if self.opt.whole_threads > 1 and any(job.kind == "whole" for _, job in outcomes):
                # CP-SAT's own search still pays: give it the next iteration too
                self.want_whole = True
            return
        self.stall += len(outcomes)
        if self.stall >= self.opt.stall_limit:
            self.stall = 0
            self.effort = min(self.effort * 2, max(self.opt.max_effort, self.opt.sub_effort))
            self.want_whole = True

    def _merge(
        self, best: tuple[float, np.ndarray], others: list[tuple[float, np.ndarray, _Job]]
    ) -> tuple[float, np.ndarray]:
        """``best`` joined by each other improving solution (lowest first) whose changed rows
        are rows nobody joined has changed, when the roster they make together scores lower.

        Every NRP rule but the cover is a rule of one worker's row, so rows of different
        workers add up: the joined score is the sum of the changes plus the cover's
        interaction (:meth:`_cover_cost` of the joined roster, less those of the two
        parts, plus the current roster's); a joined roster over a cell's maximum is not
        taken."""
        cur, cost = self.current, self.current_cost
        value, shifts = best
        changed = (shifts != cur).any(axis=1)
        for other, rows_of, job in sorted(others, key=lambda f: f[0]):
            rows = (rows_of != cur).any(axis=1)
            if other >= cost - 1e-9 or not rows.any() or (rows & changed).any():
                continue
            joined = shifts.copy()
            joined[rows] = rows_of[rows]
            value_joined = self._joined_value(
                (value, shifts), (other, rows_of), joined, job.builder.holds(CoverOver.name)
            )
            if value_joined is not None and value_joined < value - 1e-9:
                value, shifts = value_joined, joined
                changed |= rows
                self.merged += 1
        return value, shifts

    def _joined_value(
        self,
        one: tuple[float, np.ndarray],
        other: tuple[float, np.ndarray],
        joined: np.ndarray,
        over: bool,
    ) -> float | None:
        """The score of ``joined``, the current roster with the changed rows of two
        solutions (``(score, shift_of)``) that change different workers' rows: the two
        changes added up, plus the cover's interaction; None when a cell of ``joined`` holds
        more than its maximum. ``over``: whether over-cover is charged."""
        parts = [self._cover_cost(x, over) for x in (joined, one[1], other[1], self.current)]
        if any(part is None for part in parts):
            return None
        c_joined, c_one, c_other, c_cur = (float(part or 0.0) for part in parts)
        return one[0] + other[0] - self.current_cost + c_joined - c_one - c_other + c_cur

    def _cover_cost(self, shift_of: np.ndarray, over: bool) -> float | None:
        """The cover penalty of ``shift_of`` (under-cover, and over-cover when ``over``), or
        None when a cell holds more than its maximum."""
        p = self.p
        count = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
        w_idx, d_idx = np.nonzero(shift_of >= 0)
        np.add.at(count, (d_idx, shift_of[w_idx, d_idx]), 1)
        if (count > p.maximum).any():
            return None
        cost = (np.maximum(p.required - count, 0) * p.under_weight).sum()
        if over:
            cost += (np.maximum(count - p.required, 0) * p.over_weight).sum()
        return float(cost)

    # -- neighbourhoods -------------------------------------------------------------------
    def _sample_workers(self, k: int, must: list[int] | None = None) -> list[int]:
        n_w = self.p.n_workers
        k = max(1, min(k, n_w))
        chosen = list(dict.fromkeys(must or []))[:k]
        rest = [w for w in range(n_w) if w not in set(chosen)]
        chosen += self.rng.sample(rest, k - len(chosen))
        return chosen

    def _window(self, length: int, around: int | None = None) -> tuple[int, int]:
        n_d = self.p.n_days
        length = max(1, min(length, n_d))
        if around is None:
            a = self.rng.randrange(n_d - length + 1)
        else:
            lo = max(0, around - length + 1)
            hi = min(around, n_d - length)
            a = self.rng.randint(lo, hi) if hi >= lo else max(0, min(around, n_d - length))
        return a, a + length

    def _neighbourhood(self, kind: str) -> np.ndarray:
        p, f = self.p, self.fraction
        n_w, n_d = p.n_workers, p.n_days
        free = np.zeros((n_w, n_d), dtype=bool)
        if kind == "workers":
            free[self._sample_workers(round(f * n_w)), :] = True
        elif kind == "days":
            a, b = self._window(max(2, round(f * n_d)))
            free[:, a:b] = True
        elif kind == "block":
            side = math.sqrt(f)
            a, b = self._window(max(2, round(side * n_d)))
            free[np.ix_(self._sample_workers(round(side * n_w)), range(a, b))] = True
        elif kind == "pair":
            free = self._pair()
        elif kind == "weekend":
            free = self._weekend()
        else:
            side = math.sqrt(f)
            day, broken = self._penalised()
            k = max(1, round(side * n_w))
            must = broken[:k] if broken else []
            workers = self._sample_workers(k, must)
            if day is None:
                free[workers, :] = True
            else:
                a, b = self._window(max(2, round(side * n_d)), around=day)
                free[np.ix_(workers, range(a, b))] = True
        return free & self.movable

    def _pair(self) -> np.ndarray:
        """The ``pair`` neighbourhood (module docstring): ``sqrt(fraction)`` of the workers on
        two windows of ``sqrt(fraction) / 2`` of the days each (at least two workers, two
        days)."""
        p, side = self.p, math.sqrt(self.fraction)
        n_w, n_d = p.n_workers, p.n_days
        free = np.zeros((n_w, n_d), dtype=bool)
        day, _ = self._penalised()
        if day is None:
            day = self.rng.randrange(n_d)
        length = max(2, round(side * n_d / 2))
        a, b = self._window(length, around=day)
        apart = [c for c in range(n_d - length + 1) if c + length <= a or c >= b]
        if not apart:  # the horizon holds one window: every worker on it
            free[:, a:b] = True
            return free
        weeks = [c for c in apart if (c - a) % 7 == 0]
        c = self.rng.choice(weeks or apart)
        k = max(2, round(side * n_w))
        cur = self.current
        movers = np.flatnonzero(
            (cur[:, day] < 0) & p.available[:, day] & (cur[:, c : c + length] >= 0).any(axis=1)
        ).tolist()
        self.rng.shuffle(movers)
        workers = self._sample_workers(k, movers[: k // 2])
        free[np.ix_(workers, [*range(a, b), *range(c, c + length)])] = True
        return free

    @cached_property
    def _weekend_days(self) -> list[list[int]]:
        """The days of each weekend (:meth:`Calendar.sat_sun_weekends`) inside the
        horizon, in order."""
        return self.p.calendar.sat_sun_weekends()

    @cached_property
    def _minutes(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Minutes of each shift type, each worker's most minutes (a very large number for
        none) and the shortest shift's minutes."""
        p = self.p
        minutes = np.array([s.minutes for s in p.shift_types], dtype=np.int64)
        most = np.array(
            [2**40 if w.max_minutes is None else w.max_minutes for w in p.workers], dtype=np.int64
        )
        return minutes, most, int(minutes.min()) if minutes.size else 0

    def _weekend(self) -> np.ndarray:
        """The ``weekend`` neighbourhood (module docstring): ``sqrt(fraction)`` of the workers
        on a window of ``sqrt(fraction)`` of the days around a weekend day with cover
        penalty; up to half of them work one day of that weekend, up to a quarter are off on
        that day with minutes left for a shift."""
        p, side, cur = self.p, math.sqrt(self.fraction), self.current
        n_w, n_d = p.n_workers, p.n_days
        weekends = self._weekend_days
        days = [d for wd in weekends for d in wd]
        k = max(2, round(side * n_w))
        free = np.zeros((n_w, n_d), dtype=bool)
        if not days:  # no weekend in the horizon: a penalised day's window
            day, _ = self._penalised()
            a, b = self._window(max(2, round(side * n_d)), around=day)
            free[np.ix_(self._sample_workers(k), range(a, b))] = True
            return free
        per_day = self._cover_penalty()
        day = days[_draw(self.rng, [float(per_day[d]) for d in days])]
        weekend = next(wd for wd in weekends if day in wd)
        one_day = np.flatnonzero(
            ((cur[:, weekend] >= 0).sum(axis=1) == 1) if len(weekend) > 1 else np.zeros(n_w, bool)
        ).tolist()
        minutes, most, shortest = self._minutes
        used = np.where(cur >= 0, minutes[np.maximum(cur, 0)], 0).sum(axis=1)
        spare = np.flatnonzero(
            (most - used >= shortest) & (cur[:, day] < 0) & p.available[:, day]
        ).tolist()
        self.rng.shuffle(one_day)
        self.rng.shuffle(spare)
        workers = self._sample_workers(k, list(dict.fromkeys(one_day[: k // 2] + spare[: k // 4])))
        a, b = self._window(max(2, round(side * n_d)), around=day)
        free[np.ix_(workers, range(a, b))] = True
        return free

    def _cover_penalty(self) -> np.ndarray:
        """Cover penalty (under and over) of each day of the current roster."""
        p, cur = self.p, self.current
        count = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
        w_idx, d_idx = np.nonzero(cur >= 0)
        np.add.at(count, (d_idx, cur[w_idx, d_idx]), 1)
        under = np.maximum(p.required - count, 0) * p.under_weight
        over = np.maximum(count - p.required, 0) * p.over_weight
        return np.asarray((under + over).sum(axis=1), dtype=float)

    def _penalised(self) -> tuple[int | None, list[int]]:
        """A day with cover penalty (drawn by penalty) and the workers with broken requests
        (shuffled)."""
        p, cur = self.p, self.current
        per_day = self._cover_penalty()
        total = float(per_day.sum())
        day: int | None = None
        if total > 0:
            r = self.rng.random() * total
            pick = int(np.searchsorted(np.cumsum(per_day), r, side="right"))
            day = min(pick, p.n_days - 1)
        broken: list[int] = []
        for r_ in p.shift_on_requests:
            w, s = p.worker_index[r_.worker], p.shift_index[r_.shift]
            if cur[w, r_.day] != s:
                broken.append(w)
        for r_ in p.shift_off_requests:
            w, s = p.worker_index[r_.worker], p.shift_index[r_.shift]
            if cur[w, r_.day] == s:
                broken.append(w)
        broken = list(dict.fromkeys(broken))
        self.rng.shuffle(broken)
        return day, broken


def _draw(rng: random.Random, weights: list[float]) -> int:
    """An index drawn with probability proportional to ``weights`` (uniform when all are 0)."""
    total = sum(weights)
    if total <= 0:
        return rng.randrange(len(weights))
    r = rng.random() * total
    for i, wt in enumerate(weights):
        r -= wt
        if r < 0:
            return i
    return len(weights) - 1
