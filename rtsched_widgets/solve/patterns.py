"""The ``patterns`` strategy: column generation, a dive to a roster, then search from it.

NRP profile (see :mod:`rtsched_widgets.solve.columns` for the formulation):

1. Column generation over whole-horizon worker schedules until the master LP is optimal or
   ``lp_share`` of the time limit has passed (the starting ``roster``'s schedules, when it meets
   every hard rule, are columns from the start). The LP optimum over all schedules is a lower
   bound of every roster's objective (``details["bound"]``); on the NRP instances it is far
   tighter than the CP-SAT model's own root bound.
2. Diving: fix the workers whose schedule has the largest LP value, a ``dive_fix`` share of the
   unfixed workers at a time, re-price a few rounds, until every worker is fixed. At
   ``dive_share`` of the time limit the workers not yet fixed are solved whole by CP-SAT
   (the region model of their rows, the fixed workers held; at most ``complete_share`` of
   the time limit; none by default), or, failing that, fixed over the columns at hand. The
   result meets every hard rule (each schedule meets its worker's rules; no cell goes above
   its maximum).
3. *Best responses* (``respond``): ``feasible``'s rounds without restarts from the dive's
   roster (each worker's row re-planned by the labelling search against the others, until no
   row changes), ``respond_seeds`` runs with successive seeds for at most ``respond_share``
   of the time limit in all: a dive finished over the columns at hand leaves cover that one
   worker's move fills (the best run's result, when better, is
   ``details["respond_objective"]``).
4. *Kicks* (``exchange_share``; by default none, but on horizons of at least
   :data:`KICK_DAYS` days all the time after the best responses, with the dive stopped at
   :data:`KICK_DIVE_SHARE`): from the best roster so far, forced best responses
   (:mod:`rtsched_widgets.solve.exchange`: a worker re-planned with an under-covered cell
   forced in or an over-covered one closed, the others responding, kept when the objective
   falls), which move work between workers as no single best response does.
5. The rest of the time: ``improve`` (a registered strategy name, ``hybrid`` by default)
   from the best roster so far, with the same ``keep``; skipped when the LP bound already
   proves that roster optimal (rounded up when every weight is integral): status
   ``optimal``.

The reported objective is the rule engine's score of the returned roster. A problem of another
profile, or one where some worker has no schedule meeting their own rules under ``keep``, is
handed to ``improve`` whole (``hybrid`` when ``improve`` is None). Not deterministic: the
pricing threads add columns in a fixed order, but wall-clock limits decide how many rounds run
and ``hybrid`` is multi-threaded. ``cancel`` and the time shares stop column generation
within one pricing solve per thread (at most ``price_time`` seconds).
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any

import numpy as np

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import (
    ProgressCallback,
    ProgressInfo,
    RunClock,
    SolveResult,
    Status,
    Strategy,
    relay,
)
from rtsched_widgets.solve.columns import ColumnGeneration, MasterLPError, NoSchedule
from rtsched_widgets.solve.cpsat import CancelWatcher, CpModelBuilder
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster
from rtsched_widgets.solve.start import feasible_start

KICK_DAYS = 84
"""Horizons (days) from which ``patterns`` by default dives for less time and gives the kicks
the time after the best responses (:meth:`Patterns.shares`; Instance19, 84 days)."""

KICK_DIVE_SHARE = 0.55
"""The default ``dive_share`` on horizons of at least :data:`KICK_DAYS` days."""


class Patterns(Strategy):
    """Column generation, a dive, then ``improve`` (see the module docstring).

    Options: ``lp_share`` (0.4) and ``dive_share`` (None: 0.7, on horizons of at least
    :data:`KICK_DAYS` days :data:`KICK_DIVE_SHARE`; :meth:`shares`): the fractions of the
    time limit by which column generation and the dive stop; ``dive_fix`` (0.2) the share of unfixed
    workers fixed per dive step; ``dive_rounds`` (10) pricing rounds after each step;
    ``complete_share`` (0.0) of the time limit at most for completing a dive cut short by
    CP-SAT (0: the dive is finished over the columns at hand, and the best responses and the
    improver get that time: on Instances 15 and 19 at 60 s, seed 1, same run, 4604 -> 4506
    and 4842 -> 4350 with ``respond``; without it 4346 -> 4761 and 4997 -> 5146, seed 0);
    ``respond`` (True) and ``respond_share`` (0.2): best-response rounds before the improver;
    ``respond_seeds`` (16) how many runs of those rounds, each from the dive's roster with the
    next seed (the order in which rows are re-planned differs), the best kept, within the same
    ``respond_share``: a run costs 0.06–0.16 CPU s on Instances 12, 15, 19 and 0.5 on
    Instance13, and the seeds' results spread widely, so the best of more runs is lower (from
    one dive's roster, 64 seeds, the expected best of 4 / 16 / 32: Instance19 5097 / 4944 /
    4877, Instance15 4902 / 4810 / 4776; four seeds beat one at 60 s in 5 of 6 runs);
    ``lp_respond_rounds`` (0: none): every that many column-generation rounds, one
    best-response run (``feasible``'s rounds, no restarts, seed ``seed``, at most
    ``lp_respond_share`` (0.05) of the time limit and never past ``lp_share``) from the LP's
    rounding (each worker's column of largest value); a hard-feasible result is kept when it is
    the best roster so far and its rows join the pool, so the master LP holds a good integer
    roster (``details["lp_responses"]``: the runs' objectives in order);
    ``start_respond`` (False): one such run, before column generation, from the start
    roster (the given one when it meets every hard rule, else the construction); the better
    roster's rows are the first columns (``details["start_response"]``: the run's objective);
    ``dive_depth`` (1.0) the share of workers the dive fixes before CP-SAT completes the
    others (on Instance9 0.5 gave 441 against 643 from a full dive, on Instance8 1504 against
    1401: not the default);
    ``pricer`` ("labelling") how workers are priced (see
    :data:`~rtsched_widgets.solve.columns.PRICERS`), ``price_labels`` (64) the labelling
    beam (labels kept per day and state), ``price_columns`` (3) schedules a labelling pricing
    may add; ``start_labels`` (16) the beam each pricing phase starts at, doubled up to
    ``price_labels`` when a round finds nothing (None: ``price_labels`` throughout; at 60 s,
    seed 0, same load: Instance15 4884 -> 4444, Instance19 6038 -> 4505: the narrow rounds
    cost a tenth and the dive completes); ``price_time`` (0.5) seconds per CP-SAT pricing
    solve; ``threads`` (2) pricing threads; ``lp_presolve`` (False) whether GLOP presolves
    the master LP (see :class:`~rtsched_widgets.solve.columns.ColumnGeneration`: about 7 %
    less LP time without it on Instance19); ``inexact_center`` whether the dual smoothing
    also centres on duals priced inexactly (see
    :class:`~rtsched_widgets.solve.columns.ColumnGeneration`);
    ``exchange_share`` (None: 0, none, and on horizons of at least :data:`KICK_DAYS` days 1,
    all the time left; :meth:`shares`) of the time limit at most for the kicks after the best
    responses, ``exchange_kicks`` (None: no limit) and ``exchange_patience`` (400) kicks in
    a row not kept end them earlier (from the same responded roster of Instance19, 15 s:
    kicks 4997 -> 4358, ``hybrid`` 4785, ``feasible``'s restarts 4665; Instance15 4733 ->
    4562, 4666, 4589; but at 60 s under load 6-11, where they start after 54 s, 0.25 was
    mixed against none, and moving them earlier won on Instance19 and lost on 15, 12 and 8:
    not the default there; on Instance19, 84 days, a dive to 0.55 and the kicks for the rest
    won 5 of 5 pairs at 60 s against the defaults, load 4-12, while on Instances 15 and 17
    they won 1 of 6: the default from :data:`KICK_DAYS` days, ``benchmarks/RESULTS.md``);
    ``exchange_weekends`` (0.5) the probability that a kick is a weekend kick (two one-day
    weekends made whole, :mod:`rtsched_widgets.solve.exchange`; on Instance19, from the same
    responded rosters, 10 CPU s: lower than the cover kicks alone in 10 of 10 pairs, mean
    4820 -> 4490 at 0.3 and 4791 -> 4440 at 0.5; ``auto`` at 60 s lower in 13 of 18 pairs
    under load 3-13, ``benchmarks/RESULTS.md``);
    ``exchange_splits`` (0.0) the probability that a kick is a split kick (a worker with a
    one-day weekend re-planned under a charge per one-day weekend,
    :mod:`rtsched_widgets.solve.exchange`; drawn before the other kinds; on Instance19 from
    the same responded rosters, 10 CPU s, no lower than none: not the default);
    ``respond_split`` (False) whether the best responses first run once from the dive's
    roster after best-response rounds under a charge per one-day weekend
    (:func:`~rtsched_widgets.solve.exchange.split_rounds`; on Instance19 at 60 s, same run,
    the responded roster lower in 10 of 12 seeds but the final one in 5 of 12, mean 4744 ->
    4752, and on Instance15 in 1 of 3: not the default, ``benchmarks/RESULTS.md``);
    ``improve`` ("hybrid") the strategy that takes the rest of the time (None: none);
    ``improve_options`` its constructor options.
    """

    name = "patterns"

    def __init__(
        self,
        *,
        lp_share: float = 0.4,
        dive_share: float | None = None,
        dive_fix: float = 0.2,
        dive_rounds: int = 10,
        complete_share: float = 0.0,
        dive_depth: float = 1.0,
        price_time: float = 0.5,
        threads: int = 2,
        pricer: str = "labelling",
        price_labels: int = 64,
        price_columns: int = 3,
        start_labels: int | None = 16,
        lp_presolve: bool = False,
        inexact_center: bool = False,
        respond: bool = True,
        respond_share: float = 0.2,
        respond_seeds: int = 16,
        lp_respond_rounds: int = 0,
        lp_respond_share: float = 0.05,
        start_respond: bool = False,
        exchange_share: float | None = None,
        exchange_kicks: int | None = None,
        exchange_patience: int | None = 400,
        exchange_weekends: float = 0.5,
        exchange_splits: float = 0.0,
        respond_split: bool = False,
        improve: str | None = "hybrid",
        improve_options: dict[str, Any] | None = None,
    ) -> None:
        if not 0 < lp_share <= 1:
            raise ValueError(f"lp_share: {lp_share} — use a fraction in (0, 1]")
        if dive_share is not None and not lp_share <= dive_share <= 1:
            raise ValueError(f"dive_share: {dive_share} — use a fraction in [lp_share, 1]")
        if not 0 < dive_fix <= 1:
            raise ValueError(f"dive_fix: {dive_fix} — use a fraction in (0, 1]")
        if dive_rounds < 0:
            raise ValueError(f"dive_rounds: {dive_rounds} — use 0 or more pricing rounds")
        if not price_time > 0:
            raise ValueError(f"price_time: {price_time} — use a positive number of seconds")
        if threads < 1:
            raise ValueError(f"threads: {threads} — use 1 or more pricing threads")
        if improve is not None:
            from rtsched_widgets.solve.registry import get_strategy

            get_strategy(improve, **(improve_options or {}))  # unknown names/options: errors now
        self.lp_share = float(lp_share)
        self.dive_share = None if dive_share is None else float(dive_share)
        self.dive_fix = float(dive_fix)
        self.dive_rounds = int(dive_rounds)
        if not 0 <= complete_share <= 1:
            raise ValueError(f"complete_share: {complete_share} — use a fraction in [0, 1]")
        self.complete_share = float(complete_share)
        if not 0 <= dive_depth <= 1:
            raise ValueError(f"dive_depth: {dive_depth} — use a fraction in [0, 1]")
        self.dive_depth = float(dive_depth)
        from rtsched_widgets.solve.columns import PRICERS

        if pricer not in PRICERS:
            raise ValueError(f"pricer: {pricer!r} — use one of {PRICERS}")
        if price_labels < 1 or price_columns < 1:
            raise ValueError(
                f"price_labels, price_columns: {price_labels}, {price_columns} — use 1 or more"
            )
        self.pricer = pricer
        self.price_labels = int(price_labels)
        self.price_columns = int(price_columns)
        if start_labels is not None and start_labels < 1:
            raise ValueError(f"start_labels: {start_labels} — use 1 or more labels")
        self.start_labels = start_labels
        self.lp_presolve = bool(lp_presolve)
        self.inexact_center = bool(inexact_center)
        if not 0 < respond_share <= 1:
            raise ValueError(f"respond_share: {respond_share} — use a fraction in (0, 1]")
        self.respond = bool(respond)
        self.respond_share = float(respond_share)
        if respond_seeds < 1:
            raise ValueError(f"respond_seeds: {respond_seeds} — use 1 or more seeds")
        self.respond_seeds = int(respond_seeds)
        if lp_respond_rounds < 0:
            raise ValueError(f"lp_respond_rounds: {lp_respond_rounds} — use 0 (none) or more")
        if not 0 < lp_respond_share <= 1:
            raise ValueError(f"lp_respond_share: {lp_respond_share} — use a fraction in (0, 1]")
        self.lp_respond_rounds = int(lp_respond_rounds)
        self.lp_respond_share = float(lp_respond_share)
        self.start_respond = bool(start_respond)
        if exchange_share is not None and not 0 <= exchange_share <= 1:
            raise ValueError(f"exchange_share: {exchange_share} — use a fraction in [0, 1]")
        if exchange_kicks is not None and exchange_kicks < 0:
            raise ValueError(f"exchange_kicks: {exchange_kicks} — use 0 or more, or None")
        self.exchange_share = None if exchange_share is None else float(exchange_share)
        self.exchange_kicks = exchange_kicks
        if exchange_patience is not None and exchange_patience < 1:
            raise ValueError(f"exchange_patience: {exchange_patience} — use 1 or more, or None")
        self.exchange_patience = exchange_patience
        if not 0 <= exchange_weekends <= 1:
            raise ValueError(
                f"exchange_weekends: {exchange_weekends} — use a probability in [0, 1]"
            )
        self.exchange_weekends = float(exchange_weekends)
        if not 0 <= exchange_splits <= 1:
            raise ValueError(f"exchange_splits: {exchange_splits} — use a probability in [0, 1]")
        self.exchange_splits = float(exchange_splits)
        self.respond_split = bool(respond_split)
        self.price_time = float(price_time)
        self.threads = int(threads)
        self.improve = improve
        self.improve_options = dict(improve_options or {})

    def shares(self, problem: Problem) -> tuple[float, float]:
        """``(dive_share, exchange_share)`` on ``problem``: the options when given, else
        0.7 and 0 (no kicks), or on a horizon of at least :data:`KICK_DAYS` days
        :data:`KICK_DIVE_SHARE` and 1 (the kicks take the time after the best responses,
        ``improve`` what their patience leaves)."""
        long = problem.n_days >= KICK_DAYS
        dive = self.dive_share
        if dive is None:
            dive = max(self.lp_share, KICK_DIVE_SHARE) if long else 0.7
        kicks = self.exchange_share
        if kicks is None:
            kicks = 1.0 if long else 0.0
        return dive, kicks

    def _improver(self) -> Strategy | None:
        if self.improve is None:
            return None
        from rtsched_widgets.solve.registry import get_strategy

        return get_strategy(self.improve, **self.improve_options)

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
        dive_share, exchange_share = self.shares(problem)
        fixed = normalize_keep(problem, roster, keep)
        if problem.profile != "nrp":
            whole = self._improver() or _default_improver()
            return self._continue(problem, whole, clock, roster, keep, seed, cancel, {})
        best: Roster | None = None
        best_score = (math.inf, math.inf)
        if roster is not None:
            hard, soft = score_roster(problem, roster)
            if hard == 0:
                best, best_score = roster.copy(), (0, soft)
                clock.improved(soft, 0, shifts=roster.shift_of)
        if best is None:
            start = feasible_start(problem, roster, keep, seed)
            if start is not None:
                best, best_score = start, score_roster(problem, start)
                clock.improved(best_score[1], best_score[0], shifts=start.shift_of)
        cg = ColumnGeneration(
            cp,
            problem,
            fixed,
            seed=seed,
            threads=self.threads,
            price_time=self.price_time,
            pricer=self.pricer,
            price_labels=self.price_labels,
            price_columns=self.price_columns,
            start_labels=self.start_labels,
            lp_presolve=self.lp_presolve,
            inexact_center=self.inexact_center,
        )
        details: dict[str, object] = {}
        try:
            if self.start_respond and best is not None:
                # best responses from the start roster: the LP holds their rows from the start
                budget = min(self.lp_respond_share * clock.time_limit, clock.remaining())
                found = None
                if not clock.should_stop() and budget > 0.05:
                    found = self._response(problem, best, budget, keep, seed, cancel)
                if found is not None and not found[1][0]:  # (meets every hard rule)
                    details["start_response"] = found[1][1]
                    if found[1] < best_score:
                        best, best_score = found
                        clock.improved(best_score[1], 0, shifts=best.shift_of)
            if best is not None and best_score[0] == 0:
                cg.add_roster(best.shift_of)
            try:
                cg.start()
            except NoSchedule as exc:
                # no roster meets every hard rule under this keep: the improver reports it
                details["no_schedule"] = str(exc)
                whole = self._improver() or _default_improver()
                origin = best if best is not None else roster
                return self._continue(problem, whole, clock, origin, keep, seed, cancel, details)

            # a roster from the first second: each worker's first schedule (least request
            # penalty when nothing better was given) meets every hard rule
            first = np.full((problem.n_workers, problem.n_days), -1, dtype=np.int64)
            for j in range(len(cg.pool) - 1, -1, -1):
                first[cg.pool.worker[j]] = cg.pool.schedule[j]
            if best is None:
                start_roster = roster_from_shifts(problem, first, like=roster)
                hard, soft = score_roster(problem, start_roster)
                if (hard, soft) < best_score:
                    best, best_score = start_roster, (hard, soft)
                    clock.improved(soft, hard, 0, shifts=start_roster.shift_of)

            def until(share: float) -> Any:
                return lambda: clock.should_stop() or clock.elapsed() >= share * clock.time_limit

            def report(g: ColumnGeneration) -> None:
                clock.report(
                    g.rounds,
                    f"column generation round {g.rounds}: LP {g.lp_value:.1f}, "
                    f"{len(g.pool)} schedules, {len(g.chosen)} workers fixed",
                )

            lp_responses: list[float] = []

            def converge_round(g: ColumnGeneration) -> None:
                # every lp_respond_rounds rounds: best responses from the LP's rounding, their
                # rows pooled (the LP then holds a good integer roster) and kept when best
                nonlocal best, best_score
                report(g)
                if not self.lp_respond_rounds or g.rounds % self.lp_respond_rounds:
                    return
                end = self.lp_share * clock.time_limit
                budget = min(self.lp_respond_share * clock.time_limit, end - clock.elapsed())
                if clock.should_stop() or budget <= 0.05:
                    return
                rounding = roster_from_shifts(problem, g.partial()[0], like=roster)
                found = self._response(problem, rounding, budget, keep, seed, cancel)
                if found[1][0]:  # breaks a hard rule: not pooled
                    return
                responded, score = found
                lp_responses.append(score[1])
                g.add_roster(responded.shift_of)
                if score < best_score:
                    best, best_score = responded, score
                    clock.improved(score[1], 0, g.rounds, shifts=responded.shift_of)

            shift_of: np.ndarray | None = None
            try:
                cg.converge(until(self.lp_share), on_round=converge_round)
                if lp_responses:
                    details["lp_responses"] = lp_responses
                details.update(
                    lp_value=cg.lp_value,
                    bound=cg.bound,
                    converged=cg.converged,
                    lp_rounds=cg.rounds,
                )
                shift_of = cg.dive(
                    until(dive_share),
                    rounds_per_step=self.dive_rounds,
                    share=self.dive_fix,
                    finish=False,
                    depth=self.dive_depth,
                    on_round=report,
                )
                if shift_of is None and not clock.cancelled():
                    # out of time or deep enough: the workers the dive has not fixed get
                    # CP-SAT, the rest held
                    base, unfixed = cg.partial()
                    details["completed_workers"] = int(unfixed.sum())
                    budget = min(self.complete_share * clock.time_limit, clock.remaining())
                    shift_of = complete_rows(cp, problem, base, unfixed, fixed, budget, seed, clock)
                if shift_of is None:
                    shift_of = cg.dive(lambda: True, share=self.dive_fix)
            except MasterLPError as exc:  # the best roster so far goes on to the improver
                details["lp_error"] = str(exc)
            details.update(rounds=cg.rounds, columns=len(cg.pool))
        finally:
            cg.close()
        dived: Roster | None = None
        if shift_of is not None:
            dived = roster_from_shifts(problem, shift_of, like=roster)
            hard, soft = score_roster(problem, dived)
            details["dive_objective"] = soft if hard == 0 else None
            if (hard, soft) < best_score:
                best, best_score = dived, (hard, soft)
                clock.improved(soft, hard, cg.rounds, shifts=dived.shift_of)
        proven = best is not None and self._status(problem, *best_score, details) == "optimal"
        origin = dived if dived is not None else best
        if self.respond and origin is not None and not proven:
            # from the dive's roster even when a cell ended above its maximum: the rounds
            # re-plan the rows that break a rule
            responded = self._respond(problem, clock, origin, keep, seed, cancel, fixed)
            if responded is not None and responded[1] < best_score:
                best, best_score = responded
                details["respond_objective"] = best_score[1]
                clock.improved(best_score[1], 0, cg.rounds, shifts=best.shift_of)
                proven = self._status(problem, *best_score, details) == "optimal"
        if exchange_share > 0 and best is not None and best_score[0] == 0 and not proven:
            found = self._exchange(problem, clock, best, fixed, seed, details, exchange_share)
            if found is not None and found[1] < best_score:
                best, best_score = found
                clock.improved(best_score[1], 0, cg.rounds, shifts=best.shift_of)
                proven = self._status(problem, *best_score, details) == "optimal"
        improver = self._improver()
        if proven:
            improver = None  # the LP bound proves the roster optimal: nothing left to find
        if improver is not None and not clock.should_stop() and clock.remaining() > 0.05:
            start = best if best is not None else roster
            return self._continue(problem, improver, clock, start, keep, seed, cancel, details)
        if best is None:
            best = roster.copy() if roster is not None else Roster(problem)
            best_score = score_roster(problem, best)
        hard, soft = int(best_score[0]), float(best_score[1])
        return clock.result(
            best, soft, hard, self._status(problem, hard, soft, details), seed, cg.rounds, **details
        )

    def _respond(
        self,
        problem: Problem,
        clock: RunClock,
        roster: Roster,
        keep: np.ndarray | Keep | None,
        seed: int,
        cancel: threading.Event | None,
        fixed: Fixed,
    ) -> tuple[Roster, tuple[float, float]] | None:
        """``feasible``'s best-response rounds (no restarts) from ``roster`` for at most
        ``respond_share`` of the time limit, ``respond_seeds`` runs with seeds ``seed``,
        ``seed + 1``, ...; with ``respond_split``, first one run from the roster of
        :func:`~rtsched_widgets.solve.exchange.split_rounds` (seed ``seed``); the best run's
        roster and its score, or None when no run started."""
        limit = clock.elapsed() + min(self.respond_share * clock.time_limit, clock.remaining())
        best: tuple[Roster, tuple[float, float]] | None = None
        if self.respond_split and not clock.should_stop():
            from rtsched_widgets.solve.exchange import split_rounds

            def stop() -> bool:
                return clock.should_stop() or clock.elapsed() >= limit

            rows = split_rounds(problem, fixed, roster.shift_of, seed=seed, should_stop=stop)
            start = roster_from_shifts(problem, rows, like=roster)
            budget = min(limit - clock.elapsed(), clock.remaining())
            if budget > 0.05 and not clock.should_stop():
                best = self._response(problem, start, budget, keep, seed, cancel)
        for k in range(self.respond_seeds):
            budget = min(limit - clock.elapsed(), clock.remaining())
            if clock.should_stop() or budget <= 0.05:
                break
            found = self._response(problem, roster, budget, keep, seed + k, cancel)
            if best is None or found[1] < best[1]:
                best = found
        return best

    def _exchange(
        self,
        problem: Problem,
        clock: RunClock,
        roster: Roster,
        fixed: Fixed,
        seed: int,
        details: dict[str, object],
        share: float,
    ) -> tuple[Roster, tuple[float, float]] | None:
        """Kicks of :func:`~rtsched_widgets.solve.exchange.exchange` from ``roster`` (every
        row meeting its worker's rules) for at most ``exchange_share`` of the time limit
        (and ``exchange_kicks`` kicks, ``exchange_patience`` kicks in a row not kept); the
        resulting roster and its score (None when no time was left). Records
        ``details["exchange"]``: kicks, kicks kept, searches, the objective at the end, the
        seconds elapsed at the start and at the end."""
        began = clock.elapsed()
        limit = clock.elapsed() + min(share * clock.time_limit, clock.remaining())
        if clock.should_stop() or limit - clock.elapsed() <= 0.05:
            return None
        from rtsched_widgets.solve.exchange import exchange

        rows, stats = exchange(
            problem,
            fixed,
            roster.shift_of,
            seed=seed,
            max_kicks=self.exchange_kicks,
            patience=self.exchange_patience,
            weekends=self.exchange_weekends,
            splits=self.exchange_splits,
            should_stop=lambda: clock.should_stop() or clock.elapsed() >= limit,
        )
        out = roster_from_shifts(problem, rows, like=roster)
        score = score_roster(problem, out)
        details["exchange"] = {
            "kicks": stats.kicks,
            "kept": stats.kept,
            "weekend_kicks": stats.weekend_kicks,
            "weekend_kept": stats.weekend_kept,
            "split_kicks": stats.split_kicks,
            "split_kept": stats.split_kept,
            "searches": stats.searches,
            "objective": score[1],
            "from": round(began, 2),
            "to": round(clock.elapsed(), 2),
        }
        return out, score

    @staticmethod
    def _response(
        problem: Problem,
        roster: Roster,
        budget: float,
        keep: np.ndarray | Keep | None,
        seed: int,
        cancel: threading.Event | None,
    ) -> tuple[Roster, tuple[float, float]]:
        """One run of ``feasible``'s best-response rounds (no restarts) from ``roster`` for at
        most ``budget`` seconds: its roster and its (hard violations, objective)."""
        from rtsched_widgets.solve.feasible import Feasible

        result = Feasible(max_restarts=0).solve(
            problem, roster=roster, time_limit=budget, seed=seed, keep=keep, cancel=cancel
        )
        return result.roster, (float(result.hard_violations), float(result.objective))

    def _status(
        self, problem: Problem, hard: float, soft: float, details: dict[str, object]
    ) -> Status:
        """``optimal`` when the LP bound proves ``soft`` optimal (rounded up to an integer
        when every weight of the problem is integral), else ``feasible`` or ``unknown``."""
        if hard:
            return "unknown"
        bound = details.get("bound")
        if not isinstance(bound, float) or not math.isfinite(bound):
            return "feasible"
        weights = [problem.under_weight, problem.over_weight]
        weights.append(
            np.array([r.weight for r in problem.shift_on_requests + problem.shift_off_requests])
        )
        if all(np.allclose(w, np.round(w)) for w in weights):
            bound = math.ceil(bound - 1e-6)
        return "optimal" if soft <= bound + 1e-6 else "feasible"

    def _continue(
        self,
        problem: Problem,
        improver: Strategy,
        clock: RunClock,
        roster: Roster | None,
        keep: np.ndarray | Keep | None,
        seed: int,
        cancel: threading.Event | None,
        details: dict[str, object],
    ) -> SolveResult:
        """Run ``improver`` for the remaining time from ``roster``; its result, with this run's
        timings, log and details."""
        offset = clock.elapsed()

        def shifted(info: ProgressInfo) -> ProgressInfo:
            elapsed = offset + info.elapsed
            return replace(
                info,
                strategy=self.name,
                elapsed=elapsed,
                fraction=min(elapsed / clock.time_limit, 1.0),
            )

        # the kept worker-days hold the same shifts in ``roster`` as in the caller's roster
        # (every schedule was priced under the keep), so the same mask applies to it
        result = improver.solve(
            problem,
            roster=roster,
            time_limit=max(clock.remaining(), 0.01),
            seed=seed,
            keep=keep,
            cancel=cancel,
            progress=relay(clock.progress, shifted),
        )
        log = list(clock.log) + [(offset + t, v) for t, v in result.log]
        first = clock.time_to_first_feasible
        if first is None and result.time_to_first_feasible is not None:
            first = offset + result.time_to_first_feasible
        best_at = clock.time_to_best
        if result.time_to_best is not None and (
            not clock.log or result.objective < clock.log[-1][1] - 1e-9
        ):
            best_at = offset + result.time_to_best
        hard, soft = result.hard_violations, result.objective
        status = result.status
        if status == "feasible" and self._status(problem, hard, soft, details) == "optimal":
            status = "optimal"
        return SolveResult(
            strategy=self.name,
            roster=result.roster,
            objective=soft,
            hard_violations=hard,
            status=status,
            elapsed=clock.elapsed(),
            time_to_first_feasible=first,
            time_to_best=best_at,
            moves_evaluated=result.moves_evaluated,
            seed=seed,
            log=log,
            details={**details, "improve": improver.name, "improve_details": result.details},
        )


def complete_rows(
    cp: Any,
    problem: Problem,
    base: np.ndarray,
    rows: np.ndarray,
    fixed: Fixed,
    time_limit: float,
    seed: int,
    clock: RunClock,
) -> np.ndarray | None:
    """The roster with the workers of ``rows`` re-solved whole by CP-SAT (the region model,
    hinted with ``base``) and everyone else held at ``base``; None when no solution came
    within ``time_limit`` seconds (or the run was cancelled)."""
    if time_limit <= 0.05:
        return None
    free = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    free[rows] = True
    builder = CpModelBuilder(cp, problem, free=free, base=base)
    builder.build()
    builder.fix(fixed.worker_day, fixed.shift, fixed.closed)
    builder.hint(base)
    solver = cp.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    watcher = CancelWatcher(solver, clock, name="patterns-watch")
    watcher.start()
    try:
        code = solver.solve(builder.model)
    finally:
        watcher.stop()
    if code not in (cp.OPTIMAL, cp.FEASIBLE):
        return None
    return builder.shifts(solver)


def _default_improver() -> Strategy:
    from rtsched_widgets.solve.registry import get_strategy

    return get_strategy("hybrid")
