"""The ``feasible`` strategy and its labelling search on the bundled Curtois & Qu instances.

Part 1 (``search``): one labelling search per worker of Instance22 and Instance24 (or
``--search-instances``) against the construction's first costs (an empty roster: each cell
``-under_weight`` where required, ``+over_weight`` elsewhere, plus the worker's requests), at
the strategy's beam: per-worker time (median, max), the whole roster's time, how many searches
were exact, and the process's first search alone (numba compiles the kernels then, or loads
them from its on-disk cache; ``--cold`` empties that cache first so the compile is counted).

Part 2 (``strategy``): ``feasible`` with seed 0 (``--seeds``) for ``--time-limit`` seconds
(60) on every bundled instance: the time to the first hard-feasible roster, the objective at
10 s and at the end (read from the run's log of improvements: the run is one trajectory,
whatever its time limit), and their gaps to the best known in percent. With several seeds,
every figure is the median over the seeds.

Part 3 (``construction``): the construction alone (``feasible``'s phase 1, seed 0 or
``--seeds``) of each of :data:`~rtsched_widgets.solve.feasible.CONSTRUCTIONS` (or
``--constructions``) on ``--construction-instances`` (20,22,24): its objective, its cover
penalty on the last quarter of the horizon and its process CPU seconds. The objectives are
deterministic; only the seconds depend on the machine.

Run: .venv/bin/python benchmarks/bench_feasible.py [--part all|search|strategy|construction]
     [--time-limit 60] [--seeds 0] [--instances 1,2,...] [--search-instances 22,24] [--cold]
     [--construction-instances 20,22,24] [--constructions greedy,fair,fair_priced]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from rtsched_widgets import datasets
from rtsched_widgets.solve import labelling_kernels
from rtsched_widgets.solve.base import RunClock
from rtsched_widgets.solve.feasible import (
    CONSTRUCTIONS,
    DEFAULT_MAX_LABELS,
    BestResponse,
    Sweeps,
)
from rtsched_widgets.solve.keep import normalize_keep
from rtsched_widgets.solve.labelling import WorkerRules, shortest_schedules
from rtsched_widgets.solve.registry import get_strategy


def header() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"# bench_feasible — Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"load average {load}, numba compiled: {labelling_kernels.COMPILED}"
    )


def clear_cache() -> int:
    """Remove numba's cached kernels of the labelling module; the number of files removed."""
    folder = Path(labelling_kernels.__file__).parent / "__pycache__"
    removed = 0
    for path in folder.glob("labelling_kernels.*.nb[ic]"):
        path.unlink()
        removed += 1
    return removed


