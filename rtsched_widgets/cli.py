"""The ``rtsched`` command.

``rtsched bench --instances PATH... --strategies greedy,local_search,cpsat --time-limit 10
--seeds 0 1 --jobs 2 --best-known FILE --out results.csv`` runs every strategy on every
instance and seed, shows a progress bar on stderr (tqdm when installed) and prints the median
table; ``--out`` writes every row as CSV (or Parquet for a ``.parquet`` name).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


def _bench(args: argparse.Namespace) -> int:
    import pandas as pd

    from rtsched_widgets.solve.benchmark import benchmark, resolve_instances

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    n_runs = len(resolve_instances(args.instances)) * len(strategies) * len(args.seeds)
    bar: Any = None
    try:
        from tqdm import tqdm

        bar = tqdm(total=n_runs, unit="run", file=sys.stderr, disable=args.quiet)
    except ImportError:  # pragma: no cover - tqdm is optional
        bar = None
    done = [0]

    def on_result(row: dict[str, Any]) -> None:
        done[0] += 1
        label = f"{row['instance']} {row['strategy']} seed {row['seed']}: {row['objective']:g}"
        if bar is not None:
            bar.set_postfix_str(label)
            bar.update(1)
        elif not args.quiet:
            print(f"[{done[0]}/{n_runs}] {label}", file=sys.stderr)

    try:
        frame = benchmark(
            strategies,
            args.instances,
            time_limit=args.time_limit,
            seeds=args.seeds,
            n_jobs=args.jobs,
            best_known=args.best_known,
            on_result=on_result,
        )
    finally:
        if bar is not None:
            bar.close()
    if args.out:
        if str(args.out).endswith(".parquet"):
            frame.to_parquet(args.out, index=False)
        else:
            frame.to_csv(args.out, index=False)
    table = frame.groupby(["instance", "strategy"], sort=False).agg(
        objective=("objective", "median"),
        hard=("hard_violations", "median"),
        gap_pct=("gap_to_best", "median"),
        best_known=("best_known", "first"),
        moves_per_s=("moves_per_second", "median"),
    )
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(table.round(2).to_string())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rtsched``."""
    parser = argparse.ArgumentParser(prog="rtsched", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="run generation strategies head to head")
    bench.add_argument(
        "--instances",
        nargs="+",
        required=True,
        metavar="PATH",
        help="NRP files, folders of them, or synthetic:workers=40,days=180,posts=3,seed=0",
    )
    bench.add_argument("--strategies", default="greedy,local_search,cpsat")
    bench.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    bench.add_argument("--seeds", type=int, nargs="+", default=[0])
    bench.add_argument("--jobs", type=int, default=1, help="parallel processes")
    bench.add_argument("--best-known", default=None, metavar="FILE", help="CSV of best knowns")
    bench.add_argument("--out", default=None, metavar="FILE", help="write all rows (CSV)")
    bench.add_argument("--quiet", action="store_true", help="no progress output")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rtsched``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as exc:
        parser.exit(2, f"rtsched {args.command}: error: {exc}\n")
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
