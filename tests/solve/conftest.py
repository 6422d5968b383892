"""Fixtures of the strategy tests: the Curtois & Qu instances and their best known values."""

from __future__ import annotations

from pathlib import Path

import pytest
from solve_factories import small_saldo  # type: ignore[import-not-found]

from rtsched_widgets import datasets


def nrp_path(i: int) -> Path:
    """Path of the bundled Instance``i``."""
    return datasets.nrp_path(i)


@pytest.fixture(scope="session")
def nrp_file():
    """``nrp_file(i)`` is the path of Instance``i``."""
    return nrp_path


@pytest.fixture(scope="session")
def best_known() -> dict[str, float]:
    table = datasets.nrp_best_known()
    return dict(zip(table["instance"], table["best_known"], strict=True))


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
