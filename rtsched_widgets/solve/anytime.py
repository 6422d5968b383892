"""The anytime contract of every strategy, enforced around its ``solve``.

:func:`anytime` wraps a ``Strategy.solve`` (``Strategy.__init_subclass__`` applies it to every
subclass that defines ``solve``, once per class):

- the time limit must be a finite number of seconds in (0, ``MAX_TIME_LIMIT``]: an infinite
  or negative limit is a ``ValueError`` before any work starts;
- a strategy that cannot honour one of the problem's custom rules (``Strategy.unhonoured``)
  refuses to start with a ``ValueError`` naming the rules, instead of ignoring them;
- the returned roster never scores worse than the starting ``roster``: when the run ends (time
  out, cancel, or a search that only found worse rosters) with more hard violations, or as
  many and a higher soft penalty, than the roster it was given, the result is that
  roster (a copy), its score as the rule engine measures it, status ``cancelled`` when the
  run was cancelled, else ``feasible``/``unknown`` by its hard count, and
  ``details["kept_start"] = True``.

Nested strategies (a chain's stages, ``auto``'s choice, ``patterns``' improver) each keep the
guarantee for the roster they were given, so it holds at every level.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rtsched_widgets.solve.base import SolveResult, Status

Solve = TypeVar("Solve", bound=Callable[..., "SolveResult"])

EPSILON = 1e-6
"""Soft penalties closer than this count as equal (float sums over many terms)."""


def anytime(solve: Solve) -> Solve:
    """``solve`` with the contract of the module docstring (idempotent)."""
    if getattr(solve, "__anytime__", False):
        return solve

    @functools.wraps(solve)
    def guarded(self: Any, problem: Any, *args: Any, **kwargs: Any) -> SolveResult:
        from rtsched_widgets.solve.base import check_time_limit
        from rtsched_widgets.solve.scoring import score_roster

        if args:
            raise TypeError(f"{type(self).__name__}.solve takes the problem, then keywords only")
        check_time_limit(kwargs.get("time_limit", 10.0))
        check_rules(self, problem)
        roster = kwargs.get("roster")
        start = score_roster(problem, roster) if roster is not None else None
        result = solve(self, problem, **kwargs)
        if roster is None or start is None:
            return result
        if not _worse((result.hard_violations, result.objective), start):
            return result
        cancel = kwargs.get("cancel")
        cancelled = cancel is not None and cancel.is_set()
        hard, soft = start
        status: Status = "cancelled" if cancelled else ("feasible" if hard == 0 else "unknown")
        return replace(
            result,
            roster=roster.copy(),
            objective=float(soft),
            hard_violations=int(hard),
            status=status,
            details={**result.details, "kept_start": True},
        )

    guarded.__anytime__ = True  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def check_rules(strategy: Any, problem: Any) -> None:
    """ValueError naming the custom rules ``strategy`` cannot honour on ``problem`` (see
    ``Strategy.unhonoured``) and what to use instead; nothing when it honours them all."""
    missing = strategy.unhonoured(problem)
    if not missing:
        return
    raise ValueError(
        f"{strategy.name} cannot honour the custom rule(s) {', '.join(map(repr, missing))}: it "
        "does not check them — use 'auto' or 'local_search' (they score through the rule "
        "engine), or give each rule an encode() hook for 'cpsat', 'lns' and 'hybrid'"
    )


def _worse(score: tuple[int, float], start: tuple[int, float]) -> bool:
    """True when ``score`` is lexicographically worse than ``start`` (hard, then soft)."""
    if score[0] != start[0]:
        return score[0] > start[0]
    return score[1] > start[1] + EPSILON
