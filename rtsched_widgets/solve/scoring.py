"""Bridges from strategies to the rule engine and to rosters."""

from __future__ import annotations

from typing import Any

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster


def validator_for(problem: Problem, roster: Roster) -> Any:
    """The rule engine's ``Validator`` over ``roster`` (imported lazily: rules sit above model)."""
    from rtsched_widgets.rules.validator import Validator

    return Validator(problem, roster)


def score_roster(problem: Problem, roster: Roster) -> tuple[int, float]:
    """``(hard violation count, soft penalty)`` of ``roster`` by the rule engine."""
    score = validator_for(problem, roster).score()
    return int(score.hard), float(score.soft)


def roster_from_shifts(
    problem: Problem, shift_of: np.ndarray, *, like: Roster | None = None
) -> Roster:
    """A roster where worker ``w`` works ``shift_of[w, d]`` (-1: off) on day ``d``.

    When ``like`` is given, workers that keep the same shift on the same day keep their slot
    index too, so unchanged cells stay identical slot by slot; the others take the first free
    slot. A cell asked to hold more workers than its ``maximum`` raises ``ValueError``.
    """
    out = Roster(problem)
    shift_of = np.asarray(shift_of)
    later: list[tuple[int, int, int]] = []
    for w, d in zip(*np.nonzero(shift_of >= 0), strict=True):
        w, d = int(w), int(d)
        s = int(shift_of[w, d])
        if like is not None and int(like.shift_of[w, d]) == s:
            out.place(w, d, s, int(like.slot_of[w, d]))
        else:
            later.append((w, d, s))
    for w, d, s in later:
        k = out.free_slot(d, s)
        if k < 0:
            raise ValueError(
                f"cell ({problem.calendar.iso(d)}, {problem.shift_types[s].id!r}) would hold "
                f"more than its maximum {int(problem.maximum[d, s])} workers"
            )
        out.place(w, d, s, k)
    return out
