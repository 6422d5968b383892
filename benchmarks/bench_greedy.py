"""Greedy construction: the batched path against the per-candidate path it replaced.

Per instance, ``Greedy().solve(problem, seed=0)`` (the batched construction) and the old
solve — a validator over the empty roster, ``_reference_construct`` (one
``Validator.score_delta`` call per slot and candidate, a validator commit per placement), a
fresh validator for the final score — each in its own child process, one after the other (so
the peak RSS is that run's). The old path runs only where its estimate (the candidate
evaluations the new run counted x ``--old-us-per-eval`` µs) stays under ``--old-limit``
seconds. Runs shorter than a second are repeated ``--repeat`` times (those under 50 ms at
least 20 times) and the fastest is kept.
``same`` says whether both paths built the same roster (slot by slot).

Instances: synthetic saldo problems ``rt.synthetic(workers, days, posts, seed=0)`` and the
bundled Curtois & Qu instances (``rt.datasets.nrp(n)``).

Run: .venv/bin/python benchmarks/bench_greedy.py [--saldo 100x180x12,400x365x68,1600x365x274]
     [--nrp 1,5,12,20,22,24] [--old-limit 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time

SALDO = "100x180x12,400x365x68,1600x365x274"
NRP = "1,5,12,20,22,24"


def load(case: str):
    import rtsched_widgets as rt

    if case.startswith("nrp:"):
        return rt.datasets.nrp(int(case[4:]))
    w, d, p = (int(x) for x in case.split(":")[1].split("x"))
    return rt.synthetic(workers=w, days=d, posts=p, seed=0)


def old_solve(problem, seed: int = 0):
    """What ``Greedy.solve`` did before the batched construction: (roster, hard, soft,
    candidate evaluations)."""
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.solve.greedy import _reference_construct
    from rtsched_widgets.solve.keep import normalize_keep
    from rtsched_widgets.solve.scoring import validator_for

    fixed = normalize_keep(problem, None, None)
    work = Roster(problem)
    validator = validator_for(problem, work)
    moves = _reference_construct(problem, work, validator, fixed, random.Random(seed))
    score = validator_for(problem, work).score()
    return work, int(score.hard), float(score.soft), moves


def new_solve(problem, seed: int = 0):
    from rtsched_widgets.solve.greedy import Greedy

    result = Greedy().solve(problem, seed=seed, time_limit=3600.0)
    return result.roster, result.hard_violations, result.objective, result.moves_evaluated


def child(case: str, path: str, repeat: int) -> None:
    """Run one path on one case; print one JSON line."""
    problem = load(case)
    solve = new_solve if path == "new" else old_solve
    best = float("inf")
    runs = 0
    while True:
        t0 = time.perf_counter()
        roster, hard, soft, moves = solve(problem)
        best = min(best, time.perf_counter() - t0)
        runs += 1
        if best >= 1.0 or runs >= (max(repeat, 20) if best < 0.05 else repeat):
            break
    out = {
        "seconds": best,
        "hard": hard,
        "objective": soft,
        "moves": moves,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "digest": hashlib.sha1(roster.slots.tobytes()).hexdigest(),
        "size": f"{problem.n_workers}x{problem.n_days}x{problem.n_shifts}",
        "required": int(problem.required.sum()),
    }
    print(json.dumps(out))


def run_child(case: str, path: str, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--child", case, "--path", path, "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--saldo", default=SALDO, help="WxDxP,... synthetic saldo sizes")
    ap.add_argument("--nrp", default=NRP, help="bundled instance numbers, comma separated")
    ap.add_argument("--old-limit", type=float, default=60.0, help="seconds (estimated)")
    ap.add_argument("--old-us-per-eval", type=float, default=2.5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path, args.repeat)
        return
    cases = [f"saldo:{s}" for s in args.saldo.split(",") if s]
    cases += [f"nrp:{n}" for n in args.nrp.split(",") if n]
    load1, load5, load15 = os.getloadavg()
    print("# Greedy construction: batched (new) vs per-candidate (old)")
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load1:.2f} {load5:.2f} "
        f"{load15:.2f} (at start)"
    )
    print(
        "| instance | workers x days x shifts | required | old s | new s | speed-up | hard "
        "| objective | same | old RSS MB | new RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for case in cases:
        new = run_child(case, "new", args.repeat)
        estimate = new["moves"] * args.old_us_per_eval * 1e-6
        old = run_child(case, "old", args.repeat) if estimate < args.old_limit else None
        if old is None:
            old_s, speed, same, old_rss = f"skipped (~{estimate:.0f})", "-", "-", "-"
        else:
            old_s = f"{old['seconds']:.3f}"
            speed = f"{old['seconds'] / new['seconds']:.1f}x"
            same = "yes" if old["digest"] == new["digest"] else "NO"
            old_rss = f"{old['rss_mb']:.0f}"
            if old["hard"] != new["hard"] or old["objective"] != new["objective"]:
                same += f" (old: hard {old['hard']}, objective {old['objective']:.4f})"
        print(
            f"| {case} | {new['size']} | {new['required']} | {old_s} | {new['seconds']:.3f} "
            f"| {speed} | {new['hard']} | {new['objective']:.4f} | {same} | {old_rss} "
            f"| {new['rss_mb']:.0f} |",
            flush=True,
        )
    print(f"# load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
