"""Opening stores: URL schemes, options, the schema version check, the missing-extra error and
the SQLite durability settings."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from rtsched_widgets._optional import MissingExtraError
from rtsched_widgets.collab.store import (
    SCHEMA_VERSION,
    SchemaMismatch,
    StoreError,
    open_store,
)
from rtsched_widgets.collab.store.memory import MemoryStore
from rtsched_widgets.collab.store.postgres import PostgresStore, channel_name, redact
from rtsched_widgets.collab.store.sqlite import SQLiteStore, sqlite_path


def test_memory_urls() -> None:
    a, b = open_store(None), open_store("memory")
    assert isinstance(a, MemoryStore)
    a.create("plan", {})
    assert b.schedules() == [], "'memory' is private to each open_store call"
    one, two = open_store("memory://shared-test"), open_store("memory://shared-test")
    one.create("plan", {"x": 1})
    assert two.load("plan") == ({"x": 1}, [])
    assert open_store(one) is one, "an open Store is passed through"


@pytest.mark.parametrize(
    "url", ["mysql://localhost/db", "plan.db", "sqlite3:///plan.db", "http://x", "memory://"]
)
def test_unknown_scheme_names_the_valid_ones(url: str) -> None:
    with pytest.raises(ValueError, match=r"memory.*sqlite:///.*postgresql://"):
        open_store(url)


def test_non_string_url() -> None:
    with pytest.raises(ValueError, match="not a store URL"):
        open_store(42)  # type: ignore[arg-type]


def test_unknown_options_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['pool_size'\].*busy_timeout"):
        open_store(f"sqlite:///{tmp_path}/a.db", pool_size=3)
    with pytest.raises(TypeError, match="unknown option"):
        open_store("memory", busy_timeout=1)
    with pytest.raises(TypeError, match="given with an open Store"):
        open_store(open_store("memory"), clock=lambda: 0.0)


def test_sqlite_urls_follow_sqlalchemy_spelling(tmp_path: Path) -> None:
    assert sqlite_path("sqlite:///plan.db") == Path("plan.db")
    assert sqlite_path("sqlite:////abs/plan.db") == Path("/abs/plan.db")
    for bad in ("sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite://host/plan.db"):
        with pytest.raises(ValueError, match="store:"):
            open_store(bad)
    with pytest.raises(StoreError, match="does not exist — create it"):
        open_store(f"sqlite:///{tmp_path}/missing/plan.db")


def test_sqlite_is_durable_wal(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/plan.db") as s:
        assert isinstance(s, SQLiteStore)
        s.create("plan", {})
        conn = s._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just some text that is long enough" * 20)
    with pytest.raises(StoreError, match=r"cannot open .* as a SQLite database"):
        open_store(f"sqlite:///{path}")


@pytest.mark.parametrize("found", [SCHEMA_VERSION + 1, 0])
def test_sqlite_schema_mismatch(tmp_path: Path, found: int) -> None:
    url = f"sqlite:///{tmp_path}/plan.db"
    with open_store(url) as s:
        s.create("plan", {})
    with sqlite3.connect(tmp_path / "plan.db") as conn:
        conn.execute("UPDATE rtsched_meta SET value = ? WHERE key = 'schema_version'", (found,))
    with pytest.raises(SchemaMismatch) as info:
        open_store(url)
    message = str(info.value)
    assert f"schema version {found} in the database" in message
    assert f"reads schema version {SCHEMA_VERSION}" in message
    assert ("upgrade rtsched_widgets" in message) == (found > SCHEMA_VERSION)
    assert info.value.found == found


@pytest.mark.postgres
def test_postgres_schema_mismatch(pg_url: str) -> None:
    import psycopg

    with open_store(pg_url) as s:
        s.create("plan", {})
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE rtsched_meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch, match=r"schema version 7 in the database.*reads schema"):
        open_store(pg_url)


@pytest.mark.postgres
def test_postgres_tables_are_created_once_by_concurrent_openers(pg_url: str) -> None:
    import threading

    stores: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def opener() -> None:
        start.wait()
        try:
            s = open_store(pg_url)
            assert isinstance(s, PostgresStore)
            stores.append(s)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stores[0].create("plan", {})
    assert all(s.head("plan") == 0 for s in stores)
    for s in stores:
        s.close()


@pytest.mark.postgres
def test_postgres_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to PostgreSQL.*server is running"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none", connect_timeout=1)


def test_postgres_url_password_is_redacted() -> None:
    assert redact("postgresql://bob:s3cr3t@db:5432/plans") == "postgresql://bob:***@db:5432/plans"
    assert redact("postgresql://bob@db/plans") == "postgresql://bob@db/plans"
    name = channel_name("ward A; DROP TABLE x")
    assert name.startswith("rtsched_") and name.isidentifier() and len(name) < 64


def test_missing_postgres_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError, match=r"rtsched_widgets\[postgres\]"):
        open_store("postgresql://localhost/plans")
