"""Two people who share a display name in one shared notebook stay two people: the widgets key
them by the Jupyter server's unique user name, so each keeps their own edits and undo history
(the History panel's Undo undoes the clicker's own edit), while every name shown to people is
the display name.

The server of this module hands every anonymous user the same display name (its identity
provider is configured so), as happens by chance when two anonymous users draw the same moon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cells import PASTE, ward_cell
from labharness import LabServer, start_lab_server, stop_process_tree
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SAME = "Anonymous Io"

#: jupyter_server config: every anonymous user gets a unique user name and the same display name.
SAME_NAME_CONFIG = f"""
import uuid
from jupyter_server.auth.identity import IdentityProvider, User


class SameDisplayName(IdentityProvider):
    def generate_anonymous_user(self, handler):
        return User(uuid.uuid4().hex, {SAME!r}, {SAME!r}, "AI", None, None)


c.ServerApp.identity_provider_class = SameDisplayName
"""


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """This module's JupyterLab (overrides the session's): the same display name for all."""
    base: Path = tmp_path_factory.mktemp("jupyterlab-same-name")
    config = base / "config"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.py").write_text(SAME_NAME_CONFIG)
    server = start_lab_server(base)
    try:
        yield server
    finally:
        stop_process_tree(server.process)


SETUP = ward_cell(
    """
board = rt.dashboard(s, height=300)
board
"""
)


def cell(page: Page, r: int, c: int):
    return page.locator(".rts-grid").first.locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def history(page: Page):
    return page.locator(".rts-history").first


def test_same_display_name_two_people_two_undo_histories(lab_user, notebook_factory):
    ann, ben = lab_user("ann"), lab_user("ben")
    assert ann.identity["display_name"] == ben.identity["display_name"] == SAME
    key_a, key_b = ann.identity["username"], ben.identity["username"]
    assert key_a != key_b

    path = notebook_factory([SETUP, ""], name="same-name")
    a = ann.open_notebook(path)
    ann.run_all_cells()
    b = ben.open_notebook(path)
    for page in (a, b):
        expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()
        # two people here, both shown by their (same) display name, never by their key
        expect(page.locator(".rts-grid .rts-viewers").first).to_have_text(f"here: {SAME}, {SAME}")

    # each makes an edit; both grids show both
    cell(a, 3, 0).click()
    a.evaluate(PASTE, "W01")
    expect(cell(b, 3, 0)).to_have_text("Worker 1")
    cell(b, 5, 0).click()
    b.evaluate(PASTE, "W02")
    expect(cell(a, 5, 0)).to_have_text("Worker 2")

    # ben's History Undo undoes ben's edit, not ann's (a shared name would share one history)
    undo_b = history(b).locator("button.rts-undo")
    expect(undo_b).to_be_enabled()
    undo_b.click()
    for page in (a, b):
        expect(cell(page, 5, 0)).to_have_text("—")
        expect(cell(page, 3, 0)).to_have_text("Worker 1")
    expect(undo_b).to_be_disabled()
    expect(history(b).locator("button.rts-redo")).to_be_enabled()
    # ann can still undo her own edit, from the grid
    expect(history(a).locator("button.rts-undo")).to_be_enabled()
    cell(a, 3, 0).click()
    a.keyboard.press("ControlOrMeta+z")
    for page in (a, b):
        expect(cell(page, 3, 0)).to_have_text("—")
    expect(history(a).locator("button.rts-undo")).to_be_disabled()

    # the history shows the display name; the kernel keeps the keys
    for page in (a, b):
        rows = history(page).locator("tbody tr")
        expect(rows.first).to_contain_text(SAME)
        text = history(page).inner_text()
        assert key_a not in text and key_b not in text
    users = history(a).locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.user)")
    assert {key_a, key_b} <= set(users)
    out = ann.run_code("print(sorted(set(s.history.user)))").locator(".jp-OutputArea-output")
    expect(out).to_contain_text(str(sorted([key_a, key_b])))

    # presence: ben sees ann's selected cell under her display name, in her own colour
    cell(a, 10, 1).click()
    expect(cell(b, 10, 1)).to_have_attribute("data-peer", SAME)
    expect(cell(a, 10, 1)).not_to_have_class(re.compile(r"\brts-peer\b"))
    assert not ann.page_errors() and not ben.page_errors()
