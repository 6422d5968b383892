"""The fused NRP delta functions return exactly what the individual rules' delta functions
sum to (integers for hard rules; for soft rules the same float, bit for bit, as adding the
terms to 0.0 in rule order) on random NRP problems, rosters and changes, and the validator
uses them for the NRP profile."""

from __future__ import annotations

import numpy as np
import pytest
from _rules_helpers import (
    assert_fused_equal_singles,
    assert_score_delta_is_the_individual_sum,
    fill_at_random,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import nrp_problem

from rtsched_widgets.model import Roster
from rtsched_widgets.rules import Validator
from rtsched_widgets.rules.nrp.fused import (
    HARD_TYPES,
    RUN_TYPES,
    SOFT_TYPES,
    fusable_hard,
    fusable_soft,
    fused_hard_fn,
    fused_soft_fn,
)
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.validator import _delta_fns


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fused_nrp_deltas_equal_the_individual_sums_exactly(data: st.DataObject) -> None:
    p = nrp_problem(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    roster = fill_at_random(p, rng, data.draw(st.sampled_from([0.0, 0.4, 0.8])))
    rules = default_rules(p)
    hard_all = [r for r in rules if type(r) in HARD_TYPES or type(r) in RUN_TYPES]
    soft_all = [r for r in rules if type(r) in SOFT_TYPES]
    # any subset (two or more) of the hard rules in any order; an ordered soft subset
    hard = data.draw(st.permutations(hard_all))[: data.draw(st.integers(2, len(hard_all)))]
    keep = data.draw(st.lists(st.booleans(), min_size=len(soft_all), max_size=len(soft_all)))
    soft = [r for r, k in zip(soft_all, keep, strict=True) if k]
    if len(soft) < 2:
        soft = soft_all
    fused = (fused_hard_fn(hard, _delta_fns), fused_soft_fn(soft))
    assert_fused_equal_singles(p, roster, fused, (hard, soft), rng)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_nrp_score_delta_of_one_change_is_the_individual_sum(data: st.DataObject) -> None:
    p = nrp_problem(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    roster = fill_at_random(p, rng, 0.5)
    assert_score_delta_is_the_individual_sum(Validator(p, roster), roster)


def test_the_validator_fuses_an_nrp_instance() -> None:
    from rtsched_widgets.model.io import load_nrp

    p = load_nrp("Instance5")
    v = Validator(p, Roster(p))
    hard = [v.rules[i] for i in v._live if v.rules[i].severity == "hard"]
    soft = [v.rules[i] for i in v._live if v.rules[i].severity == "soft"]
    assert fusable_hard(hard) and fusable_soft(soft)
    assert len(v._hard_fns) == 1 and len(v._soft_one) == 1
    assert not fusable_soft(soft[::-1])  # another order would add the terms differently
    with pytest.raises(ValueError, match="SOFT_TYPES"):
        fused_soft_fn(soft[::-1])
    with pytest.raises(ValueError, match="fusable hard"):
        fused_hard_fn([*hard, soft[0]], _delta_fns)
