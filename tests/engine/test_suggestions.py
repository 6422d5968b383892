"""Ranked suggestions for a cell, with reasons for the excluded workers."""

from __future__ import annotations

import numpy as np
import pytest
from _schedule_helpers import make_problem

from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.engine.suggestions import SUGGEST_COLUMNS


@pytest.fixture
def s() -> Schedule:
    s = Schedule(make_problem(), user="alice")
    s.assign("W04", "2026-01-09", 0)  # W04 works 2 days before 01-11
    s.assign("W03", "2026-01-11", "N")  # W02 is incompatible with W03
    s.assign("W05", "2026-01-11", "N")
    return s


def test_excluded_workers_carry_the_reason(s: Schedule) -> None:
    frame = s.suggest("2026-01-11", 0, k=3)
    assert list(frame.columns) == SUGGEST_COLUMNS
    reasons = frame.set_index("worker")["reason"]
    assert reasons["W00"].startswith("unavailable")
    assert reasons["W02"] == "incompatible with W03"
    assert reasons["W03"].startswith("already works that day (N)")
    assert reasons["W04"] == "would break min gap with 2026-01-09"
    eligible = frame[frame["eligible"]]
    assert set(eligible["worker"]) <= {"W01", "W06", "W07"} and len(eligible) == 3
    assert list(eligible["rank"]) == [1, 2, 3]


def test_ranking_matches_the_validator_delta(s: Schedule) -> None:
    frame = s.suggest("2026-01-11", 0, k=5, excluded=False)
    assert frame["eligible"].all()
    for row in frame.itertuples():
        w = s.problem.worker_index[row.worker]
        hard, soft = s.validator.score_delta([(w, 10, -1, 0)])
        assert (row.hard, row.soft) == (hard, pytest.approx(soft))
    keys = list(zip(frame["hard"], frame["soft"], strict=True))
    assert keys == sorted(keys)
    # the best candidate really applies without a hard violation
    best = frame.iloc[0]["worker"]
    assert s.assign(best, "2026-01-11", 0).ok


def test_full_one_slot_cell_candidates_replace_the_occupant(s: Schedule) -> None:
    frame = s.suggest("2026-01-09", 0, k=2, excluded=False)
    occ = s.problem.worker_index["W04"]
    for row in frame.itertuples():
        w = s.problem.worker_index[row.worker]
        _, soft = s.validator.score_delta([(occ, 8, 0, -1), (w, 8, -1, 0)])
        assert row.soft == pytest.approx(soft)


def test_bad_address_raises_naming_the_field(s: Schedule) -> None:
    with pytest.raises(ValueError, match="date"):
        s.suggest("2031-01-01", 0)
    with pytest.raises(ValueError, match="post"):
        s.suggest("2026-01-05", 9)
    with pytest.raises(ValueError, match="k"):
        s.suggest("2026-01-05", 0, k=-1)


def test_two_hundred_workers_every_worker_screened() -> None:
    s = Schedule(make_problem(n_workers=200, n_days=60))
    rng = np.random.default_rng(0)
    for d in range(0, 60, 2):
        s.assign(f"W{int(rng.integers(4, 200)):02d}", s.problem.calendar.iso(d), 0, force=True)
    frame = s.suggest("2026-01-15", 0, k=5)
    assert len(frame) == 5 + int((~frame["eligible"]).sum())
    assert frame["eligible"].sum() == 5
    excluded = frame[~frame["eligible"]]
    assert (excluded["reason"] != "").all()


def test_the_eligibility_screen_without_reasons_agrees_with_the_reasons() -> None:
    """Alternatives screen without building reason texts: the same workers stay eligible."""
    from rtsched_widgets.engine.suggestions import _screen
    from rtsched_widgets.model.synthetic import synthetic_with_roster

    problem, roster = synthetic_with_roster(60, 60, 6, seed=3, feasible=True)
    assert roster is not None and problem.incompatible.any()
    sched = Schedule(problem, roster=roster)
    rng = np.random.default_rng(0)
    n_blocked = 0
    for _ in range(40):
        d, p = int(rng.integers(problem.n_days)), int(rng.integers(problem.n_shifts))
        reasons = _screen(sched, d, p)
        eligible = _screen(sched, d, p, reasons=False)
        assert eligible.dtype == bool
        assert np.array_equal(eligible, reasons == "")
        n_blocked += int((reasons != "").sum())
    assert n_blocked > 0
