"""ScheduleTable in a real JupyterLab with real-time collaboration, seen by two users."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TABLE_CELL = """
import pandas as pd
import rtsched_widgets as rt

cells = pd.DataFrame(
    {"on call": ["W001", "W002", None], "backup": [None, "W003", "W004"]},
    index=["2026-01-05", "2026-01-06", "2026-01-07"],
)
table = rt.ScheduleTable(cells, title="shared week")
table
"""


def table_cell(page, row: int, col: int):
    return page.locator(f".rts-table td[data-row='{row}'][data-col='{col}']")


def test_schedule_table_renders_in_jupyterlab(lab_user, notebook_factory):
    path = notebook_factory([TABLE_CELL])
    alice = lab_user("alice")
    page = alice.open_notebook(path)

    alice.run_all_cells()

    table = page.locator(".rts-table")
    expect(table).to_have_count(1)
    expect(page.locator(".rts-title")).to_have_text("shared week")
    expect(table.locator("thead th")).to_have_text(["date", "on call", "backup"])
    expect(table.locator("tbody th")).to_have_text(["2026-01-05", "2026-01-06", "2026-01-07"])
    expect(table_cell(page, 0, 0)).to_have_text("W001")
    expect(table_cell(page, 0, 1)).to_have_text("")
    expect(table_cell(page, 2, 1)).to_have_text("W004")
    assert alice.page_errors() == []


def test_two_users_see_each_others_edits_in_one_shared_notebook(lab_user, notebook_factory):
    path = notebook_factory([TABLE_CELL, ""])
    alice = lab_user("alice")
    bob = lab_user("bob")
    assert alice.identity["username"] != bob.identity["username"]
    assert alice.identity["name"] != bob.identity["name"]

    alice_page = alice.open_notebook(path)
    alice.run_all_cells()
    expect(table_cell(alice_page, 1, 0)).to_have_text("W002")
    # Bob opens the same notebook: the shared document brings the output, the shared kernel
    # the widget model; he runs nothing.
    bob_page = bob.open_notebook(path)
    expect(table_cell(bob_page, 1, 0)).to_have_text("W002")

    # An edit in Alice's view reaches Bob's view (and stays in Alice's).
    table_cell(alice_page, 1, 0).dblclick()
    editor = alice_page.locator(".rts-table input.rts-editor")
    editor.fill("W042")
    editor.press("Enter")
    expect(table_cell(bob_page, 1, 0)).to_have_text("W042")
    expect(table_cell(alice_page, 1, 0)).to_have_text("W042")
    expect(alice_page.locator(".rts-status")).to_contain_text("saved")

    # An edit from Bob's view reaches Alice's.
    table_cell(bob_page, 0, 1).dblclick()
    bob_editor = bob_page.locator(".rts-table input.rts-editor")
    bob_editor.fill("W017")
    bob_editor.press("Enter")
    expect(table_cell(alice_page, 0, 1)).to_have_text("W017")

    # A change from Python in another cell reaches both views, and Python saw the view edits.
    cell = alice.run_code(
        'table.set_cell(2, 0, "W777")\nprint(table.cells.loc["2026-01-06", "on call"], '
        'table.cells.loc["2026-01-05", "backup"], table.version)'
    )
    expect(cell.locator(".jp-OutputArea-output")).to_contain_text("W042 W017 3")
    expect(table_cell(alice_page, 2, 0)).to_have_text("W777")
    expect(table_cell(bob_page, 2, 0)).to_have_text("W777")
    assert alice.page_errors() == []
    assert bob.page_errors() == []
