"""``Schedule.generate``: run a generation strategy from a schedule's roster and install the
roster it returns as one undoable edit.

Solve-layer orchestration: the engine reaches it through its
:class:`~rtsched_widgets.engine.ports.SolvingProvider` port, wired by
:mod:`rtsched_widgets._wiring`; it changes the schedule only through
:meth:`Schedule.replace_roster` and publishes on the schedule's event bus.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import TYPE_CHECKING, Any

from rtsched_widgets.engine.result import OpResult, failure
from rtsched_widgets.solve.registry import get_strategy

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule

__all__ = ["run_strategy"]


def run_strategy(
    schedule: Schedule,
    strategy: str,
    *,
    time_limit: float,
    seed: int,
    keep: Any,
    user: str | None,
    cancel: threading.Event | None,
) -> OpResult:
    """Run a generation strategy from the current roster and install its roster as one step."""
    who = user or schedule.user
    try:
        solver = get_strategy(strategy)
    except (KeyError, ValueError) as exc:
        return failure("MALFORMED", f"strategy: {exc}", kind="generate", version=schedule.version)
    if keep == "mandatory":  # mandatory assignments in the roster are always kept by strategies
        keep = None
    elif isinstance(keep, str):
        return failure(
            "MALFORMED",
            f"keep: {keep!r} — use 'mandatory', None, a bool mask or a solve.Keep",
            kind="generate",
            version=schedule.version,
        )
    events = schedule.events
    events.publish(
        "generation_started",
        {"strategy": strategy, "time_limit": time_limit, "seed": seed, "version": schedule.version},
        who,
    )

    def progress(info: Any) -> None:
        events.publish(
            "generation_progress",
            {
                "strategy": info.strategy,
                "elapsed": info.elapsed,
                "best_objective": info.best_objective,
                "best_hard": info.best_hard,
                "moves_evaluated": info.moves_evaluated,
                "fraction": info.fraction,
            },
            who,
        )

    t0 = time.perf_counter()
    try:
        solved = solver.solve(
            schedule.problem,
            roster=schedule.core.copy(),
            time_limit=time_limit,
            seed=seed,
            keep=keep,
            cancel=cancel,
            progress=progress,
        )
    except ValueError as exc:
        return failure("MALFORMED", f"generate: {exc}", kind="generate", version=schedule.version)
    details = {
        "strategy": strategy,
        "status": solved.status,
        "objective": solved.objective,
        "hard_violations": solved.hard_violations,
        "elapsed": time.perf_counter() - t0,
        "seed": seed,
    }
    if "chosen" in solved.details:  # what "auto" ran
        details["chosen"] = solved.details["chosen"]
    result = schedule.replace_roster(
        solved.roster,
        user=who,
        kind="generate",
        event_extra=details,
        label=f"{strategy} ({solved.status}): {{n}} slot(s) changed",
    )
    if not result.ok:  # the strategy returned the roster unchanged
        events.publish("generation_finished", {**details, "version": schedule.version}, who)
        return OpResult(
            ok=True,
            message=f"{strategy}: the roster did not change ({solved.status})",
            version=schedule.version,
            kind="generate",
            user=who,
            details=details,
        )
    return dataclasses.replace(result, details={**result.details, **details})
