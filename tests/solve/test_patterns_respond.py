"""``patterns``' best responses from several seeds (``respond_seeds``)."""

from __future__ import annotations

import pytest
from solve_factories import engine_score  # type: ignore[import-not-found]

from rtsched_widgets.solve import feasible
from rtsched_widgets.solve.patterns import Patterns


def _run(problem, seeds: int):
    # no time for pricing: the dive is finished over the first columns, so the best
    # responses have work to do
    strategy = Patterns(
        improve=None,
        lp_share=0.001,
        dive_share=0.001,
        respond_share=0.5,
        respond_seeds=seeds,
        exchange_share=0.0,
    )
    return strategy.solve(problem, time_limit=20, seed=0)


def test_each_seed_runs_once_and_the_best_run_is_kept(nrp, monkeypatch):
    problem = nrp(8)
    calls: list[tuple[int, float]] = []
    solve = feasible.Feasible.solve

    def spy(self, problem, **kwargs):
        result = solve(self, problem, **kwargs)
        calls.append((kwargs["seed"], result.objective))
        return result

    monkeypatch.setattr(feasible.Feasible, "solve", spy)
    result = _run(problem, 3)
    # the first call may be the construction (no roster given): the last three respond
    seeds = [s for s, _ in calls[-3:]]
    assert seeds == [0, 1, 2]
    best = min(v for _, v in calls[-3:])
    assert result.details["respond_objective"] == pytest.approx(best)
    assert result.objective == pytest.approx(best)
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)


def test_respond_seeds_must_be_positive():
    with pytest.raises(ValueError, match="respond_seeds"):
        Patterns(respond_seeds=0)


def test_respond_split_runs_once_more_from_the_split_rounds(nrp, monkeypatch):
    from rtsched_widgets.solve import exchange

    problem = nrp(8)
    calls: list[int] = []
    rounds: list[int] = []
    solve = feasible.Feasible.solve
    split_rounds = exchange.split_rounds

    def spy(self, problem, **kwargs):
        calls.append(kwargs["seed"])
        return solve(self, problem, **kwargs)

    def spy_rounds(*args, **kwargs):
        rounds.append(kwargs["seed"])
        return split_rounds(*args, **kwargs)

    monkeypatch.setattr(feasible.Feasible, "solve", spy)
    monkeypatch.setattr(exchange, "split_rounds", spy_rounds)
    strategy = Patterns(
        improve=None,
        lp_share=0.001,
        dive_share=0.001,
        respond_share=0.5,
        respond_seeds=2,
        respond_split=True,
        exchange_share=0.0,
    )
    result = strategy.solve(problem, time_limit=20, seed=0)
    assert rounds == [0]
    assert not Patterns().respond_split
    assert calls[-3:] == [0, 0, 1]
    hard, soft = engine_score(problem, result.roster)
    assert hard == 0
    assert soft == pytest.approx(result.objective)
