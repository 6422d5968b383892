"""Typed event bus: one bus per schedule, plus a process-wide bus that observes them all.

An :class:`EventBus` publishes :class:`Event` records of a known type (see
:data:`EVENT_TYPES`) to subscribers chosen by type, glob pattern and predicate. A schedule's
bus forwards every event it publishes to its parent bus, which by default is the process-wide
:data:`GLOBAL_BUS`; the event keeps its ``schedule_id`` and ``seq`` so observers of the global bus
can tell schedules apart. Two schedule buses never see each other's events.

Guarantees
----------
* ``seq`` is assigned per bus, starts at 1 and increases by exactly one per published event; the
  bounded history keeps a bus's own events in ``seq`` order. A parent keeps the events forwarded
  by its children (with their own ``seq``) in arrival order, interleaved with its own.
* Each event reaches the publishing bus's subscribers first, then its parent's (and so on up).
* A listener that raises :class:`Exception` never breaks :meth:`EventBus.publish`: the error is
  counted, kept (see :meth:`EventBus.errors`), logged on the ``rtsched_widgets.events`` logger and
  passed to the optional ``on_error`` callback. Other listeners still receive the event.
  ``BaseException`` subclasses that are not ``Exception`` (``KeyboardInterrupt``) propagate.
* Within one thread, every listener sees the events of a bus in ``seq`` order: an event published
  by a listener while the bus is dispatching (on the same thread) is queued and delivered once
  the current event has reached all of its subscribers. ``publish`` still returns the new event
  immediately in that case. Events published concurrently from several threads are each
  delivered completely, but deliveries of different threads may interleave.
* Subscribing and cancelling are thread-safe; callbacks run without any bus lock held, on the
  publishing thread, so a listener may subscribe, cancel or publish.

Cost
----
A bus and every bus forwarding to it share one lock: a publish stamps its event and keeps it
in the history of its bus and of each ancestor in one critical section. The histories keep
compact rows (a tuple per event, shared by the buses that keep it), from which the
:class:`Event` objects are built when a history is read (:meth:`EventBus.query`,
:meth:`EventBus.to_frame`); a publisher that can build its payload later hands over what it
is built from (:meth:`EventBus.publish_built`). An event is built at publication only when a
bus on its way up has a listener, found without a search when the tree has none; so an event
nobody listens to costs its rows and its counts.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
import time as _time
import traceback
import weakref
from _thread import get_ident as _get_ident
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType, MethodType, TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

from rtsched_widgets._drafts import frozen_builder
from rtsched_widgets.limits import EVENT_HISTORY_BYTES, abbreviate

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVENT_TYPES",
    "GLOBAL_BUS",
    "Event",
    "EventBus",
    "EventStream",
    "ListenerError",
    "Subscription",
    "global_bus",
]

logger = logging.getLogger("rtsched_widgets.events")

#: The event types every bus accepts. A bus may allow more with ``extra_types``.
EVENT_TYPES: frozenset[str] = frozenset(
    {
        "assigned",
        "unassigned",
        "swapped",
        "moved",
        "bulk_applied",
        "op_rejected",
        "violations_changed",
        "validated",
        "undone",
        "redone",
        "generation_started",
        "generation_progress",
        "generation_finished",
        "solver_started",
        "solver_progress",
        "solver_improved",
        "solver_finished",
        "availability_changed",
        "worker_added",
        "worker_updated",
        "worker_removed",
        "user_joined",
        "user_left",
        "presence",
        "lock_acquired",
        "lock_released",
        "conflict_detected",
        "conflict_resolved",
        "remote_applied",
    }
)

ROSTER_EVENTS: tuple[str, ...] = (
    "assigned",
    "unassigned",
    "swapped",
    "moved",
    "bulk_applied",
    "undone",
    "redone",
    "remote_applied",
    "generation_finished",
)
"""The events published when an edit changed the roster (whoever made it, in any process).

Their payload (``Event.payload``) holds:

* ``op_id``, ``version``, ``kind``, ``forced``, ``replaced`` (worker ids), ``base_version``,
  ``undoes`` (undo/redo), plus what the edit's author added (``job``, ``strategy``, ...);
* ``cells`` — ``[ISO date, post, slot, new worker id or None]`` per changed slot (names, for
  people and logs);
* ``slots`` — the same slots as indices, in the same order: ``(day, post, slot, old worker,
  new worker)`` tuples (day: calendar index; post: shift type index; slot: index within the
  cell; workers: index into ``problem.workers``, -1 = empty). A view patches exactly these
  cells, without re-deriving indices from dates;
* ``introduced`` / ``resolved`` — how many violations the edit added / removed (ints);
* ``added`` / ``removed`` — those violations: the rule engine's ``Delta`` records
  (``rules.base.Violation``: ``key``, ``rule``, ``severity``, ``workers``, ``dates``,
  ``post``, ``message``, ``penalty``). Removing ``removed`` (by key) from the violations
  before the edit and adding ``added`` gives the violations after it; a violation whose
  penalty changed appears in both.

``violations_changed`` (published after such an event when violations changed) carries
``op_id``, ``version``, ``introduced``, ``resolved``, ``hard_delta``, ``soft_delta`` and the
same ``slots``, ``added`` and ``removed``. The sequences are shared with the engine's result
(``OpResult.slots``, ``OpResult.introduced``/``resolved``): read them, never modify them.

