"""Column generation for the NRP profile: whole-horizon worker schedules as columns.

Every NRP hard rule except cover concerns one worker, so a roster is one *schedule* (a row of
``shift_of``: a shift index or -1 per day) per worker that meets that worker's rules, and the
objective splits into the schedules' own request penalties plus the cover penalties.

*Master LP* (restricted to the schedules generated so far; GLOP): one variable
``lam[j] >= 0`` per schedule ``j`` of worker ``w(j)``, ``sum_{j of w} lam[j] = 1`` per worker
(dual ``mu[w]``), and per open cell ``(d, s)`` the cover balance
``sum_j a[j, d, s] lam[j] + under - over = required`` (dual ``pi[d, s]``) with
``0 <= under <= required`` charged ``under_weight`` and ``0 <= over <= maximum - required``
charged ``over_weight``. Minimise the schedules' request penalties plus the slacks' charges.

A third slack per cell, ``excess >= 0`` above the maximum, is charged ten times the largest
weight of the problem: it only keeps the LP solvable under a dive's fixings.

*Pricing* (one worker at a time): the schedule of least reduced cost
``cost(j) - sum_{d, s} pi[d, s] a[j, d, s] - mu[w]``, found by default by the labelling search
of :mod:`rtsched_widgets.solve.labelling` (a resource-constrained shortest path over the days;
its few best schedules are all columns), or with ``pricer="cpsat"`` by CP-SAT over a model of
that worker's own rules only (the region model of :class:`~rtsched_widgets.solve.cpsat.
CpModelBuilder` with the worker's row free, nobody else in it and no cover balance), whose
objective is replaced at each call; duals are smoothed towards those of the best bound so
far (see :meth:`ColumnGeneration.round`). Every improving solution CP-SAT finds on the way
that has a negative reduced cost is a new column too. When no worker has a schedule of
negative reduced cost and every pricing was solved to optimality, the master LP value is a
lower bound of every roster's objective; before that, the Lagrangian bound at the priced duals
is one (:meth:`ColumnGeneration.dual_value`), again only when every pricing was optimal
(for the labelling pricer: exact, no label dropped by its beam).

*Diving* turns the LP into a roster: fix the workers whose best schedule has the largest LP
value, re-price, repeat (see :meth:`ColumnGeneration.dive`). A CP-SAT model over the pooled
schedules (one boolean per schedule, exactly one per worker) was tried instead: on Instance8
its best after 30 s was 2213 against 1524 from the dive (and 1300 optimal); the LP optimum is
highly fractional there (120 of 124 positive columns fractional for 30 workers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.solve.cpsat import CpModelBuilder
from rtsched_widgets.solve.keep import Fixed

if TYPE_CHECKING:
    from rtsched_widgets.solve.labelling import WeekendPrice

PRICE_SCALE = 1000
"""Reduced-cost coefficients are rounded to ``1 / PRICE_SCALE`` for CP-SAT's integer
objective; the reduced cost of a column is then recomputed exactly."""


PRICE_PARAMETERS: dict[str, object] = {"linearization_level": 2}
"""CP-SAT parameters of the pricing solves (small one-worker models; the stronger LP saved
a fifth of the time per solve on Instance12)."""


def request_costs(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """``(constant, per_cell)`` of each worker's request penalty: a schedule's penalty is
    ``constant[w] + sum_d per_cell[w, d, schedule[d]]`` (shift-on requests count as a constant
    minus their weight where granted; shift-off requests their weight where broken)."""
    p = problem
    constant = np.zeros(p.n_workers)
    per_cell = np.zeros((p.n_workers, p.n_days, p.n_shifts))
    for r in p.shift_on_requests:
        w, s = p.worker_index[r.worker], p.shift_index[r.shift]
        constant[w] += r.weight
        per_cell[w, r.day, s] -= r.weight
    for r in p.shift_off_requests:
        w, s = p.worker_index[r.worker], p.shift_index[r.shift]
        per_cell[w, r.day, s] += r.weight
    return constant, per_cell


class _WorkerModel(CpModelBuilder):
    """The region model of one worker's row without the cover balance (pricing puts the
    cover duals in the objective instead)."""

    def _cover(self, over_allowed: bool) -> None:
        self.terms.append("cover")


class MasterLPError(RuntimeError):
    """The master LP could not be solved to optimality (a numerical failure of the LP solver
    that two fresh attempts did not get past)."""


class NoSchedule(ValueError):
    """A worker has no schedule that meets their own hard rules (and the kept cells)."""


class WorkerPricer:
    """CP-SAT model of worker ``w``'s own hard rules (and of ``fixed``'s kept cells), solved for
    the schedule of least linear cost ``sum_{d, s} coef[d, s] x[d, s]``."""

    def __init__(self, cp: Any, problem: Problem, w: int, fixed: Fixed) -> None:
        self.cp = cp
        self.w = w
        free = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
        free[w] = True
        base = np.full(free.shape, -1, dtype=np.int64)
        builder = _WorkerModel(cp, problem, free=free, base=base)
        builder.build()
        builder.fix(fixed.worker_day, fixed.shift, fixed.closed)
        self.model = builder.model
        self.model.clear_objective()
        keys = [(d, s) for (_, d, s) in builder.x]
        self.days = np.array([d for d, _ in keys], dtype=np.int64)
        self.shifts = np.array([s for _, s in keys], dtype=np.int64)
        self.vars = list(builder.x.values())
        self.index = [v.index for v in self.vars]
        self.n_days = problem.n_days
        self._weekend_terms: tuple[list[int], list[int]] | None = None

    def schedule(self, values: list[bool]) -> np.ndarray:
        """The schedule (shift index or -1 per day) of a solution's ``x`` values."""
        out = np.full(self.n_days, -1, dtype=np.int64)
        on = np.flatnonzero(np.asarray(values, dtype=bool))
        out[self.days[on]] = self.shifts[on]
        return out

    def _weekend_vars(self, weekend: WeekendPrice) -> tuple[list[int], list[int]]:
        """Per weekend unit, the indices of a variable "the unit is worked" and of one "exactly
        one of its two days is worked" (-1 where a unit has no such day or is one day long);
        added to the model on the first call."""
        if self._weekend_terms is None:
            model = self.model
            worked: list[int] = []
            split: list[int] = []
            for days in weekend.units:
                on = [
                    sum(v for v, d in zip(self.vars, self.days.tolist(), strict=True) if d == e)
                    for e in days
                ]
                if all(isinstance(x, int) for x in on):  # no variable: never worked
                    worked.append(-1)
                    split.append(-1)
                    continue
                a = model.new_bool_var("weekend")
                for x in on:
                    model.add(a >= x)
                model.add(a <= sum(on))
                worked.append(a.index)
                if len(on) == 2:
                    b = model.new_bool_var("split")
                    model.add(b == 2 * a - on[0] - on[1])  # a: either day worked
                    split.append(b.index)
                else:
                    split.append(-1)
            self._weekend_terms = (worked, split)
        return self._weekend_terms

    def price(
        self,
        coef: np.ndarray,
        *,
        time_limit: float,
        seed: int,
        keep_all: bool = True,
        weekend: WeekendPrice | None = None,
    ) -> tuple[list[np.ndarray], bool]:
        """Schedules minimising ``sum coef[d, s] x[d, s]`` (rounded to ``1 / PRICE_SCALE``),
        plus the prices of ``weekend`` (:class:`~rtsched_widgets.solve.labelling.
        WeekendPrice`) when given: the best found last, preceded by the improving solutions
        met on the way when ``keep_all``; and whether the last is proven optimal. Empty when
        the worker has no schedule meeting its rules (or none was found in time)."""
        cp = self.cp
        self.model.clear_objective()
        obj = self.model.proto.objective
        if self.index:
            ints = np.rint(coef[self.days, self.shifts] * PRICE_SCALE).astype(np.int64)
            obj.vars.extend(self.index)
            obj.coeffs.extend(ints.tolist())
        if weekend is not None:
            worked, split = self._weekend_vars(weekend)
            for idx, prices in ((worked, weekend.worked), (split, weekend.split)):
                for i, value in zip(idx, prices.tolist(), strict=True):
                    if i >= 0:
                        obj.vars.append(i)
                        obj.coeffs.append(int(np.rint(value * PRICE_SCALE)))
        solver = cp.CpSolver()
        params = solver.parameters
        params.num_workers = 1
        params.max_time_in_seconds = max(time_limit, 0.005)
        params.random_seed = seed
        for key, value in PRICE_PARAMETERS.items():
            setattr(params, key, value)
        found: list[np.ndarray] = []
        variables, schedule = self.vars, self.schedule

        class Collect(cp.CpSolverSolutionCallback):  # type: ignore[name-defined]
            def on_solution_callback(self) -> None:
                found.append(schedule([self.boolean_value(v) for v in variables]))

        code = solver.solve(self.model, Collect() if keep_all else None)
        if code not in (cp.OPTIMAL, cp.FEASIBLE):
            return [], False
        best = schedule([solver.boolean_value(v) for v in variables])
        if not found or not np.array_equal(found[-1], best):
            found.append(best)
        if not keep_all:
            found = [best]
        return found, code == cp.OPTIMAL


