"""The result of a full check held column-wise: ``ViolationTable``.

A full check of a large roster can find tens of thousands of violations. Counting them and
summing their penalties needs only arrays; ``ViolationTable`` keeps each rule's violations as
a :class:`~rtsched_widgets.rules.base.Found` and builds the per-violation ``Violation``
records (``records()``) or the display DataFrame (``to_frame()``) only when asked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
        rule: list[str] = []
        severity: list[str] = []
        workers: list[object] = []
        dates: list[object] = []
        post: list[int | None] = []
        message: list[str] = []
        for f in self.parts:
            if not f.size:
                continue
            cols = f.columns()
            rule.extend([f.rule.name] * f.size)
            severity.extend([f.rule.severity] * f.size)
            workers.extend(cols["workers"])
            dates.extend(cols["dates"])
            post.extend(cols["post"])
            message.extend(cols["message"])
        pens = [f.penalties for f in self.parts if f.size]
        return pd.DataFrame(
            {
                "rule": rule,
                "severity": severity,
                "workers": workers,
                "dates": dates,
                "post": pd.array(post, dtype="Int64"),
                "message": message,
                "penalty": np.concatenate(pens) if pens else np.zeros(0, dtype=float),
            },
            columns=COLUMNS,
        )

    def __repr__(self) -> str:
        s = self.score()
        return f"ViolationTable({len(self)} violations, hard={s.hard}, soft={s.soft:g})"
