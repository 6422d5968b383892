"""``LiveState`` built from a roster holds the aggregates counted afresh, whatever the integer
type of the roster's table; ``Tables`` reads availability and mandatory days from the
problem's own arrays (views, no copy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.rules.state import LiveState, Tables


def _recounted(t: Tables, sh: np.ndarray) -> dict[str, Any]:
    """The aggregates of ``LiveState`` counted cell by cell in plain Python."""
    count = [[0] * t.n_s for _ in range(t.n_d)]
    n_work, minutes, n_last = [0] * t.n_w, [0] * t.n_w, [0] * t.n_w
    spw = [[0] * t.n_weeks for _ in range(t.n_w)]
    wkend = [[0] * t.n_weeks for _ in range(t.n_w)]
    for w in range(t.n_w):
        for d in range(t.n_d):
            s = int(sh[w, d])
            if s < 0:
                continue
            count[d][s] += 1
            n_work[w] += 1
            minutes[w] += t.minutes[s]
            n_last[w] += s == t.last_post[d]
            if t.special[d]:
                spw[w][t.week[d]] += 1
            if t.sat_sun_week[d] >= 0:
                wkend[w][t.sat_sun_week[d]] += 1
    return {
        "shift_of": sh.tolist(),
        "works": [[int(s >= 0) for s in row] for row in sh.tolist()],
        "count": count,
        "n_work": n_work,
        "minutes": minutes,
        "spw": spw,
        "n_special": [sum(r) for r in spw],
        "n_last": n_last,
        "wkend": wkend,
        "n_weekends": [sum(x > 0 for x in r) for r in wkend],
    }


def _held(state: LiveState) -> dict[str, Any]:
    return {
        "shift_of": [list(r) for r in state.shift_of],
        "works": [list(r) for r in state.works],
        "count": [list(r) for r in state.count],
        "n_work": state.n_work,
        "minutes": state.minutes,
        "spw": [list(r) for r in state.spw],
        "n_special": state.n_special,
        "n_last": state.n_last,
        "wkend": [list(r) for r in state.wkend],
        "n_weekends": state.n_weekends,
    }


def test_built_state_holds_the_recounted_aggregates_for_any_integer_table() -> None:
    problem, roster = synthetic_with_roster(14, 35, 5, seed=4, feasible=True)
    assert roster is not None
    t = Tables.of(problem)
    sh = roster.shift_of
    assert sh.dtype == np.int16  # the roster's own table: built from without a widened copy
    want = _recounted(t, sh)
    assert any(want["n_last"]) and any(want["n_special"]) and any(want["n_weekends"])
    for table in (sh, sh.astype(np.int64), sh.astype(np.int32)):
        state = LiveState(t, table)
        assert _held(state) == want
        assert all(type(x) is int for x in state.minutes)
    assert (roster.shift_of == sh).all()  # the roster is only read


def test_built_state_equals_the_state_the_changes_were_applied_to() -> None:
    problem, roster = synthetic_with_roster(10, 28, 4, seed=1, feasible=True)
    assert roster is not None
    t = Tables.of(problem)
    state = LiveState.from_roster(t, roster)
    sh = roster.shift_of.copy()
    rng = np.random.default_rng(2)
    for _ in range(200):
        w, d = int(rng.integers(t.n_w)), int(rng.integers(t.n_d))
        new = int(rng.integers(-1, t.n_s))
        state.apply(w, d, int(sh[w, d]), new)
        sh[w, d] = new
    assert _held(LiveState(t, sh)) == _held(state) == _recounted(t, sh)


def test_tables_read_availability_from_the_problem_arrays() -> None:
    problem, _ = synthetic_with_roster(12, 28, 4, seed=3, feasible=True)
    t = Tables.of(problem)
    for view, arr in ((t.available, problem.available), (t.mandatory, problem.mandatory)):
        assert np.shares_memory(np.asarray(view), arr)  # a view, not a copy
        assert [[view[w, d] for d in range(t.n_d)] for w in range(t.n_w)] == arr.tolist()
    assert not problem.available.all()  # some days off, so the comparison can fail
