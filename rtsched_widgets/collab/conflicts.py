"""Conflict policies for stale edits, and the queue of the ``manual`` policy.

An edit is *stale* when the author's ``base_version`` (the schedule version they saw) is older
than the version of a cell it changes: someone changed that cell after the author looked.
What happens then is the schedule policy's ``conflicts``:

* ``"reject"`` (default): the edit is refused with code STALE; the message and
  ``OpResult.details["current"]`` give the cell's current workers, so the author sees what is
  there now;
* ``"last_writer_wins"``: the edit is applied as if it were fresh;
* ``"manual"``: the edit is not applied but queued as a :class:`Conflict` (code
  CONFLICT_QUEUED, ``details["conflict_id"]``) and ``conflict_detected`` is published; a person
  lists the queue and accepts (the edit is applied, still under every rule and lock) or
  rejects it; either way ``conflict_resolved`` is published.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rtsched_widgets.engine.schedule import CONFLICT_POLICIES

__all__ = ["CONFLICT_POLICIES", "Conflict", "ConflictQueue", "check_policy"]


def check_policy(value: Any) -> str:
    """``value`` if it is a conflict policy, else ValueError naming the valid ones."""
    if value not in CONFLICT_POLICIES:
        raise ValueError(f"conflicts: {value!r} — use one of {CONFLICT_POLICIES}")
    return str(value)


@dataclass
class Conflict:
    """A queued stale edit (``manual`` policy).

    ``op``: the edit in its dict form; ``user``: its author; ``base_version``: what they saw;
    ``cells``: the stale cells as ``{"cell": "<date>/<post>", "version": int, "current":
    [worker ids]}``; ``status``: ``"open"``, ``"accepted"`` or ``"rejected"``;
    ``resolved_by`` / ``result``: who decided and the message of the outcome.
    """

    id: str
    user: str
    op: dict[str, Any]
    base_version: int
    force: bool
    cells: list[dict[str, Any]]
    created: float = field(default_factory=time.time)
    status: str = "open"
    resolved_by: str | None = None
    result: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "user": self.user,
            "op": self.op,
            "base_version": self.base_version,
            "cells": self.cells,
            "created": self.created,
            "status": self.status,
            "resolved_by": self.resolved_by,
            "result": self.result,
        }


class ConflictQueue:
    """The conflicts of one schedule (thread safe); ids are ``c1``, ``c2``, ..."""

    def __init__(self) -> None:
        self._items: dict[str, Conflict] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(
        self,
        user: str,
        op: Mapping[str, Any],
        base_version: int,
        force: bool,
        cells: list[dict[str, Any]],
    ) -> Conflict:
        """Queue a new open conflict."""
        with self._lock:
            c = Conflict(f"c{next(self._ids)}", user, dict(op), base_version, force, cells)
            self._items[c.id] = c
            return c

    def get(self, conflict_id: str) -> Conflict:
        """The conflict ``conflict_id`` (KeyError naming the open ones when unknown)."""
        with self._lock:
            try:
                return self._items[conflict_id]
            except KeyError:
                open_ids = [c.id for c in self._items.values() if c.status == "open"]
                raise KeyError(
                    f"conflict_id: no conflict {conflict_id!r} — open ones: {open_ids}"
                ) from None

    def open(self) -> list[Conflict]:
        """The open conflicts, oldest first."""
        with self._lock:
            return [c for c in self._items.values() if c.status == "open"]

    def all(self) -> list[Conflict]:
        """Every conflict (open and resolved), oldest first."""
        with self._lock:
            return list(self._items.values())

    def to_frame(self, include_resolved: bool = False) -> pd.DataFrame:
        """One row per conflict: id, user, op, base_version, cells, status, resolved_by,
        result."""
        items = self.all() if include_resolved else self.open()
        columns = ["id", "user", "op", "base_version", "cells", "status", "resolved_by", "result"]
        return pd.DataFrame([{k: c.to_dict()[k] for k in columns} for c in items], columns=columns)
