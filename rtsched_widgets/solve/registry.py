"""Strategies by name: ``get_strategy("greedy")``, ``get_strategy("greedy+local_search")``.

Names: ``auto`` (chosen by profile and size, see :mod:`rtsched_widgets.solve.auto`),
``greedy``, ``local_search`` (alias ``ls``), ``feasible`` (each worker's whole row by the
labelling search, NRP profile), ``cpsat``, ``lns`` (large neighbourhood search
over CP-SAT), ``hybrid`` (``lns`` whose stalls hand the whole problem to CP-SAT's own
multi-threaded search), ``patterns`` (column generation over whole-horizon worker schedules,
a dive to a roster, then ``hybrid``; NRP profile); ``a+b+...`` chains strategies,
each stage starting from the roster of the one before (see :class:`Chain`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressCallback, RunClock, SolveResult, Strategy
from rtsched_widgets.solve.keep import Keep

Factory = Callable[..., Strategy]

_ALIASES = {"ls": "local_search", "cp-sat": "cpsat", "cp_sat": "cpsat"}


def _greedy(**options: Any) -> Strategy:
    from rtsched_widgets.solve.greedy import Greedy

    return Greedy(**options)


def _local_search(**options: Any) -> Strategy:
    from rtsched_widgets.solve.local_search import LocalSearch

    return LocalSearch(**options)


def _cpsat(**options: Any) -> Strategy:
    from rtsched_widgets.solve.cpsat import CpSat

    return CpSat(**options)


def _lns(**options: Any) -> Strategy:
    from rtsched_widgets.solve.lns import Lns

    return Lns(**options)


def _hybrid(**options: Any) -> Strategy:
    from rtsched_widgets.solve.lns import Hybrid

    return Hybrid(**options)


def _patterns(**options: Any) -> Strategy:
    from rtsched_widgets.solve.patterns import Patterns

    return Patterns(**options)


def _auto(**options: Any) -> Strategy:
    from rtsched_widgets.solve.auto import Auto

    return Auto(**options)


def _feasible(**options: Any) -> Strategy:
    from rtsched_widgets.solve.feasible import Feasible

    return Feasible(**options)


_REGISTRY: dict[str, Factory] = {
    "feasible": _feasible,
    "auto": _auto,
    "greedy": _greedy,
    "local_search": _local_search,
    "cpsat": _cpsat,
    "lns": _lns,
    "hybrid": _hybrid,
    "patterns": _patterns,
}


def register(name: str, factory: Factory) -> None:
    """Make ``factory(**options) -> Strategy`` available as ``name`` (no ``+`` in names)."""
    if not name or "+" in name:
        raise ValueError(f"name: {name!r} — give a non-empty name without '+'")
    _REGISTRY[name] = factory


def available_strategies() -> list[str]:
    """Registered strategy names (combos of them with ``+`` work too)."""
    return sorted(_REGISTRY)


def get_strategy(name: str, **options: object) -> Strategy:
    """The strategy called ``name``; ``options`` go to its constructor (a single strategy only).

    ``"greedy+local_search"`` (or ``"greedy+ls"``) is a :class:`Chain`. Unknown names raise
    ``ValueError`` listing the known ones.
    """
    parts = [part.strip().lower() for part in str(name).split("+")]
    if len(parts) > 1:
        if options:
            raise ValueError(
                f"options: {sorted(options)} cannot go to the chain {name!r} — build "
                "Chain([get_strategy(a, ...), get_strategy(b, ...)]) instead"
            )
        return Chain([get_strategy(part) for part in parts])
    key = _ALIASES.get(parts[0], parts[0])
    if key not in _REGISTRY:
        raise ValueError(
            f"strategy: unknown strategy {name!r} — use one of {available_strategies()} "
            "or a '+' chain of them"
        )
    return _REGISTRY[key](**options)


class Chain(Strategy):
    """Runs strategies one after the other, each from the roster the previous one returned.

    Each stage but the last gets the remaining time divided by the number of stages left (a
    construction such as greedy usually returns long before); the last gets what remains.
    ``keep`` and ``cancel`` apply to every stage. The result is the last stage's, with timings
    measured from the start of the chain and the stages' logs merged.
    """

    def __init__(self, stages: list[Strategy]) -> None:
        if not stages:
            raise ValueError("stages: a chain needs at least one strategy")
        self.stages = list(stages)
        self.name = "+".join(s.name for s in self.stages)

    def unhonoured(self, problem: Problem) -> list[str]:
        return sorted({name for s in self.stages for name in s.unhonoured(problem)})

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
        clock = RunClock(self.name, time_limit, cancel, progress)
        current = roster
        results: list[SolveResult] = []
        offset = 0.0
        log: list[tuple[float, float]] = []
        first_feasible: float | None = None
        best_at: float | None = None
        for i, stage in enumerate(self.stages):
            left = max(clock.remaining(), 0.01)
            budget = left if i == len(self.stages) - 1 else left / (len(self.stages) - i)
            offset = clock.elapsed()
            result = stage.solve(
                problem,
                roster=current,
                time_limit=budget,
                seed=seed,
                keep=keep if current is not None else None,
                cancel=cancel,
                progress=progress,
            )
            results.append(result)
            log += [(offset + t, v) for t, v in result.log]
            if first_feasible is None and result.time_to_first_feasible is not None:
                first_feasible = offset + result.time_to_first_feasible
            if result.time_to_best is not None:
                best_at = offset + result.time_to_best
            current = result.roster
            if clock.cancelled():
                break
        last = results[-1]
        return SolveResult(
            strategy=self.name,
            roster=last.roster,
            objective=last.objective,
            hard_violations=last.hard_violations,
            status=last.status,
            elapsed=clock.elapsed(),
            time_to_first_feasible=first_feasible,
            time_to_best=best_at,
            moves_evaluated=sum(r.moves_evaluated for r in results),
            seed=seed,
            log=log,
            details={"stages": [(r.strategy, r.objective, r.hard_violations) for r in results]},
        )
