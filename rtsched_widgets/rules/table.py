"""The result of a full check held column-wise: ``ViolationTable``.

A full check of a large roster can find tens of thousands of violations. Counting them and
summing their penalties needs only arrays; ``ViolationTable`` keeps each rule's violations as
a :class:`~rtsched_widgets.rules.base.Found` and builds the per-violation ``Violation``
records (``records()``) or the display DataFrame (``to_frame()``) only when asked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtsched_widgets.rules.base import Found, Score, Violation

COLUMNS = ["rule", "severity", "workers", "dates", "post", "message", "penalty"]
"""Columns of every violations DataFrame, in order."""


class ViolationTable:
    """Every violation of a full check, rule by rule in rule order (see the module notes).

    ``len(table)`` is the number of violations; ``score()`` the hard count and soft penalty;
    ``by_rule()`` the count per rule name; ``records()`` the ``Violation`` records (the same
    list, in the same order, as ``Validator.full_check()``); ``to_frame()`` the DataFrame with
    the columns of ``COLUMNS`` (``post`` nullable integer, ``penalty`` float).
    """

    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Found]) -> None:
        self.parts: tuple[Found, ...] = tuple(parts)

    def __len__(self) -> int:
        return sum(f.size for f in self.parts)

    def score(self) -> Score:
        """Hard violation count and total soft penalty."""
        hard = sum(f.size for f in self.parts if f.rule.severity == "hard")
        soft = math.fsum(
            math.fsum(f.penalties.tolist()) for f in self.parts if f.rule.severity == "soft"
        )
        return Score(hard, soft)

    def by_rule(self) -> dict[str, int]:
        """Number of violations per rule name (rules without any left out), in rule order."""
        out: dict[str, int] = {}
        for f in self.parts:
            if f.size:
                out[f.rule.name] = out.get(f.rule.name, 0) + f.size
        return out

    def records(self) -> list[Violation]:
        """The violation records, rule by rule (built on demand)."""
        out: list[Violation] = []
        for f in self.parts:
            if f.size:
                out.extend(f.records())
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per violation: rule, severity, workers, dates, post, message, penalty —
        built column-wise from each rule's arrays."""
        parts = []
        for f in self.parts:
            if f.size:
                cols = f.columns()
                parts.append(
                    (
                        f.rule.name,
                        f.rule.severity,
                        f.size,
                        cols["workers"],
                        cols["dates"],
                        cols["post"],
                        cols["message"],
                        f.penalties,
                    )
                )
        return violation_frame(parts)

    def __repr__(self) -> str:
        s = self.score()
        return f"ViolationTable({len(self)} violations, hard={s.hard}, soft={s.soft:g})"


FramePart = tuple[str, str, int, list[Any], list[Any], list[Any], list[Any], Any]
"""One rule's rows: rule name, severity, row count, workers, dates, posts (int or None),
messages, penalties (a sequence of floats)."""


def violation_frame(parts: Sequence[FramePart]) -> pd.DataFrame:
    """The violations DataFrame (columns ``COLUMNS``; ``post`` nullable Int64, ``penalty``
    float) from per-rule column lists, rules in the given order."""
    rule: list[str] = []
    severity: list[str] = []
    workers: list[Any] = []
    dates: list[Any] = []
    posts: list[Any] = []
    message: list[Any] = []
    pens: list[np.ndarray] = []
    for name, sev, n, w, d, p, m, pen in parts:
        rule += [name] * n
        severity += [sev] * n
        workers += w
        dates += d
        posts += p
        message += m
        pens.append(np.asarray(pen, dtype=float))
    n_rows = len(rule)
    mask = np.fromiter((x is None for x in posts), dtype=bool, count=n_rows)
    values = np.fromiter((0 if x is None else x for x in posts), dtype=np.int64, count=n_rows)
    return pd.DataFrame(
        {
            "rule": rule,
            "severity": severity,
            "workers": workers,
            "dates": dates,
            "post": pd.arrays.IntegerArray(values, mask),
            "message": message,
            "penalty": np.concatenate(pens) if pens else np.zeros(0, dtype=float),
        },
        columns=COLUMNS,
    )
