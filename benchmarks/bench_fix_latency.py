"""How soon a person's edit reaches a running live solve as a fixed cell.

For each strategy and instance, a live solve runs (``Schedule.start_solving``) while a person
makes one edit every ``--every`` seconds (taking a random worker off a shift). Two latencies
per edit: from the edit until the worker holds the cell as fixed (every roster it sends from then
on keeps it: ``SolveJob.fix_latency``; goal p95 <= 1 s), and until its strategy runs again from
its best roster with the cell kept (``SolveJob.restart_latency``: the strategy must first reach
its next cancellation check). Prints medians, p95 and p99, and the score at the end.

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


def run(
    instance: str, strategy: str, edits: int, every: float
) -> tuple[list[float], list[float], str]:
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
    return list(job.fix_latency), list(job.restart_latency), f"{score.hard}/{score.soft:g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=15)
    ap.add_argument("--every", type=float, default=0.6)
    args = ap.parse_args()
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")
    header = (
        f"{'instance':<11} {'strategy':<13} {'fixes':>5} {'held: median ms':>15} {'p95':>6} "
        f"{'p99':>6} {'max':>6} | {'restarted: median ms':>20} {'p95':>6} {'max':>6}  end score"
    )
    print(header)
    print("-" * len(header))
    for instance, strategy in CASES:
        held, restarted, score = run(instance, strategy, args.edits, args.every)
        ms = np.array(held) * 1000 if held else np.array([np.nan])
        rs = np.array(restarted) * 1000 if restarted else np.array([np.nan])
        print(
            f"{instance:<11} {strategy:<13} {len(held):>5} {np.median(ms):>15.0f} "
            f"{np.percentile(ms, 95):>6.0f} {np.percentile(ms, 99):>6.0f} {ms.max():>6.0f} | "
            f"{np.median(rs):>20.0f} {np.percentile(rs, 95):>6.0f} {rs.max():>6.0f}  {score}"
        )
    print(f"# load average {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
