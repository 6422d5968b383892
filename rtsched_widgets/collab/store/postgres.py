"""The PostgreSQL store: one database shared by several servers (e.g. a JupyterHub).

URL: any libpq URL, ``postgresql://user:password@host:port/dbname`` (``postgres://`` too;
a unix socket folder goes in ``?host=/path``). Needs the ``postgres`` extra (psycopg 3 and
psycopg_pool).

Appends run in one transaction that locks the schedule's row (``SELECT ... FOR UPDATE``),
checks the head, inserts the op, moves the head and queues a notification; PostgreSQL delivers
the notification only when the transaction commits, and commits are durable with the server's
default ``synchronous_commit = on``. The change feed LISTENs on one channel per schedule on a
connection of its own and, in case a notification is lost with a dropped connection, re-reads
the head at least every ``Watch.poll_interval`` seconds. Lease times come from the database
server's clock, so servers with skewed clocks agree on expiry.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from typing import Any

from rtsched_widgets._optional import require
from rtsched_widgets.collab.store.base import (
    SCHEMA_VERSION,
    ChangeWaiter,
    LockInfo,
    PresenceInfo,
    ScheduleExists,
    StaleVersion,
    Store,
    StoreError,
    UnknownSchedule,
    pick_snapshot,
)
from rtsched_widgets.collab.store.rows import (
    READ_SCHEMA_VERSION,
    check_schema_version,
    head_of,
    lock_infos,
    presence_infos,
)

__all__ = ["PostgresStore", "channel_name", "redact"]

_SCHEMA = (
    "CREATE TABLE rtsched_meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE rtsched_schedules (id text PRIMARY KEY, problem text NOT NULL, "
    "head bigint NOT NULL DEFAULT 0, created_at double precision NOT NULL)",
    "CREATE TABLE rtsched_ops (schedule_id text NOT NULL "
    "REFERENCES rtsched_schedules (id) ON DELETE CASCADE, version bigint NOT NULL, "
    "op text NOT NULL, created_at double precision NOT NULL, "
    "PRIMARY KEY (schedule_id, version))",
    "CREATE TABLE rtsched_locks (schedule_id text NOT NULL "
    "REFERENCES rtsched_schedules (id) ON DELETE CASCADE, target text NOT NULL, "
    "holder text NOT NULL, ttl double precision NOT NULL, "
    "expires_at double precision NOT NULL, PRIMARY KEY (schedule_id, target))",
    "CREATE INDEX rtsched_locks_holder ON rtsched_locks (holder)",
    "CREATE TABLE rtsched_presence (schedule_id text NOT NULL "
    "REFERENCES rtsched_schedules (id) ON DELETE CASCADE, user_name text NOT NULL, "
    "info text NOT NULL, ttl double precision NOT NULL, "
    "expires_at double precision NOT NULL, PRIMARY KEY (schedule_id, user_name))",
    "CREATE INDEX rtsched_presence_user ON rtsched_presence (user_name)",
)
#: Snapshots of schedules (see base); created beside the tables of schema version 1 when
#: missing, so stores written before snapshots existed open as they are.
_SNAPSHOTS = (
    "CREATE TABLE IF NOT EXISTS rtsched_snapshots (schedule_id text NOT NULL "
    "REFERENCES rtsched_schedules (id) ON DELETE CASCADE, version bigint NOT NULL, "
    "state text NOT NULL, checksum text NOT NULL, created_at double precision NOT NULL, "
    "PRIMARY KEY (schedule_id, version))"
)
#: Key of the advisory lock that serialises schema creation between processes.
_INIT_LOCK = 0x7274_7363_6864  # "rtschd"
_NOW = "extract(epoch from clock_timestamp())::float8"
_LOCK_COLUMNS = "target, holder, ttl, expires_at"
_PRESENCE_COLUMNS = "user_name, info, ttl, expires_at"
#: A scalar subquery sending one lease notification when the named CTE changed rows.
_NOTIFY_FROM = (
    "(SELECT count(pg_notify(%(channel)s, 'leases')) FROM (SELECT 1 FROM {} LIMIT 1) AS c)"
)


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and ``repr``)."""
    return re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)


