"""Fixtures of the store tests: one store per backend, and a real PostgreSQL server.

The PostgreSQL server is started once per test session from the installed binaries (installed
with apt-get when missing; see tests/pg_server.py) and every test gets a fresh database of its
own (a schema), so tests never see each other's schedules.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pg_server import PostgresServer

from rtsched_widgets.collab.store import Store, open_store

_db_counter = itertools.count()

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session, stopped (fast) at the end."""
    server = PostgresServer(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a new, empty schema (a namespace of its own) on the session's server."""
    return pg_server.create_schema(f"t{next(_db_counter)}")


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """``store_url(backend)``: a URL of a new, empty store of that backend."""

    def make(backend: str) -> str:
        if backend == "memory":
            return f"memory://test-{next(_db_counter)}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'plan{next(_db_counter)}.db'}"
        if backend == "postgres":
            url: str = request.getfixturevalue("pg_url")
            return url
        raise ValueError(backend)

    return make


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn."""
    param: str = request.param
    return param


@pytest.fixture
def url(backend: str, store_url: Callable[[str], str]) -> str:
    """A URL of a new, empty store of the current backend."""
    return store_url(backend)


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    """An open store of the current backend, closed afterwards."""
    s = open_store(url)
    try:
        yield s
    finally:
        s.close()
