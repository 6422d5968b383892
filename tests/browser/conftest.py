"""Browser harness: a real JupyterLab with real-time collaboration, driven by Playwright.

Fixtures (reuse them for any widget or collaboration test; mark such tests
``@pytest.mark.browser``):

``lab_server`` (session)
    One ``jupyter lab`` per test session, started with the same command line as
    ``python -m rtsched_widgets.demo`` (so jupyter-collaboration is active), on a free loopback
    port with a random token, in throw-away HOME / JUPYTER_CONFIG_DIR / JUPYTER_DATA_DIR /
    JUPYTER_RUNTIME_DIR / IPYTHONDIR. The venv's own ``share/jupyter`` and ``etc/jupyter`` stay on
    Jupyter's search paths, so the installed labextensions (jupyter-widgets, anywidget,
    collaboration) load. Its root folder (``lab_server.root_dir``) is a temporary copy of
    ``notebooks/``. On teardown the server is stopped (SIGTERM, then SIGKILL) together with every
    process it started (kernels run in their own sessions, so they are tracked by parentage).

``browser`` (module)
    Debian's /usr/bin/chromium driven by Playwright's sync API (never a downloaded browser).
    Module-scoped because a started sync Playwright breaks ``asyncio.run`` in other tests.

``notebook_factory`` (function)
    ``notebook_factory(["code cell", ...], name="x")`` writes a fresh notebook (no outputs) into
    the server's root and returns its path relative to the root. Kernels of the notebooks a test
    wrote are shut down after the test.

``lab_user`` (function)
    ``lab_user("alice")`` opens a new, independent browser context signed in with the token
    (no page loaded yet):
    to jupyter_server each context is a different anonymous user (``user.identity`` is its
    ``/api/me`` identity). ``user.open_notebook(path)`` opens a notebook in JupyterLab and waits
    until its kernel is idle; ``user.run_all_cells()`` runs every cell and waits until all have
    finished; ``user.run_code(code)`` types code into the notebook's last cell and runs it;
    ``user.page_errors()`` lists uncaught front-end exceptions and console errors. If the test
    fails, a screenshot and the browser console of every user, and the server log, go to
    ``tests/.artifacts/``.

The machinery lives in ``labharness.py`` (importable from browser tests for type hints).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import nbformat
import pytest
from labharness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    UI_TIMEOUT_MS,
    LabServer,
    LabUser,
    start_lab_server,
    stop_process_tree,
)
from playwright.sync_api import Browser, expect, sync_playwright

# Playwright's assertions wait 5 s by default; a loaded machine needs longer (same as actions).
expect.set_options(timeout=UI_TIMEOUT_MS)

# -- server ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A real JupyterLab with real-time collaboration for the whole session (see module doc)."""
    server = start_lab_server(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        stop_process_tree(server.process)


# -- notebooks -------------------------------------------------------------------------------


@pytest.fixture
def notebook_factory(
    lab_server: LabServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., str]]:
    """Writes notebooks into the server root; shuts their kernels down after the test."""
    written: list[str] = []
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:60]

    def write(cells: list[str], *, name: str | None = None) -> str:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        relative = f"{name or stem}-{uuid.uuid4().hex[:6]}.ipynb"
        nbformat.write(notebook, lab_server.root_dir / relative)
        written.append(relative)
        return relative

    yield write
    for session in lab_server.api("GET", "/api/sessions").json():
        if session.get("path") in written or any(
            str(session.get("path", "")).endswith(path) for path in written
        ):
            lab_server.api("DELETE", f"/api/sessions/{session['id']}")


# -- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium under Playwright (sync API), for one test module.

    While started, Playwright's sync API keeps an asyncio loop running on the main thread, so
    ``asyncio.run`` fails in any test that runs meanwhile. Scoping the browser to a module (not
    the session) stops it before the rest of the suite runs; keep asyncio-driven tests out of
    browser test modules.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def lab_user(
    lab_server: LabServer, browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], LabUser]]:
    """Factory of signed-in users, each in its own browser context (see module doc)."""
    users: list[LabUser] = []

    def sign_in(label: str) -> LabUser:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        user = LabUser(label, lab_server, context, page)
        page.on("console", lambda msg: user.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: user.console.append(f"pageerror: {exc}"))
        # A request carrying the token signs the context in: the server answers with a login
        # cookie holding a new anonymous identity, which every later request of the context
        # (pages, websockets) presents instead of the token.
        signed = context.request.get(lab_server.url("/api/me", token=lab_server.token))
        assert signed.ok, f"/api/me with the token for {label}: HTTP {signed.status}"
        me = context.request.get(lab_server.url("/api/me"))
        assert me.ok, f"/api/me with the login cookie for {label}: HTTP {me.status}"
        user.identity = me.json()["identity"]
        assert user.identity["username"] == signed.json()["identity"]["username"]
        users.append(user)
        return user

    yield sign_in

    reports = request.node.stash.get(REPORTS, {})
    if any(r.failed for r in reports.values()):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
        for user in users:
            try:
                user.page.screenshot(path=ARTIFACTS / f"{stem}-{user.label}.png", full_page=True)
            except Exception as exc:  # the page may be gone; keep the console log anyway
                user.console.append(f"screenshot failed: {exc}")
            (ARTIFACTS / f"{stem}-{user.label}.console.log").write_text("\n".join(user.console))
        (ARTIFACTS / f"{stem}-server.log").write_text(lab_server.log_tail(400))
    for user in users:
        user.context.close()
