"""Dual smoothing around the best inexact Lagrangian value (``inexact_center``)."""

from __future__ import annotations

import math

import pytest

from rtsched_widgets.solve.columns import ColumnGeneration
from rtsched_widgets.solve.keep import normalize_keep


def _generation(problem, **options):
    from ortools.sat.python import cp_model as cp

    fixed = normalize_keep(problem, None, None)
    return ColumnGeneration(cp, problem, fixed, threads=1, **options)


@pytest.mark.parametrize("n", [2, 3])
def test_an_inexact_centre_reaches_the_same_lp_optimum_and_bound(nrp, best_known, n):
    problem = nrp(n)
    results = []
    for flag in (False, True):
        cg = _generation(problem, price_labels=4096, start_labels=1, inexact_center=flag)
        try:
            cg.start()
            assert cg.converge(lambda: False, max_rounds=400), flag
        finally:
            cg.close()
        results.append((cg.lp_value, cg.bound))
    (plain_lp, plain_bound), (lp, bound) = results
    assert lp == pytest.approx(plain_lp, abs=1e-4)
    assert bound == pytest.approx(plain_bound, abs=1e-4)
    assert bound <= best_known[f"Instance{n}"] + 1e-6


def test_an_inexact_round_sets_the_centre_but_no_bound(nrp):
    problem = nrp(3)
    for flag in (False, True):
        cg = _generation(problem, price_labels=1, inexact_center=flag)
        try:
            cg.start()
            cg.round()  # a beam of one label: inexact on Instance3
        finally:
            cg.close()
        assert cg.bound == -math.inf
        assert (cg.center is not None) is flag
        assert math.isfinite(cg.estimate) is flag
