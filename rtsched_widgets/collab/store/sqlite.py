"""The SQLite store: one database file shared by every process on one machine.

URL: ``sqlite:///relative/path.db`` (relative to the working directory) or
``sqlite:////absolute/path.db`` (four slashes), as SQLAlchemy spells them.

Durability and concurrency: the database runs in WAL mode with ``synchronous=FULL``, so a
commit returns only after the WAL is flushed to disk — :meth:`append` acknowledges an op only
once it survives a crash or power loss. Writes take the database write lock up front
(``BEGIN IMMEDIATE``), so the head check and the insert are one atomic step across processes;
writers queue on an advisory file lock (``<db>-writer.lock``) so the next one
starts the moment the previous commits, and fail after ``busy_timeout`` seconds of SQLite
refusing the lock. Appends made at the same time by several threads of one process are group
committed: one transaction and one WAL flush carry them all (see :meth:`SQLiteStore._append`).
Checkpoints stay with SQLite's automatic checkpoint (every 1000 WAL pages, run by the commit
that crosses it): moving them to a background thread measured no better tail latency and let
the WAL grow without restarting, which makes every commit extend the file. Each thread gets its own
connection (connections are never shared across threads or ``fork``). The change feed polls
``PRAGMA data_version`` — a counter that moves when another connection commits — every 20 ms,
which costs one in-memory read per poll.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

from rtsched_widgets.collab.store.base import (
    SCHEMA_VERSION,
    ChangeWaiter,
    LockInfo,
    PresenceInfo,
    ScheduleExists,
    SchemaMismatch,
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

__all__ = ["SQLiteStore", "sqlite_path"]

_SCHEMA = """
CREATE TABLE rtsched_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rtsched_schedules (
    id TEXT PRIMARY KEY,
    problem TEXT NOT NULL,
    head INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE rtsched_ops (
    schedule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    op TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (schedule_id, version)
) WITHOUT ROWID;
CREATE TABLE rtsched_locks (
    schedule_id TEXT NOT NULL,
    target TEXT NOT NULL,
    holder TEXT NOT NULL,
    ttl REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (schedule_id, target)
);
CREATE INDEX rtsched_locks_holder ON rtsched_locks (holder);
CREATE TABLE rtsched_presence (
    schedule_id TEXT NOT NULL,
    user TEXT NOT NULL,
    info TEXT NOT NULL,
    ttl REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (schedule_id, user)
);
CREATE INDEX rtsched_presence_user ON rtsched_presence (user);
"""
#: Snapshots of schedules (see base); created beside the tables of schema version 1 when
#: missing, so stores written before snapshots existed open as they are.
_SNAPSHOTS = """
CREATE TABLE IF NOT EXISTS rtsched_snapshots (
    schedule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    checksum TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (schedule_id, version)
) WITHOUT ROWID
"""


def sqlite_path(url: str) -> Path:
    """The file path of a ``sqlite:///...`` URL (ValueError naming the fix otherwise)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(
            f"store: {url!r} is not a SQLite URL — write sqlite:///relative/plan.db or "
            "sqlite:////absolute/plan.db"
        )
    rest = url[len(prefix) :].partition("?")[0]
    if rest in (":memory:", "") or rest.startswith("file:"):
        raise ValueError(
            f"store: {url!r} — an in-memory SQLite database cannot be shared; use "
            "store='memory' for scratch work or a file path for a shared schedule"
        )
    return Path(rest)


def sqlite_read_only(url: str) -> bool:
    """True when a SQLite URL asks for a read-only store (``?mode=ro``); ValueError naming the
    valid options for any other query."""
    query = url.partition("?")[2]
    if query in ("", "mode=rw"):
        return False
    if query == "mode=ro":
        return True
    raise ValueError(
        f"store: {url!r} — unknown option {query!r}; a SQLite URL takes only ?mode=ro "
        "(read-only) or ?mode=rw"
    )


