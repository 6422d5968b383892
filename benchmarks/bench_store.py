"""Throughput, latency and correctness of the shared stores under concurrent writers.

Contended run, per backend (SQLite file, PostgreSQL database): ``--writers`` processes (default
20, forked) append small edit-sized ops to one schedule for ``--seconds`` (default 30), each
retrying on StaleVersion (read the head, append again) as an engine would. Reported: edits
acknowledged per second, p50/p99 latency of one ``append`` call and of one acknowledged edit
(first attempt to acknowledgement, retries included), the share of attempts refused as stale,
lost edits (acknowledged by ``append`` but absent from the final log — must be 0) and whether
every writer read an identical log at the end.

Single-writer run: ``--single`` durable appends by one process with no contention, on SQLite
(budget DESIGN.md §9: p99 <= 5 ms) and PostgreSQL, read against the disk they run on: the
baseline row is the bare fsync of that disk (append 200 bytes to a file and ``fsync`` it, timed
in the same process just before), and the ratio columns divide by its p50 and p99 — no durable
commit can be faster than one such flush. Beside it: ``pwrite`` of one 4 KiB page over
existing bytes plus ``fdatasync`` (what a SQLite WAL commit flushes once the WAL file has
reached its size), the in-memory store, and, as a reference only, SQLite with
``synchronous=NORMAL`` — not durable (a power loss may drop acknowledged edits), so never what
the store runs with.

The PostgreSQL server is started from the installed binaries by tests/pg_server.py (durable:
fsync on) unless ``--pg-url`` names one.

Reopen run: a schedule (20 workers, 28 days, 2 posts) with a log of ``--reopen`` lengths of
random edits in a SQLite file, snapshots every 1,000 ops; opening it is timed ``--repeats``
times with snapshots (newest snapshot plus the tail) and without (the whole log replayed).

Run: .venv/bin/python benchmarks/bench_store.py [--seconds 30] [--writers 20] [--single 2000]
     [--backends sqlite,postgres] [--pg-url postgresql://...] [--reopen 2000,8000,16700]
     [--repeats 9] [--reopen-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from rtsched_widgets.collab.store import StaleVersion, open_store

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SQLITE_P99_MS = 5.0
CTX = mp.get_context("fork")
SID = "bench"


def edit(writer: int, i: int) -> dict[str, Any]:
    """An op of the size the engine appends for one assignment."""
    return {
        "op_id": f"w{writer}-{i}",
        "user": f"user{writer}",
        "kind": "assign",
        "cells": [["2026-01-05", i % 7, 0, f"W{(writer * 31 + i) % 400:03d}"]],
        "forced": False,
        "ts": time.time(),
    }


def digest(ops: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(ops, sort_keys=True).encode()).hexdigest()


def writer_main(url: str, k: int, seconds: float, go: Any, done: Any, out: Connection) -> None:
    store = open_store(url)
    call_ms: list[float] = []
    edit_ms: list[float] = []
    acked: list[tuple[int, str]] = []
    stale = 0
    go.wait()
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        op = edit(k, i)
        first = time.perf_counter()
        while True:
            head = store.head(SID)
            t0 = time.perf_counter()
            try:
                version = store.append(SID, op, head)
            except StaleVersion:
                call_ms.append((time.perf_counter() - t0) * 1e3)
                stale += 1
                continue
            now = time.perf_counter()
            call_ms.append((now - t0) * 1e3)
            edit_ms.append((now - first) * 1e3)
            acked.append((version, op["op_id"]))
            break
        i += 1
    done.wait()  # every writer stopped: the log is final
    log = store.read(SID)
    out.send(
        {
            "call_ms": call_ms,
            "edit_ms": edit_ms,
            "acked": acked,
            "stale": stale,
            "digest": digest(log),
            "length": len(log),
        }
    )
    store.close()


def contended(url: str, writers: int, seconds: float) -> dict[str, Any]:
    with open_store(url) as s:
        s.create(SID, {"name": "bench"})
    go, done = CTX.Event(), CTX.Barrier(writers)
    pipes = [CTX.Pipe(duplex=False) for _ in range(writers)]
    procs = [
        CTX.Process(target=writer_main, args=(url, k, seconds, go, done, pipes[k][1]))
        for k in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every writer open its store
    t0 = time.perf_counter()
    go.set()
    reports = [pipes[k][0].recv() for k in range(writers)]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    with open_store(url) as s:
        log = s.read(SID)
    by_version = {v + 1: op["op_id"] for v, op in enumerate(log)}
    acked = [a for r in reports for a in r["acked"]]
    lost = sum(1 for version, op_id in acked if by_version.get(version) != op_id)
    calls = np.array([x for r in reports for x in r["call_ms"]])
    edits = np.array([x for r in reports for x in r["edit_ms"]])
    stale = sum(r["stale"] for r in reports)
    return {
        "edits": len(acked),
        "edits_per_s": len(acked) / elapsed,
        "call_p50": float(np.percentile(calls, 50)),
        "call_p99": float(np.percentile(calls, 99)),
        "edit_p50": float(np.percentile(edits, 50)),
        "edit_p99": float(np.percentile(edits, 99)),
        "stale_share": stale / max(1, len(calls)),
        "lost": lost,
        "log_length": len(log),
        "identical": len({r["digest"] for r in reports}) == 1
        and reports[0]["digest"] == digest(log)
        and len(log) == len(acked),
    }


def single(url: str, n: int, *, durable: bool = True) -> np.ndarray:
    """``n`` appends by one process, one after another. ``durable=False`` (SQLite only)
    switches the writing connection to ``synchronous=NORMAL`` (WAL): what giving up
    durability would buy — a reference, the store never runs like this."""
    store = open_store(url)
    if not durable:
        store._conn.execute("PRAGMA synchronous = NORMAL")  # type: ignore[attr-defined]
    store.create(SID + "-single", {"name": "single"})
    out = np.empty(n)
    for i in range(n):
        op = edit(0, i)
        t0 = time.perf_counter()
        store.append(SID + "-single", op, i)
        out[i] = (time.perf_counter() - t0) * 1e3
    store.close()
    return out


def threaded(url: str, n: int, threads: int) -> tuple[np.ndarray, float, float]:
    """``n`` appends by ``threads`` threads of one process, each to a schedule of its own, all
    started together: the latencies, the mean appends per commit (group commit) and the
    acknowledged appends per second."""
    import threading

    store = open_store(url)
    for k in range(threads):
        store.create(f"{SID}-t{k}", {"name": f"thread {k}"})
    per = n // threads
    lat: list[list[float]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def run(k: int) -> None:
        barrier.wait()
        for i in range(per):
            t0 = time.perf_counter()
            store.append(f"{SID}-t{k}", edit(k, i), i)
            lat[k].append((time.perf_counter() - t0) * 1e3)

    pool = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    group = store.appends / max(1, store.commits)  # type: ignore[attr-defined]
    store.close()
    return np.array([x for xs in lat for x in xs]), group, per * threads / elapsed


def overwrite_floor(folder: Path, n: int) -> np.ndarray:
    """Latency of overwriting one 4 KiB page of an existing file and ``fdatasync``-ing it."""
    out = np.empty(n)
    size = 1024 * 4096
    fd = os.open(folder / "overwrite.probe", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"\0" * size)
        os.fsync(fd)
        for i in range(n):
            t0 = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, (i * 4096) % size)
            os.fdatasync(fd)
            out[i] = (time.perf_counter() - t0) * 1e3
    finally:
        os.close(fd)
    return out


def fsync_floor(folder: Path, n: int) -> np.ndarray:
    """Latency of appending 200 bytes to a file and fsync-ing it: the floor of any durable
    commit on this disk."""
    out = np.empty(n)
    fd = os.open(folder / "fsync.probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for i in range(n):
            t0 = time.perf_counter()
            os.write(fd, b"x" * 200)
            os.fsync(fd)
            out[i] = (time.perf_counter() - t0) * 1e3
    finally:
        os.close(fd)
    return out


def reopen(folder: Path, lengths: list[int], repeats: int) -> list[dict[str, Any]]:
    """Open time of a schedule with logs of ``lengths`` ops, with and without snapshots."""
    import random

    import rtsched_widgets as rt
    from rtsched_widgets.engine.schedule import Policy, Schedule

    problem = rt.synthetic(workers=20, days=28, posts=2, seed=3, mandatory_per_worker=0)
    policy = Policy(block_hard=False)
    rows = []
    for n in lengths:
        url = f"sqlite:///{folder / f'reopen-{n}.db'}"
        s = Schedule(problem, store=url, user="u0", policy=policy)
        rng = random.Random(n)
        while s.version < n:
            d, post = rng.randrange(problem.n_days), rng.randrange(problem.n_shifts)
            user = f"u{rng.randrange(3)}"
            if rng.random() < 0.3:
                s.unassign(s._iso[d], post, 0, user=user)
            else:
                w = problem.workers[rng.randrange(problem.n_workers)].id
                s.assign(w, s._iso[d], post, 0, user=user)
        s.collab.snapshots = False  # the newest snapshot is the periodic one, not one on close
        s.close()
        row: dict[str, Any] = {"ops": n}
        for label, options in (("snapshot", {}), ("full", {"snapshots": False})):
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                r = Schedule(problem, store=url, policy=policy, session_options=options)
                times.append(time.perf_counter() - t0)
                row[f"{label}_from"] = r.collab.restored_from
                r.collab.snapshots = False
                r.close()
            row[label] = np.array(times) * 1000
        rows.append(row)
    return rows


def print_reopen(rows: list[dict[str, Any]], repeats: int) -> None:
    print(
        f"\nreopening a SQLite schedule, {repeats} opens each (ms; snapshot every 1,000 ops, "
        "tail = ops after the newest snapshot)\n"
    )
    print(
        "| log ops | tail | snapshot p50 | snapshot p99 | full replay p50 | full replay p99 "
        "| p50 ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        a, b = r["snapshot"], r["full"]
        p = [float(np.percentile(x, q)) for x in (a, b) for q in (50, 99)]
        print(
            f"| {r['ops']:,} | {r['ops'] - r['snapshot_from']:,} | {p[0]:.1f} | {p[1]:.1f} | "
            f"{p[2]:.1f} | {p[3]:.1f} | {p[2] / p[0]:.1f}x |"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--single", type=int, default=2000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--reopen", default="2000,8000,16700")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--reopen-only", action="store_true")
    args = ap.parse_args(argv)
    if args.reopen_only:
        lengths = [int(x) for x in args.reopen.split(",") if x.strip()]
        print(f"# {platform.python_version()}, load {os.getloadavg()[0]:.1f} at the start")
        folder = Path(tempfile.mkdtemp(prefix="rtsched-bench-reopen-"))
        print_reopen(reopen(folder, lengths, args.repeats), args.repeats)
        print(f"\n# load {os.getloadavg()[0]:.1f} at the end")
        return
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        ap.error(f"--backends: unknown {sorted(unknown)}; use sqlite and/or postgres")

    tmp = Path(tempfile.mkdtemp(prefix="rtsched-bench-store-"))
    server = None
    urls: dict[str, str] = {}
    if "sqlite" in backends:
        urls["sqlite"] = f"sqlite:///{tmp / 'contended.db'}"
    if "postgres" in backends:
        if args.pg_url:
            urls["postgres"] = args.pg_url
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            from pg_server import PostgresServer

            server = PostgresServer(durable=True).start()
            urls["postgres"] = server.create_database("bench")
    print(
        f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}; sqlite {__import__('sqlite3').sqlite_version}"
    )
    try:
        rows = []
        for name in backends:
            r = contended(urls[name], args.writers, args.seconds)
            rows.append((name, r))
        floor_name = "bare fsync of this disk (baseline)"
        singles: dict[str, np.ndarray] = {floor_name: fsync_floor(tmp, args.single)}
        singles["page overwrite + fdatasync"] = overwrite_floor(tmp, args.single)
        singles["memory"] = single("memory", args.single)
        if "sqlite" in backends:
            singles["sqlite"] = single(f"sqlite:///{tmp / 'single.db'}", args.single)
            singles["sqlite synchronous=NORMAL (not durable, reference)"] = single(
                f"sqlite:///{tmp / 'single-normal.db'}", args.single, durable=False
            )
        if "sqlite" in backends:
            xs, group, rate = threaded(f"sqlite:///{tmp / 'threads.db'}", args.single, 8)
            singles["sqlite, 8 threads of one process (group commit)"] = xs
        if "postgres" in backends:
            singles["postgres"] = single(urls["postgres"], args.single)
        load_after = os.getloadavg()[0]
    finally:
        if server is not None:
            server.stop()

    print(
        f"\n{args.writers} writer processes for {args.seconds:g} s, one schedule, "
        "retry on StaleVersion (latencies in ms)\n"
    )
    print(
        "| backend | edits | edits/s | append p50 | append p99 | edit p50 | edit p99 "
        "| stale share | lost | replicas identical |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, r in rows:
        print(
            f"| {name} | {r['edits']:,} | {r['edits_per_s']:,.0f} | {r['call_p50']:.2f} | "
            f"{r['call_p99']:.2f} | {r['edit_p50']:.2f} | {r['edit_p99']:.2f} | "
            f"{r['stale_share']:.0%} | {r['lost']} | {'yes' if r['identical'] else 'NO'} |"
        )
    base50 = float(np.percentile(singles[floor_name], 50))
    base99 = float(np.percentile(singles[floor_name], 99))
    print(
        f"\nsingle writer, {args.single} appends each, one after another "
        f"(latencies in ms; load {load_after:.1f} at the end)\n"
    )
    print("| store | p50 | p99 | p50 / fsync p50 | p99 / fsync p99 | budget |")
    print("|---|---:|---:|---:|---:|---|")
    for name, xs in singles.items():
        p50, p99 = float(np.percentile(xs, 50)), float(np.percentile(xs, 99))
        budget = "-"
        if name == "sqlite":
            verdict = "ok" if p99 <= BUDGET_SQLITE_P99_MS else "OVER"
            budget = f"p99 <= {BUDGET_SQLITE_P99_MS:g} ms: {verdict}"
        print(
            f"| {name} | {p50:.3f} | {p99:.3f} | {p50 / base50:.2f}x | {p99 / base99:.2f}x "
            f"| {budget} |"
        )
    if "sqlite" in backends:
        print(
            f"\ngroup commit, 8 threads of one process: {group:.1f} appends per commit, "
            f"{rate:,.0f} durable appends/s"
        )
    lengths = [int(x) for x in args.reopen.split(",") if x.strip()]
    if lengths and "sqlite" in backends:
        print_reopen(reopen(tmp, lengths, args.repeats), args.repeats)
    failed = [name for name, r in rows if r["lost"] or not r["identical"]]
    if failed:
        print(f"\nFAILED: lost edits or diverging replicas on {failed}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
