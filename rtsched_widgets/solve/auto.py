"""The ``auto`` strategy: a registered strategy chosen by the problem's profile and size.

:func:`choose` is the whole policy (measured in ``benchmarks/RESULTS.md``, Strategies):

- NRP profile, at most :data:`PATTERNS_CELLS` worker-days x shift types (the size of the
  Curtois & Qu Instances 1–12): ``patterns`` — column generation proves or nearly proves the
  optimum there within a minute (on horizons of 84 days or more, Instance19, its own
  defaults give the kicks of :mod:`~rtsched_widgets.solve.exchange` the time after the best
  responses: :meth:`~rtsched_widgets.solve.patterns.Patterns.shares`); except on horizons
  longer than four weeks with at most :data:`FEW_SHIFTS` shift types (Instance16), where
  ``feasible`` first, then ``patterns`` from its roster (``feasible+patterns``, half the time
  each): with few shift types the labelling best responses are mostly exact and
  ``feasible`` alone beat ``patterns`` there (3428 against 4335 at 60 s; the chain 3228,
  best known 3225);
- NRP profile, larger, on a horizon of at most :data:`SHORT_HORIZON` days (Instance13: 120
  workers x 28 days x 18 shift types): ``feasible_lns`` — ``feasible`` (its fair
  construction) for a quarter of the time (at least 15 s: all of a shorter run), then
  CP-SAT region repair from its roster, two sub-solves at a time (at 60 s, side by side,
  lower than one at a time on four seeds of four: mean 5837 -> 5125):
  its best responses converge within seconds there, and moving shifts between all the
  workers of a few days pays more than more restarts (Instance13 at 60 s, same run, three
  seeds: 4098–4525 against 4952–5181); its ``pair`` neighbourhoods (the same workers on a
  window around a day with cover penalty and a window whole weeks away) move work to the
  month's last weekends, where the shortfall is (at 60 s, side by side, lower in four pairs
  of four: 4561–5742 against 4914–6522); its ``weekend`` neighbourhoods (a window around a
  weekend day with cover penalty, the workers with a one-day weekend there and workers with
  minutes to spare first) complete one-day weekends (at 60 s, side by side, four seeds:
  mean 4952 -> 4624, lower in three);
- NRP profile, larger, longer horizons: ``windows`` — ``feasible``'s construction (its
  ``"fair_priced"`` variant: each worker takes a share of every period's cover, so the
  demand at the end of the year is not left to the last workers: a hard-feasible roster
  from per-worker shortest paths within seconds), paired sweeps (each worker's row
  re-planned over a late span of high cover penalty and an early span together, the rest
  held, so work moves from early to late within the worker's fixed yearly minutes: at
  60 s Instance24 156526–160986 against 188244–190340 without them, Instance22
  45629–49064 against 50260–56335, Instance20 6277–7122 against 7361–7824), joined by late
  kicks once a sweep gains little (a short late cell forced into one worker's row, the
  others responding over the same days: at 60 s, same run, Instance22 lower in 5 runs of
  6, mean of five seeds 45153 -> 44318; Instance20 3 of 5; Instance24 3 of 5, within
  -1.0 to +0.5 %), then column generation
  over 14-day windows of all the workers, the rest held, with five of
  ``feasible``'s ruin-and-recreate restarts after each window: a window moves shifts between
  several workers at once, which no best response does (Instances 20 and 22 at 60 s against
  ``feasible`` alone: ``benchmarks/RESULTS.md``, Windowed column generation). The CP-SAT
  region repair loses there (at 60 s, seed 0, ``feasible_lns`` 13634 against ``feasible``'s
  10626 on Instance20 and 68292 against 64426 on Instance22; on Instance24, ten sub-solves
  of 0.2 deterministic s from the construction improved nothing). On Instance24 the paired
  sweeps (and the kicks) take the whole minute;
- saldo profile and anything else: ``greedy+local_search``.

``Auto(strategy=...)`` pins the choice (for experiments: the strategy then runs with its own
defaults); the result names the strategy that ran in ``details["chosen"]`` and the options
``auto`` gave it (:data:`CHOSEN_OPTIONS`) in ``details["chosen_options"]``.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressCallback, SolveResult, Strategy
from rtsched_widgets.solve.keep import Keep

PATTERNS_CELLS = 60 * 28 * 10
"""Largest ``workers x days x shift types`` for which ``auto`` runs ``patterns`` (NRP)."""

FEW_SHIFTS = 3
"""At most this many shift types on a horizon longer than 28 days: ``feasible+patterns``."""

SHORT_HORIZON = 28
"""Longest horizon (days) on which ``auto`` runs ``feasible_lns`` above :data:`PATTERNS_CELLS`."""


CHOSEN_OPTIONS: dict[str, dict[str, object]] = {"feasible_lns": {"construction": "fair"}}
"""Constructor options ``auto`` gives the strategy it chooses (none for a pinned one).

``feasible_lns`` starts from ``feasible``'s fair construction (each worker in turn sees a
growing share of every cell's requirement): on Instance13 at 60 s it won all three seeds
(6143 / 6604, 5709 / 6523, 6417 / 6643 against the greedy construction, same window) and all
three at 10 s (``benchmarks/RESULTS.md``, long horizons)."""


def choose(problem: Problem) -> str:
    """The registered strategy ``auto`` runs on ``problem`` (see the module docstring)."""
    if problem.custom_rules:  # only the searches that score through the rule engine
        return "local_search"
    if problem.profile == "nrp":
        size = problem.n_workers * problem.n_days * problem.n_shifts
        if size > PATTERNS_CELLS:
            return "feasible_lns" if problem.n_days <= SHORT_HORIZON else "windows"
        if problem.n_days > 28 and problem.n_shifts <= FEW_SHIFTS:
            return "feasible+patterns"
        return "patterns"
    return "greedy+local_search"


class Auto(Strategy):
    """Runs the strategy :func:`choose` picks; ``strategy`` overrides the choice."""

    name = "auto"

    def __init__(self, *, strategy: str | None = None) -> None:
        if strategy is not None:
            from rtsched_widgets.solve.registry import get_strategy

            get_strategy(strategy)  # unknown names fail here, not mid-run
        self.strategy = strategy

    def unhonoured(self, problem: Problem) -> list[str]:
        if self.strategy is None:
            return []  # choose() picks a strategy that honours them
        from rtsched_widgets.solve.registry import get_strategy

        return get_strategy(self.strategy).unhonoured(problem)

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
        from rtsched_widgets.solve.registry import get_strategy

        chosen = self.strategy or choose(problem)
        options = {} if self.strategy else CHOSEN_OPTIONS.get(chosen, {})
        result = get_strategy(chosen, **options).solve(
            problem,
            roster=roster,
            time_limit=time_limit,
            seed=seed,
            keep=keep,
            cancel=cancel,
            progress=progress,
        )
        details = {**result.details, "chosen": chosen, "chosen_options": dict(options)}
        return replace(result, strategy=self.name, details=details)
