"""Notebook cells and page scripts the browser tests share.

``ward_cell(workers=..., then=...)``: the code of a notebook cell that builds the small shared
schedule most browser tests edit — six workers W00 … W05 ("Worker 0" …), 28 days from Monday
5 Jan 2026, a Day and a Night post of one person each — as ``s`` (user "kernel", with a
collaboration session), then runs ``then`` (what the test shows: a grid, a dashboard).
``workers`` may replace the list of workers (a Python expression).
"""

from __future__ import annotations

WORKERS = '[Worker(f"W0{i}", name=f"Worker {i}") for i in range(6)]'

_WARD = """
from datetime import date, timedelta
import numpy as np
import rtsched_widgets as rt
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker

start = date(2026, 1, 5)
n_days = 28
workers = {workers}
required = np.ones((n_days, 2), dtype=int)
problem = Problem(
    workers=workers,
    calendar=Calendar(start, start + timedelta(days=n_days - 1)),
    shift_types=[ShiftType("D", "Day"), ShiftType("N", "Night")],
    required=required,
    maximum=required.copy(),
)
s = Schedule(problem, user="kernel")
s.collaborate()
"""


def ward_cell(then: str, workers: str = WORKERS) -> str:
    """The cell's code: the small ward as ``s``, then ``then``."""
    return _WARD.format(workers=workers) + then.strip("\n") + "\n"


PASTE = """
(text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt,
                                                                   bubbles: true,
                                                                   cancelable: true}));
}
"""
"""A page function pasting ``text`` into the focused element (a clipboard event)."""
