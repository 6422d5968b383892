"""Importers and exporters of scheduling problems and rosters.

- :mod:`~rtsched_widgets.model.io.nrp`: the Curtois & Qu benchmark text format;
- :mod:`~rtsched_widgets.model.io.saldo`: the saldo-style config dict / JSON backup;
- :mod:`~rtsched_widgets.model.io.native`: the package's lossless JSON (problem, roster, pins);
- :mod:`~rtsched_widgets.model.io.tables`: assignments/workers/demand as CSV, Parquet, Excel;
- :mod:`~rtsched_widgets.model.io.ical`: one iCalendar file per worker;
- :mod:`~rtsched_widgets.model.io.compare`: structural comparison of problems.
"""

from __future__ import annotations

from rtsched_widgets.model.io.compare import problem_differences, same_problem
from rtsched_widgets.model.io.ical import export_ical, worker_calendar
from rtsched_widgets.model.io.native import (
    NativeDocument,
    from_document,
    from_json,
    problem_from_dict,
    problem_to_dict,
    to_document,
    to_json,
)
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
from rtsched_widgets.model.io.tables import (
    assignments_frame,
    demand_frame,
    problem_from_frames,
    read_assignments,
    read_table,
    read_workers,
    roster_from_frame,
    workers_frame,
    workers_from_frame,
    write_assignments,
    write_table,
    write_workers,
)

__all__ = [
    "NRP_START",
    "NativeDocument",
    "assignments_frame",
    "demand_frame",
    "dump_nrp",
    "export_ical",
    "from_document",
    "from_json",
    "from_saldo",
    "load_nrp",
    "load_saldo",
    "load_saldo_backup",
    "parse_nrp",
    "problem_differences",
    "problem_from_dict",
    "problem_from_frames",
    "problem_from_saldo",
    "problem_to_dict",
    "read_assignments",
    "read_table",
    "read_workers",
    "roster_from_frame",
    "roster_from_saldo",
    "same_problem",
    "save_nrp",
    "save_saldo",
    "to_document",
    "to_json",
    "to_saldo",
    "worker_calendar",
    "workers_frame",
    "workers_from_frame",
    "write_assignments",
    "write_table",
    "write_workers",
]
