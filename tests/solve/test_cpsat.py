from __future__ import annotations

import threading

import numpy as np
import pytest

from rtsched_widgets.model.io import load_nrp
from rtsched_widgets.solve import Keep, get_strategy
from rtsched_widgets.solve.base import ProgressInfo


@pytest.fixture(scope="module")
def instance1(nrp_file):
    return load_nrp(nrp_file(1))


def test_cpsat_proves_instance1_optimum(instance1, best_known):
    result = get_strategy("cpsat").solve(instance1, time_limit=30, seed=0)
    assert result.status == "optimal"
    assert result.objective == best_known["Instance1"] == 607
    assert result.hard_violations == 0
    assert result.time_to_first_feasible is not None
    assert result.log and result.log[-1][1] == 607


def test_cpsat_respects_kept_worker_days_and_hint(instance1):
    first = get_strategy("cpsat").solve(instance1, time_limit=30, seed=0).roster
    keep = np.zeros((instance1.n_workers, instance1.n_days), dtype=bool)
    keep[0, :] = True  # keep worker A's whole row
    shifts = first.shift_of.copy()
    # move A off one of its working days in the start roster: keep must hold that change
    d = int(np.flatnonzero(shifts[0] >= 0)[0])
    start = first.copy()
    start.clear(d, int(shifts[0, d]), int(first.slot_of[0, d]))
    result = get_strategy("cpsat").solve(
        instance1, roster=start, keep=Keep(worker_days=keep), time_limit=30, seed=1
    )
    assert result.status in ("optimal", "infeasible", "feasible")
    if result.status != "infeasible":
        assert np.array_equal(result.roster.shift_of[0], start.shift_of[0])


def test_cpsat_reports_progress_and_stops_on_cancel(instance1, nrp_file):
    seen: list[ProgressInfo] = []
    cancel = threading.Event()
    cancel.set()
    big = load_nrp(nrp_file(10))
    result = get_strategy("cpsat").solve(
        big, time_limit=30, seed=0, cancel=cancel, progress=seen.append
    )
    assert result.status == "cancelled" or result.status == "infeasible"
    assert result.elapsed < 30
    done = get_strategy("cpsat").solve(instance1, time_limit=30, seed=0, progress=seen.append)
    assert done.status == "optimal"
    assert any(info.best_objective == 607 for info in seen)
    assert all(info.strategy == "cpsat" for info in seen)


def test_unknown_strategy_and_option_errors():
    with pytest.raises(ValueError, match="unknown strategy 'tabu'"):
        get_strategy("tabu")
    with pytest.raises(TypeError):
        get_strategy("cpsat", workers=3)
    assert get_strategy("greedy+ls").name == "greedy+local_search"
