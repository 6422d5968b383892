"""The ``rtsched`` command.

``rtsched bench --instances nrp:1-12 --strategies greedy,local_search,cpsat --time-limit 10
--seeds 0 1 --jobs 2 --out results.parquet`` runs every strategy on every instance and seed,
shows a progress bar on stderr and prints the median table; ``--out`` writes every row as CSV
or Parquet (by the file name). ``--dask tcp://host:8786`` sends the runs to the workers of that
Dask scheduler instead; ``--dask local`` starts a local Dask cluster of ``--jobs`` worker
processes for the sweep.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager

from rtsched_widgets._optional import MissingExtraError, require


@contextmanager
def _dask_executor(address: str, jobs: int) -> Iterator[Executor]:
    """The executor of a Dask client connected to ``address`` (``"local"``: a ``LocalCluster``
    of ``jobs`` single-threaded worker processes, its dashboard on a free port, closed
    afterwards)."""
    distributed = require("distributed", "dask")
    if address == "local":
        with (
            distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client.get_executor()
    else:
        with distributed.Client(address) as client:
            yield client.get_executor()


def _bench(args: argparse.Namespace) -> int:
    import pandas as pd

    from rtsched_widgets.solve.benchmark import benchmark, results_format

    if args.out:
        results_format(args.out)  # a bad name fails before the sweep
    if args.jobs < 1:
        raise ValueError(f"--jobs {args.jobs}: use 1 or more")
    if args.dask is not None and args.dask != "local" and args.jobs != 1:
        raise ValueError("--jobs goes with --dask local only; a scheduler's workers are its own")
    kwargs = {
        "time_limit": args.time_limit,
        "seeds": args.seeds,
        "best_known": args.best_known,
        "progress": not args.quiet,
        "out": args.out,
    }
    if args.dask is None:
        frame = benchmark(args.strategies, args.instances, n_jobs=args.jobs, **kwargs)
    else:
        with _dask_executor(args.dask, args.jobs) as executor:
            frame = benchmark(args.strategies, args.instances, executor=executor, **kwargs)
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
        metavar="SPEC",
        help="bundled instances (nrp:1-12, nrp:1,3,5, nrp:all, Instance5), NRP files, folders "
        "of them, or synthetic:workers=40,days=180,posts=3,seed=0",
    )
    bench.add_argument("--strategies", default="greedy,local_search,cpsat")
    bench.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    bench.add_argument("--seeds", type=int, nargs="+", default=[0])
    bench.add_argument(
        "--jobs", type=int, default=1, help="parallel processes (workers with --dask local)"
    )
    bench.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' "
        "(the dask extra)",
    )
    bench.add_argument(
        "--best-known",
        default=None,
        metavar="FILE",
        help="CSV of best knowns (default: the bundled table for bundled instances)",
    )
    bench.add_argument(
        "--out", default=None, metavar="FILE", help="write all rows (.csv or .parquet)"
    )
    bench.add_argument("--quiet", action="store_true", help="no progress output")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rtsched``; returns the exit status (2 for bad input or a missing
    extra, with the message on stderr)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, MissingExtraError) as exc:
        parser.exit(2, f"rtsched {args.command}: error: {exc}\n")
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
