"""Exact generation with OR-Tools CP-SAT, for the NRP and the saldo profile.

``CpModelBuilder`` creates the variables and the cell maxima, then hands itself to the
CP-SAT encoding of each rule of the profile and of each custom rule, declared beside the
rule in its module (``@encoding``, see :mod:`rtsched_widgets.rules.registry` and the
``EncodingModel`` seam of :mod:`rtsched_widgets.rules.encoding`); it holds no rule of its own.
What the encodings add, by profile:

Both models use one boolean ``x[w, d, s]`` per worker, day and shift type the worker may work
(no variable where ``problem.available`` is False, nor for a shift type whose NRP limit for the
worker is 0), ``work[w, d] = sum_s x[w, d, s] <= 1`` and the cover count
``c[d, s] = sum_w x[w, d, s] <= maximum[d, s]`` (the roster has no room for more). Cover is a
linear balance ``c + under - over = required`` with bounded slacks, charged in the objective (a
far stronger relaxation than max-equalities); a cell nobody can work adds its constant penalty.

NRP profile (hard): forbidden next-day successions (one at-most-one per worker, day and group
of shift types with the same forbidden successors: the group's shifts and each shift type
forbidden to follow them the next day); max shifts per type;
min/max total minutes (linear), plus the implied bounds on the number of working days; max
consecutive working days (a clause per window of ``max + 1`` days: one of them is off); min
consecutive working days and min consecutive days off as forbidden-pattern clauses, where runs
touching the first or the last day of the horizon are exempt (a run strictly inside the horizon
of length ``j < min`` is forbidden); max working weekends (a weekend, Saturday + Sunday of one
ISO week, is worked when either day is; its flag is implied by each day and implies one of
them). Objective (Curtois & Qu): shift-on request weight when the requested
shift is not worked, shift-off request weight when it is, ``under_weight x shortfall`` and
``over_weight x surplus`` per cell.

saldo profile (hard): mandatory days; minimum distance ``problem.min_distance[w]`` between two
shifts of a worker; the 7/14 pattern (no shifts on day ``d`` and ``d + k`` for ``k`` in
``settings.pattern_distances`` when both days' weekdays are in ``settings.pattern_weekdays``);
incompatible pairs never work the same date; at most ``settings.max_consecutive_weekends``
consecutive calendar weeks with a shift on a special day; ``max_shifts``. Objective: coverage
(``under_weight`` per empty required slot) plus ``settings.weight_target`` per shift beyond
``targets[w] +- settings.target_tolerance``, plus the special-day and last-post balance terms
(``weight x (|n - share| - tolerance)`` when positive, shares ``targets[w] x part / R``),
modelled exactly by scaling the objective by ``R`` = the total of required slots.

The solver's objective is exact at an optimum; at other solutions the cover slacks may exceed
the shortfall/surplus, so the reported objective is always the rule engine's score of the
returned roster (never above the solver's value).
Weights are scaled to integers (x1 when all are integral, else x1000; saldo also x R) for the
solver; the reported objective is in the problem's units.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.rules.base import Rule
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.registry import encoder
from rtsched_widgets.solve.base import (
    ProgressCallback,
    RunClock,
    SolveResult,
    Status,
    Strategy,
)
from rtsched_widgets.solve.keep import Keep, normalize_keep
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster
from rtsched_widgets.solve.start import feasible_start


class CpSat(Strategy):
    """CP-SAT over the whole horizon. Options: ``num_workers`` search threads (2), ``log``
    the solver's search log to stdout (False), ``stop_at_first`` feasible solution (False),
    ``parameters``: further ``SatParameters`` fields by name (e.g.
    ``{"linearization_level": 2}``; unknown names are errors)."""

    name = "cpsat"

    def unhonoured(self, problem: Problem) -> list[str]:
        return [r.name for r in problem.custom_rules if not r.has_encode()]

    def __init__(
        self,
        *,
        num_workers: int = 2,
        log: bool = False,
        stop_at_first: bool = False,
        parameters: dict[str, object] | None = None,
    ) -> None:
        if num_workers < 1:
            raise ValueError(f"num_workers: {num_workers} — use 1 or more search threads")
        self.num_workers = num_workers
        self.log_search = log
        self.stop_at_first = stop_at_first
        self.parameters = dict(parameters or {})
        if self.parameters:
            cp = require("ortools.sat.python.cp_model", "solve")
            known = cp.CpSolver().parameters
            for key in self.parameters:
                if key.startswith("_") or not hasattr(known, key):
                    raise ValueError(
                        f"parameters: {key!r} is not a CP-SAT parameter — see SatParameters"
                    )

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
        start = feasible_start(problem, roster, keep, seed)
        if start is not None:  # the answer from the first seconds, and CP-SAT's hint
            start_hard, start_soft = score_roster(problem, start)
            clock.improved(start_soft, start_hard, shifts=start.shift_of)
            roster = start
        model = CpModelBuilder(cp, problem)
        model.build()
        model.fix(fixed.worker_day, fixed.shift, fixed.closed)
        if roster is not None:
            model.hint(roster.shift_of)
        solver = cp.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(clock.remaining(), 0.01)
        params.num_workers = self.num_workers
        params.random_seed = int(seed)
        params.log_search_progress = self.log_search
        for key, value in self.parameters.items():
            setattr(params, key, value)
        callback = _Callback(cp, model, clock, self.stop_at_first)
        watcher = CancelWatcher(solver, clock)
        watcher.start()
        try:
            code = solver.solve(model.model, callback)
        finally:
            watcher.stop()
        status: Status
        if code == cp.OPTIMAL:
            status = "optimal"
        elif code == cp.FEASIBLE:
            status = "feasible"
        elif code == cp.INFEASIBLE:
            status = "infeasible"
        else:
            status = "unknown"
        moves = int(solver.num_branches)
        if code in (cp.OPTIMAL, cp.FEASIBLE):
            shifts = model.shifts(solver)
            result_roster = roster_from_shifts(problem, shifts, like=roster)
            # the rule engine's score of the returned solution: the cover slacks are exact only
            # at an optimum, and after a stop the response's objective value may belong to
            # another solution than its variable values
            hard, objective = score_roster(problem, result_roster)
            if not clock.log or clock.log[-1][1] != objective:
                clock.improved(objective, hard, moves, shifts=result_roster.shift_of)
            return clock.result(
                result_roster,
                objective,
                hard,
                status,
                seed,
                moves,
                bound=solver.best_objective_bound / model.scale,
                modelled_terms=model.terms,
            )
        fallback = roster.copy() if roster is not None else Roster(problem)
        hard, soft = score_roster(problem, fallback)
        if status == "unknown" and hard == 0:
            status = "feasible"  # no solution of CP-SAT's own; its start meets every hard rule
        return clock.result(fallback, soft, hard, status, seed, moves)


class _Callback:
    """Records each improving solution in the run clock (log, progress)."""

    def __new__(cls, cp: Any, model: CpModelBuilder, clock: RunClock, stop_at_first: bool) -> Any:
        class Callback(cp.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                objective = model.value(self) / model.scale
                clock.improved(
                    objective, 0, int(self.num_branches), shifts=lambda: model.shifts(self)
                )
                if stop_at_first or clock.cancelled():
                    self.stop_search()

        return Callback()


class CancelWatcher:
    """Polls the cancel event while a CP-SAT solve runs and stops it; also reports progress.

    Started only when the run has a cancel event or a progress callback; ``stop()`` joins it.
    """

    def __init__(self, solver: Any, clock: RunClock, name: str = "cpsat-watch") -> None:
        self.solver = solver
        self.clock = clock
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self) -> None:
        if self.clock.cancel is not None or self.clock.progress is not None:
            self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.05):
            if self.clock.cancelled():
                self.solver.stop_search()
                return
            self.clock.report(0)

    def stop(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()


def _scale_for(*arrays: np.ndarray) -> int:
    values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays if np.size(a)])
    if values.size == 0 or np.allclose(values, np.round(values)):
        return 1
    return 1000


def linear_sum(terms: list[Any]) -> Any:
    """The sum of CP-SAT expressions in one flat expression (Python's ``sum`` nests one
    addition per term, which costs more to build and to read back)."""
    return terms[0] if len(terms) == 1 else linear_expr().sum(terms)


def linear_expr() -> Any:
    """OR-Tools' ``LinearExpr`` (imported on use: the solver is an optional dependency)."""
    return require("ortools.sat.python.cp_model", "solve").LinearExpr


