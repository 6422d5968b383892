"""The shared store: a durable, append-only op log per schedule plus a change feed, locks and
presence, so several kernels, processes or servers can edit one schedule.

Model
-----
A store holds any number of *schedules*, each named by a ``schedule_id`` (a non-empty str of at
most 200 characters). A schedule has a *problem document* (a JSON object given at
:meth:`Store.create`, never changed afterwards) and an *op log*: JSON objects numbered by
*version* 1, 2, 3, ... without gaps. The *head* is the version of the last op (0 for an empty
log). The state of a schedule is "the problem, then ops 1..head applied in order".

Writes are optimistic: :meth:`Store.append` succeeds only when the caller's ``expected_version``
equals the head, so a writer that has not seen every op cannot append; it gets
:class:`StaleVersion` carrying the current head, reads the missing ops, re-validates its edit and
retries. When ``append`` returns, the op is durable (committed and flushed per the backend's
durability setting) and every process reading the store will see it.

Change feed: :meth:`Store.watch` starts a background thread that calls back with every op
appended after a given version, in version order, each exactly once — including ops appended by
the same process (callers skip the versions they already hold). Given ``on_leases``, the same
thread also reports every change of the schedule's live locks and presence entries, whichever
process made it, expiry included.

Locks and presence are leases: each row has a time to live; :meth:`Store.heartbeat` renews every
lease of a holder; a lease that is not renewed in time expires and is no longer reported, so a
client that vanishes loses its locks and presence without any clean-up on its side.
Lock targets are opaque strings chosen by the engine (e.g. ``"cell:2026-01-05:0"``,
``"worker:W01"``); the store only guarantees that one target has at most one live holder.

Snapshots: :meth:`Store.save_snapshot` keeps a JSON object standing for the state after a given
version (what the engine rebuilds by replaying ops 1..version), with a SHA-256 checksum of its
text; the newest ``keep`` snapshots of a schedule are kept. :meth:`Store.resume` reads, in one
consistent read, the problem document, the newest snapshot whose checksum matches and the ops
after it — the snapshot is an optimisation only: the op log stays complete and authoritative,
so a snapshot that is missing, damaged or refused by the engine costs a longer replay, never an
edit. A snapshot is written in one transaction of its own, so a writer killed while writing one
leaves either the whole snapshot or none, and never touches the log.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "SCHEMA_VERSION",
    "LockInfo",
    "LogEntry",
    "PresenceInfo",
    "Resume",
    "ScheduleExists",
    "SchemaMismatch",
    "Snapshot",
    "StaleVersion",
    "Store",
    "StoreError",
    "UnknownSchedule",
    "Watch",
]

#: Version of the table layout written by this package; kept in the store's meta table.
SCHEMA_VERSION = 1

_MAX_ID = 200
_TARGET_RE = re.compile(r"^\S(.*\S)?$", re.DOTALL)


class StoreError(Exception):
    """Base class of the store's errors."""


class StaleVersion(StoreError):
    """``append`` was called with an ``expected_version`` that is not the log head.

    ``current`` is the head at the time of the refusal; read the ops after your version,
    re-validate the edit against them and retry with the new head.
    """

    def __init__(self, schedule_id: str, expected: int, current: int) -> None:
        self.schedule_id = schedule_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"schedule {schedule_id!r}: expected version {expected} but the log head is "
            f"{current} — read the ops after {expected} and retry against version {current}"
        )


