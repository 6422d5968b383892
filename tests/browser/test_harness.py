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
from labharness import REPO, stop_process_tree


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
