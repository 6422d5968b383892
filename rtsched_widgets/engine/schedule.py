"""``Schedule``: the facade users touch — edits, validation, suggestions, history, events.

A schedule holds the edit state of one roster (``core``, ``validator``, ``oplog``, ``events``,
versions) and answers reads. Its parts live in modules of their own, each named by what it
does: the path every edit takes (:mod:`~rtsched_widgets.engine.pipeline`), undo and redo
(:mod:`~rtsched_widgets.engine.undo`), planning an op into index changes
(:mod:`~rtsched_widgets.engine.planning`), branches (:mod:`~rtsched_widgets.engine.branch`),
absences (:mod:`~rtsched_widgets.engine.absence`), suggestions and analytics. Replication and
generation belong to the layers above the engine (``collab`` and ``solve``) and are reached
through the ports of :mod:`rtsched_widgets.engine.ports`; the engine imports neither.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets.engine import frames, ports
from rtsched_widgets.engine.events import EventBus
from rtsched_widgets.engine.history import History
from rtsched_widgets.engine.latency import LatencyTracker
from rtsched_widgets.engine.ops import (
    Bulk,
    Op,
    cell,
    new_move,
    new_swap,
    parse_op,
)
from rtsched_widgets.engine.pipeline import (
    EVENT_OF_KIND,
    StoreBehind,
    apply_remote,
    run_edit,
    run_one_slot,
)
from rtsched_widgets.engine.planning import Planner, SetSlots
from rtsched_widgets.engine.ports import LiveSolve, RuleEngine
from rtsched_widgets.engine.result import OpError, OpResult, failure
from rtsched_widgets.engine.slot_record import group_record
from rtsched_widgets.engine.undo import revert
from rtsched_widgets.limits import EVENT_HISTORY_BYTES, MAX_ID_LENGTH, abbreviate
from rtsched_widgets.model.roster import Roster

if TYPE_CHECKING:
    from rtsched_widgets.engine.analytics import Analytics
    from rtsched_widgets.model.problem import Problem

__all__ = ["CONFLICT_POLICIES", "EVENT_OF_KIND", "Policy", "Schedule", "StoreBehind"]

#: Accepted values of ``Policy.conflicts`` (see :mod:`rtsched_widgets.collab.conflicts`).
CONFLICT_POLICIES: tuple[str, ...] = ("reject", "last_writer_wins", "manual")


@dataclass(frozen=True)
class Policy:
    """What the engine accepts.

    ``allow_force``: ``force=True`` may push through hard violations and pinned cells (when
    False such a request is refused with FORCE_NOT_ALLOWED). ``block_hard``: an edit that
    introduces a hard violation is refused with HARD_VIOLATION unless forced (False: applied
    with the violations reported). ``protect_pinned``: an edit that takes a worker off one of
    their mandatory days is refused with PINNED unless forced. ``check_stale``: an edit whose
    ``base_version`` is older than the version of a cell it touches is refused with STALE
    (False: ``base_version`` is only recorded). ``max_history``: ops kept for undo and audit
    (oldest dropped first). ``event_history``: events kept by the schedule's bus;
    ``event_history_bytes``: the bytes they may take (an estimate, see
    :func:`rtsched_widgets.engine.events.event_bytes`; default
    :data:`rtsched_widgets.limits.EVENT_HISTORY_BYTES`, 64 MiB; None: no bound).
    ``suggestions``: alternatives computed for a refused edit. ``conflicts``: what a stale
    edit meets — ``"reject"`` (STALE, the current value is reported), ``"last_writer_wins"``
    or ``"manual"`` (queued for a person; see :mod:`rtsched_widgets.collab.conflicts`); stale
    edits are detected when ``check_stale`` is set or the schedule is shared
    (``schedule.collab``, i.e. a store or :meth:`Schedule.collaborate`). ``allow_stop_others``:
    anyone may stop a live solve (:meth:`Schedule.start_solving`); when False only the person
    who started it may.
    """

    allow_force: bool = True
    block_hard: bool = True
    protect_pinned: bool = True
    check_stale: bool = False
    max_history: int = 100_000
    event_history: int = 10_000
    event_history_bytes: int | None = EVENT_HISTORY_BYTES
    suggestions: int = 5
    conflicts: str = "reject"
    allow_stop_others: bool = True

    def __post_init__(self) -> None:
        if self.conflicts not in CONFLICT_POLICIES:
            raise ValueError(f"conflicts: {self.conflicts!r} — use one of {CONFLICT_POLICIES}")


class Schedule:
    """A schedule of one :class:`~rtsched_widgets.model.problem.Problem` that people edit.

    ``store``: ``None`` or ``"memory"`` (this process only), a store URL
    (``"sqlite:///plan.db"``, ``"postgresql://..."``, ``"memory://<name>"``) or an open
    :class:`~rtsched_widgets.collab.store.Store`: the schedule ``schedule_id`` (default
    ``"main"``) is created there or resumed from it (roster, versions, history) and kept in
    sync with every other schedule opened on it (see :mod:`rtsched_widgets.collab.sync`);
    ``user``: the default author of edits; ``policy``: see :class:`Policy`; ``roster``: a
    starting :class:`~rtsched_widgets.model.roster.Roster` (copied) — empty by default;
    ``session_options``: with a shared store, the options of its collaboration session
    (``lock_ttl``, ``presence_ttl`` in seconds, ``heartbeat``; see
    :class:`rtsched_widgets.collab.sync.Session`); ``rules``: custom rules
    (``rt.WorkerRule`` / ``rt.DateRule`` instances, see :mod:`rtsched_widgets.rules.custom`)
    checked like the built-in ones — the schedule's problem is then
    ``problem.with_rules(rules)``.

    Public state: ``core`` (the numpy :class:`Roster`; read it, never write it — edits go
    through :meth:`apply`), ``validator`` (maintained violations of ``core``), ``oplog`` (the
    :class:`~rtsched_widgets.engine.history.History` of applied ops), ``events`` (this
    schedule's :class:`~rtsched_widgets.engine.events.EventBus`), ``latency`` (a
    :class:`~rtsched_widgets.engine.latency.LatencyTracker` of every edit by kind),
    ``version`` (applied ops so far, +1 per op) and ``cell_version[d, s]`` (the version that
    last changed each cell; 0 = never). All edits are serialised by an internal lock.
    """

    def __init__(
        self,
        problem: Problem,
        store: Any = None,
        user: str = "anonymous",
        policy: Policy | None = None,
        *,
        roster: Roster | None = None,
        schedule_id: str | None = None,
        validator: RuleEngine | None = None,
        session_options: dict[str, Any] | None = None,
        rules: Iterable[Any] = (),
    ) -> None:
        if not isinstance(user, str) or not user or len(user) > MAX_ID_LENGTH:
            raise ValueError(
                f"user: {abbreviate(user)} is not a user name — give a non-empty str of at most "
                f"MAX_ID_LENGTH = {MAX_ID_LENGTH} characters"
            )
        rules = tuple(rules)
        if rules:
            original, problem = problem, problem.with_rules(rules)
            if roster is not None and roster.problem is original:
                roster = roster.copy(problem)
        shared = store is not None and store != "memory"
        if schedule_id is not None:
            where = f" of store {abbreviate(store)}" if shared else ""
            try:
                ports.replication().check_id(schedule_id, f"schedule_id{where}")
            except ValueError as exc:
                raise ValueError(
                    f"{exc} (or leave schedule_id out for {'main' if shared else 'a new id'})"
                ) from None
        self.problem = problem
        self.policy = policy or Policy()
        self.user = user
        self.store = store
        if session_options and not shared:
            raise ValueError(
                "session_options: they configure the session of a shared store — give a store, "
                "or pass them to collaborate(**options)"
            )
        self.id = schedule_id or ("main" if shared else uuid.uuid4().hex[:12])
        if roster is not None and roster.problem is not problem:
            raise ValueError("roster: it belongs to another problem — build it from this one")
        self.core: Roster = roster.copy() if roster is not None else Roster(problem)
        self.validator: RuleEngine = (
            validator if validator is not None else _make_validator(problem, self.core)
        )
        self._lock = threading.RLock()
        # the history and the latency tracker hold the edit lock: an edit records in both
        # without a lock of their own (History.record_held, LatencyTracker.record_ns_held)
        self.oplog = History(max_ops=self.policy.max_history, lock=self._lock)
        self.events = EventBus(
            schedule_id=self.id,
            history_size=self.policy.event_history,
            history_bytes=self.policy.event_history_bytes,
        )
        self.latency = LatencyTracker(lock=self._lock)
        self.version = 0
        self.cell_version = np.zeros((problem.n_days, problem.n_shifts), dtype=np.int64)
        self._fork_base: np.ndarray | None = None
        self._forked_from: str | None = None
        self._event_extra: dict[str, Any] | None = None
        self._op_group: str | None = None  # ops committed meanwhile are one undo step
        #: The live solve of this schedule (set by the solve layer under :attr:`lock`; see
        #: :meth:`start_solving`), or None.
        self.live_solve: LiveSolve | None = None
        self._latest_by_user: dict[str, int] = {}
        self.planner = Planner(self.core)
        self._ids, self._iso = self.planner.ids, self.planner.iso
        self._names = (self._iso, self._ids)  # what a SlotRecord names its cells with
        # element view of problem.mandatory (see Roster's notes on memoryviews)
        self._mandatory = np.ascontiguousarray(problem.mandatory).data
        #: The collaboration session (:class:`rtsched_widgets.collab.sync.Session`, through the
        #: :class:`~rtsched_widgets.engine.ports.Replication` port) or None.
        self.collab: Any = None
        self._remote: dict[str, Any] | None = None
        if shared:
            ports.replication().attach(self, store, session_options or {})

    def collaborate(self, **options: Any) -> Any:
        """The collaboration session (users, presence, locks, conflicts) — started without a
        store (in memory, this process) when the schedule has none yet. ``options`` go to
        :class:`rtsched_widgets.collab.sync.Session` (``lock_ttl``, ``presence_ttl``)."""
        if self.collab is None:
            ports.replication().attach(self, None, options)
        elif options:
            raise TypeError(f"collaborate: options {sorted(options)} given to a started session")
        return self.collab

    def close(self) -> None:
        """Leave the collaboration session (locks and presence dropped, change feed stopped)."""
        if self.collab is not None:
            self.collab.close()

    # ------------------------------------------------------------------ the path of an edit
    def apply(
        self,
        op: Op | Mapping[str, Any] | Schedule,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
        reason: str | None = None,
    ) -> OpResult:
        """Apply an operation (an Op, its dict form) or merge a branch made by :meth:`fork`.

        ``force``: accept hard violations and pinned cells (when the policy allows it);
        ``user``: author (default: the schedule's user); ``base_version``: the schedule version
        the author saw (recorded; checked against the touched cells' versions when the policy
        has ``check_stale``); ``reason``: why a forced edit was made, recorded in its history
        message (``"… (forced: <reason>)"``, the audit's ``message``) when it is applied forced.
        """
        if isinstance(op, Schedule):
            return self._merge(op, force=force, user=user, base_version=base_version)
        if reason is not None and not isinstance(reason, str):
            return failure("MALFORMED", "reason: give a str", version=self.version)
        return run_edit(
            self, op, force=force, user=user, base_version=base_version, reason=reason or None
        )

    def preview(
        self, op: Op | Mapping[str, Any], *, force: bool = False, user: str | None = None
    ) -> OpResult:
        """What :meth:`apply` would answer for ``op``; nothing changes and nothing is published.

        ``ok`` says whether the op would be applied; ``introduced``/``resolved`` are the
        violations it would add/remove; ``op_id`` is None and ``version`` the current version.
        """
        return run_edit(self, op, force=force, user=user, base_version=None, dry=True)

    # ------------------------------------------------------------------ the replication seam
    @property
    def lock(self) -> threading.RLock:
        """The lock every edit holds: hold it to read or replace a consistent state."""
        return self._lock

    @property
    def iso_dates(self) -> tuple[str, ...]:
        """The ISO date of each day index."""
        return self._iso

    @property
    def record_names(self) -> tuple[Any, Any]:
        """What history records name cells with: (ISO date per day, worker id per worker)."""
        return self._names

    @property
    def latest_by_user(self) -> dict[str, int]:
        """The version of each user's latest edit (what decides whether an undo meets others'
        edits); a snapshot restores it in place."""
        return self._latest_by_user

    def apply_remote(
        self,
        version: int,
        op: Mapping[str, Any],
        targets: list[tuple[int, int, int, int]],
    ) -> OpResult:
        """Apply an op of the shared store's log (written by any replica) at ``version``,
        through the edit path as it was decided by its author: no rule, lock or version check;
        recorded with its author, id and time; published as ``remote_applied``. ``op`` is the
        store's op (``kind``, ``user``, ``op_id``, ``ts``, ``message``, ``undoes``);
        ``targets`` its slot writes ``(day, post, slot, worker index or -1)``, decoded by the
        replication layer."""
        return apply_remote(self, version, op, targets)

    def set_slots(
        self,
        op: SetSlots,
        *,
        user: str | None = None,
        force: bool = False,
        checked: bool = True,
        group: str | None = None,
        event_extra: Mapping[str, Any] | None = None,
    ) -> OpResult:
        """Write ``op``'s slots (``(day, post, slot, worker index or -1)`` targets) as one edit
        of kind ``op.kind`` through the edit path.

        ``checked=False``: applied without the policy's rule and pinned-cell checks and not
        marked forced (what a live solve's merge or a repair, which check their own changes,
        ask for). ``group``: edits made with the same group id undo as one step (a live
        solve's merges). ``event_extra``: added to the payload of the edit's event."""
        with self._lock:
            self._op_group = group
            self._event_extra = dict(event_extra) if event_extra else None
            try:
                return run_edit(
                    self,
                    op,
                    force=force,
                    user=user,
                    base_version=None,
                    kind=op.kind,
                    checks=checked,
                )
            finally:
                self._op_group = None
                self._event_extra = None

    def _publish(self, type_: str, payload: dict[str, Any], user: str | None) -> None:
        self.events.publish(type_, payload, user)

    # ------------------------------------------------------------------ the operations
    def assign(
        self,
        worker: str,
        date: Any,
        post: Any,
        slot: int | None = None,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Put ``worker`` into ``(date, post)`` — see :class:`~rtsched_widgets.engine.ops.Assign`.

        Refused with ALREADY_WORKING when the worker already works that date (use
        :meth:`move`/:meth:`swap`); a full one-slot cell has its occupant replaced (reported in
        ``OpResult.replaced``); a full multi-slot cell needs an explicit ``slot``.
        """
        return run_one_slot(self, False, worker, date, post, slot, force, user, base_version)

    def unassign(
        self,
        date: Any,
        post: Any,
        slot: int | None = None,
        *,
        worker: str | None = None,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Empty a slot of ``(date, post)`` — see :class:`~rtsched_widgets.engine.ops.Unassign`."""
        return run_one_slot(self, True, worker, date, post, slot, force, user, base_version)

    def swap(
        self,
        a: Any,
        b: Any,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Exchange the workers of slots ``a`` and ``b``, each ``(date, post[, slot])``."""
        try:
            op = new_swap(cell(a, "a"), cell(b, "b"))
        except OpError as err:
            return failure(err.code, err.message, kind="swap", version=self.version)
        return run_edit(self, op, force, user, base_version)

    def move(
        self,
        src: Any,
        dst: Any,
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Move the worker of ``src`` into the free slot ``dst``, each ``(date, post[, slot])``."""
        try:
            op = new_move(cell(src, "src"), cell(dst, "dst"))
        except OpError as err:
            return failure(err.code, err.message, kind="move", version=self.version)
        return run_edit(self, op, force, user, base_version)

    def bulk(
        self,
        ops: Iterable[Op | Mapping[str, Any]],
        *,
        force: bool = False,
        user: str | None = None,
        base_version: int | None = None,
    ) -> OpResult:
        """Apply ``ops`` in order as one atomic edit: all or nothing, one history record, one
        undo step, one ``bulk_applied`` event. Violations are judged on the net result."""
        try:
            if isinstance(ops, str | bytes | Mapping) or not isinstance(ops, Iterable):
                raise OpError("MALFORMED", "ops: give a list of operations")
            op = Bulk(tuple(parse_op(o, f"bulk.ops[{i}]", 1) for i, o in enumerate(ops)))
        except OpError as err:
            result = failure(err.code, err.message, kind="bulk", version=self.version)
            self._publish(
                "op_rejected",
                {
                    "kind": "bulk",
                    "error": err.code,
                    "message": err.message,
                    "version": self.version,
                },
                user or self.user,
            )
            return result
        return run_edit(self, op, force, user, base_version)

    # ------------------------------------------------------------------ undo / redo
    def undo(self, user: str | None = None, *, force: bool = False) -> OpResult:
        """Revert ``user``'s (default: the schedule's user) newest not-undone edit — all of a
        live solve's merges when that edit is one of them (see :meth:`start_solving`), except
        the slots someone changed since, which keep that person's change.

        Refused with UNDO_CONFLICT — naming the cells and who changed them — when another edit
        changed any of its cells since. When other users edited anything since, the undo is
        checked like a new edit (hard violations and pinned cells refuse it unless
        ``force=True``); when only ``user`` edited since, it is a pure rollback to a state they
        had and is applied as is (violations it brings back are reported). Undo is itself
        recorded (kind ``"undo"``).
        """
        if user is not None and (not isinstance(user, str) or not user):
            return failure(
                "MALFORMED",
                f"user: {abbreviate(user)} — give a non-empty str",
                kind="undo",
                version=self.version,
            )
        who = user or self.user
        group = self.oplog.undo_group(who)
        grouped = bool(group) and self.oplog.group_of(group[0].op_id) is not None
        rec = (group_record(group, self._names, self.core.worker_at) if grouped else None) or (
            self.oplog.undo_candidate(who)
        )
        if rec is None:
            return failure(
                "NOTHING_TO_UNDO",
                f"{who} has no edit to undo",
                kind="undo",
                version=self.version,
                user=who,
            )
        return revert(self, rec, who, "undo", force)

    def redo(self, user: str | None = None, *, force: bool = False) -> OpResult:
        """Re-apply ``user``'s most recently undone edit (same checks as :meth:`undo`)."""
        if user is not None and (not isinstance(user, str) or not user):
            return failure(
                "MALFORMED",
                f"user: {abbreviate(user)} — give a non-empty str",
                kind="redo",
                version=self.version,
            )
        who = user or self.user
        rec = self.oplog.redo_candidate(who)
        if rec is None:
            return failure(
                "NOTHING_TO_REDO",
                f"{who} has no undone edit to redo",
                kind="redo",
                version=self.version,
                user=who,
            )
        return revert(self, rec, who, "redo", force)

    # ------------------------------------------------------------------ reading
    @property
    def cell_version(self) -> np.ndarray:
        """``cell_version[d, s]``: the version that last changed cell (day ``d``, post ``s``);
        0 = never (int64, days x posts)."""
        return self._cell_version

    @cell_version.setter
    def cell_version(self, versions: np.ndarray) -> None:
        self._cell_version = versions
        # the same cells, as each edit writes them: one view per day (a row's element is a
        # one-dimensional subscript, cheaper than the two-dimensional one of the whole table)
        self._cell_versions = [row.data for row in versions]

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per occupied slot: date, post, shift, slot, worker, pinned, version (see
        :func:`rtsched_widgets.engine.frames.assignments`)."""
        return frames.assignments(self.problem, self.core, self.cell_version)

    def roster(self) -> pd.DataFrame:
        """Workers down (index: worker id), dates across (ISO strings), cell = shift id or ""."""
        return frames.roster_table(self.problem, self.core)

    def coverage(self) -> pd.DataFrame:
        """One row per (date, post) with demand: date, post, shift, required, maximum, filled,
        missing (= max(required - filled, 0))."""
        return frames.coverage(self.problem, self.core)

    def validate(self) -> pd.DataFrame:
        """Every current violation as a DataFrame (publishes ``validated``)."""
        with self._lock:
            frame = self.validator.violations()
            score = self.validator.score()
            version = self.version
        self._publish(
            "validated",
            {
                "version": version,
                "violations": len(frame),
                "hard": score.hard,
                "soft": float(score.soft),
            },
            self.user,
        )
        return frame

    def score(self) -> Any:
        """The current :class:`Score` (hard violation count, soft penalty)."""
        return self.validator.score()

    def suggest(self, date: Any, post: Any, k: int = 5, *, excluded: bool = True) -> pd.DataFrame:
        """Ranked candidate workers for ``(date, post)`` — see
        :func:`rtsched_widgets.engine.suggestions.suggest`."""
        from rtsched_widgets.engine.suggestions import suggest

        with self._lock:  # score_delta briefly applies changes to the validator's mirror
            return suggest(self, date, post, k=k, excluded=excluded)

    def analytics(self) -> Analytics:
        """Live analytics — see :func:`rtsched_widgets.engine.analytics.analytics`."""
        from rtsched_widgets.engine.analytics import analytics

        return analytics(self)

    def export_audit(self, path: str | Path, format: str = "csv") -> Path:
        """Write the audit trail of every kept op to ``path`` (csv, json or parquet)."""
        return self.oplog.export_audit(path, format)

    @property
    def undo_depth(self) -> int:
        """How many of the schedule user's edits can be undone in a row."""
        return self.oplog.undo_depth(self.user)

    @property
    def history(self) -> pd.DataFrame:
        """Every kept op, oldest first (columns of ``engine.history.AUDIT_COLUMNS``); the
        :class:`~rtsched_widgets.engine.history.History` object itself is :attr:`oplog`."""
        return self.oplog.to_frame()

    def history_frame(self, user: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The history (optionally of one user, newest ``limit``) as a DataFrame."""
        return self.oplog.to_frame(user=user, limit=limit)

    def __repr__(self) -> str:
        p = self.problem
        return (
            f"<Schedule {self.id} {p.name or p.profile}: {self.core.n_assigned} assignments, "
            f"version {self.version}, user {self.user!r}>"
        )

    # ------------------------------------------------------------------ branches
    def fork(self, user: str | None = None) -> Schedule:
        """An independent branch: same problem, copied roster, versions and validator state,
        fresh history and event bus. Merge it back with ``apply(branch)``."""
        from rtsched_widgets.engine.branch import fork

        return fork(self, user=user)

    def diff(self, other: Schedule) -> pd.DataFrame:
        """Slots that differ: date, post, shift, slot, this (worker id or None), other."""
        from rtsched_widgets.engine.branch import diff

        return diff(self, other)

    def _merge(
        self, branch: Schedule, *, force: bool, user: str | None, base_version: int | None
    ) -> OpResult:
        from rtsched_widgets.engine.branch import merge_targets

        try:
            targets = merge_targets(self, branch)
        except OpError as err:
            return failure(err.code, err.message, kind="merge", version=self.version)
        return run_edit(
            self,
            SetSlots(targets, "merge"),
            force=force,
            user=user,
            base_version=base_version,
            kind="merge",
        )

    # ------------------------------------------------------------------ generation
    def generate(
        self,
        strategy: str = "auto",
        time_limit: float = 10,
        seed: int = 0,
        keep: Any = "mandatory",
        *,
        user: str | None = None,
        cancel: threading.Event | None = None,
    ) -> OpResult:
        """Replace the roster with one built by a generation strategy, as one undoable step.

        ``strategy``: a registered name (``rtsched_widgets.solve.registry``); ``"auto"``
        chooses by the problem's profile and size, ``"greedy"`` is the fast, reproducible
        start. ``keep``: ``"mandatory"`` (default) keeps mandatory days as they are, ``"current"``
        keeps the whole current roster fixed, ``None`` keeps nothing; anything else is passed
        to the strategy unchanged. Publishes ``generation_started``, ``generation_progress``
        (from the strategy's progress reports) and ``generation_finished``.
        """
        return ports.solving().generate(
            self, strategy, time_limit=time_limit, seed=seed, keep=keep, user=user, cancel=cancel
        )

    # ------------------------------------------------------------------ live planning
    def start_solving(
        self,
        strategy: Any = "auto",
        time_limit: float = 60,
        seed: int = 0,
        scope: object = None,
        *,
        user: str | None = None,
    ) -> LiveSolve:
        """Run a generation strategy in the background while people keep editing.

        ``strategy``: a registered name or a ``rtsched_widgets.solve.Strategy``. Returns the
        running :class:`~rtsched_widgets.solve.solving.SolveJob`; its improvements are merged
        as edits by user ``"solver"`` without overwriting anyone's changes, and people's edits
        reach the running solver as fixed cells (see :mod:`rtsched_widgets.solve.solving`).
        ``scope``: what it may change (see :mod:`rtsched_widgets.engine.scope`; default
        everything). ``user``: who starts it (default: the schedule's user). SolverBusy when a
        run is going on.
        """
        return ports.solving().start(
            self,
            strategy=strategy,
            time_limit=time_limit,
            seed=seed,
            scope=scope,
            user=user or self.user,
        )

    @property
    def solving(self) -> LiveSolve | None:
        """The running live solve, or None."""
        job = self.live_solve
        return job if job is not None and job.running else None

    def stop_solving(self, user: str | None = None, *, wait: float | None = 5.0) -> bool:
        """Stop the running live solve (see :meth:`SolveJob.stop`) and wait up to ``wait``
        seconds for its last merge; False when none was running."""
        job = self.solving
        if job is None:
            return False
        stopped = job.stop(user=user or self.user)
        if wait:
            job.wait(wait)
        return stopped

    def repair(
        self,
        scope: object = "violations",
        time_limit: float = 10,
        max_changes: int | None = None,
        *,
        strategy: Any = "local_search",
        change_cost: float = 1.0,
        seed: int = 0,
        user: str | None = None,
    ) -> OpResult:
        """Re-plan only inside ``scope``, changing as few assignments as possible, as one step.

        See :func:`rtsched_widgets.solve.repair.repair`: ``strategy`` (a registered name or a
        ``rtsched_widgets.solve.Strategy``) re-plans the scope with
        everything else kept; then every change that does not pay for itself (fewer hard
        violations, or a soft penalty lower by more than ``change_cost`` per changed
        worker-day) is put back; ``max_changes`` caps the changes kept. The result's
        ``details`` hold ``cells_changed``, ``score_before`` and ``score_after``.
        """
        return ports.solving().repair(
            self,
            scope,
            time_limit=time_limit,
            max_changes=max_changes,
            strategy=strategy,
            change_cost=change_cost,
            seed=seed,
            user=user or self.user,
        )

    def mark_absent(
        self, worker: str, start: Any, end: Any | None = None, *, user: str | None = None
    ) -> OpResult:
        """Record that ``worker`` is unavailable from ``start`` to ``end`` (inclusive; one day
        when ``end`` is None): an availability change, undoable like an edit. Their shifts on
        those days become hard violations (see :meth:`repair`); nothing is unassigned."""
        from rtsched_widgets.engine.absence import mark_absent

        return mark_absent(self, worker, start, end, user=user or self.user)

    def replace_roster(
        self,
        roster: Roster,
        *,
        user: str | None,
        kind: str = "generate",
        event_extra: dict[str, Any] | None = None,
        label: str = "",
    ) -> OpResult:
        """Make the roster equal ``roster`` (of this schedule's problem) as one forced,
        undoable edit of kind ``kind``; ``event_extra`` is added to the payload of the edit's
        event; ``label`` is its history message, ``{n}`` standing for the slots changed. A
        failed NO_CHANGE result when ``roster`` equals the current one."""
        diff_mask = self.core.slots != roster.slots
        d, s, k = np.nonzero(diff_mask)
        targets = [
            (int(a), int(b), int(c), int(w))
            for a, b, c, w in zip(d, s, k, roster.slots[d, s, k], strict=True)
        ]
        return self.set_slots(
            SetSlots(targets, kind, label.format(n=len(targets))),
            user=user,
            force=True,
            event_extra=event_extra,
        )


def _make_validator(problem: Problem, roster: Roster) -> RuleEngine:
    from rtsched_widgets.rules.validator import Validator

    return Validator(problem, roster)
