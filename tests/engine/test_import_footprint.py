"""Importing the engine's ``Schedule`` loads what an edit needs, not what only some paths
need: asyncio and ssl (an event stream), the file formats of ``model.io`` (an audit trail)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_schedule_leaves_asyncio_and_the_file_formats_unloaded() -> None:
    code = (
        "import sys\n"
        "from rtsched_widgets.engine.schedule import Schedule\n"
        "from rtsched_widgets.model.synthetic import synthetic_with_roster\n"
        "problem, roster = synthetic_with_roster(6, 14, 3, seed=0, feasible=True)\n"
        "s = Schedule(problem, roster=roster)\n"
        "s.unassign(problem.calendar.iso(0), 0)\n"
        "print(sorted(m for m in sys.modules if m in ('asyncio', 'ssl')"
        " or m.startswith('rtsched_widgets.model.io')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
