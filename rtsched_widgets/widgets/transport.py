"""Lower-latency kernel websockets for the Jupyter server that serves the widgets.

jupyter_server relays every kernel message to the browser over one websocket per kernel
connection. Two things make a widget message's round trip slow there:

* Tornado turns ``TCP_NODELAY`` off when it finishes an HTTP response, the websocket upgrade
  included, and jupyter_server never turns it back on, so Nagle's algorithm holds back a small
  frame while the previous one awaits its acknowledgement. The kernel answers every widget
  message with a ``busy`` status and then the widget's reply a millisecond later; the reply then
  waits for the browser's delayed ACK of the status (about 40 ms on Linux).
  :class:`NoDelayKernelWebsocketConnection` turns ``TCP_NODELAY`` on.
* The kernel publishes a ``busy`` and an ``idle`` status around every message it handles, widget
  messages included, and JupyterLab redraws on each: the kernel status in the notebook toolbar
  and the status bar (the toolbar then recomputes its focusable items, forcing a layout), the
  busy favicon (fetched from the server each time), the running-sessions panel. On the lab page
  of ``benchmarks/bench_grid.py`` that cost chromium 60-85 ms of CPU per widget message, with the
  page's main thread busy for most of it while the reply waited (a no-op comm echo from the page
  took 23 ms median, 6 ms with this class). For a handler that answers in a few milliseconds,
  that flicker tells the user nothing. :class:`WidgetKernelWebsocketConnection`
  relays the ``busy`` status of a widget (``comm_msg``) message only if the kernel is still on
  that message ``comm_busy_delay`` seconds later (default 0.25 s); otherwise the ``busy`` is
  dropped and only the ``idle`` is relayed. The ``idle`` always goes through, so JupyterLab's
  bookkeeping (a request is done when its idle arrives; ipywidgets sends its next state update
  then) is unchanged; cells (``execute_request``) and every other message keep both statuses.

Use them by naming one in the server's configuration (``make demo`` does)::

    jupyter lab --ServerApp.kernel_websocket_connection_class=\\
        rtsched_widgets.widgets.transport.WidgetKernelWebsocketConnection
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, Protocol

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from traitlets import Float

__all__ = [
    "HeldBusyStatuses",
    "NoDelayKernelWebsocketConnection",
    "WidgetKernelWebsocketConnection",
]

#: Parent message types whose ``busy`` status may be held back (widget messages).
QUIET_PARENTS = frozenset({"comm_msg"})


class NoDelayKernelWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection with ``TCP_NODELAY`` on (see the module
    docstring): every frame leaves as soon as it is written."""

    def connect(self) -> asyncio.Future[None] | None:  # type: ignore[override]  # as upstream
        """Switch ``TCP_NODELAY`` on, then connect as jupyter_server does."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()


class Cancellable(Protocol):
    def cancel(self) -> Any: ...


class HeldBusyStatuses:
    """Which kernel statuses to relay now, which to hold back and which to drop.

    ``offer(state, parent_type, parent_id, relay)``: the kernel published ``state`` (``"busy"``,
    ``"idle"``, ...) for the message ``parent_id`` of type ``parent_type``; ``relay()`` sends that
    status on. Returns True when this object took charge of it (held or dropped), False when the
    caller must relay it at once. A ``busy`` of a parent in :data:`QUIET_PARENTS` is held: it is
    relayed by ``schedule(delay, fn)`` after ``delay`` seconds unless the ``idle`` of the same
    parent comes first, in which case the held ``busy`` is dropped (never relayed). Every other
    status, ``idle`` included, is the caller's to relay. ``close()`` drops whatever is held.
    """

    def __init__(
        self, delay: float, schedule: Callable[[float, Callable[[], None]], Cancellable]
    ) -> None:
        if not delay >= 0:
            raise ValueError(f"delay: expected seconds >= 0, got {delay!r}")
        self.delay = delay
        self._schedule = schedule
        self._held: dict[str, Cancellable] = {}

    @property
    def held(self) -> int:
        """Number of ``busy`` statuses held back right now."""
        return len(self._held)

    def offer(
        self, state: str, parent_type: str, parent_id: str, relay: Callable[[], None]
    ) -> bool:
        if state == "busy" and parent_type in QUIET_PARENTS and parent_id:
            if self.delay == 0:
                return False

            def late() -> None:
                if self._held.pop(parent_id, None) is not None:
                    relay()

            previous = self._held.pop(parent_id, None)
            if previous is not None:
                previous.cancel()
            self._held[parent_id] = self._schedule(self.delay, late)
            return True
        if state != "busy" and parent_id:
            timer = self._held.pop(parent_id, None)
            if timer is not None:
                timer.cancel()
        return False

    def close(self) -> None:
        for timer in self._held.values():
            timer.cancel()
        self._held.clear()


class WidgetKernelWebsocketConnection(NoDelayKernelWebsocketConnection):
    """:class:`NoDelayKernelWebsocketConnection` that also holds back the ``busy`` status of a
    widget message for ``comm_busy_delay`` seconds and drops it when the kernel is idle again by
    then (see the module docstring and :class:`HeldBusyStatuses`)."""

    comm_busy_delay = Float(
        0.25,
        config=True,
        help="Seconds the busy status of a widget (comm_msg) message is held back; dropped when "
        "the kernel is idle again by then. 0 relays every status at once.",
    )

    _statuses: HeldBusyStatuses | None = None

    def _held_statuses(self) -> HeldBusyStatuses:
        if self._statuses is None:
            loop = asyncio.get_running_loop()
            self._statuses = HeldBusyStatuses(
                self.comm_busy_delay, lambda delay, fn: loop.call_later(delay, fn)
            )
        return self._statuses

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
        """Relay a kernel message to the browser, holding back a widget message's ``busy``."""
        # jupyter_server passes a ZMQ stream object or a channel name, depending on its version;
        # the stream's class is jupyter_server's own (untyped, not importable here): probed
        channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
        if channel == "iopub" and self.comm_busy_delay > 0:
            status = self._status_of(outgoing_msg)
            if status is not None:
                state, parent_type, parent_id = status
                relay = functools.partial(super().handle_outgoing_message, stream, outgoing_msg)
                if self._held_statuses().offer(state, parent_type, parent_id, relay):
                    return
        super().handle_outgoing_message(stream, outgoing_msg)

    def _status_of(self, msg_list: list[Any]) -> tuple[str, str, str] | None:
        """(state, parent type, parent id) of a kernel ``status`` message, else None."""
        try:
            _, parts = self.session.feed_identities(msg_list)
            header = self.session.unpack(_bytes(parts[1]))
            if header.get("msg_type") != "status":
                return None
            parent = self.session.unpack(_bytes(parts[2]))
            content = self.session.unpack(_bytes(parts[4]))
            return (
                str(content.get("execution_state", "")),
                str(parent.get("msg_type", "")),
                str(parent.get("msg_id", "")),
            )
        except Exception:  # not a message this filter understands: relayed as it is
            return None

    def disconnect(self) -> None:  # type: ignore[override]  # as upstream
        """Drop the held statuses (their messages are done with), then disconnect."""
        if self._statuses is not None:
            self._statuses.close()
        super().disconnect()


def _bytes(part: Any) -> bytes:
    return part if isinstance(part, bytes) else bytes(part)
