"""Custom rules (``rt.WorkerRule``, ``rt.DateRule``) work where the built-in ones do: kept up to
date edit by edit exactly as a full re-check finds them (property), in refusals with their
message, in suggestions, analytics and the violation frame, in the searches that score through
the rule engine; strategies that cannot check them say so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, saldo_problem
from hypothesis import given, settings
from hypothesis import strategies as st

import rtsched_widgets as rt
from rtsched_widgets.model import Roster, RuleSettings
from rtsched_widgets.rules import Validator
from rtsched_widgets.solve.local_search import LocalSearch
from rtsched_widgets.solve.scoring import score_roster


class NoThreeInARow(rt.WorkerRule):
    """Hard: nobody works three days in a row (shown on the third day)."""

    name = "no_three_in_a_row"
    severity = "hard"

    def violations(self, worker: Any, shifts: pd.Series) -> list[tuple[Any, str]]:
        runs = shifts.notna().astype(int).rolling(3).sum()
        return [(day, f"{worker.id} works three days in a row") for day in runs[runs == 3].index]


class PairApart(rt.DateRule):
    """Soft (weight 7): W0 and W1 are never on the same date."""

    name = "pair_apart"
    severity = "soft"
    weight = 7.0

    def violations(self, date: Any, assigned: pd.DataFrame) -> list[tuple[Any, str]]:
        if {"W0", "W1"} <= set(assigned.worker):
            return [("W1", f"W0 and W1 both work on {date:%a %d %b}")]
        return []


class NotOnPostOne(rt.WorkerRule):
    """Hard, with a CP-SAT encoding: W2 never works post 1."""

    name = "w2_not_post_1"
    severity = "hard"

    def violations(self, worker: Any, shifts: pd.Series) -> list[tuple[Any, str]]:
        if worker.id != "W2":
            return []
        return [(day, "W2 on post 1") for day in shifts[shifts == "P1"].index]

    def encode(self, model: Any, var: Any, problem: Any) -> None:
        w = problem.worker("W2")
        for d in range(problem.n_days):
            x = var(w, d, 1)
            if not isinstance(x, int):
                model.add(x == 0)


RULES = [NoThreeInARow(), PairApart()]
LOOSE = RuleSettings(gap=0, pattern_weekdays=())  # consecutive days allowed by the built-ins


def _problem(workers: int, days: int, posts: int = 2) -> rt.Problem:
    return saldo_problem(workers=workers, days=days, posts=posts, settings=LOOSE)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_kept_violations_equal_a_full_recheck_after_random_edits(data: st.DataObject) -> None:
    problem = _problem(4, data.draw(st.integers(3, 12))).with_rules(RULES)
    roster = Roster(problem)
    v = Validator(problem, roster)
    assert_matches_full(v)
    for _ in range(data.draw(st.integers(1, 25))):
        w = data.draw(st.integers(0, problem.n_workers - 1))
        d = data.draw(st.integers(0, problem.n_days - 1))
        old = int(roster.shift_of[w, d])
        new = data.draw(st.integers(-1, problem.n_shifts - 1))
        if new == old or (new >= 0 and roster.count[d, new] >= problem.maximum[d, new]):
            continue
        change = [(w, d, old, new)]
        predicted = v.score_delta(change)
        before = v.score()
        apply_to_roster(roster, change)
        v.commit(change)
        after = v.score()
        assert predicted[0] == after.hard - before.hard
        assert abs(predicted[1] - (after.soft - before.soft)) < 1e-9
        assert_matches_full(v)


def _schedule() -> rt.Schedule:
    return rt.Schedule(_problem(4, 10), user="ann", rules=RULES)


def test_refusals_carry_the_rules_message_and_records_have_its_fields() -> None:
    s = _schedule()
    for d in (0, 1):
        assert s.assign("W3", s._iso[d], 0).ok
    r = s.assign("W3", s._iso[2], 0)
    assert not r.ok and r.error == "HARD_VIOLATION"
    assert "W3 works three days in a row" in r.message
    assert s.assign("W0", s._iso[4], 0).ok
    r = s.assign("W1", s._iso[4], 1)
    mine = [v for v in r.introduced if v.rule == "pair_apart"]
    assert r.ok and len(mine) == 1
    record = mine[0]
    assert record.severity == "soft" and record.penalty == 7.0
    assert record.workers == ("W1",) and record.dates == (s._iso[4],)
    frame = s.validate()
    ours = frame[frame.rule == "pair_apart"]
    assert len(ours) == 1 and ours.message.iloc[0].startswith("W0 and W1")
    by_rule = s.analytics().violations_by_rule.set_index("rule")
    assert by_rule.loc["pair_apart", "count"] == 1
    assert by_rule.loc["pair_apart", "penalty"] == 7.0
    plain = s.problem.without_custom_rules()
    assert s.score().soft == pytest.approx(7.0 + score_roster(plain, s.core.copy(plain))[1])


def test_suggestions_rank_by_the_custom_rules_too() -> None:
    s = _schedule()
    assert s.assign("W0", s._iso[5], 0).ok
    ranked = s.suggest(s._iso[5], 1, k=4)
    w1 = ranked[ranked.worker == "W1"]
    others = ranked[ranked.worker != "W1"]
    assert float(w1.soft.iloc[0]) >= float(others.soft.min()) + 7.0 - 1e-9


def test_custom_rules_are_checked_and_named() -> None:
    p = saldo_problem(workers=2, days=5)
    with pytest.raises(ValueError, match="is a class"):
        p.with_rules([NoThreeInARow])
    with pytest.raises(ValueError, match="not a custom rule"):
        p.with_rules([object()])
    with pytest.raises(ValueError, match="taken"):
        p.with_rules([NoThreeInARow(), NoThreeInARow()])

    class Clash(NoThreeInARow):
        name = "cover_under"

    with pytest.raises(ValueError, match="taken"):
        p.with_rules([Clash()])

    class Bad(NoThreeInARow):
        name = "bad"
        severity = "medium"  # type: ignore[assignment]

    with pytest.raises(ValueError, match="severity"):
        p.with_rules([Bad()])
    q = p.with_rules([NoThreeInARow()])
    assert p.custom_rules == () and [r.name for r in q.custom_rules] == ["no_three_in_a_row"]
    assert q.without_custom_rules().custom_rules == ()


@pytest.mark.parametrize("name", ["greedy", "feasible", "patterns", "cpsat", "lns", "hybrid"])
def test_strategies_that_cannot_check_a_rule_say_so(name: str) -> None:
    problem = _schedule().problem
    with pytest.raises(ValueError, match=r"cannot honour the custom rule.*no_three_in_a_row"):
        rt.get_strategy(name).solve(problem, time_limit=5)


def test_local_search_and_auto_honour_custom_rules() -> None:
    problem = _problem(6, 14).with_rules(RULES)
    result = LocalSearch(max_moves=1200).solve(problem, time_limit=600, seed=1)
    assert (result.hard_violations, result.objective) == pytest.approx(
        score_roster(problem, result.roster)
    )
    runs = (result.roster.shift_of >= 0).astype(int)
    three = (runs[:, :-2] + runs[:, 1:-1] + runs[:, 2:]) == 3
    assert result.hard_violations == 0 and not three.any()
    # auto runs the same search (its time limit only decides how long)
    auto = rt.get_strategy("auto").solve(problem, time_limit=2, seed=1)
    assert auto.details["chosen"] == "local_search"
    assert (auto.hard_violations, auto.objective) == pytest.approx(
        score_roster(problem, auto.roster)
    )


def test_cpsat_honours_a_rule_with_an_encoding() -> None:
    problem = _problem(4, 7).with_rules([NotOnPostOne()])
    result = rt.get_strategy("cpsat", stop_at_first=True).solve(problem, time_limit=30, seed=0)
    w2 = problem.worker("W2")
    assert not (result.roster.shift_of[w2] == 1).any()
    assert (result.hard_violations, result.objective) == pytest.approx(
        score_roster(problem, result.roster)
    )
    assert result.hard_violations == 0


def test_a_schedule_with_rules_keeps_a_given_roster() -> None:
    base = saldo_problem(workers=3, days=6)
    roster = Roster(base)
    roster.place(0, 0, 0, 0)
    s = rt.Schedule(base, roster=roster, rules=[NoThreeInARow()])
    assert s.problem is not base and s.core.shift_of[0, 0] == 0
    assert np.array_equal(roster.shift_of, s.core.shift_of)
