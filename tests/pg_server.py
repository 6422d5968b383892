"""A throw-away PostgreSQL server for tests and benchmarks, started from the installed binaries.

``PostgresServer().start()`` runs ``initdb`` in a fresh temporary folder and starts ``postgres``
on a unix socket in that folder and on 127.0.0.1 at a free port, with trust authentication
for the superuser ``rtsched``; ``stop()`` shuts it down (``pg_ctl stop -m fast``) and deletes the
folder. The binaries are those of the highest version under /usr/lib/postgresql/*/bin; when
none are installed the server package is installed with apt-get (a test run must exercise the
store, never skip it). PostgreSQL refuses to run as root: as root, the server runs as the
unprivileged ``postgres`` system user (created when missing) and owns the data folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "rtsched"
SERVICE_USER = "postgres"


def find_bin_dir(install: bool = True) -> Path:
    """The bin folder of the highest installed PostgreSQL version (installing one if asked)."""

    def version_key(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=version_key)
    if found:
        return Path(found[-1]).parent
    if not install:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError(
            "PostgreSQL server binaries are missing and cannot be installed here (needs root "
            "and apt-get) — install the 'postgresql' package"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env)
    return find_bin_dir(install=False)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _service_user() -> str | None:
    """The user the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
        )
    return SERVICE_USER


def _check_identifier(name: str) -> None:
    if not name.isidentifier() or name.lower() != name:
        raise ValueError(f"name {name!r}: use lower-case letters, digits and underscores")


class PostgresServer:
    """One temporary PostgreSQL cluster (see the module docstring).

    ``durable=False`` turns off the server's fsync: much lighter on a shared disk, and enough
    for tests whose failures are client crashes, not power losses; a commit still returns only
    once the server has written it. Benchmarks keep the default (durable) setting.
    """

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable
        self.bin_dir: Path | None = None
        self.root: Path | None = None
        self.port = 0
        self.user: str | None = None

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "server not started"
        return self.root

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd="/")

    def start(self) -> PostgresServer:
        """initdb + pg_ctl start; returns self once the server accepts connections."""
        self.bin_dir = find_bin_dir()
        self.user = _service_user()
        self.root = Path(tempfile.mkdtemp(prefix="rtsched-pg-"))
        if self.user is not None:
            info = pwd.getpwnam(self.user)
            os.chown(self.root, info.pw_uid, info.pw_gid)
        self.port = free_port()
        try:
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            options = (
                f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c max_connections=200 -c shared_buffers=32MB"
            )
            if not self.durable:
                options += " -c fsync=off -c full_page_writes=off"
            self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "server.log"),
                "-o",
                options,
            )
        except subprocess.CalledProcessError as exc:
            log = self.log_tail()
            self.stop()
            raise RuntimeError(
                f"could not start PostgreSQL: {exc.cmd} exited {exc.returncode}\n"
                f"{exc.stdout}\n{exc.stderr}\n{log}"
            ) from exc
        return self

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server log (for error messages)."""
        if self.root is None:
            return ""
        path = self.root / "server.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def url(self, dbname: str = "postgres") -> str:
        """A TCP URL of database ``dbname``."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def socket_url(self, dbname: str = "postgres") -> str:
        """A unix-socket URL of database ``dbname``."""
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` (a plain identifier) and return its URL.

        Costly (it copies a template database and is flushed at shutdown): prefer
        :meth:`create_schema` for per-test isolation."""
        import psycopg

        _check_identifier(name)
        with psycopg.connect(self.socket_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.socket_url(name)

    def create_schema(self, name: str, dbname: str = "postgres") -> str:
        """Create an empty schema ``name`` in ``dbname`` and return a URL whose connections
        use it as their ``search_path`` (so the store's tables land in it)."""
        import psycopg

        _check_identifier(name)
        with psycopg.connect(self.socket_url(dbname), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.socket_url(dbname)}&options=-csearch_path%3D{name}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder; safe to call twice."""
        if self.root is None:
            return
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir), check=False)
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)
        self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
