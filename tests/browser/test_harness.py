"""The browser harness itself: an isolated JupyterLab with collaboration, distinct users, and
no process left behind."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import psutil
import pytest
import requests
from labharness import REPO, free_port, isolated_env, stop_process_tree

from rtsched_widgets.demo import lab_command
from rtsched_widgets.demo import main as demo_main


@pytest.mark.browser
def test_each_browser_context_is_a_different_user(lab_user):
    alice, bob = lab_user("alice"), lab_user("bob")

    assert alice.identity["username"] != bob.identity["username"]
    assert alice.identity["name"] != bob.identity["name"]
    # The identity is carried by each context's own login cookie, not by the token.
    again = alice.context.request.get(alice.server.url("/api/me")).json()["identity"]
    assert again["username"] == alice.identity["username"]


@pytest.mark.browser
def test_the_server_is_isolated_collaborative_and_finds_the_venv_extensions(lab_server):
    environ = psutil.Process(lab_server.process.pid).environ()
    base = lab_server.root_dir.parent
    for name in ("HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        assert environ[name].startswith(str(base)), f"{name}={environ[name]} is not isolated"
    assert lab_server.root_dir != REPO / "notebooks"
    # The harness's own JupyterLab settings (no news fetching, no windowing) are in force.
    tracker = lab_server.api("GET", "/lab/api/settings/@jupyterlab/notebook-extension:tracker")
    assert tracker.json()["settings"]["windowingMode"] == "none"
    news = lab_server.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert news.json()["settings"]["fetchNews"] == "false"
    listed = {item["name"] for item in lab_server.api("GET", "/api/contents").json()["content"]}
    assert "demo.ipynb" in listed

    # Real-time collaboration: the document session endpoint of jupyter-collaboration answers.
    session = lab_server.api(
        "PUT",
        "/api/collaboration/session/demo.ipynb",
        data=json.dumps({"format": "json", "type": "notebook"}),
    ).json()
    assert session["fileId"]

    # The labextensions installed in the venv are offered to the page.
    html = lab_server.api("GET", "/lab").text
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "no page config in /lab"
    names = {ext["name"] for ext in json.loads(match.group(1))["federated_extensions"]}
    assert {"anywidget", "@jupyter-widgets/jupyterlab-manager"} <= names
    assert any(name.startswith("@jupyter/collaboration") for name in names), names


def test_stop_process_tree_ends_children_in_other_sessions_too():
    # A parent that starts a child in a session of its own, as jupyter does with kernels.
    script = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
        " start_new_session=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 30
    while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)
    (child,) = psutil.Process(parent.pid).children()

    stop_process_tree(parent, grace_s=2)

    assert parent.returncode is not None
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


@pytest.mark.slow
def test_the_demo_prints_a_working_token_url_and_stops_cleanly(tmp_path):
    """``python -m rtsched_widgets.demo`` (the command behind ``make demo``), end to end."""
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    port = free_port()
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rtsched_widgets.demo",
            "--port",
            str(port),
            "--notebook-dir",
            str(notebooks),
        ],
        cwd=tmp_path,
        env=isolated_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        banner = "".join(demo.stdout.readline() for _ in range(5))
        match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]{{32,}})", banner)
        assert match, banner
        token = match.group(1)
        api = f"http://127.0.0.1:{port}/api/me"
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = requests.get(api, headers={"Authorization": f"token {token}"}, timeout=5)
                break
            except requests.ConnectionError:
                assert demo.poll() is None and time.monotonic() < deadline, "demo did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert requests.get(api, timeout=5).status_code == 403  # no token, no entry
        server = psutil.Process(demo.pid).children()[0]
        assert "--ServerApp.ip=127.0.0.1" in server.cmdline()
        assert "--ServerApp.open_browser=False" in server.cmdline()
        assert "--ServerApp.allow_root=True" in server.cmdline()
        # SIGTERM to the launcher alone reaches the server, which shuts down.
        demo.terminate()
        assert demo.wait(timeout=30) is not None
        server.wait(timeout=30)
    finally:
        stop_process_tree(demo)
        if demo.stdout is not None:
            demo.stdout.close()


def test_the_demo_refuses_a_missing_notebook_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo_main(["--port", "8899", "--notebook-dir", str(tmp_path / "missing")])
    assert exit_info.value.code == 2
    assert "--notebook-dir" in capsys.readouterr().err


def test_the_demo_command_line_is_loopback_and_token_protected(tmp_path):
    with pytest.raises(ValueError, match="token"):
        lab_command(port=8899, notebook_dir=tmp_path, token="")
    with pytest.raises(ValueError, match="port"):
        lab_command(port=0, notebook_dir=tmp_path, token="t")
    command = lab_command(port=8899, notebook_dir=tmp_path, token="secret", open_browser=True)
    assert "--ServerApp.open_browser=True" in command
    assert "--IdentityProvider.token=secret" in command
    assert "--ServerApp.port_retries=0" in command
