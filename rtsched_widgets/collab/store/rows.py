"""What the SQL stores (SQLite, PostgreSQL) share: the schema version check and the mapping of
result rows to store records.

Their SQL itself stays in each backend: placeholders (``?`` / ``%s``), the clock of lease
expiry (the process's / the database server's), column types, foreign keys and change
notifications differ and are spelled out where they apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rtsched_widgets.collab.store.base import (
    SCHEMA_VERSION,
    LockInfo,
    PresenceInfo,
    SchemaMismatch,
    UnknownSchedule,
    decode_object,
)

__all__ = [
    "READ_SCHEMA_VERSION",
    "check_schema_version",
    "head_of",
    "lock_infos",
    "presence_infos",
]

#: The query of the stored schema version (one row ``(value,)``, or none in a damaged store).
READ_SCHEMA_VERSION = "SELECT value FROM rtsched_meta WHERE key = 'schema_version'"


def check_schema_version(where: str, row: Sequence[Any] | None) -> None:
    """Raise :class:`SchemaMismatch` unless ``row`` (the answer of
    :data:`READ_SCHEMA_VERSION`) holds :data:`SCHEMA_VERSION`; ``where`` names the store."""
    found: int | str
    if row is None:
        found = "missing"
    else:
        text = str(row[0])
        found = int(text) if text.strip().lstrip("-").isdigit() else text
    if found != SCHEMA_VERSION:
        raise SchemaMismatch(where, found)


def head_of(sid: str, row: Sequence[Any] | None) -> int:
    """The head in ``row`` (the answer of a ``SELECT head`` of schedule ``sid``);
    :class:`UnknownSchedule` when there is no row."""
    if row is None:
        raise UnknownSchedule(sid)
    return int(row[0])


def lock_infos(sid: str, rows: Iterable[Sequence[Any]]) -> list[LockInfo]:
    """Rows ``(target, holder, ttl, expires_at)`` of schedule ``sid`` as :class:`LockInfo`."""
    return [LockInfo(sid, t, h, float(ttl), float(exp)) for t, h, ttl, exp in rows]


def presence_infos(sid: str, rows: Iterable[Sequence[Any]]) -> list[PresenceInfo]:
    """Rows ``(user, info JSON, ttl, expires_at)`` of schedule ``sid`` as
    :class:`PresenceInfo`."""
    return [
        PresenceInfo(sid, u, decode_object(i), float(ttl), float(exp)) for u, i, ttl, exp in rows
    ]
