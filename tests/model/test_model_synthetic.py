"""The synthetic generator: determinism, consistency, the feasibility guarantee, scale."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rtsched_widgets.model import Problem, ProblemError, Roster
from rtsched_widgets.model.io import problem_differences
from rtsched_widgets.model.synthetic import SCALE_100K, synthetic, synthetic_with_roster


def hard_violations(problem: Problem, roster: Roster) -> list[str]:
    """An independent reading of the hard saldo rules of DESIGN §4 (default settings)."""
    out = []
    cfg, cal = problem.settings, problem.calendar
    worked = roster.shift_of >= 0
    if (worked & ~problem.available).any():
        out.append("availability")
    if (problem.mandatory & ~worked).any():
        out.append("mandatory")
    for w in range(problem.n_workers):
        days = np.flatnonzero(worked[w])
        if days.size > 1 and np.diff(days).min() < problem.min_distance[w]:
            out.append(f"gap {problem.workers[w].id}")
        on_pattern = set(days[np.isin(cal.weekday[days], cfg.pattern_weekdays)].tolist())
        if any(d + k in on_pattern for d in on_pattern for k in cfg.pattern_distances):
            out.append(f"7/14 {problem.workers[w].id}")
        weeks = sorted(set(cal.week[days[cal.is_special[days]]].tolist()))
        run = best = 0
        for i, k in enumerate(weeks):
            run = run + 1 if i and k == weeks[i - 1] + 1 else 1
            best = max(best, run)
        if best > cfg.max_consecutive_weekends:
            out.append(f"weekends {problem.workers[w].id}")
    a, b = np.nonzero(np.triu(problem.incompatible))
    if (worked[a] & worked[b]).any():
        out.append("incompatible")
    if not np.array_equal(roster.count, problem.required):
        out.append("coverage")
    return out


def test_same_seed_same_problem_other_seed_other_problem() -> None:
    assert problem_differences(synthetic(seed=4), synthetic(seed=4)) == []
    assert "workers" in problem_differences(synthetic(seed=4), synthetic(seed=5))


def test_shape_and_contents() -> None:
    p = synthetic(workers=50, days=120, posts=4, seed=1, part_time_share=0.3,
                  incompatible_pairs=5, mandatory_per_worker=2,
                  holidays=["2026-01-06", "2026-04-03"])  # fmt: skip
    assert (p.n_workers, p.n_days, p.n_shifts) == (50, 120, 4)
    assert p.profile == "saldo" and int(p.required.sum()) == 480
    assert p.calendar.holidays == {date(2026, 1, 6), date(2026, 4, 3)}
    assert 5 <= int(p.part_time.sum()) <= 25
    assert int(np.triu(p.incompatible).sum()) == 5
    assert (p.mandatory.sum(axis=1) == 2).all()
    assert not (p.mandatory & ~p.available).any()  # never inside days off
    assert len({w.id for w in p.workers}) == 50


@pytest.mark.parametrize("seed", range(6))
def test_feasible_problems_come_with_a_roster_breaking_no_hard_rule(seed: int) -> None:
    p, roster = synthetic_with_roster(workers=30, days=90, posts=3, seed=seed,
                                      incompatible_pairs=4, feasible=True)  # fmt: skip
    assert roster is not None and roster.n_assigned == int(p.required.sum()) > 0
    assert hard_violations(p, roster) == []
    assert p.metadata["feasible"] is True


def test_the_independent_checker_catches_a_broken_roster() -> None:
    p, roster = synthetic_with_roster(workers=30, days=60, posts=3, seed=2, feasible=True)
    assert roster is not None
    d = next(d for d in range(10, 40)
             if not p.mandatory[roster.slots[d, 0, 0], d] and not p.mandatory[
                 roster.slots[d + 2, 0, 0], d + 2])  # fmt: skip
    uncovered = roster.copy()
    uncovered.clear(d, 0, 0)
    assert hard_violations(p, uncovered) == ["coverage"]
    too_close = roster.copy()
    w = int(too_close.slots[d, 0, 0])
    too_close.clear(d + 2, 0, 0)
    too_close.place(w, d + 2, 0, 0)  # works d and d + 2: gap 3 needs 4 days apart
    assert f"gap {p.workers[w].id}" in hard_violations(p, too_close)


def test_scale_100k() -> None:
    p, roster = synthetic_with_roster(**SCALE_100K, feasible=True)
    assert int(p.required.sum()) >= 100_000
    assert roster is not None and roster.n_assigned == int(p.required.sum())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"workers": 0}, "synthetic.workers"),
        ({"days": -1}, "synthetic.days"),
        ({"posts": 1.5}, "synthetic.posts"),
        ({"part_time_share": 2}, "synthetic.part_time_share"),
        ({"start": "soon"}, "synthetic.start"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        synthetic(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_unknown_keyword_is_an_error() -> None:
    with pytest.raises(TypeError):
        synthetic(colour="red")  # type: ignore[call-arg]
