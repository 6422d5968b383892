"""The ``feasible_lns`` strategy: ``feasible``, then CP-SAT region repair from its roster.

NRP profile, for instances with many workers on a short horizon (Instance13: 120 workers x
28 days x 18 shift types). There ``feasible``'s best responses converge quickly to rosters
where no single worker can fill an under-covered cell alone (the workers' minutes are nearly
used up: filling one cell means shifting shifts between several workers), and its restarts
stop paying after a few seconds. The region sub-solves of :class:`~rtsched_widgets.solve.lns.
Lns` move shifts between all the workers of a few days at once (its ``days``, ``block`` and
``penalty`` neighbourhoods), which is what the rest of the time is worth most at there.

A :class:`~rtsched_widgets.solve.registry.Chain` of two stages:

1. :class:`~rtsched_widgets.solve.feasible.Feasible` for ``feasible_share`` of the time limit
   (its construction always completes: the roster is hard-feasible as soon as it ends);
2. :class:`~rtsched_widgets.solve.lns.Lns` from that roster for the rest, one sub-solve at a
   time (``parallel=1``, one CP-SAT thread) of ``sub_effort`` deterministic seconds each
   (0.2: ten times ``lns``'s default; the region models of these instances are large enough
   that short sub-solves prove nothing and find little).

Deterministic for a seed when both stages stop on their budgets (``max_restarts``,
``max_iterations``) rather than the clock. The reported objective is the rule engine's score
of the returned roster (both stages report it so); the anytime contract is the chain's: the
best roster so far is recorded as it improves, and a cancelled run returns it.
"""

from __future__ import annotations

from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.lns import Lns
from rtsched_widgets.solve.registry import Chain

DEFAULT_FEASIBLE_SHARE = 0.25
"""Share of the time limit ``feasible`` runs before the region repair takes over."""

DEFAULT_SUB_EFFORT = 0.2
"""Deterministic seconds of each region sub-solve."""


class FeasibleLns(Chain):
    """``feasible`` then region-model ``lns`` (module docstring).

    Options: ``feasible_share`` of the time limit for ``feasible``; ``sub_effort``
    deterministic seconds per sub-solve; ``max_restarts`` ``feasible``'s ruin-and-recreate
    steps and ``max_iterations`` the sub-solves (None: the time limit alone).
    """

    def __init__(
        self,
        *,
        feasible_share: float = DEFAULT_FEASIBLE_SHARE,
        sub_effort: float = DEFAULT_SUB_EFFORT,
        max_restarts: int | None = None,
        max_iterations: int | None = None,
    ) -> None:
        if not 0 < feasible_share < 1:
            raise ValueError(f"feasible_share: {feasible_share} — use a fraction in (0, 1)")
        stages = [
            Feasible(max_restarts=max_restarts),
            Lns(sub_effort=sub_effort, parallel=1, max_iterations=max_iterations),
        ]
        super().__init__(stages, shares=[feasible_share], name="feasible_lns")
