"""Live solving: a strategy runs beside the schedule while people keep editing it.

:meth:`Schedule.start_solving` starts a :class:`SolveJob`. The strategy runs in a worker process
(:mod:`rtsched_widgets.solve.live`), so the kernel keeps answering widget messages and cells
while it runs; a thread of this process talks to it:

- **Improvements** the worker sends (at most every ``interval`` seconds, by default
  :data:`MERGE_EVERY`) are merged into the
  schedule through the edit path, as edits by user :data:`SOLVER_USER` (kind ``"solve"``), by
  a three-way merge against the roster the solver knows (the roster the solve started from plus
  what it merged since): a worker-day or a cell a person changed since is never overwritten,
  and a merge that would not improve the live schedule (fewer hard violations first, then a
  lower soft penalty) is skipped. Each merge publishes ``solver_improved``. All merges of one
  job are one undo step (``schedule.undo(user="solver")``).
- **Problem changes**: every edit by someone else (in this process, or from another one through
  the store's change feed) and every cell lock reaches the worker as fixed cells; it continues
  from its best roster with them kept (see :mod:`rtsched_widgets.solve.live`).
- ``stop()`` ends the run; the last improvement is merged, ``solver_finished`` is published.

One job runs per schedule at a time: a second start raises :class:`SolverBusy` naming who is
solving. Whether someone may stop another person's run is the schedule's
``Policy.allow_stop_others``.

This is solve-layer orchestration: it runs a strategy's worker process and talks to the
schedule only through the engine's public API (``schedule.lock``, ``schedule.live_solve``,
:meth:`Schedule.set_slots`, the event bus). The engine reaches it through its
:class:`~rtsched_widgets.engine.ports.SolvingProvider` port (``Schedule.start_solving``), wired
by :mod:`rtsched_widgets._wiring`; the engine never imports it.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtsched_widgets.engine.events import ROSTER_EVENTS
from rtsched_widgets.engine.planning import SetSlots
from rtsched_widgets.engine.scope import resolve_scope
from rtsched_widgets.solve.base import Strategy, check_time_limit
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.live import LiveSpec, roster_of
from rtsched_widgets.solve.registry import get_strategy

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule
    from rtsched_widgets.model.roster import Roster

SOLVER_USER = "solver"
"""The author of a live solve's merges."""

STOP_GRACE = 0.8
"""Seconds a stopped worker gets to send its final roster before it is terminated."""

#: The events after which people's changes are sent to the running solver again.
_EDIT_EVENTS = (*ROSTER_EVENTS, "lock_acquired", "lock_released")

EPSILON = 1e-6

MERGE_EVERY = 1.0
"""Least seconds between two merges of a run's improvements (its last one is always merged):
views repaint and the history grows at a pace people can follow, and an edit rarely meets a
merge on its way."""

MERGE_TRIES = 3
"""Times a merge is worked out again when people edited while it was being worked out."""


class SolverBusy(RuntimeError):
    """A live solve is already running on the schedule; the message says who started it."""


@dataclass(frozen=True)
class SolveOutcome:
    """How a job ended. ``status``: the strategy's (``feasible``, ``optimal``, ``unknown``,
    ``cancelled``) or ``failed``; ``objective``/``hard``: the live schedule's score at the end;
    ``merges``/``cells_changed``: the solver's merged edits and the slots they changed;
    ``stopped_by``: who stopped it (``None`` when it ran out its time); ``error``: why it
    failed."""

    status: str
    objective: float
    hard: int
    elapsed: float
    merges: int
    cells_changed: int
    stopped_by: str | None = None
    error: str | None = None


