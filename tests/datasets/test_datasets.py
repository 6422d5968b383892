"""rt.datasets: the bundled instances, their names, the best-known table and the saldo example."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import rtsched_widgets as rt
from rtsched_widgets import datasets
from rtsched_widgets.datasets.catalog import nrp_name
from rtsched_widgets.model.io import dump_nrp, from_saldo, load_nrp

BUNDLED = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 19, 20, 22, 24)


def test_the_bundled_instances_are_the_series_minus_four() -> None:
    assert datasets.nrp_names() == tuple(f"Instance{n}" for n in BUNDLED)
    assert rt.datasets is datasets
    assert "datasets" in dir(rt)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        (5, "Instance5"),
        ("5", "Instance5"),
        ("Instance5", "Instance5"),
        ("instance5", "Instance5"),
        ("Instance5.txt", "Instance5"),
        ("nrp:5", "Instance5"),
        (" nrp:Instance24 ", "Instance24"),
        ("Instance05", "Instance5"),
    ],
)
def test_names_of_an_instance(given: int | str, name: str) -> None:
    assert nrp_name(given) == name


@pytest.mark.parametrize("bad", [0, 25, -1, "Instance", "foo", "nrp:", 5.0, True, "nrp:1-3"])
def test_names_outside_the_series_are_refused_with_the_accepted_forms(bad: object) -> None:
    with pytest.raises(ValueError, match=r"give a number from 1 to 24, 'Instance5'"):
        nrp_name(bad)  # type: ignore[arg-type]


def test_best_known_table() -> None:
    table = datasets.nrp_best_known()
    assert list(table.columns) == [
        "instance",
        "days",
        "staff",
        "shift_types",
        "best_known",
        "proven",
    ]
    assert tuple(table["instance"]) == datasets.nrp_names()
    assert str(table["proven"].dtype) == "boolean"
    proven = dict(zip(table["instance"], table["proven"], strict=True))
    assert all(proven[f"Instance{n}"] == True for n in range(1, 13))  # noqa: E712
    assert all(proven[f"Instance{n}"] is pd.NA for n in (13, 15, 16, 17, 19, 20, 22, 24))
    assert table.set_index("instance").loc["Instance24", "best_known"] == 42463


@pytest.mark.parametrize("n", [1, 13, 22])
def test_nrp_and_load_nrp_of_a_bundled_name_give_the_file_s_problem(n: int) -> None:
    path = datasets.nrp_path(n)
    assert path.is_file() and path.name == f"Instance{n}.txt"
    from_file = load_nrp(path)
    for problem in (datasets.nrp(n), rt.load_nrp(f"Instance{n}"), rt.load_nrp(f"nrp:{n}")):
        assert problem.name == f"Instance{n}"
        assert dump_nrp(problem) == dump_nrp(from_file)


def test_a_file_of_the_same_name_wins_over_the_bundled_instance(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Instance1.txt").write_text(dump_nrp(datasets.nrp(2)))  # type: ignore[operator]
    monkeypatch.chdir(tmp_path)
    assert rt.load_nrp("Instance1.txt").n_workers == 14  # the file in the working folder
    assert rt.load_nrp("Instance1").n_workers == 8  # no file called "Instance1": the bundled one


def test_an_instance_neither_bundled_nor_cached_says_how_to_fetch_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"rt\.datasets\.fetch_nrp\('Instance14'\)"):
        datasets.nrp(14, cache_dir=tmp_path)
    with pytest.raises(rt.ProblemError, match="name of a bundled instance"):
        rt.load_nrp(tmp_path / "nowhere.txt")


def test_list_names_every_dataset_with_its_size() -> None:
    frame = datasets.list()
    assert list(frame["name"]) == [*datasets.nrp_names(), "saldo_example"]
    row = frame.set_index("name").loc["Instance24"]
    assert (row["kind"], row["workers"], row["days"], row["shift_types"]) == ("nrp", 150, 364, 32)
    saldo = frame.set_index("name").loc["saldo_example"]
    problem, _ = from_saldo(datasets.saldo_example())
    assert saldo["kind"] == "saldo"
    assert (saldo["workers"], saldo["days"], saldo["shift_types"]) == (
        problem.n_workers,
        problem.n_days,
        problem.n_shifts,
    )
    for load in frame["load"]:
        assert eval(load, {"rt": rt}) is not None  # each row's own loading expression works


def test_the_saldo_example_is_a_fresh_backup_each_time() -> None:
    first = datasets.saldo_example()
    problem, roster = from_saldo(first)
    assert problem.profile == "saldo" and roster is not None
    assert int(np.count_nonzero(roster.shift_of >= 0)) > 0
    first["workers_data"].clear()
    again, _ = from_saldo(datasets.saldo_example())
    assert again.n_workers == problem.n_workers > 0
    assert rt.Problem.from_saldo(datasets.saldo_example()).n_workers == problem.n_workers
