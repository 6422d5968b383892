"""The worker side of a live solve: a strategy run that takes problem changes while it runs.

:func:`serve` runs in a worker process (see :mod:`rtsched_widgets.solve.solving`, which starts
it and merges what it sends into the schedule). It runs one strategy from the schedule's roster
for the whole time limit and talks over a duplex ``multiprocessing`` connection.

From the schedule (each message a tuple):

- ``("fix", seq, worker_day, shift, closed)``: what people changed since the solve started,
  cumulative (it replaces the previous fix): ``worker_day[w, d]`` True fixes worker ``w`` to
  ``shift[w, d]`` (-1 off) on day ``d``; ``closed[d, s]`` True lets nobody else join or leave
  cell ``(d, s)``. The run stops its strategy at once, puts the fixed cells into its best
  roster, and starts the strategy again from there with those cells kept, for the time left.
  Fixes arriving within :data:`SETTLE` seconds of each other are taken together.
- ``("stop",)``: end the run; the best roster so far is the answer.

To the schedule:

- ``("progress", info)``: ``info`` a dict with ``elapsed``, ``best_objective``, ``best_hard``,
  ``moves`` and ``fixed_seq`` (the newest fix the running strategy was started with; 0 before
  any) — or, as soon as a fix arrives, ``elapsed`` and ``honoured_seq``: from then on every
  roster sent keeps that fix (the running strategy's are put through it until the strategy
  has restarted with it);
- ``("incumbent", info, shifts)``: a better roster as ``shift_of`` (int16, worker x day), at most
  every ``interval`` seconds (see :class:`~rtsched_widgets.solve.base.StreamingProgress`);
- ``("done", info, shifts)``: the final roster, with ``status``, ``objective``, ``hard``;
- ``("error", message)``: the run failed; nothing else follows.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressInfo, Strategy, StreamingProgress
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.scoring import roster_from_shifts

SETTLE = 0.05
"""Seconds a run waits after a fix for more fixes before it starts its strategy again."""

PROGRESS_EVERY = 0.25
"""Least seconds between two plain progress reports sent to the schedule (a report confirming
a new fix, and every roster, goes at once)."""

NICENESS = 10
"""How much lower than the kernel's the worker's scheduling priority is: people's edits in the
kernel go first when the cores are busy."""


@dataclass(frozen=True)
class LiveSpec:
    """What a live run needs: the problem, the starting roster as ``shift_of``, the strategy
    (a registered name, or a configured :class:`Strategy`, pickled to the worker) and its
    inputs. ``keep``: cells fixed from the start (the solve's scope), or ``None``."""

    problem: Problem
    shifts: np.ndarray
    strategy: str | Strategy
    time_limit: float
    seed: int
    keep: Keep | None = None
    interval: float = 0.25


@dataclass
class _Fix:
    seq: int
    worker_day: np.ndarray
    shift: np.ndarray
    closed: np.ndarray


class _Inbox:
    """Messages from the schedule, read by a thread so a running strategy is told at once."""

    def __init__(self, conn: Any, on_fix: Any) -> None:
        self.conn = conn
        self.on_fix = on_fix  # called with each fix as it arrives
        self.lock = threading.Lock()
        self.fix: _Fix | None = None
        self.stopped = False
        self.changed = threading.Event()  # a fix or a stop arrived
        self.cancel = threading.Event()  # the running strategy's cancel
        threading.Thread(target=self._read, name="live-inbox", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):  # the schedule went away: stop
                msg = ("stop",)
            with self.lock:
                if msg[0] == "fix":
                    _, seq, worker_day, shift, closed = msg
                    self.fix = _Fix(seq, worker_day, shift, closed)
                else:
                    self.stopped = True
                self.changed.set()
                self.cancel.set()
            if self.stopped:
                return
            self.on_fix(self.fix)


def apply_fix(problem: Problem, shifts: np.ndarray, fix: _Fix | None) -> np.ndarray:
    """``shifts`` with the fixed worker-days set and the closed cells emptied of everyone not
    fixed there (a copy)."""
    out = np.array(shifts, dtype=np.int64, copy=True)
    if fix is None:
        return out
    wd = fix.worker_day
    out[wd] = fix.shift[wd]
    if fix.closed.any():
        days = np.arange(problem.n_days)[None, :]
        on = out >= 0
        in_closed = np.zeros_like(on)
        in_closed[on] = fix.closed[np.broadcast_to(days, out.shape)[on], out[on]]
        out[in_closed & ~wd] = -1
    return out


def serve(conn: Any, spec: LiveSpec) -> None:
    """Run ``spec`` and talk to the schedule over ``conn`` (see the module docstring)."""
    try:
        _serve(conn, spec)
    except Exception as exc:  # reported, never lost with the process
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"))
    finally:
        conn.close()


def _serve(conn: Any, spec: LiveSpec) -> None:
    from rtsched_widgets.solve import get_strategy

    problem = spec.problem
    strategy = spec.strategy if isinstance(spec.strategy, Strategy) else get_strategy(spec.strategy)
    start = time.perf_counter()
    send_lock = threading.Lock()

    def send(msg: tuple[Any, ...]) -> None:
        with send_lock:
            conn.send(msg)

    def honoured(fix: _Fix) -> None:  # from now on every roster sent keeps this fix
        elapsed = time.perf_counter() - start
        send(("progress", {"elapsed": elapsed, "honoured_seq": fix.seq}))

    inbox = _Inbox(conn, honoured)
    deadline = start + spec.time_limit
    best = np.asarray(spec.shifts, dtype=np.int64)
    base_keep = spec.keep or Keep()
    fixed_seq = 0
    result = None

    last_progress = [-1e9, -1]  # when the last plain report went, for which fix

    def on_progress(info: ProgressInfo) -> None:
        now = time.perf_counter()
        if info.shifts is None and (
            now - last_progress[0] < PROGRESS_EVERY and last_progress[1] == fixed_seq
        ):
            return  # plain reports a few times a second are enough for a chart
        last_progress[:] = [now, fixed_seq]
        payload = {
            "elapsed": time.perf_counter() - start,
            "best_objective": info.best_objective,
            "best_hard": info.best_hard,
            "moves": info.moves_evaluated,
            "fixed_seq": fixed_seq,
        }
        if info.shifts is not None:
            shifts = info.shifts
            latest = inbox.fix
            if latest is not None and latest.seq != fixed_seq:  # the strategy runs on: keep
                shifts = apply_fix(problem, shifts, latest)  # the newer fix in what is sent
            send(
                (
                    "incumbent",
                    {**payload, "objective": info.best_objective, "hard": info.best_hard},
                    shifts,
                )
            )
        else:
            send(("progress", payload))

    while True:
        with inbox.lock:
            fix, stopped = inbox.fix, inbox.stopped
            inbox.changed.clear()
            inbox.cancel.clear()
        remaining = deadline - time.perf_counter()
        if stopped or remaining <= 0.01:
            break
        roster = roster_from_shifts(problem, apply_fix(problem, best, fix))
        keep = _keep(problem, base_keep, fix)
        fixed_seq = fix.seq if fix is not None else 0
        send(
            (
                "progress",
                {
                    "elapsed": time.perf_counter() - start,
                    "best_objective": None,
                    "best_hard": None,
                    "moves": 0,
                    "fixed_seq": fixed_seq,
                },
            )
        )
        result = strategy.solve(
            problem,
            roster=roster,
            time_limit=remaining,
            seed=spec.seed,
            keep=keep,
            cancel=inbox.cancel,
            progress=StreamingProgress(on_progress, spec.interval),
        )
        best = result.roster.shift_of.astype(np.int64)
        if not inbox.changed.is_set():
            break  # the strategy ended by itself: time out or proven optimal
        time.sleep(SETTLE)  # let a burst of edits arrive as one fix
    status = result.status if result is not None else "cancelled"
    if inbox.stopped:
        status = "cancelled"
    final = roster_from_shifts(problem, apply_fix(problem, best, inbox.fix))
    from rtsched_widgets.solve.scoring import score_roster

    hard, soft = score_roster(problem, final)
    info = {
        "elapsed": time.perf_counter() - start,
        "status": status,
        "objective": float(soft),
        "hard": int(hard),
        "fixed_seq": fixed_seq,
        "chosen": (result.details.get("chosen") if result is not None else None),
    }
    send(("done", info, final.shift_of.astype(np.int16)))


def _keep(problem: Problem, base: Keep, fix: _Fix | None) -> Keep:
    """``base`` plus the cells of ``fix``."""
    wd = np.zeros((problem.n_workers, problem.n_days), dtype=bool)
    cells = np.zeros((problem.n_days, problem.n_shifts), dtype=bool)
    if base.worker_days is not None:
        wd |= base.worker_days
    if base.cells is not None:
        cells |= base.cells
    if fix is not None:
        wd |= fix.worker_day
        cells |= fix.closed
    return Keep(worker_days=wd, cells=cells)


def roster_of(problem: Problem, shifts: np.ndarray, like: Roster | None = None) -> Roster:
    """The roster of a ``shift_of`` array sent by a live run."""
    return roster_from_shifts(problem, np.asarray(shifts, dtype=np.int64), like=like)


def main(argv: list[str] | None = None) -> None:
    """Worker entry point: ``python -m rtsched_widgets.solve.live FD`` serves the socket ``FD``
    (the first message on it is the :class:`LiveSpec`)."""
    import contextlib
    import os
    import socket
    import sys
    from multiprocessing.connection import Connection

    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(NICENESS)
    fd = int((argv if argv is not None else sys.argv[1:])[0])
    conn = Connection(socket.socket(fileno=fd).detach())
    serve(conn, conn.recv())


if __name__ == "__main__":
    main()