``slots``, ``added`` and ``removed`` are *live* entries (``EventBus.publish_owned(...,
live=...)``, ``EventBus.publish_built(..., live, live_args)``): listeners receive them as the
event is delivered; the buses' histories (:meth:`EventBus.query`, :meth:`EventBus.to_frame`,
the process-wide bus) keep the event without them, so the bounded histories do not hold every
recent edit's violation records. The engine publishes these events with
:meth:`EventBus.publish_built`: the payload is built when a listener or a history reader
needs it, and the violation records (built by the rule engine when first read) are read for
the counts then, not at every edit.
"""

_GLOB_CHARS = frozenset("*?[")
_EVENT_BYTES = 256  # an Event, its payload mapping and its dict, give or take
_ITEM_BYTES = 96  # one item of a long container in a payload (a small list or dict)


def event_bytes(payload: Mapping[str, Any], user: str | None) -> int:
    """The estimated bytes an event with ``payload`` and ``user`` holds (what
    ``history_bytes`` counts): a fixed 256 per event, the characters of its user, of the
    strings in its payload and of the strings in its short lists, tuples and dicts
    (at most 8 items), and 96 per item of a container (the cells of a bulk edit, say).

    Cheap by design (a few hundred nanoseconds for an edit's payload): it runs on every
    publish. Strings shared with the schedule (worker ids, dates) are counted as if owned.
    """
    n = _EVENT_BYTES if user is None else _EVENT_BYTES + len(user)
    for v in payload.values():
        c = v.__class__
        if c is int or c is bool or v is None or c is float:  # most entries: counted in 256
            continue
        if c is str:
            n += len(v)
        elif c is list or c is tuple or c is dict:
            size = len(v)
            n += _ITEM_BYTES * size
            if 0 < size <= 8:
                for x in v.values() if c is dict else v:
                    if x.__class__ is str:
                        n += len(x)
    return n


def plain_event_bytes(user: str | None, chars: int, items: int) -> int:
    """:func:`event_bytes` of a payload whose ``str`` values (of class ``str``) are at its
    top level and hold ``chars`` characters in all, whose lists, tuples and dicts hold
    ``items`` items in all, none of them of class ``str``, and whose other values are
    anything else (numbers, bools, None) — an edit's events, say: a publisher that knows its
    payload's shape hands this to :meth:`EventBus.publish_owned` instead of having it
    estimated entry by entry."""
    n = _EVENT_BYTES + chars + _ITEM_BYTES * items
    return n if user is None else n + len(user)


_RATE_WINDOW_S = 60


@dataclass(frozen=True, slots=True)
class Event:
    """One published event.

    ``type`` is one of the bus's allowed types; ``payload`` is a read-only mapping (a copy of
    what the publisher passed; for the roster-change events see :data:`ROSTER_EVENTS`);
    ``user`` is who caused it (``None`` for the system); ``time`` is ``time.time()`` at
    publication (seconds since the epoch, UTC); ``seq`` is the publishing bus's sequence number
    (1, 2, 3, ...); ``schedule_id`` is the publishing bus's schedule id, also when the event is
    observed on a parent bus.
    """

    type: str
    payload: Mapping[str, Any]
    user: str | None
    time: float
    seq: int
    schedule_id: str | None


# publish() builds its Event through a draft (see rtsched_widgets._drafts): the same frozen
# record as Event(...), in a third of the time.
_new_event = frozen_builder(Event, ("type", "payload", "user", "time", "seq", "schedule_id"))

PayloadBuilder: TypeAlias = Callable[[Any], dict[str, Any]]
"""Builds an event's payload from what its publisher handed over (see
:meth:`EventBus.publish_built`)."""
LiveBuilder: TypeAlias = Callable[[Any], Mapping[str, Any]]
"""Builds an event's live entries from what its publisher handed over, at delivery."""


def _given(live: Mapping[str, Any]) -> Mapping[str, Any]:
    """The live entries of :meth:`EventBus.publish_owned`: handed over built."""
    return live


Row: TypeAlias = tuple[
    str, Any, "str | None", float, int, "str | None", int, "PayloadBuilder | None"
]
"""A kept event: ``(type, payload or its builder's argument, user, time, seq, schedule_id,
size, builder or None)``. The histories hold rows, not :class:`Event` objects: an event is
built from its row when the history is read (:meth:`EventBus.query`), so publishing an event
nobody listens to allocates one tuple."""

PairRow: TypeAlias = tuple[
    str,
    Any,
    "str | None",
    float,
    int,
    "str | None",
    int,
    "PayloadBuilder | None",
    str,
    int,
    "PayloadBuilder | None",
]
"""Two events published together (:meth:`EventBus.publish_built_pair`) kept as one row: the
first event's :data:`Row` followed by the second's ``type``, ``size`` and builder; the second
has the first's argument, user, time and schedule id, and the next ``seq``. A history holds
both kinds of rows; it is read as the events they stand for (:func:`_events_of_rows`)."""

_PAIR = 11  # the length of a PairRow (a Row has 8 items)


def _second_of(row: PairRow) -> Row:
    """The second event of a :data:`PairRow` as a :data:`Row`."""
    return (row[8], row[1], row[2], row[3], row[4] + 1, row[5], row[9], row[10])


def _count_row(counts: dict[str, int], row: Row | PairRow) -> None:
    """Add the events of ``row`` (one, or two for a :data:`PairRow`) to ``counts`` (per
    type)."""
    counts[row[0]] = counts.get(row[0], 0) + 1
    if len(row) == _PAIR:
        then = row[8]  # type: ignore[misc]
        counts[then] = counts.get(then, 0) + 1


def _events_of_rows(rows: Iterable[Row | PairRow]) -> list[Row]:
    """The kept events that ``rows`` (a history's rows, oldest first) stand for, as rows."""
    out: list[Row] = []
    for row in rows:
        if len(row) == _PAIR:
            out.append(row[:8])
            out.append(_second_of(row))  # type: ignore[arg-type]
        else:
            out.append(row)  # type: ignore[arg-type]
    return out


def _payload_of(row: Row) -> dict[str, Any]:
    """The payload dict of a kept event (built again on each call for a built payload)."""
    build = row[7]
    return row[1] if build is None else build(row[1])


