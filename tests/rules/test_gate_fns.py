"""The gate's one function per kind of change (``validator._one_fn``): the sum from ``0`` of
the hard rules' delta functions in order, the single function itself, 0 for none; and the
gate of a validator whose hard rules are not fused (several functions) answers as
``hard_delta`` does."""

from __future__ import annotations

from datetime import date

import numpy as np
from _rules_helpers import saldo_problem

from rtsched_widgets.model import Roster, Worker
from rtsched_widgets.rules import Validator
from rtsched_widgets.rules.common.availability import Availability, MandatoryDays
from rtsched_widgets.rules.common.cover import CoverUnder
from rtsched_widgets.rules.saldo.gap import MinGap
from rtsched_widgets.rules.validator import _no_change, _one_fn


class _OwnAvailability(Availability):
    """Availability under a class of its own."""


def test_one_fn_sums_in_order_from_zero() -> None:
    def f(state, w, d, old, new):  # type: ignore[no-untyped-def]
        return w

    def g(state, w, d, old, new):  # type: ignore[no-untyped-def]
        return 10 * d

    assert _one_fn([f]) is f
    assert _one_fn([]) is _no_change and _no_change(None, 1, 2, -1, 0) == 0  # type: ignore[arg-type]
    both = _one_fn([f, g])
    assert both(None, 1, 2, -1, 0) == 21  # type: ignore[arg-type]
    assert type(both(None, 0, 0, -1, 0)) is int  # type: ignore[arg-type]


def test_gate_of_unfused_hard_rules_agrees_with_hard_delta() -> None:
    workers = [
        Worker("A", days_off=((date(2026, 1, 7), date(2026, 1, 8)),)),
        Worker("B"),
        Worker("C"),
    ]
    problem = saldo_problem(workers, days=14, posts=2)
    # a subclass is not fused (exact classes only): availability and the gap are two functions
    rules = [_OwnAvailability, MinGap, CoverUnder]
    roster = Roster(problem)
    roster.place(1, 3, 0, 0)  # B works day 3: B on day 4 breaks the gap rule
    v = Validator(problem, roster, rules)
    assert v.may_introduce_hard([(1, 4, -1, 0)])  # the second function's term
    off = int(np.flatnonzero(~problem.available[0])[0])
    assert v.may_introduce_hard([(0, off, -1, 0)])  # the first's: A is off that day
    assert len(v._hard_fns) >= 2 and v._gate_fns[0] is not v._hard_fns[0]
    for w in range(problem.n_workers):
        for d in range(problem.n_days):
            if roster.shift_of[w, d] >= 0:
                continue
            change = (w, d, -1, 0)
            assert v.may_introduce_hard([change]) is (v.hard_delta([change]) > 0)
    assert MandatoryDays not in rules
