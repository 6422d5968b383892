"""Run control shared by every strategy: cancel, progress, keep, bad options."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets._optional import MissingExtraError
from rtsched_widgets.solve import Keep, get_strategy
from rtsched_widgets.solve.base import ProgressInfo
from rtsched_widgets.solve.local_search import LocalSearch


@pytest.mark.parametrize("name", ["greedy", "local_search", "greedy+ls", "cpsat"])
def test_progress_reports_and_result_fields(name):
    problem = small_saldo(seed=1)
    seen: list[ProgressInfo] = []
    result = get_strategy(name).solve(problem, time_limit=1.0, seed=0, progress=seen.append)
    assert seen, "at least one progress report"
    assert all(0.0 <= info.fraction <= 1.0 for info in seen)
    assert all(info.elapsed >= 0 for info in seen)
    assert result.strategy == get_strategy(name).name
    assert result.roster.problem is problem
    if result.hard_violations == 0:
        assert result.time_to_first_feasible is not None
        assert result.time_to_best is not None
    assert result.log == sorted(result.log, key=lambda e: e[0])


def test_cancelled_local_search_returns_its_best_roster():
    problem = small_saldo(seed=1)
    cancel = threading.Event()
    calls = []

    def stop_soon(info: ProgressInfo) -> None:
        calls.append(info)
        if len(calls) >= 2:
            cancel.set()

    result = LocalSearch().solve(problem, time_limit=60, seed=0, cancel=cancel, progress=stop_soon)
    assert result.status == "cancelled"
    assert result.elapsed < 60
    assert result.roster.n_assigned > 0


def test_keep_without_roster_and_bad_options_are_errors():
    problem = small_saldo(seed=1)
    mask = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    with pytest.raises(ValueError, match="keep: a keep mask needs the roster"):
        get_strategy("greedy").solve(problem, time_limit=1, keep=mask)
    with pytest.raises(ValueError, match=r"keep\.cells: shape"):
        get_strategy("greedy").solve(
            problem,
            roster=get_strategy("greedy").solve(problem, time_limit=1).roster,
            time_limit=1,
            keep=Keep(cells=np.zeros((2, 2), dtype=bool)),
        )
    with pytest.raises(ValueError, match="time_limit"):
        get_strategy("greedy").solve(problem, time_limit=0)
    with pytest.raises(ValueError, match="history"):
        LocalSearch(history=0)
    with pytest.raises(TypeError):
        LocalSearch(temperature=3)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="options"):
        get_strategy("greedy+ls", max_moves=3)


def test_plot_benchmark_names_the_extra_when_matplotlib_is_missing():
    import importlib.util

    import pandas as pd

    from rtsched_widgets.solve.benchmark import plot_benchmark

    frame = pd.DataFrame(
        {"instance": ["a", "a"], "strategy": ["x", "y"], "gap_to_best": [1.0, 2.0]}
    )
    if importlib.util.find_spec("matplotlib") is None:
        with pytest.raises(MissingExtraError, match="plot"):
            plot_benchmark(frame)
    else:
        ax = plot_benchmark(frame)
        assert len(ax.patches) == 2
