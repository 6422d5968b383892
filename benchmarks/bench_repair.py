"""Non-disruptive repair of a one-week absence against a full re-solve, on the same schedule.

A 100-worker x 182-day saldo schedule (``rt.synthetic``) is planned once with ``auto``. For each
case, a different worker with shifts in a different week is marked absent on a fork; then

- ``repair``: ``fork.repair("violations", time_limit=T)`` — what changed, how long, the hard
  violations left;
- ``re-solve``: the same strategy from scratch on the changed problem (no starting roster), as a
  planner without repair would do — what changed against the roster people had.

Prints one row per case and a summary (medians, p99 of the repair time, the ratio of cells
changed). Run: ``python benchmarks/bench_repair.py [--cases 5] [--time-limit 3]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import rtsched_widgets as rt
from rtsched_widgets.solve import get_strategy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--cases", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--resolve-limit", type=float, default=10.0)
    args = ap.parse_args()

    p = rt.synthetic(workers=args.workers, days=args.days, posts=3, seed=0)
    s = rt.Schedule(p, user="planner")
    s.generate(strategy="auto", time_limit=args.resolve_limit, seed=0)
    print(f"# {args.workers} workers x {args.days} days x {p.n_shifts} posts; planned: {s.score()}")
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")
    rng = np.random.default_rng(0)
    header = (
        f"{'case':>4} {'worker':>7} {'week':>10} {'hard+':>5} | {'repair s':>8} "
        f"{'cells':>6} {'hard':>4} | {'re-solve cells':>14} {'hard':>4} | {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    times, ratios = [], []
    for case in range(args.cases):
        a = int(rng.integers(7, p.n_days - 14))
        b = a + 6
        works = (s.core.shift_of[:, a : b + 1] >= 0).sum(axis=1)
        w = int(rng.choice(np.flatnonzero(works == works.max())))
        fork = s.fork()
        before = fork.core.slots.copy()
        hard0 = fork.score().hard
        fork.mark_absent(p.workers[w].id, p.calendar.iso(a), p.calendar.iso(b))
        added = fork.score().hard - hard0
        t0 = time.perf_counter()
        r = fork.repair("violations", time_limit=args.time_limit, seed=case)
        took = time.perf_counter() - t0
        repaired_cells = int((fork.core.slots != before).sum())
        solved = get_strategy("auto").solve(fork.problem, time_limit=args.resolve_limit, seed=case)
        resolved_cells = int((solved.roster.slots != before).sum())
        ratio = repaired_cells / max(resolved_cells, 1)
        times.append(took)
        ratios.append(ratio)
        print(
            f"{case:>4} {p.workers[w].id:>7} {p.calendar.iso(a):>10} {added:>5} | "
            f"{took:>8.2f} {repaired_cells:>6} {r.details['score_after'][0]:>4} | "
            f"{resolved_cells:>14} {solved.hard_violations:>4} | {ratio:>6.2%}"
        )
    t = np.array(times)
    print(
        f"\nrepair time median {np.median(t):.2f} s, p99 {np.percentile(t, 99):.2f} s; "
        f"cells changed by repair / by a re-solve: median {np.median(ratios):.2%}, "
        f"max {max(ratios):.2%} (goal <= 5 %, <= 5 s)"
    )
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
