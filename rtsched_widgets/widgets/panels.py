"""Companion widgets of a schedule: status bar, analytics panel and history panel.

Each panel follows the schedule's event bus and keeps its small state in synced traitlets, so
every open view shows the same thing. Updates run in the listener, on the thread that made the
change; a panel whose refresh fails shows the error in its ``error``/``notice`` trait instead of
losing it (and never breaks the edit: the bus isolates listeners).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from rtsched_widgets.engine.events import Event, Subscription
from rtsched_widgets.engine.history import History
from rtsched_widgets.limits import abbreviate, clip
from rtsched_widgets.widgets._assets import bundle
from rtsched_widgets.widgets.answering import after_answer
from rtsched_widgets.widgets.identity import display_name_of, names_of
from rtsched_widgets.widgets.ports import ScheduleView, require_schedule
from rtsched_widgets.widgets.protocol import MAX_ID_LENGTH, ProtocolError, check_nesting
from rtsched_widgets.widgets.wording import reply_text, wording_of

if TYPE_CHECKING:
    from rtsched_widgets.widgets.grid import ScheduleGrid

logger = logging.getLogger("rtsched_widgets.widgets")

THEMES = ("auto", "light", "dark")
OP_EVENTS = ("assigned", "unassigned", "swapped", "moved", "bulk_applied", "undone", "redone")


def request_kind(content: Any, kinds: tuple[str, ...]) -> str:
    """The ``type`` of a request from a panel's view, one of ``kinds``; a :class:`ProtocolError`
    naming the field otherwise (not an object, nested deeper than MAX_NESTING, another type).
    Values are echoed abbreviated, whatever their size or depth."""
    if not isinstance(content, dict):
        raise ProtocolError("message", f"expected an object with a type, got {abbreviate(content)}")
    check_nesting(content)
    kind = content.get("type")
    if kind not in kinds:
        raise ProtocolError("type", f"unknown request {abbreviate(kind)}; use {', '.join(kinds)}")
    return str(kind)


def failure(exc: BaseException) -> str:
    """A request's exception as shown to the user: a protocol error as it is (it starts with
    its field), any other with its type; at most MAX_MESSAGE characters."""
    if isinstance(exc, ProtocolError):
        return clip(str(exc))
    return clip(f"{type(exc).__name__}: {exc}")


#: Most viewers a panel keeps undo state for (the oldest hello is forgotten first).
MAX_VIEWERS = 64


def viewer_of(content: Mapping[str, Any], schedule: ScheduleView | None = None) -> str | None:
    """The ``user`` key a panel's view sends (the person viewing it, as the grid names them),
    or None when absent; a :class:`ProtocolError` when it is not a short non-empty str. The
    display ``name`` sent with it is recorded for ``schedule`` (see
    :mod:`rtsched_widgets.widgets.identity`)."""
    user = content.get("user")
    if user is None:
        return None
    if not isinstance(user, str) or not user.strip() or len(user) > MAX_ID_LENGTH:
        raise ProtocolError(
            "user", f"expected a non-empty str of at most {MAX_ID_LENGTH} characters"
        )
    name = display_name_of(content)
    if schedule is not None:
        names_of(schedule).note(user, name)
    return user


def undo_by_user(history: History, users: Iterable[str]) -> dict[str, list[bool]]:
    """``{user: [can undo, can redo]}`` for each of ``users``."""
    return {u: [history.undo_depth(u) > 0, history.redo_depth(u) > 0] for u in users}


class _Viewers:
    """The people who said hello to a panel (most recent last, at most MAX_VIEWERS)."""

    def __init__(self) -> None:
        self._users: dict[str, None] = {}
        self._lock = threading.Lock()

    def add(self, user: str) -> None:
        with self._lock:
            self._users.pop(user, None)
            self._users[user] = None
            while len(self._users) > MAX_VIEWERS:
                del self._users[next(iter(self._users))]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._users))


class _Panel(anywidget.AnyWidget):
    """A widget that refreshes itself from ``schedule`` whenever its bus reports a change.

    ``throttle`` (seconds, default 0): 0 refreshes in the listener (after the answer when a
    grid of the schedule is answering an edit on that thread: the edit's patch goes out first,
    and the edit's events make one refresh); more than 0 coalesces bursts of events into one
    refresh at most every ``throttle`` seconds, on a timer thread.
    """

    theme = traitlets.Unicode("auto", help="'auto', 'light' or 'dark' (str).").tag(sync=True)
    error = traitlets.Unicode("", help="Last error of a refresh, '' when none (str).").tag(
        sync=True
    )
    names = traitlets.Dict(
        help="{user key: display name} of the people the schedule's widgets have seen (dict); "
        "views show the name wherever a user key appears."
    ).tag(sync=True)
    _patterns: tuple[str, ...] = ("*",)
    # set last in __init__: None until then, so close() knows a panel whose __init__ failed
    # (no subscription, no timer either)
    _subscription: Subscription | None = None

    def __init__(self, schedule: object, *, theme: str = "auto", throttle: float = 0.0) -> None:
        checked = require_schedule(schedule)
        if not isinstance(throttle, int | float) or isinstance(throttle, bool) or throttle < 0:
            raise ValueError(f"throttle: expected seconds >= 0, got {throttle!r}")
        super().__init__(theme=theme)
        self.schedule = checked
        self.throttle = float(throttle)
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self._last_refresh = 0.0
        self.refresh()
        self._subscription = checked.events.subscribe(self._patterns, self._on_event, weak=True)

    @traitlets.validate("theme")
    def _check_theme(self, proposal: Any) -> str:
        if proposal["value"] not in THEMES:
            raise traitlets.TraitError(
                f"theme: expected one of {THEMES}, got {proposal['value']!r}"
            )
        return str(proposal["value"])

    def refresh(self) -> None:
        """Recompute the state from the schedule now; an exception is shown in ``error``."""
        try:
            self.names = names_of(self.schedule).as_dict()  # synced only when it changed
            self._refresh()
        except Exception as exc:  # shown to the user, never lost
            logger.exception("%s refresh failed", type(self).__name__)
            self.error = f"{type(exc).__name__}: {exc}"
        else:
            self.error = ""
        self._last_refresh = time.monotonic()

    def _refresh(self) -> None:
        raise NotImplementedError

    def _on_event(self, event: Event) -> None:
        self._note(event)
        if self.throttle <= 0:
            after_answer(self.schedule, self.refresh)
            return
        with self._timer_lock:
            if self._timer is not None:
                return
            wait = max(0.0, self.throttle - (time.monotonic() - self._last_refresh))
            self._timer = threading.Timer(wait, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._timer_lock:
            self._timer = None
        self.refresh()

    def _note(self, event: Event) -> None:
        """Hook: remember something about ``event`` before the refresh."""

    def close(self) -> None:
        """Stop following the schedule and close the widget."""
        if self._subscription is not None:
            self._subscription.cancel()
            with self._timer_lock:
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
        super().close()


class StatusBar(_Panel):
    """One line: connection, last result, coverage %, violations, undo/redo, who is here.

    ``grid`` (optional ScheduleGrid): its replies (including refusals and errors) become the
    last result, and its viewers count as present.
    """

    _esm = bundle("status")

    connection = traitlets.Unicode("live", help="'live' or 'closed' (str).").tag(sync=True)
    last = traitlets.Dict(
        help="Last result: {'ok': bool, 'message': str, 'user': str} (dict, default {})."
    ).tag(sync=True)
    coverage = traitlets.Float(
        0.0, help="Filled required slots / required slots, percent (float)."
    ).tag(sync=True)
    violations = traitlets.Dict(help="{'hard': int, 'soft': int} violation counts (dict).").tag(
        sync=True
    )
    can_undo = traitlets.Bool(False, help="The user has an edit to undo (bool).").tag(sync=True)
    can_redo = traitlets.Bool(False, help="The user has an undo to redo (bool).").tag(sync=True)
    users = traitlets.List(traitlets.Unicode(), help="Who is here (list of str).").tag(sync=True)
    version = traitlets.Int(0, help="Schedule version (int).").tag(sync=True)
    undo_by_user = traitlets.Dict(
        help="{user: [can undo, can redo]} for each person viewing the bar (dict); each view "
        "shows its own user's entry, never the owner's."
    ).tag(sync=True)

    def __init__(
        self,
        schedule: object,
        grid: ScheduleGrid | None = None,
        *,
        user: str | None = None,
        theme: str = "auto",
        throttle: float = 0.0,
    ) -> None:
        shown_by = grid.user if grid is not None else ""
        self.user = user or shown_by or require_schedule(schedule).user or "local"
        self._present: set[str] = {self.user}
        self._next_last: dict[str, Any] | None = None
        self.grid = grid
        self._viewers = _Viewers()
        super().__init__(schedule, theme=theme, throttle=throttle)
        self.on_msg(self._on_hello)
        if grid is not None:
            grid.on_result(self._on_grid_reply)
            grid.observe(self._on_viewers, names="viewers")
            grid.observe(self._on_connection, names="connection")

    def _note(self, event: Event) -> None:
        payload = event.payload or {}
        # ``last`` is set by the refresh, so that even it waits for an edit's answer
        if event.type == "op_rejected":
            said = wording_of(self.schedule.problem).said(str(payload.get("message", "")))
            self._next_last = {
                "ok": False,
                "message": said.short,
                "detail": said.detail,
                "user": event.user,
            }
        elif event.type in OP_EVENTS:
            kind = payload.get("kind", event.type)
            cells = payload.get("cells") or []
            self._next_last = {
                "ok": True,
                "message": f"{kind}: {len(cells)} slot(s), version {payload.get('version')}",
                "user": event.user or "",
            }
        elif event.type == "user_joined" and event.user:
            self._present.add(event.user)
        elif event.type == "user_left" and event.user:
            self._present.discard(event.user)

    def _on_grid_reply(self, reply: dict[str, Any]) -> None:
        if reply.get("message", "").endswith("candidates"):
            return  # a suggestion list is not a result worth showing
        self._next_last = None  # the reply says more about the same edit than its event
        self.last = {
            "ok": bool(reply.get("ok")),
            "message": str(reply.get("message", "")),
            "detail": str(reply.get("detail", "")),
        }
        if str(reply.get("message", "")).startswith("internal error"):
            self.error = str(reply["message"])

    def _on_viewers(self, change: Any) -> None:
        self.users = sorted(self._present | set(change["new"]))

    def _on_hello(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A view names the person viewing it: their undo/redo state is kept from now on."""
        try:
            request_kind(content, ("hello",))
            user = viewer_of(content, self.schedule)
        except ProtocolError as exc:
            self.error = failure(exc)
            return
        if user is not None:
            self._viewers.add(user)
            self.refresh()

    def _on_connection(self, change: Any) -> None:
        self.connection = "closed" if change["new"] == "closed" else "live"

    def _refresh(self) -> None:
        s, p = self.schedule, self.schedule.problem
        required = p.required.astype(np.int64)
        filled = np.minimum(s.core.count.astype(np.int64), required)
        total = int(required.sum())
        score = s.score()
        n_violations = len(s.validator.violation_list())
        history = s.oplog
        with self.hold_sync():
            if self._next_last is not None:
                self.last, self._next_last = self._next_last, None
            self.coverage = round(100.0 * int(filled.sum()) / total, 2) if total else 100.0
            self.violations = {"hard": int(score.hard), "soft": n_violations - int(score.hard)}
            self.can_undo = history.undo_depth(self.user) > 0
            self.can_redo = history.redo_depth(self.user) > 0
            self.undo_by_user = undo_by_user(history, self._viewers)
            self.version = int(s.version)
            viewers = set(self.grid.viewers) if self.grid is not None else set()
            self.users = sorted(self._present | viewers)


class AnalyticsPanel(_Panel):
    """Live charts: load against target per worker, special-day shifts per worker (with the
    mean), violations by rule (hard and soft counts) and coverage over time (by ISO week, at
    most ``max_points`` points). ``max_workers`` bounds the workers charted: those furthest
    from their target are kept, shown in worker order."""

    _esm = bundle("analytics")

    data = traitlets.Dict(help="Chart data, see js/src/panels/analytics.ts (dict).").tag(sync=True)
    note = traitlets.Unicode("", help="A line under the charts (str).").tag(sync=True)
    _patterns = (*OP_EVENTS, "generation_finished", "remote_applied")

    def __init__(
        self,
        schedule: object,
        *,
        max_workers: int = 30,
        max_points: int = 60,
        theme: str = "auto",
        throttle: float = 0.0,
    ) -> None:
        for name, value in (("max_workers", max_workers), ("max_points", max_points)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
        self.max_workers = max_workers
        self.max_points = max_points
        super().__init__(schedule, theme=theme, throttle=throttle)

    def _refresh(self) -> None:
        s, p = self.schedule, self.schedule.problem
        a = s.analytics()
        load = a.load
        names = [w.display_name for w in p.workers]
        keep = np.arange(len(load))
        if len(load) > self.max_workers:
            order = np.argsort(-np.abs(load["deviation"].to_numpy()), kind="stable")
            keep = np.sort(order[: self.max_workers])
        assigned = load["assigned"].to_numpy()
        target = load["target"].to_numpy()
        special = load["special"].to_numpy()
        rules: dict[str, list[int]] = {}
        by_rule = a.violations_by_rule[["rule", "severity", "count"]]
        for rule, severity, count in by_rule.itertuples(index=False, name=None):
            entry = rules.setdefault(str(rule), [0, 0])
            entry[0 if severity == "hard" else 1] += int(count)
        required = p.required.astype(np.int64)
        filled = np.minimum(s.core.count.astype(np.int64), required).sum(axis=1)
        per_day_required = required.sum(axis=1)
        week = p.calendar.week
        n_weeks = int(week.max()) + 1 if week.size else 0
        step = max(1, -(-n_weeks // self.max_points))
        bucket = week // step
        points = []
        for b in range(int(bucket.max()) + 1 if bucket.size else 0):
            mask = bucket == b
            req = int(per_day_required[mask].sum())
            pct = 100.0 * int(filled[mask].sum()) / req if req else 100.0
            first = int(np.flatnonzero(mask)[0])
            points.append([p.calendar.iso(first), round(pct, 1)])
        with self.hold_sync():
            self.data = {
                "load": [[names[i], int(assigned[i]), int(target[i])] for i in keep],
                "special": [[names[i], int(special[i])] for i in keep],
                "special_mean": round(float(special.mean()), 2) if special.size else 0.0,
                "rules": [[rule, hard, soft] for rule, (hard, soft) in sorted(rules.items())],
                "coverage": points,
            }
            shown = "" if len(keep) == len(load) else f" ({len(keep)} of {len(load)} workers)"
            self.note = (
                f"version {a.version} · coverage {a.coverage:.1f}% · "
                f"{a.hard} hard · soft penalty {a.soft:g}{shown}"
            )


class HistoryPanel(_Panel):
    """The audit trail (newest first, at most ``limit`` rows) with undo/redo and export buttons.

    Undo/redo act for the person who clicks (the ``user`` their view sends, as the grid names
    them; ``user`` — default the schedule's — when a view sends none); each view enables its
    buttons from its own person's entry of ``undo_by_user``. Export writes
    ``audit-<schedule id>-v<version>.<format>`` into ``export_dir`` (default: the working
    directory) and offers the file as a download.
    """

    _esm = bundle("history")

    rows: traitlets.List[list[Any]] = traitlets.List(
        help="[op_id, version, user, time (UTC ISO), kind, message, undone 0/1] per op (list)."
    ).tag(sync=True)
    can_undo = traitlets.Bool(False, help="The user has an edit to undo (bool).").tag(sync=True)
    can_redo = traitlets.Bool(False, help="The user has an undo to redo (bool).").tag(sync=True)
    notice = traitlets.Unicode("", help="Outcome of the last button (str).").tag(sync=True)
    notice_detail = traitlets.Unicode(
        "", help="The full explanation of ``notice`` when it is a summary, else '' (str)."
    ).tag(sync=True)
    undo_by_user = traitlets.Dict(
        help="{user: [can undo, can redo]} for each person viewing the panel (dict)."
    ).tag(sync=True)
    _patterns = (*OP_EVENTS, "generation_finished", "remote_applied")

    def __init__(
        self,
        schedule: object,
        *,
        user: str | None = None,
        limit: int = 200,
        export_dir: str | Path | None = None,
        theme: str = "auto",
        throttle: float = 0.0,
    ) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit: expected an integer >= 1, got {limit!r}")
        self.user = user or require_schedule(schedule).user or "local"
        self.limit = limit
        self.export_dir = Path(export_dir) if export_dir is not None else Path.cwd()
        self._viewers = _Viewers()
        super().__init__(schedule, theme=theme, throttle=throttle)
        self.on_msg(self._on_message)

    def _refresh(self) -> None:
        history = self.schedule.oplog
        records = history.records(limit=self.limit)
        wording = wording_of(self.schedule.problem)  # the planner's terms; the audit keeps ids
        rows: list[list[Any]] = []
        for rec in reversed(records):
            when = datetime.fromtimestamp(rec.timestamp, tz=UTC)
            rows.append(
                [
                    rec.op_id,
                    int(rec.version),
                    rec.user,
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                    rec.kind,
                    wording.text(rec.message),
                    int(history.is_undone(rec.op_id)),
                ]
            )
        with self.hold_sync():
            self.rows = rows
            self.can_undo = history.undo_depth(self.user) > 0
            self.can_redo = history.redo_depth(self.user) > 0
            self.undo_by_user = undo_by_user(history, self._viewers)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            kind = request_kind(content, ("undo", "redo", "export", "hello"))
            if kind != "hello":
                self.notice_detail = ""
            who = viewer_of(content, self.schedule)
            if who is not None:
                self._viewers.add(who)
            if kind == "hello":
                pass
            elif kind in ("undo", "redo"):
                undo = self.schedule.undo if kind == "undo" else self.schedule.redo
                result = undo(user=who or self.user)
                message = names_of(self.schedule).humanize(str(result.message))
                wording = wording_of(self.schedule.problem)
                said = reply_text(wording, result, message, allow_force=False)
                self.notice, self.notice_detail = clip(said.short), said.detail
            else:
                self.notice = self.export(content.get("format", "csv"))
        except ProtocolError as exc:
            self.notice = failure(exc)
        except Exception as exc:  # shown to the user, never lost
            logger.exception("history panel request failed")
            self.notice = failure(exc)
        self.refresh()

    def export(self, format: str = "csv") -> str:
        """Write the audit trail as ``format`` (csv or json), offer it as a download; returns
        what happened as a sentence."""
        if format not in ("csv", "json"):
            raise ProtocolError("format", f"expected 'csv' or 'json', got {abbreviate(format)}")
        name = f"audit-{self.schedule.id}-v{self.schedule.version}.{format}"
        path = self.schedule.export_audit(self.export_dir / name, format)
        text = Path(path).read_text(encoding="utf-8")
        mime = "text/csv" if format == "csv" else "application/json"
        self.send({"type": "download", "name": name, "text": text, "mime": mime})
        return f"exported {len(self.schedule.oplog)} ops to {path}"


class ConflictsPanel(_Panel):
    """The stale edits queued by the ``manual`` conflict policy, each with Accept and Reject
    buttons acting as ``user`` (see :meth:`rtsched_widgets.collab.sync.Session.resolve`).
    Starts the schedule's collaboration session when it has none."""

    _esm = bundle("conflicts")

    rows: traitlets.List[list[Any]] = traitlets.List(
        help="[conflict id, author, cells with their current workers, base version, edit] per "
        "open conflict, oldest first (list)."
    ).tag(sync=True)
    notice = traitlets.Unicode("", help="Outcome of the last button (str).").tag(sync=True)
    undo_by_user = traitlets.Dict(
        help="{user: [can undo, can redo]} for each person viewing the panel (dict)."
    ).tag(sync=True)
    _patterns = ("conflict_detected", "conflict_resolved", *OP_EVENTS, "remote_applied")

    def __init__(
        self,
        schedule: object,
        *,
        user: str | None = None,
        theme: str = "auto",
        throttle: float = 0.0,
    ) -> None:
        checked = require_schedule(schedule)
        self.user = user or checked.user or "local"
        checked.collaborate()
        super().__init__(schedule, theme=theme, throttle=throttle)
        self.on_msg(self._on_message)

    def _refresh(self) -> None:
        rows = []
        collab = self.schedule.collab
        if collab is None:  # started in __init__; gone only after close()
            self.rows = []
            return
        for c in collab.conflicts.open():
            cells = "; ".join(
                f"{x['cell']} now {', '.join(x['current']) or '(empty)'}" for x in c.cells
            )
            edit = " ".join(f"{k}={v}" for k, v in c.op.items() if v is not None)
            author = names_of(self.schedule).label(c.user)
            rows.append([c.id, author, cells, int(c.base_version), edit])
        self.rows = rows

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            kind = request_kind(content, ("accept", "reject"))
            cid = content.get("id")
            if not isinstance(cid, str) or not 0 < len(cid) <= MAX_ID_LENGTH:
                raise ProtocolError(
                    "id",
                    f"expected the conflict's id (a string of 1 to {MAX_ID_LENGTH} characters), "
                    f"got {abbreviate(cid)}",
                )
            collab = self.schedule.collab
            if collab is None:
                raise RuntimeError("the schedule has no collaboration session")
            result = collab.resolve(cid, kind == "accept", user=self.user)
            self.notice = clip(f"{cid} rejected" if result is None else f"{cid}: {result.message}")
        except ProtocolError as exc:
            self.notice = failure(exc)
        except Exception as exc:  # shown to the user, never lost
            logger.exception("conflicts panel request failed")
            self.notice = failure(exc)
        self.refresh()