def allowed_shifts(problem: Problem) -> np.ndarray:
    """Bool, workers x shift types: False where the worker's NRP limit for the shift type is
    0 (the model gives such a pair no variables)."""
    p = problem
    allowed = np.ones((p.n_workers, p.n_shifts), dtype=bool)
    for w, worker in enumerate(p.workers):
        for sid, limit in worker.max_per_shift.items():
            if limit <= 0:
                allowed[w, p.shift_index[sid]] = False
    return allowed


def variable_days(problem: Problem) -> np.ndarray:
    """Bool, workers x days: the worker-days that get at least one shift variable in the
    full model (available, and some shift type open that day that the worker may work),
    computed without building it."""
    p = problem
    open_shifts = np.asarray(p.maximum) > 0  # days x shift types
    some = (allowed_shifts(p).astype(np.int64) @ open_shifts.T.astype(np.int64)) > 0
    return some & np.asarray(p.available, dtype=bool)


class CpModelBuilder:
    """Builds the CP-SAT model of one problem; see the module docstring for its constraints.

    With ``free`` (bool, workers x days) and ``base`` (a ``shift_of`` array that meets every
    hard rule) it builds a *region model* (NRP profile only): variables exist only for the
    worker-days where ``free`` is True; every other worker-day holds ``base`` as a constant.
    Constraints that touch no freed worker-day are left out (``base`` meets them), the others
    see the held days as constants, and the objective adds the constant penalties of what the
    region cannot change, so the model's objective is the score of the whole roster (exact
    at an optimum, as for the full model). ``shifts()`` returns the whole roster.
    """

    def __init__(
        self,
        cp: Any,
        problem: Problem,
        *,
        free: np.ndarray | None = None,
        base: np.ndarray | None = None,
    ) -> None:
        self.cp = cp
        self.p = problem
        self.model = cp.CpModel()
        if (free is None) != (base is None):
            raise ValueError("free, base: give both (a region of a roster) or neither")
        if free is not None and problem.profile != "nrp":
            raise ValueError("free: a region model exists for the NRP profile only")
        # the region: worker-days that get variables; the others hold ``base`` as constants
        self.restricted = free is not None
        shape = (problem.n_workers, problem.n_days)
        self.free = np.ones(shape, dtype=bool) if free is None else np.asarray(free, dtype=bool)
        self.base = np.full(shape, -1, dtype=np.int64) if base is None else np.asarray(base)
        # prefix sums of free days per worker: any free day in [a, b) <=> ps[b] > ps[a]
        self.free_ps = np.concatenate(
            [np.zeros((shape[0], 1), dtype=np.int64), np.cumsum(self.free, axis=1)], axis=1
        )
        self.x: dict[tuple[int, int, int], Any] = {}
        # auxiliary variables, kept to hint them: cover slacks (day, shift, under, over) and
        # NRP weekend flags (flag, worker, days)
        self.slacks: list[tuple[int, int, Any, Any]] = []
        self.weekend_flags: list[tuple[Any, int, list[int]]] = []
        self.work: dict[tuple[int, int], Any] = {}
        self.objective: list[Any] = []
        self.terms: list[str] = []
        p = problem
        weights = [p.under_weight, p.over_weight]
        weights += [np.array([r.weight for r in p.shift_on_requests + p.shift_off_requests])]
        self.total_required = 1
        if p.profile == "saldo":
            st = p.settings
            weights.append(
                np.array([st.weight_target, st.weight_special_balance, st.weight_last_post_balance])
            )
            # the balance shares are targets x part / R: scaling by R keeps them integral
            self.total_required = max(int(p.required.sum()), 1)
        self.unit = _scale_for(*weights)
        self.scale = self.unit * self.total_required
        self.rules: list[Rule] = default_rules(problem)
        """The rules the model encodes (the profile's, then the custom ones), in order."""
        self.rule_names = {rule.name for rule in self.rules}

    def w(self, value: float) -> int:
        """A weight in solver units."""
        return round(value * self.scale)

    # -- structure ------------------------------------------------------------------------
    def build(self) -> None:
        p, m = self.p, self.model
        free, base = self.free, self.base
        cells: dict[tuple[int, int], list[Any]] = {}
        self.by_worker: dict[int, list[tuple[int, int, Any]]] = {}
        allowed = allowed_shifts(p)
        open_shifts = [(p.maximum[d] > 0) for d in range(p.n_days)]
        named = not self.restricted  # names help reading a full model; regions are throwaway
        for w, d in zip(*np.nonzero(free & p.available), strict=True):
            w, d = int(w), int(d)
            row = []
            mine = self.by_worker.setdefault(w, [])
            for s in np.flatnonzero(open_shifts[d] & allowed[w]).tolist():
                v = m.new_bool_var(f"x_{w}_{d}_{s}" if named else "")
                self.x[w, d, s] = v
                cells.setdefault((d, s), []).append(v)
                mine.append((d, s, v))
                row.append(v)
            if row:
                work = m.new_bool_var(f"work_{w}_{d}" if named else "")
                m.add(linear_sum(row) == work)
                self.work[w, d] = work
        # workers held at their base shift, per cell (region models only)
        held = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
        if self.restricted:
            w_idx, d_idx = np.nonzero(~free & (base >= 0))
            np.add.at(held, (d_idx, base[w_idx, d_idx]), 1)
        self.held = held
        self.counts: dict[tuple[int, int], Any] = {}
        for d in range(p.n_days):
            for s in range(p.n_shifts):
                cell = cells.get((d, s))
                self.counts[d, s] = linear_sum(cell) + int(held[d, s]) if cell else int(held[d, s])
                if cell:
                    m.add(self.counts[d, s] <= int(p.maximum[d, s]))
        # every rule of the profile, then the custom rules, through its declared encoding
        for rule in self.rules:
            encoder(rule)(rule, self)
        constant = sum(t for t in self.objective if isinstance(t, int))
        terms = [t for t in self.objective if not isinstance(t, int)]
        self.objective_expr = linear_sum(terms) + constant if terms else constant
        m.minimize(self.objective_expr)

    def wd(self, w: int, d: int) -> Any:
        """``work[w, d]``, or a constant: 0 when the worker cannot work that day, whether the
        base roster works it outside the region."""
        if (w, d) in self.work:
            return self.work[w, d]
        if self.free[w, d]:
            return 0
        return int(self.base[w, d] >= 0)

    def xv(self, w: int, d: int, s: int) -> Any:
        """``x[w, d, s]``, or a constant (0, or the base roster's value outside the region)."""
        v = self.x.get((w, d, s))
        if v is not None:
            return v
        if self.free[w, d]:
            return 0
        return int(self.base[w, d] == s)

    def touches(self, w: int, a: int, b: int) -> bool:
        """True when worker ``w`` has a day of the region in ``[a, b)``."""
        ps = self.free_ps[w]
        return bool(ps[min(b, len(ps) - 1)] > ps[max(a, 0)])

    def holds(self, rule_name: str) -> bool:
        """Whether the model encodes the rule named ``rule_name``."""
        return rule_name in self.rule_names

    def cover(self, over_allowed: bool) -> None:
        """The cover balance (see ``_cover``, which a model of one worker's row overrides to
        leave out)."""
        self._cover(over_allowed)

    def _cover(self, over_allowed: bool) -> None:
        """Cover as a linear balance per cell: ``count + under - over == required`` with
        ``under`` in ``[0, required]`` and ``over`` in ``[0, maximum - required]``. Both are
        charged in the objective (``over`` only when ``over_allowed``), so at an optimum
        ``under = max(required - count, 0)`` and ``over = max(count - required, 0)``; this
        linear form gives a far stronger LP relaxation than max-equalities. A cell nobody in
        the model can change adds its (constant) penalty."""
        p, m = self.p, self.model
        for (d, s), count in self.counts.items():
            req, top = int(p.required[d, s]), int(p.maximum[d, s])
            under_w = self.w(p.under_weight[d, s]) if req > 0 else 0
            over_w = self.w(p.over_weight[d, s]) if over_allowed and top > req else 0
            if isinstance(count, int):
                self.objective.append(under_w * max(req - count, 0) + over_w * max(count - req, 0))
                continue
            if req <= 0 and over_w <= 0:
                continue
            held = int(self.held[d, s])
            under = m.new_int_var(0, max(req - held, 0), f"under_{d}_{s}") if req > held else 0
            over = m.new_int_var(0, max(top - req, 0), f"over_{d}_{s}")
            m.add(count + under - over == req)
            self.slacks.append((d, s, under, over))
            if under_w > 0 and not isinstance(under, int):
                self.objective.append(under_w * under)
            if over_w > 0:
                self.objective.append(over_w * over)
        self.terms.append("cover")

    def at_most_one(self, literals: list[Any]) -> None:
        """At most one of ``literals`` (variables or constants 0/1) is true."""
        ones = sum(1 for v in literals if isinstance(v, int) and v == 1)
        rest = [v for v in literals if not isinstance(v, int)]
        if ones > 1:
            self.model.add_bool_or([])
        elif ones == 1:
            for v in rest:
                self.model.add(v == 0)
        elif len(rest) > 1:
            self.model.add_at_most_one(rest)

    def at_most(self, expr: Any, limit: int) -> None:
        """``expr <= limit``; a constant ``expr`` above the limit makes the model infeasible."""
        if isinstance(expr, int):
            if expr > limit:
                self.model.add_bool_or([])
            return
        self.model.add(expr <= limit)

    def min_runs(self, w: int, work: list[Any], minimum: int, *, working: bool) -> None:
        """Forbid runs (of working days or of days off) shorter than ``minimum`` that start
        after day 0 and end before the last day: for a run ``d+1 .. d+j`` (``j < minimum``) the
        days ``d`` and ``d+j+1`` are of the other kind."""
        n = len(work)
        for j in range(1, minimum):
            for d in range(0, n - j - 1):
                if not self.touches(w, d, d + j + 2):
                    continue
                # forbidden: d outside, d+1..d+j inside, d+j+1 outside the run
                clause = [(work[d], working)]
                clause += [(work[e], not working) for e in range(d + 1, d + j + 1)]
                clause.append((work[d + j + 1], working))
                self.clause(clause)

    def clause(self, literals: list[tuple[Any, bool]]) -> None:
        """Add ``OR`` of ``v`` (when the flag is True) or ``not v``; constants 0/1 allowed."""
        out = []
        for v, positive in literals:
            if isinstance(v, int):
                if (v == 1) == positive:
                    return  # already satisfied
                continue
            out.append(v if positive else ~v)
        self.model.add_bool_or(out)

    # -- keep, hints, solution ------------------------------------------------------------
    def fix(self, worker_day: np.ndarray, shift: np.ndarray, closed: np.ndarray) -> None:
        """Fix kept worker-days to their shift (or off) and close kept cells to newcomers."""
        m = self.model
        for w, d in zip(*np.nonzero(worker_day & self.free), strict=True):
            s_kept = int(shift[w, d])
            if s_kept >= 0 and (w, d, s_kept) not in self.x:
                m.add_bool_or([])  # a kept shift the model cannot hold: proven infeasible
            for s in range(self.p.n_shifts):
                v = self.x.get((int(w), int(d), s))
                if v is not None:
                    m.add(v == (1 if s == s_kept else 0))
        for d, s in zip(*np.nonzero(closed), strict=True):
            for w in range(self.p.n_workers):
                v = self.x.get((w, int(d), int(s)))
                if v is not None and not worker_day[w, d]:
                    m.add(v == 0)

    def hint(self, shift_of: np.ndarray) -> None:
        """Hint the shift variables with the starting roster's value, and the working-day
        flags, cover slacks and weekend flags with the values that roster implies (a complete
        hint of a feasible roster is taken as a first solution at once)."""
        if not self.x:
            return
        shift_of = np.asarray(shift_of)
        keys = np.array(list(self.x), dtype=np.int64).reshape(-1, 3)
        idx = [v.index for v in self.x.values()]
        values = (shift_of[keys[:, 0], keys[:, 1]] == keys[:, 2]).astype(np.int64).tolist()
        for (w, d), v in self.work.items():
            idx.append(v.index)
            values.append(int(shift_of[w, d] >= 0))
        for flag, w, days in self.weekend_flags:
            idx.append(flag.index)
            values.append(int(any(shift_of[w, d] >= 0 for d in days)))
        if self.slacks:
            p = self.p
            count = np.zeros((p.n_days, p.n_shifts), dtype=np.int64)
            w_idx, d_idx = np.nonzero(shift_of >= 0)
            np.add.at(count, (d_idx, shift_of[w_idx, d_idx]), 1)
            for d, s, under, over in self.slacks:
                req = int(p.required[d, s])
                if not isinstance(under, int):
                    idx.append(under.index)
                    values.append(max(req - int(count[d, s]), 0))
                idx.append(over.index)
                values.append(max(int(count[d, s]) - req, 0))
        hint = self.model.proto.solution_hint
        hint.vars.extend(idx)
        hint.values.extend(values)

    def value(self, solver: Any) -> int:
        """The objective (solver units) at the solver's (or callback's) current solution."""
        expr = self.objective_expr
        return int(expr) if isinstance(expr, int) else int(solver.value(expr))

    def shifts(self, solver: Any) -> np.ndarray:
        """``shift_of`` of the solver's solution (the base roster outside the region)."""
        out = np.where(self.free, -1, self.base).astype(np.int64)
        for (w, d, s), v in self.x.items():
            if solver.boolean_value(v):
                out[w, d] = s
        return out