class SolveJob:
    """A running (or finished) live solve of one schedule; see the module docstring.

    Made by :meth:`Schedule.start_solving` (``SolveJob(schedule, ...)`` starts it too): the
    worker process starts at once, or SolverBusy names who is solving the schedule already.

    ``best_objective`` / ``best_hard``: the solver's best so far; ``progress``: its reports as a
    DataFrame (``elapsed``, ``best_objective``, ``best_hard``, ``cells_changed`` merged so far);
    ``fix_latency``: for each batch of people's edits, seconds until the solver holds them as
    fixed cells — every roster it sends from then on keeps them; ``restart_latency``: until its
    strategy runs again from its best roster with them kept (a strategy stops at its next
    cancellation check, which takes longer in some: a CP-SAT model being built, say). A batch
    overtaken by a newer one counts until the newer one is;
    ``result``: the :class:`SolveOutcome` once it ended.
    """

    def __init__(
        self,
        schedule: Schedule,
        *,
        strategy: str | Strategy,
        time_limit: float,
        seed: int,
        scope: object,
        user: str,
        interval: float = MERGE_EVERY,
    ) -> None:
        if not isinstance(strategy, Strategy):
            get_strategy(strategy)  # unknown names fail here, not in the worker
        check_time_limit(time_limit)
        self.schedule = schedule
        self.id = uuid.uuid4().hex[:10]
        self.user = user
        self.strategy: str = strategy.name if isinstance(strategy, Strategy) else strategy
        self.time_limit = float(time_limit)
        self.seed = int(seed)
        self.interval = float(interval)
        self.started_at = time.time()
        self.best_objective: float | None = None
        self.best_hard: int | None = None
        self.result: SolveOutcome | None = None
        self.fix_latency: list[float] = []
        self._rows: list[tuple[float, float | None, int | None, int]] = []
        self._merges = 0
        self._cells_changed = 0
        self._done = threading.Event()
        self._stop_by: str | None = None
        self._stop_sent = False
        self._stop_at: float | None = None
        self._dirty_since: float | None = None  # first unsent people's edit
        self._fix_seq = 0
        self._fix_sent_at: dict[int, float] = {}  # fix -> first edit in it, until honoured
        self._restart_sent_at: dict[int, float] = {}  # ... until the strategy restarted
        self.restart_latency: list[float] = []
        self._last_merge = -1e9
        self._t0 = time.perf_counter()
        p = schedule.problem
        with schedule.lock:
            running = schedule.live_solve
            if isinstance(running, SolveJob) and running.running:
                raise SolverBusy(
                    f"{running.user} is solving this schedule ({running.strategy}, job "
                    f"{running.id}) — stop that run first or wait for it"
                )
            self._base = schedule.core.shift_of.astype(np.int64)
            region = resolve_scope(schedule, scope)
            keep = None if scope is None else Keep(worker_days=~region.free, cells=region.closed)
            spec = LiveSpec(
                problem=p,
                shifts=self._base.astype(np.int16),
                strategy=strategy,
                time_limit=self.time_limit,
                seed=self.seed,
                keep=keep,
                interval=self.interval,
            )
            self._conn, self._process = _start_worker(spec)
            schedule.live_solve = self
        self._subscription = schedule.events.subscribe(list(_EDIT_EVENTS), self._on_edit)
        schedule.events.publish(
            "solver_started",
            {
                "job": self.id,
                "strategy": self.strategy,
                "time_limit": self.time_limit,
                "seed": self.seed,
                "user": user,
            },
            user,
        )
        self._thread = threading.Thread(target=self._loop, name=f"solve-{self.id}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ public
    @property
    def running(self) -> bool:
        """True until the job has ended and its last merge is in the schedule."""
        return not self._done.is_set()

    @property
    def progress(self) -> pd.DataFrame:
        """The solver's reports: elapsed, best_objective, best_hard, cells_changed."""
        return pd.DataFrame(
            list(self._rows), columns=["elapsed", "best_objective", "best_hard", "cells_changed"]
        )

    def stop(self, user: str | None = None) -> bool:
        """Ask the run to end (the best roster so far stays merged); True when it was running.

        ``user``: who stops it (default: the job's starter); someone other than the starter
        may stop it only when the schedule's ``Policy.allow_stop_others`` is set
        (PermissionError otherwise)."""
        who = user or self.user
        if who != self.user and not self.schedule.policy.allow_stop_others:
            raise PermissionError(
                f"{who} may not stop the solve {self.user} started: this schedule's policy "
                "(allow_stop_others=False) lets only its starter stop it"
            )
        if self._done.is_set() or self._stop_by is not None:
            return False
        self._stop_by = who
        self._stop_at = time.perf_counter()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (True) or ``timeout`` seconds passed (False)."""
        return self._done.wait(timeout)

    def __repr__(self) -> str:
        state = "running" if self.running else (self.result.status if self.result else "ended")
        return (
            f"<SolveJob {self.id} {self.strategy!r} by {self.user} {state}, "
            f"best {self.best_hard}/{self.best_objective}, {self._merges} merges>"
        )

    # ------------------------------------------------------------------ the job's thread
    def _on_edit(self, event: Any) -> None:
        if event.user != SOLVER_USER and self._dirty_since is None:
            self._dirty_since = time.perf_counter()

    def _loop(self) -> None:
        outcome: dict[str, Any] = {}
        try:
            outcome = self._talk()
        except Exception as exc:  # reported in the result, never lost
            outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        finally:
            self._finish(outcome)

    def _talk(self) -> dict[str, Any]:
        conn, proc = self._conn, self._process
        while True:
            if self._stop_by is not None and not self._stop_sent:
                self._send(("stop",))
                self._stop_sent = True
            if self._dirty_since is not None and not self._stop_sent:
                self._send_fix()
            if self._stop_at is not None and time.perf_counter() - self._stop_at > STOP_GRACE:
                return {"status": "cancelled"}
            if not conn.poll(0.02):
                if proc.poll() is not None and not conn.poll(0):
                    return {"status": "failed", "error": "the solver's process ended unexpectedly"}
                continue
            incumbent = None
            while conn.poll(0):  # take everything waiting; only the newest roster counts
                try:
                    msg = conn.recv()
                except EOFError:
                    return {"status": "failed", "error": "the solver's process ended unexpectedly"}
                kind = msg[0]
                if kind == "error":
                    return {"status": "failed", "error": msg[1]}
                info = msg[1]
                self._note(info)
                if kind == "done":
                    self._merge(msg[2], info, final=True)
                    return {"status": info["status"]}
                if kind == "incumbent":
                    incumbent = msg
            if incumbent is not None:
                self._merge(incumbent[2], incumbent[1], final=False)

    def _send(self, msg: tuple[Any, ...]) -> None:
        with contextlib.suppress(OSError, ValueError):  # a gone worker: the loop notices
            self._conn.send(msg)

    def _note(self, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if "honoured_seq" in info:  # the worker holds the fix: every roster it sends keeps it
            _settle(self._fix_sent_at, int(info["honoured_seq"]), now, self.fix_latency)
            return
        seq = int(info.get("fixed_seq") or 0)
        _settle(self._restart_sent_at, seq, now, self.restart_latency)
        if info.get("best_objective") is not None:
            self.best_objective = float(info["best_objective"])
            self.best_hard = int(info["best_hard"])
        self._rows.append(
            (float(info["elapsed"]), self.best_objective, self.best_hard, self._cells_changed)
        )
        self.schedule.events.publish(
            "solver_progress",
            {
                "job": self.id,
                "elapsed": float(info["elapsed"]),
                "best_objective": self.best_objective,
                "best_hard": self.best_hard,
                "fixed": seq,
            },
            SOLVER_USER,
        )

    def _people_changes(self, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(worker-days, cells) people changed since the solve started, with locked cells."""
        p = self.schedule.problem
        changed, closed = people_changes(live, self._base, p.n_shifts)
        self._close_locked(closed, changed)
        return changed, closed

    def _close_locked(self, closed: np.ndarray, worker_days: np.ndarray) -> None:
        collab = self.schedule.collab
        if collab is None:
            return
        p = self.schedule.problem
        for lock in collab.locks():
            kind, _, rest = str(lock["target"]).partition(":")
            if kind == "cell":
                iso, _, post = rest.rpartition(":")
                closed[p.day(iso), int(post)] = True
            elif kind == "row":
                closed[p.day(rest), :] = True
            elif kind == "worker" and rest in p.worker_index:
                worker_days[p.worker_index[rest], :] = True

    def _send_fix(self) -> None:
        s = self.schedule
        with s.lock:
            live = s.core.shift_of.astype(np.int64)
            dirty_since, self._dirty_since = self._dirty_since, None
        worker_days, closed = self._people_changes(live)
        # every worker in a closed cell stays there
        on = live >= 0
        w_idx, d_idx = np.nonzero(on)
        members = closed[d_idx, live[w_idx, d_idx]]
        worker_days[w_idx[members], d_idx[members]] = True
        self._fix_seq += 1
        since = dirty_since or time.perf_counter()
        self._fix_sent_at[self._fix_seq] = self._restart_sent_at[self._fix_seq] = since
        self._send(("fix", self._fix_seq, worker_days, live.astype(np.int16), closed))

    def _merge(self, shifts: np.ndarray, info: dict[str, Any], *, final: bool) -> None:
        """Merge the solver's roster ``shifts`` into the schedule (see the module docstring)."""
        now = time.perf_counter()
        if not final and now - self._last_merge < self.interval:
            return
        s = self.schedule
        p = s.problem
        solver = np.asarray(shifts, dtype=np.int64)
        locked = np.zeros((p.n_days, p.n_shifts), dtype=bool)
        self._close_locked(locked, np.zeros(solver.shape, dtype=bool))
        # the merge is worked out on a copy, outside the schedule's lock (people's edits are
        # not held up by it), and applied under the lock if nobody edited meanwhile
        for _ in range(MERGE_TRIES):
            with s.lock:
                version, core = s.version, s.core.copy()
            live = core.shift_of.astype(np.int64)
            allowed = mergeable(live, self._base, solver, locked)
            if not allowed.any():
                return
            target = live.copy()
            target[allowed] = solver[allowed]
            try:
                merged: Roster = roster_of(p, target, like=core)
            except ValueError:  # a cell over its maximum: a later roster will fit
                return
            d, k_s, k = np.nonzero(core.slots != merged.slots)
            targets = [
                (int(a), int(b), int(c), int(w))
                for a, b, c, w in zip(d, k_s, k, merged.slots[d, k_s, k], strict=True)
            ]
            op = SetSlots(targets, "solve", f"solver: {len(targets)} slot(s) improved")
            with s.lock:
                if s.version != version:
                    continue  # someone edited meanwhile: work it out again
                plan = s.planner.plan(op, "solve")
                hard, soft = s.validator.score_delta(plan.changes)
                if hard > 0 or (hard == 0 and soft > -EPSILON):
                    return  # not better than what people see now
                result = s.set_slots(
                    op, user=SOLVER_USER, checked=False, group=self.id, event_extra={"job": self.id}
                )
                if not result.ok:
                    return
                score = s.validator.score()
            break
        else:
            return
        self._base[allowed] = solver[allowed]
        self._merges += 1
        self._cells_changed += len(targets)
        self._last_merge = now
        s.events.publish(
            "solver_improved",
            {
                "job": self.id,
                "elapsed": float(info["elapsed"]),
                "objective": info.get("objective"),
                "hard": info.get("hard"),
                "live_objective": float(score.soft),
                "live_hard": int(score.hard),
                "cells_changed": len(targets),
                "op_id": result.op_id,
            },
            SOLVER_USER,
        )

    def _finish(self, outcome: dict[str, Any]) -> None:
        self._subscription.cancel()
        proc = self._process
        if proc.poll() is None:
            self._send(("stop",))
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self._conn.close()
        s = self.schedule
        score = s.validator.score()
        status = outcome.get("status", "failed")
        if self._stop_by is not None and status not in ("failed",):
            status = "cancelled"
        self.result = SolveOutcome(
            status=status,
            objective=float(score.soft),
            hard=int(score.hard),
            elapsed=time.perf_counter() - self._t0,
            merges=self._merges,
            cells_changed=self._cells_changed,
            stopped_by=self._stop_by,
            error=outcome.get("error"),
        )
        with s.lock:
            if s.live_solve is self:
                s.live_solve = None
        self._done.set()
        s.events.publish(
            "solver_finished",
            {
                "job": self.id,
                "status": status,
                "objective": self.result.objective,
                "hard": self.result.hard,
                "elapsed": self.result.elapsed,
                "merges": self._merges,
                "cells_changed": self._cells_changed,
                "stopped_by": self._stop_by,
                "error": self.result.error,
            },
            self.user,
        )


def _settle(pending: dict[int, float], seq: int, now: float, into: list[float]) -> None:
    """Move the fixes up to ``seq`` out of ``pending`` (fix -> time of its first edit), their
    latencies into ``into``: a fix carries every edit sent before it."""
    for k in sorted(pending):
        if k <= seq:
            into.append(now - pending.pop(k))


def people_changes(
    live: np.ndarray, base: np.ndarray, n_shifts: int
) -> tuple[np.ndarray, np.ndarray]:
    """What people changed: the worker-days where ``live`` differs from ``base`` (the roster
    the solver knows; ``shift_of`` arrays), and the cells whose set of workers that changed
    (both the cell a worker left and the one they joined)."""
    changed = live != base
    closed = np.zeros((live.shape[1], n_shifts), dtype=bool)
    w_idx, d_idx = np.nonzero(changed)
    for values in (live, base):
        v = values[w_idx, d_idx]
        on = v >= 0
        closed[d_idx[on], v[on]] = True
    return changed, closed


def mergeable(
    live: np.ndarray, base: np.ndarray, solver: np.ndarray, locked: np.ndarray
) -> np.ndarray:
    """The worker-days of the solver's roster ``solver`` a merge may write into ``live``.

    Three-way, against ``base`` (what the solver knows): a worker-day differing from ``live``,
    not changed by people (``live == base`` there), whose current cell and new cell were both
    left alone by people (see :func:`people_changes`) and are not ``locked`` (cells, bool
    ``(days, shifts)``). Writing exactly these keeps every person's change; when ``solver``
    already agrees with ``live`` wherever people changed something, that is every
    worker-day where they differ.
    """
    people, closed = people_changes(live, base, locked.shape[1])
    closed |= locked
    allowed: np.ndarray = (solver != live) & ~people
    days = np.broadcast_to(np.arange(live.shape[1])[None, :], live.shape)
    for values in (live, solver):
        on = values >= 0
        hit = np.zeros_like(allowed)
        hit[on] = closed[days[on], values[on]]
        allowed &= ~hit
    return allowed


def _start_worker(spec: Any) -> tuple[Connection, subprocess.Popen[bytes]]:
    """A worker process running :func:`rtsched_widgets.solve.live.serve` on ``spec``, and the
    connection to it.

    The worker is a fresh interpreter (``python -m rtsched_widgets.solve.live``) joined by a
    socket pair: unlike ``multiprocessing``'s spawn it never re-imports the caller's main
    module, so it starts the same from a notebook, a script without a main guard or a server.
    """
    parent, child = socket.socketpair()
    with child:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rtsched_widgets.solve.live", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
        )
    conn = Connection(parent.detach())
    conn.send(spec)
    return conn, proc
