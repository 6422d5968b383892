"""Validator API on the first rules: availability, min gap, cover."""

from __future__ import annotations

from datetime import date

import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, roster_with, saldo_problem

from rtsched_widgets.model import Worker
from rtsched_widgets.rules import Availability, CoverUnder, MinGap, Score, Validator


def test_preview_commit_score_delta_agree_on_an_assignment():
    p = saldo_problem(
        [Worker("A", days_off=((date(2026, 1, 7), date(2026, 1, 8)),)), Worker("B")], days=14
    )
    r = roster_with(p, [(0, 0, 0)])
    v = Validator(p, r, rules=[Availability, MinGap, CoverUnder])
    assert [x.name for x in v.rules] == ["availability", "min_gap", "cover_under"]
    before = v.score()
    change = [(0, 2, -1, 0)]  # 2026-01-07: a day off, and 2 days after day 0
    d = v.preview(change)
    assert {x.rule for x in d.introduced} == {"availability", "min_gap"}
    assert [x.rule for x in d.resolved] == ["cover_under"]
    assert (d.hard, d.soft) == (2, -1000.0)
    assert v.score_delta(change) == (2, -1000.0)
    assert v.score() == before  # preview changes nothing
    apply_to_roster(r, change)
    c = v.commit(change)
    assert c == d
    assert v.score() == Score(before.hard + 2, before.soft - 1000.0)
    assert_matches_full(v)


def test_commit_refuses_changes_the_roster_does_not_hold():
    p = saldo_problem(2, days=7)
    r = roster_with(p, [])
    v = Validator(p, r, rules=[CoverUnder])
    with pytest.raises(ValueError, match="apply the changes to the roster"):
        v.commit([(0, 1, -1, 0)])
    assert v.score_delta([(0, 1, -1, 0)]) == (0, -1000.0)  # mirror unchanged
    with pytest.raises(ValueError, match="old_shift"):
        v.preview([(0, 1, 0, -1)])


def test_violations_frame_columns():
    p = saldo_problem(1, days=3)
    v = Validator(p, roster_with(p, [(0, 0, 0), (0, 1, 0)]), rules=[MinGap, CoverUnder])
    df = v.violations()
    cols = ["rule", "severity", "workers", "dates", "post", "message", "penalty"]
    assert list(df.columns) == cols
    assert set(df["rule"]) == {"min_gap", "cover_under"}
    gap = df[df["rule"] == "min_gap"].iloc[0]
    assert gap["workers"] == ("W0",) and gap["dates"] == ("2026-01-05", "2026-01-06")


def test_copy_is_independent():
    p = saldo_problem(2, days=7)
    r = roster_with(p, [(0, 0, 0)])
    v = Validator(p, r, rules=[CoverUnder])
    r2 = r.copy()
    v2 = v.copy(r2)
    apply_to_roster(r2, [(1, 1, -1, 0)])
    v2.commit([(1, 1, -1, 0)])
    assert v.score().soft == v2.score().soft + 1000.0
    assert_matches_full(v)
    assert_matches_full(v2)


def test_rules_bound_to_another_problem_are_refused():
    p, q = saldo_problem(1, days=3), saldo_problem(1, days=3)
    other = Validator(q, roster_with(q, [])).rules[0]
    with pytest.raises(ValueError, match=r"rules\[0\]: .* another problem"):
        Validator(p, roster_with(p, []), rules=[other])
    with pytest.raises(TypeError, match=r"rules\[0\]"):
        Validator(p, roster_with(p, []), rules=["availability"])  # type: ignore[list-item]
