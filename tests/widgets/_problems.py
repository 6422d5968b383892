"""Small problems and opened grids for the widget message tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker

START = date(2026, 1, 5)  # a Monday


def make_problem(n_workers: int = 6, n_days: int = 14, night_slots: int = 2) -> Problem:
    """Posts Day (1 slot) and Night (``night_slots``), one required each; 2026-01-09 (Fri) is a
    holiday. W00 is off 2026-01-07; W01 must work 2026-01-12; W05 is named like an HTML tag."""
    cal = Calendar(START, START + timedelta(days=n_days - 1), holidays=[date(2026, 1, 9)])
    workers = []
    for i in range(n_workers):
        extra: dict[str, Any] = {}
        if i == 0:
            extra["days_off"] = ((date(2026, 1, 7), date(2026, 1, 7)),)
        if i == 1:
            extra["mandatory_days"] = (date(2026, 1, 12),)
        name = "<img src=x onerror=alert(1)>" if i == 5 else f"Worker {i}"
        workers.append(Worker(f"W{i:02d}", name=name, **extra))
    required = np.ones((n_days, 2), dtype=int)
    maximum = required.copy()
    maximum[:, 1] = night_slots
    return Problem(
        workers=workers,
        calendar=cal,
        shift_types=[ShiftType("D", "Day"), ShiftType("N", "Night")],
        required=required,
        maximum=maximum,
    )


def make_schedule(**kwargs: Any) -> Schedule:
    return Schedule(make_problem(**kwargs), user="alice")
