"""What the engine needs from the layers it does not own, as typed protocols.

``RuleEngine`` is what a :class:`~rtsched_widgets.engine.schedule.Schedule` asks of the rule
engine that keeps its violations (``rtsched_widgets.rules.Validator`` is the implementation);
``Replication`` is what it asks of the collaboration session that shares it through a store
(``rtsched_widgets.collab.sync.Session``). All are structural: anything with these methods
fits, and mypy checks every call the engine makes through them.

The layers above the engine (``solve`` and ``collab``) are reached only through two
providers, registered here by the package's composition root
(:mod:`rtsched_widgets._wiring`, imported by ``rtsched_widgets/__init__.py``) and never
imported by the engine:

* :class:`ReplicationProvider` — starts a collaboration session on a schedule
  (``Schedule(problem, store=...)``, :meth:`Schedule.collaborate`) and checks schedule ids
  with the store's rules;
* :class:`SolvingProvider` — runs generation strategies for :meth:`Schedule.generate`,
  :meth:`Schedule.start_solving` (a :class:`LiveSolve`) and :meth:`Schedule.repair`.

:func:`provide` registers them; :func:`replication` and :func:`solving` return them (a
RuntimeError names the missing one when the package was imported without its root).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from rtsched_widgets.engine.result import OpResult
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.base import Change, Delta, Score, Violation

__all__ = [
    "LiveSolve",
    "Replication",
    "ReplicationProvider",
    "RuleEngine",
    "SolvingProvider",
    "provide",
    "replication",
    "solving",
]


class RuleEngine(Protocol):
    """The maintained violations of one roster (see ``rtsched_widgets.rules.validator``).

    ``changes`` are ``(worker, day, old shift, new shift)`` tuples the roster does not hold
    yet (``preview``, ``score_delta``, ``hard_delta``, ``may_introduce_hard``) or has just
    been given (``commit``)."""

    @property
    def hard_count(self) -> int:
        """The number of hard violations now."""
        ...

    def score(self) -> Score:
        """Hard count and soft penalty now."""
        ...

    def preview(self, changes: Sequence[Change]) -> Delta:
        """What ``changes`` would introduce and resolve; nothing changes."""
        ...

    def commit(self, changes: Sequence[Change]) -> Delta:
        """Take ``changes`` (now in the roster) into the maintained set."""
        ...

    def score_delta(self, changes: Sequence[Change]) -> tuple[int, float]:
        """The (hard, soft) change ``changes`` would cause, without records."""
        ...

    def hard_delta(self, changes: Sequence[Change]) -> int:
        """The hard part of :meth:`score_delta`."""
        ...

    def may_introduce_hard(self, changes: Sequence[Change]) -> bool:
        """False only when ``changes`` certainly introduce no hard violation."""
        ...

    def violation_list(self) -> list[Violation]:
        """The maintained violations, rule by rule."""
        ...

    def violations(self) -> pd.DataFrame:
        """The maintained violations as a frame (one row each)."""
        ...

    def worker_loads(self) -> np.ndarray:
        """Shifts each worker holds now (int64, one per worker)."""
        ...

    def rebuild(self) -> None:
        """Recompute everything from the roster (after it was replaced wholesale)."""
        ...

    def copy(self, roster: Roster) -> RuleEngine:
        """An independent copy kept for ``roster`` (a copy of this one's roster)."""
        ...


class Replication(Protocol):
    """The collaboration session of a shared schedule (see ``rtsched_widgets.collab.sync``):
    persisting its edits, the locks people hold, conflicts queued for a person."""

    def persist(self, record: Any) -> None:
        """Write an applied edit to the shared log first (raises ``StoreBehind`` when another
        process wrote first)."""
        ...

    def catch_up(self) -> int:
        """Apply what other processes wrote since; how many ops that was."""
        ...

    def check_locks(self, slot_changes: Any, user: str) -> None:
        """Raise ``OpError`` LOCKED when the change touches what another user locked."""
        ...

    def locks(self) -> list[dict[str, Any]]:
        """The live locks: target, kind, holder, expires_at."""
        ...

    def queue_conflict(self, user: str, op: Any, base_version: int, force: bool, cells: Any) -> Any:
        """Queue a stale edit for a person to accept or reject."""
        ...

    def close(self) -> None:
        """Leave the session."""
        ...


class ReplicationProvider(Protocol):
    """What starts replication (``rtsched_widgets.collab``) on a schedule."""

    def check_id(self, value: Any, field_name: str) -> str:
        """``value`` when it is a valid schedule id in a store; ValueError naming
        ``field_name`` otherwise."""
        ...

    def attach(self, schedule: Schedule, store: Any, options: Mapping[str, Any]) -> Replication:
        """Start the collaboration session of ``schedule`` on ``store`` (None: in memory, this
        process) with the session ``options``; it is ``schedule.collab`` once this returns."""
        ...


class LiveSolve(Protocol):
    """A live solve running beside people's edits (``rtsched_widgets.solve.solving.SolveJob``):
    ``id`` names the run, ``user`` started it, ``strategy`` is the strategy's name,
    ``time_limit`` its seconds; ``result`` is its outcome once it ended (None before)."""

    id: str
    user: str
    strategy: str
    time_limit: float
    result: Any

    @property
    def running(self) -> bool:
        """True until the run ended and its last merge is applied."""
        ...

    def stop(self, user: str | None = None) -> bool:
        """Ask the run to stop (False when it had already ended)."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the end of the run; True when it ended."""
        ...


class SolvingProvider(Protocol):
    """What runs generation strategies on a schedule (``rtsched_widgets.solve``); each call is
    documented by the :class:`~rtsched_widgets.engine.schedule.Schedule` method of its name."""

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
        """Run ``strategy`` and install its roster as one edit (``Schedule.generate``)."""
        ...

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
        """Start a live solve (``Schedule.start_solving``)."""
        ...

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
        """Re-plan inside ``scope`` with as few changes as pay (``Schedule.repair``)."""
        ...


_providers: dict[str, Any] = {}


def provide(
    *,
    replication: ReplicationProvider | None = None,
    solving: SolvingProvider | None = None,
) -> None:
    """Register the providers of the layers above the engine (those given replace the ones
    registered before)."""
    if replication is not None:
        _providers["replication"] = replication
    if solving is not None:
        _providers["solving"] = solving


def _provider(name: str) -> Any:
    try:
        return _providers[name]
    except KeyError:
        raise RuntimeError(
            f"no {name} provider is registered — import rtsched_widgets (its composition "
            "root, rtsched_widgets._wiring, registers them)"
        ) from None


def replication() -> ReplicationProvider:
    """The registered :class:`ReplicationProvider`."""
    found: ReplicationProvider = _provider("replication")
    return found


def solving() -> SolvingProvider:
    """The registered :class:`SolvingProvider`."""
    found: SolvingProvider = _provider("solving")
    return found