def search_part(numbers: list[int]) -> None:
    print("\n## Labelling search, one per worker (construction costs, empty roster)\n")
    print(
        "| instance | workers x days x shifts | first search s | per worker ms median | max "
        "| roster s | exact | labels/worker |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    first: float | None = None
    for n in numbers:
        problem = datasets.nrp(n)
        fixed = normalize_keep(problem, None, None)
        state = BestResponse(problem, fixed, None, DEFAULT_MAX_LABELS)
        times, exact, labels = [], 0, 0
        start = time.perf_counter()
        for w in range(problem.n_workers):
            t0 = time.perf_counter()
            rules = WorkerRules.of(problem, w, fixed)
            found = shortest_schedules(rules, state.costs(w), max_labels=DEFAULT_MAX_LABELS)
            elapsed = time.perf_counter() - t0
            if first is None:
                first = elapsed
            else:
                times.append(elapsed)
            exact += found.exact
            labels += found.labels
        total = time.perf_counter() - start
        size = f"{problem.n_workers} x {problem.n_days} x {problem.n_shifts}"
        print(
            f"| Instance{n} | {size} | {first if n == numbers[0] else 0.0:.2f} "
            f"| {1000 * statistics.median(times):.1f} | {1000 * max(times):.1f} "
            f"| {total:.2f} | {exact}/{problem.n_workers} "
            f"| {labels // problem.n_workers} |"
        )
    print(
        "\n(first search: the process's first call, rules included — compile or cache load; "
        "roster s: every worker's rules and search, the first call included)"
    )


def value_at(log: list[tuple[float, float]], t: float) -> float:
    """The best objective recorded by time ``t`` (inf before the first feasible roster)."""
    best = float("inf")
    for when, value in log:
        if when <= t:
            best = min(best, value)
    return best


def gap(value: float, best: float) -> str:
    return "—" if not np.isfinite(value) else f"{100 * (value - best) / best:.1f}"


def strategy_part(numbers: list[int], time_limit: float, seeds: list[int]) -> None:
    known = {
        int(name.removeprefix("Instance")): float(v)
        for name, v in zip(
            datasets.nrp_best_known()["instance"],
            datasets.nrp_best_known()["best_known"],
            strict=True,
        )
    }
    print(f"\n## feasible, {time_limit:g} s, seeds {seeds} (medians over the seeds)\n")
    print(
        "| instance | best known | first feasible s | obj @10 s | gap % | "
        f"obj @{time_limit:g} s | gap % | restarts |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in numbers:
        problem = datasets.nrp(n)
        first, at10, end, restarts = [], [], [], []
        for seed in seeds:
            result = get_strategy("feasible").solve(problem, time_limit=time_limit, seed=seed)
            ttff = result.time_to_first_feasible
            first.append(float("inf") if ttff is None else ttff)
            at10.append(value_at(result.log, 10.0))
            end.append(result.objective if result.hard_violations == 0 else float("inf"))
            restarts.append(int(result.details.get("restarts", 0)))  # type: ignore[call-overload]
        best = known[n]
        f, a, e = (statistics.median(x) for x in (first, at10, end))
        print(
            f"| Instance{n} | {best:g} | {f:.2f} | {a:g} | {gap(a, best)} | {e:g} "
            f"| {gap(e, best)} | {statistics.median(restarts):g} |",
            flush=True,
        )


def construction_part(numbers: list[int], constructions: list[str], seeds: list[int]) -> None:
    print(f"\n## The construction alone, seeds {seeds}\n")
    print("| instance | construction | seed | objective | last quarter's cover penalty | CPU s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in numbers:
        problem = datasets.nrp(n)
        fixed = normalize_keep(problem, None, None)
        for construction in constructions:
            for seed in seeds:
                state = BestResponse(problem, fixed, None, DEFAULT_MAX_LABELS)
                run = Sweeps(state, RunClock("construction", 3600.0, None, None), 0)
                order = np.random.default_rng(seed).permutation(problem.n_workers)
                start = time.process_time()
                run.sweep(order, stoppable=False, construction=construction)
                cpu = time.process_time() - start
                short = np.maximum(state.required - state.count, 0) * state.under
                surplus = np.maximum(state.count - state.required, 0) * state.over
                last = (short + surplus)[3 * problem.n_days // 4 :].sum()
                print(
                    f"| Instance{n} | {construction} | {seed} | {state.objective:g} "
                    f"| {last:g} | {cpu:.2f} |",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", choices=("all", "search", "strategy", "construction"), default="all"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--instances", default="")
    parser.add_argument("--search-instances", default="22,24")
    parser.add_argument("--cold", action="store_true", help="empty numba's cache first")
    parser.add_argument("--construction-instances", default="20,22,24")
    parser.add_argument("--constructions", default=",".join(CONSTRUCTIONS))
    args = parser.parse_args()
    if args.cold:
        print(f"(removed {clear_cache()} cached kernel files)")
    print(header())
    if args.part in ("all", "search"):
        search_part([int(x) for x in args.search_instances.split(",")])
    if args.part in ("all", "strategy"):
        numbers = (
            [int(x) for x in args.instances.split(",")]
            if args.instances
            else list(datasets.catalog.bundled_numbers())
        )
        strategy_part(numbers, args.time_limit, [int(s) for s in args.seeds.split(",")])
    if args.part in ("all", "construction"):
        construction_part(
            [int(x) for x in args.construction_instances.split(",")],
            args.constructions.split(","),
            [int(s) for s in args.seeds.split(",")],
        )
    print("\n" + header().replace("# bench_feasible", "# end"))


if __name__ == "__main__":
    main()
