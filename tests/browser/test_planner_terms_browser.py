"""The dashboard as a planner meets it, in a real JupyterLab with two people: results and
refusals in the planner's terms (names, dates with weekday, post names; short in the toolbar,
the full explanation a click away, never past the toolbar's edge), "Apply anyway" where the
policy allows it (recorded with its reason, seen by the other person), a refused undo
summarised, the layout (the grid uses the width; the panels wrap in a narrow notebook), ARIA
roles and axe-core with no serious or critical finding in the light and dark themes, and the
README's pictures taken from the example ward of ``notebooks/demo.ipynb``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cells import PASTE, ward_cell
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
AXE = REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"

SETUP = ward_cell(
    """
s.assign("W01", "2026-01-05", 0)
board = rt.dashboard(s, height=320)
board
"""
)


AXE_RUN = """
async (el) => {
  const result = await axe.run(el, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3)
      .map((n) => `${n.target.join(' ')} — ${n.failureSummary}`).join(' | '));
}
"""


def cell(page: Page, r: int, c: int, grid: int = 0):
    return page.locator(".rts-grid").nth(grid).locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def synced(page: Page) -> None:
    expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()


def paste(page: Page, r: int, c: int, text: str) -> None:
    cell(page, r, c).click()
    page.evaluate(PASTE, text)


def board_of(page: Page):
    return page.locator(".jp-OutputArea-output").filter(has=page.locator(".rts-statusbar")).first


def axe_findings(page: Page) -> list[str]:
    """axe-core (the npm devDependency's bundled file, read from disk) run on the dashboard:
    its serious and critical findings."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    findings: list[str] = page.evaluate(AXE_RUN, board_of(page).element_handle())
    return findings


def set_theme(page: Page, theme: str) -> None:
    """Switches JupyterLab to ``theme`` through its Settings menu (as a person would)."""
    page.locator(".lm-MenuBar-itemLabel:text-is('Settings')").click()
    page.locator(".lm-Menu-itemLabel:text-is('Theme')").hover()
    page.locator(f".lm-Menu-itemLabel:text-is('{theme}')").click()
    light = "true" if "Light" in theme else "false"
    page.wait_for_selector(f"body[data-jp-theme-light='{light}']", state="attached")


def inside(page: Page, inner: str, outer: str) -> bool:
    """The first ``inner`` element lies within the left and right edges of the first ``outer``."""
    return bool(
        page.evaluate(
            """([inner, outer]) => {
                 const a = document.querySelector(inner).getBoundingClientRect();
                 const b = document.querySelector(outer).getBoundingClientRect();
                 return a.right <= b.right + 1 && a.left >= b.left - 1;
               }""",
            [inner, outer],
        )
    )


def name_of(user: Any) -> str:
    return str(user.identity.get("display_name") or user.identity["name"])


def test_refusals_in_planner_terms_apply_anyway_and_a_summarised_undo(lab_user, notebook_factory):
    path = notebook_factory([SETUP, ""], name="planner")
    alice, bob = lab_user("alice"), lab_user("bob")
    a = alice.open_notebook(path)
    alice.run_all_cells()
    synced(a)
    b = bob.open_notebook(path)
    synced(b)

    # a refused paste (Worker 1 two days after their shift: the minimum gap), in her terms
    paste(a, 2, 0, "W01")
    message = a.locator(".rts-grid .rts-message").first
    expect(message).to_have_attribute("data-ok", "false")
    expect(message).to_contain_text("Refused: Worker 1 works Mon 5 Jan 2026 and Wed 7 Jan 2026")
    text = message.inner_text()
    assert "W01" not in text and "force=True" not in text and "2026-01-0" not in text
    assert inside(a, ".rts-grid .rts-message", ".rts-grid .rts-toolbar")
    # the full explanation a click away, uncut, in a box that wraps inside the grid
    a.locator(".rts-grid .rts-more").first.click()
    detail = a.locator(".rts-grid .rts-detail").first
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("min gap")
    expect(detail).to_contain_text("Apply anyway makes the edit all the same")
    assert "force=True" not in detail.inner_text()
    assert inside(a, ".rts-grid .rts-detail", ".rts-grid")
    # Apply anyway: the edit is made; bob sees it, and the reason, in his history panel
    a.locator(".rts-grid .rts-force").first.click()
    expect(cell(a, 2, 0)).to_have_text("Worker 1")
    expect(cell(b, 2, 0)).to_have_text("Worker 1")
    expect(b.locator(".rts-history tbody tr").first).to_contain_text(
        "Worker 1 assigned to Wed 7 Jan 2026, Day (forced: Worker 1 works Mon 5 Jan 2026"
    )
    out = alice.run_code("print(s.history.iloc[-1].message)")  # the audit keeps ids
    expect(out.locator(".jp-OutputArea-output")).to_contain_text(
        "W01 assigned to 2026-01-07/D (forced: W01 works 2026-01-05"
    )

    # where the policy forbids forcing, no Apply anyway (and no advice to pass force=True)
    alice.run_code("s.policy = Policy(allow_force=False)")
    paste(a, 4, 0, "W01")
    expect(message).to_contain_text("Refused: Worker 1 works Wed 7 Jan 2026 and Fri 9 Jan 2026")
    expect(a.locator(".rts-grid .rts-force").first).to_be_hidden()
    a.locator(".rts-grid .rts-more").first.click()
    expect(detail).to_contain_text("does not allow applying it anyway")
    assert "force=True" not in detail.inner_text() + message.inner_text()

    # bob empties alice's forced cell; her undo of it is refused, summarised, details on demand
    cell(b, 2, 0).click()
    b.keyboard.press("Delete")
    expect(cell(a, 2, 0)).to_have_text("—")
    a.locator(".rts-history .rts-undo").click()
    notice = a.locator(".rts-history .rts-notice")
    expect(notice).to_contain_text("Can't undo: 1 cell changed since")
    assert len(notice.inner_text()) < 120
    assert "undo of" not in notice.inner_text()  # no op ids
    a.locator(".rts-history .rts-notice-detail summary").click()
    expect(a.locator(".rts-history .rts-notice-text")).to_contain_text(
        "Wed 7 Jan 2026, Day: now empty, was Worker 1"
    )
    assert not alice.page_errors() and not bob.page_errors()


def test_layout_aria_and_axe_in_light_and_dark(lab_user, notebook_factory):
    path = notebook_factory([SETUP, ""], name="layout")
    user = lab_user("alice")
    page = user.open_notebook(path)
    user.run_all_cells()
    synced(page)
    board = board_of(page)
    # the grid and its columns use the width of the output area
    width = board.bounding_box()["width"]
    grid = page.locator(".rts-grid").first
    assert grid.bounding_box()["width"] >= 0.95 * width
    canvas = page.locator(".rts-grid .rts-canvas").first.bounding_box()["width"]
    assert canvas >= 0.9 * page.locator(".rts-grid .rts-scroller").first.bounding_box()["width"]
    history, analytics = page.locator(".rts-history").first, page.locator(".rts-analytics").first
    h, an = history.bounding_box(), analytics.bounding_box()
    assert abs(h["y"] - an["y"]) < 2 and an["x"] >= h["x"] + h["width"] - 1  # side by side
    # ARIA: a grid of rows, headers and labelled cells in the planner's terms
    expect(page.locator(".rts-grid [role='grid']").first).to_have_attribute("aria-rowcount", "29")
    expect(page.locator(".rts-grid [role='columnheader']").first).to_be_attached()
    expect(page.locator(".rts-grid [role='rowheader']").first).to_be_attached()
    expect(cell(page, 0, 0)).to_have_attribute("aria-label", "Mon 5 Jan 2026, Day: Worker 1")
    cell(page, 3, 1).click()
    focused = cell(page, 3, 1)
    expect(focused).to_have_attribute("aria-selected", "true")
    expect(focused).to_have_attribute("aria-label", re.compile(r"^Thu 8 Jan 2026, Night: empty"))
    expect(grid).to_have_attribute("aria-activedescendant", str(focused.get_attribute("id")))
    # a visible focus: the focused cell's outline is drawn
    assert focused.evaluate("(el) => getComputedStyle(el).outlineStyle") == "solid"

    findings = axe_findings(page)
    assert findings == [], "\n".join(findings)
    set_theme(page, "JupyterLab Dark")
    try:
        background = grid.evaluate("(el) => getComputedStyle(el).backgroundColor")
        assert background != "rgb(255, 255, 255)", background
        findings = axe_findings(page)
        assert findings == [], "\n".join(findings)
    finally:
        set_theme(page, "JupyterLab Light")

    # a narrow notebook: everything still fits, the panels wrap under each other
    page.set_viewport_size({"width": 760, "height": 900})
    page.wait_for_function(
        """() => {
             const h = document.querySelector('.rts-history').getBoundingClientRect();
             const a = document.querySelector('.rts-analytics').getBoundingClientRect();
             return a.top >= h.bottom - 1;
           }"""
    )
    width = board.bounding_box()["width"]
    for selector in (".rts-grid", ".rts-statusbar", ".rts-history", ".rts-analytics"):
        box = page.locator(selector).first.bounding_box()
        assert box["width"] <= width + 1, (selector, box, width)
    assert not user.page_errors()


def test_demo_notebook_pictures_with_two_people(lab_user, lab_server):
    alice, bob = lab_user("alice"), lab_user("bob")
    try:
        a = alice.open_notebook("demo.ipynb")
        # the stored outputs go first (a fresh run counts its cells from 1 again)
        a.locator(".lm-MenuBar-itemLabel:text-is('Edit')").click()
        a.locator(".lm-Menu-itemLabel:text-is('Clear Outputs of All Cells')").click()
        alice.run_all_cells()  # the ward, generated with auto, and its two sick calls
        synced(a)
        b = bob.open_notebook("demo.ipynb")
        synced(b)
        expect(a.locator(".rts-grid .rts-viewers").first).to_contain_text(name_of(bob))
        # the violations to fix are there: the sick people's shifts
        hard = a.locator(".rts-grid").first.locator(".rts-viol-hard").first
        expect(hard).to_be_visible()
        expect(a.locator(".rts-statusbar").first).to_contain_text("2 hard")
        # bob looks at a cell: alice sees where he is
        cell(b, 1, 1).click()
        expect(cell(a, 1, 1)).to_have_attribute("data-peer", re.compile(".+"))
        hard.click()
        DOCS.mkdir(exist_ok=True)
        # the picture: the file browser folded away, the dashboard's top at the top of the view
        a.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()
        a.set_viewport_size({"width": 1500, "height": 1300})
        board = board_of(a)
        board.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        a.wait_for_timeout(300)  # the grid's columns follow the new width (ResizeObserver)
        box = board.bounding_box()
        height = min(box["height"], 1300 - 40 - box["y"])  # above the JupyterLab status bar
        clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": height}
        a.screenshot(path=str(DOCS / "dashboard.png"), clip=clip)
        # a refusal with its explanation open: David Moreau is off sick on Wed 21 Jan 2026
        paste(a, 16, 0, "W0004")
        message = a.locator(".rts-grid .rts-message").first
        expect(message).to_contain_text("David Moreau")
        expect(a.locator(".rts-grid .rts-force").first).to_be_visible()
        a.locator(".rts-grid .rts-more").first.click()
        expect(a.locator(".rts-grid .rts-detail").first).to_be_visible()
        a.locator(".rts-grid").first.screenshot(path=str(DOCS / "refusal.png"))
        roster = a.locator(".jp-OutputArea-output").filter(has=a.locator(".rts-grid")).last
        roster.scroll_into_view_if_needed()
        roster.screenshot(path=str(DOCS / "roster.png"))
        for name in ("dashboard.png", "refusal.png", "roster.png"):
            assert (DOCS / name).stat().st_size > 10_000, name
        findings = axe_findings(a)
        assert findings == [], "\n".join(findings)
        assert not alice.page_errors() and not bob.page_errors()
    finally:
        for session in lab_server.api("GET", "/api/sessions").json():
            if str(session.get("path", "")).endswith("demo.ipynb"):
                lab_server.api("DELETE", f"/api/sessions/{session['id']}")
