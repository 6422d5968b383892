"""The ``rtsched`` command.

``rtsched bench --instances nrp:1-12 --strategies greedy,local_search,cpsat --time-limit 10
--seeds 0 1 --jobs 2 --out results.parquet`` runs every strategy on every instance and seed,
shows a progress bar on stderr and prints the median table; ``--out`` writes every row as CSV
or Parquet (by the file name). ``--dask tcp://host:8786`` sends the runs to the workers of that
Dask scheduler instead; ``--dask local`` starts a local Dask cluster of ``--jobs`` worker
processes for the sweep.

Every argument is checked before the first run starts — output name and folder, job count,
time limit, seeds, strategy names and options, every instance (files and ``synthetic:``
specs are loaded once; unknown ``synthetic:`` keys are named) and the ``--best-known`` file —
and a bad one ends the command with exit status 2 and one line on stderr, never a traceback.

Results are never lost: with ``--out`` each finished run is also written, as it arrives, to
``<out>.partial.csv`` next to it (removed once ``--out`` is written); when the sweep fails or is
interrupted, or ``--out`` cannot be written at the end, the rows computed so far are kept
there — or, without ``--out``, written to ``rtsched-bench-partial-*.csv`` in the temporary
folder — and stderr says where.
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class _Salvage:
    """The rows of a sweep as they finish, kept on disk so none is lost (module docstring)."""

    def __init__(self, out: Path | None, best: Mapping[str, float]) -> None:
        self.out = out
        self.best = best
        self.rows: list[dict[str, Any]] = []
        self.partial = None if out is None else out.with_name(out.name + ".partial.csv")

    def add(self, row: dict[str, Any]) -> None:
        from rtsched_widgets.solve.benchmark import gap_percent

        row = dict(row)
        best = self.best.get(str(row.get("instance")))
        row["best_known"] = math.nan if best is None else best
        row["gap_to_best"] = gap_percent(row["objective"], best, row["hard_violations"])
        self.rows.append(row)
        if self.partial is not None:
            try:
                self._write(self.partial)
            except OSError as exc:  # keep sweeping; keep() falls back to the temporary folder
                print(f"rtsched bench: cannot write {self.partial} ({exc})", file=sys.stderr)
                self.partial = None

    def _write(self, path: Path) -> None:
        import pandas as pd

        from rtsched_widgets.model.io.neutralise import write_csv
        from rtsched_widgets.solve.benchmark import COLUMNS

        frame = pd.DataFrame(self.rows)
        frame = frame[[c for c in COLUMNS if c in frame.columns]]
        tmp = path.with_name(path.name + ".tmp")
        write_csv(frame, tmp)
        os.replace(tmp, path)

    def keep(self, why: str) -> None:
        """Make sure the rows so far are on disk and say where (stderr)."""
        if not self.rows:
            print(f"rtsched bench: {why}; no run had finished", file=sys.stderr)
            return
        path = self.partial
        if path is None or not path.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = Path(tempfile.gettempdir()) / f"rtsched-bench-partial-{stamp}-{os.getpid()}.csv"
            self._write(path)
        print(
            f"rtsched bench: {why}; the {len(self.rows)} finished run(s) are in {path}",
            file=sys.stderr,
        )

    def done(self) -> None:
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)


def _check_out(out: str) -> Path:
    from rtsched_widgets.solve.benchmark import results_format

    if results_format(out) == "parquet":  # a bad name fails before the sweep
        require("pyarrow", "io")
    path = Path(out)
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"--out {out}: the folder {str(folder)!r} does not exist — create it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: the folder {str(folder)!r} is not writable")
    if path.is_dir():
        raise ValueError(f"--out {out}: is a folder — name a .csv or .parquet file")
    return path


def _check_instances(instances: Sequence[str]) -> list[Any]:
    """The resolved instance specs, every file and synthetic spec loaded once (bundled
    instances are trusted); ValueError naming the instance otherwise."""
    from rtsched_widgets.model.synthetic import synthetic
    from rtsched_widgets.solve.benchmark import load_instance, resolve_instances

    specs = resolve_instances(list(instances))
    known = set(inspect.signature(synthetic).parameters)
    for name, kind, payload in specs:
        if kind == "synthetic":
            unknown = sorted(set(payload) - known)
            if unknown:
                raise ValueError(
                    f"--instances {name}: unknown synthetic key(s) {', '.join(unknown)} — use "
                    f"{', '.join(sorted(known))}"
                )
        if kind in ("synthetic", "nrp"):
            try:
                load_instance(kind, payload)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"--instances {name}: {exc}") from None
    return specs


def _check_best_known(path: str) -> dict[str, float]:
    from rtsched_widgets.solve.benchmark import read_best_known

    if not Path(path).is_file():
        raise ValueError(f"--best-known {path}: no such file — give a CSV of best knowns")
    try:
        table = read_best_known(path)
    except (OSError, ValueError, KeyError) as exc:  # UnicodeDecodeError is a ValueError
        raise ValueError(
            f"--best-known {path}: not a readable CSV of best knowns ({exc}) — give columns "
            "instance and best_known_objective"
        ) from None
    bad = [name for name, value in table.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(f"--best-known {path}: {bad[0]!r} has no finite value — give a number")
    return table


def _bench(args: argparse.Namespace) -> int:
    import pandas as pd

    from rtsched_widgets.model.io.neutralise import write_csv
    from rtsched_widgets.solve.benchmark import _strategy_specs, benchmark, bundled_best_known

    out = _check_out(args.out) if args.out else None
    if args.jobs < 1:
        raise ValueError(f"--jobs {args.jobs}: use 1 or more")
    if args.dask is not None and args.dask != "local" and args.jobs != 1:
        raise ValueError("--jobs goes with --dask local only; a scheduler's workers are its own")
    if not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise ValueError(f"--time-limit {args.time_limit}: give a positive number of seconds")
    negative = [seed for seed in args.seeds if seed < 0]
    if negative:
        raise ValueError(f"--seeds {negative[0]}: give seeds of 0 or more")
    _strategy_specs(args.strategies)
    specs = _check_instances(args.instances)
    best = (
        bundled_best_known(specs) if args.best_known is None else _check_best_known(args.best_known)
    )
    salvage = _Salvage(out, best)
    kwargs: dict[str, Any] = {
        "time_limit": args.time_limit,
        "seeds": args.seeds,
        "best_known": best,
        "progress": not args.quiet,
        "on_result": salvage.add,
    }
    try:
        if args.dask is None:
            frame = benchmark(args.strategies, args.instances, n_jobs=args.jobs, **kwargs)
        else:
            with _dask_executor(args.dask, args.jobs) as executor:
                frame = benchmark(args.strategies, args.instances, executor=executor, **kwargs)
    except KeyboardInterrupt:
        salvage.keep("interrupted")
        return 130
    except BaseException as exc:
        salvage.keep(f"the sweep failed ({type(exc).__name__}: {exc})")
        raise
    if out is not None:
        try:
            if out.name.lower().endswith((".parquet", ".pq")):
                frame.to_parquet(out, index=False)
            else:
                write_csv(frame, out)
        except Exception as exc:
            salvage.keep(f"--out {out} could not be written ({exc})")
            return 1
        salvage.done()
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
