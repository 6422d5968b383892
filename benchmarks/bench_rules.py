"""Rule engine cost: delta checks of one candidate and full validation, beside a naive baseline.

For saldo problems of about 1k, 10k and 100k assignments (365 days, workers ≈ 5 x posts, some
part-timers, days off, incompatible pairs and maximums; rosters filled by a randomised greedy
that respects availability and the gap, leaving ~5 % of the slots empty) the script measures,
in one process:

- ``score_delta`` of one candidate assignment (a worker who is off that day put into an empty
  slot), each call timed alone with perf_counter_ns: p50 and p99 in µs, and, in a second pass
  over the same candidates, the p99 of the thread's CPU time (``time.thread_time_ns``;
  excludes time spent descheduled, which on a shared machine dominates the wall-clock tail);
- ``preview`` of the same candidates (records of what is introduced/resolved): p50 and p99;
- ``commit`` of an assignment after placing it in the roster (then undone), p50 and p99, and
  ``commit_previewed`` of the delta a ``preview`` of the same assignment returned;
- full validation, median over repeats, on the greedy roster and on a random roster (one
  shift per worker per day only, so many violations): ``full_table`` (every violation found
  with array operations, counted and scored; column-wise, no per-violation objects — the
  figure the budget is about), ``full_check`` (the same plus one ``Violation`` record per
  violation) and ``full_table().to_frame()`` (the DataFrame, messages included);
- the naive baseline: check a candidate by applying it and running ``full_table``
  (median), and the ratio naive / score_delta p50.

Budgets (DESIGN.md §9): delta check p99 <= 20 µs; full validation of 100k <= 50 ms.
The bundled NRP instances 1 and 12 are measured the same way.

Run: .venv/bin/python benchmarks/bench_rules.py [--candidates 20000] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta

import numpy as np

from rtsched_widgets.model import Calendar, Problem, Roster, ShiftType, Worker
from rtsched_widgets.rules import Validator

BUDGET_DELTA_P99_US = 20.0
BUDGET_FULL_100K_MS = 50.0
START = date(2026, 1, 1)
DAYS = 365


def saldo_problem(assignments: int, seed: int = 0) -> Problem:
    """A 365-day saldo problem with about ``assignments`` required on-call posts."""
    rng = np.random.default_rng(seed)
    posts = max(1, round(assignments / DAYS))
    n_w = posts * 5
    workers = []
    for i in range(n_w):
        off = ()
        if rng.random() < 0.3:
            a = START + timedelta(int(rng.integers(0, DAYS - 20)))
            off = ((a, a + timedelta(int(rng.integers(0, 14)))),)
        partner = (f"W{i - 1:05d}",) if i % 50 == 1 else ()
        workers.append(
            Worker(
                f"W{i:05d}",
                work_percentage=50.0 if rng.random() < 0.2 else 100.0,
                max_shifts=90 if rng.random() < 0.1 else None,
                days_off=off,
                incompatible_with=partner,
            )
        )
    cal = Calendar(START, START + timedelta(DAYS - 1), holidays=frozenset({date(2026, 4, 3)}))
    return Problem(
        workers=workers,
        calendar=cal,
        shift_types=[ShiftType(f"P{s}") for s in range(posts)],
        required=np.ones((DAYS, posts), dtype=int),
        name=f"saldo-{assignments}",
    )


def greedy_fill(problem: Problem, seed: int = 0, empty: float = 0.02) -> Roster:
    """Fill ~(1 - empty) of the slots with available workers outside their minimum gap and
    the 7/14 pattern (weekend runs and balances are left to chance)."""
    rng = np.random.default_rng(seed)
    roster = Roster(problem)
    last = np.full(problem.n_workers, -100)
    md = problem.min_distance
    pattern = np.isin(problem.calendar.weekday, problem.settings.pattern_weekdays)
    works = roster.shift_of >= 0
    for d in range(problem.n_days):
        order = rng.permutation(problem.n_workers)
        keep = problem.available[order, d] & (d - last[order] >= md[order])
        if pattern[d]:
            for k in problem.settings.pattern_distances:
                if d - k >= 0 and pattern[d - k]:
                    keep &= ~works[order, d - k]
        ok = order[keep]
        k = 0
        for s in range(problem.n_shifts):
            if rng.random() < empty or k >= len(ok):
                continue
            w = int(ok[k])
            k += 1
            roster.place(w, d, s, 0)
            works[w, d] = True
            last[w] = d
    return roster


def random_fill(problem: Problem, seed: int = 1) -> Roster:
    """Every slot filled by a random worker who is off that day (rules ignored)."""
    rng = np.random.default_rng(seed)
    roster = Roster(problem)
    for d in range(problem.n_days):
        for s, w in enumerate(rng.permutation(problem.n_workers)[: problem.n_shifts].tolist()):
            roster.place(w, d, s, 0)
    return roster


def candidates(roster: Roster, n: int, seed: int = 2) -> list[tuple[int, int, int, int]]:
    """``n`` changes putting an off worker into an empty slot (cells with count < maximum)."""
    rng = np.random.default_rng(seed)
    p = roster.problem
    free = np.argwhere(roster.count < p.maximum)
    out = []
    while len(out) < n:
        d, s = free[rng.integers(len(free))]
        w = int(rng.integers(p.n_workers))
        if roster.shift_of[w, d] < 0:
            out.append((w, int(d), -1, int(s)))
    return out


def percentiles(ns: list[int]) -> tuple[float, float]:
    arr = np.asarray(ns, dtype=float) / 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def time_calls(fn, args: list, cpu: list[int] | None = None) -> list[int]:
    """Wall-clock ns of ``fn(a)`` per argument; thread CPU ns appended to ``cpu`` if given."""
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    out = []
    for a in args:
        c0 = cpu_clock()
        t0 = clock()
        fn(a)
        out.append(clock() - t0)
        if cpu is not None:
            cpu.append(cpu_clock() - c0)
    return out


def time_commit(v: Validator, roster: Roster, cands: list) -> list[int]:
    clock = time.perf_counter_ns
    out = []
    for w, d, _, s in cands:
        k = roster.free_slot(d, s)
        if k < 0:
            continue
        roster.place(w, d, s, k)
        t0 = clock()
        v.commit([(w, d, -1, s)])
        out.append(clock() - t0)
        roster.clear(d, s, k)
        v.commit([(w, d, s, -1)])
    return out


def time_commit_previewed(v: Validator, roster: Roster, cands: list) -> list[int]:
    """``commit_previewed`` of each candidate's preview (placed, timed, then undone)."""
    clock = time.perf_counter_ns
    out = []
    for w, d, _, s in cands:
        k = roster.free_slot(d, s)
        if k < 0:
            continue
        delta = v.preview([(w, d, -1, s)])
        roster.place(w, d, s, k)
        t0 = clock()
        v.commit_previewed(delta)
        out.append(clock() - t0)
        roster.clear(d, s, k)
        v.commit([(w, d, s, -1)])
    return out


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000.0


