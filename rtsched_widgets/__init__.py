"""rtsched_widgets: Jupyter widgets for building, editing and sharing staff shift schedules.

The public names are loaded on first use, so ``import rtsched_widgets`` stays light and a name
whose optional extra is missing fails only when it is used, naming the extra to install.
Importing the package also wires the layers above the engine (replication, generation) into
the engine's ports (:mod:`rtsched_widgets._wiring`).
"""

from __future__ import annotations

import importlib
from typing import Any

from rtsched_widgets import _wiring  # noqa: F401  (registers the engine's providers)
from rtsched_widgets._version import __version__

_PUBLIC: dict[str, str] = {
    # model
    "Calendar": "rtsched_widgets.model.calendar",
    "Problem": "rtsched_widgets.model.problem",
    "ProblemError": "rtsched_widgets.model.errors",
    "Request": "rtsched_widgets.model.problem",
    "Roster": "rtsched_widgets.model.roster",
    "RuleSettings": "rtsched_widgets.model.problem",
    "ShiftType": "rtsched_widgets.model.problem",
    "Worker": "rtsched_widgets.model.problem",
    "load_nrp": "rtsched_widgets.model.io",
    "load_saldo": "rtsched_widgets.model.io",
    "to_saldo": "rtsched_widgets.model.io",
    "from_json": "rtsched_widgets.model.io",
    "to_json": "rtsched_widgets.model.io",
    "export_ical": "rtsched_widgets.model.io",
    "synthetic": "rtsched_widgets.model.synthetic",
    # rules
    "Validator": "rtsched_widgets.rules",
    "Violation": "rtsched_widgets.rules",
    "Score": "rtsched_widgets.rules",
    "WorkerRule": "rtsched_widgets.rules.custom",
    "DateRule": "rtsched_widgets.rules.custom",
    # engine
    "Schedule": "rtsched_widgets.engine.schedule",
    "Policy": "rtsched_widgets.engine.schedule",
    "SolveJob": "rtsched_widgets.solve.solving",
    "SolverBusy": "rtsched_widgets.solve.solving",
    "OpResult": "rtsched_widgets.engine.result",
    "ERROR_CODES": "rtsched_widgets.engine.result",
    "Assign": "rtsched_widgets.engine.ops",
    "Unassign": "rtsched_widgets.engine.ops",
    "Swap": "rtsched_widgets.engine.ops",
    "Move": "rtsched_widgets.engine.ops",
    "Bulk": "rtsched_widgets.engine.ops",
    "parse_op": "rtsched_widgets.engine.ops",
    "Analytics": "rtsched_widgets.engine.analytics",
    "EventBus": "rtsched_widgets.engine.events",
    "Event": "rtsched_widgets.engine.events",
    "global_bus": "rtsched_widgets.engine.events",
    # generation
    "benchmark": "rtsched_widgets.solve.benchmark",
    "plot_benchmark": "rtsched_widgets.solve.benchmark",
    "get_strategy": "rtsched_widgets.solve.registry",
    "regenerate": "rtsched_widgets.solve.partial",
    # collaboration
    "open_store": "rtsched_widgets.collab.store",
    "open_schedule": "rtsched_widgets.collab.sync",
    # widgets
    "ScheduleTable": "rtsched_widgets.widgets.table",
    "ScheduleGrid": "rtsched_widgets.widgets.grid",
    "StatusBar": "rtsched_widgets.widgets.panels",
    "AnalyticsPanel": "rtsched_widgets.widgets.panels",
    "HistoryPanel": "rtsched_widgets.widgets.panels",
    "ConflictsPanel": "rtsched_widgets.widgets.panels",
    "SolverBar": "rtsched_widgets.widgets.solver_bar",
    "dashboard": "rtsched_widgets.widgets.dashboard",
    # the original design's facade
    "Scheduler": "rtsched_widgets.compat",
}

_SUBMODULES = ("datasets",)
"""Sub-modules reached as attributes: ``rt.datasets``."""

__all__ = ["__version__", *sorted([*_PUBLIC, *_SUBMODULES])]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(f"rtsched_widgets.{name}")
        globals()[name] = value
        return value
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'rtsched_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
