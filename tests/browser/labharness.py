"""Machinery of the browser tests: a JupyterLab server process and users driving it.

The fixtures in ``conftest.py`` wrap these; import from here for type hints or to start an extra
server (``from labharness import LabServer, LabUser, start_lab_server``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests
from playwright.sync_api import BrowserContext, Locator, Page

from rtsched_widgets.demo import lab_command

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / ".artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 90.0
UI_TIMEOUT_MS = 60_000

# JupyterLab settings of the throw-away config dir: no network (news, update checks), and every
# notebook cell attached to the DOM (no windowing) so tests see whole notebooks.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# -- server ----------------------------------------------------------------------------------


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, the folder it serves and its log."""

    port: int
    token: str
    root_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        """Absolute URL of ``path`` on the server (no token; browser contexts use a cookie)."""
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"{self.base_url}/{path.lstrip('/')}" + (f"?{tail}" if tail else "")

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A REST call authenticated by the token (raises on an HTTP error)."""
        response = requests.request(
            method,
            self.url(path),
            headers={"Authorization": f"token {self.token}"},
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()
        return response

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(base: Path) -> dict[str, str]:
    """Environment whose Jupyter user folders all live under ``base``.

    Only the per-user locations move: Jupyter still searches ``sys.prefix`` (the venv) for
    config, kernels and labextensions, because the server runs on the venv's interpreter.
    """
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "IPYTHONDIR": base / "ipython",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    for name, value in LAB_USER_SETTINGS.items():
        target = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update({k: str(v) for k, v in dirs.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_until_ready(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            if server.api("GET", "/api").ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(
        f"jupyter lab did not answer within {SERVER_START_TIMEOUT_S} s\n{server.log_tail()}"
    )


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stop_process_tree(process: subprocess.Popen[bytes], grace_s: float = 20.0) -> None:
    """SIGTERM the process group of ``process`` and wait up to ``grace_s`` for it; then SIGTERM,
    and at last SIGKILL, whatever of its process tree is left. Raises if anything survives.

    Descendants are collected before the signal, so kernels (which jupyter starts in their own
    sessions) are covered too.
    """
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for proc in (p for p in tree if _alive(p)):
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signum)
        psutil.wait_procs([p for p in tree if _alive(p)], timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)
    left = [p for p in tree if _alive(p)]
    if left:
        raise RuntimeError(f"processes left running after stopping {process.args}: {left}")


def start_lab_server(
    base: Path,
    notebooks: Path = REPO / "notebooks",
    *,
    low_latency: bool = True,
    quiet_widget_status: bool = True,
) -> LabServer:
    """Start JupyterLab (the demo's command line, ``low_latency`` and ``quiet_widget_status`` as
    in :func:`rtsched_widgets.demo.lab_command`) in throw-away folders under ``base``.

    Serves a copy of ``notebooks`` (``server.root_dir``); returns once ``/api`` answers. Stop it
    with ``stop_process_tree(server.process)``.
    """
    root_dir = base / "notebooks"
    shutil.copytree(notebooks, root_dir, ignore=shutil.ignore_patterns(".ipynb_*"))
    env = isolated_env(base)
    port = free_port()
    token = uuid.uuid4().hex
    log_path = base / "jupyterlab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            lab_command(
                port=port,
                notebook_dir=root_dir,
                token=token,
                low_latency=low_latency,
                quiet_widget_status=quiet_widget_status,
            ),
            cwd=base,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(port, token, root_dir, log_path, process)
    try:
        wait_until_ready(server)
    except BaseException:
        stop_process_tree(process)
        raise
    return server


KERNEL_IDLE = """
() => {
  const bar = document.querySelector('#jp-main-statusbar');
  const text = bar ? bar.innerText : '';
  return !text.includes('No Kernel') && /\\| Idle\\b/.test(text);
}
"""

RUN_ALL_DONE = """
(minCount) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  // Empty code cells are skipped by "Run All" and keep a blank prompt.
  const prompts = [...panel.querySelectorAll('.jp-CodeCell')]
    .filter((cell) => (cell.querySelector('.cm-content')?.textContent ?? '').trim() !== '')
    .map((cell) => cell.querySelector('.jp-InputArea-prompt'));
  return prompts.length > 0 && prompts.every((p) => {
    const m = /\\[(\\d+)\\]/.exec(p.textContent || '');
    return m !== null && Number(m[1]) > minCount;
  });
}
"""

MAX_EXECUTION_COUNT = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const counts = [...(panel?.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt') ?? [])]
    .map((p) => /\\[(\\d+)\\]/.exec(p.textContent || ''))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  return counts.length ? Math.max(...counts) : 0;
}
"""