class UnknownSchedule(StoreError, KeyError):
    """No schedule with this id exists in the store."""

    def __init__(self, schedule_id: str) -> None:
        self.schedule_id = schedule_id
        super().__init__(
            f"no schedule {schedule_id!r} in this store — create it first with "
            "store.create(schedule_id, problem_doc)"
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ScheduleExists(StoreError):
    """``create`` was called for a schedule id that already exists."""

    def __init__(self, schedule_id: str) -> None:
        self.schedule_id = schedule_id
        super().__init__(
            f"schedule {schedule_id!r} already exists in this store — load it with "
            "store.load(schedule_id), or pick another id"
        )


class SchemaMismatch(StoreError):
    """The database was written with another table layout than this package reads."""

    def __init__(self, where: str, found: int | str) -> None:
        self.where = where
        self.found = found
        self.expected = SCHEMA_VERSION
        if isinstance(found, int) and found > SCHEMA_VERSION:
            fix = (
                "upgrade rtsched_widgets to a release that reads that schema version, "
                "or point this schedule at another store"
            )
        else:
            fix = (
                "the database predates this release: export its schedules with the release "
                "that wrote it and import them into a new store, or point at another store"
            )
        super().__init__(
            f"store {where}: schema version {found} in the database, but this rtsched_widgets "
            f"reads schema version {SCHEMA_VERSION} — {fix}"
        )


class LogEntry(NamedTuple):
    """One op of a schedule's log: its ``version`` (1-based, contiguous) and the op object."""

    version: int
    op: dict[str, Any]


class Snapshot(NamedTuple):
    """A stored snapshot: the ``state`` (a JSON object) after op ``version`` of the log."""

    version: int
    state: dict[str, Any]


class Resume(NamedTuple):
    """What :meth:`Store.resume` reads: the problem document, the newest valid snapshot (None
    when there is none) and the ops after it (after version 0 without a snapshot)."""

    doc: dict[str, Any]
    snapshot: Snapshot | None
    tail: list[LogEntry]


def snapshot_checksum(text: str) -> str:
    """The checksum stored beside a snapshot's JSON text (SHA-256, hex)."""
    return hashlib.sha256(text.encode()).hexdigest()


def pick_snapshot(rows: Any, skip: Any = ()) -> tuple[int, dict[str, Any] | None]:
    """``(version, state)`` of the first row ``(version, text, checksum)`` (newest first) whose
    version is not in ``skip``, whose checksum matches its text and whose text is a JSON object;
    ``(0, None)`` when none is. Damaged rows are passed over: the older one, or the whole log,
    stands in for them."""
    for version, text, checksum in rows:
        if int(version) in skip or snapshot_checksum(text) != checksum:
            continue
        try:
            state = json.loads(text)
        except ValueError:
            continue
        if isinstance(state, dict):
            return int(version), state
    return 0, None


@dataclass(frozen=True, slots=True)
class LockInfo:
    """A live lock: ``holder`` holds ``target`` of ``schedule_id`` until ``expires_at``
    (seconds since the epoch, UTC; a heartbeat pushes it to now + ``ttl``)."""

    schedule_id: str
    target: str
    holder: str
    ttl: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class PresenceInfo:
    """A live presence entry: ``user`` is on ``schedule_id`` with ``info`` (e.g. selection)
    until ``expires_at`` (seconds since the epoch, UTC)."""

    schedule_id: str
    user: str
    info: dict[str, Any]
    ttl: float
    expires_at: float


# -- argument checks --------------------------------------------------------------------------


def check_id(value: Any, field_name: str = "schedule_id") -> str:
    """``value`` if it is a valid id (non-empty str, <= 200 chars, no surrounding blanks)."""
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        raise ValueError(
            f"{field_name}: {value!r} is not a valid id — give a non-empty str of at most "
            f"{_MAX_ID} characters"
        )
    if not _TARGET_RE.match(value):
        raise ValueError(f"{field_name}: {value!r} has leading/trailing blanks — strip them")
    return value


def check_version(value: Any, field_name: str = "expected_version") -> int:
    """``value`` if it is an int >= 0 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field_name}: {value!r} is not a version — give an int >= 0")
    return value


def check_ttl(value: Any) -> float:
    """``value`` as a float if it is a finite number of seconds > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"ttl: {value!r} is not a number of seconds — give a float > 0")
    ttl = float(value)
    if not math.isfinite(ttl) or ttl <= 0:
        raise ValueError(f"ttl: {value!r} must be a finite number of seconds > 0")
    return ttl


