"""Size limits checked before allocating, and the abbreviation of echoed user input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets import limits
from rtsched_widgets.limits import MAX_DAYS, MAX_ECHO, MAX_ID_LENGTH, MAX_WORKERS, abbreviate
from rtsched_widgets.model import Calendar, Problem, ProblemError, ShiftType, Worker
from rtsched_widgets.model import synthetic as synthetic_module
from rtsched_widgets.model.synthetic import synthetic

START = date(2026, 1, 5)


def nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def small_problem(**overrides: Any) -> Problem:
    days = overrides.pop("days", 7)
    cal = Calendar(START, START + timedelta(days=days - 1))
    args: dict[str, Any] = {
        "workers": [Worker("W1"), Worker("W2")],
        "calendar": cal,
        "shift_types": [ShiftType("D")],
        "required": np.ones((days, 1), dtype=int),
    }
    args.update(overrides)
    return Problem(**args)


def test_a_horizon_over_max_days_is_refused_naming_the_field_and_limit() -> None:
    with pytest.raises(ProblemError, match=r"calendar\.end.*MAX_DAYS.*shorter|at most") as err:
        Calendar(START, START + timedelta(days=MAX_DAYS))
    assert "36,600" in str(err.value)
    assert Calendar(START, START + timedelta(days=MAX_DAYS - 1)).n_days == MAX_DAYS


@pytest.mark.parametrize(
    ("sizes", "field", "limit"),
    [
        ({"workers": 10**8}, "synthetic.workers", "MAX_WORKERS"),
        ({"days": 10**9}, "synthetic.days", "MAX_DAYS"),
        ({"posts": 10**7}, "synthetic.shift_types", "MAX_SHIFT_TYPES"),
        ({"workers": 15_000, "days": 30_000, "posts": 30}, "synthetic arrays", "MAX_ARRAY"),
    ],
)
def test_synthetic_refuses_huge_sizes_before_drawing_anything(
    monkeypatch: pytest.MonkeyPatch, sizes: dict[str, int], field: str, limit: str
) -> None:
    def no_drawing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("synthetic started drawing before checking the sizes")

    monkeypatch.setattr(synthetic_module.np.random, "default_rng", no_drawing)
    with pytest.raises(ProblemError, match=rf"^{field}.*{limit}") as err:
        synthetic(**sizes)
    assert " — " in str(err.value), "the message ends with the fix"


def test_a_cell_holding_a_billion_people_is_refused_before_the_roster_is_built() -> None:
    maximum = np.ones((7, 1), dtype=np.int64)
    maximum[3, 0] = 10**9
    with pytest.raises(ProblemError, match=r"maximum.*10,000"):
        small_problem(maximum=maximum)


def test_too_many_workers_are_refused() -> None:
    workers = [Worker(f"W{i}") for i in range(MAX_WORKERS + 1)]
    with pytest.raises(ProblemError, match=r"problem\.workers.*MAX_WORKERS"):
        small_problem(workers=workers)


def test_problem_bytes_counts_every_dimension() -> None:
    base = limits.problem_bytes(10, 10, 2, 1)
    assert limits.problem_bytes(20, 10, 2, 1) > base
    assert limits.problem_bytes(10, 20, 2, 1) > base
    assert limits.problem_bytes(10, 10, 4, 1) > base
    assert limits.problem_bytes(10, 10, 2, 5) > base


@pytest.mark.parametrize("field", ["workers", "shift_types"])
def test_a_ten_megabyte_id_is_refused_with_a_short_message(field: str) -> None:
    huge = "X" * 10_000_000
    if field == "workers":
        overrides: dict[str, Any] = {"workers": [Worker(huge), Worker("W2")]}
    else:
        overrides = {"shift_types": [ShiftType(huge)]}
    with pytest.raises(ProblemError, match=rf"{field}\.id \(row 0\).*MAX_ID_LENGTH") as err:
        small_problem(**overrides)
    assert len(str(err.value)) < 400
    ok = small_problem(workers=[Worker("W" * MAX_ID_LENGTH), Worker("W2")])
    assert ok.n_workers == 2


def test_unknown_ids_are_echoed_abbreviated() -> None:
    problem = small_problem()
    with pytest.raises(ProblemError) as err:
        problem.worker("Y" * 1_000_000)
    assert len(str(err.value)) < 400
    with pytest.raises(ProblemError) as err:
        problem.shift(nested_list(10_000))
    assert len(str(err.value)) < 400


def test_abbreviate_survives_deep_nesting_huge_values_and_failing_reprs() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    deep_dict: Any = {}
    for _ in range(10_000):
        deep_dict = {"k": deep_dict}
    for value in (nested_list(10_000), deep_dict, "x" * 10**7, b"y" * 10**6, Broken()):
        text = abbreviate(value)
        assert len(text) <= MAX_ECHO + 40, text
    assert "(10000000 characters)" in abbreviate("x" * 10**7)
    assert abbreviate(Broken()) == "<Broken object>"
    assert abbreviate("W01") == "'W01'"


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=6)
        | st.tuples(inner, inner)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_like)
def test_abbreviate_is_always_short(value: Any) -> None:
    assert len(abbreviate(value)) <= MAX_ECHO + 40


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**12), st.integers(1, 10**6), st.integers(1, 10**6))
def test_check_problem_size_refuses_exactly_what_is_over_a_limit(
    workers: int, days: int, shifts: int
) -> None:
    over = (
        workers > limits.MAX_WORKERS
        or days > limits.MAX_DAYS
        or shifts > limits.MAX_SHIFT_TYPES
        or days * shifts > limits.MAX_CELLS
        or limits.problem_bytes(workers, days, shifts) > limits.MAX_ARRAY_BYTES
    )
    if over:
        with pytest.raises(ProblemError, match=r"rtsched_widgets\.limits\.MAX_"):
            limits.check_problem_size(workers, days, shifts)
    else:
        limits.check_problem_size(workers, days, shifts)
