"""Strategies head to head on instances: one DataFrame row per (instance, strategy, seed).

Instances are given as NRP file paths, folders of them (every ``*.txt`` inside, sorted
naturally), synthetic saldo specs (``{"synthetic": {"workers": 40, "days": 180, ...}}`` or the
string ``"synthetic:workers=40,days=180,posts=3,seed=0"``), or ``Problem`` objects. Runs go to
``n_jobs`` worker processes (``concurrent.futures.ProcessPoolExecutor``); ``n_jobs=1`` runs
in this process. Note that CP-SAT itself uses ``num_workers`` threads per run.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem

COLUMNS = [
    "instance",
    "strategy",
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
]
"""``objective``/``hard_violations`` as the strategy reports them; ``engine_objective``/
``engine_hard`` the rule engine's score of the returned roster; ``gap_to_best`` percent above
the best known objective (NaN when unknown or the roster breaks hard rules)."""

InstanceSpec = tuple[str, str, Any]  # (name, kind, payload) with kind in nrp | synthetic | problem


def _natural(path: Path) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def resolve_instances(instances: Iterable[object] | str | os.PathLike[str]) -> list[InstanceSpec]:
    """Expand ``instances`` into ``(name, kind, payload)`` triples (see the module docstring).

    Raises ``ValueError`` naming the entry for a path that does not exist, an empty folder or
    an entry of unknown type.
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
            else:
                raise ValueError(f"instances[{i}]: {path} does not exist — give a file or folder")
        else:
            raise ValueError(
                f"instances[{i}]: {item!r} is not a path, folder, synthetic spec or Problem"
            )
    return out


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
    """The ``Problem`` of one resolved instance."""
    if kind == "problem":
        return payload
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
    and ``best_known_objective`` (or ``best_known``/``objective``)."""
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


def gap_percent(objective: float, best: float | None, hard: int) -> float:
    """Percent above ``best``: ``100 x (objective - best) / best``; 0 vs a best of 0 when equal,
    inf when above it; NaN when ``best`` is unknown or the roster breaks hard rules."""
    if best is None or hard > 0 or math.isnan(best):
        return math.nan
    if best == 0:
        return 0.0 if objective == 0 else math.inf
    return 100.0 * (objective - best) / best


def run_one(
    name: str, kind: str, payload: Any, strategy: str, seed: int, time_limit: float
) -> dict[str, Any]:
    """Run one strategy on one instance; the row of the benchmark table (without the gap)."""
    from rtsched_widgets.solve.registry import get_strategy
    from rtsched_widgets.solve.scoring import score_roster

    problem = load_instance(kind, payload)
    result = get_strategy(strategy).solve(problem, time_limit=time_limit, seed=seed)
    engine_hard, engine_soft = score_roster(problem, result.roster)
    return {
        "instance": name,
        "strategy": strategy,
        "seed": seed,
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
        "time_limit": time_limit,
    }


def benchmark(
    strategies: Sequence[str] | str,
    instances: Iterable[object] | str | os.PathLike[str],
    time_limit: float = 10.0,
    seeds: Sequence[int] | int = (0,),
    n_jobs: int = 1,
    *,
    best_known: str | os.PathLike[str] | Mapping[str, float] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> pd.DataFrame:
    """Every strategy x instance x seed, one row each with :data:`COLUMNS`, sorted by
    instance (in the given order), strategy (given order) and seed.

    ``strategies``: registry names (``"greedy"``, ``"greedy+ls"``, …) or one comma-separated
    string. ``on_result`` is called with each row as it finishes (progress bars).
    """
    if isinstance(strategies, str):
        strategies = [s.strip() for s in strategies.split(",") if s.strip()]
    if not strategies:
        raise ValueError("strategies: give at least one strategy name")
    from rtsched_widgets.solve.registry import get_strategy

    for s in strategies:
        get_strategy(s)  # unknown names fail before any run starts
    if isinstance(seeds, int):
        seeds = [seeds]
    if not time_limit > 0:
        raise ValueError(f"time_limit: {time_limit!r} — give a positive number of seconds")
    if n_jobs < 1:
        raise ValueError(f"n_jobs: {n_jobs} — use 1 or more processes")
    specs = resolve_instances(instances)
    best = read_best_known(best_known)
    jobs = [
        (name, kind, payload, strategy, int(seed), float(time_limit))
        for name, kind, payload in specs
        for strategy in strategies
        for seed in seeds
    ]
    rows: list[dict[str, Any]] = []
    if n_jobs == 1:
        for job in jobs:
            row = run_one(*job)
            rows.append(row)
            if on_result is not None:
                on_result(row)
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            futures = [pool.submit(run_one, *job) for job in jobs]
            for future in as_completed(futures):
                row = future.result()
                rows.append(row)
                if on_result is not None:
                    on_result(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["best_known"] = [best.get(n, math.nan) for n in frame["instance"]]
    frame["gap_to_best"] = [
        gap_percent(o, None if math.isnan(b) else b, h)
        for o, b, h in zip(
            frame["objective"], frame["best_known"], frame["hard_violations"], strict=True
        )
    ]
    order_i = {name: i for i, (name, _, _) in enumerate(specs)}
    order_s = {s: i for i, s in enumerate(strategies)}
    frame = frame.sort_values(
        ["instance", "strategy", "seed"],
        key=lambda col: (
            col.map(order_i)
            if col.name == "instance"
            else col.map(order_s)
            if col.name == "strategy"
            else col
        ),
    ).reset_index(drop=True)
    return frame[COLUMNS]


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Median objective, gap, hard violations and moves/s per (instance, strategy), one column
    group per strategy."""
    return frame.pivot_table(
        index="instance",
        columns="strategy",
        values=["objective", "gap_to_best", "hard_violations"],
        aggfunc="median",
        sort=False,
    )


def plot_benchmark(frame: pd.DataFrame, ax: Any = None, value: str = "gap_to_best") -> Any:
    """Grouped bars of the median ``value`` per instance, one bar per strategy; returns the
    matplotlib Axes. Needs matplotlib (``pip install matplotlib``; the ``plot`` extra)."""
    require("matplotlib", "plot")
    plt = require("matplotlib.pyplot", "plot")
    if value not in frame.columns:
        raise ValueError(f"value: {value!r} is not a column — use one of {list(frame.columns)}")
    table = frame.pivot_table(index="instance", columns="strategy", values=value, aggfunc="median")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, len(table) * 0.8), 4))
    table.plot.bar(ax=ax)
    ax.set_ylabel(value.replace("_", " "))
    ax.set_title(f"median {value.replace('_', ' ')} per instance")
    return ax
