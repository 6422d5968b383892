"""CP-SAT region models (NRP): only the freed worker-days are variables, the rest of a roster
enters as constants; the model's objective is the whole roster's score."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets.model.io import load_nrp
from rtsched_widgets.rules.validator import Validator
from rtsched_widgets.solve import get_strategy
from rtsched_widgets.solve.cpsat import CpModelBuilder, variable_days
from rtsched_widgets.solve.scoring import roster_from_shifts


@pytest.fixture(scope="module")
def instance5(nrp_file):
    problem = load_nrp(nrp_file(5))
    start = get_strategy("cpsat", stop_at_first=True).solve(problem, time_limit=60, seed=0)
    assert start.hard_violations == 0
    return problem, start.roster.shift_of.astype(np.int64)


def engine(problem, shift_of):
    score = Validator(problem, roster_from_shifts(problem, shift_of)).score()
    return int(score.hard), float(score.soft)


def solve_region(problem, base, free, effort=0.5):
    builder = CpModelBuilder(cp_model, problem, free=free, base=base)
    builder.build()
    builder.hint(base)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = effort
    code = solver.solve(builder.model)
    return builder, solver, code


def test_an_empty_region_scores_the_base_roster_exactly(instance5):
    problem, base = instance5
    free = np.zeros(base.shape, dtype=bool)
    builder, solver, code = solve_region(problem, base, free)
    assert code == cp_model.OPTIMAL
    assert not builder.x
    assert np.array_equal(builder.shifts(solver), base)
    assert builder.value(solver) / builder.scale == engine(problem, base)[1]


@pytest.mark.parametrize("kind", ["workers", "days", "scattered"])
def test_a_region_solution_keeps_the_rest_and_its_objective_is_the_engine_score(instance5, kind):
    problem, base = instance5
    rng = np.random.default_rng({"workers": 1, "days": 2, "scattered": 3}[kind])
    free = np.zeros(base.shape, dtype=bool)
    if kind == "workers":
        free[rng.choice(problem.n_workers, 3, replace=False), :] = True
    elif kind == "days":
        free[:, 9:15] = True
    else:
        free = rng.random(base.shape) < 0.15
    builder, solver, code = solve_region(problem, base, free)
    assert code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    shifts = builder.shifts(solver)
    assert np.array_equal(shifts[~free], base[~free]), "nothing outside the region moves"
    hard, soft = engine(problem, shifts)
    assert hard == 0
    value = builder.value(solver) / builder.scale
    # loose cover slacks can only overstate the score; at an optimum they are exact
    assert soft <= value
    if code == cp_model.OPTIMAL:
        assert soft == value
    assert soft <= engine(problem, base)[1], "the hinted base roster is a solution"


def test_region_arguments_are_checked(instance5):
    problem, base = instance5
    with pytest.raises(ValueError, match="free, base"):
        CpModelBuilder(cp_model, problem, free=np.ones(base.shape, dtype=bool))
    saldo = small_saldo(n_workers=4, n_days=14, n_posts=1, seed=0)
    with pytest.raises(ValueError, match="NRP profile only"):
        CpModelBuilder(
            cp_model,
            saldo,
            free=np.ones((4, 14), dtype=bool),
            base=np.full((4, 14), -1, dtype=np.int64),
        )


def test_variable_days_are_the_worker_days_of_the_full_models_variables(instance5):
    problem, _ = instance5
    builder = CpModelBuilder(cp_model, problem)
    builder.build()
    expected = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    for w, d, _s in builder.x:
        expected[w, d] = True
    assert not expected.all(), "instance 5 has unavailable worker-days"
    assert np.array_equal(variable_days(problem), expected)


def test_lns_from_a_feasible_nrp_roster_never_builds_the_whole_model(instance5, monkeypatch):
    problem, base = instance5
    built: list[bool] = []
    original = CpModelBuilder.build

    def build(self):
        built.append(self.restricted)
        original(self)

    monkeypatch.setattr(CpModelBuilder, "build", build)
    start = roster_from_shifts(problem, base)
    result = get_strategy("lns", max_iterations=6, parallel=1).solve(
        problem, roster=start, time_limit=600, seed=0
    )
    assert result.hard_violations == 0
    assert result.objective <= engine(problem, base)[1]
    assert built and all(built), "only region models were built"
