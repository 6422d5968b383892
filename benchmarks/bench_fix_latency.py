"""How soon a person's edit reaches a running live solve as a fixed cell.

For each strategy and instance, a live solve runs (``Schedule.start_solving``) while a person
makes one edit every ``--every`` seconds (taking a random worker off a shift). Each edit's
latency is the time from the edit until the worker process runs its strategy with that cell
fixed (``SolveJob.fix_latency``: it confirms the newest fix it honours). Prints medians, p95 and
p99 per row (goal: p95 <= 1 s), and the live schedule's score at the end.

Run: ``python benchmarks/bench_fix_latency.py [--edits 15] [--every 0.6]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import rtsched_widgets as rt

CASES = [
    ("Instance5", "auto"),
    ("Instance5", "local_search"),
    ("Instance10", "auto"),
    ("Instance20", "auto"),
    ("Instance20", "cpsat"),
]


def run(instance: str, strategy: str, edits: int, every: float) -> tuple[list[float], str]:
    p = rt.load_nrp(instance)
    s = rt.Schedule(p, user="alice")
    s.generate(strategy="greedy", seed=0)
    job = s.start_solving(strategy=strategy, time_limit=edits * every + 30, seed=0)
    rng = np.random.default_rng(0)
    time.sleep(3.0)  # the worker starts and reaches its first roster
    for _ in range(edits):
        on = np.argwhere(s.core.shift_of >= 0)
        w, d = (int(x) for x in on[rng.integers(len(on))])
        s.unassign(
            s._iso[d], int(s.core.shift_of[w, d]), worker=p.workers[w].id, user="bob", force=True
        )
        time.sleep(every)
    time.sleep(1.5)
    job.stop()
    job.wait(60)
    score = s.score()
    return list(job.fix_latency), f"{score.hard}/{score.soft:g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=15)
    ap.add_argument("--every", type=float, default=0.6)
    args = ap.parse_args()
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")
    header = (
        f"{'instance':<11} {'strategy':<13} {'fixes':>5} {'median ms':>9} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7}  end score"
    )
    print(header)
    print("-" * len(header))
    for instance, strategy in CASES:
        lat, score = run(instance, strategy, args.edits, args.every)
        ms = np.array(lat) * 1000 if lat else np.array([np.nan])
        print(
            f"{instance:<11} {strategy:<13} {len(lat):>5} {np.median(ms):>9.0f} "
            f"{np.percentile(ms, 95):>7.0f} {np.percentile(ms, 99):>7.0f} {ms.max():>7.0f}  {score}"
        )
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
