"""Live planning in one shared notebook: alice starts a solve from the dashboard's solver bar,
bob empties three cells while it runs, both grids and both bars follow the solver's
improvements, alice stops the run (it ends within a second) and bob's cells keep his values."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SETUP = """
import numpy as np
import rtsched_widgets as rt

problem = rt.synthetic(workers=60, days=365, posts=3, seed=0)
s = rt.Schedule(problem, user="kernel")
s.collaborate()
board = rt.dashboard(s, height=360)
# days on which nobody is pinned: emptying a cell there is never refused
free_days = [d for d in range(14) if not problem.mandatory[:, d].any()]
board
"""

#: Counts the changes of a page's grid cells from now on (window.__cellChanges).
WATCH_CELLS = """
() => {
  window.__cellChanges = 0;
  const body = document.querySelector('.rts-grid .rts-body');
  new MutationObserver((records) => { window.__cellChanges += records.length; })
    .observe(body, {subtree: true, childList: true, characterData: true});
}
"""

#: Records when the bar's state becomes each value (window.__barStates[state] = ms).
WATCH_STATE = """
() => {
  window.__barStates = {};
  const root = document.querySelector('.rts-solver');
  new MutationObserver(() => {
    const state = root.dataset.state;
    if (!(state in window.__barStates)) window.__barStates[state] = performance.now();
  }).observe(root, {attributes: true, attributeFilter: ['data-state']});
}
"""

CLICK_STOP = """
() => {
  const t = performance.now();
  document.querySelector('.rts-solver button.rts-stop').click();
  return t;
}
"""


def name_of(user) -> str:
    """What people see: the display name."""
    return str(user.identity.get("display_name") or user.identity["name"])


def key_of(user) -> str:
    """Who acts (runs, edits, history): the server's unique user name."""
    return str(user.identity["username"])


def bar(page: Page):
    return page.locator(".rts-solver").first


def cell(page: Page, r: int, c: int):
    return page.locator(".rts-grid").first.locator(f".rts-cell[data-r='{r}'][data-c='{c}']")


def points(page: Page) -> int:
    return int(bar(page).locator(".rts-solver-chart svg").get_attribute("data-points") or 0)


def output(user, code: str) -> str:
    out = user.run_code(code).locator(".jp-OutputArea-output")
    expect(out).not_to_be_empty()
    return out.inner_text()


def test_live_solve_with_two_users(lab_user, notebook_factory):
    path = notebook_factory([SETUP, ""], name="solver")
    alice, bob = lab_user("alice"), lab_user("bob")
    a = alice.open_notebook(path)
    alice.run_all_cells()
    b = bob.open_notebook(path)
    for page in (a, b):
        expect(page.locator(".rts-grid .rts-conn[data-state='synced']").first).to_be_visible()
        expect(bar(page)).to_have_attribute("data-state", "idle")
    na = name_of(alice)  # what both bars show
    ka, kb = key_of(alice), key_of(bob)  # who acts
    a.evaluate(WATCH_CELLS)
    b.evaluate(WATCH_CELLS)

    # alice starts a run from her bar: it is hers, in both bars
    bar(a).locator("select.rts-strategy").select_option("local_search")
    bar(a).locator("input.rts-time-limit").fill("20")
    bar(a).locator("button.rts-solve").click()
    for page in (a, b):
        expect(bar(page)).to_have_attribute("data-state", "running")
        expect(bar(page).locator(".rts-solver-state")).to_contain_text(
            f"local_search started by {na}"
        )
        expect(bar(page).locator("button.rts-solve")).to_be_disabled()
    # the solver's improvements reach both grids and both charts
    for page in (a, b):
        page.wait_for_function("() => window.__cellChanges > 0")
        page.wait_for_function(
            "() => Number(document.querySelector('.rts-solver-chart svg').dataset.points) >= 2"
        )

    # bob empties three cells the solver filled (on days where nobody is pinned)
    listed = output(
        alice,
        "import time\n"
        "deadline = time.monotonic() + 20\n"
        "while True:  # the solver fills the first days as it goes\n"
        "    cells = [(d, k) for d in free_days for k in range(problem.n_shifts)\n"
        "             if s.core.count[d, k] > 0][:3]\n"
        "    if len(cells) == 3 or time.monotonic() > deadline:\n"
        "        break\n"
        "    time.sleep(0.2)\n"
        "print(cells)",
    )
    cells = [(int(d), int(k)) for d, k in re.findall(r"\((\d+), (\d+)\)", listed)]
    assert len(cells) == 3, listed
    before = {page: points(page) for page in (a, b)}
    changes = {page: page.evaluate("() => window.__cellChanges") for page in (a, b)}
    for d, k in cells:
        cell(b, d, k).click()
        b.keyboard.press("Delete")
        expect(cell(b, d, k)).to_have_text("—")
    for d, k in cells:
        expect(cell(a, d, k)).to_have_text("—")
    # the run goes on: more points in both charts, more solver repaints in both grids
    for page in (a, b):
        page.wait_for_function(
            "(n) => Number(document.querySelector('.rts-solver-chart svg').dataset.points) > n",
            arg=before[page],
        )
        page.wait_for_function("(n) => window.__cellChanges > n", arg=changes[page] + 3)
        expect(bar(page)).to_have_attribute("data-state", "running")

    # alice stops it: the run ends (cancelled, below), both bars say so. How long that takes
    # is measured by benchmarks/bench_live_solving.py (a test asserts no wall-clock limit).
    a.evaluate(WATCH_STATE)
    clicked = a.evaluate(CLICK_STOP)
    expect(bar(a)).to_have_attribute("data-state", "stopped")
    stopped = a.evaluate("() => window.__barStates.stopped")
    print(f"\nstop clicked -> bar shows stopped: {stopped - clicked:.0f} ms")
    assert stopped >= clicked
    expect(bar(b)).to_have_attribute("data-state", "stopped")
    expect(bar(b).locator(".rts-solver-state")).to_contain_text(f"stopped by {na}")
    assert ka not in bar(b).inner_text(), "people read names, not keys"
    expect(bar(b).locator("button.rts-solve")).to_be_enabled()

    # bob's cells hold his values; the kernel agrees, and the solver did merge improvements
    for d, k in cells:
        expect(cell(a, d, k)).to_have_text("—")
        expect(cell(b, d, k)).to_have_text("—")
    report = output(
        alice,
        "job = board.solver.job\n"
        "print('counts', [int(s.core.count[d, k]) for d, k in cells])\n"
        "print('result', job.user, job.result.status, job.result.stopped_by,"
        " job.result.merges > 0)\n"
        "h = s.history\n"
        "print('users', sorted(set(h.user)))",
    )
    assert "counts [0, 0, 0]" in report
    assert f"result {ka} cancelled {ka} True" in report
    assert f"'{kb}'" in report and "'solver'" in report
    assert not alice.page_errors() and not bob.page_errors()
