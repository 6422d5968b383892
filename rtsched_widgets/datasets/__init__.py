"""Benchmark instances and examples shipped with the package: ``rt.datasets``.

- :func:`nrp` — a Curtois & Qu instance as a ``Problem`` (bundled: 1–13, 15–17, 19, 20, 22,
  24; the other instances of the series once :func:`fetch_nrp` has cached them);
- :func:`nrp_path` — the file of such an instance;
- :func:`nrp_best_known` — sizes and best known objectives of the bundled instances;
- :func:`list` — every dataset with its size;
- :func:`saldo_example` — the saldo-style backup the notebooks use;
- :func:`fetch_nrp` — download an instance of the series that is not bundled into the user
  cache.

The instances are the Curtois & Qu employee shift scheduling benchmark (see ``nrp/README.md``
beside this module for their provenance and licence).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from rtsched_widgets.datasets.catalog import (
    as_path,
    best_known_rows,
    bundled_file,
    bundled_numbers,
    nrp_name,
    saldo_example_data,
)
from rtsched_widgets.datasets.fetch import DatasetUnavailable, cached_file, fetch_nrp
from rtsched_widgets.model.problem import Problem

__all__ = [
    "DatasetUnavailable",
    "fetch_nrp",
    "list",
    "nrp",
    "nrp_best_known",
    "nrp_names",
    "nrp_path",
    "saldo_example",
]


def nrp_names() -> tuple[str, ...]:
    """Names of the bundled NRP instances in series order (``"Instance1"``, …)."""
    return tuple(f"Instance{n}" for n in bundled_numbers())


def nrp_path(name_or_number: int | str, *, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The file of an instance of the series: the bundled copy, else the one
    :func:`fetch_nrp` cached (in ``cache_dir`` when given).

    Raises ``ValueError`` for a name outside the series and ``FileNotFoundError`` for an
    instance that is neither bundled nor cached, saying how to fetch it.
    """
    entry = bundled_file(name_or_number)
    if entry is not None:
        return as_path(entry)
    name = nrp_name(name_or_number)
    cached = cached_file(name, cache_dir)
    if cached.is_file():
        return cached
    raise FileNotFoundError(
        f"instance: {name} is not bundled (bundled: {', '.join(nrp_names())}) and not in the "
        f"cache {cached.parent} — download it with rt.datasets.fetch_nrp({name!r})"
    )


def nrp(name_or_number: int | str, *, cache_dir: str | os.PathLike[str] | None = None) -> Problem:
    """The ``Problem`` of an instance of the series (see :func:`nrp_path` for where it comes
    from); named ``Instance<n>``, on the calendar :func:`~rtsched_widgets.load_nrp` uses."""
    from rtsched_widgets.model.io.nrp import load_nrp

    return load_nrp(nrp_path(name_or_number, cache_dir=cache_dir))


def nrp_best_known() -> pd.DataFrame:
    """One row per bundled instance: ``instance``, ``days``, ``staff``, ``shift_types``,
    ``best_known`` (the best known objective) and ``proven`` (True when proven optimal in the
    literature, ``<NA>`` when the source does not say)."""
    frame = pd.DataFrame(best_known_rows())
    frame["proven"] = frame["proven"].astype("boolean")
    return frame


def list() -> pd.DataFrame:
    """Every bundled dataset: ``name``, ``kind`` (``nrp`` or ``saldo``), ``workers``, ``days``,
    ``shift_types``, ``best_known`` (NaN where there is none) and how to load it."""
    rows: Any = [
        {
            "name": r["instance"],
            "kind": "nrp",
            "workers": r["staff"],
            "days": r["days"],
            "shift_types": r["shift_types"],
            "best_known": r["best_known"],
            "load": f"rt.datasets.nrp({r['instance'].removeprefix('Instance')})",
        }
        for r in best_known_rows()
    ]
    example = saldo_example_data()
    config = example.get("config", {})
    rows.append(
        {
            "name": "saldo_example",
            "kind": "saldo",
            "workers": len(example.get("workers_data", [])),
            "days": _saldo_days(config),
            "shift_types": config.get("num_shifts"),
            "best_known": float("nan"),
            "load": "rt.datasets.saldo_example()",
        }
    )
    return pd.DataFrame(rows)


def _saldo_days(config: dict[str, Any]) -> int | None:
    start, end = config.get("start_date"), config.get("end_date")
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    return (pd.Timestamp(end) - pd.Timestamp(start)).days + 1


def saldo_example() -> dict[str, Any]:
    """The saldo-style backup the notebooks use, as a fresh dict (config, metadata,
    workers_data, schedule): ``rt.model.io.from_saldo(rt.datasets.saldo_example())`` gives its
    problem and roster, ``rt.Problem.from_saldo(...)`` the problem alone."""
    return saldo_example_data()
