"""Structural comparison of problems (used to prove round trips lossless)."""

from __future__ import annotations

import numpy as np

from rtsched_widgets.model.problem import Problem

ARRAYS = ("required", "maximum", "under_weight", "over_weight")


def problem_differences(a: Problem, b: Problem, *, metadata: bool = True) -> list[str]:
    """Names of what differs between ``a`` and ``b`` (empty when they describe the same
    problem): profile, name, calendar, settings, workers, shift types, requests, demand and
    weights, and — when ``metadata`` — the metadata dicts."""
    out = []
    for name in ("profile", "name", "calendar", "settings", "workers", "shift_types"):
        if getattr(a, name) != getattr(b, name):
            out.append(name)
    for name in ("shift_on_requests", "shift_off_requests"):
        if getattr(a, name) != getattr(b, name):
            out.append(name)
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        if x.shape != y.shape or not np.array_equal(x, y):
            out.append(name)
    if metadata and a.metadata != b.metadata:
        out.append("metadata")
    return out


def same_problem(a: Problem, b: Problem, *, metadata: bool = True) -> bool:
    """True when :func:`problem_differences` finds nothing."""
    return not problem_differences(a, b, metadata=metadata)