def _event_of(row: Row) -> Event:
    """The :class:`Event` a row stands for (the payload without live entries)."""
    return _new_event(row[0], MappingProxyType(_payload_of(row)), row[2], row[3], row[4], row[5])


@dataclass(frozen=True, slots=True)
class ListenerError:
    """A listener (or ``where`` predicate) raised while an event was delivered.

    ``listener`` is the listener's qualified name, ``event_type`` and ``seq`` identify the event,
    ``error`` is ``repr(exception)``, ``traceback`` the formatted traceback, ``time`` when it
    happened (``time.time()``) and ``event`` the event itself.
    """

    listener: str
    event_type: str
    seq: int
    error: str
    traceback: str
    time: float
    event: Event


Listener: TypeAlias = Callable[[Event], Any]
Predicate: TypeAlias = Callable[[Event], bool]
Patterns: TypeAlias = str | tuple[str, ...] | list[str]


def _listener_name(fn: object) -> str:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None:
        return repr(fn)
    module = getattr(fn, "__module__", None)
    return f"{module}.{name}" if module else str(name)


class Subscription:
    """A listener registered on a bus; cancel it to stop receiving events.

    Usable as a context manager: the subscription is cancelled on exit. ``cancel()`` is
    idempotent and thread-safe. A weak subscription cancels itself once its listener is garbage
    collected.
    """

    __slots__ = (
        "__weakref__",
        "_active",
        "_bus",
        "_fn",
        "_func",
        "_once",
        "_ref",
        "listener_name",
        "patterns",
        "where",
    )

    def __init__(
        self,
        bus: EventBus,
        patterns: tuple[str, ...],
        fn: Listener,
        where: Predicate | None,
        weak: bool,
        once: bool,
    ) -> None:
        self._bus = bus
        self.patterns = patterns
        self.where = where
        self._once = once
        self._active = True
        self.listener_name = _listener_name(fn)
        self._fn: Listener | None
        self._ref: Callable[[], Any] | None
        # For a weak bound method: the plain function; the object is held by ``_ref``.
        self._func: Callable[..., Any] | None = None
        if weak:
            self._fn = None
            self_ref = weakref.ref(self)

            def _on_dead(_: object) -> None:
                sub = self_ref()
                if sub is not None:
                    sub._listener_died()

            try:
                if isinstance(fn, MethodType):
                    # Like weakref.WeakMethod, without its Python-level __call__ per delivery.
                    self._ref = weakref.ref(fn.__self__, _on_dead)
                    self._func = fn.__func__
                else:
                    self._ref = weakref.ref(fn, _on_dead)
            except TypeError as exc:
                raise TypeError(
                    f"weak=True needs a listener that supports weak references; "
                    f"{self.listener_name} does not — subscribe it with weak=False"
                ) from exc
        else:
            self._fn = fn
            self._ref = None

    @property
    def active(self) -> bool:
        """True until cancelled (explicitly, after a ``once`` delivery, or weak listener died)."""
        return self._active

    @property
    def weak(self) -> bool:
        """True when the listener is held by a weak reference."""
        return self._ref is not None

    @property
    def once(self) -> bool:
        """True when the subscription cancels itself after its first delivery."""
        return self._once

    def matches(self, event_type: str) -> bool:
        """True when ``event_type`` matches one of the patterns (``fnmatch.fnmatchcase``)."""
        return any(fnmatch.fnmatchcase(event_type, p) for p in self.patterns)

    def cancel(self) -> None:
        """Stop delivering events to this listener (idempotent)."""
        if self._active:
            self._active = False
            self._bus._remove(self)

    def _listener_died(self) -> None:
        # Runs from a weakref callback, possibly while this thread holds the bus lock (a
        # collection triggered inside a critical section); never take the lock here.
        self._active = False
        self._bus._invalidate()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def __repr__(self) -> str:
        state = "active" if self._active else "cancelled"
        return (
            f"<Subscription {self.listener_name} patterns={self.patterns!r} "
            f"weak={self.weak} once={self._once} {state}>"
        )


_CLOSED = object()
_NO_SELF = object()


class EventStream:
    """Async iterator over a bus's events, fed through a bounded :class:`asyncio.Queue`.

    Created by :meth:`EventBus.stream` inside a running event loop; events published from any
    thread are handed to the loop with ``loop.call_soon_threadsafe``. When the queue is full the
    oldest queued event is dropped (counted in :attr:`dropped`). The iteration ends after
    :meth:`aclose`/:meth:`close`; leaving an ``async for`` with ``break`` and dropping the stream
    also ends the subscription (the bus holds the stream weakly). Also an async context manager.
    """

    def __init__(
        self,
        bus: EventBus,
        patterns: Patterns,
        where: Predicate | None,
        maxsize: int,
    ) -> None:
        if not isinstance(maxsize, int) or isinstance(maxsize, bool) or maxsize < 1:
            raise ValueError(f"maxsize must be a positive int, got {maxsize!r}")
        import asyncio  # here: only a stream needs it (and it pulls in ssl, ~2 MiB)

        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "EventBus.stream() must be called inside a running asyncio event loop "
                "(e.g. in an `async def` run by asyncio.run or a notebook cell)"
            ) from None
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize)
        self._closed = False
        self.dropped = 0
        self._sub = bus.subscribe(patterns, self._feed, where=where, weak=True)

    @property
    def closed(self) -> bool:
        """True once closed; queued events are still returned before the iteration ends."""
        return self._closed

    def _feed(self, event: Event) -> None:
        if self._closed:
            return
        try:
            self._loop.call_soon_threadsafe(self._put, event)
        except RuntimeError:  # the loop is closed: nobody can consume any more
            self._closed = True
            self._sub.cancel()

    def _put(self, item: object) -> None:
        queue = self._queue
        if queue.full():
            queue.get_nowait()
            self.dropped += 1
        queue.put_nowait(item)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Cancel the subscription and end the iteration (call on the loop's thread)."""
        if self._closed:
            return
        self._closed = True
        self._sub.cancel()
        # Wake a pending __anext__; if the queue is full a waiter cannot exist.
        if not self._queue.full():
            self._queue.put_nowait(_CLOSED)

    async def aclose(self) -> None:
        """Async form of :meth:`close`."""
        self.close()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        sub = getattr(self, "_sub", None)
        if sub is not None:
            sub.cancel()


def _as_epoch(value: float | datetime | None, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc)) "
                "or seconds since the epoch"
            )
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be seconds since the epoch or an aware datetime")
    return float(value)


