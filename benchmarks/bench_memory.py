"""Memory of the real-time layer (``Schedule``: validator, mirror, history) over the base system.

Each measurement runs in a fresh process (this script started again with ``--child``), so
nothing of one stage is left in the heap of the next. Stages, at one size:

- ``imports``: Python with the package, numpy and pandas imported;
- ``base``: + the synthetic saldo Problem and its feasible Roster
  (``synthetic_with_roster(workers, days, posts, seed=0, feasible=True)``);
- ``empty``: base + ``Schedule(problem)`` (nothing assigned);
- ``loaded``: base + ``Schedule(problem, roster=roster)`` (the roster's assignments);
- ``edited``: loaded + 1,000 edits (500 unassign + assign-back pairs on random occupied cells);
- ``handed``: the Problem and ``Schedule(problem, roster=roster)``, the caller's roster then
  released: the schedule's roster stands in for the base system's (``Schedule`` copies the
  roster it is given, so ``loaded`` counts the roster twice: the caller's and its own).

Reported per stage: resident set size (``VmRSS`` of ``/proc/self/status`` after a full
collection) and, in a second fresh process, the bytes ``tracemalloc`` sees allocated (traced
from just after the imports); the layer's figures are the stage minus ``base``, also as a
percentage of ``base``. ``--top N`` prints the N source files holding most of the layer's
traced memory at the ``empty`` and ``loaded`` stages.

``--validate N`` also times ``Schedule.validate()`` (the maintained violations as a DataFrame,
records built on read) N times on the loaded schedule of each size, in one process, against
the baseline ``full_table().to_frame()`` (a full check from scratch, column-wise) timed in the
same process: median and p99 in ms, and the median's ratio to the baseline's.

Run: .venv/bin/python benchmarks/bench_memory.py [--sizes 100k,10k] [--top 12] [--validate 30]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from typing import Any

SIZES: dict[str, tuple[int, int, int]] = {  # workers, days, posts (as bench_engine.py)
    "10k": (160, 365, 28),
    "100k": (1600, 365, 274),
}
STAGES = ("imports", "base", "empty", "loaded", "edited", "handed")
EDITS = 1000
MIB = 2**20


def rss_bytes() -> int:
    """Resident set size of this process (``VmRSS``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def child(stage: str, size: str, trace: bool, top: int) -> dict[str, Any]:
    """Build ``stage`` at ``size`` in this process; its RSS or traced bytes."""
    import tracemalloc

    import numpy as np
    import pandas  # noqa: F401  (part of the base system)

    import rtsched_widgets as rt
    from rtsched_widgets.model.synthetic import synthetic_with_roster

    if trace:
        tracemalloc.start()
    keep: list[Any] = []
    if stage != "imports":
        n_w, n_d, n_p = SIZES[size]
        problem, roster = synthetic_with_roster(n_w, n_d, n_p, seed=0, feasible=True)
        assert roster is not None
        keep += [problem, roster]
        gc.collect()
        base_snap = tracemalloc.take_snapshot() if trace and top else None
        if stage == "empty":
            keep.append(rt.Schedule(problem))
        elif stage == "handed":
            keep = [problem, rt.Schedule(problem, roster=roster)]
            del roster
        elif stage in ("loaded", "edited"):
            s = rt.Schedule(problem, roster=roster)
            keep.append(s)
            if stage == "edited":
                rng = np.random.default_rng(0)
                iso = [problem.calendar.iso(d) for d in range(n_d)]
                ids = [w.id for w in problem.workers]
                done = 0
                while done < EDITS:
                    d, p = int(rng.integers(n_d)), int(rng.integers(n_p))
                    w = int(s.core.slots[d, p, 0])
                    if w < 0 or problem.mandatory[w, d]:
                        continue
                    assert s.unassign(iso[d], p).ok and s.assign(ids[w], iso[d], p).ok
                    done += 2
    gc.collect()
    out: dict[str, Any] = {"rss": rss_bytes()}
    if trace:
        out["traced"] = tracemalloc.get_traced_memory()[0]
        if top and base_snap is not None:
            stats = tracemalloc.take_snapshot().compare_to(base_snap, "filename")
            out["top"] = [
                (os.path.relpath(str(st.traceback[0].filename)), st.size_diff) for st in stats[:top]
            ]
    return out


def time_validate(size: str, n: int) -> list[tuple[str, float, float, float]]:
    """(what, median ms, p99 ms, violations) of ``validate()`` and of the full-check baseline,
    ``n`` runs each, on the loaded schedule of ``size``."""
    import time

    import numpy as np

    import rtsched_widgets as rt
    from rtsched_widgets.model.synthetic import synthetic_with_roster

    n_w, n_d, n_p = SIZES[size]
    problem, roster = synthetic_with_roster(n_w, n_d, n_p, seed=0, feasible=True)
    s = rt.Schedule(problem, roster=roster)
    rows = []
    for what, fn in (
        ("full_table().to_frame() (baseline)", lambda: s.validator.full_table().to_frame()),
        ("validate()", s.validate),
    ):
        ms, size_ = [], 0
        for _ in range(n):
            t0 = time.perf_counter_ns()
            frame = fn()
            ms.append((time.perf_counter_ns() - t0) / 1e6)
            size_ = len(frame)
        rows.append((what, float(np.median(ms)), float(np.percentile(ms, 99)), float(size_)))
    return rows


def measure(stage: str, size: str, trace: bool, top: int = 0) -> dict[str, Any]:
    """``child`` in a fresh process."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", stage, size, str(int(trace))]
    cmd.append(str(top))
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,10k")
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--validate", type=int, default=0, metavar="N")
    ap.add_argument("--child", nargs=4, metavar=("STAGE", "SIZE", "TRACE", "TOP"))
    args = ap.parse_args()
    if args.child:
        stage, size, trace, top = args.child
        print(json.dumps(child(stage, size, trace == "1", int(top))))
        return
    with open("/proc/loadavg") as f:
        load = f.read().strip()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"revision {rev}, load average {load}, python {sys.version.split()[0]}")
    print(
        f"{'size':>5} {'stage':>8} {'RSS MiB':>8} {'over base':>10} {'%base':>7} "
        f"{'traced MiB':>10} {'over base':>10} {'%base':>7}"
    )
    for size in args.sizes.split(","):
        rows = {}
        for stage in STAGES:
            rss = measure(stage, size, False)["rss"]
            tr = measure(stage, size, True, args.top if stage in ("empty", "loaded") else 0)
            rows[stage] = (rss, tr)
        base_rss, base_tr = rows["base"][0], rows["base"][1]["traced"]
        for stage, (rss, tr) in rows.items():
            traced = tr["traced"]
            over = "" if stage in ("imports", "base") else f"{(rss - base_rss) / MIB:+10.1f}"
            pct = (
                "" if stage in ("imports", "base") else f"{100 * (rss - base_rss) / base_rss:+7.1f}"
            )
            tover = "" if stage in ("imports", "base") else f"{(traced - base_tr) / MIB:+10.1f}"
            tpct = (
                ""
                if stage in ("imports", "base")
                else f"{100 * (traced - base_tr) / base_rss:+7.1f}"
            )
            print(
                f"{size:>5} {stage:>8} {rss / MIB:8.1f} {over:>10} {pct:>7} "
                f"{traced / MIB:10.1f} {tover:>10} {tpct:>7}"
            )
        for stage in ("empty", "loaded"):
            top = rows[stage][1].get("top")
            if top:
                print(f"  {size} {stage}: traced MiB over base by file")
                for name, diff in top:
                    print(f"    {diff / MIB:+8.2f}  {name}")
        if args.validate:
            rows_v = time_validate(size, args.validate)
            base_ms = rows_v[0][1]
            print(f"  {size} loaded, {args.validate} runs each:")
            print(f"    {'':36} {'rows':>6} {'median ms':>10} {'p99 ms':>8} {'ratio':>6}")
            for what, med, p99, n_rows in rows_v:
                print(f"    {what:36} {n_rows:6.0f} {med:10.2f} {p99:8.2f} {med / base_ms:6.2f}")


if __name__ == "__main__":
    main()
