"""``LiveState.n_ws`` (shifts per worker and type) is built on its first read and kept up to
date from then on, in copies too; a state nobody asks it of never builds it."""

from __future__ import annotations

import numpy as np

from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.rules.state import LiveState, Tables


def _counted(state: LiveState) -> list[list[int]]:
    """``n_ws`` counted afresh from ``shift_of``."""
    n_s = state.t.n_s
    return [[list(row).count(s) for s in range(n_s)] for row in state.shift_of]


def _edits(state: LiveState, rng: np.random.Generator, n: int) -> None:
    t = state.t
    for _ in range(n):
        w, d = int(rng.integers(t.n_w)), int(rng.integers(t.n_d))
        state.apply(w, d, state.shift_of[w][d], int(rng.integers(-1, t.n_s)))


def test_per_type_counts_are_built_on_first_read_and_kept_up_to_date() -> None:
    problem, roster = synthetic_with_roster(12, 28, 4, seed=3, feasible=True)
    assert roster is not None
    t = Tables.of(problem)
    rng = np.random.default_rng(0)
    a = LiveState.from_roster(t, roster)
    _edits(a, rng, 40)  # never read: never built
    assert a._n_ws is None
    assert [list(r) for r in a.n_ws] == _counted(a)
    b = a.copy()  # shares the built rows copy-on-write
    c = LiveState.from_roster(t, roster).copy()  # copied before it was built
    _edits(a, rng, 60)
    _edits(b, rng, 60)
    _edits(c, rng, 60)
    for state in (a, b, c):
        assert [list(r) for r in state.n_ws] == _counted(state)
    assert a.n_ws is a.n_ws  # built once, then kept
    minutes = [sum(t.minutes[s] for s in row if s >= 0) for row in a.shift_of]
    assert a.minutes == minutes
