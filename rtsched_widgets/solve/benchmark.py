"""Strategies head to head on instances: one DataFrame row per (instance, strategy, seed).

Instances (:func:`resolve_instances`):

- bundled Curtois & Qu instances (:mod:`rtsched_widgets.datasets`): ``"nrp:1-12"`` (a range),
  ``"nrp:1,3,5"``, ``"nrp:all"`` (every bundled instance), ``"nrp:Instance5"`` or ``"nrp:5"``,
  and a plain ``"Instance5"`` when no file of that name exists; instances of the series that
  :func:`~rtsched_widgets.datasets.fetch_nrp` has cached are accepted the same way;
- NRP file paths, and folders of them (every ``*.txt`` inside, sorted naturally);
- synthetic saldo specs: ``{"synthetic": {"workers": 40, "days": 180, ...}}`` or the string
  ``"synthetic:workers=40,days=180,posts=3,seed=0"``;
- ``Problem`` objects.

Strategies are registry names (``"greedy"``, ``"greedy+ls"``, …) or ``(name, options)`` pairs
whose options go to the strategy's constructor (``("local_search", {"max_moves": 20000})``).

Where the runs go: with ``n_jobs=1`` and no ``executor``, one after another in this process;
with ``n_jobs > 1``, a ``concurrent.futures.ProcessPoolExecutor`` of that many processes; with
``executor``, any ``concurrent.futures.Executor`` — e.g. a Dask client's
``client.get_executor()``, so a sweep runs on a cluster. Each run travels to its worker as a
:class:`Run`: the instance as ``(name, kind, payload)``, the strategy name and options, the
seed and the time limit. Bundled names and synthetic specs are a few bytes and are loaded on the
worker, which needs only the package installed; an NRP file travels as its path (the worker
must see that file); a ``Problem`` travels whole, pickled. CP-SAT itself uses ``num_workers``
threads per run.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem

COLUMNS = [
    "instance",
    "strategy",
    "options",
    "seed",
    "objective",
    "hard_violations",
    "gap_to_best",
    "time_to_first_feasible",
    "time_to_best",
    "moves_per_second",
    "status",
    "best_known",
    "engine_objective",
    "engine_hard",
    "moves_evaluated",
    "elapsed",
    "time_limit",
    "wall_time",
    "cpu_time",
    "rss_start_mb",
    "peak_rss_mb",
    "peak_rss_scope",
    "host",
    "version",
]
"""The columns of a benchmark table, one row per run.

- ``instance``: the instance name (``Instance5``, a file's stem, ``synthetic(...)``, a
  ``Problem``'s name); ``strategy``: the registry name as given; ``options``: the strategy's
  constructor options as JSON text with sorted keys (``"{}"`` when none; values JSON cannot
  hold are written as their ``repr``); ``seed``: the run's seed.
- ``objective`` / ``hard_violations``: the soft penalty and hard violation count of the
  returned roster as the strategy reports them; ``engine_objective`` / ``engine_hard``: the rule
  engine's score of the same roster (they agree; the tests prove it).
- ``gap_to_best``: percent above ``best_known`` (:func:`gap_percent`; NaN when the best known
  value is unknown or the roster breaks hard rules); ``best_known``: the best known objective
  of the instance (NaN when unknown).
- ``time_to_first_feasible`` / ``time_to_best``: seconds from the start of the run to the first
  roster without hard violations / to the returned roster (None when never);
  ``moves_per_second``: candidate moves (or solver branches) evaluated per second;
  ``moves_evaluated`` their count; ``status``: the strategy's status (``feasible``, ``optimal``,
  ``unknown``, …); ``elapsed``: seconds of the run by the strategy's own clock.
- ``time_limit``: the time limit given to the strategy, seconds.
- ``wall_time``: wall-clock seconds of the strategy's ``solve`` call, measured around it
  (``time.perf_counter``); it excludes loading the instance and the rule engine's rescoring.
- ``cpu_time``: CPU seconds (user + system) the run's process spent during that call
  (``time.process_time`` delta): it includes every thread of the process — CP-SAT's search
  threads, and also any other work the process did meanwhile (a Dask worker's communication
  threads; other runs when a worker runs several at once), so above ``wall_time`` means
  several threads were busy.
- ``rss_start_mb``: resident set size of the run's process when the ``solve`` call started,
  MiB (the interpreter, imported modules, the loaded instance, anything else the process
  holds); NaN when the platform does not say.