def encode_object(value: Any, field_name: str) -> str:
    """The compact JSON text of a JSON object (dict with str keys); ValueError naming the field
    when ``value`` is not a dict or holds something JSON cannot represent exactly (NaN, sets,
    dates, objects...)."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{field_name}: {type(value).__name__} is not a JSON object — give a dict")
    try:
        return json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{field_name}: not JSON-serialisable ({exc}) — use str/int/float/bool/None, "
            "lists and dicts with str keys only (dates as ISO strings)"
        ) from exc


def decode_object(text: str | bytes) -> dict[str, Any]:
    """The dict stored as JSON ``text``."""
    value = json.loads(text)
    if not isinstance(value, dict):  # pragma: no cover - only ever written by encode_object
        raise StoreError(f"corrupt store row: expected a JSON object, got {type(value).__name__}")
    return value


# -- the store ------------------------------------------------------------------------------


class Store(ABC):
    """A shared, durable store of schedules (see the module docstring for the model).

    Thread safe: one Store may be used from any number of threads of one process. A Store must
    not be carried across ``fork``; open one per process (several processes — or machines, for
    PostgreSQL — opening the same URL share the data). Use as a context manager or call
    :meth:`close`, which also stops every watch started on it.
    """

    #: The URL the store was opened with (``"memory"`` for a private in-memory store).
    url: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._watches: set[Watch] = set()
        self._watches_lock = threading.Lock()
        self._closed = False

    # ---- schedules and the op log --------------------------------------------------------
    def create(self, schedule_id: str, problem_doc: Mapping[str, Any]) -> None:
        """Create schedule ``schedule_id`` with its problem document and an empty log (head 0).

        Raises :class:`ScheduleExists` if the id is taken (atomically: of two concurrent
        creators exactly one succeeds) and ValueError if the document is not a JSON object.
        """
        self._check_open()
        sid = check_id(schedule_id)
        self._create(sid, encode_object(problem_doc, "problem_doc"), time.time())

    def ensure(self, schedule_id: str, problem_doc: Mapping[str, Any]) -> bool:
        """Create the schedule unless it exists; True if this call created it.

        The document of an existing schedule is left as it is (compare it with :meth:`load`).
        """
        try:
            self.create(schedule_id, problem_doc)
        except ScheduleExists:
            return False
        return True

    def load(self, schedule_id: str) -> tuple[dict[str, Any], list[LogEntry]]:
        """The problem document and the whole op log (one consistent snapshot)."""
        self._check_open()
        doc_text, rows = self._load(check_id(schedule_id))
        return decode_object(doc_text), [LogEntry(v, decode_object(t)) for v, t in rows]

    def append(self, schedule_id: str, op: Mapping[str, Any], expected_version: int) -> int:
        """Append ``op`` as version ``expected_version + 1`` if the head is ``expected_version``.

        Returns the new version. On return the op is durable. Raises :class:`StaleVersion`
        (with the current head) when the head differs, :class:`UnknownSchedule` for an unknown
        id, and ValueError for an op that is not a JSON object; nothing is written then.
        """
        self._check_open()
        sid = check_id(schedule_id)
        expected = check_version(expected_version)
        return self._append(sid, encode_object(op, "op"), expected, time.time())

    def read(self, schedule_id: str, after_version: int = 0) -> list[dict[str, Any]]:
        """The ops with version > ``after_version`` in version order (the first one has version
        ``after_version + 1``); empty when ``after_version`` >= head."""
        return [e.op for e in self.entries(schedule_id, after_version)]

    def entries(self, schedule_id: str, after_version: int = 0) -> list[LogEntry]:
        """Like :meth:`read`, with each op's version."""
        self._check_open()
        sid = check_id(schedule_id)
        after = check_version(after_version, "after_version")
        return [LogEntry(v, decode_object(t)) for v, t in self._read(sid, after)]

    def document(self, schedule_id: str) -> dict[str, Any]:
        """The problem document of a schedule (without reading its log)."""
        self._check_open()
        return decode_object(self._document(check_id(schedule_id)))

    # ---- snapshots -----------------------------------------------------------------------
    def save_snapshot(
        self, schedule_id: str, version: int, state: Mapping[str, Any], *, keep: int = 2
    ) -> bool:
        """Keep ``state`` (a JSON object) as the snapshot after op ``version`` (1..head) and
        drop all but the newest ``keep`` snapshots of the schedule, in one transaction. False
        (nothing written) when a snapshot of that version exists already; ValueError for a
        version above the head or a state that is not a JSON object."""
        self._check_open()
        sid = check_id(schedule_id)
        v = check_version(version, "version")
        if v < 1:
            raise ValueError("version: a snapshot stands for at least one op — give >= 1")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep: {keep!r} — give an int >= 1")
        text = encode_object(state, "state")
        return self._save_snapshot(sid, v, text, snapshot_checksum(text), time.time(), keep)

    def snapshots(self, schedule_id: str) -> list[int]:
        """The versions of the kept snapshots of a schedule, newest first."""
        self._check_open()
        return self._snapshot_versions(check_id(schedule_id))

    def resume(self, schedule_id: str, *, skip: Any = ()) -> Resume:
        """The problem document, the newest valid snapshot (its checksum matches and its text
        is a JSON object; versions in ``skip`` are passed over) and the ops after it, read as
        one consistent snapshot of the store. Without a valid snapshot: every op."""
        self._check_open()
        sid = check_id(schedule_id)
        doc, version, state, rows = self._resume(sid, frozenset(int(v) for v in skip))
        snap = None if state is None else Snapshot(version, state)
        return Resume(decode_object(doc), snap, [LogEntry(v, decode_object(t)) for v, t in rows])

    def head(self, schedule_id: str) -> int:
        """The version of the last op of the log (0 when empty)."""
        self._check_open()
        return self._head(check_id(schedule_id))

    def schedules(self) -> list[str]:
        """The ids of every schedule in the store, sorted."""
        self._check_open()
        return sorted(self._schedules())

    def exists(self, schedule_id: str) -> bool:
        """Whether the schedule exists."""
        try:
            self.head(schedule_id)
        except UnknownSchedule:
            return False
        return True

    def drop(self, schedule_id: str) -> None:
        """Delete a schedule with its log, locks and presence (UnknownSchedule if absent)."""
        self._check_open()
        self._drop(check_id(schedule_id))

    # ---- change feed ---------------------------------------------------------------------
    def watch(
        self,
        schedule_id: str,
        callback: Callable[[list[LogEntry]], Any],
        *,
        after_version: int | None = None,
        on_leases: Callable[[list[LockInfo], list[PresenceInfo]], Any] | None = None,
    ) -> Watch:
        """Call ``callback(entries)`` from a background thread with every op appended after
        ``after_version`` (default: the head now), in version order, each op exactly once,
        whichever process appended it. ``entries`` is a non-empty list of consecutive
        :class:`LogEntry`.

        ``on_leases(locks, presence)``, when given, is called from the same thread with the
        live locks and presence entries of the schedule (as :meth:`locks` and
        :meth:`presence` return them) once when the watch starts and then whenever that set
        changes: a lock taken, released or taken over, a presence entry added, changed
        (``info``) or removed, or any of them expired — by any process. A renewal that only
        moves ``expires_at`` is not a change. Changes are noticed on the backend's change
        signal (notification, ``data_version``) and at least every :attr:`Watch.poll_interval`
        seconds, which is how expiries (which write nothing) are seen; two changes in quick
        succession may be reported as one.

        A listener that reads the locks again itself (it may see a later state than the one it
        was given) returns the ``(target, holder)`` pairs it acted on; the watch then compares
        the next states with those, so a lock it saw taken and then released in between two
        passes is reported again, released. Any other return value is ignored.

        An exception raised by a callback is kept in :attr:`Watch.errors` and does not stop
        the feed. Stop with :meth:`Watch.stop` (or ``with store.watch(...)``); :meth:`close`
        stops all watches of the store.
        """
        self._check_open()
        sid = check_id(schedule_id)
        start = self.head(sid) if after_version is None else check_version(after_version)
        if after_version is not None:
            self._head(sid)  # UnknownSchedule now rather than in the thread
        w = Watch(self, sid, callback, start, on_leases=on_leases)
        with self._watches_lock:
            self._watches.add(w)
        w._start()
        return w

    def _forget_watch(self, w: Watch) -> None:
        with self._watches_lock:
            self._watches.discard(w)

    # ---- locks and presence --------------------------------------------------------------
    def acquire_lock(self, schedule_id: str, target: str, holder: str, ttl: float) -> bool:
        """Take (or renew, when ``holder`` already holds it) the lock on ``target`` for ``ttl``
        seconds. True if ``holder`` holds it afterwards; False if another holder has a live
        lock on it. An expired lock of anyone is taken over."""
        self._check_open()
        return self._acquire_lock(
            check_id(schedule_id),
            check_id(target, "target"),
            check_id(holder, "holder"),
            check_ttl(ttl),
        )

    def release_lock(self, schedule_id: str, target: str, holder: str) -> bool:
        """Release ``holder``'s lock on ``target``; True if it held a live one. A lock held by
        someone else is left alone."""
        self._check_open()
        return self._release_lock(
            check_id(schedule_id), check_id(target, "target"), check_id(holder, "holder")
        )

    def release_all(self, holder: str, schedule_id: str | None = None) -> int:
        """Drop every lock and presence entry of ``holder`` (in one schedule, or everywhere);
        the number of rows dropped. Call it on a clean disconnect."""
        self._check_open()
        sid = None if schedule_id is None else check_id(schedule_id)
        return self._release_all(check_id(holder, "holder"), sid)

    def locks(self, schedule_id: str) -> list[LockInfo]:
        """The live locks of a schedule, sorted by target."""
        self._check_open()
        return sorted(self._locks(check_id(schedule_id)), key=lambda x: x.target)

    def heartbeat(self, holder: str) -> int:
        """Renew every live lock and presence entry of ``holder`` (now + its own ttl); the
        number renewed. Entries that already expired are not revived."""
        self._check_open()
        return self._heartbeat(check_id(holder, "holder"))

    def set_presence(
        self, schedule_id: str, user: str, info: Mapping[str, Any], ttl: float
    ) -> None:
        """Say ``user`` is on the schedule with ``info`` (a JSON object, e.g. the selection)
        for ``ttl`` seconds; replaces the user's previous entry on that schedule."""
        self._check_open()
        self._set_presence(
            check_id(schedule_id),
            check_id(user, "user"),
            encode_object(info, "info"),
            check_ttl(ttl),
        )

    def clear_presence(self, schedule_id: str, user: str) -> bool:
        """Remove ``user``'s presence entry; True if there was a live one."""
        self._check_open()
        return self._clear_presence(check_id(schedule_id), check_id(user, "user"))

    def presence(self, schedule_id: str) -> list[PresenceInfo]:
        """The live presence entries of a schedule, sorted by user."""
        self._check_open()
        return sorted(self._presence(check_id(schedule_id)), key=lambda x: x.user)

    # ---- life cycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Stop every watch and release connections; further calls raise StoreError."""
        if self._closed:
            return
        with self._watches_lock:
            watches = list(self._watches)
        for w in watches:
            w.stop()
        self._closed = True
        self._close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.url!r} ({state})>"

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.url!r} is closed — open it again with open_store()")

    # ---- what a backend implements ---------------------------------------------------------
    @abstractmethod
    def _create(self, sid: str, doc: str, now: float) -> None: ...

    @abstractmethod
    def _load(self, sid: str) -> tuple[str, list[tuple[int, str]]]: ...

    @abstractmethod
    def _append(self, sid: str, op: str, expected: int, now: float) -> int: ...

    @abstractmethod
    def _read(self, sid: str, after: int) -> list[tuple[int, str]]: ...

    @abstractmethod
    def _head(self, sid: str) -> int: ...

    def _document(self, sid: str) -> str:
        """The problem document's text (a backend may read it without the log)."""
        return self._load(sid)[0]

    @abstractmethod
    def _save_snapshot(
        self, sid: str, version: int, text: str, checksum: str, now: float, keep: int
    ) -> bool: ...

    @abstractmethod
    def _snapshot_versions(self, sid: str) -> list[int]: ...

    @abstractmethod
    def _resume(
        self, sid: str, skip: frozenset[int]
    ) -> tuple[str, int, dict[str, Any] | None, list[tuple[int, str]]]:
        """(document text, snapshot version, snapshot state or None, rows of the ops after
        it), in one read; the snapshot chosen with :func:`pick_snapshot`."""

    @abstractmethod
    def _schedules(self) -> list[str]: ...

    @abstractmethod
    def _drop(self, sid: str) -> None: ...

    @abstractmethod
    def _acquire_lock(self, sid: str, target: str, holder: str, ttl: float) -> bool: ...

    @abstractmethod
    def _release_lock(self, sid: str, target: str, holder: str) -> bool: ...

    @abstractmethod
    def _release_all(self, holder: str, sid: str | None) -> int: ...

    @abstractmethod
    def _locks(self, sid: str) -> list[LockInfo]: ...

    @abstractmethod
    def _heartbeat(self, holder: str) -> int: ...

    @abstractmethod
    def _set_presence(self, sid: str, user: str, info: str, ttl: float) -> None: ...

    @abstractmethod
    def _clear_presence(self, sid: str, user: str) -> bool: ...

    @abstractmethod
    def _presence(self, sid: str) -> list[PresenceInfo]: ...

    def _leases(self, sid: str) -> tuple[list[LockInfo], list[PresenceInfo]]:
        """The live locks and presence of a schedule (a backend may read both at once)."""
        return self._locks(sid), self._presence(sid)

    @abstractmethod
    def _close(self) -> None: ...

    def _release_thread(self) -> None:  # noqa: B027 - optional hook
        """Free what the calling thread holds (called when a watch thread ends)."""

    @abstractmethod
    def _change_waiter(self, sid: str) -> ChangeWaiter:
        """A waiter owned by one watch thread (may hold its own connection)."""


