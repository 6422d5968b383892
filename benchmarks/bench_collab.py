"""Cost of collaboration on the edit path, and how fast a replica sees another's edit.

Per configuration, ``--edits`` edits (assign then unassign of one cell, alternating over the
horizon) through ``Schedule.apply``; reported: p50 and p99 latency of one acknowledged edit and
the ratio of the p50 to the baseline (a schedule without any session) timed in the same process:

* ``no session``: the plain engine (baseline);
* ``session, no lock``: ``schedule.collaborate()`` (lock check on an empty lock table);
* ``session, 50 locks``: 50 row locks held by someone else (none on the edited cells);
* ``sqlite store``: every edit appended durably to a SQLite file before it is applied;
* ``postgresql store``: the same on a PostgreSQL server started by tests/pg_server.py
  (skipped with ``--no-postgres``).

Replication: two schedules of one process on one store; the delay from ``apply`` returning on
one to the ``remote_applied`` event on the other (change feed, in-process), p50 and p99.

Lock propagation: on the same two schedules, the delay from ``collab.lock`` (then ``unlock``)
returning on one to ``lock_acquired`` (then ``lock_released``) on the other's bus, carried by
the store's change feed as between processes (SQLite: ``data_version`` poll; PostgreSQL:
LISTEN/NOTIFY), p50 and p99 over both kinds.

Run: .venv/bin/python benchmarks/bench_collab.py [--edits 500] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Policy, Schedule

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _problem() -> Any:
    return rt.synthetic(workers=40, days=180, posts=3, seed=0, mandatory_per_worker=0)


def _edits(s: Schedule, n: int) -> list[float]:
    p = s.problem
    out = []
    for i in range(n):
        d = (i // 2) % 90  # locks sit on later dates
        w = p.workers[(i // 2) % p.n_workers].id
        op = (
            {"op": "assign", "worker": w, "date": s._iso[d], "post": 0, "slot": 0}
            if i % 2 == 0
            else {"op": "unassign", "date": s._iso[d], "post": 0, "slot": 0}
        )
        t0 = time.perf_counter()
        r = s.apply(op)
        out.append(time.perf_counter() - t0)
        if not r.ok:
            raise RuntimeError(r.message)
    return out


def _replication(url: str, n: int) -> list[float]:
    p = _problem()
    policy = Policy(block_hard=False)
    a = Schedule(p, store=url, user="a", policy=policy)
    b = Schedule(p, store=url, user="b", policy=policy)
    arrived: dict[int, float] = {}
    done = threading.Event()

    def seen(event: Any) -> None:
        arrived[event.payload["version"]] = time.perf_counter()
        done.set()

    b.events.subscribe("remote_applied", seen)
    delays = []
    for i in range(n):
        d = (i // 2) % 90  # locks sit on later dates
        w = p.workers[(i // 2) % p.n_workers].id
        op = (
            {"op": "assign", "worker": w, "date": a._iso[d], "post": 0, "slot": 0}
            if i % 2 == 0
            else {"op": "unassign", "date": a._iso[d], "post": 0, "slot": 0}
        )
        r = a.apply(op)
        sent = time.perf_counter()
        deadline = sent + 10
        while r.version not in arrived and time.perf_counter() < deadline:
            done.wait(0.01)
            done.clear()
        delays.append(arrived.get(r.version, float("nan")) - sent)
    a.close()
    b.close()
    return delays


def _lock_delays(url: str, n: int) -> list[float]:
    p = _problem()
    a = Schedule(p, store=url, user="a")
    b = Schedule(p, store=url, user="b")
    arrived: dict[tuple[str, str], float] = {}
    done = threading.Event()

    def seen(event: Any) -> None:
        if event.payload["user"] == "a":
            arrived[(event.type, event.payload["target"])] = time.perf_counter()
            done.set()

    b.events.subscribe(["lock_acquired", "lock_released"], seen)
    delays = []
    for i in range(n):
        date = a._iso[i % p.n_days]
        for kind, act in (("lock_acquired", a.collab.lock), ("lock_released", a.collab.unlock)):
            key = (kind, f"row:{date}")
            arrived.pop(key, None)
            act("row", date)
            sent = time.perf_counter()
            deadline = sent + 10
            while key not in arrived and time.perf_counter() < deadline:
                done.wait(0.01)
                done.clear()
            delays.append(arrived.get(key, float("nan")) - sent)
    a.close()
    b.close()
    return delays


def _print_delays(name: str, delays: list[float]) -> None:
    arr = np.array(delays) * 1e3
    p50, p99 = np.nanpercentile(arr, 50), np.nanpercentile(arr, 99)
    print(f"{name:<22}{p50:>10.2f}{p99:>10.2f}{int(np.isnan(arr).sum()):>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    n = args.edits
    policy = Policy(block_hard=False)
    tmp = Path(tempfile.mkdtemp())
    rows: list[tuple[str, list[float]]] = []

    rows.append(("no session", _edits(Schedule(_problem(), policy=policy), n)))
    s = Schedule(_problem(), policy=policy)
    s.collaborate()
    rows.append(("session, no lock", _edits(s, n)))
    s.close()
    s = Schedule(_problem(), policy=policy)
    s.collaborate()
    for d in range(100, 150):
        s.collab.lock("row", s._iso[d], user="other")
    rows.append(("session, 50 locks", _edits(s, n)))
    s.close()
    s = Schedule(_problem(), store=f"sqlite:///{tmp / 'bench.db'}", policy=policy)
    rows.append(("sqlite store", _edits(s, n)))
    s.close()
    pg = None
    if not args.no_postgres:
        from pg_server import PostgresServer

        pg = PostgresServer(durable=True).start()
        url = pg.create_schema("bench")
        s = Schedule(_problem(), store=url, policy=policy)
        rows.append(("postgresql store", _edits(s, n)))
        s.close()

    base = float(np.median(rows[0][1]))
    print(f"\nedit latency through Schedule.apply ({n} edits, 40 workers x 180 days x 3 posts)")
    print(f"{'configuration':<22}{'p50 µs':>10}{'p99 µs':>10}{'p50 ratio':>11}")
    for name, times in rows:
        arr = np.array(times) * 1e6
        p50, p99 = np.percentile(arr, 50), np.percentile(arr, 99)
        print(f"{name:<22}{p50:>10.1f}{p99:>10.1f}{p50 / (base * 1e6):>10.1f}x")

    def stores(name: str) -> list[tuple[str, str]]:
        out = [("sqlite", f"sqlite:///{tmp / f'{name}.db'}")]
        if pg is not None:
            out.append(("postgresql", pg.create_schema(name)))
        return out

    print(f"\nreplication delay (apply on one schedule -> remote_applied on the other, {n // 5})")
    print(f"{'store':<22}{'p50 ms':>10}{'p99 ms':>10}{'missed':>8}")
    for name, url in stores("repl"):
        _print_delays(name, _replication(url, n // 5))
    k = n // 10
    print(f"\nlock propagation (lock/unlock on one schedule -> event on the other, {2 * k})")
    print(f"{'store':<22}{'p50 ms':>10}{'p99 ms':>10}{'missed':>8}")
    for name, url in stores("locks"):
        _print_delays(name, _lock_delays(url, k))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (2 cores shared)")
    if pg is not None:
        pg.stop()


if __name__ == "__main__":
    main()
