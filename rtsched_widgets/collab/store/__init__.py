"""Durable shared stores of schedules: ``open_store(url)`` for memory, SQLite and PostgreSQL.

See :mod:`rtsched_widgets.collab.store.base` for the model (op log with optimistic appends,
change feed, leases for locks and presence).
"""

from __future__ import annotations

from typing import Any

from rtsched_widgets.collab.store.base import (
    SCHEMA_VERSION,
    LockInfo,
    LogEntry,
    PresenceInfo,
    Resume,
    ScheduleExists,
    SchemaMismatch,
    Snapshot,
    StaleVersion,
    Store,
    StoreError,
    UnknownSchedule,
    Watch,
)

__all__ = [
    "SCHEMA_VERSION",
    "SCHEMES",
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
    "open_store",
]

#: The URL forms :func:`open_store` accepts.
SCHEMES: tuple[str, ...] = (
    "memory",
    "memory://<name>",
    "sqlite:///<path>",
    "postgresql://...",
)


def open_store(url: str | Store | None = None, **options: Any) -> Store:
    """Open the store named by ``url``.

    * ``None`` or ``"memory"``: a new private in-memory store (scratch, this process only);
    * ``"memory://<name>"``: the process-wide in-memory store called ``name``;
    * ``"sqlite:///relative.db"`` / ``"sqlite:////abs/path.db"``: a SQLite file, shared by
      every process on the machine (options: ``busy_timeout``, ``clock``); ``?mode=ro`` after
      the path opens an existing store read-only. A file that is not an rtsched store (damaged,
      truncated, another application's database) is a StoreError, and is never written to;
    * ``"postgresql://..."`` or ``"postgres://..."``: a PostgreSQL database, shared by every
      server reaching it (needs the ``postgres`` extra; options: ``pool_size``,
      ``connect_timeout``).

    A :class:`Store` is returned as it is (options are then refused). Unknown schemes and
    unknown options raise ValueError / TypeError naming the valid ones.
    """
    if isinstance(url, Store):
        if options:
            raise TypeError(f"open_store: options {sorted(options)} given with an open Store")
        return url
    if url is None or url == "memory":
        from rtsched_widgets.collab.store.memory import MemoryStore

        return _build(MemoryStore, "memory", options, ("clock",))
    if not isinstance(url, str):
        raise ValueError(
            f"store: {url!r} is not a store URL — give one of {', '.join(SCHEMES)} or None"
        )
    if url.startswith("memory://") and len(url) > len("memory://"):
        from rtsched_widgets.collab.store.memory import named_memory_store

        _check_options(options, ("clock",))
        return named_memory_store(url[len("memory://") :], **options)
    if url.startswith("sqlite:"):
        from rtsched_widgets.collab.store.sqlite import SQLiteStore

        return _build(SQLiteStore, url, options, ("busy_timeout", "clock"))
    if url.startswith(("postgresql://", "postgres://")):
        from rtsched_widgets.collab.store.postgres import PostgresStore

        return _build(PostgresStore, url, options, ("pool_size", "connect_timeout"))
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise ValueError(
        f"store: unknown scheme {scheme!r} in {url!r} — use one of {', '.join(SCHEMES)} "
        "(or None for a private in-memory store)"
    )


def _check_options(options: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"open_store: unknown option(s) {unknown} for this store — allowed: {list(allowed)}"
        )


def _build(cls: Any, url: str, options: dict[str, Any], allowed: tuple[str, ...]) -> Store:
    _check_options(options, allowed)
    store: Store = cls(url, **options)
    return store
