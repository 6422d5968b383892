"""iCalendar (RFC 5545) export: one ``.ics`` file per worker with one event per shift.

Each event starts at the shift type's ``start`` time on the assignment date (floating local
time, as a planner means it) and lasts the shift type's ``minutes``; a shift type of 0
minutes becomes an all-day event. ``UID`` is stable for (problem, worker, date, shift type),
so re-importing an updated export into a calendar client updates the events instead of
duplicating them. Text is escaped, lines are folded and end with CRLF as RFC 5545 requires
(written with the ``icalendar`` package of the ``io`` extra).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster

PRODID = "-//rtsched_widgets//shift schedule//EN"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _file_stem(worker_id: str, taken: set[str]) -> str:
    stem = _UNSAFE.sub("_", worker_id).strip("._") or "worker"
    candidate, n = stem, 2
    while candidate.lower() in taken:
        candidate, n = f"{stem}_{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def worker_calendar(
    problem: Problem, roster: Roster, w: int, *, stamp: datetime | None = None
) -> bytes:
    """The ``.ics`` bytes of worker index ``w``: one VEVENT per shift held in ``roster``."""
    ical = require("icalendar", "io")
    worker = problem.workers[w]
    stamp = stamp or datetime.now(UTC)
    cal = ical.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", ical.vText(f"{worker.display_name} — {problem.name or 'schedule'}"))
    uid_base = quote(problem.name or "schedule", safe="")
    uid_worker = quote(worker.id, safe="")
    for d in map(int, (roster.shift_of[w] >= 0).nonzero()[0]):
        s = int(roster.shift_of[w, d])
        st = problem.shift_types[s]
        day = problem.calendar.date(d)
        event = ical.Event()
        event.add("uid", f"{uid_base}/{uid_worker}/{day.isoformat()}/{s}@rtsched_widgets")
        event.add("dtstamp", stamp)
        event.add("summary", f"{st.label or st.id} — {worker.display_name}")
        if st.minutes > 0:
            hour, minute = (int(x) for x in st.start.split(":")[:2])
            begin = datetime(day.year, day.month, day.day, hour, minute)
            event.add("dtstart", begin)
            event.add("dtend", begin + timedelta(minutes=st.minutes))
        else:
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
        event.add(
            "description",
            f"{problem.name or 'schedule'}: shift {st.id} ({st.label or st.id}) "
            f"on {day.isoformat()}, slot {int(roster.slot_of[w, d]) + 1}",
        )
        cal.add_component(event)
    return bytes(cal.to_ical())


def export_ical(
    problem: Problem,
    roster: Roster,
    folder: str | os.PathLike[str],
    *,
    stamp: datetime | None = None,
) -> list[Path]:
    """Write one ``<worker id>.ics`` per worker (in problem order) into ``folder`` (created
    when missing) and return the paths. Characters other than letters, digits, ``.``, ``_``
    and ``-`` in ids become ``_`` in file names (clashes get ``_2``, ``_3`` …).
    ``stamp`` fixes DTSTAMP (default: now, UTC)."""
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now(UTC)
    taken: set[str] = set()
    paths = []
    for w, worker in enumerate(problem.workers):
        path = out_dir / f"{_file_stem(worker.id, taken)}.ics"
        path.write_bytes(worker_calendar(problem, roster, w, stamp=stamp))
        paths.append(path)
    return paths
