"""The schedule's state as DataFrames, for people and notebooks (names, dates, post ids):
the edge where indices become names. Each function reads a roster of a problem and builds a
new frame; nothing here is on the path of an edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.model.roster import Roster

__all__ = ["assignments", "coverage", "roster_table"]


def assignments(problem: Problem, roster: Roster, cell_version: np.ndarray) -> pd.DataFrame:
    """One row per occupied slot of ``roster``: date, post, shift, slot, worker, pinned (a
    mandatory day of the worker), version (``cell_version[day, post]``: the schedule version
    that last changed the cell)."""
    frame = roster.to_frame()
    if len(frame):
        d = (
            (frame["date"].to_numpy() - problem.calendar.dates[0])
            .astype("timedelta64[D]")
            .astype(np.int64)
        )
        w = np.array([problem.worker_index[i] for i in frame["worker"]], dtype=np.int64)
        s = frame["post"].to_numpy()
        frame["pinned"] = problem.mandatory[w, d]
        frame["version"] = cell_version[d, s]
    else:
        frame["pinned"] = pd.Series(dtype=bool)
        frame["version"] = pd.Series(dtype=np.int64)
    return frame


def roster_table(problem: Problem, roster: Roster) -> pd.DataFrame:
    """Workers down (index: worker id), dates across (ISO strings), cell = shift id or ""."""
    labels = np.array([""] + [st.id for st in problem.shift_types], dtype=object)
    table = labels[roster.shift_of.astype(np.int64) + 1]
    return pd.DataFrame(
        table,
        index=pd.Index([w.id for w in problem.workers], name="worker"),
        columns=[problem.calendar.iso(d) for d in range(problem.n_days)],
    )


def coverage(problem: Problem, roster: Roster) -> pd.DataFrame:
    """One row per (date, post) with demand: date, post, shift, required, maximum, filled,
    missing (= max(required - filled, 0))."""
    p = problem
    d, s = np.nonzero(p.maximum > 0)
    filled = roster.count[d, s].astype(np.int64)
    required = p.required[d, s].astype(np.int64)
    return pd.DataFrame(
        {
            "date": p.calendar.dates[d],
            "post": s.astype(np.int64),
            "shift": [p.shift_types[i].id for i in s],
            "required": required,
            "maximum": p.maximum[d, s].astype(np.int64),
            "filled": filled,
            "missing": np.maximum(required - filled, 0),
        }
    )
