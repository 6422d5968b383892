"""Stores that cannot be used as they are — garbage or truncated SQLite files, another
application's database, a read-only store, a missing folder, an unreachable PostgreSQL server or
database — are each a StoreError naming the file or URL (password hidden), what is wrong and
the fix; another application's database is left byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from rtsched_widgets.collab.store import StoreError, open_store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_store(path: Path, ops: int = 200) -> Path:
    """An rtsched store with one schedule of ``ops`` ops, checkpointed into the file."""
    with open_store(f"sqlite:///{path}") as s:
        s.create("plan", {"x": 1})
        for i in range(ops):
            s.append("plan", {"op": "assign", "pad": "x" * 400, "i": i}, i)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    return path


def test_garbage_bytes(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    path.write_bytes(os.urandom(16384))
    with pytest.raises(StoreError) as err:
        open_store(f"sqlite:///{path}")
    text = str(err.value)
    assert str(path) in text and "not a SQLite database" in text
    assert "point the URL at a new file" in text


@pytest.mark.parametrize("keep", [0.5, 0.9, 4096, 100])
def test_a_truncated_store(tmp_path: Path, keep: float) -> None:
    path = a_store(tmp_path / "plan.db")
    data = path.read_bytes()
    cut = int(len(data) * keep) if keep < 1 else int(keep)
    path.write_bytes(data[:cut])
    with pytest.raises(StoreError) as err, open_store(f"sqlite:///{path}") as s:
        s.load("plan")
    text = str(err.value)
    assert str(path) in text
    assert "truncated" in text
    assert "restore the file from a backup" in text


def test_another_applications_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER)")
        conn.execute("INSERT INTO customers VALUES (1, 'Ada')")
    conn.close()
    before = digest(path)
    for url in (f"sqlite:///{path}", f"sqlite:///{path}?mode=ro"):
        with pytest.raises(StoreError) as err:
            open_store(url)
        text = str(err.value)
        assert str(path) in text and "another application" in text
        assert "customers, orders" in text and "point the URL at a new file" in text
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.db"]


def test_a_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = a_store(tmp_path / "plan.db", ops=3)
    before = digest(path)
    with open_store(f"sqlite:///{path}?mode=ro") as s:
        assert s.schedules() == ["plan"]
        doc, ops = s.load("plan")
        assert doc == {"x": 1} and [e.version for e in ops] == [1, 2, 3]
        for write in (
            lambda: s.append("plan", {"op": "x"}, 3),
            lambda: s.create("other", {}),
            lambda: s.acquire_lock("plan", "cell:1", "ann", 10),
        ):
            with pytest.raises(StoreError) as err:
                write()
            text = str(err.value)
            assert str(path) in text and "read-only" in text and "mode=ro" in text
        assert s.head("plan") == 3
    assert digest(path) == before


def test_a_read_only_store_must_exist_and_options_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(StoreError, match=r"none\.db.*does not exist.*leave \?mode=ro out"):
        open_store(f"sqlite:///{path}?mode=ro")
    assert not path.exists()
    with pytest.raises(ValueError, match=r"unknown option 'cache=shared'.*mode=ro"):
        open_store(f"sqlite:///{path}?cache=shared")
    with open_store(f"sqlite:///{path}?mode=rw") as s:  # the default, spelt out
        s.create("plan", {})
    assert path.is_file()


def test_a_missing_folder_and_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing/plan.db"
    with pytest.raises(StoreError) as err:
        open_store(url)
    text = str(err.value)
    assert url in text and f"{tmp_path}/missing" in text and "does not exist — create it" in text
    (tmp_path / "adir").mkdir()
    with pytest.raises(StoreError, match=r"adir.*cannot be opened.*names a file"):
        open_store(f"sqlite:///{tmp_path}/adir")


@pytest.mark.postgres
def test_postgres_wrong_database_names_it_with_the_password_hidden(pg_server) -> None:
    url = pg_server.url("no_such_database").replace("rtsched@", "rtsched:s3cr3t@")
    with pytest.raises(StoreError) as err:
        open_store(url, connect_timeout=1)
    text = str(err.value)
    assert "s3cr3t" not in text
    assert url.replace("s3cr3t", "***") in text
    assert '"no_such_database" does not exist' in text
    assert "create the database" in text


@pytest.mark.postgres
def test_postgres_unreachable_server_names_the_url_with_the_password_hidden() -> None:
    url = "postgresql://nobody:s3cr3t@127.0.0.1:1/plans"
    with pytest.raises(StoreError) as err:
        open_store(url, connect_timeout=1)
    text = str(err.value)
    assert "s3cr3t" not in text
    assert "postgresql://nobody:***@127.0.0.1:1/plans" in text
    assert "refused" in text and "check that the server is running" in text
