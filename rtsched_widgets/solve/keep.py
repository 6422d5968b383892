"""Which parts of a starting roster a strategy must leave exactly as they are."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster


@dataclass(frozen=True)
class Keep:
    """An explicit keep specification (use it when a plain mask's shape would be ambiguous).

    ``worker_days``: bool ``(n_workers, n_days)``; where True, the worker's shift that day (or
    being off) stays as in the roster. ``cells``: bool ``(n_days, n_shifts)``; where True, the
    cell's set of workers stays as in the roster: nobody leaves it and nobody joins it.
    """

    worker_days: np.ndarray | None = None
    cells: np.ndarray | None = None


@dataclass(frozen=True)
class Fixed:
    """The normalised form strategies use.

    ``worker_day[w, d]`` True: worker ``w`` must end with ``shift[w, d]`` (a shift index or -1
    for off) on day ``d``. ``closed[d, s]`` True: no worker other than those fixed there may work
    shift ``s`` on day ``d``.
    """

    worker_day: np.ndarray
    shift: np.ndarray
    closed: np.ndarray

    def allows(self, w: int, d: int, s: int) -> bool:
        """True when giving worker ``w`` shift ``s`` (or -1) on day ``d`` keeps every kept cell."""
        if self.worker_day[w, d]:
            return bool(self.shift[w, d] == s)
        return s < 0 or not self.closed[d, s]

    @property
    def any(self) -> bool:
        """True when anything is fixed."""
        return bool(self.worker_day.any() or self.closed.any())


def normalize_keep(
    problem: Problem, roster: Roster | None, keep: np.ndarray | Keep | None
) -> Fixed:
    """Turn ``keep`` into a :class:`Fixed`.

    ``keep`` may be ``None``, a :class:`Keep`, or a bool array of shape ``(n_workers, n_days)``
    (worker-days) or ``(n_days, n_shifts)`` (cells). Assignments of ``problem.mandatory``
    worker-days present in ``roster`` are always kept (they are pinned). A keep without a roster
    is an error, since there is nothing to keep.
    """
    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    worker_days = np.zeros((n_w, n_d), dtype=bool)
    cells = np.zeros((n_d, n_s), dtype=bool)
    if keep is not None:
        if roster is None:
            raise ValueError("keep: a keep mask needs the roster to keep cells of — pass roster=")
        if isinstance(keep, Keep):
            if keep.worker_days is not None:
                worker_days |= _mask(keep.worker_days, (n_w, n_d), "keep.worker_days")
            if keep.cells is not None:
                cells |= _mask(keep.cells, (n_d, n_s), "keep.cells")
        else:
            arr = np.asarray(keep)
            if arr.shape == (n_w, n_d) and arr.shape == (n_d, n_s):
                raise ValueError(
                    f"keep: shape {arr.shape} fits both (workers, days) and (days, shifts) — "
                    "pass Keep(worker_days=...) or Keep(cells=...)"
                )
            if arr.shape == (n_w, n_d):
                worker_days |= _mask(arr, (n_w, n_d), "keep")
            elif arr.shape == (n_d, n_s):
                cells |= _mask(arr, (n_d, n_s), "keep")
            else:
                raise ValueError(
                    f"keep: shape {arr.shape} is neither (workers, days) = {(n_w, n_d)} nor "
                    f"(days, shifts) = {(n_d, n_s)} — give a bool mask of one of these shapes"
                )
    if roster is not None:
        if roster.problem is not problem and roster.shift_of.shape != (n_w, n_d):
            raise ValueError("roster: it belongs to a problem of another shape")
        shift = roster.shift_of.astype(np.int64)
        worker_days |= problem.mandatory & (shift >= 0)
        # a closed cell fixes the workers in it
        d_idx, s_idx = np.nonzero(cells)
        for d, s in zip(d_idx.tolist(), s_idx.tolist(), strict=True):
            for w in roster.workers_in(d, s):
                worker_days[w, d] = True
    else:
        shift = np.full((n_w, n_d), -1, dtype=np.int64)
    for arr in (worker_days, shift, cells):
        arr.setflags(write=False)
    return Fixed(worker_day=worker_days, shift=shift, closed=cells)


def _mask(values: object, shape: tuple[int, int], name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != shape:
        raise ValueError(f"{name}: shape {arr.shape} does not match {shape}")
    if arr.dtype != bool:
        raise ValueError(f"{name}: expected a bool mask, got dtype {arr.dtype}")
    return arr
