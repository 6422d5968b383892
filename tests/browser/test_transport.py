"""The low-latency kernel websockets (rtsched_widgets.widgets.transport) in a real Jupyter
server: kernel messages and widget (comm) messages flow through them both ways, their sockets
have TCP_NODELAY on, and the demo's connection relays the busy status of a widget message only
when the kernel takes long over it. Their speed is measured by benchmarks/bench_grid.py."""

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
from tornado.websocket import WebSocketClientConnection, websocket_connect

pytestmark = pytest.mark.browser

ECHO_TARGET = """
import comm as _comm

def _target(c, msg):
    @c.on_msg
    def _echo(m):
        c.send({"echo": m["content"]["data"]})

_comm.get_comm_manager().register_target("echo", _target)
"""

SLOW_TARGET = """
import time as _time

def _slow_target(c, msg):
    @c.on_msg
    def _slow(m):
        _time.sleep(m["content"]["data"]["sleep"])
        c.send({"slept": m["content"]["data"]["sleep"]})

_comm.get_comm_manager().register_target("slow", _slow_target)
"""


async def close_websocket(ws: WebSocketClientConnection) -> None:
    """Close a client websocket and wait for the server's closing frame, then close its socket.

    Tornado's ``close()`` only sends the client's closing frame: the socket stays open until the
    server's reply is read (or a 5 s timer fires). When ``asyncio.run`` ends first, the socket is
    left open with its loop gone and only the garbage collector finds it, later, as an unclosed
    socket (a ``ResourceWarning`` pinned on whichever test runs then).
    """
    protocol = ws.protocol
    assert protocol is not None and protocol.stream is not None, "the websocket is not open"
    stream = protocol.stream
    ws.close()
    try:
        while await asyncio.wait_for(ws.read_message(), 30) is not None:
            pass  # messages still in flight before the server's closing frame
    finally:
        stream.close()


async def exchange(port: int, token: str, kernel_id: str) -> tuple[dict[str, Any], int]:
    """Run code and a comm echo through the kernel websocket; returns the echo and the
    TCP_NODELAY option of the server's end of that websocket."""
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
    ws = await websocket_connect(url)
    try:

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
    finally:
        await close_websocket(ws)
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


async def statuses(port: int, token: str, kernel_id: str) -> dict[str, list[str]]:
    """The kernel statuses the browser would see for a cell, a quick widget message and one
    whose handler sleeps 2 s, by kind of request, in order of arrival."""
    url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
    ws = await websocket_connect(url)
    try:
        seen: dict[str, list[str]] = {}

        async def run(kind: str, msg_type: str, content: dict[str, Any]) -> None:
            text = message(msg_type, content)
            msg_id = json.loads(text)["header"]["msg_id"]
            await ws.write_message(text)
            while True:
                raw = await asyncio.wait_for(ws.read_message(), 60)
                assert raw is not None, "the server closed the kernel websocket"
                msg = json.loads(raw)
                if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id:
                    seen.setdefault(kind, []).append(msg["content"]["execution_state"])
                    if msg["content"]["execution_state"] == "idle":
                        return

        code = {"code": ECHO_TARGET + SLOW_TARGET, "silent": False, "store_history": False}
        await run("cell", "execute_request", {**code, "user_expressions": {}})
        for target in ("echo", "slow"):
            opened: dict[str, Any] = {"comm_id": target, "target_name": target, "data": {}}
            await ws.write_message(message("comm_open", opened))
        await run("quick widget message", "comm_msg", {"comm_id": "echo", "data": {"n": 1}})
        await run("slow widget message", "comm_msg", {"comm_id": "slow", "data": {"sleep": 2.0}})
    finally:
        await close_websocket(ws)
    return seen


@pytest.mark.parametrize("quiet", [True, False], ids=["demo-connection", "nodelay-only"])
def test_the_demo_connection_relays_a_widget_messages_busy_only_when_it_lasts(
    tmp_path: Path, quiet: bool
):
    (tmp_path / "lab").mkdir()
    (tmp_path / "notebooks").mkdir()
    server = start_lab_server(
        tmp_path / "lab", notebooks=tmp_path / "notebooks", quiet_widget_status=quiet
    )
    try:
        kernel = server.api("POST", "/api/kernels", json={"name": "python3"}).json()
        seen = asyncio.run(statuses(server.port, server.token, kernel["id"]))
        assert seen["cell"] == ["busy", "idle"]
        # the slow handler (2 s) outlasts the 0.25 s hold: its busy comes, late, then its idle
        assert seen["slow widget message"] == ["busy", "idle"]
        # a quick handler's busy is dropped by the demo's connection; its idle always comes
        quick = ["idle"] if quiet else ["busy", "idle"]
        assert seen["quick widget message"] == quick
    finally:
        stop_process_tree(server.process)
