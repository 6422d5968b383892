"""ScheduleGrid: the editable, virtualised grid of a Schedule, in coverage or roster view.

The widget keeps no schedule data of its own beyond a copy of what it last broadcast
(:class:`~rtsched_widgets.widgets.grid_patch.GridMirror`): whenever the schedule's event bus
reports a change (an edit from any view, from Python code in another cell, from a collaborator
through the store), the widget compares the roster's slots with that copy and broadcasts only
the changed cells and violations as one versioned patch. This module holds the widget: its
traits, the messages from its views and their answers; the patches are built in
:mod:`~rtsched_widgets.widgets.grid_patch`, the views tracked in
:mod:`~rtsched_widgets.widgets.grid_views`. See :mod:`rtsched_widgets.widgets.protocol` for
every message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import anywidget
import traitlets

from rtsched_widgets.collab.users import colour_of
from rtsched_widgets.engine.events import ROSTER_EVENTS, Event, Subscription
from rtsched_widgets.engine.result import OpResult
from rtsched_widgets.limits import clip
from rtsched_widgets.rules.base import Violation
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets._assets import bundle
from rtsched_widgets.widgets.answering import after_answer, answering
from rtsched_widgets.widgets.grid_answers import Refusals, alternatives, candidates, engine_op
from rtsched_widgets.widgets.grid_locks import MAX_LOCKS_SHOWN, lock_entries
from rtsched_widgets.widgets.grid_patch import PALETTE, Cell, GridMirror, schedule_token
from rtsched_widgets.widgets.grid_views import Gone, SelectedBlock, ViewTracker
from rtsched_widgets.widgets.identity import names_of
from rtsched_widgets.widgets.ports import Collaboration, require_schedule
from rtsched_widgets.widgets.wording import reply_text, wording_of

__all__ = [
    "MAX_LOCKS_SHOWN",
    "PALETTE",
    "ScheduleGrid",
    "SelectedBlock",
    "after_answer",
    "lock_entries",
    "schedule_token",
]

logger = logging.getLogger("rtsched_widgets.widgets")

VIEWS = ("coverage", "roster")
THEMES = ("auto", "light", "dark")
CHANGE_EVENTS = (*ROSTER_EVENTS, "violations_changed")
#: Events after which the live locks are read again and, when they changed, sent to every view.
LOCK_EVENTS = ("lock_acquired", "lock_released", "user_left")


class ScheduleGrid(anywidget.AnyWidget):
    """The editable grid of ``schedule``; every view of it (cells, collaborators) stays in sync.

    ``view="coverage"``: dates down, posts across, a cell lists the workers of (date, post).
    ``view="roster"``: workers down, dates across, a cell shows the worker's shift that date.
    Edits made in a view go through ``schedule``'s public operations as ``user`` (default: the
    schedule's user), with the version the view saw, so the engine's rules, locks and conflict
    policy apply exactly as for code.
    """

    _esm = bundle("grid")

    view = traitlets.Unicode("coverage", help="'coverage' or 'roster' (str).").tag(sync=True)
    selection = traitlets.Dict(
        default_value={},
        help="Last selection made in a view: {'r0','c0','r1','c1'} row/column index range, "
        "inclusive, in the current view's order (dict, default {}).",
    ).tag(sync=True)
    filters = traitlets.Dict(
        default_value={},
        help="{'text': str} shows only rows whose label contains the text; {'highlight': worker "
        "index} highlights every shift of that worker (dict, default {}).",
    ).tag(sync=True)
    theme = traitlets.Unicode(
        "auto", help="'auto' (follow JupyterLab), 'light' or 'dark' (str)."
    ).tag(sync=True)
    connection = traitlets.Unicode(
        "ready", help="'ready' while the grid serves its schedule, 'closed' after close() (str)."
    ).tag(sync=True)
    height = traitlets.Int(480, help="Height of the grid's scroll area in pixels (int).").tag(
        sync=True
    )
    row_height = traitlets.Int(26, help="Height of one row in pixels (int).").tag(sync=True)
    user = traitlets.Unicode("", help="Who edits through this grid (str).").tag(sync=True)
    viewers = traitlets.List(
        traitlets.Unicode(),
        help="Keys of the users with a view of this grid open (list of str; see ``names``).",
    ).tag(sync=True)
    presence: traitlets.List[list[Any]] = traitlets.List(
        help="Selected cell of each view open: [user key, colour, view kind, data row, column, "
        "view id] (list, default [])."
    ).tag(sync=True)
    names = traitlets.Dict(
        help="{user key: display name} of the people the schedule's widgets have seen (dict): "
        "views act as the key (the Jupyter server's unique user name) and show the name."
    ).tag(sync=True)

    # set in __init__; None until then, so close() works on a grid whose __init__ failed
    _subscription: Subscription | None = None
    _lock_subscription: Subscription | None = None
    _lock_timer: threading.Timer | None = None
    _tracker: ViewTracker | None = None

    def __init__(
        self,
        schedule: object,
        view: str = "coverage",
        *,
        user: str | None = None,
        height: int = 480,
        theme: str = "auto",
    ) -> None:
        self.schedule = sched = require_schedule(schedule)
        self.problem = sched.problem
        super().__init__(
            view=view,
            user=user or sched.user or "local",
            height=height,
            theme=theme,
            names=names_of(sched).as_dict(),
        )
        self._lock = threading.RLock()
        self._mirror = GridMirror(sched)
        self._tracker = ViewTracker()
        self._refusals = Refusals()
        # the thread on which this grid is applying an edit of its own (its events are answered
        # by _answer with the edit's exact delta), or None
        self._own_edit: int | None = None
        # cells named by a change event whose violations_changed event is still to come
        self._pending_cells: set[Cell] | None = set()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._locks: list[list[Any]] = []
        self._subscription = sched.events.subscribe(CHANGE_EVENTS, self._on_event, weak=True)
        self._lock_subscription = sched.events.subscribe(
            LOCK_EVENTS, self._on_lock_event, weak=True
        )
        self.sync_locks(send=False)
        self.on_msg(self._on_message)

    # -- traits -----------------------------------------------------------------------------
    @traitlets.validate("view")
    def _check_view(self, proposal: Mapping[str, Any]) -> str:
        value = proposal["value"]
        if value not in VIEWS:
            raise traitlets.TraitError(f"view: expected one of {VIEWS}, got {value!r}")
        return str(value)

    @traitlets.validate("theme")
    def _check_theme(self, proposal: Mapping[str, Any]) -> str:
        value = proposal["value"]
        if value not in THEMES:
            raise traitlets.TraitError(f"theme: expected one of {THEMES}, got {value!r}")
        return str(value)

    @traitlets.validate("height", "row_height")
    def _check_pixels(self, proposal: Mapping[str, Any]) -> int:
        value = proposal["value"]
        name = proposal["trait"].name
        if not 8 <= value <= 10_000:
            raise traitlets.TraitError(f"{name}: expected pixels in [8, 10000], got {value}")
        return int(value)

    # -- public -----------------------------------------------------------------------------
    @property
    def patch_version(self) -> int:
        """Number of patches broadcast so far (the ``v`` of the last patch)."""
        return self._mirror.version

    @property
    def patch_sizes(self) -> list[int]:
        """Encoded size in bytes of every patch broadcast so far (for measurements)."""
        return list(self._mirror.sent_bytes)

    def on_result(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """Call ``fn(reply)`` with every reply this grid sends (companion widgets listen)."""
        self._listeners.append(fn)

    def selected_block(
        self, view_ids: Iterable[str] | None = None, *, user: str | None = None
    ) -> SelectedBlock | None:
        """The block most recently selected in one of ``view_ids`` (the views of one browser
        page, say), else in a view of ``user``, else in any view; None when no such view has
        selected anything (a view's block goes when the view says bye)."""
        assert self._tracker is not None
        found = self._tracker.latest_block(view_ids, user)
        if found is None:
            return None
        block, view_id = found
        return block.named(self.problem, self._tracker.user_of(view_id) or self.user)

    @property
    def locks(self) -> list[list[Any]]:
        """The live locks last sent to the views (entries as in the ``locks`` message)."""
        return [list(e) for e in self._locks]

    def snapshot(self, view_id: str) -> dict[str, Any]:
        """The snapshot message for ``view_id`` (see the protocol)."""
        with self._lock:
            return self._mirror.snapshot(view_id, self._locks)

    def close(self) -> None:
        """Stop following the schedule and close every view."""
        for sub in (self._subscription, self._lock_subscription):
            if sub is not None:
                sub.cancel()
        if self._lock_timer is not None:
            self._lock_timer.cancel()
        if self._tracker is not None:
            collab = self.schedule.collab
            if collab is not None:  # the views go away with the widget: their users leave
                for view_id, who in list(self._tracker.views.items()):
                    collab.presence.leave(who, view_id)
        if self.comm is not None:
            self.connection = "closed"
        super().close()

    # -- following the schedule -------------------------------------------------------------
    def sync(
        self,
        violations: bool = True,
        delta: tuple[Sequence[Violation], Sequence[Violation]] | None = None,
        cells: set[Cell] | None = None,
    ) -> dict[str, Any] | None:
        """Broadcast what changed in the schedule since the last patch; returns the patch or
        None when nothing visible changed. Called by the event bus; safe to call any time.
        ``violations=False`` skips re-reading the violations (the caller knows they did not
        change); ``delta`` = (introduced, resolved) violation records applies a known change
        instead of diffing every violation; ``cells`` = the (d, s) cells that are the only
        ones that may have changed since the last patch (an edit's cells) compares just those
        instead of every cell (None: compare every cell)."""
        with self._lock:
            patch = self._mirror.patch(violations, delta, cells)
            if patch is not None:
                self.send(patch)
            return patch

    def _on_event(self, event: Event) -> None:
        if self._own_edit == threading.get_ident():
            return  # _answer syncs with the result's exact violation delta
        payload = event.payload or {}
        change = _change_of(payload)
        if change is not None:
            # the event carries its change (see engine.events.ROSTER_EVENTS): its slots and
            # violations patch the views as they are; the violations_changed event that
            # follows a roster event carries the same change again
            if event.type != "violations_changed":
                self.sync(delta=change[1], cells=change[0])
            return
        with self._lock:
            pending, self._pending_cells = self._pending_cells, set()
        if event.type == "violations_changed":
            self.sync(violations=True, cells=pending)
            return
        cells = self._mirror.cells_named(payload.get("cells")) or None
        if cells is not None and pending is not None:
            cells |= pending
        else:
            cells = None
        introduced, resolved = payload.get("introduced"), payload.get("resolved")
        if isinstance(introduced, int) and isinstance(resolved, int):
            if introduced or resolved:
                # the violations_changed event that follows sends cells and violations
                with self._lock:
                    self._pending_cells = cells
                return
            self.sync(violations=False, cells=cells)
            return
        self.sync(violations=True, cells=cells)

    def _on_lock_event(self, _event: Event) -> None:
        self.sync_locks()

    def sync_locks(self, send: bool = True) -> dict[str, Any] | None:
        """Read the live locks of the schedule's collaboration session; when they differ from
        those last sent, send every view a ``locks`` message (returned). While locks are live,
        a timer reads them again just after the earliest one would expire, so expiries reach
        the views even when nothing publishes them. Safe to call any time, from any thread."""
        collab = self.schedule.collab
        try:
            live = list(collab.locks()) if collab is not None else []
        except Exception:  # a closing store must not break the grid
            logger.debug("reading the locks failed", exc_info=True)
            return None
        with self._lock:
            entries = lock_entries(self.problem, live)
            self._arm_lock_timer(live)
            if entries == self._locks:
                return None
            self._locks = entries
            message: dict[str, Any] = {"type": "locks", "locks": entries}
            if send:
                self.send(message)
            return message

    def _arm_lock_timer(self, live: list[dict[str, Any]]) -> None:
        if self._lock_timer is not None:
            self._lock_timer.cancel()
            self._lock_timer = None
        expiries = [float(x["expires_at"]) for x in live if x.get("expires_at") is not None]
        if not expiries or self.comm is None:
            return
        delay = min(max(0.05, min(expiries) - time.time() + 0.05), 3600.0)
        timer = threading.Timer(delay, self.sync_locks)
        timer.daemon = True
        timer.start()
        self._lock_timer = timer

    # -- messages ---------------------------------------------------------------------------
    def _on_message(self, _widget: object, content: object, _buffers: object) -> None:
        """Answer one message from a view: every message, however malformed, gets an answer
        naming the field (an ``error`` when it names no usable view, else a ``reply``)."""
        try:
            view_id = wire.view_id_of(content)
            request_id = wire.request_id_of(content)
        except Exception:  # a mapping whose get() fails, and the like
            view_id, request_id = None, ""
        if view_id is None:
            self.send({"type": "error", "message": "view_id: every message needs a string view_id"})
            return
        try:
            msg = wire.parse_message(content, self._shape())
        except wire.ProtocolError as exc:
            self._reply(view_id, request_id, False, clip(str(exc)), code="MALFORMED")
            return
        except Exception as exc:  # a value no check foresaw: still answered, never raised
            logger.debug("unreadable grid message", exc_info=True)
            self._reply(
                view_id,
                request_id,
                False,
                f"message: could not be read ({type(exc).__name__}) — send a JSON object as "
                "described in rtsched_widgets.widgets.protocol",
                code="MALFORMED",
            )
            return
        try:
            self._dispatch(msg)
        except Exception as exc:  # shown to the user, never lost
            logger.exception("grid message %s failed", msg.type)
            self._reply(
                view_id, request_id, False, clip(f"internal error: {type(exc).__name__}: {exc}")
            )

    def _shape(self) -> wire.GridShape:
        """The sizes a message's indices are checked against."""
        p = self.problem
        return wire.GridShape(p.n_days, p.n_shifts, p.n_workers, p.maximum)

    def _dispatch(self, msg: wire.Message) -> None:
        collab = self.schedule.collab
        if msg.type in ("hello", "presence"):
            self._on_hello(msg, collab)
        elif msg.type == "bye":
            assert self._tracker is not None
            gone, users_changed = self._tracker.untrack(msg.view_id)
            self._show_viewers(users_changed)
            self._forget(gone, collab, changed=False)
        elif msg.type == "select":
            self._on_select(msg, collab)
        elif msg.type == "violations":
            with self._lock:
                version, rows = self._mirror.version, self._mirror.violations
            self.send({"type": "violations", "view_id": msg.view_id, "v": version, "viol": rows})
        elif msg.type == "suggest":
            self._suggest(msg)
        else:
            self._edit(msg, collab)

    # -- the views ----------------------------------------------------------------------------
    def _track(self, view_id: str, user: str) -> Gone:
        """Note ``view_id`` (of ``user``) as seen just now; returns the views evicted."""
        assert self._tracker is not None
        gone, users_changed = self._tracker.track(view_id, user)
        self._show_viewers(users_changed)
        return gone

    def _show_viewers(self, changed: bool) -> None:
        """Reassign ``viewers`` when its set of users changed (only then: it is synced)."""
        if changed:
            assert self._tracker is not None
            self.viewers = self._tracker.viewers()

    def _on_hello(self, msg: wire.Message, collab: Collaboration | None) -> None:
        assert self._tracker is not None
        old = self._tracker.user_of(msg.view_id)
        new = msg.user or old or self.user
        if msg.user:
            names_of(self.schedule).note(msg.user, msg.name)
            self.names = names_of(self.schedule).as_dict()  # synced only when it changed
        gone = self._track(msg.view_id, new)
        if collab is not None:
            if old is not None and old != new:
                collab.presence.leave(old, msg.view_id)
            collab.presence.join(new, view_id=msg.view_id)
        if msg.type == "hello":
            self.send(self.snapshot(msg.view_id))
        selected = msg.view_id in self._tracker.selections
        self._forget(gone, collab, changed=old != new and selected)

    def _on_select(self, msg: wire.Message, collab: Collaboration | None) -> None:
        assert self._tracker is not None
        who = self._tracker.user_of(msg.view_id)
        if who is None:  # a view that never said hello, or one evicted: tracked again
            who = self.user
            gone = self._track(msg.view_id, who)
            if collab is not None:
                collab.presence.join(who, view_id=msg.view_id)
            self._forget(gone, collab, changed=False)
        else:
            self._track(msg.view_id, who)
        block = None
        if msg.sel is not None:
            r0, c0, r1, c1 = msg.sel
            rows = msg.rows if msg.rows is not None else tuple(range(r0, r1 + 1))
            block = (rows, c0, c1)
        self._tracker.select(msg.view_id, msg.view, (msg.d, msg.s), block)
        if collab is not None:
            collab.presence.select(who, {"view": msg.view, "r": msg.d, "c": msg.s})
        with self.hold_sync():  # selection and presence: one update to the views
            if msg.sel is not None:
                r0, c0, r1, c1 = msg.sel
                self.selection = {"r0": r0, "c0": c0, "r1": r1, "c1": c1}
            self._show_presence()

    def _forget(self, gone: Gone, collab: Collaboration | None, *, changed: bool) -> None:
        """The users of the views in ``gone`` leave the presence of those views; the
        ``presence`` trait is rebuilt when a selection shown in it went or ``changed``."""
        if collab is not None:
            for view_id, who, _ in gone:
                collab.presence.leave(who, view_id)
        if changed or any(had for _, _, had in gone):
            self._show_presence()

    def _show_presence(self) -> None:
        """Update the ``presence`` trait from the views' selections and their users' colours."""
        assert self._tracker is not None
        self.presence = self._tracker.presence(colour_of)

    # -- edits --------------------------------------------------------------------------------
    def _edit(self, msg: wire.Message, collab: Collaboration | None) -> None:
        """Apply an edit, undo or redo from a view as its user, then answer it."""
        assert self._tracker is not None
        who = self._tracker.user_of(msg.view_id) or self.user
        if msg.view_id in self._tracker.views:
            self._track(msg.view_id, who)
        if collab is not None:
            collab.presence.touch(who)
        with answering(self.schedule):
            self._own_edit = threading.get_ident()
            try:
                if msg.type == "undo":
                    result = self.schedule.undo(user=who)
                elif msg.type == "redo":
                    result = self.schedule.redo(user=who)
                else:
                    assert msg.op is not None
                    op = engine_op(self.problem, msg.op)
                    reason = self._refusals.reason(msg.view_id, op) if msg.force else None
                    result = self.schedule.apply(
                        op, user=who, base_version=msg.base_version, force=msg.force, reason=reason
                    )
            finally:
                self._own_edit = None
            self._answer(msg, result)

    def _answer(self, msg: wire.Message, result: OpResult) -> None:
        ok = result.ok
        # the change reaches every view (one patch) before the reply reaches the asker; an
        # applied edit names its cells (none named: compare them all); after a refused one,
        # every cell is compared (cheap insurance: it changes nothing, but a change made
        # meanwhile by another thread must not wait for the next edit)
        cells = set(result.changed_cells) or None if ok else None
        if ok:
            self.sync(delta=(result.introduced, result.resolved), cells=cells)
        else:
            self.sync(violations=False, cells=cells)
        p = self.problem
        message = result.message or ("done" if ok else "refused")
        # in the planner's terms: a short line, the full explanation, "Apply anyway" (wording)
        allow_force = self.schedule.policy.allow_force
        said = reply_text(wording_of(p), result, message, allow_force=allow_force)
        op = engine_op(p, msg.op) if said.forceable and msg.op is not None else None
        self._refusals.note(msg.view_id, op, result, said.forceable)
        self._reply(
            msg.view_id,
            msg.request_id,
            ok,
            said.short,
            code=result.error,
            alts=alternatives(p, msg.op, result),
            detail=said.detail,
            force=1 if said.forceable else None,
        )

    def _suggest(self, msg: wire.Message) -> None:
        """Reply with every worker for (d, s): eligible ones ranked best first with their score
        delta, then the excluded ones with the reason."""
        p = self.problem
        frame = self.schedule.suggest(p.calendar.iso(msg.d), msg.s, k=min(p.n_workers, 25))
        items = candidates(p, frame.to_dict("records"))
        self._reply(msg.view_id, msg.request_id, True, f"{len(items)} candidates", items=items)

    def _reply(self, view_id: str, request_id: str, ok: bool, message: str, **extra: Any) -> None:
        # people read names, not keys ("locked by <key>" names the holder's display name)
        humanize = names_of(self.schedule).humanize
        message = humanize(message)
        if isinstance(extra.get("detail"), str):
            extra["detail"] = humanize(extra["detail"])
        reply: dict[str, Any] = {
            "type": "reply",
            "view_id": view_id,
            "request_id": request_id,
            "ok": ok,
            "message": message,
            "sv": self.schedule.version,
        }
        reply.update({k: v for k, v in extra.items() if v not in (None, [], "")})
        self.send(reply)
        for fn in list(self._listeners):
            try:
                fn(reply)
            except Exception:  # a listener must not break the reply path
                logger.exception("grid result listener failed")


def _change_of(
    payload: Mapping[str, Any],
) -> tuple[set[Cell], tuple[Sequence[Violation], Sequence[Violation]]] | None:
    """The (d, s) cells and the (added, removed) violation records an event's payload carries
    (``slots``, ``added``, ``removed``; see ``engine.events.ROSTER_EVENTS``), or None when it
    carries no such change (then the grid compares cells and violations itself)."""
    slots, added, removed = payload.get("slots"), payload.get("added"), payload.get("removed")
    if not (
        isinstance(slots, Sequence)
        and isinstance(added, Sequence)
        and isinstance(removed, Sequence)
    ):
        return None
    return {(int(d), int(s)) for d, s, *_ in slots}, (added, removed)
