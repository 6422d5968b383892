"""SolverBar: start, follow and stop a schedule's live solver run, and repair parts of it.

The bar keeps the run's state (who started it, strategy, time limit, elapsed time, best
objective and hard count, how it ended) and the best objective over time in synced traits, so
every view of it shows the same run. The state follows the schedule's ``solver_*`` events, which
arrive on the solver's thread: they are folded into the bar's state under a lock and reach the
views at most every ``throttle`` seconds (the start and the end of a run at once).

Every request from a view (``solve``, ``stop``, ``repair``) names the person who clicked (the
view learns it from the Jupyter server, like the grid), so a stop by someone other than the
person who started the run follows ``schedule.policy.allow_stop_others``; a refusal is shown
in the bar's ``notice``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import traitlets

from rtsched_widgets.limits import abbreviate
from rtsched_widgets.solve.solving import SOLVER_USER
from rtsched_widgets.widgets._assets import bundle
from rtsched_widgets.widgets.grid import schedule_token
from rtsched_widgets.widgets.identity import display_name_of, names_of
from rtsched_widgets.widgets.panels import _Panel, failure, request_kind
from rtsched_widgets.widgets.ports import SolveControl, SolveRun, require_schedule
from rtsched_widgets.widgets.protocol import ProtocolError
from rtsched_widgets.widgets.wording import SHORT, wording_of

if TYPE_CHECKING:
    from rtsched_widgets.engine.events import Event
    from rtsched_widgets.engine.result import OpResult
    from rtsched_widgets.widgets.grid import ScheduleGrid

logger = logging.getLogger("rtsched_widgets.widgets")

#: The events the bar follows.
SOLVER_EVENTS = ("solver_started", "solver_progress", "solver_improved", "solver_finished")
#: States of a run as the bar shows them.
STATES = ("idle", "running", "stopping", "finished", "stopped", "failed")
#: Longest time limit a view may ask for (seconds).
MAX_TIME_LIMIT = 24 * 3600.0
#: Longest user name taken from a view.
MAX_USER = 64


def strategy_names() -> list[str]:
    """The registered strategies, ``auto`` first."""
    try:
        from rtsched_widgets.solve.registry import available_strategies

        names = [str(n) for n in available_strategies()]
    except Exception:  # the solve extra may be missing: offer what needs nothing extra
        logger.debug("listing the strategies failed", exc_info=True)
        names = ["auto", "greedy", "local_search"]
    return ["auto", *sorted(n for n in set(names) if n != "auto")]


def _num(value: Any) -> float | None:
    """``value`` as a finite float, else None."""
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


def _int(value: Any) -> int | None:
    out = _num(value)
    return None if out is None else int(out)


def thin(points: list[list[Any]], limit: int) -> list[list[Any]]:
    """At most ``limit`` of ``points`` (time-ordered): every other point is dropped, the first
    and the last always kept, until they fit."""
    out = list(points)
    while len(out) > limit >= 2:
        last = out[-1]
        out = out[:-1:2]
        if out[-1] is not last:
            out.append(last)
    return out


class SolverBar(_Panel):
    """Strategy, time limit, Solve / Stop, "Repair selection" and "Fill empty cells", the run's
    state and a chart of the best objective over time.

    ``grid`` (optional ScheduleGrid of the same schedule): "Repair selection" repairs the block
    most recently selected in the clicking person's grid view. ``user``: who acts when a view
    does not say (default: the grid's user, else the schedule's). ``time_limit`` and
    ``strategy`` are the controls' initial values; ``seed`` is passed to every run;
    ``repair_time_limit`` bounds each repair. ``max_points`` bounds the chart's points.
    ``throttle`` (seconds): progress reaches the views at most this often.
    """

    _esm = bundle("solver")
    _patterns = SOLVER_EVENTS

    strategies = traitlets.List(traitlets.Unicode(), help="Strategies offered (list of str).").tag(
        sync=True
    )
    strategy = traitlets.Unicode("auto", help="Strategy preselected in the views (str).").tag(
        sync=True
    )
    time_limit = traitlets.Float(60.0, help="Time limit preselected in the views, s (float).").tag(
        sync=True
    )
    user = traitlets.Unicode("", help="Who acts when a view does not say (str).").tag(sync=True)
    sid = traitlets.Unicode(
        "",
        help="Token of the schedule, as in the grid's snapshots (str): a view finds the grid "
        "views of the same schedule in its page by it.",
    ).tag(sync=True)
    state = traitlets.Unicode(
        "idle", help="'idle', 'running', 'stopping', 'finished', 'stopped' or 'failed' (str)."
    ).tag(sync=True)
    run = traitlets.Dict(
        help="The current or last run: job, user, strategy, time_limit, started_at (epoch s), "
        "elapsed (s), objective, hard, improvements, cells_changed, status, stopped_by, error "
        "(dict)."
    ).tag(sync=True)
    points: traitlets.List[list[Any]] = traitlets.List(
        help="[elapsed s, best objective, best hard count] of the run, time-ordered (list)."
    ).tag(sync=True)
    notice = traitlets.Dict(
        help="Outcome of the last request: {'ok': bool, 'message': str, 'user': str} (dict)."
    ).tag(sync=True)
    busy = traitlets.Unicode("", help="A repair in progress, '' when none (str).").tag(sync=True)
    can_undo_run = traitlets.Bool(
        False, help="The solver has merged edits that can be undone as one step (bool)."
    ).tag(sync=True)

    def __init__(
        self,
        schedule: object,
        grid: ScheduleGrid | None = None,
        *,
        user: str | None = None,
        strategy: str = "auto",
        time_limit: float = 60.0,
        seed: int = 0,
        repair_time_limit: float = 10.0,
        max_points: int = 400,
        theme: str = "auto",
        throttle: float = 0.2,
    ) -> None:
        checked = require_schedule(schedule)
        if grid is not None and grid.schedule is not schedule:
            raise ValueError("grid: it shows another schedule than the bar")
        for name, value in (("time_limit", time_limit), ("repair_time_limit", repair_time_limit)):
            if _num(value) is None or not 0 < float(value) <= MAX_TIME_LIMIT or value is True:
                raise ValueError(
                    f"{name}: expected seconds in (0, {MAX_TIME_LIMIT:g}], got {value!r}"
                )
        if not isinstance(max_points, int) or isinstance(max_points, bool) or max_points < 2:
            raise ValueError(f"max_points: expected an integer >= 2, got {max_points!r}")
        names = strategy_names()
        if strategy not in names:
            raise ValueError(f"strategy: expected one of {names}, got {strategy!r}")
        self.grid = grid
        self.seed = seed
        self.repair_time_limit = float(repair_time_limit)
        self.max_points = max_points
        self._state_lock = threading.RLock()
        self._apply_lock = threading.RLock()
        self._job: SolveControl | None = None
        self._run: dict[str, Any] = {}
        self._points: list[list[Any]] = []
        self._state = "idle"
        self._repairs: list[threading.Thread] = []
        shown_by = grid.user if grid is not None else ""
        default_user = user or shown_by or checked.user or "local"
        self._init_traits = {
            "strategies": names,
            "strategy": strategy,
            "time_limit": float(time_limit),
            "user": default_user,
            "sid": schedule_token(schedule),
        }
        job = checked.solving
        if job is not None:
            self._adopt(job)
        super().__init__(schedule, theme=theme, throttle=throttle)
        self.on_msg(self._on_message)

    # -- state ------------------------------------------------------------------------------
    @property
    def job(self) -> SolveControl | None:
        """The run the bar shows (running or last finished), or None."""
        return self._job

    def _adopt(self, job: SolveControl) -> None:
        """Take the state of ``job`` (a run that started before the bar, or that this bar
        started) from its attributes and its progress table; a run that tells no more than
        whether it runs is shown without them."""
        if not isinstance(job, SolveRun):
            with self._state_lock:
                self._job, self._run, self._points = job, {}, []
                self._state = "running" if job.running else "finished"
            return
        points: list[list[Any]] = []
        try:
            progress = job.progress
            if len(progress):
                for rec in progress.to_dict("records"):
                    obj = _num(rec.get("best_objective"))
                    if obj is not None:
                        points.append(
                            [
                                round(float(rec.get("elapsed", 0.0)), 3),
                                obj,
                                _int(rec.get("best_hard")),
                            ]
                        )
        except Exception:  # a progress table of another shape: the chart starts empty
            logger.debug("reading a run's progress failed", exc_info=True)
        with self._state_lock:
            if isinstance(self._job, SolveRun) and self._job.id == job.id:
                return
            self._job = job
            started = _num(job.started_at)
            self._run = {
                "job": str(job.id),
                "user": str(job.user or ""),
                "strategy": str(job.strategy or ""),
                "time_limit": _num(job.time_limit),
                "started_at": started,
                "elapsed": round(time.time() - started, 3) if started else 0.0,
                "objective": _num(job.best_objective),
                "hard": _int(job.best_hard),
                "improvements": 0,
                "cells_changed": 0,
                "status": "",
                "stopped_by": "",
            }
            self._points = thin(points, self.max_points)
            self._state = "running" if job.running else "finished"

    def _note(self, event: Event) -> None:
        payload: Mapping[str, Any] = event.payload or {}
        job_id = str(payload.get("job", "") or "")
        with self._state_lock:
            if event.type == "solver_started":
                self._job = self.schedule.solving
                self._run = {
                    "job": job_id,
                    "user": str(payload.get("user") or event.user or ""),
                    "strategy": str(payload.get("strategy", "")),
                    "time_limit": _num(payload.get("time_limit")),
                    "started_at": float(event.time),
                    "elapsed": 0.0,
                    "objective": None,
                    "hard": None,
                    "improvements": 0,
                    "cells_changed": 0,
                    "status": "",
                    "stopped_by": "",
                }
                self._points = []
                self._state = "running"
                return
            if self._run.get("job") and job_id and job_id != self._run["job"]:
                return  # an event of a run the bar does not show (one that ended long ago)
            if not self._run:
                self._run = {"job": job_id, "user": str(event.user or ""), "improvements": 0}
            elapsed = _num(payload.get("elapsed"))
            if elapsed is not None:
                self._run["elapsed"] = round(elapsed, 3)
            if event.type == "solver_finished":
                status = str(payload.get("status", "") or "finished")
                self._run["status"] = status
                self._run["stopped_by"] = str(payload.get("stopped_by") or "")
                self._run["error"] = str(payload.get("error") or "")
                for key, name in (("objective", "objective"), ("hard", "hard")):
                    value = _num(payload.get(name))
                    if value is not None:
                        self._run[key] = int(value) if key == "hard" else value
                if status in ("failed", "error"):
                    self._state = "failed"
                elif status in ("stopped", "cancelled") or self._run["stopped_by"]:
                    self._state = "stopped"
                else:
                    self._state = "finished"
                if self._points:  # the best line runs on to the end of the run
                    last = self._points[-1]
                    self._add_point(self._run.get("elapsed"), last[1], last[2])
                return
            if event.type == "solver_improved":
                objective = _num(payload.get("objective"))
                hard = _int(payload.get("hard"))
                self._run["improvements"] = int(self._run.get("improvements", 0)) + 1
                changed = _int(payload.get("cells_changed"))
                if changed is not None:
                    self._run["cells_changed"] = int(self._run.get("cells_changed", 0)) + changed
            else:  # solver_progress
                objective = _num(payload.get("best_objective"))
                hard = _int(payload.get("best_hard"))
            if objective is not None:
                self._run["objective"] = objective
            if hard is not None:
                self._run["hard"] = hard
            self._add_point(elapsed, objective, hard)

    def _add_point(self, elapsed: Any, objective: Any, hard: Any) -> None:
        """Adds a chart point (caller holds the state lock); a point that repeats the last
        objective and hard count only moves the last point's time."""
        t, obj = _num(elapsed), _num(objective)
        if t is None or obj is None:
            return
        point = [round(t, 3), obj, _int(hard)]
        pts = self._points
        if len(pts) >= 2 and pts[-1][1:] == point[1:] and pts[-2][1:] == point[1:]:
            pts[-1] = point
        else:
            pts.append(point)
        if len(pts) > self.max_points:
            self._points = thin(pts, self.max_points)

    def _on_event(self, event: Event) -> None:
        if event.type in ("solver_started", "solver_finished"):
            self._note(event)
            self.refresh()  # the start and the end of a run reach the views at once
            return
        super()._on_event(event)

    def _refresh(self) -> None:
        with self._state_lock:
            run = dict(self._run)
            points = [list(p) for p in self._points]
            state = self._state
        if state == "running" and run.get("started_at") and not run.get("elapsed"):
            run["elapsed"] = round(time.time() - float(run["started_at"]), 3)
        with self._apply_lock, self.hold_sync():
            if not self.strategies:
                for name, value in self._init_traits.items():
                    setattr(self, name, value)
            if self.state == "stopping" and state == "running":
                state = "stopping"  # a stop was accepted: it stays so until the run ends
            self.run = run
            self.points = points
            self.state = state
            self.can_undo_run = self.schedule.oplog.undo_depth(SOLVER_USER) > 0

    # -- requests ---------------------------------------------------------------------------
    def _who(self, content: Mapping[str, Any]) -> str:
        """The user key of the person who clicked (their display name, when sent, is noted)."""
        user = content.get("user")
        if isinstance(user, str) and user.strip():
            key = user.strip()[:MAX_USER]
            with contextlib.suppress(ProtocolError):  # a bad name: the key still acts
                names_of(self.schedule).note(key, display_name_of(content))
            return key
        return self.user

    def _label(self, user: Any) -> str:
        """How people see ``user`` (a key): their display name when known."""
        return names_of(self.schedule).label(str(user))

    def _say(self, ok: bool, message: str, user: str) -> None:
        # in the planner's terms (names, dates with weekday, posts); a long one is cut, with
        # the full text under "detail"
        text = wording_of(self.schedule.problem).text(message)
        short = text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"
        notice = {"ok": ok, "message": short, "user": user}
        self.notice = notice if short == text else {**notice, "detail": text}

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        who = self._who(content) if isinstance(content, dict) else self.user
        try:
            kind = request_kind(content, ("solve", "stop", "repair", "undo_run"))
            if kind == "solve":
                self.solve(
                    strategy=content.get("strategy", self.strategy),
                    time_limit=content.get("time_limit", self.time_limit),
                    user=who,
                )
            elif kind == "stop":
                self.stop(user=who)
            elif kind == "undo_run":
                self.undo_run(user=who)
            elif kind == "repair":
                scope = content.get("scope")
                views = content.get("grid_views")
                if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
                    views = None
                self.repair(scope, user=who, views=views)
        except ProtocolError as exc:
            self._say(False, failure(exc), who)
        except Exception as exc:  # shown to the user, never lost
            logger.exception("solver bar request failed")
            self._say(False, failure(exc), who)

    def solve(
        self, strategy: Any = None, time_limit: Any = None, *, user: str | None = None
    ) -> SolveControl | None:
        """Start a run as ``user`` (the bar's user by default); returns the job, or None when
        refused (the reason is in ``notice``)."""
        who = user or self.user
        strategy = self.strategy if strategy is None else strategy
        limit = self.time_limit if time_limit is None else time_limit
        if strategy not in self.strategies:
            self._say(
                False,
                f"strategy: expected one of {list(self.strategies)}, got {abbreviate(strategy)}",
                who,
            )
            return None
        seconds = _num(limit)
        if seconds is None or isinstance(limit, bool) or not 0 < seconds <= MAX_TIME_LIMIT:
            self._say(
                False,
                f"time limit: expected seconds in (0, {MAX_TIME_LIMIT:g}], got {abbreviate(limit)}",
                who,
            )
            return None
        from rtsched_widgets.solve.solving import SolverBusy

        try:
            job = self.schedule.start_solving(
                strategy=strategy, time_limit=seconds, seed=self.seed, user=who
            )
        except SolverBusy as exc:
            self._say(False, names_of(self.schedule).humanize(str(exc)), who)
            return None
        self._adopt(job)
        self._say(True, f"{self._label(who)} started {strategy} for {seconds:g} s", who)
        self.refresh()
        return job

    def undo_run(self, *, user: str | None = None) -> bool:
        """Undo the last run's merged edits as one step (``schedule.undo(user="solver")``),
        asked by ``user``; cells someone changed since keep their change. Going back may bring
        back hard violations the run had fixed: that is what undoing it means, so the undo is
        forced where the policy allows forcing, and refused (shown in ``notice``) where it
        does not. True when it was undone."""
        who = user or self.user
        if self.solving_now():
            self._say(False, "stop the run before undoing it", who)
            return False
        result = self.schedule.undo(user=SOLVER_USER, force=bool(self.schedule.policy.allow_force))
        if result.ok:
            self._say(True, f"{self._label(who)} undid the solver's run", who)
        else:
            self._say(False, names_of(self.schedule).humanize(result.message), who)
        self.refresh()
        return bool(result.ok)

    def solving_now(self) -> bool:
        """Whether a run is going on."""
        return self.schedule.solving is not None

    def stop(self, *, user: str | None = None) -> bool:
        """Stop the running job as ``user``; True when the stop was accepted. A refusal (the
        policy does not let others stop a run, nothing runs) is shown in ``notice``."""
        who = user or self.user
        job = self.schedule.solving
        if job is None or not job.running:
            self._say(False, "nothing is running", who)
            return False
        try:
            accepted = bool(job.stop(user=who))
        except PermissionError as exc:
            self._say(False, names_of(self.schedule).humanize(str(exc)), who)
            return False
        if not accepted:
            self._say(False, "the run is already ending", who)
            return False
        with self._state_lock:
            ended = self._state != "running"
        if not ended:
            with self._apply_lock:
                self.state = "stopping"
        started_by = self._label(job.user if isinstance(job, SolveRun) else "?")
        self._say(True, f"{self._label(who)} stopped the run started by {started_by}", who)
        return True

    def repair(
        self,
        scope: Any,
        *,
        user: str | None = None,
        views: list[str] | None = None,
        wait: bool = False,
    ) -> threading.Thread | None:
        """Repair ``"selection"`` (the block last selected in one of ``views``, else in a grid
        view of ``user``) or ``"empty"`` (the under-covered cells) as ``user``, on a thread of
        its own (returned; ``wait=True`` joins it). The outcome is shown in ``notice``."""
        who = user or self.user
        if scope == "selection":
            block = self.grid.selected_block(views, user=who) if self.grid is not None else None
            if block is None or not len(block):
                self._say(False, "select a block of cells in the grid first", who)
                return None
            target: Any = block.scope()
            what = f"{len(block)} selected cell(s)"
        elif scope == "empty":
            target, what = "empty", "the empty cells"
        else:
            self._say(
                False, f"scope: expected 'selection' or 'empty', got {abbreviate(scope)}", who
            )
            return None
        with self._apply_lock:
            if self.busy:
                self._say(False, f"a repair is already running ({self.busy})", who)
                return None
            self.busy = f"{self._label(who)} is repairing {what}"

        def work() -> None:
            try:
                result = self.schedule.repair(target, time_limit=self.repair_time_limit, user=who)
                self._say(result.ok, self._repair_message(result, what), who)
            except Exception as exc:  # shown to the user, never lost
                logger.exception("repair failed")
                self._say(False, f"repair: {type(exc).__name__}: {exc}", who)
            finally:
                with self._apply_lock:
                    self.busy = ""

        thread = threading.Thread(target=work, name="rtsched-repair", daemon=True)
        self._repairs = [t for t in self._repairs if t.is_alive()] + [thread]
        thread.start()
        if wait:
            thread.join()
        return thread

    @staticmethod
    def _repair_message(result: OpResult, what: str) -> str:
        message = result.message or ""
        details = result.details
        changed = details.get("cells_changed")
        before, after = _num(details.get("score_before")), _num(details.get("score_after"))
        parts = [f"repair of {what}"]
        if changed is not None:
            parts.append(f"{changed} cell(s) changed")
        if before is not None and after is not None:
            parts.append(f"score {before:g} → {after:g}")
        out = ", ".join(parts)
        return f"{out}: {message}" if message and not result.ok else out

    def wait_repairs(self, timeout: float | None = None) -> bool:
        """Wait for the repairs started from the bar; True when none is left running."""
        for thread in list(self._repairs):
            thread.join(timeout)
        return not any(t.is_alive() for t in self._repairs)

    def close(self) -> None:
        """Stop following the schedule and close the widget (a running job keeps running)."""
        super().close()
