"""ScheduleGrid and its panels in a real JupyterLab, driven through Playwright."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cells import PASTE
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"
XSS = "<img src=x onerror=alert(1)>"

SETUP = f"""
from datetime import date, timedelta
import numpy as np
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model import Calendar, Problem, ShiftType, Worker
from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.dashboard import dashboard

start = date(2026, 1, 5)
n_days = 21
workers = [
    Worker("W00", name="Worker 0", days_off=((date(2026, 1, 7), date(2026, 1, 7)),)),
    *[Worker(f"W0{{i}}", name=f"Worker {{i}}") for i in range(1, 5)],
    Worker("W05", name={XSS!r}),
]
required = np.ones((n_days, 2), dtype=int)
maximum = required.copy()
maximum[:, 1] = 2
problem = Problem(
    workers=workers,
    calendar=Calendar(start, start + timedelta(days=n_days - 1), holidays=[date(2026, 1, 9)]),
    shift_types=[ShiftType("D", "Day"), ShiftType("N", "Night")],
    required=required,
    maximum=maximum,
)
s = Schedule(problem, user="alice")
s.assign("W02", "2026-01-05", 0)
s.assign("W03", "2026-01-06", 0)
s.assign("W05", "2026-01-12", 0)
"""


def has_class(cls: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){re.escape(cls)}(\s|$)")


def cell(page: Page, r: int, c: int, grid: int = 0):
    return page.locator(".rts-grid").nth(grid).locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def open_with(lab_user, notebook_factory, *cells: str, name: str = "grid"):
    path = notebook_factory([SETUP, *cells, ""], name=name)
    user = lab_user("alice")
    page = user.open_notebook(path)
    user.run_all_cells()
    expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()
    return user, page


def test_both_views_render_and_names_stay_text(lab_user, notebook_factory):
    _, page = open_with(
        lab_user, notebook_factory, "ScheduleGrid(s)", "ScheduleGrid(s, view='roster')"
    )
    expect(cell(page, 0, 0)).to_have_text("Worker 2")
    expect(cell(page, 1, 0)).to_have_text("Worker 3")
    expect(cell(page, 4, 0)).to_have_class(has_class("rts-holiday"))
    expect(page.locator(".rts-grid").nth(0).locator(".rts-colhead")).to_have_text(["Day", "Night"])
    roster = page.locator(".rts-grid").nth(1)
    expect(roster.locator(".rts-rowhead").nth(2)).to_have_text("Worker 2")
    expect(cell(page, 2, 0, grid=1)).to_have_text("Day")
    # the hostile name is shown as text in both views and never becomes an element
    expect(cell(page, 7, 0)).to_have_text(XSS)
    expect(roster.locator(".rts-rowhead").nth(5)).to_have_text(XSS)
    expect(page.locator(".rts-grid img")).to_have_count(0)


def test_pick_a_suggestion_updates_cell_status_and_history(lab_user, notebook_factory):
    user, page = open_with(lab_user, notebook_factory, "board = dashboard(s)\nboard")
    cell(page, 2, 1).click()
    page.keyboard.press("Enter")
    picker = page.locator(".rts-picker")
    expect(picker.locator("li").first).to_be_visible()
    # Worker 0 is off that day: listed, with the reason, but not pickable
    blocked = picker.locator("li[aria-disabled='true']", has_text="Worker 0")
    expect(blocked).to_contain_text("unavailable")
    page.keyboard.type("Worker 4")
    expect(picker.locator("li")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(cell(page, 2, 1)).to_have_text("Worker 4")
    expect(page.locator(".rts-statusbar .rts-last")).to_contain_text("Worker 4")  # planner terms
    expect(page.locator(".rts-history tbody tr").first).to_contain_text("assign")
    expect(page.locator(".rts-history tbody tr")).to_have_count(4)
    out = user.run_code("print(s.core.slots[2, 1].tolist(), s.version)")
    expect(out.locator(".jp-OutputArea-output")).to_contain_text("[4, -1] 4")


def paste(page: Page, text: str) -> None:
    page.evaluate(PASTE, text)


def test_a_blocked_edit_shows_its_reasons_and_changes_nothing(lab_user, notebook_factory):
    user, page = open_with(lab_user, notebook_factory, "grid = ScheduleGrid(s)\ngrid")
    cell(page, 2, 0).click()
    paste(page, "W00")  # W00 is off on 2026-01-07
    message = page.locator(".rts-grid .rts-message")
    expect(message).to_have_attribute("data-ok", "false")
    expect(message).to_contain_text("Worker 0")  # in planner terms: the name, not the id
    expect(page.locator(".rts-grid .rts-alt").first).to_be_visible()
    expect(cell(page, 2, 0)).to_have_text("—")
    out = user.run_code("print(s.version, s.core.slots[2, 0].tolist())")
    expect(out.locator(".jp-OutputArea-output")).to_contain_text("3 [-1, -1]")
    # an alternative is one click away
    page.locator(".rts-grid .rts-alt").first.click()
    expect(cell(page, 2, 0)).not_to_have_text("—")


def test_keyboard_edit_delete_undo_and_redo(lab_user, notebook_factory):
    _, page = open_with(lab_user, notebook_factory, "grid = ScheduleGrid(s)\ngrid")
    cell(page, 0, 0).click()
    page.keyboard.press("ArrowDown")
    expect(cell(page, 1, 0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Delete")
    expect(cell(page, 1, 0)).to_have_text("—")
    page.keyboard.press("Control+z")
    expect(cell(page, 1, 0)).to_have_text("Worker 3")
    page.keyboard.press("Control+y")
    expect(cell(page, 1, 0)).to_have_text("—")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator(".rts-picker li").first).to_be_visible()
    page.keyboard.type("Worker 1")
    page.keyboard.press("Enter")
    expect(cell(page, 1, 1)).to_have_text("Worker 1")


def test_drag_and_drop_swaps_two_workers(lab_user, notebook_factory):
    _, page = open_with(lab_user, notebook_factory, "grid = ScheduleGrid(s)\ngrid")
    page.drag_and_drop(
        ".rts-grid .rts-cell[data-r='0'][data-c='0'] .rts-chip",
        ".rts-grid .rts-cell[data-r='1'][data-c='0']",
    )
    expect(cell(page, 0, 0)).to_have_text("Worker 3")
    expect(cell(page, 1, 0)).to_have_text("Worker 2")


def test_copy_and_paste_a_block_as_tsv(lab_user, notebook_factory):
    user, page = open_with(lab_user, notebook_factory, "grid = ScheduleGrid(s)\ngrid")
    cell(page, 0, 0).click()
    cell(page, 1, 0).click(modifiers=["Shift"])
    copied = page.evaluate(
        """() => {
             const dt = new DataTransfer();
             const ev = new ClipboardEvent('copy', {clipboardData: dt, bubbles: true,
                                                     cancelable: true});
             document.activeElement.dispatchEvent(ev);
             return dt.getData('text/plain');
           }"""
    )
    assert copied == "W02\nW03"
    cell(page, 10, 0).click()
    paste(page, copied)
    expect(cell(page, 10, 0)).to_have_text("Worker 2")
    expect(cell(page, 11, 0)).to_have_text("Worker 3")
    out = user.run_code("print(s.oplog.records()[-1].kind, s.version)")
    expect(out.locator(".jp-OutputArea-output")).to_contain_text("bulk 4")


def test_two_views_follow_python_edits_from_another_cell(lab_user, notebook_factory):
    user, page = open_with(
        lab_user, notebook_factory, "ScheduleGrid(s)", "ScheduleGrid(s, view='roster')"
    )
    user.run_code("r = s.assign('W04', '2026-01-08', 1)\nprint(r.ok)")
    expect(cell(page, 3, 1)).to_have_text("Worker 4")
    expect(cell(page, 4, 3, grid=1)).to_have_text("Nig")
    user.run_code("s.undo()")
    expect(cell(page, 3, 1)).to_have_text("—")
    expect(cell(page, 4, 3, grid=1)).to_have_text("")


def test_dark_theme_renders_and_dashboard_screenshot(lab_user, notebook_factory, tmp_path):
    _, page = open_with(
        lab_user,
        notebook_factory,
        "s.assign('W01', '2026-01-07', 1); s.assign('W04', '2026-01-09', 1)\n"
        "s.assign('W02', '2026-01-08', 0, force=True)\n"
        "board = dashboard(s, height=300)\nboard",
        "ScheduleGrid(s, theme='dark', height=200)",
    )
    dark = page.locator(".rts-grid").nth(1)
    background = dark.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert background == "rgb(17, 17, 17)", background
    light = page.locator(".rts-grid").nth(0)
    assert light.evaluate("(el) => getComputedStyle(el).backgroundColor") != background
    expect(page.locator(".rts-analytics svg")).to_have_count(4)
    expect(page.locator(".rts-grid .rts-viol-hard").first).to_be_visible()
    # (the README's pictures come from the example ward: test_planner_browser.py)
    board = page.locator(".jp-OutputArea-output").filter(has=page.locator(".rts-statusbar"))
    board.first.screenshot(path=str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000


LOCKED = has_class("rts-locked")


def test_locks_of_another_user_are_marked_live_and_refuse_edits(lab_user, notebook_factory):
    user, page = open_with(
        lab_user,
        notebook_factory,
        "s.collaborate()\ngrid = ScheduleGrid(s)\ngrid",
        "ScheduleGrid(s, view='roster')",
    )
    # bob (code in another cell) locks a cell: both views mark it, naming him as text
    user.run_code("print(s.collab.lock('cell', '2026-01-06', 0, user='bob'))")
    expect(cell(page, 1, 0)).to_have_class(LOCKED)
    expect(cell(page, 1, 0)).to_have_attribute("data-locked-by", "bob")
    expect(cell(page, 1, 0)).to_have_attribute("title", re.compile(r"^locked by bob"))
    expect(cell(page, 3, 1, grid=1)).to_have_class(LOCKED)  # Worker 3 holds that cell
    expect(cell(page, 0, 0)).not_to_have_class(LOCKED)
    # a row locked by a user with a hostile name: the whole date, the name stays text
    user.run_code(f"print(s.collab.lock('row', '2026-01-10', user={XSS!r}))")
    expect(cell(page, 5, 1)).to_have_attribute("data-locked-by", XSS)
    expect(cell(page, 5, 1)).to_have_attribute("title", re.compile("^locked by " + re.escape(XSS)))
    expect(cell(page, 2, 5, grid=1)).to_have_attribute("data-locked-by", XSS)
    expect(page.locator(".rts-grid img")).to_have_count(0)
    # an edit there is refused with the holder's name and changes nothing
    cell(page, 1, 0).click()
    page.keyboard.press("Delete")
    message = page.locator(".rts-grid .rts-message").first
    expect(message).to_contain_text("locked by bob")
    expect(message).to_have_attribute("data-ok", "false")
    expect(cell(page, 1, 0)).to_have_text("Worker 3")
    # released: the marks go in both views
    user.run_code("print(s.collab.unlock('cell', '2026-01-06', 0, user='bob'))")
    expect(cell(page, 1, 0)).not_to_have_class(LOCKED)
    expect(cell(page, 3, 1, grid=1)).not_to_have_class(LOCKED)
    # a lock from a process that then vanished (nobody renews it, nothing publishes its end)
    user.run_code(
        "c = s.collab\n"
        "print(c.store.acquire_lock(c.schedule_id, 'cell:2026-01-13:1', 'dave', 3.0))\n"
        "s.events.publish('lock_acquired', {'target': 'cell:2026-01-13:1', 'kind': 'cell',"
        " 'user': 'dave'}, 'dave')"
    )
    expect(cell(page, 8, 1)).to_have_attribute("data-locked-by", "dave")
    expect(cell(page, 8, 1)).not_to_have_class(LOCKED)  # expired: the grid noticed
    cell(page, 8, 1).click()
    page.keyboard.press("Enter")
    expect(page.locator(".rts-picker li").first).to_be_visible()
    page.keyboard.type("Worker 1")
    page.keyboard.press("Enter")
    expect(cell(page, 8, 1)).to_have_text("Worker 1")


def test_copy_and_paste_through_the_real_clipboard(lab_user, notebook_factory):
    user, page = open_with(lab_user, notebook_factory, "grid = ScheduleGrid(s)\ngrid")
    user.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=user.server.base_url
    )
    cell(page, 0, 0).click()
    cell(page, 1, 0).click(modifiers=["Shift"])
    page.keyboard.press("Control+c")
    expect(page.locator(".rts-grid .rts-message")).to_have_text("copied 2 x 1 cells")
    assert page.evaluate("() => navigator.clipboard.readText()") == "W02\nW03"
    cell(page, 12, 0).click()
    page.keyboard.press("Control+v")
    expect(cell(page, 12, 0)).to_have_text("Worker 2")
    expect(cell(page, 13, 0)).to_have_text("Worker 3")
    # text copied elsewhere (another program) pastes too: ids or names, a block of two posts
    page.evaluate("(t) => navigator.clipboard.writeText(t)", "Worker 4\tW01\n")
    cell(page, 15, 0).click()
    page.keyboard.press("Control+v")
    expect(cell(page, 15, 0)).to_have_text("Worker 4")
    expect(cell(page, 15, 1)).to_have_text("Worker 1")
    out = user.run_code("print(s.oplog.records()[-1].kind, s.version)")
    expect(out.locator(".jp-OutputArea-output")).to_contain_text("bulk 5")
