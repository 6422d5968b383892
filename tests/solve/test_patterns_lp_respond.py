"""``patterns``' best responses from the LP's roundings during column generation
(``lp_respond_rounds``): their rows go into the pool and the best is kept."""

from __future__ import annotations

import pytest
from solve_factories import engine_score  # type: ignore[import-not-found]

from rtsched_widgets.solve import columns
from rtsched_widgets.solve.patterns import Patterns
from rtsched_widgets.solve.scoring import roster_from_shifts


def test_lp_roundings_are_responded_pooled_and_kept(nrp, monkeypatch):
    problem = nrp(2)
    pooled: list[tuple[int, float]] = []
    add_roster = columns.ColumnGeneration.add_roster

    def spy(self, shift_of):
        add_roster(self, shift_of)
        pooled.append((self.rounds, engine_score(problem, roster_from_shifts(problem, shift_of))))

    monkeypatch.setattr(columns.ColumnGeneration, "add_roster", spy)
    # a limit that does not bind: column generation ends on the LP's convergence
    strategy = Patterns(improve=None, lp_respond_rounds=1, lp_respond_share=0.05)
    result = strategy.solve(problem, time_limit=600, seed=0)
    responses = result.details["lp_responses"]
    assert result.details["converged"]
    # one run after each round but the last (it proves the LP optimal, then nothing is left)
    assert 1 <= len(responses) <= result.details["lp_rounds"]
    # every response was pooled (after the construction's roster) and is hard-feasible
    from_rounds = [(r, s) for r, s in pooled if r > 0]
    assert [r for r, _ in from_rounds] == sorted({r for r, _ in from_rounds})
    assert len(from_rounds) == len(responses)
    for (_, (hard, soft)), value in zip(from_rounds, responses, strict=True):
        assert hard == 0
        assert soft == pytest.approx(value)
    assert result.objective <= min(responses) + 1e-9
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)


def test_by_default_nothing_is_responded_before_the_dive(nrp):
    result = Patterns(improve=None).solve(nrp(2), time_limit=600, seed=0)
    assert "lp_responses" not in result.details
    assert "start_response" not in result.details


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"lp_respond_rounds": -1}, "lp_respond_rounds"),
        ({"lp_respond_share": 0}, "lp_respond_share"),
    ],
)
def test_bad_lp_respond_options_are_refused(options, name):
    with pytest.raises(ValueError, match=name):
        Patterns(**options)


def test_start_respond_pools_the_responded_start_roster_first(nrp, monkeypatch):
    problem = nrp(3)
    pooled: list[tuple[int, tuple[int, float]]] = []
    add_roster = columns.ColumnGeneration.add_roster

    def spy(self, shift_of):
        add_roster(self, shift_of)
        pooled.append(
            (len(self.pool), engine_score(problem, roster_from_shifts(problem, shift_of)))
        )

    monkeypatch.setattr(columns.ColumnGeneration, "add_roster", spy)
    from rtsched_widgets.solve.start import feasible_start

    construction = engine_score(problem, feasible_start(problem, None, None, 0))
    strategy = Patterns(improve=None, respond=False, start_respond=True)
    result = strategy.solve(problem, time_limit=600, seed=0)
    start = result.details["start_response"]
    # the first columns are the responded start roster's rows: hard-feasible, no worse than
    # the construction it started from
    assert pooled[0][0] == problem.n_workers
    assert pooled[0][1] == (0, pytest.approx(start))
    assert start <= construction[1]
    assert result.objective <= start + 1e-9
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)


def test_sixteen_best_response_runs_by_default(nrp, monkeypatch):
    from rtsched_widgets.solve import feasible

    problem = nrp(8)
    seeds: list[int] = []
    solve = feasible.Feasible.solve

    def spy(self, problem, **kwargs):
        seeds.append(kwargs["seed"])
        return solve(self, problem, **kwargs)

    monkeypatch.setattr(feasible.Feasible, "solve", spy)
    # no time for pricing: the dive is finished over the first columns, then the runs (each
    # well under a second here) fit in half of a 60 s limit
    strategy = Patterns(
        improve=None, lp_share=0.001, dive_share=0.001, respond_share=0.5, exchange_share=0.0
    )
    result = strategy.solve(problem, time_limit=60, seed=5)
    # the first call may be the construction (no roster given): the last sixteen respond
    assert seeds[-16:] == list(range(5, 21))
    assert result.hard_violations == 0
