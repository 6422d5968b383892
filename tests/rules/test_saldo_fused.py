"""The fused saldo delta functions return exactly what the individual rules' delta functions
sum to (integers for hard rules; for soft rules the same float, bit for bit, as adding the
terms to 0.0 in rule order), on random problems, rosters, rule subsets and changes; and the
validator's ``score_delta`` of one change uses them and returns that same sum."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from _rules_helpers import (
    assert_fused_equal_singles,
    assert_score_delta_is_the_individual_sum,
    fill_at_random,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.model import Calendar, Problem, Roster, RuleSettings, ShiftType, Worker
from rtsched_widgets.rules import Validator
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.saldo.fused import (
    HARD_TYPES,
    SOFT_TYPES,
    fusable_hard,
    fusable_soft,
    fused_hard_fn,
    fused_soft_fn,
)

# weights whose sums round differently depending on the order of the terms
WEIGHTS = [0.1, 1 / 3, 2.7, 10.0, 1e-3]


def _problem(data: st.DataObject) -> Problem:
    n_w = data.draw(st.integers(1, 6), label="workers")
    days = data.draw(st.integers(1, 40), label="days")
    posts = data.draw(st.integers(1, 3), label="posts")
    start = data.draw(st.sampled_from([date(2026, 1, 5), date(2026, 12, 24), date(2026, 3, 30)]))
    size = days * posts
    req = np.array(data.draw(st.lists(st.integers(0, 2), min_size=size, max_size=size)))
    req = req.reshape(days, posts)
    under = np.array(
        data.draw(st.lists(st.sampled_from(WEIGHTS), min_size=size, max_size=size))
    ).reshape(days, posts)
    workers = []
    for i in range(n_w):
        off = ()
        if data.draw(st.booleans()):
            a = data.draw(st.integers(0, days - 1))
            off = ((start + timedelta(a), start + timedelta(a + data.draw(st.integers(0, 5)))),)
        others = [f"W{j}" for j in range(n_w) if j != i]
        workers.append(
            Worker(
                f"W{i}",
                work_percentage=data.draw(st.sampled_from([40.0, 100.0])),
                target_shifts=data.draw(st.one_of(st.none(), st.integers(0, 12))),
                max_shifts=data.draw(st.one_of(st.none(), st.integers(0, 10))),
                incompatible_with=tuple(data.draw(st.lists(st.sampled_from(others), max_size=2)))
                if others
                else (),
                days_off=off,
                mandatory_days=tuple(
                    start + timedelta(x)
                    for x in sorted(set(data.draw(st.lists(st.integers(0, days - 1), max_size=2))))
                    if not any(a <= start + timedelta(x) <= b for a, b in off)
                ),
            )
        )
    rs = RuleSettings(
        gap=data.draw(st.integers(0, 4)),
        pattern_distances=data.draw(st.sampled_from([(7, 14), (7,), (3, 7, 14)])),
        max_consecutive_weekends=data.draw(st.integers(0, 3)),
        target_tolerance=data.draw(st.integers(0, 2)),
        weight_target=data.draw(st.sampled_from(WEIGHTS)),
        weight_special_balance=data.draw(st.sampled_from(WEIGHTS)),
        weight_last_post_balance=data.draw(st.sampled_from(WEIGHTS)),
    )
    return Problem(
        workers=workers,
        calendar=Calendar(start, start + timedelta(days - 1), holidays=frozenset()),
        shift_types=[ShiftType(f"P{i}") for i in range(posts)],
        required=req,
        maximum=req + 1,
        under_weight=under,
        settings=rs,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fused_saldo_deltas_equal_the_individual_sums_exactly(data: st.DataObject) -> None:
    p = _problem(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    roster = fill_at_random(p, rng, data.draw(st.sampled_from([0.0, 0.3, 0.7])))
    rules = default_rules(p)
    hard_all = [r for r in rules if type(r) in HARD_TYPES]
    soft_all = [r for r in rules if type(r) in SOFT_TYPES]
    # any subset of the hard rules in any order; an ordered subset of the soft rules
    hard = data.draw(st.permutations(hard_all))[: data.draw(st.integers(1, len(hard_all)))]
    keep = data.draw(st.lists(st.booleans(), min_size=len(soft_all), max_size=len(soft_all)))
    soft = [r for r, k in zip(soft_all, keep, strict=True) if k] or soft_all
    fused = (fused_hard_fn(hard), fused_soft_fn(soft))
    assert_fused_equal_singles(p, roster, fused, (hard, soft), rng)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_score_delta_of_one_change_is_the_individual_sum(data: st.DataObject) -> None:
    p = _problem(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    roster = fill_at_random(p, rng, 0.4)
    assert_score_delta_is_the_individual_sum(Validator(p, roster), roster)


def test_validator_fuses_the_saldo_profile_and_only_ordered_soft_sets() -> None:
    workers = [
        Worker("A", max_shifts=3, incompatible_with=("B",), days_off=((date(2026, 1, 6),) * 2,)),
        Worker("B", mandatory_days=(date(2026, 1, 8),)),
        Worker("C", work_percentage=50.0),
    ]
    p = Problem(
        workers=workers,
        calendar=Calendar(date(2026, 1, 5), date(2026, 2, 1)),
        shift_types=[ShiftType("P0"), ShiftType("P1")],
        required=np.ones((28, 2), dtype=int),
    )
    v = Validator(p, Roster(p))
    live = [r for r in v.rules if r.active]
    assert len(live) == len(v.rules) == 11  # every saldo rule is live here
    assert len(v._hard_fns) == 1 and len(v._soft_one) == 1
    assert len(v._soft_fns) == 4  # several changes: one term per rule and change
    soft = [r for r in live if r.severity == "soft"]
    assert fusable_soft(soft)
    assert not fusable_soft(soft[::-1])  # another order: the terms would be added differently
    assert not fusable_soft(soft[:1])
    with pytest.raises(ValueError, match="SOFT_TYPES"):
        fused_soft_fn(soft[::-1])
    hard = [r for r in live if r.severity == "hard"]
    assert fusable_hard(hard[::-1]) == hard[::-1]
    with pytest.raises(ValueError, match="not fusable hard"):
        fused_hard_fn([*hard, *soft[:1]])
