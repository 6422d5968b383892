"""``auto``'s choice per profile and size (the policy measured in benchmarks/RESULTS.md)."""

from __future__ import annotations

import pytest

from rtsched_widgets import datasets
from rtsched_widgets.solve.auto import choose


@pytest.mark.parametrize(
    ("n", "chosen"),
    [
        (1, "patterns"),
        (12, "patterns"),
        (15, "patterns"),
        (16, "feasible+patterns"),  # 56 days, 3 shift types
        (17, "patterns"),
        (19, "patterns"),
        (13, "feasible_lns"),  # 120 workers on 28 days
        (20, "windows"),  # 182 days
        (22, "windows"),
        (24, "windows"),
    ],
)
def test_auto_chooses_by_size_and_shift_types(n, chosen):
    assert choose(datasets.nrp(n)) == chosen