class ChangeWaiter(ABC):
    """Blocks a watch thread until the log of one schedule may have grown.

    ``wait(timeout)`` returns early when a change is likely (a notification, a changed
    ``data_version``...) or :meth:`wake` was called, and otherwise after ``timeout`` seconds;
    spurious returns are fine, the watch compares heads. ``close`` releases what the waiter
    holds; it is called from the watch thread itself.
    """

    def __init__(self) -> None:
        self.woken = threading.Event()

    @abstractmethod
    def wait(self, timeout: float) -> None: ...

    def wake(self) -> None:
        """Make the current or next :meth:`wait` return at once (any thread may call it)."""
        self.woken.set()

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (default: nothing)."""


class Watch:
    """A running change feed (see :meth:`Store.watch`).

    ``delivered``: the version of the last op handed to the callback. ``errors``: exceptions
    raised by the callbacks or by reading the store (most recent last, at most 20 kept).
    """

    #: Longest pause between two checks of the head even without any notification.
    poll_interval = 0.5

    def __init__(
        self,
        store: Store,
        schedule_id: str,
        callback: Callable[[list[LogEntry]], Any],
        after_version: int,
        *,
        on_leases: Callable[[list[LockInfo], list[PresenceInfo]], Any] | None = None,
    ) -> None:
        self.store = store
        self.schedule_id = schedule_id
        self.callback = callback
        self.on_leases = on_leases
        self.delivered = after_version
        self._leases_seen: tuple[frozenset[Any], frozenset[Any]] | None = None
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, name=f"rtsched-watch-{schedule_id}", daemon=True
        )

    def _start(self) -> None:
        # The waiter is made here, in the caller's thread, so a notification channel is
        # listening before watch() returns: nothing appended afterwards can be missed.
        self._waiter = self.store._change_waiter(self.schedule_id)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._deliver_new()
                if self.on_leases is not None and not self._stop.is_set():
                    self._deliver_leases(self.on_leases)
                if self._stop.is_set():
                    break
                self._waiter.wait(self.poll_interval)
                self._waiter.woken.clear()
        finally:
            self._waiter.close()
            self.store._release_thread()
            with self._progress:
                self._progress.notify_all()

    def _deliver_new(self) -> None:
        try:
            if self.store._head(self.schedule_id) <= self.delivered:
                return
            rows = self.store._read(self.schedule_id, self.delivered)
            batch = [LogEntry(v, decode_object(t)) for v, t in rows]
        except Exception as exc:  # the store went away or the database is busy: retry later
            self._record(exc)
            return
        if not batch:
            return
        try:
            self.callback(batch)
        except Exception as exc:
            self._record(exc)
        with self._progress:
            self.delivered = batch[-1].version
            self._progress.notify_all()

    def _deliver_leases(
        self, on_leases: Callable[[list[LockInfo], list[PresenceInfo]], Any]
    ) -> None:
        try:
            locks, presence = self.store._leases(self.schedule_id)
        except Exception as exc:  # busy or going away: the next wake retries
            self._record(exc)
            return
        seen = (
            frozenset((x.target, x.holder) for x in locks),
            frozenset((x.user, json.dumps(x.info, sort_keys=True)) for x in presence),
        )
        if seen == self._leases_seen:
            return
        try:
            acted = on_leases(
                sorted(locks, key=lambda x: x.target), sorted(presence, key=lambda x: x.user)
            )
        except Exception as exc:
            # not marked as delivered: the next pass offers the same change again (a listener
            # that failed on a busy database must not lose a release for good)
            self._record(exc)
            return
        if isinstance(acted, frozenset):
            # the locks the listener read and acted on (possibly later than this snapshot):
            # the next pass compares with those, or a release right after would match the
            # older snapshot and never be offered
            seen = (acted, seen[1])
        self._leases_seen = seen

    def _record(self, exc: BaseException) -> None:
        self.errors.append(exc)
        del self.errors[:-20]

    def wait_for(self, version: int, timeout: float | None = None) -> bool:
        """Block until every op up to ``version`` was delivered (True) or ``timeout`` seconds
        passed or the watch stopped (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._progress:
            while self.delivered < version:
                if not self._thread.is_alive() and self._stop.is_set():
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._progress.wait(0.05 if left is None else min(left, 0.05))
        return True

    @property
    def running(self) -> bool:
        """Whether the feed thread is alive."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the feed and join its thread (no callback runs after this returns, unless the
        callback itself called ``stop``)."""
        self._stop.set()
        waiter = getattr(self, "_waiter", None)
        if waiter is not None:
            waiter.wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.store._forget_watch(self)

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
