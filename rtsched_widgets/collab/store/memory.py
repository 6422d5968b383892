"""The in-memory store: scratch space for one process (nothing survives the process).

``open_store("memory")`` (or ``None``) gives a private store; ``open_store("memory://name")``
gives the process-wide store of that name, so several schedules in one kernel can share it.
Expiry uses ``time.time()`` (or the ``clock`` given, for tests).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rtsched_widgets.collab.store.base import (
    ChangeWaiter,
    LockInfo,
    PresenceInfo,
    ScheduleExists,
    StaleVersion,
    Store,
    UnknownSchedule,
    decode_object,
    pick_snapshot,
)

__all__ = ["MemoryStore", "named_memory_store"]


@dataclass
class _Lease:
    holder: str
    ttl: float
    expires_at: float
    payload: str = ""


@dataclass
class _Log:
    doc: str
    ops: list[str] = field(default_factory=list)
    locks: dict[str, _Lease] = field(default_factory=dict)
    presence: dict[str, _Lease] = field(default_factory=dict)
    snapshots: dict[int, tuple[str, str]] = field(default_factory=dict)  # version -> text, sum


class _Data:
    """The shared content behind one or more MemoryStore handles."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.logs: dict[str, _Log] = {}
        self.waiters: weakref.WeakSet[_MemoryWaiter] = weakref.WeakSet()


_NAMED: dict[str, _Data] = {}
_NAMED_LOCK = threading.Lock()


