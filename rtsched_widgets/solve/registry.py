"""Strategies by name: ``get_strategy("greedy")``, ``get_strategy("greedy+local_search")``.

Names: ``auto`` (chosen by profile and size, see :mod:`rtsched_widgets.solve.auto`),
``greedy``, ``local_search`` (alias ``ls``), ``feasible`` (each worker's whole row by the
labelling search, NRP profile), ``feasible_lns`` (``feasible``, then CP-SAT region
repair from its roster), ``windows`` (column generation over a window of days at a
time, the rest held, with ``feasible``'s rounds and restarts between; NRP profile),
``cpsat``, ``lns`` (large neighbourhood search over CP-SAT), ``hybrid`` (``lns`` whose
stalls hand the whole problem to CP-SAT's own multi-threaded search), ``patterns`` (column
generation over whole-horizon worker schedules, a dive to a roster, then ``hybrid``; NRP
profile); ``a+b+...`` chains strategies,
each stage starting from the roster of the one before (see :class:`Chain`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
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


def _feasible_lns(**options: Any) -> Strategy:
    from rtsched_widgets.solve.feasible_lns import FeasibleLns

    return FeasibleLns(**options)


def _windows(**options: Any) -> Strategy:
    from rtsched_widgets.solve.windows import Windows

    return Windows(**options)


_REGISTRY: dict[str, Factory] = {
    "feasible": _feasible,
    "windows": _windows,
    "feasible_lns": _feasible_lns,
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
    With ``shares``, stage ``i`` (but the last) gets instead at most ``shares[i]`` of the
    chain's time limit (what remains when less is left). ``keep`` and ``cancel`` apply to
    every stage. The result is the last stage's, with timings measured from the start of the
    chain and the stages' logs merged. ``name`` replaces the stages' names joined by ``+``.
    """

    def __init__(
        self,
        stages: list[Strategy],
        *,
        shares: Sequence[float] | None = None,
        name: str | None = None,
    ) -> None:
        if not stages:
            raise ValueError("stages: a chain needs at least one strategy")
        if shares is not None and (
            len(shares) != len(stages) - 1 or not all(0 < x < 1 for x in shares)
        ):
            raise ValueError(
                f"shares: {list(shares)} — give one fraction in (0, 1) per stage but the last"
            )
        self.stages = list(stages)
        self.shares = None if shares is None else [float(x) for x in shares]
        self.name = name or "+".join(s.name for s in self.stages)

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
            if i == len(self.stages) - 1:
                budget = left
            elif self.shares is not None:
                budget = min(left, self.shares[i] * time_limit)
            else:
                budget = left / (len(self.stages) - i)
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
