"""Replication between a :class:`~rtsched_widgets.engine.schedule.Schedule` and a store, plus
the collaboration state of one schedule (users, presence, locks, conflicts).

A :class:`Session` is attached to a schedule as ``schedule.collab``:

* with a store URL (``Schedule(problem, store="sqlite:///plan.db")``) the session *replicates*:
  opening resumes the schedule from the store (problem document and every op, with their
  users, into the history); every local edit is appended to the store's log before it changes
  anything (an edit is acknowledged only once the store holds it durably; when another process
  appended first, the session catches up and the engine re-checks the edit against the new
  state); a change feed applies other processes' ops through the same edit path (kind
  ``remote``: no rule is re-checked, the op's author decided) and publishes ``remote_applied``.
  Every replica applies the same log in the same order, so all converge to the same roster.
* without a store (``schedule.collaborate()``) the session keeps users, presence and locks in a
  private in-memory store: several people sharing one kernel (JupyterLab real-time
  collaboration) still get presence, locks and conflict policies.

Locks and presence are leases in the store, so every process sees the same ones. The session
watches them through the store's change feed and publishes on the schedule's bus every change,
whoever made it (this process, another process on the same store, or expiry of a lease whose
holder stopped renewing it):

* ``lock_acquired`` / ``lock_released`` with payload ``{"target", "kind", "user", "remote"}``
  (``user``: the holder; ``kind``: ``cell``, ``row`` or ``worker``; ``remote``: the holder
  is not a user joined in this session). A lock taken over after expiry gives
  ``lock_released`` for the old holder, then ``lock_acquired`` for the new one; a renewal
  publishes nothing. Each change is published once per schedule, in the order the store
  saw it; local changes before ``lock``/``unlock`` return, others within the feed's
  poll interval (SQLite: its ``data_version`` poll; PostgreSQL: LISTEN/NOTIFY) and expiries
  within :attr:`~rtsched_widgets.collab.store.Watch.poll_interval` seconds of the deadline.
* ``user_joined`` / ``user_left`` / ``presence`` (see :mod:`rtsched_widgets.collab.presence`).

Snapshots: a replicating session keeps a snapshot of the schedule in the store (see
:mod:`rtsched_widgets.collab.snapshot` for what it holds) every ``snapshot_every`` ops (default
1,000; 0 = never) and when it closes, so opening costs loading the newest snapshot plus
replaying the ops after it instead of the whole log. Snapshots are written by a thread of the
session, never on the path of an edit: the state is copied under the schedule's lock (arrays
and references to the immutable history records), encoded and written outside it, in a
transaction of its own. A snapshot that is damaged (checksum) is passed over for the previous
one, one that does not fit the schedule for a full replay: the op log stays the truth.
``snapshots=False`` neither reads nor writes them.

Listeners of these events run in the thread that noticed the change (the caller's, or the
feed's) while the session holds its lease lock: they may call the session again from that
thread.

The stored problem document is ``{"format": "rtsched_widgets.schedule", "problem":
problem_to_dict(problem)}``; opening a store that holds another problem under the same
schedule id is refused.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rtsched_widgets.collab.conflicts import ConflictQueue
from rtsched_widgets.collab.locks import lock_target, touched_targets
from rtsched_widgets.collab.presence import Presence
from rtsched_widgets.collab.store import LogEntry, StaleVersion, Store, open_store
from rtsched_widgets.collab.store.codec import op_targets, record_to_op
from rtsched_widgets.engine.pipeline import StoreBehind

if TYPE_CHECKING:
    from rtsched_widgets.engine.history import OpRecord
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.problem import Problem

__all__ = [
    "DEFAULT_SCHEDULE_ID",
    "DOCUMENT_FORMAT",
    "Session",
    "attach",
    "open_schedule",
    "problem_document",
]

logger = logging.getLogger("rtsched_widgets.collab")

DOCUMENT_FORMAT = "rtsched_widgets.schedule"
#: Schedule id used in a store when none is given.
DEFAULT_SCHEDULE_ID = "main"


def problem_document(problem: Problem) -> dict[str, Any]:
    """The document a store keeps for a schedule of ``problem`` (JSON round-tripped)."""
    from rtsched_widgets.model.io.native import problem_to_dict

    doc = {"format": DOCUMENT_FORMAT, "problem": problem_to_dict(problem)}
    parsed: dict[str, Any] = json.loads(json.dumps(doc))
    return parsed


class Session:
    """Collaboration state and store replication of one schedule (see the module docstring).

    ``lock_ttl`` / ``presence_ttl``: seconds a lock / presence lease lives without renewal;
    the heartbeat renews the leases of active local users every ``heartbeat`` seconds.
    ``snapshot_every``: ops between two snapshots of a replicated schedule (0: none but the
    one on close); ``snapshots``: read and write snapshots at all (False: every open replays
    the whole log). ``restored_from``: the version of the snapshot this session opened from
    (0: none).
    """

    def __init__(
        self,
        schedule: Schedule,
        store: str | Store | None = None,
        *,
        lock_ttl: float = 30.0,
        presence_ttl: float = 30.0,
        heartbeat: float | None = None,
        snapshot_every: int = 1000,
        snapshots: bool = True,
    ) -> None:
        if isinstance(snapshot_every, bool) or not isinstance(snapshot_every, int):
            raise ValueError(f"snapshot_every: {snapshot_every!r} — give an int >= 0")
        if snapshot_every < 0:
            raise ValueError(f"snapshot_every: {snapshot_every!r} — give an int >= 0")
        self.schedule = schedule
        self.replicate = store is not None and store != "memory"
        self._owns_store = not isinstance(store, Store)
        self.store: Store = open_store(None if store == "memory" else store)
        self.schedule_id: str = schedule.id
        self.lock_ttl = float(lock_ttl)
        self.conflicts = ConflictQueue()
        self.presence = Presence(self, float(presence_ttl))
        self.watch: Any = None
        self._lock_count = 0
        self._lease_lock = threading.RLock()
        self._known_locks: dict[str, str] = {}  # target -> holder, as last published
        self._stop = threading.Event()
        self._heartbeat_s = heartbeat or max(0.05, min(lock_ttl, presence_ttl) / 3)
        self._thread: threading.Thread | None = None
        self.snapshots = bool(snapshots) and self.replicate
        self.snapshot_every = snapshot_every
        self.restored_from = 0
        self._snapshot_version = 0  # newest snapshot known to be in the store
        self._snapshot_due = threading.Event()
        self._snapshot_lock = threading.Lock()
        self._snapshot_thread: threading.Thread | None = None

    # ---- opening --------------------------------------------------------------------------
    def start(self) -> None:
        """Create or resume the schedule in the store, start the change feed and heartbeat."""
        doc = problem_document(self.schedule.problem)
        if self.replicate:
            created = self.store.ensure(self.schedule_id, doc)
            if not created:
                self._resume(doc)
            self.watch = self.store.watch(
                self.schedule_id,
                self._on_feed,
                after_version=self.schedule.version,
                on_leases=self._on_leases,
            )
        else:
            self.store.ensure(self.schedule_id, doc)
            # nothing is replicated, but leases still expire and may be shared (memory://name)
            self.watch = self.store.watch(self.schedule_id, _no_ops, on_leases=self._on_leases)
        self._thread = threading.Thread(
            target=self._beat, name=f"rtsched-collab-{self.schedule_id}", daemon=True
        )
        self._thread.start()
        if self.snapshots and self.snapshot_every:
            self._snapshot_thread = threading.Thread(
                target=self._snapshotter,
                name=f"rtsched-snapshot-{self.schedule_id}",
                daemon=True,
            )
            self._snapshot_thread.start()

    def _resume(self, doc: dict[str, Any]) -> None:
        """Rebuild the schedule from the store: the newest snapshot that fits plus the ops
        after it, or every op (no snapshot, ``snapshots=False``, or none that fits)."""
        from rtsched_widgets.collab.snapshot import SnapshotError, restore

        if not self.snapshots:
            stored, log = self.store.load(self.schedule_id)
            self._check_document(stored, doc)
            with self.schedule.lock:
                for entry in log:
                    self._apply_entry(entry)
            return
        found = self.store.resume(self.schedule_id)
        self._check_document(found.doc, doc)
        tail = found.tail
        with self.schedule.lock:
            if found.snapshot is not None:
                head = found.snapshot.version + len(tail)
                try:
                    restore(self.schedule, found.snapshot.state, head)
                    self.restored_from = self._snapshot_version = found.snapshot.version
                except SnapshotError as exc:
                    logger.warning(
                        "snapshot %s of %r not used (%s): replaying the whole log",
                        found.snapshot.version,
                        self.schedule_id,
                        exc,
                    )
                    tail = self.store.entries(self.schedule_id, 0)
            for entry in tail:
                self._apply_entry(entry)

    def _check_document(self, stored: dict[str, Any], doc: dict[str, Any]) -> None:
        if stored != doc:
            raise ValueError(
                f"store: schedule {self.schedule_id!r} in {self.store.url!r} holds "
                "another problem — open it with rtsched_widgets.collab.sync."
                "open_schedule(store) or give another schedule_id"
            )

    # ---- snapshots ------------------------------------------------------------------------
    def snapshot(self) -> int | None:
        """Write a snapshot of the schedule now (see the module notes); its version, or None
        when there is nothing newer than the last one or the history holds a record a
        snapshot cannot keep. Raises the store's error when the write fails."""
        from rtsched_widgets.collab.snapshot import capture, encode

        if not self.snapshots:
            return None
        with self._snapshot_lock:  # one writer per session: versions only grow
            with self.schedule.lock:
                version = self.schedule.version
                if version <= self._snapshot_version:
                    return None
                captured = capture(self.schedule)
            if captured is None:
                return None
            self.store.save_snapshot(self.schedule_id, version, encode(captured))
            self._snapshot_version = max(self._snapshot_version, version)
            return version

    def _note_version(self, version: int) -> None:
        """An op at ``version`` is applied (or about to be): wake the snapshot thread when
        ``snapshot_every`` ops passed since the last snapshot."""
        every = self.snapshot_every
        if every and self.snapshots and version - self._snapshot_version >= every:
            self._snapshot_due.set()

    def _snapshotter(self) -> None:
        while not self._stop.is_set():
            self._snapshot_due.wait()
            self._snapshot_due.clear()
            if self._stop.is_set():
                break
            try:
                newest = self.store.snapshots(self.schedule_id)
                if newest and newest[0] > self._snapshot_version:
                    self._snapshot_version = newest[0]  # another replica wrote one
                if self.schedule.version - self._snapshot_version >= self.snapshot_every:
                    self.snapshot()
            except Exception:  # busy or closing: the next op due wakes us again
                logger.warning("snapshot of %r failed", self.schedule_id, exc_info=True)

    # ---- replication ----------------------------------------------------------------------
    def persist(self, record: OpRecord) -> None:
        """Append a local op durably at ``record.version``; StoreBehind when another process
        appended first (nothing is written then)."""
        if not self.replicate:
            return
        try:
            self.store.append(self.schedule_id, record_to_op(record), record.version - 1)
        except StaleVersion:
            raise StoreBehind(record.version - 1) from None
        self._note_version(record.version)  # the thread waits for the schedule's lock

    def catch_up(self) -> int:
        """Apply every op of the store newer than the schedule's version; how many."""
        if not self.replicate:
            return 0
        with self.schedule.lock:
            entries = self.store.entries(self.schedule_id, self.schedule.version)
            for entry in entries:
                self._apply_entry(entry)
        self._note_version(self.schedule.version)
        return len(entries)

    def _on_feed(self, entries: list[LogEntry]) -> None:
        with self.schedule.lock:
            for entry in entries:
                self._apply_entry(entry)
        self._note_version(self.schedule.version)

    def _apply_entry(self, entry: LogEntry) -> None:
        version = self.schedule.version
        if entry.version <= version:
            return  # our own op, or one caught up already
        if entry.version != version + 1:  # a gap: read what is missing first
            for missing in self.store.entries(self.schedule_id, version):
                if missing.version < entry.version:
                    self._apply_entry(missing)
        targets = op_targets(entry.op, self.schedule.problem)
        result = self.schedule.apply_remote(entry.version, entry.op, targets)
        if not result.ok:
            logger.error("remote op %s not applied: %s", entry.op.get("op_id"), result.message)
            raise RuntimeError(f"remote op {entry.op.get('op_id')}: {result.message}")

    # ---- locks ----------------------------------------------------------------------------
    def lock(
        self,
        kind: str,
        what: Any,
        post: Any = None,
        *,
        user: str | None = None,
        ttl: float | None = None,
    ) -> bool:
        """Lock a cell (``kind="cell"``, ``what`` = date, ``post``), a row (``"row"``, date) or
        a worker (``"worker"``, worker id) for ``user`` (default: the schedule's user) during
        ``ttl`` seconds (renewed while the user is present). True if the user holds it now;
        False if someone else does. Publishes ``lock_acquired``."""
        who = user or self.schedule.user
        target = lock_target(self.schedule.problem, kind, what, post)
        if who not in self.presence.local_users():
            self.presence.join(who)
        ok = self.store.acquire_lock(self.schedule_id, target, who, ttl or self.lock_ttl)
        if ok:
            self._lock_count += 1
            self.sync_locks()
        return ok

    def unlock(self, kind: str, what: Any, post: Any = None, *, user: str | None = None) -> bool:
        """Release ``user``'s lock; True if they held it. Publishes ``lock_released``."""
        who = user or self.schedule.user
        target = lock_target(self.schedule.problem, kind, what, post)
        ok = self.store.release_lock(self.schedule_id, target, who)
        self.sync_locks()
        return ok

    def locks(self) -> list[dict[str, Any]]:
        """The live locks: target, kind, holder, expires_at."""
        return [
            {
                "target": x.target,
                "kind": x.target.split(":", 1)[0],
                "holder": x.holder,
                "expires_at": x.expires_at,
            }
            for x in self.store.locks(self.schedule_id)
        ]

    def drop_holder(self, name: str) -> None:
        """Drop every lock and the presence of ``name`` (publishing ``lock_released``)."""
        self.store.release_all(name, self.schedule_id)
        self.sync_locks()

    def sync_locks(self) -> frozenset[tuple[str, str]]:
        """Read the live locks from the store and publish ``lock_acquired`` /
        ``lock_released`` for every difference with what was published before (see the
        module docstring). Reading and publishing happen under one lock, so each change is
        published once and in order whichever thread notices it. Returns the ``(target,
        holder)`` pairs read (what is published from now on)."""
        with self._lease_lock:
            current = {x.target: x.holder for x in self.store.locks(self.schedule_id)}
            before, self._known_locks = self._known_locks, current
            local = set(self.presence.local_users())
            for target, holder in sorted(before.items()):
                if current.get(target) != holder:
                    self._publish_lock("lock_released", target, holder, local)
            for target, holder in sorted(current.items()):
                if before.get(target) != holder:
                    self._publish_lock("lock_acquired", target, holder, local)
            return frozenset(current.items())

    def _publish_lock(self, type_: str, target: str, holder: str, local: set[str]) -> None:
        kind = target.split(":", 1)[0]
        payload = {"target": target, "kind": kind, "user": holder, "remote": holder not in local}
        self.publish(type_, payload, holder)

    def _on_leases(
        self, locks: list[Any], presence: list[Any]
    ) -> frozenset[tuple[str, str]] | None:
        """Change feed of the leases: something changed (any process, or an expiry). Returns
        the locks ``sync_locks`` read, which the feed compares the next changes with."""
        if self._stop.is_set():
            return None
        self.presence.poll()  # joins first: a lock's holder is known when it is published
        return self.sync_locks()

    def check_locks(self, slot_changes: Any, user: str) -> None:
        """Raise OpError LOCKED when the change touches a target locked by another user."""
        if not self.replicate and self._lock_count == 0:
            return  # nobody ever locked anything here
        live = self.store.locks(self.schedule_id)
        if not live:
            return
        others = {x.target: x.holder for x in live if x.holder != user}
        if not others:
            return
        s = self.schedule
        touched = touched_targets(s.problem, s.iso_dates, slot_changes)
        for target, what in touched.items():
            holder = others.get(target)
            if holder is not None:
                from rtsched_widgets.engine.result import OpError

                raise OpError(
                    "LOCKED",
                    f"{what} is locked by {holder} — ask them, or wait until they release it",
                    details={"holder": holder, "target": target},
                )

    # ---- conflicts (manual policy) ---------------------------------------------------------
    def queue_conflict(
        self, user: str, op: Mapping[str, Any], base_version: int, force: bool, cells: Any
    ) -> Any:
        """Queue a stale edit and publish ``conflict_detected``; returns the Conflict."""
        c = self.conflicts.add(user, op, base_version, force, cells)
        self.publish(
            "conflict_detected",
            {"conflict_id": c.id, "user": user, "base_version": base_version, "cells": cells},
            user,
        )
        return c

    def resolve(self, conflict_id: str, accept: bool, *, user: str | None = None) -> Any:
        """Accept (apply the queued edit as its author, under every rule and lock, without the
        stale check) or reject an open conflict; ``user`` is who decides. Returns the
        OpResult of the applied edit (None when rejected). An accepted edit that is refused
        now (e.g. it breaks a hard rule in the current state) leaves the conflict open.
        Publishes ``conflict_resolved`` once the conflict is closed."""
        s = self.schedule
        who = user or s.user
        c = self.conflicts.get(conflict_id)
        if c.status != "open":
            raise ValueError(
                f"conflict_id: {conflict_id!r} is already {c.status} by {c.resolved_by}"
            )
        result = None
        if accept:
            result = s.apply(c.op, user=c.user, force=c.force)
            c.result = result.message
            if not result.ok:
                return result
        c.status = "accepted" if accept else "rejected"
        c.resolved_by = who
        self.publish(
            "conflict_resolved",
            {
                "conflict_id": c.id,
                "status": c.status,
                "author": c.user,
                "resolved_by": who,
                "op_id": None if result is None else result.op_id,
            },
            who,
        )
        return result

    # ---- events and life cycle -----------------------------------------------------------
    def publish(self, type_: str, payload: Mapping[str, Any], user: str | None) -> None:
        """Publish on the schedule's bus."""
        self.schedule.events.publish(type_, dict(payload), user)

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat_s):
            try:
                self.presence.renew()
                self.presence.poll()
            except Exception:  # the store may be busy or closing: try again next beat
                logger.debug("collab heartbeat failed", exc_info=True)

    def close(self) -> None:
        """Leave with every local user, stop the feed and heartbeat, close an owned store."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._snapshot_due.set()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join(30)
        if self.snapshots:
            try:
                self.snapshot()
            except Exception:
                logger.warning("snapshot of %r on close failed", self.schedule_id, exc_info=True)
        for name in self.presence.local_users():
            try:
                self.presence.leave(name)
            except Exception:
                logger.debug("leaving failed", exc_info=True)
        if self.watch is not None:
            self.watch.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        if self._owns_store:
            self.store.close()

    def __repr__(self) -> str:
        mode = "replicating" if self.replicate else "local"
        return f"<Session {self.schedule_id!r} {mode} {self.store!r}>"


def _no_ops(entries: list[LogEntry]) -> None:
    """The op callback of a session that does not replicate (its store log stays empty)."""


def attach(schedule: Schedule, store: str | Store | None = None, **options: Any) -> Session:
    """Attach a started :class:`Session` to ``schedule`` (``schedule.collab``)."""
    session = Session(schedule, store, **options)
    schedule.collab = session
    try:
        session.start()
    except BaseException:
        schedule.collab = None
        session.close()
        raise
    return session


def open_schedule(
    store: str | Store, schedule_id: str = DEFAULT_SCHEDULE_ID, user: str = "anonymous", **kw: Any
) -> Schedule:
    """Open the schedule ``schedule_id`` kept in ``store``, problem included."""
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.io.native import problem_from_dict

    handle = open_store(store)
    try:
        doc = handle.document(schedule_id)
    finally:
        if not isinstance(store, Store):
            handle.close()
    if doc.get("format") != DOCUMENT_FORMAT:
        raise ValueError(
            f"store: schedule {schedule_id!r} is not a rtsched_widgets schedule "
            f"(format {doc.get('format')!r})"
        )
    problem = problem_from_dict(doc["problem"])
    return Schedule(problem, store=store, user=user, schedule_id=schedule_id, **kw)
