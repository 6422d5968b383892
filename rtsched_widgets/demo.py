"""Start JupyterLab with real-time collaboration on the example notebooks.

``python -m rtsched_widgets.demo --port 8888 [--open-browser] [--notebook-dir notebooks]``

The server listens on 127.0.0.1 only, runs as root when needed, opens no browser unless
``--open-browser`` is given, is protected by a freshly generated token, and reaches no network
(no announcements, no update checks, read-only extension manager). Real-time collaboration comes
from the installed ``jupyter-collaboration`` server extension, which is enabled on install.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HOST = "127.0.0.1"

NODELAY_CONNECTION = "rtsched_widgets.widgets.transport.NoDelayKernelWebsocketConnection"
WIDGET_CONNECTION = "rtsched_widgets.widgets.transport.WidgetKernelWebsocketConnection"


def lab_command(
    *,
    port: int,
    notebook_dir: Path,
    token: str,
    open_browser: bool = False,
    low_latency: bool = True,
    quiet_widget_status: bool = True,
) -> list[str]:
    """The ``jupyter lab`` command line serving ``notebook_dir`` on ``HOST:port`` with ``token``.

    ``port`` must be free: the server does not fall back to another port, so the printed URL is
    the one that answers. ``low_latency``: kernel websockets with ``TCP_NODELAY`` on
    (:class:`~rtsched_widgets.widgets.transport.NoDelayKernelWebsocketConnection`), which
    removes the ~40 ms that Nagle's algorithm adds to every widget reply; False gives Jupyter
    server's stock connection. ``quiet_widget_status`` (with ``low_latency``): the kernel's
    ``busy`` status of a widget message reaches the browser only when handling it takes longer
    than 0.25 s (:class:`~rtsched_widgets.widgets.transport.WidgetKernelWebsocketConnection`),
    so JupyterLab does not redraw its kernel indicators twice per widget message.
    """
    if not 0 < port < 65536:
        raise ValueError(f"port: expected an integer in [1, 65535], got {port}")
    if not token:
        raise ValueError("token: an empty token would leave the server open; pass a secret")
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebook_dir}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={open_browser}",
        "--ServerApp.allow_root=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        *(
            [
                "--ServerApp.kernel_websocket_connection_class="
                + (WIDGET_CONNECTION if quiet_widget_status else NODELAY_CONNECTION)
            ]
            if low_latency
            else []
        ),
    ]


def lab_url(port: int, token: str, path: str = "lab") -> str:
    """The URL of ``path`` on the demo server, carrying the token."""
    return f"http://{HOST}:{port}/{path.lstrip('/')}?token={token}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo server until it stops; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m rtsched_widgets.demo",
        description="JupyterLab with real-time collaboration on the rtsched_widgets notebooks.",
    )
    parser.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    parser.add_argument(
        "--open-browser", action="store_true", help="open a browser (default: only print the URL)"
    )
    parser.add_argument(
        "--notebook-dir",
        type=Path,
        default=Path("notebooks"),
        help="folder served as the root (default: notebooks)",
    )
    args = parser.parse_args(argv)
    notebook_dir: Path = args.notebook_dir.resolve()
    if not notebook_dir.is_dir():
        parser.error(f"--notebook-dir: {notebook_dir} is not a folder")
    token = secrets.token_hex(24)
    command = lab_command(
        port=args.port, notebook_dir=notebook_dir, token=token, open_browser=args.open_browser
    )
    rule = "=" * 72
    print(
        f"{rule}\nrtsched_widgets demo: JupyterLab with real-time collaboration\n"
        f"serving {notebook_dir}\n\n    {lab_url(args.port, token)}\n\n"
        "Open this URL in several browsers (or private windows) to edit together.\n"
        f"Stop with Ctrl-C.\n{rule}",
        flush=True,
    )
    server = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: server.terminate())
    while True:
        try:
            return server.wait()
        except KeyboardInterrupt:
            # The server got the same Ctrl-C and shuts its kernels down; wait for it.
            continue


if __name__ == "__main__":
    raise SystemExit(main())
