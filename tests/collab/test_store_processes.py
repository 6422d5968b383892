"""Several processes on one store: concurrent writers lose nothing and agree on the log, the
change feed crosses processes, and a writer killed with SIGKILL mid-stream leaves every
acknowledged op in place and no half-written one.

Children are forked (cheap: the parent has already imported everything) and each opens its
own store handle, as separate kernels would.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import random
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import pytest
from _collab_helpers import kill_after_acks

from rtsched_widgets.collab.store import LogEntry, StaleVersion, open_store

CTX = mp.get_context("fork")
PROCESS_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _digest(ops: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(ops, sort_keys=True).encode()).hexdigest()


def _append_with_retry(store: Any, sid: str, op: dict[str, Any]) -> tuple[int, int]:
    """Append ``op`` at the head, retrying on StaleVersion; (version, number of retries)."""
    retries = 0
    while True:
        head = store.head(sid)
        try:
            return store.append(sid, op, head), retries
        except StaleVersion:
            retries += 1


def _writer(url: str, name: str, n: int, total: int, go: Any, out: Connection) -> None:
    store = open_store(url)
    go.wait()
    acked: list[tuple[int, dict[str, Any]]] = []
    retries = 0
    for i in range(n):
        op = {"op": "assign", "writer": name, "i": i}
        version, r = _append_with_retry(store, "plan", op)
        acked.append((version, op))
        retries += r
    deadline = time.monotonic() + 120
    while store.head("plan") < total and time.monotonic() < deadline:
        time.sleep(0.01)
    log = store.read("plan")
    out.send({"acked": acked, "retries": retries, "digest": _digest(log), "length": len(log)})
    store.close()


@pytest.mark.parametrize("backend", PROCESS_BACKENDS)
def test_two_processes_lose_nothing_and_read_identical_logs(
    backend: str, store_url: Callable[[str], str]
) -> None:
    url, n = store_url(backend), 60
    with open_store(url) as parent:
        parent.create("plan", {"name": "shared"})
        go = CTX.Event()
        pipes = [CTX.Pipe(duplex=False) for _ in range(2)]
        children = [
            CTX.Process(target=_writer, args=(url, f"w{k}", n, 2 * n, go, pipes[k][1]))
            for k in range(2)
        ]
        for child in children:
            child.start()  # forked before any thread of ours runs
        feed: list[LogEntry] = []
        watch = parent.watch("plan", feed.extend, after_version=0)
        go.set()
        assert all(pipes[k][0].poll(120) for k in range(2)), "a writer did not report"
        reports = [pipes[k][0].recv() for k in range(2)]
        for child in children:
            child.join(60)
            assert child.exitcode == 0
        log = parent.read("plan")
        assert len(log) == 2 * n
        for report in reports:
            assert report["length"] == 2 * n
            for version, op in report["acked"]:
                assert log[version - 1] == op, f"acknowledged op lost at version {version}"
        assert reports[0]["digest"] == reports[1]["digest"] == _digest(log)
        for name in ("w0", "w1"):
            mine = [op["i"] for op in log if op["writer"] == name]
            assert mine == list(range(n)), f"{name}'s ops are in its order, once each"
        assert watch.wait_for(2 * n, timeout=60)
        assert [e.version for e in feed] == list(range(1, 2 * n + 1))
        assert [e.op for e in feed] == log


def _append_until_killed(url: str, run: int, out: Connection) -> None:
    store = open_store(url)
    rng = random.Random(run)
    i = 0
    while True:
        op = {"op": "bulk", "run": run, "i": i, "pad": "x" * rng.randint(0, 3000)}
        version, _ = _append_with_retry(store, "plan", op)
        out.send((version, i))  # acknowledged: append has returned
        i += 1


def _kill_during_appends(url: str, runs: int) -> tuple[int, int]:
    """``runs`` times: fork a writer, let it acknowledge a few ops, SIGKILL it at a random
    moment; after each run reopen the store and check the log. (acked, stored) totals."""
    with open_store(url) as s:
        s.create("plan", {"name": "crash"})
    rng = random.Random(1234)
    acked_total = 0
    for run in range(runs):
        acks = kill_after_acks(_append_until_killed, (url, run), rng, (1, 5), 0.004)
        acked_total += len(acks)
        with open_store(url) as s:
            doc, log = s.load("plan")
            assert s.head("plan") == len(log)
        assert doc == {"name": "crash"}
        assert [e.version for e in log] == list(range(1, len(log) + 1)), "versions contiguous"
        by_version = {e.version: e.op for e in log}
        for version, i in acks:
            assert by_version.get(version, {}).get("i") == i, f"run {run}: acked op lost"
            assert by_version[version]["run"] == run
        this_run = [e.op["i"] for e in log if e.op["run"] == run]
        assert this_run == list(range(len(this_run))), "no op of the run missing or repeated"
        assert len(this_run) >= len(acks)
    return acked_total, len(log)


def test_sqlite_writer_killed_50_times_keeps_every_acknowledged_op(
    store_url: Callable[[str], str],
) -> None:
    url = store_url("sqlite")
    acked, stored = _kill_during_appends(url, 50)
    assert acked >= 50
    assert stored >= acked
    with open_store(url) as s:
        conn = s._conn  # type: ignore[attr-defined]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.postgres
def test_postgres_writer_killed_20_times_keeps_every_acknowledged_op(pg_url: str) -> None:
    acked, stored = _kill_during_appends(pg_url, 20)
    assert acked >= 20
    assert stored >= acked