class MemoryStore(Store):
    """A :class:`Store` held in this process's memory."""

    def __init__(
        self,
        url: str = "memory",
        *,
        clock: Callable[[], float] | None = None,
        _data: _Data | None = None,
    ) -> None:
        super().__init__(url)
        self._data = _data if _data is not None else _Data()
        self._clock = clock or time.time

    def _log(self, sid: str) -> _Log:
        try:
            return self._data.logs[sid]
        except KeyError:
            raise UnknownSchedule(sid) from None

    # -- log --------------------------------------------------------------------------------
    def _create(self, sid: str, doc: str, now: float) -> None:
        with self._data.lock:
            if sid in self._data.logs:
                raise ScheduleExists(sid)
            self._data.logs[sid] = _Log(doc)

    def _load(self, sid: str) -> tuple[str, list[tuple[int, str]]]:
        with self._data.lock:
            log = self._log(sid)
            return log.doc, list(enumerate(log.ops, start=1))

    def _append(self, sid: str, op: str, expected: int, now: float) -> int:
        decode_object(op)  # same round trip as the durable stores
        with self._data.lock:
            log = self._log(sid)
            if len(log.ops) != expected:
                raise StaleVersion(sid, expected, len(log.ops))
            log.ops.append(op)
            version = len(log.ops)
        self._wake(sid)
        return version

    def _wake(self, sid: str | None) -> None:
        """Wake the watches of schedule ``sid`` (of every schedule when None)."""
        with self._data.lock:
            waiters = [w for w in self._data.waiters if sid is None or w.sid == sid]
        for w in waiters:
            w.wake()

    def _read(self, sid: str, after: int) -> list[tuple[int, str]]:
        with self._data.lock:
            ops = self._log(sid).ops
            return [(v, ops[v - 1]) for v in range(after + 1, len(ops) + 1)]

    def _head(self, sid: str) -> int:
        with self._data.lock:
            return len(self._log(sid).ops)

    def _document(self, sid: str) -> str:
        with self._data.lock:
            return self._log(sid).doc

    # -- snapshots --------------------------------------------------------------------------
    def _save_snapshot(
        self, sid: str, version: int, text: str, checksum: str, now: float, keep: int
    ) -> bool:
        with self._data.lock:
            log = self._log(sid)
            if version > len(log.ops):
                raise ValueError(f"version: {version} is above the head {len(log.ops)} of {sid!r}")
            if version in log.snapshots:
                return False
            log.snapshots[version] = (text, checksum)
            for old in sorted(log.snapshots, reverse=True)[keep:]:
                del log.snapshots[old]
            return True

    def _snapshot_versions(self, sid: str) -> list[int]:
        with self._data.lock:
            return sorted(self._log(sid).snapshots, reverse=True)

    def _resume(
        self, sid: str, skip: frozenset[int]
    ) -> tuple[str, int, dict[str, Any] | None, list[tuple[int, str]]]:
        with self._data.lock:
            log = self._log(sid)
            rows = [(v, *log.snapshots[v]) for v in sorted(log.snapshots, reverse=True)]
            version, state = pick_snapshot(rows, skip)
            tail = [(v, log.ops[v - 1]) for v in range(version + 1, len(log.ops) + 1)]
            return log.doc, version, state, tail

    def _schedules(self) -> list[str]:
        with self._data.lock:
            return list(self._data.logs)

    def _drop(self, sid: str) -> None:
        with self._data.lock:
            self._log(sid)
            del self._data.logs[sid]

    # -- leases -----------------------------------------------------------------------------
    def _acquire_lock(self, sid: str, target: str, holder: str, ttl: float) -> bool:
        now = self._clock()
        with self._data.lock:
            log = self._log(sid)
            cur = log.locks.get(target)
            if cur is not None and cur.expires_at > now and cur.holder != holder:
                return False
            log.locks[target] = _Lease(holder, ttl, now + ttl)
        self._wake(sid)
        return True

    def _release_lock(self, sid: str, target: str, holder: str) -> bool:
        now = self._clock()
        with self._data.lock:
            log = self._log(sid)
            cur = log.locks.get(target)
            if cur is None or cur.holder != holder:
                return False
            del log.locks[target]
        self._wake(sid)
        return cur.expires_at > now

    def _release_all(self, holder: str, sid: str | None) -> int:
        n = 0
        with self._data.lock:
            for key, log in self._data.logs.items():
                if sid is not None and key != sid:
                    continue
                for table in (log.locks, log.presence):
                    mine = [k for k, lease in table.items() if lease.holder == holder]
                    for k in mine:
                        del table[k]
                    n += len(mine)
        if n:
            self._wake(sid)
        return n

    def _locks(self, sid: str) -> list[LockInfo]:
        now = self._clock()
        with self._data.lock:
            log = self._log(sid)
            return [
                LockInfo(sid, t, lease.holder, lease.ttl, lease.expires_at)
                for t, lease in log.locks.items()
                if lease.expires_at > now
            ]

    def _heartbeat(self, holder: str) -> int:
        now = self._clock()
        n = 0
        with self._data.lock:
            for log in self._data.logs.values():
                for table in (log.locks, log.presence):
                    for lease in table.values():
                        if lease.holder == holder and lease.expires_at > now:
                            lease.expires_at = now + lease.ttl
                            n += 1
        return n

    def _set_presence(self, sid: str, user: str, info: str, ttl: float) -> None:
        now = self._clock()
        with self._data.lock:
            self._log(sid).presence[user] = _Lease(user, ttl, now + ttl, info)
        self._wake(sid)

    def _clear_presence(self, sid: str, user: str) -> bool:
        now = self._clock()
        with self._data.lock:
            lease = self._log(sid).presence.pop(user, None)
        self._wake(sid)
        return lease is not None and lease.expires_at > now

    def _presence(self, sid: str) -> list[PresenceInfo]:
        now = self._clock()
        with self._data.lock:
            log = self._log(sid)
            return [
                PresenceInfo(sid, u, decode_object(lease.payload), lease.ttl, lease.expires_at)
                for u, lease in log.presence.items()
                if lease.expires_at > now
            ]

    # -- feed and life cycle ----------------------------------------------------------------
    def _change_waiter(self, sid: str) -> ChangeWaiter:
        waiter = _MemoryWaiter(sid)
        with self._data.lock:
            self._data.waiters.add(waiter)
        return waiter

    def _close(self) -> None:
        pass


class _MemoryWaiter(ChangeWaiter):
    def __init__(self, sid: str) -> None:
        super().__init__()
        self.sid = sid

    def wait(self, timeout: float) -> None:
        self.woken.wait(timeout)


def named_memory_store(name: str, *, clock: Callable[[], float] | None = None) -> MemoryStore:
    """A handle on the process-wide in-memory store called ``name`` (created on first use)."""
    with _NAMED_LOCK:
        data = _NAMED.setdefault(name, _Data())
    return MemoryStore(f"memory://{name}", clock=clock, _data=data)
