"""Two people in one shared notebook (JupyterLab real-time collaboration, one kernel): each
sees the other's presence and selected cell, edits reach the other's grid (the delay is
measured and printed), a row locked by one refuses the other's edit with the holder's name,
a stale edit of one cell follows the conflict policy, and the history names who did what."""

from __future__ import annotations

import statistics

import pytest
from cells import ward_cell
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SETUP = ward_cell(
    """
from rtsched_widgets.widgets.grid import ScheduleGrid
grid = ScheduleGrid(s)
grid
"""
)

# day -> worker of the Night post: every worker's shifts at least 6 days apart (min gap)
NIGHTS = {
    8: "W01",
    9: "W02",
    10: "W03",
    11: "W04",
    12: "W05",
    13: "W00",
    14: "W01",
    15: "W02",
    16: "W03",
    17: "W04",
}

SEEN = """
() => {
  window.__seen = {};
  const grid = document.querySelector('.rts-grid');
  const scan = () => {
    for (const el of grid.querySelectorAll('.rts-cell')) {
      const key = `${el.dataset.r}:${el.dataset.c}:${el.textContent}`;
      if (!(key in window.__seen)) window.__seen[key] = Date.now();
    }
  };
  scan();
  new MutationObserver(scan).observe(grid, {subtree: true, childList: true,
                                            characterData: true});
}
"""

PASTE = """
(text) => {
  const dt = new DataTransfer();
  dt.setData('text/plain', text);
  const t = Date.now();
  document.activeElement.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt,
                                                                   bubbles: true,
                                                                   cancelable: true}));
  return t;
}
"""


def cell(page: Page, r: int, c: int):
    return page.locator(".rts-grid").first.locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def message(page: Page):
    return page.locator(".rts-grid .rts-message").first


def synced(page: Page) -> None:
    expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()


def name_of(user) -> str:
    """What people see: the display name."""
    return str(user.identity.get("display_name") or user.identity["name"])


def key_of(user) -> str:
    """Who acts (edits, locks, history): the server's unique user name."""
    return str(user.identity["username"])


