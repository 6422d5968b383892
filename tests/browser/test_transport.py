"""The low-latency kernel websocket (rtsched_widgets.widgets.transport) in a real Jupyter
server: kernel messages and widget (comm) messages flow through it both ways, and its sockets
have TCP_NODELAY on. Its speed is measured by benchmarks/bench_grid.py --nodelay."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from pathlib import Path
from typing import Any

import psutil
import pytest
from labharness import kernel_message as message
from labharness import start_lab_server, stop_process_tree
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.browser

ECHO_TARGET = """
import comm as _comm

def _target(c, msg):
    @c.on_msg
    def _echo(m):
        c.send({"echo": m["content"]["data"]})

_comm.get_comm_manager().register_target("echo", _target)
"""


async def exchange(port: int, token: str, kernel_id: str) -> tuple[dict[str, Any], int]:
    """Run code and a comm echo through the kernel websocket; returns the echo and the
    TCP_NODELAY option of the server's end of that websocket."""
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
    ws = await websocket_connect(url)

    async def until(pred: Any) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(ws.read_message(), 60)
            assert raw is not None, "the server closed the kernel websocket"
            msg = json.loads(raw)
            if pred(msg):
                return msg

    code = {"code": ECHO_TARGET, "silent": False, "store_history": False}
    await ws.write_message(message("execute_request", {**code, "user_expressions": {}}))
    reply = await until(lambda m: m["msg_type"] == "execute_reply")
    assert reply["content"]["status"] == "ok"
    comm_id = uuid.uuid4().hex
    await ws.write_message(
        message("comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {}})
    )
    await ws.write_message(message("comm_msg", {"comm_id": comm_id, "data": {"n": 7}}))
    echo = await until(lambda m: m["msg_type"] == "comm_msg")
    local = ws.protocol.stream.socket.getsockname()  # type: ignore[union-attr]
    nodelay = server_nodelay(port, local)
    ws.close()
    return echo["content"]["data"], nodelay


def server_nodelay(port: int, client: tuple[str, int]) -> int:
    """TCP_NODELAY of the server's socket connected to ``client`` (read through /proc)."""
    for conn in psutil.net_connections(kind="tcp"):
        if (
            conn.status == psutil.CONN_ESTABLISHED
            and conn.laddr
            and conn.laddr.port == port
            and conn.raddr
            and conn.raddr.port == client[1]
        ):
            assert conn.pid, "the server's socket has no visible owner"
            sock = socket.socket(fileno=os_dup(conn.pid, conn.fd))
            try:
                return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            finally:
                sock.close()
    raise AssertionError(f"no server socket connected to {client}")


def os_dup(pid: int, fd: int) -> int:
    """A duplicate, in this process, of file descriptor ``fd`` of process ``pid``."""
    import os

    pidfd = os.pidfd_open(pid)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syscall_pidfd_getfd = 438
        dup = libc.syscall(syscall_pidfd_getfd, pidfd, fd, 0)
        if dup < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        return int(dup)
    finally:
        os.close(pidfd)


@pytest.mark.parametrize("with_class", [True, False], ids=["nodelay-class", "jupyter-default"])
def test_the_nodelay_connection_carries_kernel_and_comm_messages(tmp_path: Path, with_class: bool):
    (tmp_path / "lab").mkdir()
    (tmp_path / "notebooks").mkdir()
    server = start_lab_server(
        tmp_path / "lab", notebooks=tmp_path / "notebooks", low_latency=with_class
    )
    try:
        kernel = server.api("POST", "/api/kernels", json={"name": "python3"}).json()
        echo, nodelay = asyncio.run(exchange(server.port, server.token, kernel["id"]))
        assert echo == {"echo": {"n": 7}}
        # jupyter_server's own connection leaves Nagle on (the reason for the class)
        assert (nodelay != 0) is with_class
    finally:
        stop_process_tree(server.process)
