"""The contract every generation strategy meets, and what a run returns.

A strategy turns a ``Problem`` (and optionally a starting ``Roster``) into a roster within a time
limit. Runs are deterministic for a given ``seed`` wherever the strategy's own stopping rule is
(a move budget, proven optimality); a pure wall-clock limit can stop the same trajectory at a
different point on a busier machine. ``cancel`` (a ``threading.Event``) stops a run early: the
best roster found so far is returned with status ``"cancelled"``. ``progress`` is called with a
``ProgressInfo`` at most every ``progress_interval`` seconds and whenever the best solution
improves; the engine turns these calls into ``generation_progress`` events. A
:class:`StreamingProgress` callback also receives the best roster itself (``ProgressInfo.shifts``),
at most every ``interval`` seconds: what a live solve merges into the schedule as it runs.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.keep import Keep

Status = Literal["optimal", "feasible", "infeasible", "unknown", "cancelled"]
"""``optimal``: proven optimal (CP-SAT only); ``feasible``: every hard rule met as far as the
strategy checks; ``infeasible``: proven that no roster meets the hard rules (CP-SAT only);
``unknown``: the best roster still breaks hard rules; ``cancelled``: stopped by ``cancel``."""


@dataclass(frozen=True)
class ProgressInfo:
    """One progress report of a running strategy.

    ``elapsed`` seconds since the run started; ``best_objective`` soft penalty of the best roster
    so far (``None`` before the first one); ``best_hard`` its hard violation count;
    ``moves_evaluated`` candidate moves (or solver branches) evaluated so far; ``fraction`` of
    the time limit used, in [0, 1].
    """

    strategy: str
    elapsed: float
    best_objective: float | None
    best_hard: int | None
    moves_evaluated: int
    fraction: float
    message: str = ""
    shifts: np.ndarray | None = None
    """For a :class:`StreamingProgress` callback: a copy of the best roster as ``shift_of``
    (worker x day shift index, -1 off) when one not yet sent is due; ``None`` otherwise."""


@dataclass
class SolveResult:
    """What a strategy run returns.

    ``objective`` is the soft penalty of ``roster`` and ``hard_violations`` its count of hard
    violations, both as the strategy measures them (tests prove they agree with the rule engine).
    ``time_to_first_feasible`` / ``time_to_best``: seconds from the start of the run until the
    first roster without hard violations / until the returned roster was found (``None`` when
    never). ``log`` holds ``(elapsed, best objective)`` each time the best improved, for
    convergence plots.
    """

    strategy: str
    roster: Roster
    objective: float
    hard_violations: int
    status: Status
    elapsed: float
    time_to_first_feasible: float | None = None
    time_to_best: float | None = None
    moves_evaluated: int = 0
    seed: int = 0
    log: list[tuple[float, float]] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """True when the roster meets every hard rule."""
        return self.hard_violations == 0

    @property
    def moves_per_second(self) -> float:
        """Moves evaluated per second of the run (0 when the run took no measurable time)."""
        return self.moves_evaluated / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[ProgressInfo], None]

Incumbent = np.ndarray | Callable[[], np.ndarray]
"""The best roster as strategies report it: a ``shift_of`` array, or a function returning one
(called at once, only when a snapshot is due: a CP-SAT callback's values live only during the
callback)."""


class StreamingProgress:
    """A progress callback that also wants the best roster as the run finds it.

    Reports carry ``ProgressInfo.shifts`` (a copy of the best ``shift_of``) when the best
    improved since the last roster sent and at least ``interval`` seconds have passed since
    then; an improvement found sooner is kept and sent with the next report after the interval
    (strategies report at least every ``progress_interval`` seconds), so the last improvement
    of a quiet stretch is never held back for long. ``callback`` receives every report.
    """

    def __init__(self, callback: ProgressCallback, interval: float = 0.25) -> None:
        if not interval >= 0:
            raise ValueError(f"interval: {interval!r} — give seconds >= 0")
        self.callback = callback
        self.interval = float(interval)

    def __call__(self, info: ProgressInfo) -> None:
        self.callback(info)


def relay(
    progress: ProgressCallback | None, change: Callable[[ProgressInfo], ProgressInfo]
) -> ProgressCallback | None:
    """A callback that passes each report through ``change`` on to ``progress`` (``None`` when
    there is none); a :class:`StreamingProgress` stays one, with its interval, so a strategy
    run inside another streams its rosters through."""
    if progress is None:
        return None
    target = progress

    def forward(info: ProgressInfo) -> None:
        target(change(info))

    if isinstance(progress, StreamingProgress):
        return StreamingProgress(forward, progress.interval)
    return forward


MAX_TIME_LIMIT = 7 * 24 * 3600.0
"""The longest time limit a run accepts, in seconds (a week)."""


def check_time_limit(time_limit: object) -> float:
    """``time_limit`` as seconds; ``ValueError`` naming the field unless it is a finite number
    in (0, :data:`MAX_TIME_LIMIT`]."""
    ok = isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool)
    if not ok or not 0 < float(time_limit) <= MAX_TIME_LIMIT:  # type: ignore[arg-type]
        raise ValueError(
            f"time_limit: {time_limit!r} is not a number of seconds in (0, {MAX_TIME_LIMIT:g}] "
            "— give a finite positive time limit (cancel stops a run early)"
        )
    return float(time_limit)  # type: ignore[arg-type]


class Strategy(ABC):
    """A generation strategy; subclasses set ``name`` and implement ``solve``.

    Options go to the constructor (unknown options are errors); ``solve`` takes the run's inputs.

    The anytime contract holds for every subclass: its ``solve`` is wrapped once, when the
    class is defined, by :func:`rtsched_widgets.solve.anytime.anytime`, which refuses a time
    limit that is not a finite positive number and never returns a roster that scores worse
    (fewer hard violations first, then the soft penalty) than the starting ``roster``.
    """

    name: str = "strategy"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        solve = cls.__dict__.get("solve")
        if solve is not None:
            from rtsched_widgets.solve.anytime import anytime

            cls.solve = anytime(solve)  # type: ignore[method-assign]

    @abstractmethod
    def solve(
        self,
        problem: Problem,
        *,
        roster: Roster | None = None,
        time_limit: float = 10.0,
        seed: int = 0,
        keep: np.ndarray | Keep | None = None,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> SolveResult:
        """Build a roster for ``problem``.

        ``roster``: a starting point (CP-SAT uses it as a hint, local search improves it, greedy
        completes it). ``keep``: cells that must come out exactly as in ``roster`` — see
        :func:`rtsched_widgets.solve.keep.normalize_keep` for the accepted shapes; assignments of
        ``problem.mandatory`` present in ``roster`` are always kept. ``time_limit`` in seconds.
        """

    def unhonoured(self, problem: Problem) -> list[str]:
        """The names of ``problem``'s custom rules (``rt.WorkerRule`` / ``rt.DateRule``) this
        strategy cannot honour; a run refuses to start while there is one, rather than ignore
        it. By default all of them: strategies that score their moves through the rule engine
        (or encode the rules) override this."""
        return [r.name for r in problem.custom_rules]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class RunClock:
    """Time, cancellation, progress throttling and the convergence log of one run."""

    def __init__(
        self,
        strategy: str,
        time_limit: float,
        cancel: threading.Event | None,
        progress: ProgressCallback | None,
        progress_interval: float = 0.5,
    ) -> None:
        check_time_limit(time_limit)
        self.strategy = strategy
        self.time_limit = float(time_limit)
        self.cancel = cancel
        self.progress = progress
        self.progress_interval = progress_interval
        self.start = time.perf_counter()
        self.last_report = -1e9
        self.log: list[tuple[float, float]] = []
        self.time_to_first_feasible: float | None = None
        self.time_to_best: float | None = None
        self.best_objective: float | None = None
        self.best_hard: int | None = None
        self._stream = progress if isinstance(progress, StreamingProgress) else None
        self._pending: np.ndarray | None = None  # best roster not yet streamed
        self._last_sent = -1e9

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left of the time limit (may be negative)."""
        return self.time_limit - self.elapsed()

    def cancelled(self) -> bool:
        """True once the cancel event is set."""
        return self.cancel is not None and self.cancel.is_set()

    def should_stop(self) -> bool:
        """True when the time is up or the run was cancelled."""
        return self.cancelled() or self.remaining() <= 0

    def improved(
        self, objective: float, hard: int, moves: int = 0, shifts: Incumbent | None = None
    ) -> None:
        """Record a new best roster (lexicographic: fewer hard violations, then objective).

        ``shifts``: that roster (see :data:`Incumbent`), streamed to a
        :class:`StreamingProgress` callback; not read otherwise.
        """
        now = self.elapsed()
        if self._stream is not None and shifts is not None:
            snapshot = shifts() if callable(shifts) else shifts
            self._pending = np.array(snapshot, dtype=np.int16, copy=True)
        self.best_objective, self.best_hard = float(objective), int(hard)
        self.time_to_best = now
        if hard == 0 and self.time_to_first_feasible is None:
            self.time_to_first_feasible = now
        self.log.append((now, float(objective) if hard == 0 else float("inf")))
        self.report(moves, force=True)

    def report(self, moves: int, message: str = "", force: bool = False) -> None:
        """Call the progress callback if one is set and the interval has passed (or forced)."""
        if self.progress is None:
            return
        now = self.elapsed()
        shifts, stream = None, self._stream
        if (
            stream is not None
            and self._pending is not None
            and now - self._last_sent >= stream.interval
        ):
            shifts, self._pending, self._last_sent = self._pending, None, now
            force = True
        if not force and now - self.last_report < self.progress_interval:
            return
        self.last_report = now
        self.progress(
            ProgressInfo(
                strategy=self.strategy,
                elapsed=now,
                best_objective=self.best_objective,
                best_hard=self.best_hard,
                moves_evaluated=moves,
                fraction=min(now / self.time_limit, 1.0),
                message=message,
                shifts=shifts,
            )
        )

    def result(
        self,
        roster: Roster,
        objective: float,
        hard: int,
        status: Status,
        seed: int,
        moves: int = 0,
        **details: object,
    ) -> SolveResult:
        """The ``SolveResult`` of this run, with its timings and log."""
        if self.cancelled() and status not in ("optimal", "infeasible"):
            status = "cancelled"
        return SolveResult(
            strategy=self.strategy,
            roster=roster,
            objective=float(objective),
            hard_violations=int(hard),
            status=status,
            elapsed=self.elapsed(),
            time_to_first_feasible=self.time_to_first_feasible,
            time_to_best=self.time_to_best,
            moves_evaluated=int(moves),
            seed=seed,
            log=list(self.log),
            details=dict(details),
        )