def measure(label: str, problem: Problem, roster: Roster, n_cand: int, repeats: int) -> dict:
    v = Validator(problem, roster)
    cands = candidates(roster, n_cand)
    one = [[c] for c in cands]
    gc.collect()
    gc.disable()
    try:
        for c in one[:500]:  # warm up
            v.score_delta(c)
        sd = percentiles(time_calls(v.score_delta, one))
        # thread CPU time in a pass of its own: reading it is a system call, which would
        # otherwise run right before every timed call
        cpu: list[int] = []
        time_calls(v.score_delta, one, cpu)
        sd_cpu = percentiles(cpu)
        pv = percentiles(time_calls(v.preview, one[: max(n_cand // 4, 100)]))
        cm = percentiles(time_commit(v, roster, cands[: max(n_cand // 10, 100)]))
        cp = percentiles(time_commit_previewed(v, roster, cands[: max(n_cand // 10, 100)]))
    finally:
        gc.enable()
    full = median_ms(v.full_table, repeats)
    records = median_ms(v.full_check, max(repeats // 2, 1))
    frame = median_ms(lambda: v.full_table().to_frame(), max(repeats // 2, 1))

    def naive_one(c=cands[0]) -> None:
        w, d, _, s = c
        k = roster.free_slot(d, s)
        roster.place(w, d, s, k)
        v.full_table()
        roster.clear(d, s, k)

    naive = median_ms(naive_one, repeats)
    return {
        "case": label,
        "assignments": roster.n_assigned,
        "violations": len(v.violation_list()),
        "delta_p50": sd[0],
        "delta_p99": sd[1],
        "delta_cpu_p99": sd_cpu[1],
        "preview_p50": pv[0],
        "preview_p99": pv[1],
        "commit_p50": cm[0],
        "commit_p99": cm[1],
        "cprev_p50": cp[0],
        "cprev_p99": cp[1],
        "full_ms": full,
        "records_ms": records,
        "frame_ms": frame,
        "naive_ms": naive,
        "ratio": naive * 1000.0 / sd[0],
    }


def full_only(label: str, problem: Problem, roster: Roster, repeats: int) -> dict:
    v = Validator(problem, roster)
    return {
        "case": label,
        "assignments": roster.n_assigned,
        "violations": len(v.violation_list()),
        "full_ms": median_ms(v.full_table, repeats),
        "records_ms": median_ms(v.full_check, max(repeats // 2, 1)),
        "frame_ms": median_ms(lambda: v.full_table().to_frame(), max(repeats // 2, 1)),
    }


def loop_ns() -> float:
    """ns per iteration of an empty Python loop: shows how loaded the machine is."""
    t0 = time.perf_counter_ns()
    for _ in range(1_000_000):
        pass
    return (time.perf_counter_ns() - t0) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--sizes", default="1000,10000,100000")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    rows = []
    for size in [int(x) for x in args.sizes.split(",")]:
        p = saldo_problem(size)
        rows.append(
            measure(
                f"saldo {size // 1000}k greedy", p, greedy_fill(p), args.candidates, args.repeats
            )
        )
        rows.append(full_only(f"saldo {size // 1000}k random", p, random_fill(p), args.repeats))
    from rtsched_widgets import datasets

    for name in ("Instance1", "Instance12"):
        p = datasets.nrp(name)
        r = Roster(p)
        rng = np.random.default_rng(3)
        for w in range(p.n_workers):
            for d in range(p.n_days):
                s = int(rng.integers(p.n_shifts))
                if rng.random() < 0.6 and r.free_slot(d, s) >= 0:
                    r.place(w, d, s, r.free_slot(d, s))
        rows.append(measure(f"nrp {name}", p, r, args.candidates // 4, args.repeats))

    print(
        f"# bench_rules  python {platform.python_version()}  numpy {np.__version__}  "
        f"{platform.machine()}  cpus={os.cpu_count()}  load={load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end  "
        f"empty-loop={loop_ns():.0f} ns/iter  candidates={args.candidates}"
    )
    head = (
        f"{'case':<22}{'assign':>8}{'viol':>8}{'delta p50':>10}{'p99 µs':>8}{'cpu p99':>8}"
        f"{'preview p50':>12}{'p99':>7}{'commit p50':>11}{'p99':>7}"
        f"{'c_prev p50':>11}{'p99':>7}"
        f"{'full ms':>9}{'records ms':>11}{'frame ms':>9}{'naive ms':>10}{'ratio':>9}"
    )
    print(head)
    for r in rows:

        def f(key: str, fmt: str, r: dict = r) -> str:
            return format(r[key], fmt) if key in r else "-"

        print(
            f"{r['case']:<22}{r['assignments']:>8}{r['violations']:>8}"
            f"{f('delta_p50', '.2f'):>10}{f('delta_p99', '.2f'):>8}"
            f"{f('delta_cpu_p99', '.2f'):>8}"
            f"{f('preview_p50', '.1f'):>12}{f('preview_p99', '.1f'):>7}"
            f"{f('commit_p50', '.1f'):>11}{f('commit_p99', '.1f'):>7}"
            f"{f('cprev_p50', '.1f'):>11}{f('cprev_p99', '.1f'):>7}"
            f"{f('full_ms', '.2f'):>9}{f('records_ms', '.1f'):>11}{f('frame_ms', '.1f'):>9}"
            f"{f('naive_ms', '.2f'):>10}{f('ratio', ',.0f'):>9}"
        )
    worst_delta = max(r["delta_p99"] for r in rows if "delta_p99" in r)
    worst_cpu = max(r["delta_cpu_p99"] for r in rows if "delta_cpu_p99" in r)
    big = [r["full_ms"] for r in rows if r["assignments"] >= 90_000]
    print(
        f"budget delta p99 <= {BUDGET_DELTA_P99_US} µs: worst {worst_delta:.2f} µs "
        f"{'OK' if worst_delta <= BUDGET_DELTA_P99_US else 'OVER'} (CPU time p99 "
        f"{worst_cpu:.2f} µs)"
    )
    if big:
        print(
            f"budget full 100k (full_table) <= {BUDGET_FULL_100K_MS} ms: "
            + ", ".join(f"{x:.1f} ms" for x in big)
            + (" OK" if max(big) <= BUDGET_FULL_100K_MS else " OVER")
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
