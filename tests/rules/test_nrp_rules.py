"""NRP rules: boundary cases and scores of Instance1 rosters computed by hand from the file."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from _rules_helpers import assert_matches_full, keys_of, roster_with

from rtsched_widgets import datasets
from rtsched_widgets.model import Calendar, Problem, Request, Roster, ShiftType, Worker
from rtsched_widgets.model.io import load_nrp
from rtsched_widgets.rules import Validator

MONDAY = date(2026, 1, 5)


DAY_SHIFT = ShiftType("D", minutes=480)


def nrp(workers, days=7, shifts=(DAY_SHIFT,), required=0, **kw) -> Problem:
    n_s = len(shifts)
    return Problem(
        workers=workers,
        calendar=Calendar(MONDAY, MONDAY + timedelta(days - 1), weekend_days=(5, 6)),
        shift_types=shifts,
        required=np.full((days, n_s), required),
        maximum=np.full((days, n_s), len(workers)),
        profile="nrp",
        **kw,
    )


def work(days, s=0, w=0):
    return [(w, d, s) for d in days]


# -- runs --------------------------------------------------------------------------------------
def test_min_consecutive_runs_touching_the_first_or_last_day_are_exempt():
    p = nrp([Worker("A", min_consecutive=3)])
    assert keys_of(p, work([0]), "min_consecutive") == []  # touches the first day
    assert keys_of(p, work([6]), "min_consecutive") == []  # touches the last day
    assert keys_of(p, work([5, 6]), "min_consecutive") == []
    assert keys_of(p, work([1]), "min_consecutive") == [("min_consecutive", 0, 1, 1)]
    assert keys_of(p, work([4, 5]), "min_consecutive") == [("min_consecutive", 0, 4, 5)]
    assert keys_of(p, work([2, 3, 4]), "min_consecutive") == []  # exactly the minimum


def test_min_days_off_runs_touching_the_first_or_last_day_are_exempt():
    p = nrp([Worker("A", min_consecutive_off=2)])
    assert keys_of(p, work([1, 2, 3, 4, 5, 6]), "min_consecutive_off") == []  # off day 0
    assert keys_of(p, work([0, 1, 2, 3, 4, 5]), "min_consecutive_off") == []  # off day 6
    assert keys_of(p, work([0, 1, 2, 4, 5, 6]), "min_consecutive_off") == [
        ("min_consecutive_off", 0, 3, 3)
    ]
    assert keys_of(p, work([0, 3, 6]), "min_consecutive_off") == []  # two runs of exactly 2
    assert keys_of(p, work([]), "min_consecutive_off") == []  # the whole horizon off


def test_max_consecutive_counts_runs_at_the_horizon_ends_too():
    p = nrp([Worker("A", max_consecutive=3)])
    assert keys_of(p, work([0, 1, 2]), "max_consecutive") == []
    assert keys_of(p, work([0, 1, 2, 3]), "max_consecutive") == [("max_consecutive", 0, 0, 3)]
    assert keys_of(p, work([2, 3, 4, 5, 6]), "max_consecutive") == [("max_consecutive", 0, 2, 6)]


# -- successions, limits, weekends ---------------------------------------------------------------
def test_forbidden_succession_is_next_day_only():
    shifts = (ShiftType("L", minutes=480, forbidden_next=("E",)), ShiftType("E", minutes=480))
    p = nrp([Worker("A")], shifts=shifts)
    assert keys_of(p, [(0, 1, 0), (0, 2, 1)], "succession") == [("succession", 0, 1)]
    assert keys_of(p, [(0, 1, 1), (0, 2, 0)], "succession") == []  # E then L is fine
    assert keys_of(p, [(0, 1, 0), (0, 3, 1)], "succession") == []  # a day between


def test_max_per_shift_minutes_and_weekends():
    shifts = (ShiftType("D", minutes=480), ShiftType("N", minutes=600))
    w = Worker("A", max_per_shift={"N": 1}, max_minutes=1500, min_minutes=1000, max_weekends=1)
    p = nrp([w], days=14, shifts=shifts)
    assert keys_of(p, [(0, 0, 1), (0, 2, 1)], "max_per_shift") == [("max_per_shift", 0, 1)]
    assert keys_of(p, [(0, 0, 1), (0, 2, 0)], "max_per_shift") == []
    assert keys_of(p, [(0, 0, 0), (0, 2, 0), (0, 4, 0)], "max_minutes") == []  # 1440
    assert keys_of(p, [(0, 0, 1), (0, 2, 0), (0, 4, 0)], "max_minutes") == [("max_minutes", 0)]
    assert keys_of(p, [(0, 0, 0), (0, 2, 0)], "min_minutes") == [("min_minutes", 0)]  # 960
    assert keys_of(p, [(0, 0, 1), (0, 2, 0)], "min_minutes") == []  # 1080
    # Sat + Sun of one week = one weekend; a Saturday of the next week makes two
    assert keys_of(p, [(0, 5, 0), (0, 6, 0)], "max_weekends") == []
    assert keys_of(p, [(0, 6, 0), (0, 12, 0)], "max_weekends") == [("max_weekends", 0)]
    assert keys_of(p, [(0, 4, 0), (0, 11, 0)], "max_weekends") == []  # Fridays are not


def test_requests_and_cover_weights():
    shifts = (ShiftType("D", minutes=480), ShiftType("N", minutes=480))
    p = nrp(
        [Worker("A"), Worker("B")],
        shifts=shifts,
        required=1,
        shift_on_requests=[Request("A", 2, "D", 3.0)],
        shift_off_requests=[Request("B", 2, "N", 2.0)],
    )
    v = Validator(p, roster_with(p, [(0, 2, 1), (1, 2, 1)]))  # both on N on day 2
    pen = {x.key: x.penalty for x in v.violation_list() if x.severity == "soft"}
    assert pen[("shift_on", 0)] == 3.0  # A works N, not the requested D
    assert pen[("shift_off", 0)] == 2.0  # B works the N he asked to be off
    assert pen[("cover_over", 2, 1)] == 1.0  # 2 on N, 1 required, over weight 1
    assert pen[("cover_under", 2, 0)] == 100.0
    assert sum(pen.values()) == pytest.approx(3 + 2 + 1 + 100 * 13)


# -- Instance1 scored by hand from the file --------------------------------------------------------
def _sections(path: Path) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    current = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            out[current] = []
        else:
            out[current].append(next(csv.reader([line])))
    return out


def _hand_objective(path: Path, works: dict[tuple[str, int], str]) -> float:
    """The file's objective for a roster {(employee, day): shift}: shift-on weights of
    unmet requests + shift-off weights of met ones + cover under/over weights x amount."""
    sec = _sections(path)
    total = 0.0
    for emp, day, sid, weight in sec["SECTION_SHIFT_ON_REQUESTS"]:
        if works.get((emp, int(day))) != sid:
            total += float(weight)
    for emp, day, sid, weight in sec["SECTION_SHIFT_OFF_REQUESTS"]:
        if works.get((emp, int(day))) == sid:
            total += float(weight)
    for day, sid, req, under, over in sec["SECTION_COVER"]:
        n = sum(1 for (e, d), s in works.items() if d == int(day) and s == sid)
        total += float(under) * max(int(req) - n, 0) + float(over) * max(n - int(req), 0)
    return total


def _roster(problem: Problem, works: dict[tuple[str, int], str]) -> Roster:
    return roster_with(
        problem,
        [(problem.worker(e), d, problem.shift(s)) for (e, d), s in sorted(works.items())],
    )


INSTANCE1 = datasets.nrp_path(1)


def test_instance1_empty_roster_by_hand():
    p = load_nrp(INSTANCE1)
    v = Validator(p, Roster(p))
    # cover: 71 people required at weight 100; all 21 shift-on requests unmet (37)
    assert _hand_objective(INSTANCE1, {}) == 100 * 71 + 37
    assert v.score().soft == pytest.approx(7137.0)
    # every staff member is below MinTotalMinutes 3360; nothing else is broken (the all-off
    # run touches both horizon ends)
    assert sorted(x.key for x in v.violation_list() if x.severity == "hard") == [
        ("min_minutes", w) for w in range(8)
    ]
    assert_matches_full(v)


def test_instance1_everyone_works_every_allowed_day_by_hand():
    p = load_nrp(INSTANCE1)
    off = {e: {int(x) for x in days} for e, *days in _sections(INSTANCE1)["SECTION_DAYS_OFF"]}
    works = {(e, d): "D" for e in "ABCDEFGH" for d in range(14) if d not in off[e]}
    v = Validator(p, _roster(p, works))
    expected = _hand_objective(INSTANCE1, works)
    # by hand: per day 8 staff minus those off; over weight 1 each above the requirement
    over = sum(
        8 - sum(d in off[e] for e in off) - r
        for d, r in enumerate([5, 7, 6, 4, 5, 5, 5, 6, 7, 4, 2, 5, 6, 4])
    )
    assert expected == over + (3 + 1 + 1 + 3 + 3)  # shift-off C12, C13, F8, H2, H3 all met
    assert v.score().soft == pytest.approx(expected)
    hard = {x.rule for x in v.violation_list() if x.severity == "hard"}
    assert hard == {"max_minutes", "max_consecutive", "max_weekends", "min_consecutive_off"}
    # the single days off inside the horizon are too short (min 2); A's day 0 is exempt
    assert sorted(x.key for x in v.violation_list() if x.rule == "min_consecutive_off") == [
        ("min_consecutive_off", p.worker(e), d, d) for e, (d,) in sorted(off.items()) if e != "A"
    ]


def test_instance1_single_change_scores_agree_with_the_file():
    p = load_nrp(INSTANCE1)
    rng = np.random.default_rng(7)
    works = {(e, d): "D" for e in "ABCDEFGH" for d in range(14) if rng.random() < 0.6}
    works = {k: s for k, s in works.items() if p.available[p.worker(k[0]), k[1]]}
    roster = _roster(p, works)
    v = Validator(p, roster)
    assert v.score().soft == pytest.approx(_hand_objective(INSTANCE1, works))
    for e in "ABCDEFGH":
        for d in range(14):
            w = p.worker(e)
            old = int(roster.shift_of[w, d])
            new = -1 if old >= 0 else 0
            after = dict(works)
            if new < 0:
                del after[(e, d)]
            else:
                after[(e, d)] = "D"
            _, soft = v.score_delta([(w, d, old, new)])
            assert v.score().soft + soft == pytest.approx(_hand_objective(INSTANCE1, after))


@pytest.mark.slow
def test_instance1_optimal_roster_scores_the_best_known_objective():
    from rtsched_widgets.solve.cpsat import CpSat

    p = load_nrp(INSTANCE1)
    result = CpSat(num_workers=2).solve(p, time_limit=120, seed=0)
    assert result.status == "optimal"
    v = Validator(p, result.roster)
    best = dict(datasets.nrp_best_known()[["instance", "best_known"]].to_numpy())
    assert v.score().hard == 0, v.violations()
    assert v.score().soft == pytest.approx(best["Instance1"]) == pytest.approx(result.objective)
    works = {
        (p.workers[w].id, d): p.shift_types[s].id
        for w, d in zip(*np.nonzero(result.roster.shift_of >= 0), strict=True)
        for s in [int(result.roster.shift_of[w, d])]
    }
    assert v.score().soft == pytest.approx(_hand_objective(INSTANCE1, works))
