"""The ``feasible_lns`` strategy: ``feasible``, then CP-SAT region repair from its roster.

NRP profile, for instances with many workers on a short horizon (Instance13: 120 workers x
28 days x 18 shift types). There ``feasible``'s best responses converge quickly to rosters
where no single worker can fill an under-covered cell alone (the workers' minutes are nearly
used up: filling one cell means shifting shifts between several workers), and its restarts
stop paying after a few seconds. The region sub-solves of :class:`~rtsched_widgets.solve.lns.
Lns` move shifts between all the workers of a few days at once (its ``days``, ``block`` and
``penalty`` neighbourhoods), which is what the rest of the time is worth most at there; its
``pair`` and ``weekend`` neighbourhoods aim at the month's weekends, where the shortfall is
(the workers' weekends are limited, and a one-day weekend spends one on half its cover).

A :class:`~rtsched_widgets.solve.registry.Chain` of two stages:

1. :class:`~rtsched_widgets.solve.feasible.Feasible` for ``feasible_share`` of the time limit
   but at least ``feasible_seconds`` (its construction always completes: the roster is
   hard-feasible as soon as it ends); on a time limit of at most ``feasible_seconds`` it is
   the only stage (at 10 s on Instance13 ``feasible`` alone did better: 6316 against 7059,
   median of three seeds; the repair pays once the restarts have had about 13 CPU s);
2. :class:`~rtsched_widgets.solve.lns.Lns` from that roster for the rest, two sub-solves at a
   time (``parallel=2``: one per core, each on one CP-SAT thread, the better result taken;
   one thread's model building overlaps the other's solve) of ``sub_effort`` deterministic
   seconds each (0.2: ten times ``lns``'s default; the region models of these instances are
   large enough that short sub-solves prove nothing and find little). Per sub-solve two at a
   time find about as much as one at a time (Instance13, 100 sub-solves from the same four
   rosters: mean 4056 against 3975), and in the same wall time there are more of them: at
   60 s, side by side, lower on four seeds of four (mean 5837 -> 5125).

Deterministic for a seed when both stages stop on their budgets (``max_restarts``,
``max_iterations``) rather than the clock. The reported objective is the rule engine's score
of the returned roster (both stages report it so); the anytime contract is the chain's: the
best roster so far is recorded as it improves, and a cancelled run returns it.
"""

from __future__ import annotations

import threading

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import (
    ProgressCallback,
    SolveResult,
    Strategy,
    check_time_limit,
)
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.lns import NEIGHBOURHOODS, Lns
from rtsched_widgets.solve.registry import Chain

DEFAULT_FEASIBLE_SHARE = 0.25
"""Share of the time limit ``feasible`` runs before the region repair takes over."""

DEFAULT_FEASIBLE_SECONDS = 15.0
"""Least time ``feasible`` runs before the region repair (all of a shorter time limit)."""

DEFAULT_CONSTRUCTION = "greedy"
"""``feasible``'s construction (see :data:`~rtsched_widgets.solve.feasible.CONSTRUCTIONS`)."""

DEFAULT_SUB_EFFORT = 0.2
"""Deterministic seconds of each region sub-solve."""

DEFAULT_PARALLEL = 2
"""Region sub-solves run at once (threads, one CP-SAT thread each; the best result taken)."""

DEFAULT_MERGE = False
"""Whether the improving sub-solves of one batch that change different workers' rows are
joined (``Lns(merge=True)``)."""

DEFAULT_PICK = "rate"
"""How the region repair draws its neighbourhood kinds (see :data:`~rtsched_widgets.solve.lns.
PICKS`)."""

DEFAULT_NEIGHBOURHOODS = (*NEIGHBOURHOODS, "pair", "weekend")
"""The region repair's neighbourhood kinds: ``lns``'s four, ``pair`` (two windows of days of
the same workers, one around a day with cover penalty) and ``weekend`` (a window around a
weekend day with cover penalty, the workers with a one-day weekend there and workers with
minutes to spare first); see :mod:`~rtsched_widgets.solve.lns`."""


class FeasibleLns(Strategy):
    """``feasible`` then region-model ``lns`` (module docstring).

    Options: ``feasible_share`` of the time limit for ``feasible``, and at least
    ``feasible_seconds``; ``sub_effort`` deterministic seconds per sub-solve;
    ``max_restarts`` ``feasible``'s ruin-and-recreate steps and ``max_iterations`` the
    sub-solves (None: the time limit alone); ``construction`` ``feasible``'s construction
    (one of :data:`~rtsched_widgets.solve.feasible.CONSTRUCTIONS`); ``neighbourhoods`` the
    region repair's kinds (:data:`DEFAULT_NEIGHBOURHOODS`); ``parallel`` the sub-solves run
    at once and ``merge`` whether their improving results that change different workers'
    rows are joined, ``pick`` how its kinds are drawn (see
    :class:`~rtsched_widgets.solve.lns.Lns`).
    """

    name = "feasible_lns"

    def __init__(
        self,
        *,
        feasible_share: float = DEFAULT_FEASIBLE_SHARE,
        feasible_seconds: float = DEFAULT_FEASIBLE_SECONDS,
        sub_effort: float = DEFAULT_SUB_EFFORT,
        max_restarts: int | None = None,
        max_iterations: int | None = None,
        construction: str = DEFAULT_CONSTRUCTION,
        neighbourhoods: tuple[str, ...] = DEFAULT_NEIGHBOURHOODS,
        parallel: int = DEFAULT_PARALLEL,
        merge: bool = DEFAULT_MERGE,
        pick: str = DEFAULT_PICK,
    ) -> None:
        if not 0 < feasible_share < 1:
            raise ValueError(f"feasible_share: {feasible_share} — use a fraction in (0, 1)")
        if not feasible_seconds >= 0:
            raise ValueError(f"feasible_seconds: {feasible_seconds} — use 0 or more seconds")
        self.feasible_share = float(feasible_share)
        self.feasible_seconds = float(feasible_seconds)
        self.feasible = Feasible(max_restarts=max_restarts, construction=construction)
        self.lns = Lns(
            sub_effort=sub_effort,
            parallel=parallel,
            merge=merge,
            pick=pick,
            max_iterations=max_iterations,
            neighbourhoods=tuple(neighbourhoods),
        )

    def unhonoured(self, problem: Problem) -> list[str]:
        return sorted({*self.feasible.unhonoured(problem), *self.lns.unhonoured(problem)})

    def share(self, time_limit: float) -> float:
        """The fraction of ``time_limit`` ``feasible`` gets (1.0: it is the only stage)."""
        return max(self.feasible_share, min(self.feasible_seconds / time_limit, 1.0))

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
        share = self.share(check_time_limit(time_limit))
        chain = (
            Chain([self.feasible], name=self.name)
            if share >= 1.0
            else Chain([self.feasible, self.lns], shares=[share], name=self.name)
        )
        return chain.solve(
            problem,
            roster=roster,
            time_limit=time_limit,
            seed=seed,
            keep=keep,
            cancel=cancel,
            progress=progress,
        )
