"""A hard-feasible starting roster for the searches that need one (``cpsat``, ``lns``,
``hybrid``, ``local_search``), so that every strategy has an answer from its first seconds.

NRP profile only: every hard rule there concerns one worker, and the construction of the
``feasible`` strategy (one labelling search per worker, no improvement rounds) meets them
all in under a second on the bundled instances up to 50 x 364 (Instance24, 150 x 364 x 32:
about 5 s). The saldo profile's starts come from ``greedy`` as before.
"""

from __future__ import annotations

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.scoring import score_roster


def feasible_start(
    problem: Problem,
    roster: Roster | None,
    keep: np.ndarray | Keep | None,
    seed: int,
) -> Roster | None:
    """For an NRP ``problem`` whose ``roster`` is missing or breaks a hard rule: the roster
    of the ``feasible`` construction from ``roster`` under ``keep`` (kept cells as in
    ``roster``), when it has fewer hard violations; None otherwise (other profiles, a roster
    that already meets every hard rule, or a construction that is no better). The
    construction is not cancellable: it is the answer a cancelled run still returns."""
    if problem.profile != "nrp":
        return None
    if problem.custom_rules:  # the construction does not check them: the caller's search does
        plain = problem.without_custom_rules()
        start = feasible_start(
            plain, roster.copy(plain) if roster is not None else None, keep, seed
        )
        return start.copy(problem) if start is not None else None
    if roster is not None and score_roster(problem, roster)[0] == 0:
        return None
    from rtsched_widgets.solve.feasible import Feasible

    built = Feasible(max_rounds=0).solve(
        problem, roster=roster, keep=keep, seed=seed, time_limit=3600.0
    )
    if roster is not None and built.details.get("kept_start"):
        return None
    return built.roster