def channel_name(schedule_id: str) -> str:
    """The LISTEN/NOTIFY channel of a schedule (a valid identifier whatever the id holds)."""
    return "rtsched_" + hashlib.sha1(schedule_id.encode()).hexdigest()


def _channel(schedule_id: str) -> dict[str, str]:
    return {"channel": channel_name(schedule_id)}


class PostgresStore(Store):
    """A :class:`Store` in a PostgreSQL database (see the module docstring).

    ``pool_size``: most pooled connections this process opens (plus one per running watch).
    ``connect_timeout``: seconds to wait for the first connection before failing.
    """

    def __init__(self, url: str, *, pool_size: int = 4, connect_timeout: float = 10.0) -> None:
        super().__init__(redact(url))
        self._psycopg = require("psycopg", "postgres")
        pool_mod = require("psycopg_pool", "postgres")
        self._conninfo = url
        self._pool = pool_mod.ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, int(pool_size)),
            kwargs={"autocommit": True},
            open=False,
            name="rtsched-store",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except Exception as exc:
            self._pool.close()
            reason, fix = self._why(connect_timeout)
            raise StoreError(
                f"store {self.url!r}: cannot connect to PostgreSQL ({reason or exc}) — {fix}"
            ) from exc
        try:
            self._init_schema()
        except BaseException:
            self._pool.close()
            raise

    def _why(self, timeout: float) -> tuple[str, str]:
        """Why no connection could be made (one direct attempt; the pool only says it timed
        out), with the password left out, and the fix."""
        fix = "check the host, port, database name and credentials, and that the server is running"
        try:
            conn = self._psycopg.connect(self._conninfo, connect_timeout=max(1, int(timeout)))
        except Exception as exc:
            text = " ".join(str(exc).split())
            password = re.match(r"[^:]+://[^:/@?]*:([^@/?]*)@", self._conninfo)
            if password and password.group(1):
                text = text.replace(password.group(1), "***")
            low = text.lower()
            if "does not exist" in low and "database" in low:
                fix = "create the database (createdb) or fix its name in the URL"
            elif "authentication" in low or "password" in low or "role" in low:
                fix = "fix the user name or password in the URL"
            elif "refused" in low or "timeout" in low or "could not translate" in low:
                fix = "check that the server is running, or fix the host and port in the URL"
            return text[:300], fix
        conn.close()  # it connects now: the pool's wait was too short
        return "", f"{fix}; raise connect_timeout if the server is slow to answer"

    def _init_schema(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_INIT_LOCK,))
            exists = conn.execute("SELECT to_regclass('rtsched_meta')").fetchone()
            if exists is None or exists[0] is None:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(_SNAPSHOTS)
                conn.execute(
                    "INSERT INTO rtsched_meta (key, value) VALUES ('schema_version', %s)",
                    (str(SCHEMA_VERSION),),
                )
                return
            row = conn.execute(READ_SCHEMA_VERSION).fetchone()
            if row is not None and str(row[0]) == str(SCHEMA_VERSION):
                conn.execute(_SNAPSHOTS)
        check_schema_version(f"{self.url!r}", row)

    def _one(self, query: str, params: tuple[Any, ...] | dict[str, Any]) -> Any:
        with self._pool.connection() as conn:
            return conn.execute(query, params).fetchone()

    # -- log --------------------------------------------------------------------------------
    def _create(self, sid: str, doc: str, now: float) -> None:
        row = self._one(
            "INSERT INTO rtsched_schedules (id, problem, head, created_at) "
            "VALUES (%s, %s, 0, %s) ON CONFLICT (id) DO NOTHING RETURNING 1",
            (sid, doc, now),
        )
        if row is None:
            raise ScheduleExists(sid)

    def _load(self, sid: str) -> tuple[str, list[tuple[int, str]]]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute(
                "SELECT problem FROM rtsched_schedules WHERE id = %s", (sid,)
            ).fetchone()
            if row is None:
                raise UnknownSchedule(sid)
            ops = conn.execute(
                "SELECT version, op FROM rtsched_ops WHERE schedule_id = %s ORDER BY version",
                (sid,),
            ).fetchall()
        return row[0], [(int(v), t) for v, t in ops]

    def _append(self, sid: str, op: str, expected: int, now: float) -> int:
        # One statement, so one round trip and one implicit transaction: lock the schedule's
        # row only if its head is the expected one, insert, move the head, queue the
        # notification (sent by PostgreSQL at commit). A concurrent appender waits for the row
        # lock, then re-checks the head on the committed row: a stale attempt locks nothing,
        # writes nothing and so ends without a WAL flush of its own.
        for _ in range(3):
            try:
                row = self._one(
                    "WITH cur AS (SELECT head FROM rtsched_schedules "
                    "WHERE id = %(sid)s AND head = %(expected)s FOR UPDATE), "
                    "ins AS (INSERT INTO rtsched_ops (schedule_id, version, op, created_at) "
                    "SELECT %(sid)s, head + 1, %(op)s, %(now)s FROM cur RETURNING version), "
                    "upd AS (UPDATE rtsched_schedules SET head = ins.version FROM ins "
                    "WHERE id = %(sid)s RETURNING head), "
                    "ntf AS (SELECT pg_notify(%(channel)s, version::text) FROM ins) "
                    "SELECT (SELECT head FROM upd), (SELECT count(*) FROM ntf)",
                    {
                        "sid": sid,
                        "op": op,
                        "now": now,
                        "expected": expected,
                        "channel": channel_name(sid),
                    },
                )
            except self._psycopg.errors.UniqueViolation:  # pragma: no cover - the row lock
                row = (None, 0)  # prevents this; report it as stale
            if row[0] is not None:
                return int(row[0])
            current = self._head(sid)  # a fresh snapshot; UnknownSchedule if it is gone
            if current != expected:
                raise StaleVersion(sid, expected, current)
        raise StoreError(  # pragma: no cover - would need a head that moves back
            f"schedule {sid!r}: append did not settle at version {expected} — retry"
        )

    def _read(self, sid: str, after: int) -> list[tuple[int, str]]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT version, op FROM rtsched_ops WHERE schedule_id = %s AND version > %s "
                "ORDER BY version",
                (sid, after),
            ).fetchall()
        if not rows:
            self._head(sid)
        return [(int(v), t) for v, t in rows]

    def _head(self, sid: str) -> int:
        return head_of(sid, self._one("SELECT head FROM rtsched_schedules WHERE id = %s", (sid,)))

    def _document(self, sid: str) -> str:
        row = self._one("SELECT problem FROM rtsched_schedules WHERE id = %s", (sid,))
        if row is None:
            raise UnknownSchedule(sid)
        return str(row[0])

    # -- snapshots --------------------------------------------------------------------------
    def _save_snapshot(
        self, sid: str, version: int, text: str, checksum: str, now: float, keep: int
    ) -> bool:
        # one transaction: the whole snapshot or nothing, whatever kills the process
        with self._pool.connection() as conn, conn.transaction():
            head = head_of(
                sid,
                conn.execute(
                    "SELECT head FROM rtsched_schedules WHERE id = %s FOR SHARE", (sid,)
                ).fetchone(),
            )
            if version > head:
                raise ValueError(f"version: {version} is above the head {head} of {sid!r}")
            written = conn.execute(
                "INSERT INTO rtsched_snapshots (schedule_id, version, state, checksum, "
                "created_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (sid, version, text, checksum, now),
            ).fetchone()
            conn.execute(
                "DELETE FROM rtsched_snapshots WHERE schedule_id = %s AND version NOT IN "
                "(SELECT version FROM rtsched_snapshots WHERE schedule_id = %s "
                "ORDER BY version DESC LIMIT %s)",
                (sid, sid, keep),
            )
        return written is not None

    def _snapshot_versions(self, sid: str) -> list[int]:
        self._head(sid)
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT version FROM rtsched_snapshots WHERE schedule_id = %s "
                "ORDER BY version DESC",
                (sid,),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def _resume(
        self, sid: str, skip: frozenset[int]
    ) -> tuple[str, int, dict[str, Any] | None, list[tuple[int, str]]]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute(
                "SELECT problem FROM rtsched_schedules WHERE id = %s", (sid,)
            ).fetchone()
            if row is None:
                raise UnknownSchedule(sid)
            version, state = 0, None
            # newest first, one row at a time: older snapshots are read only when a newer one
            # is damaged
            for (v,) in conn.execute(
                "SELECT version FROM rtsched_snapshots WHERE schedule_id = %s "
                "ORDER BY version DESC",
                (sid,),
            ).fetchall():
                if int(v) in skip:
                    continue
                snap = conn.execute(
                    "SELECT version, state, checksum FROM rtsched_snapshots "
                    "WHERE schedule_id = %s AND version = %s",
                    (sid, v),
                ).fetchall()
                version, state = pick_snapshot(snap, skip)
                if state is not None:
                    break
            ops = conn.execute(
                "SELECT version, op FROM rtsched_ops WHERE schedule_id = %s AND version > %s "
                "ORDER BY version",
                (sid, version),
            ).fetchall()
        return row[0], version, state, [(int(v), t) for v, t in ops]

    def _schedules(self) -> list[str]:
        with self._pool.connection() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM rtsched_schedules").fetchall()]

    def _drop(self, sid: str) -> None:
        if self._one("DELETE FROM rtsched_schedules WHERE id = %s RETURNING 1", (sid,)) is None:
            raise UnknownSchedule(sid)

    # -- leases -----------------------------------------------------------------------------
    # Every statement that changes the live leases of a schedule notifies its channel (sent at
    # commit), so the watches of every process re-read them at once; expiries write nothing
    # and are seen by the watches' periodic re-read.
    def _acquire_lock(self, sid: str, target: str, holder: str, ttl: float) -> bool:
        try:
            row = self._one(
                "WITH up AS (INSERT INTO rtsched_locks "
                "(schedule_id, target, holder, ttl, expires_at) "
                f"VALUES (%(sid)s, %(target)s, %(holder)s, %(ttl)s, {_NOW} + %(ttl)s) "
                "ON CONFLICT (schedule_id, target) DO UPDATE SET holder = excluded.holder, "
                "ttl = excluded.ttl, expires_at = excluded.expires_at "
                "WHERE rtsched_locks.holder = excluded.holder "
                f"OR rtsched_locks.expires_at <= {_NOW} RETURNING 1) "
                f"SELECT {_NOTIFY_FROM.format('up')}",
                {"sid": sid, "target": target, "holder": holder, "ttl": ttl, **_channel(sid)},
            )
        except self._psycopg.errors.ForeignKeyViolation:
            raise UnknownSchedule(sid) from None
        return bool(row[0])

    def _release_lock(self, sid: str, target: str, holder: str) -> bool:
        self._head(sid)
        row = self._one(
            "WITH gone AS (DELETE FROM rtsched_locks WHERE schedule_id = %(sid)s "
            "AND target = %(target)s AND holder = %(holder)s "
            f"RETURNING expires_at > {_NOW} AS live) "
            "SELECT (SELECT coalesce(bool_or(live), false) FROM gone), "
            f"{_NOTIFY_FROM.format('gone')}",
            {"sid": sid, "target": target, "holder": holder, **_channel(sid)},
        )
        return bool(row[0])

    def _release_all(self, holder: str, sid: str | None) -> int:
        where = "" if sid is None else " AND schedule_id = %(sid)s"
        with self._pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                f"WITH dl AS (DELETE FROM rtsched_locks WHERE holder = %(holder)s{where} "
                "RETURNING schedule_id), "
                f"dp AS (DELETE FROM rtsched_presence WHERE user_name = %(holder)s{where} "
                "RETURNING schedule_id) "
                "SELECT schedule_id, count(*) FROM "
                "(SELECT schedule_id FROM dl UNION ALL SELECT schedule_id FROM dp) AS d "
                "GROUP BY schedule_id",
                {"holder": holder, "sid": sid},
            ).fetchall()
            for changed, _ in rows:
                conn.execute("SELECT pg_notify(%s, 'leases')", (channel_name(changed),))
        return sum(int(n) for _, n in rows)

    def _locks(self, sid: str) -> list[LockInfo]:
        self._head(sid)
        with self._pool.connection() as conn:
            return self._read_locks(conn, sid)

    @staticmethod
    def _live(conn: Any, sid: str, table: str, columns: str) -> list[Any]:
        """``columns`` of the unexpired rows of lease ``table`` for schedule ``sid``."""
        return list(
            conn.execute(
                f"SELECT {columns} FROM {table} WHERE schedule_id = %s AND expires_at > {_NOW}",
                (sid,),
            ).fetchall()
        )

    def _read_locks(self, conn: Any, sid: str) -> list[LockInfo]:
        return lock_infos(sid, self._live(conn, sid, "rtsched_locks", _LOCK_COLUMNS))

    def _read_presence(self, conn: Any, sid: str) -> list[PresenceInfo]:
        return presence_infos(sid, self._live(conn, sid, "rtsched_presence", _PRESENCE_COLUMNS))

    def _leases(self, sid: str) -> tuple[list[LockInfo], list[PresenceInfo]]:
        with self._pool.connection() as conn:
            return self._read_locks(conn, sid), self._read_presence(conn, sid)

    def _heartbeat(self, holder: str) -> int:
        n = 0
        with self._pool.connection() as conn, conn.transaction():
            for table, column in (("rtsched_locks", "holder"), ("rtsched_presence", "user_name")):
                n += conn.execute(
                    f"UPDATE {table} SET expires_at = {_NOW} + ttl "
                    f"WHERE {column} = %s AND expires_at > {_NOW}",
                    (holder,),
                ).rowcount
                conn.execute(f"DELETE FROM {table} WHERE expires_at <= {_NOW}")
        return n

    def _set_presence(self, sid: str, user: str, info: str, ttl: float) -> None:
        try:
            self._one(
                "WITH up AS (INSERT INTO rtsched_presence "
                "(schedule_id, user_name, info, ttl, expires_at) "
                f"VALUES (%(sid)s, %(user)s, %(info)s, %(ttl)s, {_NOW} + %(ttl)s) "
                "ON CONFLICT (schedule_id, user_name) DO UPDATE SET info = excluded.info, "
                "ttl = excluded.ttl, expires_at = excluded.expires_at RETURNING 1) "
                f"SELECT {_NOTIFY_FROM.format('up')}",
                {"sid": sid, "user": user, "info": info, "ttl": ttl, **_channel(sid)},
            )
        except self._psycopg.errors.ForeignKeyViolation:
            raise UnknownSchedule(sid) from None

    def _clear_presence(self, sid: str, user: str) -> bool:
        self._head(sid)
        row = self._one(
            "WITH gone AS (DELETE FROM rtsched_presence WHERE schedule_id = %(sid)s "
            f"AND user_name = %(user)s RETURNING expires_at > {_NOW} AS live) "
            "SELECT (SELECT coalesce(bool_or(live), false) FROM gone), "
            f"{_NOTIFY_FROM.format('gone')}",
            {"sid": sid, "user": user, **_channel(sid)},
        )
        return bool(row[0])

    def _presence(self, sid: str) -> list[PresenceInfo]:
        self._head(sid)
        with self._pool.connection() as conn:
            return self._read_presence(conn, sid)

    # -- feed and life cycle ----------------------------------------------------------------
    def _change_waiter(self, sid: str) -> ChangeWaiter:
        return _NotifyWaiter(self, sid)

    def _close(self) -> None:
        self._pool.close()


class _NotifyWaiter(ChangeWaiter):
    """Returns from :meth:`wait` on a NOTIFY of the schedule's channel; LISTENs on its own
    autocommit connection and reconnects after a connection loss."""

    #: Longest block inside ``notifies`` before checking for :meth:`wake`.
    slice = 0.1

    def __init__(self, store: PostgresStore, sid: str) -> None:
        super().__init__()
        self._store = store
        self._channel = channel_name(sid)
        self._conn: Any = None
        self._lock = threading.Lock()
        self._listen()

    def _listen(self) -> None:
        psycopg = self._store._psycopg
        conn = psycopg.connect(self._store._conninfo, autocommit=True)
        conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(self._channel)))
        self._conn = conn

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.woken.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._conn is None:
                try:
                    self._listen()
                except Exception:
                    self.woken.wait(min(left, 1.0))
                    return
                return  # reconnected: ops may have been missed, let the watch re-read
            try:
                for _ in self._conn.notifies(timeout=min(left, self.slice), stop_after=1):
                    return
            except Exception:
                self._drop()
                return

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
                conn.close()

    def close(self) -> None:
        self._drop()
