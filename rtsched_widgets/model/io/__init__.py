"""Importers and exporters of scheduling problems and rosters.

- :mod:`~rtsched_widgets.model.io.nrp`: the Curtois & Qu benchmark text format;
- :mod:`~rtsched_widgets.model.io.saldo`: the saldo-style config dict / JSON backup;
- :mod:`~rtsched_widgets.model.io.compare`: structural comparison of problems.
"""

from __future__ import annotations

from rtsched_widgets.model.io.compare import problem_differences, same_problem
from rtsched_widgets.model.io.nrp import NRP_START, dump_nrp, load_nrp, parse_nrp, save_nrp
from rtsched_widgets.model.io.saldo import (
    from_saldo,
    load_saldo,
    load_saldo_backup,
    problem_from_saldo,
    roster_from_saldo,
    save_saldo,
    to_saldo,
)

__all__ = [
    "NRP_START",
    "dump_nrp",
    "from_saldo",
    "load_nrp",
    "load_saldo",
    "load_saldo_backup",
    "parse_nrp",
    "problem_differences",
    "problem_from_saldo",
    "roster_from_saldo",
    "same_problem",
    "save_nrp",
    "save_saldo",
    "to_saldo",
]
