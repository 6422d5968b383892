"""What it costs a ScheduleGrid to follow an edit made elsewhere (Python code in another cell,
a collaborator through the store): from the edit's events to the patch built for its views.

Two grids follow the same schedule in this process; the edits are made with
``Schedule.apply`` (never through a grid), so both grids take the path of an edit made
elsewhere. The schedules: ``--rows`` days of a synthetic problem (80 workers, 3 posts),
starting from its feasible roster (few violations) or empty (a coverage violation on every cell).

* ``carried``: the grid as it is — the patch comes from the change the events carry (the
  changed slots as indices, the violation records added and removed);
* ``re-diff`` (baseline): the same grid class, given events stripped of ``slots``, ``added``
  and ``removed`` (as the engine published them before): it finds the cells from the ISO dates
  of ``cells`` and re-reads and diffs every violation after each edit that changed any.

Per edit: the time spent in the grid's event listener (both events of the edit, patch built
and handed to ``send``; the comm is a list), median and p99, and the ratio to the baseline.
After the run, both grids must show the same violations and the same slots.

Run: .venv/bin/python benchmarks/bench_grid_follow.py [--edits 400] [--rows 100 10000]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import subprocess
import time
from typing import Any

import numpy as np

from rtsched_widgets.engine.events import Event
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.widgets.grid import ScheduleGrid

CARRIED = ("slots", "added", "removed")


class TimedGrid(ScheduleGrid):
    """A grid that times its event listener (and sends into a list)."""

    def __init__(self, schedule: Schedule, *, strip: bool) -> None:
        self.strip = strip
        self.spent: list[float] = []
        super().__init__(schedule)
        self.sent: list[Any] = []
        self.send = lambda msg, buffers=None: self.sent.append(msg)

    def _on_event(self, event: Event) -> None:
        if self.strip:
            payload = {k: v for k, v in event.payload.items() if k not in CARRIED}
            event = dataclasses.replace(event, payload=payload)
        t0 = time.perf_counter()
        super()._on_event(event)
        self.spent.append(time.perf_counter() - t0)


def random_edit(rng: random.Random, s: Schedule) -> dict[str, Any]:
    p = s.problem
    d, post = rng.randrange(p.n_days), rng.randrange(p.n_shifts)
    date = p.calendar.iso(d)
    if rng.random() < 0.5:
        return {"op": "unassign", "date": date, "post": post, "slot": 0}
    worker = p.workers[rng.randrange(p.n_workers)].id
    return {"op": "assign", "worker": worker, "date": date, "post": post, "slot": 0}


def run(rows: int, start: str, edits: int) -> list[dict[str, Any]]:
    problem, roster = synthetic_with_roster(workers=80, days=rows, posts=3, seed=0, feasible=True)
    s = Schedule(problem, user="bench", roster=roster if start == "feasible" else None)
    grids = {"re-diff": TimedGrid(s, strip=True), "carried": TimedGrid(s, strip=False)}
    rng = random.Random(0)
    per_edit: dict[str, list[float]] = {name: [] for name in grids}
    applied = 0
    while applied < edits:
        for g in grids.values():
            g.spent.clear()
        result = s.apply(random_edit(rng, s), force=True)
        if not result.ok:
            continue
        applied += 1
        for name, g in grids.items():
            per_edit[name].append(sum(g.spent) * 1e6)
    shown = {n: sorted(tuple(r[1:]) for r in g.snapshot("x")["viol"]) for n, g in grids.items()}
    assert shown["re-diff"] == shown["carried"], "the grids disagree"
    assert all(np.array_equal(g._mirror.slots, s.core.slots) for g in grids.values())
    n_viol = len(shown["carried"])
    base = statistics.median(per_edit["re-diff"])
    out = []
    for name, values in per_edit.items():
        med = statistics.median(values)
        out.append(
            {
                "rows": rows,
                "start": start,
                "violations": n_viol,
                "path": name,
                "median_us": med,
                "p99_us": float(np.percentile(values, 99)),
                "ratio": med / base,
            }
        )
    for g in grids.values():
        g.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=400)
    ap.add_argument("--rows", type=int, nargs="+", default=[100, 10_000])
    args = ap.parse_args()
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"revision {rev}, load average {' '.join(load)}, {args.edits} edits per size")
    head = ("rows", "roster", "violations", "path", "median us", "p99 us", "ratio")
    print("{:>7} {:>8} {:>10} {:>8} {:>10} {:>9} {:>6}".format(*head))
    for rows in args.rows:
        for start in ("feasible", "empty"):
            for r in run(rows, start, args.edits):
                print(
                    f"{r['rows']:>7} {r['start']:>8} {r['violations']:>10} {r['path']:>8} "
                    f"{r['median_us']:>10.0f} {r['p99_us']:>9.0f} {r['ratio']:>6.3f}"
                )


if __name__ == "__main__":
    main()
