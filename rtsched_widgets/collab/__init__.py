"""Collaboration: the shared store (op log, change feed, locks, presence) behind several
kernels, processes or servers editing one schedule."""

from rtsched_widgets.collab.store import (
    LockInfo,
    LogEntry,
    PresenceInfo,
    ScheduleExists,
    SchemaMismatch,
    StaleVersion,
    Store,
    StoreError,
    UnknownSchedule,
    Watch,
    open_store,
)

__all__ = [
    "LockInfo",
    "LogEntry",
    "PresenceInfo",
    "ScheduleExists",
    "SchemaMismatch",
    "StaleVersion",
    "Store",
    "StoreError",
    "UnknownSchedule",
    "Watch",
    "open_store",
]
