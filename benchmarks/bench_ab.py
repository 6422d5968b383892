"""Edit latency of this checkout against another commit, interleaved: which one is faster.

On a shared virtual machine every wall-clock figure moves by up to a factor of two from one
minute to the next (see the "machine pauses" line of ``bench_engine.py``), so two tables
taken minutes apart cannot tell a 10 % change. This script checks the other commit out into
a temporary git worktree and runs the same loop on both codes alternately, ``--rounds``
times each, every run in a fresh process (``PYTHONPATH`` picks the code): the two runs of a
round meet about the same phase of the machine. The loop is ``bench_engine.py``'s mixed
sequence at one size — unassign, move, assign back, swap within one date, undo, redo, then a
random off worker into a random full cell (mostly refused: it computes alternatives; the
row "random assign") — ``--edits`` times.

Printed per edit kind: the median over the rounds of each code's p50 and p99 (µs), and the
median and range over the rounds of the paired ratio this / other of the p50s (below 1:
this checkout is faster).

Run: .venv/bin/python benchmarks/bench_ab.py --base <commit> [--rounds 6] [--size 10k]
     [--edits 1500]
"""

# ruff: noqa: B023  (every lambda below is called at once, inside the loop iteration)
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_engine import SIZES, load

KINDS = ("unassign", "move", "assign", "swap", "undo", "redo", "random assign")
ROOT = Path(__file__).resolve().parent.parent


def child(size: str, edits: int) -> None:
    """Runs in a fresh process on the code ``PYTHONPATH`` names: the loop, then one JSON line
    {kind: [p50, p99]} and the file the package came from."""
    import rtsched_widgets

    problem, s, iso, ids = load(size)
    rng = np.random.default_rng(0)
    core = s.core

    def occupied() -> tuple[int, int]:
        while True:
            d, p = int(rng.integers(problem.n_days)), int(rng.integers(problem.n_shifts))
            if core.count[d, p] > 0:
                return d, p

    def same_day_pair() -> tuple[int, int, int]:
        while True:
            d, p1 = occupied()
            posts = [
                q
                for q in np.flatnonzero(core.count[d] > 0).tolist()
                if q != p1 and not problem.mandatory[int(core.slots[d, q, 0]), d]
            ]
            if posts and not problem.mandatory[int(core.slots[d, p1, 0]), d]:
                return d, p1, int(rng.choice(posts))

    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    clock = time.perf_counter_ns
    for _ in range(edits):
        d, p1, p2 = same_day_pair()
        w1 = int(core.slots[d, p1, 0])
        steps = (
            ("unassign", lambda: s.unassign(iso[d], p1)),
            ("move", lambda: s.move((iso[d], p2), (iso[d], p1))),
            ("assign", lambda: s.assign(ids[w1], iso[d], p2)),
            ("swap", lambda: s.swap((iso[d], p1), (iso[d], p2))),
            ("undo", s.undo),
            ("redo", s.redo),
        )
        for kind, step in steps:
            t0 = clock()
            result = step()
            samples[kind].append((clock() - t0) / 1e3)
            if not result.ok:
                raise RuntimeError(f"{kind} refused: {result.message}")
        d3, p3 = occupied()
        off = np.flatnonzero(core.shift_of[:, d3] < 0)
        w3 = int(rng.choice(off))
        t0 = clock()
        s.assign(ids[w3], iso[d3], p3)  # mostly refused, with alternatives
        samples["random assign"].append((clock() - t0) / 1e3)
    out = {k: [float(x) for x in np.percentile(v, [50, 99])] for k, v in samples.items()}
    print(json.dumps({"from": rtsched_widgets.__file__, "figures": out}))


def run(code: Path, size: str, edits: int) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(code))
    cmd = [sys.executable, __file__, "--child", "--size", size, "--edits", str(edits)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"the loop failed on {code}:\n{proc.stderr[-2000:]}")
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    if not answer["from"].startswith(str(code)):
        raise RuntimeError(f"{code}: the package was imported from {answer['from']}")
    figures: dict[str, list[float]] = answer["figures"]
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", help="the commit to compare with (e.g. HEAD~3)")
    ap.add_argument("--rounds", type=int, default=6, help="runs of each code")
    ap.add_argument("--size", default="10k", choices=list(SIZES))
    ap.add_argument("--edits", type=int, default=1500, help="loops per run")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.size, args.edits)
        return 0
    if not args.base:
        ap.error("--base: name the commit to compare with")
    if args.rounds < 1 or args.edits < 1:
        ap.error("--rounds and --edits: give positive numbers")
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        other = Path(tmp) / "other"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.base],
            check=True,
        )
        try:
            this_runs, other_runs = [], []
            for _ in range(args.rounds):
                other_runs.append(run(other, args.size, args.edits))
                this_runs.append(run(ROOT, args.size, args.edits))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)],
                check=False,
            )
    print(
        f"this checkout ({head}, with its uncommitted changes) against {args.base}; size "
        f"{args.size}, {args.rounds} rounds of {args.edits} loops, each code alternately"
    )
    print(
        "| edit | p50 µs this | p50 µs other | p99 µs this | p99 µs other | "
        "p50 this / other (median, range) |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for kind in KINDS:
        mine = [r[kind] for r in this_runs]
        theirs = [r[kind] for r in other_runs]
        ratios = sorted(a[0] / b[0] for a, b in zip(mine, theirs, strict=True))
        print(
            f"| {kind} | {statistics.median(a[0] for a in mine):.1f} | "
            f"{statistics.median(b[0] for b in theirs):.1f} | "
            f"{statistics.median(a[1] for a in mine):.1f} | "
            f"{statistics.median(b[1] for b in theirs):.1f} | "
            f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
