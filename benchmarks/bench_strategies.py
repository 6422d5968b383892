"""Generation strategies head to head on the bundled Curtois & Qu instances.

Part 1: every strategy (default auto, greedy, cpsat) on every instance and seed
with the same time limit, through ``rtsched_widgets.solve.benchmark`` (so plain CP-SAT always
runs in the same invocation as the others). Per instance: the best known objective and, per
strategy, the median objective, hard violations and gap to the best known in percent.

Part 2: local-search move evaluations, in one process: on Instance5, Instance7 (or
``--moves-instances``) and a synthetic saldo problem 40 workers x 180 days x 3 posts, local
search runs ``--ls-seconds`` from the greedy roster with the batched evaluator (every candidate
of a move shape over the horizon in one numpy pass; each candidate counts as one evaluation)
and with the per-move ``Validator.score_delta`` path as the baseline; single ``score_delta``
calls are also timed one by one (median, p99). Budget (DESIGN.md §9): >= 200,000 move
evaluations per second on one core.

Run: .venv/bin/python benchmarks/bench_strategies.py [--time-limit 60] [--seeds 0]
     [--strategies greedy,greedy+ls,cpsat,lns,hybrid,patterns] [--jobs 1]
     [--instances nrp:all|nrp:1-12|FILES...] [--part all|strategies|moves] [--ls-seconds 3]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rtsched_widgets import datasets
from rtsched_widgets.model.io import load_nrp
from rtsched_widgets.model.synthetic import synthetic
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.benchmark import benchmark
from rtsched_widgets.solve.local_search import LocalSearch

BUDGET_MOVES_PER_S = 200_000


def strategy_table(frame: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    rows = []
    for instance, group in frame.groupby("instance", sort=False):
        row: dict[str, object] = {"instance": instance, "best": group["best_known"].iloc[0]}
        for s in strategies:
            g = group[group["strategy"] == s]
            row[f"{s} obj"] = g["objective"].median()
            row[f"{s} hard"] = g["hard_violations"].median()
            row[f"{s} gap%"] = g["gap_to_best"].median()
        rows.append(row)
    return pd.DataFrame(rows)


def time_single_deltas(problem, roster, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds of ``score_delta`` for random single changes, and of the baseline call."""
    validator = Validator(problem, roster)
    rng = random.Random(seed)
    shift_of = roster.shift_of
    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    changes = []
    for _ in range(samples):
        w, d = rng.randrange(n_w), rng.randrange(n_d)
        old = int(shift_of[w, d])
        new = rng.randrange(-1, n_s)
        if new == old:
            new = -1 if old >= 0 else 0
        changes.append([(w, d, old, new)])

    def baseline(a, b=None):
        return (0, 0.0)

    out = np.empty(samples, dtype=np.int64)
    base = np.empty(samples, dtype=np.int64)
    delta = validator.score_delta
    clock = time.perf_counter_ns
    for i, ch in enumerate(changes):
        t0 = clock()
        delta(ch)
        out[i] = clock() - t0
        t0 = clock()
        baseline(ch)
        base[i] = clock() - t0
    return out, base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--instances",
        nargs="+",
        default=["nrp:all"],
        help="bundled names (nrp:1-12, nrp:all, Instance5), NRP files or folders",
    )
    parser.add_argument("--strategies", default="auto,greedy,cpsat")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--ls-seconds", type=float, default=3.0)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--out", default=None, help="CSV of every run")
    parser.add_argument("--part", choices=("all", "strategies", "moves"), default="all")
    parser.add_argument(
        "--skip-cpsat",
        action="store_true",
        help="do not add plain CP-SAT (its rows come from another run of the same code)",
    )
    parser.add_argument(
        "--moves-instances",
        nargs="+",
        default=["Instance5", "Instance7"],
    )
    args = parser.parse_args(argv)
    if args.part in ("all", "strategies"):
        run_strategies(args)
    if args.part in ("all", "moves"):
        run_moves(args)
    return 0


def run_strategies(args: argparse.Namespace) -> None:
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if "cpsat" not in strategies and not args.skip_cpsat:
        strategies.append("cpsat")  # plain CP-SAT runs beside the others unless told not to
    table = datasets.nrp_best_known()
    best = dict(zip(table["instance"], table["best_known"], strict=True))
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"time limit {args.time_limit:g} s per run, seeds {args.seeds}, jobs {args.jobs}"
    )
    t0 = time.perf_counter()
    frame = benchmark(
        strategies,
        args.instances,
        time_limit=args.time_limit,
        seeds=args.seeds,
        n_jobs=args.jobs,
        best_known=best,
        on_result=lambda r: print(
            f"  {r['instance']:<11} {r['strategy']:<22} seed {r['seed']}: "
            f"{r['objective']:g} (hard {r['hard_violations']}, engine {r['engine_objective']:g})",
            file=sys.stderr,
        ),
    )
    if args.out:
        frame.to_csv(args.out, index=False)
    mismatch = frame[
        (frame["engine_hard"] != frame["hard_violations"])
        | ((frame["engine_objective"] - frame["objective"]).abs() > 1e-6)
    ]
    table = strategy_table(frame, strategies)
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(f"\nStrategies ({time.perf_counter() - t0:.0f} s wall):")
        print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"runs whose reported score differs from the rule engine's: {len(mismatch)}")


def run_moves(args: argparse.Namespace) -> None:
    print("\nLocal search move evaluations (greedy start, one core, same process):")
    rows = []
    problems = [(Path(p).stem, load_nrp(p)) for p in nrp_files(args.moves_instances)]
    problems.append(
        ("synthetic 40x180x3", synthetic(workers=40, days=180, posts=3, seed=0, feasible=True))
    )
    for name, problem in problems:
        greedy = get_strategy("greedy").solve(problem, time_limit=60, seed=0)
        runs = {}
        for evaluator in ("batch", "validator"):
            runs[evaluator] = LocalSearch(evaluator=evaluator).solve(
                problem, roster=greedy.roster, time_limit=args.ls_seconds, seed=0
            )
        ns, base = time_single_deltas(problem, greedy.roster, args.samples, seed=0)
        batch, single = runs["batch"], runs["validator"]
        rows.append(
            {
                "instance": name,
                "batch moves/s": round(batch.moves_per_second),
                "batch x budget": batch.moves_per_second / BUDGET_MOVES_PER_S,
                "batch iterations/s": batch.details["iterations"] / batch.elapsed,
                "validator moves/s": round(single.moves_per_second),
                "batch / validator": batch.moves_per_second / max(single.moves_per_second, 1e-9),
                "score_delta median µs": np.median(ns) / 1e3,
                "score_delta p99 µs": np.percentile(ns, 99) / 1e3,
                "batch cost": f"{batch.hard_violations}h {batch.objective:g}",
                "validator cost": f"{single.hard_violations}h {single.objective:g}",
            }
        )
        del base
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.2f}"))


def nrp_files(items: list[str]) -> list[str]:
    """The NRP files of ``items`` (bundled names, files or folders); ValueError for others."""
    from rtsched_widgets.solve.benchmark import resolve_instances

    out = []
    for name, kind, payload in resolve_instances(items):
        if kind == "bundled":
            out.append(str(datasets.nrp_path(payload)))
        elif kind == "nrp":
            out.append(str(payload))
        else:
            raise ValueError(f"--moves-instances: {name} is not an NRP instance")
    return out


if __name__ == "__main__":
    sys.exit(main())
