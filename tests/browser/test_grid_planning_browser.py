"""The dashboard's grid as a planner meets it, in a real JupyterLab: the picker starts on the best
candidate (Enter straight away assigns it, never empties the cell), a second click on the
worker's name opens the picker, one's own selection looks unlike a collaborator's (two users),
icons are inline SVG (no emoji anywhere), and `?` shows the keys that docs/widgets.md lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cells import ward_cell
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "widgets.md"

SETUP = ward_cell(
    """
s.assign("W03", "2026-01-09", 0)   # day 4: a filled cell
s.assign("W05", "2026-01-12", 0)   # day 7: pinned (a mandatory day)
s.collab.lock("cell", "2026-01-14", 1, user="carol")  # day 9, Night: someone else's lock
board = rt.dashboard(s, height=320)
board
""",
    workers='[Worker(f"W0{i}", name=f"Worker {i}") for i in range(5)]'
    ' + [Worker("W05", name="Worker 5", mandatory_days=(date(2026, 1, 12),))]',
)

#: Emoji in any text or generated content (::before / ::after) of the widgets.
EMOJI_IN_WIDGETS = r"""
() => {
  const emoji = /\p{Extended_Pictographic}/u;
  const found = [];
  for (const root of document.querySelectorAll('.rts-themed')) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      for (const pseudo of ['::before', '::after']) {
        const content = getComputedStyle(el, pseudo).content;
        if (content && emoji.test(content)) found.push(`${el.className}${pseudo}: ${content}`);
      }
      for (const node of el.childNodes) {
        if (node.nodeType === 3 && emoji.test(node.textContent)) found.push(node.textContent);
      }
    }
  }
  return found;
}
"""


def name_of(user) -> str:
    return str(user.identity.get("display_name") or user.identity["name"])


def grid(page: Page):
    return page.locator(".rts-grid").first


def cell(page: Page, r: int, c: int):
    return grid(page).locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def open_board(user, notebook_factory, *, run: bool = True) -> tuple[str, Page]:
    path = notebook_factory([SETUP, ""], name="planner")
    page = user.open_notebook(path)
    if run:
        user.run_all_cells()
    expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()
    return path, page


def test_picker_starts_on_the_best_candidate(lab_user, notebook_factory):
    ann = lab_user("ann")
    _, a = open_board(ann, notebook_factory)
    expect(cell(a, 4, 0)).to_have_text("Worker 3")
    cell(a, 4, 0).click()
    a.keyboard.press("Enter")
    picker = grid(a).locator(".rts-picker")
    items = picker.locator("li")
    expect(items.first).to_have_text("(clear)")
    expect(items.nth(1)).to_be_visible()  # the suggestions have arrived
    active = picker.locator("li[aria-selected='true']")
    expect(active).to_have_count(1)
    best = active.locator("span").first.inner_text()
    assert best != "(clear)"
    first_enabled = picker.locator("li[aria-disabled='false']").nth(1)
    expect(first_enabled).to_have_attribute("aria-selected", "true")  # the top suggestion
    a.keyboard.press("Enter")  # straight away: assigns the best candidate
    expect(picker).to_have_count(0)
    expect(cell(a, 4, 0)).to_have_text(best)
    assert not ann.page_errors()


def test_second_click_on_the_workers_name_opens_the_picker(lab_user, notebook_factory):
    ann = lab_user("ann")
    _, a = open_board(ann, notebook_factory)
    a.evaluate(
        "() => { window.__dbl = 0; document.querySelector('.rts-grid')"
        ".addEventListener('dblclick', () => { window.__dbl += 1; }, true); }"
    )
    name = cell(a, 4, 0).locator(".rts-chip")
    name.click()
    expect(cell(a, 4, 0)).to_have_attribute("aria-selected", "true")
    expect(grid(a).locator(".rts-picker")).to_have_count(0)
    a.wait_for_timeout(700)  # well past the double-click interval: two separate clicks
    name.click()
    expect(grid(a).locator(".rts-picker")).to_be_visible()
    expect(grid(a).locator(".rts-picker li").nth(1)).to_be_visible()
    assert a.evaluate("() => window.__dbl") == 0, "opened by the second click, not a dblclick"
    a.keyboard.press("Escape")
    expect(grid(a).locator(".rts-picker")).to_have_count(0)
    # a drag of the name still moves it (the second press did not open the picker on press)
    cell(a, 4, 0).locator(".rts-chip").drag_to(cell(a, 6, 0))
    expect(cell(a, 6, 0)).to_have_text("Worker 3")
    expect(cell(a, 4, 0)).to_have_text("—")
    expect(grid(a).locator(".rts-picker")).to_have_count(0)
    assert not ann.page_errors()


OUTLINE = """
(el) => {
  const own = getComputedStyle(el);
  const before = getComputedStyle(el, '::before');
  const after = getComputedStyle(el, '::after');
  // the theme's accent for focus: --rts-focus where a theme sets one, else --rts-brand
  const style = getComputedStyle(el.closest('.rts-grid'));
  const brand = (style.getPropertyValue('--rts-focus').trim()
                 || style.getPropertyValue('--rts-brand').trim());
  const probe = document.createElement('span');
  probe.style.color = brand;
  document.body.append(probe);
  const brandRgb = getComputedStyle(probe).color;
  probe.remove();
  return {
    outlineStyle: own.outlineStyle, outlineColor: own.outlineColor, brand: brandRgb,
    beforeBorder: before.borderTopStyle, beforeContent: before.content,
    beforeColor: before.borderTopColor, afterContent: after.content,
  };
}
"""


def test_own_selection_unlike_a_collaborators(lab_user, notebook_factory):
    alice, bob = lab_user("alice"), lab_user("bob")
    path, a = open_board(alice, notebook_factory)
    b = bob.open_notebook(path)
    expect(b.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()
    na, nb = name_of(alice), name_of(bob)

    cell(a, 2, 1).click()
    expect(cell(b, 2, 1)).to_have_attribute("data-peer", na)
    cell(b, 3, 1).click()
    expect(cell(a, 3, 1)).to_have_attribute("data-peer", nb)

    peer_class = re.compile(r"\brts-peer\b")
    # alice's own cell: the solid ring in the theme's accent colour, no peer mark
    expect(cell(a, 2, 1)).not_to_have_class(peer_class)
    mine = cell(a, 2, 1).evaluate(OUTLINE)
    assert mine["outlineStyle"] == "solid" and mine["outlineColor"] == mine["brand"], mine
    assert {mine["beforeContent"], mine["afterContent"]} <= {"none", "normal"}
    # bob's cell in alice's grid: dashed in bob's colour, with his name
    theirs = cell(a, 3, 1).evaluate(OUTLINE)
    assert theirs["beforeBorder"] == "dashed", theirs
    assert theirs["afterContent"] == f'"{nb}"', theirs
    assert theirs["beforeColor"] != mine["brand"]
    assert theirs["outlineStyle"] == "none", "no ring like one's own"
    # and the same in bob's page, the other way round
    expect(cell(b, 3, 1)).not_to_have_class(peer_class)
    assert cell(b, 3, 1).evaluate(OUTLINE)["outlineStyle"] == "solid"
    assert cell(b, 2, 1).evaluate(OUTLINE)["afterContent"] == f'"{na}"'
    assert cell(b, 2, 1).evaluate(OUTLINE)["beforeBorder"] == "dashed"
    assert not alice.page_errors() and not bob.page_errors()


def test_icons_are_inline_svg_and_no_emoji_anywhere(lab_user, notebook_factory):
    ann = lab_user("ann")
    _, a = open_board(ann, notebook_factory)
    pin = cell(a, 7, 0).locator(".rts-chip svg.rts-icon-pin")
    expect(pin).to_be_visible()
    expect(pin).to_have_attribute("aria-label", "pinned")
    box = pin.bounding_box()
    assert box is not None and box["width"] >= 8 and box["height"] >= 8
    expect(cell(a, 7, 0)).to_have_text("Worker 5")
    lock = cell(a, 9, 1).locator("svg.rts-icon-lock")
    expect(lock).to_be_visible()
    expect(lock).to_have_attribute("aria-label", "locked by carol")
    light = a.locator(".rts-statusbar .rts-connection svg.rts-icon-dot")
    expect(light).to_be_visible()
    expect(a.locator(".rts-grid .rts-help-button svg.rts-icon-help")).to_be_visible()
    assert a.evaluate(EMOJI_IN_WIDGETS) == []
    assert not ann.page_errors()


def docs_table() -> list[list[str]]:
    section = DOCS.read_text().split("## Using the grid")[1].split("\n## ")[0]
    return [
        [part.strip() for part in line[2:-2].split(" | ")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| action")
    ]


def test_question_mark_shows_the_keys(lab_user, notebook_factory):
    ann = lab_user("ann")
    _, a = open_board(ann, notebook_factory)
    cell(a, 1, 0).click()
    a.keyboard.press("?")
    help_box = grid(a).locator(".rts-help")
    expect(help_box).to_be_visible()
    expect(help_box).to_have_attribute("role", "dialog")
    rows = help_box.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [r.querySelector('th').textContent, "
        "r.querySelector('td').textContent])"
    )
    assert rows == docs_table()
    # the grid keeps the keys: Escape closes the help and the selection still moves
    a.keyboard.press("Escape")
    expect(help_box).to_have_count(0)
    a.keyboard.press("ArrowDown")
    expect(cell(a, 2, 0)).to_have_attribute("aria-selected", "true")
    # the toolbar button opens it too, and its Close button closes it
    grid(a).locator(".rts-help-button").click()
    expect(help_box).to_be_visible()
    help_box.locator(".rts-help-close").click()
    expect(help_box).to_have_count(0)
    assert not ann.page_errors()