class LabellingPricer:
    """Worker ``w``'s pricing by the labelling search of :mod:`rtsched_widgets.solve.labelling`
    (the same rules and kept cells as :class:`WorkerPricer`, no CP-SAT): the ``n_best`` least
    costly schedules under ``coef``, exact when no label was dropped by the beam of
    ``max_labels`` labels per (day, state). The work per call is bounded by the beam, not by
    time: ``time_limit`` is accepted for the common interface and not used."""

    def __init__(
        self,
        problem: Problem,
        w: int,
        fixed: Fixed,
        *,
        max_labels: int,
        n_best: int,
        trim: bool = False,
    ):
        from rtsched_widgets.solve.labelling import WorkerRules

        self.w = w
        self.rules = WorkerRules.of(problem, w, fixed, trim=trim)
        self.max_labels = max_labels
        self.n_best = n_best
        self.labels = 0

    def price(
        self,
        coef: np.ndarray,
        *,
        time_limit: float,
        seed: int,
        keep_all: bool = True,
        max_labels: int | None = None,
        weekend: WeekendPrice | None = None,
    ) -> tuple[list[np.ndarray], bool]:
        """Schedules minimising ``sum coef[d, s] x[d, s]`` plus the prices of ``weekend``,
        the best last (as :meth:`WorkerPricer.price`), and whether the search was exact.
        ``max_labels`` overrides the pricer's beam for this call."""
        from rtsched_widgets.solve.labelling import shortest_schedules

        found = shortest_schedules(
            self.rules,
            coef,
            n_best=self.n_best if keep_all else 1,
            max_labels=max_labels or self.max_labels,
            weekend=weekend,
        )
        self.labels += found.labels
        return [np.asarray(row) for row in found.schedules[::-1]], found.exact