def _header_problem(path: Path) -> str | None:
    """What is wrong with the file's SQLite header, by its first 100 bytes and its size
    (None when nothing is, or the file is new or empty): a file shorter than the size its
    header records was truncated."""
    try:
        with open(path, "rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None  # missing or unreadable: SQLite says which when it opens it
    if not header:
        return None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return "it is not a SQLite database"
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(header[28:32], "big")
    valid = header[92:96] == header[24:28]  # the page count is current (SQLite >= 3.7.0)
    if valid and pages and size < pages * page:
        return f"it is truncated ({size:,} of {pages * page:,} bytes)"
    return None


class SQLiteStore(Store):
    """A :class:`Store` in one SQLite file (see the module docstring).

    ``busy_timeout``: seconds a writer waits for the write lock before failing with
    StoreError. ``clock``: the time source of lease expiry (seconds since the epoch; all
    processes sharing a file must use the same clock, the default ``time.time``).
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = 30.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(url)
        self.path = sqlite_path(url)
        #: Opened with ``?mode=ro``: reads only, every write is a StoreError.
        self.read_only = sqlite_read_only(url)
        self._busy_timeout = float(busy_timeout)
        self._clock = clock or time.time
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._lock_fds: list[int] = []
        self._group = threading.Condition()
        self._queue: list[_PendingAppend] = []
        self._committing = False
        #: Write transactions that committed appends, and the appends they carried
        #: (``appends / commits`` is the mean group size of group commit).
        self.commits = 0
        self.appends = 0
        if not self.path.parent.is_dir():
            raise StoreError(
                f"store {url!r}: folder {str(self.path.parent)!r} does not exist — create it, "
                "or fix the path in the URL"
            )
        if self.read_only and not self.path.is_file():
            raise StoreError(
                f"store {url!r}: {str(self.path)!r} does not exist — mode=ro opens an existing "
                "store only; leave ?mode=ro out to create one"
            )
        problem = _header_problem(self.path)
        if problem is not None:
            raise StoreError(
                f"store {url!r}: cannot open {str(self.path)!r} as a SQLite database ({problem})"
                " — restore the file from a backup, or point the URL at a new file"
            )
        if self.path.is_file() and self.path.stat().st_size:
            self._check_foreign()  # before anything (the WAL mode) is written into the file
        try:
            self._init_schema()
        except BaseException:
            self._close()
            raise

    # -- connections ------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro" if self.read_only else self.path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            if self.read_only:  # never writes: no journal mode to set
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                mode = "wal"
            else:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc
        if str(mode).lower() != "wal":
            conn.close()
            raise StoreError(
                f"store {self.url!r}: the file system refused WAL mode (got {mode!r}) — put the "
                "database on a local disk"
            )
        with self._all_lock:
            self._all.append(conn)
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = self._connect()
            local.conn, local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the database write lock from its first statement.

        Writers first queue on an advisory ``flock`` of ``<db>-writer.lock`` (the kernel wakes
        the next waiter the moment the lock is released and drops the lock of a dead process),
        which keeps waits short and fair; SQLite's own busy handler, which sleeps up to 100 ms
        between attempts, remains the backstop against writers outside this package.
        """
        conn = self._conn
        fd = self._writer_lock_fd()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _kind(exc) is not None:
                    raise self._error(exc) from exc
                raise StoreError(
                    f"store {self.url!r}: could not take the write lock within "
                    f"{self._busy_timeout:g} s ({exc}) — another process holds it too long"
                ) from exc
            try:
                yield conn
            except sqlite3.DatabaseError as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if _kind(exc) is not None:
                    raise self._error(exc) from exc
                raise
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _error(self, exc: BaseException) -> StoreError:
        """The StoreError of a SQLite error: the file, what is wrong and the fix."""
        where = f"store {self.url!r}: {str(self.path)!r}"
        kind = _kind(exc)
        if kind == "read-only":
            fix = (
                "leave ?mode=ro out of the URL to write"
                if self.read_only
                else "make the file and its folder writable by this user, or point the URL at "
                "a writable copy"
            )
            return StoreError(f"{where} is read-only ({exc}) — {fix}")
        if kind == "unopenable":
            return StoreError(
                f"{where} cannot be opened ({exc}) — check that the path names a file this "
                "user may read and write"
            )
        return StoreError(
            f"cannot open {str(self.path)!r} of store {self.url!r} as a SQLite database "
            f"({exc}) — restore the file from a backup, or point the URL at a new file"
        )

    def _writer_lock_fd(self) -> int | None:
        """This thread's descriptor of the writer lock file (None where flock is missing)."""
        if fcntl is None:  # pragma: no cover - Windows
            return None
        if self.read_only:
            raise StoreError(
                f"store {self.url!r}: opened read-only (?mode=ro) — leave ?mode=ro out of the "
                "URL to write"
            )
        local = self._local
        fd: int | None = getattr(local, "lock_fd", None)
        if fd is None or getattr(local, "lock_pid", None) != os.getpid():
            try:
                fd = os.open(f"{self.path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise StoreError(
                    f"store {self.url!r}: cannot create the lock file "
                    f"{self.path}-writer.lock ({exc.strerror}) — make the folder "
                    f"{str(self.path.parent)!r} writable by this user"
                ) from exc
            local.lock_fd, local.lock_pid = fd, os.getpid()
            with self._all_lock:
                self._lock_fds.append(fd)
        return fd

    def _foreign_tables(self, conn: sqlite3.Connection) -> None:
        """StoreError when the database has no rtsched tables but tables of its own: it
        belongs to another application, and the store never writes into it."""
        try:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc
        if "rtsched_meta" in names:
            return
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise StoreError(
                f"store {self.url!r}: {str(self.path)!r} is the database of another "
                f"application (tables {shown}; no rtsched tables) — point the URL at a new file "
                "or an rtsched store; the store does not write into other databases"
            )
        if self.read_only:
            raise StoreError(
                f"store {self.url!r}: {str(self.path)!r} holds no rtsched store, and ?mode=ro "
                "cannot create one — leave ?mode=ro out, or point the URL at an rtsched store"
            )

    def _check_foreign(self) -> None:
        """:meth:`_foreign_tables` on a read-only connection of its own (writes nothing)."""
        try:
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc
        try:
            self._foreign_tables(conn)
        finally:
            conn.close()

    def _init_schema(self) -> None:
        if self.read_only:
            conn = self._conn
            self._foreign_tables(conn)
            try:
                row = conn.execute(READ_SCHEMA_VERSION).fetchone()
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
            check_schema_version(f"{self.url!r}", row)
            return
        with self._write() as conn:
            self._foreign_tables(conn)
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rtsched_meta'"
            ).fetchone()
            if has_meta is None:
                for statement in _SCHEMA.split(";"):  # executescript would commit early
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(_SNAPSHOTS)
                conn.execute(
                    "INSERT INTO rtsched_meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                return
            row = conn.execute(READ_SCHEMA_VERSION).fetchone()
            if row is not None and str(row[0]) == str(SCHEMA_VERSION):
                conn.execute(_SNAPSHOTS)
        try:
            check_schema_version(f"{self.url!r}", row)
        except SchemaMismatch:
            self._close()
            raise

    # -- log --------------------------------------------------------------------------------
    def _create(self, sid: str, doc: str, now: float) -> None:
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO rtsched_schedules (id, problem, head, created_at) "
                    "VALUES (?, ?, 0, ?)",
                    (sid, doc, now),
                )
        except sqlite3.IntegrityError:
            raise ScheduleExists(sid) from None

    def _load(self, sid: str) -> tuple[str, list[tuple[int, str]]]:
        conn = self._conn
        conn.execute("BEGIN")  # one read snapshot for the document and the log
        try:
            row = conn.execute(
                "SELECT problem FROM rtsched_schedules WHERE id = ?", (sid,)
            ).fetchone()
            if row is None:
                raise UnknownSchedule(sid)
            ops = conn.execute(
                "SELECT version, op FROM rtsched_ops WHERE schedule_id = ? ORDER BY version",
                (sid,),
            ).fetchall()
        finally:
            conn.execute("COMMIT")
        return row[0], ops

    def _append(self, sid: str, op: str, expected: int, now: float) -> int:
        """Group commit: appends pending in several threads of this process at the same time
        share one write transaction, so one WAL flush acknowledges them all. The first thread
        to find no commit running commits everything queued so far (its own append included);
        the others wait for that commit and take their results from it, or lead the next one.
        Each append is acknowledged only after the transaction holding it committed."""
        head = self._head(sid)
        if head > expected:  # heads only grow: refuse without taking the write lock
            raise StaleVersion(sid, expected, head)
        mine = _PendingAppend(sid, op, expected, now)
        with self._group:
            self._queue.append(mine)
            while self._committing and not mine.finished:
                self._group.wait()
            if not mine.finished:
                self._committing = True
                batch, self._queue = self._queue, []
        if not mine.finished:
            try:
                self._commit(batch)
            finally:
                with self._group:
                    self._committing = False
                    self._group.notify_all()
        return mine.outcome()

    def _commit(self, batch: list[_PendingAppend]) -> None:
        """Append every op of ``batch`` in one write transaction; each gets its version or
        its own error (stale, unknown schedule). If the transaction fails, nothing of the
        batch is written and every append gets the error."""
        try:
            with self._write() as conn:
                for item in batch:
                    # move the head only if it is the expected one: one statement checks and
                    # claims the version; a refused append writes nothing
                    row = conn.execute(
                        "UPDATE rtsched_schedules SET head = head + 1 WHERE id = ? AND head = ? "
                        "RETURNING head",
                        (item.sid, item.expected),
                    ).fetchone()
                    if row is None:
                        try:
                            item.error = StaleVersion(item.sid, item.expected, self._head(item.sid))
                        except UnknownSchedule as exc:
                            item.error = exc
                        continue
                    item.version = int(row[0])
                    conn.execute(
                        "INSERT INTO rtsched_ops (schedule_id, version, op, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        (item.sid, item.version, item.op, item.now),
                    )
            self.commits += 1
            self.appends += sum(1 for item in batch if item.version is not None)
        except BaseException as exc:
            for item in batch:
                item.version = None
                if item.error is None:
                    item.error = exc
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt and the like reach the leader as they are
        finally:
            for item in batch:
                item.finished = True

    def _read(self, sid: str, after: int) -> list[tuple[int, str]]:
        rows = self._conn.execute(
            "SELECT version, op FROM rtsched_ops WHERE schedule_id = ? AND version > ? "
            "ORDER BY version",
            (sid, after),
        ).fetchall()
        if not rows:
            self._head(sid)  # UnknownSchedule for a missing schedule
        return rows

    def _head(self, sid: str) -> int:
        return head_of(
            sid,
            self._conn.execute(
                "SELECT head FROM rtsched_schedules WHERE id = ?", (sid,)
            ).fetchone(),
        )

    def _document(self, sid: str) -> str:
        row = self._conn.execute(
            "SELECT problem FROM rtsched_schedules WHERE id = ?", (sid,)
        ).fetchone()
        if row is None:
            raise UnknownSchedule(sid)
        return str(row[0])

    # -- snapshots --------------------------------------------------------------------------
    def _save_snapshot(
        self, sid: str, version: int, text: str, checksum: str, now: float, keep: int
    ) -> bool:
        # one write transaction: the whole snapshot or nothing, whatever kills the process
        with self._write() as conn:
            head = self._head(sid)
            if version > head:
                raise ValueError(f"version: {version} is above the head {head} of {sid!r}")
            written = conn.execute(
                "INSERT INTO rtsched_snapshots (schedule_id, version, state, checksum, "
                "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (sid, version, text, checksum, now),
            ).rowcount
            conn.execute(
                "DELETE FROM rtsched_snapshots WHERE schedule_id = ? AND version NOT IN "
                "(SELECT version FROM rtsched_snapshots WHERE schedule_id = ? "
                "ORDER BY version DESC LIMIT ?)",
                (sid, sid, keep),
            )
        return written == 1

    def _snapshot_versions(self, sid: str) -> list[int]:
        self._head(sid)
        rows = self._conn.execute(
            "SELECT version FROM rtsched_snapshots WHERE schedule_id = ? ORDER BY version DESC",
            (sid,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _resume(
        self, sid: str, skip: frozenset[int]
    ) -> tuple[str, int, dict[str, Any] | None, list[tuple[int, str]]]:
        conn = self._conn
        conn.execute("BEGIN")  # one read snapshot for the document, snapshot and tail
        try:
            row = conn.execute(
                "SELECT problem FROM rtsched_schedules WHERE id = ?", (sid,)
            ).fetchone()
            if row is None:
                raise UnknownSchedule(sid)
            snaps = conn.execute(
                "SELECT version, state, checksum FROM rtsched_snapshots WHERE schedule_id = ? "
                "ORDER BY version DESC",
                (sid,),
            )
            version, state = pick_snapshot(snaps, skip)
            ops = conn.execute(
                "SELECT version, op FROM rtsched_ops WHERE schedule_id = ? AND version > ? "
                "ORDER BY version",
                (sid, version),
            ).fetchall()
        finally:
            conn.execute("COMMIT")
        return row[0], version, state, ops

    def _schedules(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT id FROM rtsched_schedules")]

    def _drop(self, sid: str) -> None:
        with self._write() as conn:
            if conn.execute("DELETE FROM rtsched_schedules WHERE id = ?", (sid,)).rowcount == 0:
                raise UnknownSchedule(sid)
            for table in ("rtsched_ops", "rtsched_locks", "rtsched_presence", "rtsched_snapshots"):
                conn.execute(f"DELETE FROM {table} WHERE schedule_id = ?", (sid,))

    # -- leases -----------------------------------------------------------------------------
    def _acquire_lock(self, sid: str, target: str, holder: str, ttl: float) -> bool:
        now = self._clock()
        with self._write() as conn:
            self._head(sid)
            cur = conn.execute(
                "INSERT INTO rtsched_locks (schedule_id, target, holder, ttl, expires_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (schedule_id, target) DO UPDATE SET "
                "holder = excluded.holder, ttl = excluded.ttl, expires_at = excluded.expires_at "
                "WHERE rtsched_locks.holder = excluded.holder OR rtsched_locks.expires_at <= ?",
                (sid, target, holder, ttl, now + ttl, now),
            )
            return cur.rowcount == 1

    def _release_lock(self, sid: str, target: str, holder: str) -> bool:
        now = self._clock()
        with self._write() as conn:
            self._head(sid)
            row = conn.execute(
                "DELETE FROM rtsched_locks WHERE schedule_id = ? AND target = ? AND holder = ? "
                "RETURNING expires_at",
                (sid, target, holder),
            ).fetchone()
        return row is not None and row[0] > now

    def _release_all(self, holder: str, sid: str | None) -> int:
        n = 0
        with self._write() as conn:
            for table, column in (("rtsched_locks", "holder"), ("rtsched_presence", "user")):
                if sid is None:
                    cur = conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (holder,))
                else:
                    cur = conn.execute(
                        f"DELETE FROM {table} WHERE {column} = ? AND schedule_id = ?",
                        (holder, sid),
                    )
                n += cur.rowcount
        return n

    def _locks(self, sid: str) -> list[LockInfo]:
        self._head(sid)
        rows = self._conn.execute(
            "SELECT target, holder, ttl, expires_at FROM rtsched_locks "
            "WHERE schedule_id = ? AND expires_at > ?",
            (sid, self._clock()),
        ).fetchall()
        return lock_infos(sid, rows)

    def _heartbeat(self, holder: str) -> int:
        now = self._clock()
        n = 0
        with self._write() as conn:
            for table, column in (("rtsched_locks", "holder"), ("rtsched_presence", "user")):
                n += conn.execute(
                    f"UPDATE {table} SET expires_at = ? + ttl "
                    f"WHERE {column} = ? AND expires_at > ?",
                    (now, holder, now),
                ).rowcount
                conn.execute(f"DELETE FROM {table} WHERE expires_at <= ?", (now,))
        return n

    def _set_presence(self, sid: str, user: str, info: str, ttl: float) -> None:
        now = self._clock()
        with self._write() as conn:
            self._head(sid)
            conn.execute(
                "INSERT INTO rtsched_presence (schedule_id, user, info, ttl, expires_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (schedule_id, user) DO UPDATE SET "
                "info = excluded.info, ttl = excluded.ttl, expires_at = excluded.expires_at",
                (sid, user, info, ttl, now + ttl),
            )

    def _clear_presence(self, sid: str, user: str) -> bool:
        now = self._clock()
        with self._write() as conn:
            self._head(sid)
            row = conn.execute(
                "DELETE FROM rtsched_presence WHERE schedule_id = ? AND user = ? "
                "RETURNING expires_at",
                (sid, user),
            ).fetchone()
        return row is not None and row[0] > now

    def _presence(self, sid: str) -> list[PresenceInfo]:
        self._head(sid)
        rows = self._conn.execute(
            "SELECT user, info, ttl, expires_at FROM rtsched_presence "
            "WHERE schedule_id = ? AND expires_at > ?",
            (sid, self._clock()),
        ).fetchall()
        return presence_infos(sid, rows)

    # -- feed and life cycle ----------------------------------------------------------------
    def _change_waiter(self, sid: str) -> ChangeWaiter:
        return _DataVersionWaiter(self)

    def _release_thread(self) -> None:
        local = self._local
        fd = getattr(local, "lock_fd", None)
        if fd is not None and getattr(local, "lock_pid", None) == os.getpid():
            local.lock_fd = None
            with self._all_lock:
                if fd in self._lock_fds:
                    self._lock_fds.remove(fd)
            os.close(fd)
        conn = getattr(local, "conn", None)
        if conn is not None:
            local.conn = None
            with self._all_lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()

    def _close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
            fds, self._lock_fds = self._lock_fds, []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


def _kind(exc: BaseException) -> str | None:
    """What a SQLite error says about the file: "read-only", "unopenable", "damaged" (not a
    database, malformed, I/O error) or None (a busy lock, a constraint and the like)."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return "read-only"
    if "unable to open" in text:
        return "unopenable"
    if any(w in text for w in ("not a database", "malformed", "disk i/o", "corrupt")):
        return "damaged"
    return None


class _PendingAppend:
    """One append waiting for (or carried by) a group commit."""

    __slots__ = ("error", "expected", "finished", "now", "op", "sid", "version")

    def __init__(self, sid: str, op: str, expected: int, now: float) -> None:
        self.sid, self.op, self.expected, self.now = sid, op, expected, now
        self.version: int | None = None
        self.error: BaseException | None = None
        self.finished = False

    def outcome(self) -> int:
        """The committed version, or the error of this append."""
        if self.error is not None:
            raise self.error
        assert self.version is not None
        return self.version


class _DataVersionWaiter(ChangeWaiter):
    """Returns from :meth:`wait` when ``PRAGMA data_version`` moves (another connection
    committed), polled every ``interval`` seconds on a connection of its own."""

    interval = 0.02

    def __init__(self, store: SQLiteStore) -> None:
        super().__init__()
        self._conn = store._connect()
        self._store = store
        self._version = self._read()

    def _read(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.woken.wait(self.interval):
                return
            try:
                version = self._read()
            except sqlite3.Error:
                return
            if version != self._version:
                self._version = version
                return

    def close(self) -> None:
        with self._store._all_lock:
            if self._conn in self._store._all:
                self._store._all.remove(self._conn)
        self._conn.close()
