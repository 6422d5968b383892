"""Fixtures of the strategy tests: the Curtois & Qu instances and their best known values."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from solve_factories import small_saldo  # type: ignore[import-not-found]

NRP_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nrp"


def nrp_path(i: int) -> Path:
    """Path of Instance``i``; fails (never skips) when the data folder is missing."""
    path = NRP_DIR / f"Instance{i}.txt"
    assert path.exists(), f"NRP instance missing: {path}"
    return path


@pytest.fixture(scope="session")
def nrp_file():
    """``nrp_file(i)`` is the path of Instance``i``."""
    return nrp_path


@pytest.fixture(scope="session")
def best_known() -> dict[str, float]:
    with open(NRP_DIR / "best_known.csv", newline="") as fh:
        return {row["instance"]: float(row["best_known_objective"]) for row in csv.DictReader(fh)}


@pytest.fixture
def saldo_factory():
    """``saldo_factory(**kw)`` builds :func:`small_saldo` problems."""
    return small_saldo


@pytest.fixture(scope="module")
def nrp(nrp_file):
    """``nrp(i)`` is Instance``i`` loaded (once per test module)."""
    from rtsched_widgets.model.io import load_nrp

    cache: dict[int, object] = {}

    def get(i: int):
        if i not in cache:
            cache[i] = load_nrp(nrp_file(i))
        return cache[i]

    return get
