"""Column generation and the ``patterns`` strategy: bound, dive, agreement, keep, control."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from solve_factories import engine_score, small_saldo  # type: ignore[import-not-found]

from rtsched_widgets.solve import Keep, benchmark, get_strategy
from rtsched_widgets.solve.base import ProgressInfo
from rtsched_widgets.solve.columns import ColumnGeneration, request_costs
from rtsched_widgets.solve.keep import normalize_keep
from rtsched_widgets.solve.patterns import Patterns
from rtsched_widgets.solve.scoring import roster_from_shifts


def test_patterns_is_registered_under_its_name():
    strategy = get_strategy("patterns", improve=None)
    assert isinstance(strategy, Patterns) and strategy.name == "patterns"


def test_request_costs_match_the_rule_engine_on_a_roster(nrp):
    problem = nrp(3)
    start = get_strategy("greedy").solve(problem, time_limit=10, seed=0).roster
    constant, per_cell = request_costs(problem)
    shift_of = start.shift_of
    w_idx, d_idx = np.nonzero(shift_of >= 0)
    requests = constant.sum() + per_cell[w_idx, d_idx, shift_of[w_idx, d_idx]].sum()
    # the engine's soft score is requests plus cover; cover alone from the counts
    under = np.maximum(problem.required - start.count, 0) * problem.under_weight
    over = np.maximum(start.count - problem.required, 0) * problem.over_weight
    assert engine_score(problem, start)[1] == pytest.approx(requests + under.sum() + over.sum())


def test_column_generation_bounds_instance1_and_dives_to_a_feasible_roster(nrp, best_known):
    from ortools.sat.python import cp_model as cp

    problem = nrp(1)
    fixed = normalize_keep(problem, None, None)
    cg = ColumnGeneration(cp, problem, fixed, threads=2)
    try:
        cg.start()
        assert cg.converge(lambda: False)
        assert cg.converged
        # a lower bound of the proven optimum, and a tight one (CP-SAT's root bound is not)
        assert 0.9 * best_known["Instance1"] <= cg.bound <= best_known["Instance1"] + 1e-6
        shift_of = cg.dive(lambda: False)
    finally:
        cg.close()
    assert shift_of is not None
    roster = roster_from_shifts(problem, shift_of)
    hard, soft = engine_score(problem, roster)
    assert hard == 0
    assert soft >= cg.bound - 1e-6


def test_dual_smoothing_reaches_the_same_lp_optimum_and_a_valid_bound(nrp, best_known):
    from ortools.sat.python import cp_model as cp

    problem = nrp(2)
    fixed = normalize_keep(problem, None, None)
    values = []
    for smoothing in (0.0, 0.5):
        cg = ColumnGeneration(cp, problem, fixed, smoothing=smoothing)
        try:
            cg.start()
            assert cg.converge(lambda: False)
        finally:
            cg.close()
        assert cg.bound == pytest.approx(cg.lp_value)
        assert cg.bound <= best_known["Instance2"] + 1e-6
        values.append(cg.lp_value)
    assert values[0] == pytest.approx(values[1])


@pytest.mark.parametrize("instance", [1, 2, 3])
@pytest.mark.parametrize("improve", [None, "hybrid"])
def test_reported_objective_equals_the_rule_engine_score(nrp, instance, improve):
    problem = nrp(instance)
    result = Patterns(improve=improve).solve(problem, time_limit=4, seed=0)
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)
    assert result.status in ("optimal", "feasible")
    assert result.details["bound"] <= soft + 1e-6
    assert [t for t, _ in result.log] == sorted(t for t, _ in result.log)


def test_a_roster_the_lp_bound_proves_optimal_ends_the_run(nrp, best_known):
    problem = nrp(2)
    result = Patterns().solve(problem, time_limit=120, seed=0)
    # Instance2's LP optimum over all schedules equals its optimum: the dive's roster is
    # proven optimal and the improver never runs
    assert result.status == "optimal" and "improve" not in result.details
    assert result.objective == best_known["Instance2"] == engine_score(problem, result.roster)[1]
    assert result.details["bound"] == pytest.approx(best_known["Instance2"])


def test_a_dive_cut_short_is_completed_by_cp_sat(nrp):
    problem = nrp(4)
    # the dive's share of the time ends at once: every worker's row goes to CP-SAT
    result = Patterns(
        improve=None,
        lp_share=0.001,
        dive_share=0.001,
        complete_share=0.5,
        respond=False,
        exchange_share=0.0,
    ).solve(problem, time_limit=4, seed=0)
    assert result.details["completed_workers"] == problem.n_workers
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective) == result.details["dive_objective"]


def test_a_shallow_dive_leaves_the_other_workers_to_cp_sat(nrp):
    problem = nrp(3)
    # CP-SAT pricing leaves this LP fractional (labelling's extra columns make it integral,
    # and the dive then fixes every worker in its first step). The limit does not bind: the
    # run ends when the LP converges (17 rounds) and the dive reaches half the workers, about
    # 3 s on a quiet machine; a binding limit would cut the dive short of half under load.
    result = Patterns(improve=None, dive_depth=0.5, pricer="cpsat").solve(
        problem, time_limit=120, seed=0
    )
    assert result.details["converged"]
    assert 0 < result.details["completed_workers"] <= problem.n_workers // 2
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)
    assert soft >= result.details["bound"] - 1e-6


def test_patterns_keeps_kept_worker_days(nrp):
    problem = nrp(2)
    start = get_strategy("cpsat", stop_at_first=True).solve(problem, time_limit=60, seed=0).roster
    assert engine_score(problem, start)[0] == 0
    rng = np.random.default_rng(5)
    worker_days = rng.random((problem.n_workers, problem.n_days)) < 0.15
    for improve in (None, "hybrid"):
        result = Patterns(improve=improve).solve(
            problem,
            roster=start,
            keep=Keep(worker_days=worker_days),
            time_limit=4,
            seed=0,
        )
        got = result.roster.shift_of[worker_days]
        assert np.array_equal(got, start.shift_of[worker_days])
        assert engine_score(problem, result.roster) == (result.hard_violations, result.objective)


def test_a_keep_no_schedule_can_meet_goes_to_the_improver(nrp):
    problem = nrp(2)
    start = get_strategy("greedy").solve(problem, time_limit=10, seed=0).roster
    assert engine_score(problem, start)[0] > 0
    rng = np.random.default_rng(5)
    worker_days = rng.random((problem.n_workers, problem.n_days)) < 0.15
    result = Patterns().solve(
        problem, roster=start, keep=Keep(worker_days=worker_days), time_limit=3, seed=0
    )
    assert "no_schedule" in result.details and result.details["improve"] == "hybrid"
    assert np.array_equal(result.roster.shift_of[worker_days], start.shift_of[worker_days])
    assert engine_score(problem, result.roster) == (result.hard_violations, result.objective)


def test_patterns_stops_on_cancel_and_reports_progress(nrp):
    problem = nrp(8)
    cancel = threading.Event()
    seen: list[ProgressInfo] = []

    def stop_after_first(info: ProgressInfo) -> None:
        seen.append(info)
        cancel.set()

    result = Patterns().solve(
        problem, time_limit=300, seed=0, cancel=cancel, progress=stop_after_first
    )
    assert result.status == "cancelled"
    assert result.elapsed < 60
    assert seen and all(info.strategy == "patterns" for info in seen)
    assert result.hard_violations == engine_score(problem, result.roster)[0]


def test_patterns_stops_near_its_time_limit(nrp):
    problem = nrp(8)
    seen: list[ProgressInfo] = []
    result = Patterns().solve(problem, time_limit=3, seed=0, progress=seen.append)
    # a pricing solve or a sub-strategy's last step may run a little past the limit
    assert result.elapsed < 3 + 5
    assert all(0 <= info.fraction <= 1 for info in seen)
    assert result.hard_violations == engine_score(problem, result.roster)[0]


def test_patterns_hands_a_saldo_problem_to_its_improver():
    problem = small_saldo(n_workers=8, n_days=28, n_posts=2, seed=3)
    result = Patterns(improve="cpsat").solve(problem, time_limit=3, seed=0)
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations
    assert soft == pytest.approx(result.objective, abs=1e-6)
    assert result.strategy == "patterns" and result.details["improve"] == "cpsat"


def test_patterns_runs_through_the_benchmark(nrp_file, best_known):
    frame = benchmark(["patterns"], [nrp_file(1)], time_limit=4, seeds=[0], best_known=best_known)
    row = frame.iloc[0]
    assert row["strategy"] == "patterns" and row["hard_violations"] == 0
    assert row["objective"] == pytest.approx(row["engine_objective"])
    assert row["gap_to_best"] >= 0


def test_patterns_rejects_bad_options():
    with pytest.raises(ValueError, match="lp_share"):
        Patterns(lp_share=0)
    with pytest.raises(ValueError, match="dive_share"):
        Patterns(lp_share=0.5, dive_share=0.4)
    with pytest.raises(ValueError, match="dive_depth"):
        Patterns(dive_depth=-0.1)
    with pytest.raises(ValueError, match="complete_share"):
        Patterns(complete_share=1.5)
    with pytest.raises(ValueError, match="price_time"):
        Patterns(price_time=0)
    with pytest.raises(ValueError, match="strategy"):
        Patterns(improve="nope")
    with pytest.raises(TypeError):
        Patterns(colour="blue")  # type: ignore[call-arg]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_labelling_and_cp_sat_pricing_converge_to_the_same_lp_bound(nrp, n):
    from ortools.sat.python import cp_model

    from rtsched_widgets.solve.columns import ColumnGeneration
    from rtsched_widgets.solve.keep import normalize_keep

    problem = nrp(n)
    fixed = normalize_keep(problem, None, None)
    bounds = []
    for pricer in ("labelling", "cpsat"):
        cg = ColumnGeneration(
            cp_model, problem, fixed, threads=1, price_time=5.0, pricer=pricer, price_labels=4096
        )
        try:
            cg.start()
            assert cg.converge(lambda: False, max_rounds=200), pricer
            bounds.append(cg.bound)
        finally:
            cg.close()
    assert bounds[0] == pytest.approx(bounds[1], abs=1e-4)


@pytest.mark.parametrize("n", [2, 3])
def test_a_narrow_starting_beam_widens_and_reaches_the_wide_beams_lp_bound(nrp, n):
    from ortools.sat.python import cp_model

    problem = nrp(n)
    fixed = normalize_keep(problem, None, None)
    results = []
    for start_labels in (None, 1):
        cg = ColumnGeneration(
            cp_model, problem, fixed, threads=1, price_labels=4096, start_labels=start_labels
        )
        try:
            cg.start()
            assert cg.converge(lambda: False, max_rounds=400), start_labels
            # converged means every last pricing was exact, whatever beam it ended at
            results.append((cg.bound, cg.labels))
        finally:
            cg.close()
    (wide_bound, wide_labels), (narrow_bound, narrow_labels) = results
    assert wide_labels == 4096
    assert 1 < narrow_labels <= 4096  # a beam of one label is inexact there: it widened
    assert narrow_bound == pytest.approx(wide_bound, abs=1e-4)


def test_best_responses_improve_a_dive_finished_over_the_columns_at_hand(nrp):
    problem = nrp(8)

    # no time for pricing or CP-SAT completion: the dive is finished over the first columns
    def run(respond: bool):
        strategy = Patterns(
            improve=None,
            lp_share=0.001,
            dive_share=0.001,
            respond=respond,
            respond_share=0.5,
            exchange_share=0.0,
        )
        return strategy.solve(problem, time_limit=4, seed=0)

    plain, result = run(False), run(True)
    assert "respond_objective" not in plain.details
    assert result.details["respond_objective"] < result.details["dive_objective"]
    assert result.objective == result.details["respond_objective"] < plain.objective
    hard, soft = engine_score(problem, result.roster)
    assert hard == result.hard_violations == 0
    assert soft == pytest.approx(result.objective)


def test_the_master_lp_without_presolve_reaches_the_same_optimum_and_bound(nrp, best_known):
    from ortools.sat.python import cp_model as cp

    problem = nrp(2)
    fixed = normalize_keep(problem, None, None)
    results = []
    for presolve in (True, False):
        cg = ColumnGeneration(cp, problem, fixed, threads=1, lp_presolve=presolve)
        try:
            cg.start()
            assert cg.converge(lambda: False, max_rounds=200), presolve
            roster = cg.dive(lambda: False, rounds_per_step=1)
        finally:
            cg.close()
        assert roster is not None
        results.append((cg.bound, engine_score(problem, roster_from_shifts(problem, roster))))
    (with_bound, _), (without_bound, (hard, soft)) = results
    assert without_bound == pytest.approx(with_bound, abs=1e-4)
    assert without_bound <= best_known["Instance2"] + 1e-6
    assert hard == 0 and soft >= without_bound - 1e-6
