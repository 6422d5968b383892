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


def test_auto_gives_its_choice_the_options_it_was_measured_with(monkeypatch):
    from rtsched_widgets.solve import auto
    from rtsched_widgets.solve.auto import CHOSEN_OPTIONS, Auto
    from rtsched_widgets.solve.scoring import score_roster

    problem = datasets.nrp(1)
    monkeypatch.setattr(auto, "choose", lambda _problem: "feasible_lns")
    chosen = Auto().solve(problem, time_limit=1, seed=0)
    assert chosen.details["chosen"] == "feasible_lns"
    assert (
        chosen.details["chosen_options"]
        == CHOSEN_OPTIONS["feasible_lns"]
        == {"construction": "fair"}
    )
    assert score_roster(problem, chosen.roster) == (chosen.hard_violations, chosen.objective)

    pinned = Auto(strategy="feasible_lns").solve(problem, time_limit=1, seed=0)
    assert pinned.details["chosen_options"] == {}