@dataclass
class LabUser:
    """One person in JupyterLab: an independent browser context (own cookies = own identity)."""

    label: str
    server: LabServer
    context: BrowserContext
    page: Page
    identity: dict[str, Any] = field(default_factory=dict)
    console: list[str] = field(default_factory=list)

    def page_errors(self) -> list[str]:
        """Uncaught exceptions and console errors of the page so far (front-end bugs)."""
        return [line for line in self.console if line.startswith(("pageerror:", "error:"))]

    def open_notebook(self, path: str) -> Page:
        """Open ``path`` (relative to the server root) in a workspace of its own; wait for an
        idle kernel. Returns the page."""
        workspace = f"{self.label}-{uuid.uuid4().hex[:6]}"
        self.page.goto(self.server.url(f"/lab/workspaces/{workspace}/tree/{path}", reset=""))
        self.notebook.wait_for(state="visible")
        self.wait_for_idle_kernel()
        return self.page

    def wait_for_idle_kernel(self) -> None:
        """Wait until the status bar shows a connected kernel that is idle.

        (The toolbar's execution indicator says 'idle' before any kernel is attached, so it
        cannot tell.)"""
        self.page.wait_for_function(KERNEL_IDLE, timeout=UI_TIMEOUT_MS)

    @property
    def notebook(self) -> Locator:
        """Locator of the notebook shown in the main area."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

    def _menu(self, menu: str, item: str) -> None:
        self.page.locator(f".lm-MenuBar-itemLabel:text-is('{menu}')").click()
        self.page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()

    def run_all_cells(self) -> None:
        """Run every cell of the open notebook; wait until each non-empty code cell has a fresh
        execution count (that is, has finished)."""
        before = self.page.evaluate(MAX_EXECUTION_COUNT)
        self._menu("Run", "Run All Cells")
        self.page.wait_for_function(RUN_ALL_DONE, arg=before, timeout=UI_TIMEOUT_MS)

    def run_code(self, code: str) -> Locator:
        """Put ``code`` into the last cell of the open notebook, run it and return that cell's
        locator once it has finished (its execution count is set)."""
        cell = self.notebook.locator(".jp-Cell").last
        before = self.page.evaluate(MAX_EXECUTION_COUNT)
        cell.locator(".cm-content").click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(code)
        self.page.keyboard.press("Control+Enter")
        self.page.wait_for_function(
            """([count, index]) => {
                 const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                 const cells = panel ? panel.querySelectorAll('.jp-Cell') : [];
                 const prompt = cells[index]?.querySelector('.jp-InputArea-prompt');
                 const m = /\\[(\\d+)\\]/.exec(prompt?.textContent || '');
                 return m !== null && Number(m[1]) > count;
               }""",
            arg=[before, cell.evaluate("(c) => [...c.parentElement.children].indexOf(c)")],
            timeout=UI_TIMEOUT_MS,
        )
        return cell


def kernel_message(msg_type: str, content: dict[str, Any], session: str = "labharness") -> str:
    """A Jupyter message for a kernel websocket (legacy JSON protocol) on the shell channel."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": session,
        "session": session,
        "version": "5.3",
        "date": "",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )
