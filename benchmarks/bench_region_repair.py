"""``feasible`` against ``feasible_lns`` on deterministic budgets (load-independent figures).

Per instance and seed, in one process: ``feasible`` with ``--restarts`` ruin-and-recreate
steps (the baseline), ``feasible`` with ``--long-restarts`` (more of the same search), and
``feasible_lns`` — the same ``--restarts`` then ``--iterations`` region sub-solves of CP-SAT.
Every run stops on its budget, not the clock (time limit 1000 s), so the objectives do not
depend on the machine's load; the CPU seconds of each run say what the budget cost (the
second variant is left out when ``--long-restarts`` equals ``--restarts``). Prints
each run, then per instance and variant the median objective, its gap to the best known,
the median and largest CPU seconds and the objective's ratio to the baseline's.

Run: .venv/bin/python benchmarks/bench_region_repair.py [--instances 13] [--seeds 0 1 2]
     [--restarts 40] [--long-restarts 200] [--iterations 80]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from rtsched_widgets import datasets
from rtsched_widgets.datasets.catalog import nrp_name
from rtsched_widgets.solve.base import Strategy
from rtsched_widgets.solve.feasible import Feasible
from rtsched_widgets.solve.feasible_lns import FeasibleLns
from rtsched_widgets.solve.scoring import score_roster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=["13"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--restarts", type=int, default=40)
    parser.add_argument("--long-restarts", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=80)
    args = parser.parse_args(argv)
    best = dict(
        zip(*(datasets.nrp_best_known()[c] for c in ("instance", "best_known")), strict=True)
    )
    variants: dict[str, Callable[[], Strategy]] = {
        f"feasible r={args.restarts}": lambda: Feasible(max_restarts=args.restarts)
    }
    if args.long_restarts != args.restarts:  # else the same run as the baseline
        variants[f"feasible r={args.long_restarts}"] = lambda: Feasible(
            max_restarts=args.long_restarts
        )
    variants[f"feasible_lns r={args.restarts} i={args.iterations}"] = lambda: FeasibleLns(
        max_restarts=args.restarts, max_iterations=args.iterations
    )
    baseline = next(iter(variants))
    rows = []
    for name in args.instances:
        problem = datasets.nrp(name)
        instance = nrp_name(name)
        for seed in args.seeds:
            for variant, make in variants.items():
                cpu = time.process_time()
                result = make().solve(problem, time_limit=1000, seed=seed)
                cpu = time.process_time() - cpu
                hard, soft = score_roster(problem, result.roster)
                assert (hard, soft) == (result.hard_violations, result.objective)
                row = {
                    "instance": instance,
                    "seed": seed,
                    "variant": variant,
                    "objective": result.objective,
                    "hard": hard,
                    "cpu s": cpu,
                }
                print(row, flush=True)
                rows.append(row)
    frame = pd.DataFrame(rows)
    table = []
    for (inst, kind), g in frame.groupby(["instance", "variant"], sort=False):
        base = frame[(frame["instance"] == inst) & (frame["variant"] == baseline)]
        ratio = g["objective"].to_numpy() / base["objective"].to_numpy()
        obj = float(g["objective"].median())
        table.append(
            {
                "instance": inst,
                "variant": kind,
                "objectives": " / ".join(f"{v:g}" for v in g["objective"]),
                "median": obj,
                "gap %": 100 * (obj - best[str(inst)]) / best[str(inst)],
                "cpu s median": float(g["cpu s"].median()),
                "cpu s max": float(g["cpu s"].max()),
                "ratio to baseline (median)": float(np.median(ratio)),
                "hard": int(g["hard"].max()),
            }
        )
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(pd.DataFrame(table).to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
