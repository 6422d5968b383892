"""What the widgets need from a schedule, as typed protocols.

:class:`ScheduleView` lists every attribute and operation of a
:class:`~rtsched_widgets.engine.schedule.Schedule` that a widget (grid, panels, solver bar,
dashboard) reads or calls; :class:`Collaboration`, :class:`PresenceBoard` and :class:`SolveRun`
list what they use of its collaboration session and of its live solver run. The widgets are
typed against these protocols only, so mypy checks every seam, and the checks at the end of this
module fail type checking the day ``Schedule`` (or ``Session``, ``Presence``, ``SolveJob``)
stops providing one of them.

``ScheduleView`` is runtime-checkable: a widget given something else (say a frame, or a
problem) refuses it at once with a ``TypeError`` naming ``schedule`` (:func:`require_schedule`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from rtsched_widgets.engine.analytics import Analytics
    from rtsched_widgets.engine.events import EventBus
    from rtsched_widgets.engine.history import History
    from rtsched_widgets.engine.ports import RuleEngine
    from rtsched_widgets.engine.result import OpResult
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.base import Score

__all__ = [
    "Collaboration",
    "EditPolicy",
    "PresenceBoard",
    "ScheduleView",
    "SolveControl",
    "SolveRun",
    "require_schedule",
]


class EditPolicy(Protocol):
    """The parts of a schedule's ``Policy`` the widgets show or honour."""

    @property
    def allow_force(self) -> bool:
        """Whether a refused edit may be applied anyway ("Apply anyway")."""
        ...

    @property
    def allow_stop_others(self) -> bool:
        """Whether anyone may stop a run someone else started."""
        ...


class PresenceBoard(Protocol):
    """Who is viewing a shared schedule, and what they selected
    (``rtsched_widgets.collab.presence.Presence``)."""

    def join(self, user: Any, view_id: str | None = None) -> Any:
        """``user`` opened the view ``view_id``."""
        ...

    def leave(self, name: str, view_id: str | None = None) -> bool:
        """``name`` closed the view ``view_id``; True when they had it open."""
        ...

    def select(self, name: str, selection: Mapping[str, Any] | None) -> None:
        """``name`` selected ``selection`` (``{"view", "r", "c"}``)."""
        ...

    def touch(self, name: str) -> None:
        """``name`` is still here (an edit counts as a sign of life)."""
        ...


class Collaboration(Protocol):
    """What the widgets use of a schedule's collaboration session
    (``rtsched_widgets.collab.sync.Session``): presence, live locks, queued conflicts."""

    @property
    def presence(self) -> PresenceBoard:
        """The presence board of the session."""
        ...

    def locks(self) -> list[dict[str, Any]]:
        """The live locks: ``target``, ``kind``, ``holder``, ``expires_at``."""
        ...

    @property
    def conflicts(self) -> Any:
        """The queue of stale edits waiting for a person (``open()`` lists them)."""
        ...

    def resolve(self, conflict_id: str, accept: bool, *, user: str | None = None) -> Any:
        """Accept or reject the queued conflict ``conflict_id`` as ``user``."""
        ...


class SolveControl(Protocol):
    """What the engine promises of a live solver run (``Schedule.solving``,
    ``Schedule.start_solving``): whether it runs, and a way to stop it."""

    @property
    def running(self) -> bool:
        """Whether the run is still going."""
        ...

    def stop(self, user: str | None = None) -> bool:
        """Ask the run to stop as ``user``; True when the stop was accepted."""
        ...


