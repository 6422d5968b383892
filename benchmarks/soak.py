"""Soak: a million edits on one schedule, resident memory read every 100,000.

Each backend runs in a process of its own (so one run's memory does not carry into the next):
``memory`` is a schedule without a store, ``sqlite`` one replicated to a SQLite file (every
edit a durable commit, a snapshot every 1,000 ops by default). The edits are random assigns
(60 %), unassigns, swaps, undos and redos by three users on a small problem (20 workers, 28
days, 2 posts) with ``Policy(max_history=10_000, event_history=10_000)``, so history and event
bus are full after the first ten thousand edits and must stay at their bounds from then on.

Printed per backend: edits, resident set size (``VmRSS`` of /proc/self/status) after a
``gc.collect()``, history records and events kept; then the growth of RSS from the end of the
warm-up (the first 200,000 edits) to the end, which a leak would make grow with the edits.

Run: nice .venv/bin/python benchmarks/soak.py [--edits 1000000] [--every 100000]
     [--backends memory,sqlite]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Policy, Schedule

WARMUP = 200_000
MAX_HISTORY = 10_000
EVENT_HISTORY = 10_000


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def make(store: str | None) -> Schedule:
    problem = rt.synthetic(workers=20, days=28, posts=2, seed=3, mandatory_per_worker=0)
    policy = Policy(block_hard=False, max_history=MAX_HISTORY, event_history=EVENT_HISTORY)
    return Schedule(problem, store=store, user="u0", policy=policy)


def edit(s: Schedule, rng: random.Random) -> bool:
    """One random edit by one of three users; whether it was applied."""
    p = s.problem
    user = f"u{rng.randrange(3)}"
    d, post = rng.randrange(p.n_days), rng.randrange(p.n_shifts)
    x = rng.random()
    if x < 0.08:
        r = s.undo(user=user)
    elif x < 0.12:
        r = s.redo(user=user)
    elif x < 0.32:
        r = s.unassign(s._iso[d], post, 0, user=user)
    elif x < 0.4:
        d2 = rng.randrange(p.n_days)
        r = s.swap((s._iso[d], post, 0), (s._iso[d2], post, 0), user=user)
    else:
        r = s.assign(p.workers[rng.randrange(p.n_workers)].id, s._iso[d], post, 0, user=user)
    return bool(r.ok)


def soak(s: Schedule, edits: int, every: int, seed: int = 0) -> list[dict[str, Any]]:
    """Run ``edits`` edits on ``s``; one row per ``every`` edits (and one at the start)."""
    rng = random.Random(seed)
    rows = []
    applied = 0
    t0 = time.perf_counter()
    gc.collect()
    rows.append({"edits": 0, "rss_mb": rss_mb(), "history": 0, "events": 0, "s": 0.0})
    for i in range(1, edits + 1):
        applied += edit(s, rng)
        if i % every == 0:
            gc.collect()
            rows.append(
                {
                    "edits": i,
                    "applied": applied,
                    "rss_mb": rss_mb(),
                    "history": len(s.oplog),
                    "events": len(s.events.query()),
                    "s": time.perf_counter() - t0,
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def child(backend: str, edits: int, every: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rtsched-soak-"))
    store = None if backend == "memory" else f"sqlite:///{folder / 'soak.db'}"
    s = make(store)
    rows = soak(s, edits, every)
    size = 0.0
    if store is not None:
        s.close()
        size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
    print(json.dumps({"rows": rows, "db_mb": size}))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=1_000_000)
    ap.add_argument("--every", type=int, default=100_000)
    ap.add_argument("--backends", default="memory,sqlite")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.edits, args.every)
        return
    print(
        f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f} at the start; {args.edits:,} edits per backend, "
        f"max_history={MAX_HISTORY:,}, event_history={EVENT_HISTORY:,}"
    )
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                *("--child", backend, "--edits", str(args.edits), "--every", str(args.every)),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        rows = result["rows"]
        print(
            f"\n{backend}"
            + (f" (database {result['db_mb']:.0f} MiB at the end)" if result["db_mb"] else "")
        )
        print("| edits | applied | RSS MiB | history | events | elapsed s |")
        print("|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(
                f"| {r['edits']:,} | {r.get('applied', 0):,} | {r['rss_mb']:.1f} | "
                f"{r['history']:,} | {r['events']:,} | {r['s']:.0f} |"
            )
        after = [r for r in rows if r["edits"] >= WARMUP]
        if len(after) >= 2:
            growth = after[-1]["rss_mb"] - after[0]["rss_mb"]
            spread = max(r["rss_mb"] for r in after) - min(r["rss_mb"] for r in after)
            print(
                f"\nRSS from {after[0]['edits']:,} to {after[-1]['edits']:,} edits: "
                f"{growth:+.1f} MiB (max - min {spread:.1f} MiB)"
            )
    print(f"\n# load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