def test_two_users_in_one_shared_notebook(lab_user, notebook_factory):
    path = notebook_factory([SETUP, ""], name="collab")
    alice, bob = lab_user("alice"), lab_user("bob")
    a = alice.open_notebook(path)
    alice.run_all_cells()
    synced(a)
    b = bob.open_notebook(path)  # the same document and kernel (real-time collaboration)
    synced(b)
    na, nb = name_of(alice), name_of(bob)
    ka, kb = key_of(alice), key_of(bob)
    assert ka != kb

    # presence: each sees the other, and the other's selected cell in their colour
    expect(a.locator(".rts-grid .rts-viewers").first).to_contain_text(nb)
    expect(b.locator(".rts-grid .rts-viewers").first).to_contain_text(na)
    cell(a, 3, 0).click()
    expect(cell(b, 3, 0)).to_have_attribute("data-peer", na)
    cell(b, 5, 1).click()
    expect(cell(a, 5, 1)).to_have_attribute("data-peer", nb)

    # alice's edits reach bob's grid: the delay from her paste to his repaint
    b.evaluate(SEEN)
    delays = []
    for day, worker in NIGHTS.items():
        cell(a, day, 1).click()
        sent = a.evaluate(PASTE, worker)
        label = f"Worker {worker[-1]}"
        expect(cell(b, day, 1)).to_have_text(label)
        seen = b.evaluate("(key) => window.__seen[key]", f"{day}:1:{label}")
        assert seen is not None
        delays.append(seen - sent)
    p95 = statistics.quantiles(delays, n=20)[-1] if len(delays) >= 2 else delays[0]
    print(
        f"\nedit seen by the other user: median {statistics.median(delays):.0f} ms, "
        f"p95 {p95:.0f} ms over {len(delays)} edits"
    )

    # a row locked by alice refuses bob's edit with her (display) name
    alice.run_code(f"print(s.collab.lock('row', '2026-01-25', user={ka!r}))")
    cell(b, 20, 0).click()
    b.evaluate(PASTE, "W05")
    expect(message(b)).to_contain_text(f"locked by {na}")
    expect(cell(b, 20, 0)).to_have_text("—")
    alice.run_code(f"print(s.collab.unlock('row', '2026-01-25', user={ka!r}))")

    # a stale edit of one cell (reject): bob's edit based on a version before alice's change
    cell(b, 24, 0).click()
    cell_a = alice.notebook.locator(".jp-Cell").last
    cell_a.locator(".cm-content").click()
    a.keyboard.press("ControlOrMeta+a")
    a.keyboard.insert_text(
        "import time\n"
        "with s._lock:  # alice's edit is under way while bob's arrives\n"
        "    print('busy', flush=True)\n"
        "    time.sleep(3)\n"
        f"    print(s.assign('W02', '2026-01-29', 0, user={ka!r}).ok)"
    )
    a.keyboard.press("Control+Enter")
    expect(cell_a.locator(".jp-OutputArea-output")).to_contain_text("busy")  # kernel is busy
    b.evaluate(PASTE, "W00")  # waits in the kernel's queue, based on the version bob saw
    expect(message(b)).to_contain_text("reload")
    expect(cell(b, 24, 0)).to_have_text("Worker 2")
    expect(cell(a, 24, 0)).to_have_text("Worker 2")

    # bob edits too; the history names each author (by user name)
    cell(b, 22, 0).click()
    b.evaluate(PASTE, "W04")
    expect(cell(a, 22, 0)).to_have_text("Worker 4")
    out = alice.run_code(
        "h = s.history\n"
        "print(sorted(set(h.user)))\n"
        "print(h.iloc[-1].user, h.iloc[-1].kind)\n"
        f"print((h.user == {ka!r}).sum())"
    )
    text = out.locator(".jp-OutputArea-output")
    expect(text).to_contain_text(str(sorted({ka, kb})))
    expect(text).to_contain_text(f"{kb} assign")
    expect(text).to_contain_text(str(len(NIGHTS) + 1))

    # the manual policy: bob's stale edit is queued; alice accepts it from the conflicts panel
    alice.run_code(
        "from rtsched_widgets.widgets.panels import ConflictsPanel\n"
        "s.policy = Policy(conflicts='manual')\n"
        f"panel = ConflictsPanel(s, user={ka!r})\n"
        "panel"
    )
    cell(b, 23, 0).click()
    cell_a = alice.notebook.locator(".jp-Cell").last
    cell_a.locator(".cm-content").click()
    a.keyboard.press("ControlOrMeta+a")
    a.keyboard.insert_text(
        "import time\n"
        "with s._lock:\n"
        "    print('busy', flush=True)\n"
        "    time.sleep(3)\n"
        f"    print(s.assign('W05', '2026-01-28', 0, user={ka!r}).ok)\n"
        "panel"  # shown again: this cell's output replaces the previous one
    )
    a.keyboard.press("Control+Enter")
    expect(cell_a.locator(".jp-OutputArea-output")).to_contain_text("busy")
    b.evaluate(PASTE, "W01")
    expect(message(b)).to_contain_text("queued as conflict c1")
    expect(cell(b, 23, 0)).to_have_text("Worker 5")
    row = a.locator(".rts-conflicts tr[data-conflict='c1']")
    expect(row).to_contain_text(nb)
    row.locator(".rts-accept").click()
    expect(cell(b, 23, 0)).to_have_text("Worker 1")
    expect(a.locator(".rts-conflicts tr[data-conflict='c1']")).to_have_count(0)
    out = alice.run_code("print(s.history.iloc[-1].user, s.collab.conflicts.all()[0].resolved_by)")
    expect(out.locator(".jp-OutputArea-output")).to_contain_text(f"{kb} {ka}")
    assert not alice.page_errors() and not bob.page_errors()
