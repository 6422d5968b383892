"""The composition root: the layers above the engine plugged into the engine's ports, and the
rules layer's check of custom rules plugged into the model (:mod:`rtsched_widgets._rule_check`).

The engine (``rtsched_widgets.engine``) defines what it needs from replication and from
generation as protocols (:mod:`rtsched_widgets.engine.ports`) and never imports ``collab`` or
``solve``. This module, imported by ``rtsched_widgets/__init__.py``, registers the
implementations: :class:`CollabReplication` (``rtsched_widgets.collab``) and
:class:`StrategySolving` (``rtsched_widgets.solve``). Each imports its layer on first use, so
``import rtsched_widgets`` stays light. Likewise :meth:`Problem.with_rules
<rtsched_widgets.model.problem.Problem.with_rules>` checks custom rules with
:func:`rtsched_widgets.rules.custom.check_added_rules`, registered here
(in :mod:`rtsched_widgets._rule_check`), since the model sits below the rules layer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rtsched_widgets import _rule_check
from rtsched_widgets.engine import ports

if TYPE_CHECKING:
    from rtsched_widgets.engine.ports import LiveSolve, Replication
    from rtsched_widgets.engine.result import OpResult
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.problem import Problem

__all__ = ["CollabReplication", "StrategySolving", "check_added_rules"]


def check_added_rules(problem: Problem, rules: Iterable[object]) -> tuple[Any, ...]:
    """:func:`rtsched_widgets.rules.custom.check_added_rules`, imported on first use."""
    from rtsched_widgets.rules.custom import check_added_rules as check

    return check(problem, rules)


class CollabReplication:
    """The :class:`~rtsched_widgets.engine.ports.ReplicationProvider` of
    ``rtsched_widgets.collab``: sessions of :mod:`rtsched_widgets.collab.sync`, ids checked
    by :func:`rtsched_widgets.collab.store.base.check_id`."""

    def check_id(self, value: Any, field_name: str) -> str:
        from rtsched_widgets.collab.store.base import check_id

        return check_id(value, field_name)

    def attach(self, schedule: Schedule, store: Any, options: Mapping[str, Any]) -> Replication:
        from rtsched_widgets.collab.sync import attach

        return attach(schedule, store, **options)


class StrategySolving:
    """The :class:`~rtsched_widgets.engine.ports.SolvingProvider` of ``rtsched_widgets.solve``:
    :func:`~rtsched_widgets.solve.generate.run_strategy`,
    :class:`~rtsched_widgets.solve.solving.SolveJob` and
    :func:`~rtsched_widgets.solve.repair.repair`."""

    def generate(
        self,
        schedule: Schedule,
        strategy: str,
        *,
        time_limit: float,
        seed: int,
        keep: Any,
        user: str | None,
        cancel: threading.Event | None,
    ) -> OpResult:
        from rtsched_widgets.solve.generate import run_strategy

        return run_strategy(
            schedule,
            strategy,
            time_limit=time_limit,
            seed=seed,
            keep=keep,
            user=user,
            cancel=cancel,
        )

    def start(
        self,
        schedule: Schedule,
        strategy: Any,
        *,
        time_limit: float,
        seed: int,
        scope: object,
        user: str,
    ) -> LiveSolve:
        from rtsched_widgets.solve.solving import SolveJob

        return SolveJob(
            schedule, strategy=strategy, time_limit=time_limit, seed=seed, scope=scope, user=user
        )

    def repair(
        self,
        schedule: Schedule,
        scope: object,
        *,
        time_limit: float,
        max_changes: int | None,
        strategy: Any,
        change_cost: float,
        seed: int,
        user: str,
    ) -> OpResult:
        from rtsched_widgets.solve.repair import repair

        return repair(
            schedule,
            scope,
            time_limit=time_limit,
            max_changes=max_changes,
            strategy=strategy,
            change_cost=change_cost,
            seed=seed,
            user=user,
        )


ports.provide(replication=CollabReplication(), solving=StrategySolving())
_rule_check.check = check_added_rules