@runtime_checkable
class SolveRun(SolveControl, Protocol):
    """A live solver run as the solver bar shows it (``SolveJob``): who started which
    strategy when, the best objective so far and its progress. A run the engine hands out is
    checked with ``isinstance(run, SolveRun)`` before the bar reads these."""

    @property
    def id(self) -> str:
        """The run's id (unique per run)."""
        ...

    @property
    def user(self) -> str:
        """Who started the run."""
        ...

    @property
    def strategy(self) -> str:
        """The strategy's name."""
        ...

    @property
    def time_limit(self) -> float:
        """Seconds the run may take."""
        ...

    @property
    def started_at(self) -> float:
        """When the run started (``time.time()``)."""
        ...

    @property
    def best_objective(self) -> float | None:
        """The best objective found so far, None before the first."""
        ...

    @property
    def best_hard(self) -> int | None:
        """Hard violations of the best roster so far, None before the first."""
        ...

    @property
    def progress(self) -> pd.DataFrame:
        """One row per improvement: ``elapsed``, ``best_objective``, ``best_hard``, ..."""
        ...


@runtime_checkable
class ScheduleView(Protocol):
    """What the widgets need from a schedule (``rtsched_widgets.engine.schedule.Schedule``).

    State: ``problem``, ``policy``, ``user`` (default author), ``id``, ``version`` (applied
    edits so far), ``core`` (the numpy roster, read only), ``validator`` (its maintained
    violations), ``oplog`` (history of applied edits), ``events`` (the event bus), ``collab``
    (the collaboration session or None) and ``solving`` (the running solver or None).
    Operations: the edits, undo/redo, suggestions, repair, live solving and the audit export,
    with the schedule's own semantics (see its docstrings).
    """

    @property
    def problem(self) -> Problem: ...

    @property
    def policy(self) -> EditPolicy: ...

    @property
    def user(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def core(self) -> Roster: ...

    @property
    def validator(self) -> RuleEngine: ...

    @property
    def oplog(self) -> History: ...

    @property
    def events(self) -> EventBus: ...

    @property
    def collab(self) -> Collaboration | None: ...

    @property
    def solving(self) -> SolveControl | None: ...

    def collaborate(self, **options: Any) -> Collaboration: ...

    def apply(
        self,
        op: Any,
        *,
        user: str | None = None,
        base_version: int | None = None,
        force: bool = False,
        reason: str | None = None,
    ) -> OpResult: ...

    def undo(self, user: str | None = None, *, force: bool = False) -> OpResult: ...

    def redo(self, user: str | None = None, *, force: bool = False) -> OpResult: ...

    def score(self) -> Score: ...

    def analytics(self) -> Analytics: ...

    def suggest(
        self, date: Any, post: Any, k: int = 5, *, excluded: bool = True
    ) -> pd.DataFrame: ...

    def start_solving(
        self,
        strategy: Any = "auto",
        time_limit: float = 60,
        seed: int = 0,
        scope: object = None,
        *,
        user: str | None = None,
    ) -> SolveControl: ...

    def repair(
        self,
        scope: object = "violations",
        time_limit: float = 10,
        max_changes: int | None = None,
        *,
        user: str | None = None,
    ) -> OpResult: ...

    def export_audit(self, path: str | Path, format: str = "csv") -> Path: ...


def require_schedule(schedule: object) -> ScheduleView:
    """``schedule`` itself when it provides :class:`ScheduleView` (by attribute names; mypy
    checks the types); a ``TypeError`` naming ``schedule`` otherwise."""
    if not isinstance(schedule, ScheduleView):
        raise TypeError(
            f"schedule: expected a rtsched_widgets Schedule, got {type(schedule).__name__}"
        )
    return schedule


if TYPE_CHECKING:
    from rtsched_widgets.collab.presence import Presence
    from rtsched_widgets.collab.sync import Session
    from rtsched_widgets.engine.schedule import Policy, Schedule
    from rtsched_widgets.solve.solving import SolveJob

    # Type checking fails here when the engine stops providing what the widgets use.
    def _schedule_fits(schedule: Schedule) -> ScheduleView:
        return schedule

    def _policy_fits(policy: Policy) -> EditPolicy:
        return policy

    def _session_fits(session: Session) -> Collaboration:
        return session

    def _presence_fits(presence: Presence) -> PresenceBoard:
        return presence

    def _run_fits(schedule: Schedule) -> SolveControl | None:
        return schedule.solving

    def _job_fits(job: SolveJob) -> SolveRun:
        return job
