"""The names DESIGN §6 promises exist at the package root and are what they claim to be."""

from __future__ import annotations

import inspect

import pytest

import rtsched_widgets as rt


@pytest.mark.parametrize("name", [n for n in rt.__all__ if n != "__version__"])
def test_every_public_name_resolves(name):
    assert getattr(rt, name) is not None


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = rt.no_such_name


@pytest.mark.parametrize(
    ("owner", "methods"),
    [
        (
            "Schedule",
            "assign unassign swap move bulk preview apply undo redo validate score suggest "
            "analytics export_audit fork diff generate roster coverage",
        ),
        (
            "Scheduler",
            "assign_worker_real_time unassign_worker_real_time swap_workers_real_time "
            "bulk_update_real_time validate_schedule_real_time get_real_time_analytics "
            "get_change_history undo_last_change redo_last_change generate_schedule",
        ),
    ],
)
def test_facades_keep_their_method_names(owner, methods):
    cls = getattr(rt, owner)
    missing = [m for m in methods.split() if not callable(getattr(cls, m, None))]
    assert missing == []


def test_problem_constructors_and_loaders():
    assert inspect.ismethod(rt.Problem.from_saldo)
    assert callable(rt.load_nrp) and callable(rt.synthetic)
