"""What the engine needs from the layers it does not own, as typed protocols.

``RuleEngine`` is what a :class:`~rtsched_widgets.engine.schedule.Schedule` asks of the rule
engine that keeps its violations (``rtsched_widgets.rules.Validator`` is the implementation);
``Replication`` is what it asks of the collaboration session that shares it through a store
(``rtsched_widgets.collab.sync.Session``). Both are structural: anything with these methods
fits, and mypy checks every call the engine makes through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.base import Change, Delta, Score, Violation

__all__ = ["Replication", "RuleEngine"]


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

    def catch_up(self) -> None:
        """Apply what other processes wrote since."""
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
