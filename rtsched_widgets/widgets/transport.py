"""A lower-latency kernel websocket for the Jupyter server that serves the widgets.

jupyter_server relays every kernel message to the browser over one websocket per kernel
connection. Tornado turns ``TCP_NODELAY`` off when it finishes an HTTP response, the websocket
upgrade included, and jupyter_server never turns it back on, so Nagle's algorithm holds back a
small frame while the previous one awaits its acknowledgement. The kernel answers every widget
message with a ``busy`` status and then the widget's reply a millisecond later; the reply then
waits for the browser's delayed ACK of the status (about 40 ms on Linux). Measured with
``benchmarks/bench_grid.py``: a no-op comm echo through the server takes ~50 ms median that
way, ~10 ms with this connection class.

Use it by naming it in the server's configuration::

    jupyter lab --ServerApp.kernel_websocket_connection_class=\\
        rtsched_widgets.widgets.transport.NoDelayKernelWebsocketConnection

It changes nothing else: same protocol, same messages, only the socket option.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["NoDelayKernelWebsocketConnection"]


class NoDelayKernelWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection with ``TCP_NODELAY`` on (see the module
    docstring): every frame leaves as soon as it is written."""

    def connect(self) -> asyncio.Future[None] | None:  # type: ignore[override]  # as upstream
        """Switch ``TCP_NODELAY`` on, then connect as jupyter_server does."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()