Pricer = WorkerPricer | LabellingPricer

PRICERS = ("labelling", "cpsat")
"""``labelling``: the labelling search (fast; exact while the beam drops nothing);
``cpsat``: one CP-SAT model per worker (exact when solved within ``price_time``)."""


@dataclass
class ColumnPool:
    """The generated schedules: ``worker[j]``, ``schedule[j]`` (a ``shift_of`` row),
    ``cost[j]`` (request penalty), and a set of keys to refuse duplicates."""

    worker: list[int] = field(default_factory=list)
    schedule: list[np.ndarray] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    seen: set[tuple[int, bytes]] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.worker)

    def add(self, w: int, row: np.ndarray, cost: float) -> bool:
        """Add a schedule of worker ``w``; False when it is already in the pool."""
        key = (w, np.asarray(row, dtype=np.int8).tobytes())
        if key in self.seen:
            return False
        self.seen.add(key)
        self.worker.append(w)
        self.schedule.append(np.asarray(row, dtype=np.int64).copy())
        self.cost.append(float(cost))
        return True


class ColumnGeneration:
    """Column generation and diving over one problem (see the module docstring).

    ``converge`` adds columns until the master LP is optimal over all schedules (or a stop);
    ``dive`` then fixes workers to their schedule of largest LP value, a few at a time, with a
    few pricing rounds after each fixing, until every worker is fixed: a roster meeting every
    hard rule (unless a cell ends above its maximum, which the LP charges heavily but allows
    so that it always has a solution). Pricing runs on ``threads`` threads, each CP-SAT solve
    limited to ``price_time`` seconds; ``smoothing`` is the dual smoothing factor of
    :meth:`round` (0: none).

    ``days`` ``(d0, d1)``: only the cells of days ``d0 <= d < d1`` are rows of the master LP.
    For a caller whose ``fixed`` holds every worker on every other day (a window re-planned
    with the rest of the roster held): the cover of those days is then the same in every
    roster the LP can make, so ``lp_value`` and ``bound`` leave out its penalty, and the LP
    is the window's size rather than the horizon's.

    With the labelling pricer, ``start_labels`` (default: ``price_labels``) is the beam each
    :meth:`converge` call starts at: while a round finds columns at that beam it stays, and a
    round that finds none (and was not exact) doubles the beam, up to ``price_labels``, before
    the call gives up. A narrow beam costs a fraction of a wide one (Instance15: 3 ms against
    31 ms per worker at 16 and 64 labels) and finds improving columns while the LP is far from
    optimal; the wide beam is paid for only where the narrow one finds nothing.

    ``trim`` (labelling pricer): each worker's pricing searches only the span around the days
    ``fixed`` leaves free (``WorkerRules.of(..., trim=True)``): the same schedules when every
    worker's held cells meet the worker's rules, at the cost of the span rather than the
    horizon.

    ``inexact_center`` True: the dual smoothing of :meth:`round` also centres on duals whose
    pricing was inexact (the labelling beam dropped a label), the best Lagrangian value at the
    schedules found so far (``estimate``; not a bound, so ``bound`` is unchanged by it). With
    a narrow starting beam no round may be exact for a long time, and the smoothing then
    never starts: on Instance19, 30 CPU s of column generation (two runs side by side, load
    5) ended at LP 3486 with it and 3626 without; on Instance13 at 4635 and 3959 (its
    inexact values at beam 16 are poor centres).

    ``lp_presolve`` False: GLOP solves the master LP without its presolve. Each solve after a
    round's new columns starts from the previous basis either way (about 500 simplex
    iterations a round on Instance19 against 2,000–3,000 from scratch); without the presolve
    40 rounds on Instance19 spent 8.44 s and 5.56 s in the LP against 9.32 s and 5.98 s with
    it (two back-to-back pairs, load 1–4). CLP through the same interface does not start
    from the previous basis (43.5 s for the same 40 rounds) and HiGHS solves each time from
    scratch (2.4 s at 3,500 columns).
    """

    EXCESS_FACTOR = 10.0
    """LP charge per worker above a cell's maximum, as a multiple of the largest weight of the
    problem (allowed only so that the LP always has a solution under the dive's fixings)."""

    def __init__(
        self,
        cp: Any,
        problem: Problem,
        fixed: Fixed,
        *,
        seed: int = 0,
        threads: int = 2,
        price_time: float = 1.0,
        smoothing: float = 0.5,
        pricer: str = "labelling",
        price_labels: int = 64,
        price_columns: int = 3,
        start_labels: int | None = None,
        days: tuple[int, int] | None = None,
        trim: bool = False,
        lp_presolve: bool = True,
        inexact_center: bool = False,
    ) -> None:
        from ortools.linear_solver import pywraplp

        self.cp = cp
        self.p = p = problem
        self.seed = seed
        self.threads = threads
        self.price_time = price_time
        self.constant, self.per_cell = request_costs(p)
        if pricer not in PRICERS:
            raise ValueError(f"pricer: {pricer!r} — use one of {PRICERS}")
        self.pricers: list[Pricer] = [
            WorkerPricer(cp, p, w, fixed)
            if pricer == "cpsat"
            else LabellingPricer(
                p, w, fixed, max_labels=price_labels, n_best=price_columns, trim=trim
            )
            for w in range(p.n_workers)
        ]
        self.max_labels = int(price_labels)
        self.start_labels = min(int(start_labels or price_labels), self.max_labels)
        if self.start_labels < 1:
            raise ValueError(f"start_labels: {start_labels} — use 1 or more labels")
        self.labels = self.max_labels  # the beam of the labelling pricings now
        self.pool = ColumnPool()
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        if self.lp is None:
            raise RuntimeError("GLOP is not available in this OR-Tools build")
        if not lp_presolve and not self.lp.SetSolverSpecificParametersAsString(
            "use_preprocessing:false"
        ):
            raise RuntimeError("GLOP refused use_preprocessing:false")
        lp = self.lp
        self.offset = 0.0  # cells nobody may work: their under-cover is a constant
        self.rows: dict[tuple[int, int], Any] = {}
        objective = lp.Objective()
        request_weights = [r.weight for r in p.shift_on_requests + p.shift_off_requests]
        excess_weight = self.EXCESS_FACTOR * max(
            float(p.under_weight.max(initial=0.0)),
            float(p.over_weight.max(initial=0.0)),
            max(request_weights, default=0.0),
            1.0,
        )
        self.excess_weight = excess_weight
        self.days = (0, p.n_days) if days is None else (int(days[0]), int(days[1]))
        for d in range(*self.days):
            for t in range(p.n_shifts):
                req, top = int(p.required[d, t]), int(p.maximum[d, t])
                if top <= 0:
                    self.offset += float(p.under_weight[d, t]) * max(req, 0)
                    continue
                row = lp.RowConstraint(req, req, "")
                if req > 0:
                    under = lp.NumVar(0.0, req, "")
                    row.SetCoefficient(under, 1.0)
                    objective.SetCoefficient(under, float(p.under_weight[d, t]))
                over = lp.NumVar(0.0, float(top - req), "")
                row.SetCoefficient(over, -1.0)
                objective.SetCoefficient(over, float(p.over_weight[d, t]))
                excess = lp.NumVar(0.0, lp.infinity(), "")
                row.SetCoefficient(excess, -1.0)
                objective.SetCoefficient(excess, excess_weight)
                self.rows[d, t] = row
        objective.SetMinimization()
        self.convexity = [lp.RowConstraint(1.0, 1.0, "") for w in range(p.n_workers)]
        self.lam: list[Any] = []
        self.values = np.zeros(0)
        self.lp_value = math.inf
        self.bound = -math.inf
        self.rounds = 0
        self.converged = False
        self.chosen: dict[int, int] = {}  # worker -> column fixed by the dive
        self.smoothing = smoothing
        self.center: np.ndarray | None = None  # cover duals of the best Lagrangian bound
        self.inexact_center = bool(inexact_center)
        self.estimate = -math.inf  # best Lagrangian value at the priced duals, exact or not
        self.mispriced = False
        self._status_ok = pywraplp.Solver.OPTIMAL
        self.executor = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None

    def close(self) -> None:
        """Stop the pricing threads."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    # -- columns --------------------------------------------------------------------------
    def cost_of(self, w: int, row: np.ndarray) -> float:
        """Request penalty of schedule ``row`` of worker ``w``."""
        days = np.flatnonzero(row >= 0)
        return float(self.constant[w] + self.per_cell[w, days, row[days]].sum())

    def add(self, w: int, row: np.ndarray) -> bool:
        """Add schedule ``row`` of worker ``w`` to the pool and the LP (False: a duplicate).
        The schedule must meet the worker's own rules (not checked here)."""
        cost = self.cost_of(w, row)
        if not self.pool.add(w, row, cost):
            return False
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.lp.Objective().SetCoefficient(var, cost)
        self.convexity[w].SetCoefficient(var, 1.0)
        d0, d1 = self.days
        for d in (d0 + np.flatnonzero(row[d0:d1] >= 0)).tolist():
            self.rows[d, int(row[d])].SetCoefficient(var, 1.0)
        self.lam.append(var)
        if w in self.chosen:
            var.SetUb(0.0)
        return True

    def add_roster(self, shift_of: np.ndarray) -> None:
        """Add every worker's schedule of a roster that meets every hard rule."""
        for w in range(self.p.n_workers):
            self.add(w, np.asarray(shift_of[w], dtype=np.int64))

    def start(self) -> None:
        """One schedule per worker that has none yet (its least request penalty)."""
        have = set(self.pool.worker)
        for w in range(self.p.n_workers):
            if w in have:
                continue
            found, _ = self.pricers[w].price(
                self.per_cell[w], time_limit=self.price_time, seed=self.seed, keep_all=False
            )
            if not found:
                raise NoSchedule(
                    f"worker {self.p.workers[w].id!r} has no schedule that meets their own "
                    "hard rules"
                )
            self.add(w, found[-1])

    # -- LP and pricing -------------------------------------------------------------------
    def solve_lp(self) -> tuple[np.ndarray, np.ndarray]:
        """Solve the master LP; returns the duals ``(pi[d, s], mu[w])``."""
        code = self.lp.Solve()
        if code != self._status_ok:
            # a numerical failure from the previous basis: once more from scratch, then once
            # more with the primal simplex
            from ortools.linear_solver import pywraplp

            params = pywraplp.MPSolverParameters()
            params.SetIntegerParam(params.INCREMENTALITY, params.INCREMENTALITY_OFF)
            code = self.lp.Solve(params)
            if code != self._status_ok:
                params.SetIntegerParam(params.LP_ALGORITHM, params.PRIMAL)
                code = self.lp.Solve(params)
        if code != self._status_ok:
            raise MasterLPError(f"master LP not solved to optimality (status {code})")
        p = self.p
        pi = np.zeros((p.n_days, p.n_shifts))
        for (d, t), row in self.rows.items():
            pi[d, t] = row.dual_value()
        mu = np.array([row.dual_value() for row in self.convexity])
        self.values = np.array([v.solution_value() for v in self.lam])
        self.lp_value = self.lp.Objective().Value() + self.offset
        return pi, mu

    def dual_value(self, pi: np.ndarray, least: np.ndarray) -> float:
        """The Lagrangian bound at cover duals ``pi``: ``least[w]`` is the least request
        penalty minus ``sum pi[d, s] x[d, s]`` over all of worker ``w``'s schedules, the slacks
        take their best values within their bounds (``-inf`` when the excess slack would)."""
        p = self.p
        req = p.required.astype(float)
        top = p.maximum.astype(float)
        open_ = top > 0
        if np.any(open_ & (self.excess_weight + pi < -1e-9)):
            return -math.inf
        under = np.where(req > 0, np.minimum(0.0, p.under_weight - pi) * req, 0.0)
        over = np.minimum(0.0, p.over_weight + pi) * (top - req)
        cells = np.where(open_, pi * req + under + over, 0.0)
        return float(self.offset + least.sum() + cells.sum())

    def round(self, should_stop: Callable[[], bool] | None = None) -> int:
        """Solve the LP, price every worker the dive has not fixed, add the schedules of
        negative reduced cost; returns how many were added (0 with every pricing optimal: the
        LP is optimal under the dive's fixings; -1 when some pricing was stopped by its time
        limit without a new column).

        Before the dive, pricing uses smoothed duals ``a pi_center + (1 - a) pi_lp``
        (``a = smoothing``; ``pi_center`` the duals of the best Lagrangian bound so far, or
        with ``inexact_center`` of the best Lagrangian value while no bound is known), which
        cuts the rounds needed; a round whose smoothed pricing finds no column of negative
        reduced cost (for the LP's own duals) is repeated with the LP's duals. Once
        ``should_stop()``, the workers not yet priced are skipped (the round proves nothing)."""
        pi_lp, mu = self.solve_lp()
        self.rounds += 1
        center = self.center
        smooth = 0.0
        if center is not None and not self.chosen and not self.mispriced:
            smooth = self.smoothing
        pi = smooth * center + (1 - smooth) * pi_lp if center is not None and smooth else pi_lp
        coef = self.per_cell - pi[None, :, :]
        coef_lp = self.per_cell - pi_lp[None, :, :]
        seed = self.seed + self.rounds

        def price(w: int) -> tuple[int, list[np.ndarray], float, bool]:
            if should_stop is not None and should_stop():
                return w, [], math.inf, False
            pricer = self.pricers[w]
            if isinstance(pricer, LabellingPricer):
                found, optimal = pricer.price(
                    coef[w], time_limit=self.price_time, seed=seed, max_labels=self.labels
                )
            else:
                found, optimal = pricer.price(coef[w], time_limit=self.price_time, seed=seed)
            out, least = [], math.inf
            for row in found:
                days = np.flatnonzero(row >= 0)
                least = min(least, float(self.constant[w] + coef[w, days, row[days]].sum()))
                reduced = float(self.constant[w] + coef_lp[w, days, row[days]].sum() - mu[w])
                if reduced < -1e-6:
                    out.append(row)
            return w, out, least, optimal

        workers = [w for w in range(self.p.n_workers) if w not in self.chosen]
        if self.executor is None:
            results = [price(w) for w in workers]
        else:
            results = list(self.executor.map(price, workers))
        added, all_optimal = 0, True
        least = np.zeros(self.p.n_workers)
        for w, out, value, optimal in results:
            all_optimal &= optimal and value < math.inf
            least[w] = value
            for row in out:
                added += self.add(w, row)
        if not self.chosen and all_optimal:
            # Lagrangian bound: valid for every roster while nothing is fixed
            bound = self.dual_value(pi, least)
            if bound > self.bound:
                self.bound = bound
                self.center = pi
        elif (
            self.inexact_center
            and not self.chosen
            and self.bound == -math.inf
            and bool(np.all(least < math.inf))
        ):
            # no bound yet (some pricing inexact), but the Lagrangian value at the beam's
            # schedules still ranks the duals: the best so far is the smoothing centre
            estimate = self.dual_value(pi, least)
            if estimate > self.estimate:
                self.estimate = estimate
                self.center = pi
        if added == 0 and smooth:
            self.mispriced = True
            return 1  # not proven: price once more with the LP's duals
        self.mispriced = False
        if added == 0 and all_optimal and not self.chosen:
            self.converged = True
            self.bound = max(self.bound, self.lp_value)
        return added if not (added == 0 and not all_optimal) else -1

    def converge(
        self,
        should_stop: Callable[[], bool],
        *,
        max_rounds: int | None = None,
        on_round: Callable[[ColumnGeneration], None] | None = None,
    ) -> bool:
        """Pricing rounds until no column is added, ``max_rounds`` or ``should_stop()``;
        True when the LP ended optimal (no column of negative reduced cost was found). The
        labelling beam starts at ``start_labels`` and doubles after a round that found nothing
        inexactly (see the class docstring)."""
        done = 0
        self.labels = self.start_labels
        while not should_stop():
            added = self.round(should_stop)
            done += 1
            if on_round is not None:
                on_round(self)
            if added < 0 and self.labels < self.max_labels:
                # nothing at this beam: a wider one before giving up
                self.labels = min(2 * self.labels, self.max_labels)
            elif added <= 0:
                if added == 0:
                    self.solve_lp()
                return added == 0
            if max_rounds is not None and done >= max_rounds:
                break
        return False

    def dive(
        self,
        should_stop: Callable[[], bool],
        *,
        rounds_per_step: int = 3,
        share: float = 0.2,
        finish: bool = True,
        depth: float = 1.0,
        on_round: Callable[[ColumnGeneration], None] | None = None,
    ) -> np.ndarray | None:
        """Fix workers to columns until all are fixed; the roster (``shift_of``), or None
        when no column of some worker fits under the cells' maxima.

        Each step fixes every worker whose best column has an LP value of at least 0.99, and
        at least ``share`` of the unfixed workers (those whose best column has the largest
        value), skipping a column that would put a cell above its maximum; then up to
        ``rounds_per_step`` pricing rounds re-optimise the LP. Once ``should_stop()``, the
        remaining steps only re-solve the LP over the columns at hand (milliseconds each on
        small pools; on Instance19's 4,659 columns about a second each at load 5: 17 s for a
        whole dive at ``share`` 0.2), so a roster still comes out; with ``finish`` False the
        dive returns None there instead (see :meth:`partial`), and also once it has fixed a
        ``depth`` share of the workers."""
        p = self.p
        count = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
        for j in self.chosen.values():
            row = self.pool.schedule[j]
            days = np.flatnonzero(row >= 0)
            np.add.at(count, (days, row[days]), 1)
        if len(self.values) < len(self.lam):
            self.solve_lp()
        while len(self.chosen) < p.n_workers:
            if not finish and (should_stop() or len(self.chosen) >= depth * p.n_workers):
                return None
            best: dict[int, int] = {}
            for j, w in enumerate(self.pool.worker):
                if w in self.chosen or j >= len(self.values):
                    continue
                if w not in best or self.values[j] > self.values[best[w]]:
                    best[w] = j
            order = sorted(best.items(), key=lambda wj: -self.values[wj[1]])
            quota = max(1, math.ceil(share * len(order)))
            picked = 0
            for w, j in order:
                if picked >= quota and self.values[j] < 0.99:
                    break
                row = self.pool.schedule[j]
                days = np.flatnonzero(row >= 0)
                if np.any(count[days, row[days]] + 1 > p.maximum[days, row[days]]):
                    continue
                np.add.at(count, (days, row[days]), 1)
                self._fix(w, j)
                picked += 1
            if picked == 0:
                # every best column would overfill a cell: take any column that fits
                for w, _ in order:
                    for j in [j for j, w_ in enumerate(self.pool.worker) if w_ == w]:
                        row = self.pool.schedule[j]
                        days = np.flatnonzero(row >= 0)
                        if np.all(count[days, row[days]] < p.maximum[days, row[days]]):
                            np.add.at(count, (days, row[days]), 1)
                            self._fix(w, j)
                            picked = 1
                            break
                    if picked:
                        break
                if not picked:
                    return None
            if len(self.chosen) < p.n_workers:
                if not should_stop():
                    self.converge(should_stop, max_rounds=rounds_per_step, on_round=on_round)
                self.solve_lp()
        out = np.full((p.n_workers, p.n_days), -1, dtype=np.int64)
        for w, j in self.chosen.items():
            out[w] = self.pool.schedule[j]
        return out

    def partial(self) -> tuple[np.ndarray, np.ndarray]:
        """``(shift_of, open)``: the dive's columns for the workers it fixed and, for the
        others (``open[w]`` True), their column of largest value at the last LP solve."""
        p = self.p
        out = np.full((p.n_workers, p.n_days), -1, dtype=np.int64)
        best: dict[int, int] = {}
        for j, w in enumerate(self.pool.worker):
            if j < len(self.values) and (w not in best or self.values[j] > self.values[best[w]]):
                best[w] = j
        best.update(self.chosen)
        for w, j in best.items():
            out[w] = self.pool.schedule[j]
        unfixed = np.ones(p.n_workers, dtype=bool)
        unfixed[list(self.chosen)] = False
        return out, unfixed

    def _fix(self, w: int, j: int) -> None:
        self.chosen[w] = j
        for k, w_ in enumerate(self.pool.worker):
            if w_ == w:
                self.lam[k].SetBounds(1.0 if k == j else 0.0, 1.0 if k == j else 0.0)

    def unfix(self) -> None:
        """Undo the dive's fixings (every column free again)."""
        for w, _ in list(self.chosen.items()):
            for k, w_ in enumerate(self.pool.worker):
                if w_ == w:
                    self.lam[k].SetBounds(0.0, self.lp.infinity())
        self.chosen.clear()