class _Tree:
    """What the buses of one tree (a root and every bus forwarding to it) share: the lock
    a publish stamps its event and keeps it in the histories of its bus and of every ancestor
    under (one critical section), and how many subscriptions are active in the tree (at
    least: a weak listener's death is not counted), so a publish in a tree nobody listens
    to looks for no listener."""

    __slots__ = ("listeners", "lock")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.listeners = 0


class EventBus:
    """Publish typed :class:`Event` records to subscribers; keep a bounded history.

    ``schedule_id`` labels every event this bus publishes. ``history_size`` bounds the history
    in events and ``history_bytes`` (default
    :data:`~rtsched_widgets.limits.EVENT_HISTORY_BYTES`, 64 MiB; ``None``: no bound) in
    bytes; the oldest events are forgotten first, and an event larger than ``history_bytes``
    on its own is delivered but not kept. The bytes are an estimate (see
    :func:`event_bytes`): what the events' strings and containers take, not what they share
    with the rest of the process. ``parent`` receives every event after this bus's
    own subscribers: ``None`` means the process-wide :data:`GLOBAL_BUS`; pass
    ``forward=False`` for a bus that forwards nowhere. ``extra_types`` adds allowed event types
    to :data:`EVENT_TYPES` (also made known to the ancestors so they can subscribe to them).
    ``on_error(error)`` is called with a :class:`ListenerError` when a listener fails;
    ``max_errors`` bounds the kept errors.
    """

    def __init__(
        self,
        schedule_id: str | None = None,
        history_size: int = 10_000,
        parent: EventBus | None = None,
        *,
        forward: bool = True,
        extra_types: Iterable[str] = (),
        on_error: Callable[[ListenerError], Any] | None = None,
        max_errors: int = 100,
        history_bytes: int | None = EVENT_HISTORY_BYTES,
    ) -> None:
        if history_bytes is not None and (
            not isinstance(history_bytes, int)
            or isinstance(history_bytes, bool)
            or history_bytes < 0
        ):
            raise ValueError(
                f"history_bytes must be a non-negative int or None, got {abbreviate(history_bytes)}"
            )
        if schedule_id is not None and not isinstance(schedule_id, str):
            raise TypeError(f"schedule_id must be a str or None, got {type(schedule_id).__name__}")
        for name, value in (("history_size", history_size), ("max_errors", max_errors)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if on_error is not None and not callable(on_error):
            raise TypeError("on_error must be callable or None")
        extra = tuple(extra_types)
        for t in extra:
            if not isinstance(t, str) or not t or _GLOB_CHARS & set(t):
                raise ValueError(f"extra_types entries must be non-empty plain names, got {t!r}")
        if parent is not None and not forward:
            raise ValueError("give either a parent or forward=False, not both")
        if parent is not None and not isinstance(parent, EventBus):
            raise TypeError(f"parent must be an EventBus, got {type(parent).__name__}")
        self.schedule_id = schedule_id
        self.history_size = history_size
        self.history_bytes = history_bytes
        self.on_error = on_error
        self._allowed: frozenset[str] = EVENT_TYPES | frozenset(extra)
        self._known: set[str] = set(self._allowed)  # allowed + types forwarded by children
        self._parent: EventBus | None
        self._tree: _Tree
        if forward:
            self._parent = parent if parent is not None else global_bus()
            self._parent._learn_types(self._allowed)
            self._tree = self._parent._tree
        else:
            self._parent = None
            self._tree = _Tree()
        self._subs: tuple[Subscription, ...] = ()
        self._cache: dict[str, tuple[Subscription, ...]] = {}
        # the kept events, oldest first, as rows (a pair row stands for two events)
        self._history: deque[Row | PairRow] = deque()
        self._kept = 0  # the events the rows stand for (at most history_size)
        self._bytes = 0  # the sum of the kept events' sizes
        self._errors: deque[ListenerError] = deque(maxlen=max_errors)
        self._seq = 0
        # events per type published here or received from children that the history does
        # not hold (written with the lock held): those never kept (no history, or larger
        # than history_bytes) counted when published, kept ones when they leave the history
        # (_trim, clear_history). What the history holds is counted when read (stats): an
        # event kept costs its row and no count on the edit path. A plain dict, whose
        # subscript is quicker than a defaultdict's; a type's first event adds its key
        self._counts: dict[str, int] = {}
        # listener calls that returned normally, per thread (written without the lock, each
        # by its thread)
        self._delivered_by_thread: dict[int, int] = {}
        # Thread id -> events queued while that thread is dispatching (see _dispatch).
        self._pending_by_thread: dict[int, list[Event]] = {}
        self._listener_errors = 0
        self._created = _time.time()

    # ------------------------------------------------------------------ properties
    @property
    def _lock(self) -> threading.RLock:
        """The lock of this bus's tree (see :class:`_Tree`)."""
        return self._tree.lock

    @property
    def parent(self) -> EventBus | None:
        """The bus this one forwards its events to (``None``: forwards nowhere)."""
        return self._parent

    @property
    def allowed_types(self) -> frozenset[str]:
        """The event types :meth:`publish` accepts on this bus."""
        return self._allowed

    @property
    def last_seq(self) -> int:
        """The ``seq`` of the last event published on this bus (0 before any)."""
        return self._seq

    def _learn_types(self, types: Iterable[str]) -> None:
        with self._lock:
            self._known.update(types)
        if self._parent is not None:
            self._parent._learn_types(types)

    # ------------------------------------------------------------------ subscribing
    def _normalise_patterns(self, patterns: object) -> tuple[str, ...]:
        if isinstance(patterns, str):
            items: tuple[object, ...] = (patterns,)
        elif isinstance(patterns, tuple | list | set | frozenset):
            items = tuple(patterns)
            if not items:
                raise ValueError("pattern tuple is empty; pass '*' to receive every event")
        else:
            raise TypeError(
                "the first argument must be an event type, a glob pattern or a tuple of them, "
                f"got {type(patterns).__name__}"
            )
        with self._lock:
            known = set(self._known)
        for p in items:
            if not isinstance(p, str) or not p:
                raise TypeError(f"event patterns must be non-empty strings, got {p!r}")
            if _GLOB_CHARS & set(p):
                if not any(fnmatch.fnmatchcase(t, p) for t in known):
                    raise ValueError(
                        f"pattern {p!r} matches no known event type; known types: "
                        f"{', '.join(sorted(known))}"
                    )
            elif p not in known:
                raise ValueError(
                    f"unknown event type {p!r}; known types: {', '.join(sorted(known))}"
                )
        return tuple(items)  # type: ignore[arg-type]

    def subscribe(
        self,
        pattern_or_type: Patterns | Listener = "*",
        fn: Listener | None = None,
        *,
        where: Predicate | None = None,
        weak: bool = False,
        once: bool = False,
    ) -> Subscription:
        """Call ``fn(event)`` for every event whose type matches; return the subscription.

        ``pattern_or_type`` is an exact type (``"assigned"``), a glob pattern matched with
        ``fnmatch.fnmatchcase`` (``"gen*"``, ``"*"``), or a tuple/list of them; an exact type or
        a pattern that matches no known type is a ValueError (catches typos). ``subscribe(fn)``
        is short for ``subscribe("*", fn)``. ``where(event)`` must be true for the event to be
        delivered (a raising predicate counts as a listener error). ``weak=True`` holds ``fn``
        by a weak reference (for a bound method, its object, as ``weakref.WeakMethod`` does):
        once ``fn`` (or its object) is garbage collected the subscription cancels itself — a
        lambda subscribed weakly dies at once, keep a reference to it. ``once=True`` cancels the
        subscription just before its first delivery. Listeners are called in subscription order.
        """
        if fn is None:
            if callable(pattern_or_type) and not isinstance(pattern_or_type, str):
                fn, pattern_or_type = pattern_or_type, "*"
            else:
                raise TypeError("subscribe() needs a listener: subscribe(pattern, fn)")
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        if where is not None and not callable(where):
            raise TypeError(f"where must be callable or None, got {type(where).__name__}")
        patterns = self._normalise_patterns(pattern_or_type)
        sub = Subscription(self, patterns, fn, where, bool(weak), bool(once))
        with self._lock:
            self._subs = (*(s for s in self._subs if s._active), sub)
            self._cache = {}
            self._tree.listeners += 1
        return sub

    def _remove(self, sub: Subscription) -> None:
        """Drop ``sub``, just made inactive by its cancellation or its ``once`` delivery."""
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub and s._active)
            self._cache = {}
            self._tree.listeners -= 1

    def _invalidate(self) -> None:
        # Rebinding is atomic; a rebuild running concurrently fills a dict nobody reads again.
        self._cache = {}

    def _matching(self, event_type: str) -> tuple[Subscription, ...]:
        with self._lock:
            cache = self._cache
            subs = tuple(s for s in self._subs if s._active and s.matches(event_type))
            cache[event_type] = subs
            return subs

    def subscriptions(self) -> list[Subscription]:
        """The active subscriptions, in subscription order."""
        with self._lock:
            return [s for s in self._subs if s._active]

    def close(self) -> None:
        """Cancel every subscription of this bus (its history and stats are kept)."""
        with self._lock:
            subs, self._subs, self._cache = self._subs, (), {}
            for s in subs:
                if s._active:
                    s._active = False
                    self._tree.listeners -= 1

    # ------------------------------------------------------------------ publishing
    def publish(
        self,
        type: str,
        payload: Mapping[str, Any] | None = None,
        user: str | None = None,
    ) -> Event:
        """Publish an event of ``type`` and return it (after delivery, see the module notes).

        ``type`` must be an allowed type (ValueError naming the valid ones otherwise);
        ``payload`` a mapping (copied into a read-only mapping) or ``None``; ``user`` a str or
        ``None``. Delivery order: this bus's subscribers in subscription order, then the parent.
        """
        if type not in self._allowed:
            if not isinstance(type, str):
                raise TypeError(f"event type must be a str, got {type.__class__.__name__}")
            raise ValueError(
                f"unknown event type {type!r}; valid types: {', '.join(sorted(self._allowed))}"
            )
        if payload is None:
            owned: dict[str, Any] = {}
        elif isinstance(payload, Mapping):
            owned = dict(payload)
        else:
            raise TypeError(f"payload must be a mapping or None, got {payload.__class__.__name__}")
        if user is not None and user.__class__ is not str and not isinstance(user, str):
            raise TypeError(f"user must be a str or None, got {user.__class__.__name__}")
        return self.publish_owned(type, owned, user)

    def publish_owned(
        self,
        type: str,
        payload: dict[str, Any],
        user: str | None,
        live: Mapping[str, Any] | None = None,
        size: int | None = None,
    ) -> Event:
        """``publish`` for a caller that hands ``payload`` over: a fresh dict it never touches
        again (the event wraps it read-only instead of copying it). ``type`` must be allowed;
        ``user`` a str or None (not checked again: the caller guarantees it).

        ``live``: entries for the listeners only. The event delivered has ``payload`` plus
        ``live``; the history of this bus and of its parents keeps the same event (same
        ``seq``, ``time``) with ``payload`` alone, so what a listener needs at delivery to
        patch a view (an edit's violation records, its slot indices) is not held by the
        bounded histories (see :data:`ROSTER_EVENTS`). The event with ``live`` is built only
        when a bus on the way up has a listener. ``size``: ``event_bytes(payload, user)``
        when the caller knows it (see :func:`plain_event_bytes`; it must be that value: the
        histories count it). Returns the event as kept (without ``live``): the one delivered
        when there are no live entries."""
        if type not in self._allowed:
            return self.publish(type, {**payload, **(live or {})}, user)  # the usual error
        row, delivered = self._emit(type, payload, None, user, _given if live else None, live, size)
        return delivered if delivered is not None and not live else _event_of(row)

    def publish_built(
        self,
        type: str,
        build: PayloadBuilder,
        args: Any,
        user: str | None,
        size: int,
        live: LiveBuilder | None = None,
        live_args: Any = None,
    ) -> None:
        """:meth:`publish_owned` of the payload ``build(args)`` with the live entries
        ``live(live_args)``, each built only when needed: the live entries and the payload
        when a bus on the way up has a listener (the payload is then built once, for the
        listeners and the histories), the payload otherwise when someone reads a history
        (:meth:`query`, :meth:`to_frame`; each read builds it afresh from ``args``, which the
        histories keep instead; ``live_args`` is not kept). ``build`` must give equal
        payloads from ``args`` every time (a module-level function, say; it may keep in
        ``args`` what it worked out, for the next read); ``size`` is
        ``event_bytes(build(args), user)``. What listeners and histories see is what
        :meth:`publish_owned` of ``build(args)`` would give them; an event nobody listens to
        costs its history rows and its counts."""
        if type not in self._allowed:
            live_entries = live(live_args) if live is not None else {}
            self.publish(type, {**build(args), **live_entries}, user)  # the usual error
        self._emit(type, args, build, user, live, live_args, size)

    def publish_built_pair(
        self,
        type: str,
        build: PayloadBuilder,
        size: int,
        then: str | None,
        then_build: PayloadBuilder,
        then_size: int,
        args: Any,
        user: str | None,
        live: LiveBuilder | None = None,
        live_args: Any = None,
    ) -> None:
        """:meth:`publish_built` of ``type`` (``build``, ``size``), then — when ``then`` is
        not None — of ``then`` (``then_build``, ``then_size``), both from ``args`` with the
        same ``user`` and live entries: an edit's event and its ``violations_changed``.

        What listeners and histories see is what the two calls would give them. When nobody
        listens anywhere in the tree (no delivery can come between the two events), both are
        stamped (consecutive ``seq``, one ``time``) and kept in the histories of this bus and
        of every ancestor in one critical section, so the pair never interleaves with an
        event published by another thread; otherwise it is the two calls."""
        tree = self._tree
        allowed = self._allowed
        if tree.listeners or type not in allowed or (then is not None and then not in allowed):
            self.publish_built(type, build, args, user, size, live, live_args)
            if then is not None:
                self.publish_built(then, then_build, args, user, then_size, live, live_args)
            return
        lock = tree.lock
        lock.acquire()
        try:
            seq = self._seq + 1
            if then is None:
                self._seq = seq
                row: Row | PairRow = (
                    type,
                    args,
                    user,
                    _time.time(),
                    seq,
                    self.schedule_id,
                    size,
                    build,
                )
                events, total = 1, size
            else:
                self._seq = seq + 1
                row = (
                    type,
                    args,
                    user,
                    _time.time(),
                    seq,
                    self.schedule_id,
                    size,
                    build,
                    then,
                    then_size,
                    then_build,
                )
                events, total = 2, size + then_size
            bus = self
            while True:  # keep the row in this bus's history and in each ancestor's
                if bus.history_size:  # counted when it leaves the history or stats() reads it
                    bus._history.append(row)
                    bus._kept += events
                    bus._bytes += total
                    if bus._kept > bus.history_size or (
                        bus.history_bytes is not None and bus._bytes > bus.history_bytes
                    ):
                        bus._trim()
                else:  # not kept: counted now
                    _count_row(bus._counts, row)
                parent = bus._parent
                if parent is None:
                    break
                bus = parent
        finally:
            lock.release()

    def _emit(
        self,
        type: str,
        payload: Any,
        build: PayloadBuilder | None,
        user: str | None,
        live: LiveBuilder | None,
        live_args: Any,
        size: int | None,
    ) -> tuple[Row, Event | None]:
        """Stamp an event of an allowed ``type``, keep its row in the history of this bus and
        of every ancestor (one critical section: the tree's lock), count it, and deliver it
        from the first bus on the way up that has a listener. ``payload``: the payload dict,
        or ``build``'s argument when ``build`` is given; ``live``: builds the live entries
        from ``live_args``. Returns the row and the event delivered (None when nobody
        listens)."""
        tree = self._tree
        listening: EventBus | None = None
        if tree.listeners:  # someone listens somewhere in the tree: the first bus up that does
            listening = self
            while listening is not None and not (listening._subs or listening._pending_by_thread):
                listening = listening._parent
            if listening is not None and build is not None:  # built once, for all
                payload, build = build(payload), None
        lock = tree.lock
        lock.acquire()
        try:
            if size is None:
                size = event_bytes(payload if build is None else build(payload), user)
            self._seq = seq = self._seq + 1
            row: Row = (type, payload, user, _time.time(), seq, self.schedule_id, size, build)
            bus = self
            while True:
                n = bus.history_size
                if n:  # keep the row: this runs for every event on every bus up the tree
                    bus._history.append(row)  # (counted when it leaves or stats() reads it)
                    bus._kept += 1
                    bus._bytes += size
                    if bus._kept > n or (
                        bus.history_bytes is not None and bus._bytes > bus.history_bytes
                    ):
                        bus._trim()
                else:  # not kept: counted now
                    counts = bus._counts
                    try:
                        counts[type] += 1
                    except KeyError:
                        counts[type] = 1
                parent = bus._parent
                if parent is None:
                    break
                bus = parent
        finally:
            lock.release()
        if listening is None:
            return row, None
        full: dict[str, Any] = payload
        if live is not None:
            full = {**payload, **live(live_args)}
        event = _new_event(type, MappingProxyType(full), user, row[3], seq, self.schedule_id)
        listening._dispatch(event, _get_ident())
        return row, event

    def _trim(self) -> None:
        """Forget the oldest events until the history holds at most ``history_size`` events
        and, when ``history_bytes`` is set, at most that many bytes (call with the lock held).
        A pair row whose first event goes and whose second stays is replaced by the
        second's row. The events forgotten are counted (``_counts``) as they go."""
        history, n, limit = self._history, self.history_size, self.history_bytes
        counts = self._counts
        while history and (self._kept > n or (limit is not None and self._bytes > limit)):
            row = history.popleft()
            self._kept -= 1
            self._bytes -= row[6]
            counts[row[0]] = counts.get(row[0], 0) + 1
            if len(row) == _PAIR:
                second = row[9]  # type: ignore[misc]
                if self._kept > n or (limit is not None and self._bytes > limit):
                    self._kept -= 1  # the second goes too
                    self._bytes -= second
                    then = row[8]  # type: ignore[misc]
                    counts[then] = counts.get(then, 0) + 1
                else:
                    history.appendleft(_second_of(row))  # type: ignore[arg-type]

    def _dispatch(self, event: Event, ident: int) -> None:
        """Deliver ``event`` (kept already by every bus on its way up) to this bus's
        listeners, then to its ancestors'; queued instead when thread ``ident`` is
        dispatching on this bus already (delivered once the current event is)."""
        pending_by_thread = self._pending_by_thread
        pending = pending_by_thread.get(ident)
        if pending is not None:  # a listener on this thread published: deliver afterwards
            pending.append(event)
            return
        parent = self._parent
        if not self._subs:  # nobody listens here
            if parent is not None:
                parent._dispatch(event, ident)
            return
        pending = pending_by_thread[ident] = []
        try:
            delivered = self._deliver(event)
            if parent is not None:
                parent._dispatch(event, ident)
            while pending:
                queued = pending.pop(0)
                delivered += self._deliver(queued)
                if parent is not None:
                    parent._dispatch(queued, ident)
        finally:
            del pending_by_thread[ident]
        if delivered:
            by_thread = self._delivered_by_thread
            by_thread[ident] = by_thread.get(ident, 0) + delivered

    def _deliver(self, event: Event) -> int:
        subs = self._cache.get(event.type)
        if subs is None:
            subs = self._matching(event.type)
        delivered = 0
        for sub in subs:
            if not sub._active:
                continue
            fn: Callable[..., Any] | None = sub._fn
            obj: Any = _NO_SELF
            if fn is None:  # weak: a dead listener is skipped (its subscription cancels itself)
                obj = sub._ref()  # type: ignore[misc]
                if obj is None:
                    continue
                fn = sub._func
                if fn is None:
                    fn, obj = obj, _NO_SELF
            try:
                if sub.where is not None and not sub.where(event):
                    continue
                if sub._once:
                    with self._lock:
                        if not sub._active:
                            continue
                        sub._active = False
                    self._remove(sub)
                if obj is _NO_SELF:
                    fn(event)
                else:  # weak bound method: call its function with the live object
                    fn(obj, event)
                delivered += 1
            except Exception as exc:
                self._listener_failed(sub, event, exc)
        return delivered

    def _listener_failed(self, sub: Subscription, event: Event, exc: Exception) -> None:
        record = ListenerError(
            listener=sub.listener_name,
            event_type=event.type,
            seq=event.seq,
            error=repr(exc),
            traceback="".join(traceback.format_exception(exc)),
            time=_time.time(),
            event=event,
        )
        with self._lock:
            self._listener_errors += 1
            self._errors.append(record)
        logger.error(
            "event listener %s failed on %r (seq %d, schedule %r): %r",
            record.listener,
            event.type,
            event.seq,
            event.schedule_id,
            exc,
            exc_info=exc,
        )
        if self.on_error is not None:
            try:
                self.on_error(record)
            except Exception:
                logger.exception("the on_error callback of the event bus failed")

    # ------------------------------------------------------------------ async iteration
    def stream(
        self,
        pattern_or_type: Patterns = "*",
        *,
        where: Predicate | None = None,
        maxsize: int = 1000,
    ) -> EventStream:
        """An :class:`EventStream` of the matching events published from now on.

        Call inside a running event loop: ``async for ev in bus.stream("assigned*")``. At most
        ``maxsize`` events wait in the queue; beyond that the oldest is dropped.
        """
        return EventStream(self, pattern_or_type, where, maxsize)

    async def next_event(
        self, pattern_or_type: Patterns = "*", *, where: Predicate | None = None
    ) -> Event:
        """Wait for the next matching event (published from any thread)."""
        async with self.stream(pattern_or_type, where=where, maxsize=1) as s:
            async for ev in s:
                return ev
        raise RuntimeError("event stream closed before an event arrived")  # pragma: no cover

    # ------------------------------------------------------------------ history & stats
    def query(
        self,
        type: Patterns | None = None,
        user: str | None = None,
        since: float | datetime | None = None,
        until: float | datetime | None = None,
        limit: int | None = None,
        *,
        after_seq: int | None = None,
    ) -> list[Event]:
        """Events in the kept history matching every given filter, oldest first.

        ``type``: exact type, glob pattern or tuple of them; ``user``: exact user;
        ``since <= event.time < until`` (epoch seconds or aware datetimes; half-open);
        ``after_seq``: only events with ``seq > after_seq``; ``limit``: at most the newest
        ``limit`` matches (still returned oldest first). Only the last ``history_size`` events
        are kept.
        """
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
        t0 = _as_epoch(since, "since")
        t1 = _as_epoch(until, "until")
        patterns = None if type is None else self._normalise_patterns(type)
        with self._lock:
            rows = _events_of_rows(self._history)
        out: list[Row] = []
        for row in reversed(rows):
            if limit is not None and len(out) >= limit:
                break
            if after_seq is not None and row[4] <= after_seq:
                continue
            if t0 is not None and row[3] < t0:
                continue
            if t1 is not None and row[3] >= t1:
                continue
            if user is not None and row[2] != user:
                continue
            if patterns is not None and not any(fnmatch.fnmatchcase(row[0], p) for p in patterns):
                continue
            out.append(row)
        out.reverse()
        return [_event_of(row) for row in out]

    def to_frame(self, **filters: Any) -> pd.DataFrame:
        """The kept history (optionally filtered as :meth:`query`) as a DataFrame.

        Columns: ``seq`` (int), ``time`` (UTC datetime), ``type``, ``user``, ``schedule_id``,
        ``payload`` (a dict per row); oldest first.
        """
        import pandas as pd

        events = self.query(**filters)
        frame = pd.DataFrame(
            {
                "seq": pd.Series([e.seq for e in events], dtype="int64"),
                "time": pd.to_datetime(
                    pd.Series([e.time for e in events], dtype="float64"), unit="s", utc=True
                ).astype("datetime64[ns, UTC]"),
                "type": pd.Series([e.type for e in events], dtype="object"),
                "user": pd.Series([e.user for e in events], dtype="object"),
                "schedule_id": pd.Series([e.schedule_id for e in events], dtype="object"),
                "payload": pd.Series([dict(e.payload) for e in events], dtype="object"),
            }
        )
        return frame

    def clear_history(self) -> None:
        """Forget the kept events (counters and ``seq`` continue)."""
        with self._lock:
            counts = self._counts
            for row in self._history:  # counted as they go
                _count_row(counts, row)
            self._history.clear()
            self._kept = 0
            self._bytes = 0

    def errors(self) -> list[ListenerError]:
        """The last ``max_errors`` listener failures, oldest first."""
        with self._lock:
            return list(self._errors)

    def stats(self) -> dict[str, Any]:
        """Counters of this bus.

        ``published``: events per type published here or received from children;
        ``published_total``; ``received_from_children``; ``delivered``: listener calls that
        returned normally; ``listener_errors``; ``subscribers``: active subscriptions;
        ``history``: events kept; ``history_bytes``: their estimated size (:func:`event_bytes`);
        ``events_per_second``: kept events stamped within the last
        60 s divided by 60 (by the bus's age when younger, at least 1 s). It is computed from
        the kept history: when that holds less than the last minute (full, oldest event younger
        than 60 s), it is the rate over the span the history covers.
        """
        now = _time.time()
        with self._lock:
            published = dict(self._counts)
            for row in self._history:  # the kept events: counted here (see _counts)
                _count_row(published, row)
            received = sum(published.values()) - self._seq
            errors = self._listener_errors
            subscribers = sum(1 for s in self._subs if s._active)
            times = [row[3] for row in _events_of_rows(self._history)]
            kept_bytes = self._bytes
        cutoff = now - _RATE_WINDOW_S
        recent = 0
        for t in reversed(times):
            if t <= cutoff:
                break
            recent += 1
        if times and len(times) == self.history_size and times[0] > cutoff:
            rate = len(times) / max(now - times[0], 1e-3)
        else:
            rate = recent / min(float(_RATE_WINDOW_S), max(1.0, now - self._created))
        return {
            "published": published,
            "published_total": sum(published.values()),
            "received_from_children": received,
            "delivered": sum(list(self._delivered_by_thread.values())),
            "listener_errors": errors,
            "subscribers": subscribers,
            "history": len(times),
            "history_bytes": kept_bytes,
            "events_per_second": rate,
        }

    def __repr__(self) -> str:
        return (
            f"<EventBus schedule_id={self.schedule_id!r} seq={self._seq} "
            f"subscribers={len(self.subscriptions())}>"
        )


_GLOBAL_BUS: EventBus | None = None
_GLOBAL_LOCK = threading.Lock()


def global_bus() -> EventBus:
    """The process-wide bus: every schedule bus forwards to it unless told otherwise."""
    global _GLOBAL_BUS
    if _GLOBAL_BUS is None:
        with _GLOBAL_LOCK:
            if _GLOBAL_BUS is None:
                _GLOBAL_BUS = EventBus(schedule_id=None, forward=False)
    return _GLOBAL_BUS


def _after_fork_in_child() -> None:
    """A fork copies every lock in the state the parent's other threads held it at that
    instant, and those threads do not exist in the child: the child's process-wide bus and
    every bus forwarding to it (they share its lock) get a fresh lock, so a schedule in the
    child can publish even when the fork landed in the middle of a publish (a change-feed
    thread's, say)."""
    global _GLOBAL_LOCK
    _GLOBAL_LOCK = threading.Lock()
    if _GLOBAL_BUS is not None:
        _GLOBAL_BUS._tree.lock = threading.RLock()


os.register_at_fork(after_in_child=_after_fork_in_child)

#: The process-wide bus (same object as ``global_bus()``).
GLOBAL_BUS: EventBus = global_bus()