- ``peak_rss_mb``: the largest resident set size of the run's process, MiB, over the span
  ``peak_rss_scope`` names: ``"run"`` — the high-water mark was reset when the ``solve`` call
  started (Linux, ``/proc/self/clear_refs``), so this is the peak during the run, and
  ``peak_rss_mb - rss_start_mb`` is the run's own extra memory (the reset is the process's:
  with ``n_jobs=1`` it resets the figure of the calling process too); ``"process"`` — the reset was
  not possible (another OS, or the kernel refused), so this is the peak since the process
  started and runs sharing a process inherit earlier peaks (an upper bound of the run's peak).
  Either way it counts the whole process: concurrent runs in one process share it. NaN when
  the platform does not say.
- ``host``: the name of the machine that ran it (``socket.gethostname()``);
  ``version``: the version of ``rtsched_widgets`` installed where it ran.
"""

InstanceSpec = tuple[str, str, Any]
"""``(name, kind, payload)``: kind ``bundled`` (payload the canonical name ``Instance5``,
loaded with ``rt.datasets.nrp``), ``nrp`` (payload a file path), ``synthetic`` (payload the
keyword arguments of ``rt.synthetic``) or ``problem`` (payload the ``Problem``)."""

StrategySpec = str | tuple[str, Mapping[str, Any]]
"""A registry name, or ``(name, options)`` with options for the strategy's constructor."""

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")


@dataclass
class Run:
    """One run of a sweep, as it travels to a worker: small and picklable (see the module
    docstring for what each instance kind costs). ``index`` is its place in the sweep's order
    (it also makes every submission distinct, so an executor that caches by arguments, as Dask
    does, never merges two runs)."""

    index: int
    instance: str
    kind: str
    payload: Any
    strategy: str
    seed: int
    time_limit: float
    options: dict[str, Any] = field(default_factory=dict)


def _natural(path: Path) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def resolve_instances(instances: Iterable[object] | str | os.PathLike[str]) -> list[InstanceSpec]:
    """Expand ``instances`` into ``(name, kind, payload)`` triples (see the module docstring
    and :data:`InstanceSpec`), in the given order.

    A string is, in this order of preference: a ``synthetic:`` spec, an ``nrp:`` spec of
    bundled (or fetched) instances, an existing file or folder, and the name of a bundled (or
    fetched) instance such as ``"Instance5"``. Raises ``ValueError`` naming the entry for a
    path that does not exist, an empty folder, an ``nrp:`` spec that names no instance of the
    series or one that is neither bundled nor fetched (saying how to fetch it), or an entry of
    unknown type.
    """
    if isinstance(instances, (str, os.PathLike, Problem, Mapping)):
        instances = [instances]
    out: list[InstanceSpec] = []
    for i, item in enumerate(instances):
        if isinstance(item, Problem):
            out.append((item.name or f"problem{i}", "problem", item))
        elif isinstance(item, Mapping) and "synthetic" in item:
            kwargs = dict(item["synthetic"])
            out.append((_synthetic_name(kwargs), "synthetic", kwargs))
        elif isinstance(item, str) and item.startswith("synthetic:"):
            kwargs = _parse_synthetic(item, i)
            out.append((_synthetic_name(kwargs), "synthetic", kwargs))
        elif isinstance(item, str) and item.lower().startswith("nrp:"):
            out += [_series_instance(name, i) for name in _parse_nrp_spec(item, i)]
        elif isinstance(item, (str, os.PathLike)):
            path = Path(item)
            if path.is_dir():
                files = sorted(
                    (f for f in path.glob("*.txt") if f.name.lower() != "readme.txt"),
                    key=_natural,
                )
                if not files:
                    raise ValueError(f"instances[{i}]: folder {path} holds no .txt instances")
                out += [(f.stem, "nrp", str(f)) for f in files]
            elif path.is_file():
                out.append((path.stem, "nrp", str(path)))
            elif isinstance(item, str) and _looks_like_series_name(item):
                out.append(_series_instance(item, i))
            else:
                raise ValueError(
                    f"instances[{i}]: {path} does not exist — give a file or folder, a bundled "
                    "instance ('Instance5', 'nrp:1-12', 'nrp:all') or a synthetic: spec"
                )
        else:
            raise ValueError(
                f"instances[{i}]: {item!r} is not a path, folder, bundled instance, synthetic "
                "spec or Problem"
            )
    return out


def _looks_like_series_name(text: str) -> bool:
    """True for ``Instance5`` / ``instance5.txt`` (not a bare number, no folder part)."""
    from rtsched_widgets.datasets.catalog import nrp_name

    text = text.strip()
    if text.isdigit() or Path(text).parent != Path("."):
        return False
    try:
        nrp_name(text)
    except ValueError:
        return False
    return True


def _parse_nrp_spec(text: str, i: int) -> list[str]:
    """Canonical names of an ``nrp:`` spec: ``all``, ``a-b`` ranges and names, comma-separated."""
    from rtsched_widgets import datasets
    from rtsched_widgets.datasets.catalog import nrp_name

    body = text.split(":", 1)[1].strip()
    if body.lower() == "all":
        return list(datasets.nrp_names())
    names: list[str] = []
    for part in (p.strip() for p in body.split(",")):
        if not part:
            continue
        match = _RANGE.match(part)
        try:
            if match:
                lo, hi = int(match.group(1)), int(match.group(2))
                if lo > hi:
                    raise ValueError(f"the range {part!r} is empty — write it low-high")
                names += [nrp_name(n) for n in range(lo, hi + 1)]
            else:
                names.append(nrp_name(part))
        except ValueError as exc:
            raise ValueError(f"instances[{i}]: {text!r}: {exc}") from None
    if not names:
        raise ValueError(
            f"instances[{i}]: {text!r} names no instance — e.g. 'nrp:1-12', 'nrp:1,3,5', "
            "'nrp:Instance5' or 'nrp:all'"
        )
    return names


def _series_instance(name: str, i: int) -> InstanceSpec:
    """A series instance: ``bundled`` when the package ships it, else the fetched file."""
    from rtsched_widgets import datasets
    from rtsched_widgets.datasets.catalog import bundled_file, nrp_name

    try:
        canonical = nrp_name(name)
        if bundled_file(canonical) is not None:
            return (canonical, "bundled", canonical)
        return (canonical, "nrp", str(datasets.nrp_path(canonical)))
    except (ValueError, FileNotFoundError) as exc:
        raise ValueError(f"instances[{i}]: {exc}") from None


def _parse_synthetic(text: str, i: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    body = text.split(":", 1)[1]
    for part in filter(None, body.split(",")):
        if "=" not in part:
            raise ValueError(
                f"instances[{i}]: {part!r} in {text!r} — write key=value, e.g. workers=40"
            )
        key, value = part.split("=", 1)
        try:
            kwargs[key.strip()] = int(value)
        except ValueError:
            try:
                kwargs[key.strip()] = float(value)
            except ValueError:
                kwargs[key.strip()] = value.strip()
    return kwargs


def _synthetic_name(kwargs: Mapping[str, Any]) -> str:
    return "synthetic(" + ",".join(f"{k}={v}" for k, v in sorted(kwargs.items())) + ")"


def load_instance(kind: str, payload: Any) -> Problem:
    """The ``Problem`` of one resolved instance (see :data:`InstanceSpec`)."""
    if kind == "problem":
        return payload
    if kind == "bundled":
        from rtsched_widgets import datasets

        return datasets.nrp(payload)
    if kind == "nrp":
        from rtsched_widgets.model.io import load_nrp

        return load_nrp(payload)
    if kind == "synthetic":
        from rtsched_widgets.model.synthetic import synthetic

        return synthetic(**payload)
    raise ValueError(f"kind: unknown instance kind {kind!r}")


def read_best_known(
    source: str | os.PathLike[str] | Mapping[str, float] | None,
) -> dict[str, float]:
    """Best known objectives by instance name, from a dict or a CSV with columns ``instance``
    and ``best_known_objective`` (or ``best_known``/``objective``); ``{}`` for None."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return {str(k): float(v) for k, v in source.items()}
    with open(source, newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        column = next(
            (c for c in ("best_known_objective", "best_known", "objective") if c in fields), None
        )
        if "instance" not in fields or column is None:
            raise ValueError(
                f"best_known: {source} needs columns 'instance' and 'best_known_objective'"
            )
        return {row["instance"]: float(row[column]) for row in reader}


def bundled_best_known(specs: Iterable[InstanceSpec]) -> dict[str, float]:
    """The bundled best-known objectives (``rt.datasets.nrp_best_known()``) of the ``bundled``
    instances among ``specs``."""
    names = {name for name, kind, _ in specs if kind == "bundled"}
    if not names:
        return {}
    from rtsched_widgets import datasets

    table = datasets.nrp_best_known()
    return {
        str(n): float(b)
        for n, b in zip(table["instance"], table["best_known"], strict=True)
        if n in names
    }


def gap_percent(objective: float, best: float | None, hard: int) -> float:
    """Percent above ``best``: ``100 x (objective - best) / best``; 0 vs a best of 0 when equal,
    inf when above it; NaN when ``best`` is unknown or the roster breaks hard rules."""
    if best is None or hard > 0 or math.isnan(best):
        return math.nan
    if best == 0:
        return 0.0 if objective == 0 else math.inf
    return 100.0 * (objective - best) / best


# -- resource measurements of one run ---------------------------------------------------------

_MIB = 1024.0 * 1024.0


def _rss_bytes() -> float:
    """Current resident set size of this process in bytes (NaN when unknown)."""
    try:
        with open("/proc/self/statm") as fh:
            return float(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import psutil

        return float(psutil.Process().memory_info().rss)
    except Exception:
        return math.nan


def _reset_peak_rss() -> bool:
    """Reset this process's resident-set high-water mark to its current RSS (Linux only);
    True when the kernel accepted it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> float:
    """The resident-set high-water mark of this process in bytes (NaN when unknown)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return float(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS
    except (ImportError, OSError):
        pass
    try:
        import psutil

        return float(psutil.Process().memory_info().peak_wset)  # Windows
    except Exception:
        return math.nan


def _options_text(options: Mapping[str, Any]) -> str:
    return json.dumps(dict(options), sort_keys=True, default=repr)


def _package_version() -> str:
    from rtsched_widgets._version import __version__

    return __version__


def run_one(run: Run) -> dict[str, Any]:
    """Run one strategy on one instance, in this process; the row of the benchmark table
    without ``best_known`` and ``gap_to_best`` (see :data:`COLUMNS` for what is measured)."""
    from rtsched_widgets.solve.registry import get_strategy
    from rtsched_widgets.solve.scoring import score_roster

    problem = load_instance(run.kind, run.payload)
    strategy = get_strategy(run.strategy, **run.options)
    rss_start = _rss_bytes()
    scope = "run" if _reset_peak_rss() else "process"
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = strategy.solve(problem, time_limit=run.time_limit, seed=run.seed)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak = _peak_rss_bytes()
    if scope == "run" and not math.isnan(peak) and not math.isnan(rss_start):
        peak = max(peak, rss_start)  # the reset sets the mark to the RSS of that moment
    engine_hard, engine_soft = score_roster(problem, result.roster)
    return {
        "instance": run.instance,
        "strategy": run.strategy,
        "options": _options_text(run.options),
        "seed": run.seed,
        "objective": result.objective,
        "hard_violations": result.hard_violations,
        "time_to_first_feasible": result.time_to_first_feasible,
        "time_to_best": result.time_to_best,
        "moves_per_second": result.moves_per_second,
        "status": result.status,
        "engine_objective": engine_soft,
        "engine_hard": engine_hard,
        "moves_evaluated": result.moves_evaluated,
        "elapsed": result.elapsed,
        "time_limit": run.time_limit,
        "wall_time": wall,
        "cpu_time": cpu,
        "rss_start_mb": rss_start / _MIB,
        "peak_rss_mb": peak / _MIB,
        "peak_rss_scope": scope,
        "host": socket.gethostname(),
        "version": _package_version(),
    }


# -- sweeps ------------------------------------------------------------------------------------


def _strategy_specs(strategies: Sequence[StrategySpec] | str) -> list[tuple[str, dict[str, Any]]]:
    """``(name, options)`` pairs, each checked by building the strategy once."""
    from rtsched_widgets.solve.registry import get_strategy

    if isinstance(strategies, str):
        strategies = [s.strip() for s in strategies.split(",") if s.strip()]
    if not strategies:
        raise ValueError("strategies: give at least one strategy name")
    out: list[tuple[str, dict[str, Any]]] = []
    for i, spec in enumerate(strategies):
        if isinstance(spec, str):
            name, options = spec, {}
        elif (
            isinstance(spec, (tuple, list))
            and len(spec) == 2
            and isinstance(spec[0], str)
            and isinstance(spec[1], Mapping)
        ):
            name, options = spec[0], dict(spec[1])
        else:
            raise ValueError(
                f"strategies[{i}]: {spec!r} — give a name or a (name, options) pair such as "
                "('local_search', {'max_moves': 20000})"
            )
        try:
            get_strategy(name, **options)  # unknown names and options fail before any run
        except TypeError as exc:
            raise ValueError(f"strategies[{i}]: options {options!r} for {name!r}: {exc}") from None
        out.append((name, options))
    return out


def results_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"`` for a ``.parquet``/``.pq`` name, ``"csv"`` for ``.csv`` (optionally
    compressed: ``.csv.gz``, ``.csv.bz2``, ``.csv.xz``, ``.csv.zip``, ``.csv.zst``); raises
    ``ValueError`` for any other name."""
    name = Path(path).name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if re.search(r"\.csv(\.(gz|bz2|xz|zip|zst))?$", name):
        return "csv"
    raise ValueError(f"out: {str(path)!r} — name a .csv or .parquet file")


def save_results(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a benchmark table to ``path``, as Parquet or CSV by its name
    (:func:`results_format`), without the index; returns the path. Parquet needs pyarrow (the
    ``io`` extra)."""
    fmt = results_format(path)
    if fmt == "parquet":
        require("pyarrow", "io")
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return Path(path)


def benchmark(
    strategies: Sequence[StrategySpec] | str,
    instances: Iterable[object] | str | os.PathLike[str],
    time_limit: float = 10.0,
    seeds: Sequence[int] | int = (0,),
    n_jobs: int = 1,
    *,
    best_known: str | os.PathLike[str] | Mapping[str, float] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Every strategy x instance x seed, one row each with :data:`COLUMNS`, ordered by
    instance, strategy and seed, each in the order given.

    ``strategies``: names or ``(name, options)`` pairs (see the module docstring), or one
    comma-separated string of names. ``instances``: see :func:`resolve_instances`.
    ``best_known``: a dict or CSV of best known objectives by instance name (used as given);
    None takes the bundled table (``rt.datasets.nrp_best_known()``) for the bundled instances.

    ``n_jobs``: runs at once in a ``ProcessPoolExecutor`` made for the sweep (1: one after
    another in this process). ``executor``: any ``concurrent.futures.Executor`` to submit the
    runs to instead (``client.get_executor()`` of a Dask client; it is not shut down); with it
    ``n_jobs`` must stay 1. ``on_result`` is called in this process with each row as it
    finishes; ``progress=True`` shows a tqdm bar of the finished runs. ``out``: also write the
    table there (:func:`save_results`; the name is checked before any run starts).

    Unknown strategy names or options, bad instances and a bad ``out`` name raise
    ``ValueError`` before any run starts. A run that fails cancels the runs not yet started
    and its exception propagates.
    """
    specs_s = _strategy_specs(strategies)
    if isinstance(seeds, int):
        seeds = [seeds]
    if not time_limit > 0:
        raise ValueError(f"time_limit: {time_limit!r} — give a positive number of seconds")
    if n_jobs < 1:
        raise ValueError(f"n_jobs: {n_jobs} — use 1 or more processes")
    if executor is not None and n_jobs != 1:
        raise ValueError(
            f"n_jobs: {n_jobs} with an executor — leave n_jobs at 1, the executor's workers "
            "decide how many runs go at once"
        )
    if out is not None and results_format(out) == "parquet":
        require("pyarrow", "io")
    specs = resolve_instances(instances)
    best = bundled_best_known(specs) if best_known is None else read_best_known(best_known)
    runs = [
        Run(
            index=0,
            instance=name,
            kind=kind,
            payload=payload,
            strategy=strategy,
            seed=int(seed),
            time_limit=float(time_limit),
            options=options,
        )
        for name, kind, payload in specs
        for strategy, options in specs_s
        for seed in seeds
    ]
    for index, run in enumerate(runs):
        run.index = index

    from tqdm.auto import tqdm

    rows: dict[int, dict[str, Any]] = {}
    with tqdm(total=len(runs), unit="run", disable=not progress, file=sys.stderr) as bar:

        def finished(index: int, row: dict[str, Any]) -> None:
            rows[index] = row
            bar.set_postfix_str(
                f"{row['instance']} {row['strategy']} seed {row['seed']}: {row['objective']:g}",
                refresh=False,
            )
            bar.update(1)
            if on_result is not None:
                on_result(row)

        if executor is None and n_jobs == 1:
            for run in runs:
                finished(run.index, run_one(run))
        elif executor is not None:
            _run_all(executor, runs, finished)
        else:
            with ProcessPoolExecutor(max_workers=n_jobs) as pool:
                _run_all(pool, runs, finished)
    frame = pd.DataFrame([rows[i] for i in sorted(rows)])
    if frame.empty:
        frame = pd.DataFrame(columns=COLUMNS)
    else:
        frame["best_known"] = [best.get(n, math.nan) for n in frame["instance"]]
        frame["gap_to_best"] = [
            gap_percent(o, None if math.isnan(b) else b, h)
            for o, b, h in zip(
                frame["objective"], frame["best_known"], frame["hard_violations"], strict=True
            )
        ]
        frame = frame[COLUMNS]
    if out is not None:
        save_results(frame, out)
    return frame


def _run_all(
    executor: Executor, runs: list[Run], finished: Callable[[int, dict[str, Any]], None]
) -> None:
    """Submit every run, hand each row to ``finished`` as it completes; on a failure (or an
    interrupt) cancel what has not started and re-raise."""
    futures: dict[Future[dict[str, Any]], int] = {}
    try:
        for run in runs:
            futures[executor.submit(run_one, run)] = run.index
        for future in as_completed(futures):
            finished(futures[future], future.result())
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Median objective, gap and hard violations per (instance, strategy), one column group per
    strategy (a strategy run with options is labelled ``name {options}``)."""
    return frame.assign(strategy=strategy_labels(frame)).pivot_table(
        index="instance",
        columns="strategy",
        values=["objective", "gap_to_best", "hard_violations"],
        aggfunc="median",
        sort=False,
    )


def strategy_labels(frame: pd.DataFrame) -> pd.Series:
    """One label per row: the strategy name, followed by its options' JSON when it has any
    (``local_search {"max_moves": 20000}``), so runs of one strategy with different options
    stay apart in tables and plots."""
    names = frame["strategy"].astype(str)
    if "options" not in frame.columns:
        return names
    options = frame["options"].fillna("{}").astype(str)
    return pd.Series(
        [n if o in ("{}", "") else f"{n} {o}" for n, o in zip(names, options, strict=True)],
        index=frame.index,
        name="strategy",
    )


# -- performance profiles ------------------------------------------------------------------------


def performance_ratios(frame: pd.DataFrame, *, shift: float = 1.0) -> pd.DataFrame:
    """Dolan–Moré performance ratios: one row per problem, one column per strategy.

    A problem is an (instance, seed) pair of ``frame``: each run is compared with the other
    strategies' runs of the same instance and seed, so a run that breaks hard rules is a
    failure of that run alone (no rule is needed for medians over partly failed seeds).
    Strategies are :func:`strategy_labels`, in order of first appearance; problems in order of
    first appearance.

    The ratio of strategy ``s`` on problem ``p`` is ``r = f(p, s) / best(p)`` where ``f`` is
    the run's ``objective`` and ``best(p)`` the least objective of the successful runs on
    ``p``; it is exactly 1 when ``f(p, s) == best(p)`` (both 0 included). When ``best(p)`` is
    0 or negative the ratio would be undefined, so it is taken on objectives translated to put
    the best at ``shift``: ``r = (f - best + shift) / shift``. A failure — ``hard_violations >
    0``, a missing or NaN objective, or no run of ``s`` on ``p`` — has ``r = inf``; when every
    strategy fails on ``p`` all its ratios are inf (the problem still counts).
    """
    if not shift > 0:
        raise ValueError(f"shift: {shift!r} — give a positive number")
    missing = {"instance", "seed", "strategy", "objective", "hard_violations"} - set(frame)
    if missing:
        raise ValueError(f"frame: missing columns {sorted(missing)}")
    labels = strategy_labels(frame)
    objective = pd.to_numeric(frame["objective"], errors="coerce").astype(float)
    hard = pd.to_numeric(frame["hard_violations"], errors="coerce").fillna(1)
    value = objective.where((hard <= 0) & objective.notna(), math.inf)
    long = pd.DataFrame(
        {"instance": frame["instance"], "seed": frame["seed"], "strategy": labels, "f": value}
    )
    table = long.pivot_table(
        index=["instance", "seed"], columns="strategy", values="f", aggfunc="min", sort=False
    )
    order = list(dict.fromkeys(labels))
    table = table.reindex(columns=order).fillna(math.inf)
    table.columns.name = "strategy"
    best = table.min(axis=1)
    f = table.to_numpy(dtype=float)
    b = best.to_numpy(dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, f / b, (f - b + shift) / shift)
    ratio = np.where(np.isinf(f) | np.isinf(b), math.inf, ratio)
    ratio = np.where((f == b) & np.isfinite(b), 1.0, ratio)
    return pd.DataFrame(ratio, index=table.index, columns=table.columns)


def performance_profile(
    frame: pd.DataFrame, *, taus: Sequence[float] | None = None, shift: float = 1.0
) -> pd.DataFrame:
    """The Dolan–Moré performance profile: for each strategy (column) and factor τ (index,
    ascending), the fraction of problems whose ratio (:func:`performance_ratios`, which says
    what a problem is, how failures and objectives of 0 count) is at most τ.

    ``taus``: where to evaluate it; default every finite ratio that occurs, and 1 — the points
    where some strategy's profile steps, so the table gives the whole step function (constant
    from each τ to the next, and beyond the last).
    """
    ratios = performance_ratios(frame, shift=shift)
    values = ratios.to_numpy(dtype=float)
    if taus is None:
        finite = values[np.isfinite(values)]
        taus = sorted({1.0, *finite.tolist()})
    grid = np.asarray(list(taus), dtype=float)
    n = max(len(ratios), 1)
    data = {s: [float((ratios[s].to_numpy() <= t).sum()) / n for t in grid] for s in ratios.columns}
    profile = pd.DataFrame(data, index=pd.Index(grid, name="tau"), columns=ratios.columns)
    profile.columns.name = "strategy"
    return profile


def _plot_profile(frame: pd.DataFrame, ax: Any, plt: Any, shift: float) -> Any:
    profile = performance_profile(frame, shift=shift)
    n_problems = len(performance_ratios(frame, shift=shift))
    taus = profile.index.to_numpy(dtype=float)
    right = max(float(taus.max()) if len(taus) else 1.0, 1.0) * 1.25
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for strategy in profile.columns:
        ys = profile[strategy].to_numpy(dtype=float)
        ax.step([*taus, right], [*ys, ys[-1]], where="post", label=str(strategy))
    ax.set_xscale("log")
    ax.set_xlim(1.0, right)
    if right <= 10:  # a narrow log range: a few plain ticks instead of crowded 10^x labels
        ticker = require("matplotlib.ticker", "plot")
        ax.xaxis.set_major_locator(ticker.FixedLocator(np.geomspace(1.0, right, 6)))
        ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%.3g"))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("τ (objective within a factor τ of the best)")
    ax.set_ylabel("fraction of problems")
    ax.set_title(f"performance profile ({n_problems} instance × seed problems)")
    ax.legend(loc="lower right")
    return ax


def plot_benchmark(
    frame: pd.DataFrame,
    ax: Any = None,
    value: str = "gap_to_best",
    *,
    kind: str = "bars",
    shift: float = 1.0,
) -> Any:
    """Plot a benchmark table on ``ax`` (a new figure when None); returns the matplotlib Axes.

    ``kind="bars"``: grouped bars of the median ``value`` per instance, one bar per strategy.
    ``kind="profile"``: the Dolan–Moré performance profile (:func:`performance_profile`), one
    step line per strategy: the fraction of (instance, seed) problems whose objective is within
    a factor τ of the best strategy's on that problem, against τ on a log axis from 1; runs
    that break hard rules never count; ``shift`` is the translation used where the best
    objective is 0 (see :func:`performance_ratios`).

    Needs matplotlib (the ``plot`` extra).
    """
    require("matplotlib", "plot")
    plt = require("matplotlib.pyplot", "plot")
    if kind == "profile":
        return _plot_profile(frame, ax, plt, shift)
    if kind != "bars":
        raise ValueError(f"kind: {kind!r} — use 'bars' or 'profile'")
    if value not in frame.columns:
        raise ValueError(f"value: {value!r} is not a column — use one of {list(frame.columns)}")
    table = frame.assign(strategy=strategy_labels(frame)).pivot_table(
        index="instance", columns="strategy", values=value, aggfunc="median"
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, len(table) * 0.8), 4))
    table.plot.bar(ax=ax)
    ax.set_ylabel(value.replace("_", " "))
    ax.set_title(f"median {value.replace('_', ' ')} per instance")
    return ax
