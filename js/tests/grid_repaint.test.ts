// Patches and lock changes rebuild only the cells they concern, in both views.
import { describe, expect, it, vi } from "vitest";
import type { LockEntry, Patch } from "../src/grid/protocol";
import { type GridModel, GridView, SIBLING_WAIT_MS } from "../src/grid/view";
import { cellEl, gridModel, lastSent, mount, mountWith, snapshot } from "./grid_helpers";

const XSS = "<img src=x onerror=alert(1)>";

/** Every rendered cell by "r,c". */
function cells(el: HTMLElement): Map<string, HTMLElement> {
  const out = new Map<string, HTMLElement>();
  for (const c of el.querySelectorAll<HTMLElement>(".rts-cell")) {
    out.set(`${c.dataset.r},${c.dataset.c}`, c);
  }
  return out;
}

/** The "r,c" of every rendered cell that is a different DOM node than before. */
function replaced(before: Map<string, HTMLElement>, el: HTMLElement): string[] {
  const after = cells(el);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  return [...after].filter(([k, node]) => before.get(k) !== node).map(([k]) => k);
}

/** Records DOM mutations of the grid body while `fn` runs. */
function mutations(el: HTMLElement, fn: () => void): MutationRecord[] {
  const body = el.querySelector(".rts-body");
  if (!body) throw new Error("no grid body");
  const obs = new MutationObserver(() => {});
  obs.observe(body, { childList: true, subtree: true, attributes: true, characterData: true });
  fn();
  const records = obs.takeRecords();
  obs.disconnect();
  return records;
}

const patch = (v: number, extra: Partial<Patch>): Patch => ({
  type: "patch",
  v,
  sv: 10 + v,
  ...extra,
});

describe("a patch repaints only the changed cells", () => {
  it("roster view: an assign rebuilds the one (worker, day) cell and touches nothing else", () => {
    const { model, el } = mountWith(
      { days: 7, cells: { "0,0": [0], "3,1": [2] } },
      { view: "roster" },
    );
    const before = cells(el);
    expect(before.size).toBe(3 * 7);
    const records = mutations(el, () => model.deliver(patch(1, { c: [[2, 1, [1], 0]] })));
    expect(replaced(before, el)).toEqual(["1,2"]);
    expect(cellEl(el, 1, 2).textContent).toBe("Nig");
    // one node out, one node in, in the row of worker 1; no other mutation of the body
    expect(records).toHaveLength(1);
    expect(records[0]?.removedNodes[0]).toBe(before.get("1,2"));
    expect(records[0]?.addedNodes[0]).toBe(cellEl(el, 1, 2));
  });

  it("roster view: a move within a day and a swap between workers rebuild their cells only", () => {
    const { model, el } = mountWith(
      { days: 7, cells: { "0,0": [0], "1,0": [1] } },
      { view: "roster" },
    );
    let before = cells(el);
    model.deliver(
      patch(1, {
        c: [
          [0, 0, [-1], 0],
          [0, 1, [0], 0],
        ],
      }),
    );
    expect(replaced(before, el)).toEqual(["0,0"]);
    expect(cellEl(el, 0, 0).textContent).toBe("Nig");
    before = cells(el);
    // Ann (day 0) and Bob (day 1) trade places: 4 worker-days change
    model.deliver(
      patch(2, {
        c: [
          [0, 1, [1], 0],
          [1, 0, [0], 0],
        ],
      }),
    );
    expect(replaced(before, el).sort()).toEqual(["0,0", "0,1", "1,0", "1,1"]);
    expect(cellEl(el, 1, 0).textContent).toBe("Nig");
    expect(cellEl(el, 0, 1).textContent).toBe("Day");
    expect(cellEl(el, 0, 0).textContent).toBe("");
  });

  it("roster view: violations added and removed rebuild the worker-day they name", () => {
    const { model, el } = mountWith({ days: 7, cells: { "2,0": [2] } }, { view: "roster" });
    let before = cells(el);
    model.deliver(patch(1, { va: [[9, 2, -1, 2, 1, "gap", "too close"]] }));
    expect(replaced(before, el)).toEqual(["2,2"]);
    expect(cellEl(el, 2, 2).classList.contains("rts-viol-hard")).toBe(true);
    expect(cellEl(el, 2, 2).title).toContain("too close");
    before = cells(el);
    model.deliver(patch(2, { vr: [9] }));
    expect(replaced(before, el)).toEqual(["2,2"]);
    expect(cellEl(el, 2, 2).classList.contains("rts-viol-hard")).toBe(false);
  });

  it("coverage view: a day-wide violation updates that row header, no cell is rebuilt", () => {
    const { model, el } = mountWith({ days: 7 });
    const before = cells(el);
    const heads = [...el.querySelectorAll<HTMLElement>(".rts-rowhead")];
    model.deliver(patch(1, { va: [[4, 3, -1, -1, 0, "balance", "uneven weekends"]] }));
    expect(replaced(before, el)).toEqual([]);
    expect([...el.querySelectorAll<HTMLElement>(".rts-rowhead")]).toEqual(heads);
    expect(heads[3]?.title).toContain("uneven weekends");
    expect(heads[2]?.title).toBe("");
  });

  it("coverage view: only the patched cell and the cell of a new violation are rebuilt", () => {
    const { model, el } = mountWith({ days: 7, cells: { "0,0": [0] } });
    const before = cells(el);
    model.deliver(patch(1, { c: [[5, 1, [1], 0]], va: [[3, 0, -1, 0, 0, "target", "few"]] }));
    expect(replaced(before, el).sort()).toEqual(["0,0", "5,1"]);
  });

  it("keeps other users' selection marks on a rebuilt cell", () => {
    const { model, el } = mountWith(
      { days: 7 },
      { presence: [["bob", "#123456", "coverage", 2, 1]] },
    );
    expect(cellEl(el, 2, 1).dataset.peer).toBe("bob");
    model.deliver(patch(1, { c: [[2, 1, [0], 0]] }));
    expect(cellEl(el, 2, 1).textContent).toBe("Ann");
    expect(cellEl(el, 2, 1).dataset.peer).toBe("bob");
  });
});

describe("locks of other users", () => {
  const locks = (list: LockEntry[]) => ({ type: "locks", locks: list });

  it("marks a locked cell with the holder's name in the tooltip, as text", () => {
    const { model, el, view } = mount({ user: "alice" });
    const snap = snapshot(view.viewId, { days: 7, cells: { "1,0": [1] } });
    snap.locks = [
      ["cell", 1, 0, "bob"],
      ["row", 4, -1, XSS],
      ["cell", 2, 0, "alice"], // her own: not marked
    ];
    model.deliver(snap);
    const locked = cellEl(el, 1, 0);
    expect(locked.classList.contains("rts-locked")).toBe(true);
    expect(locked.dataset.lockedBy).toBe("bob");
    expect(locked.title.split("\n")[0]).toBe("locked by bob");
    expect(cellEl(el, 1, 1).classList.contains("rts-locked")).toBe(false);
    expect(cellEl(el, 2, 0).classList.contains("rts-locked")).toBe(false);
    // a row lock covers every post of the date; a hostile name stays text
    expect(cellEl(el, 4, 0).title.split("\n")[0]).toBe(`locked by ${XSS}`);
    expect(cellEl(el, 4, 1).dataset.lockedBy).toBe(XSS);
    expect(el.querySelector("img")).toBeNull();
  });

  it("follows lock changes live, rebuilding only the cells whose mark changes", () => {
    const { model, el } = mountWith(
      { days: 7, cells: { "0,0": [2], "3,1": [2] } },
      { user: "alice" },
    );
    let before = cells(el);
    model.deliver(locks([["worker", 2, -1, "bob"]]));
    // a worker lock marks every cell holding that worker
    expect(replaced(before, el).sort()).toEqual(["0,0", "3,1"]);
    expect(cellEl(el, 3, 1).title).toContain("locked by bob");
    before = cells(el);
    model.deliver(locks([["row", 5, -1, "carol"]]));
    expect(replaced(before, el).sort()).toEqual(["0,0", "3,1", "5,0", "5,1"]);
    expect(cellEl(el, 0, 0).classList.contains("rts-locked")).toBe(false);
    expect(cellEl(el, 5, 1).dataset.lockedBy).toBe("carol");
    before = cells(el);
    model.deliver(locks([])); // released or expired
    expect(replaced(before, el).sort()).toEqual(["5,0", "5,1"]);
    expect(el.querySelectorAll(".rts-locked")).toHaveLength(0);
  });

  it("roster view: worker locks mark the row, row locks the column, cell locks its holder", () => {
    const { model, el } = mountWith(
      { days: 7, cells: { "2,1": [0] } },
      { view: "roster", user: "alice" },
    );
    model.deliver(
      locks([
        ["worker", 1, -1, "bob"],
        ["row", 5, -1, "bob"],
        ["cell", 2, 1, "carol"],
      ]),
    );
    const marked = [...el.querySelectorAll<HTMLElement>(".rts-locked")].map(
      (c) => `${c.dataset.r},${c.dataset.c}`,
    );
    const bobRow = Array.from({ length: 7 }, (_, d) => `1,${d}`);
    expect(marked.sort()).toEqual([...bobRow, "0,2", "0,5", "2,5"].sort());
    expect(cellEl(el, 0, 2).dataset.lockedBy).toBe("carol");
  });

  it("a patch moving a worker out of a locked cell moves the mark with it", () => {
    const { model, el } = mountWith(
      { days: 7, cells: { "2,1": [0] } },
      { view: "roster", user: "alice" },
    );
    model.deliver(locks([["cell", 2, 1, "carol"]]));
    expect(cellEl(el, 0, 2).dataset.lockedBy).toBe("carol");
    model.deliver(patch(1, { c: [[2, 1, [-1], 0]] }));
    expect(cellEl(el, 0, 2).classList.contains("rts-locked")).toBe(false);
  });

  it("ignores lock entries that do not fit the grid", () => {
    const { model, el } = mountWith({ days: 3 }, { user: "alice" });
    model.deliver(
      locks([
        ["cell", 99, 0, "bob"],
        ["worker", -1, -1, "bob"],
        ["table", 0, 0, "bob"],
        ["row", 0, -1, 7 as unknown as string],
      ] as LockEntry[]),
    );
    expect(el.querySelectorAll(".rts-locked")).toHaveLength(0);
  });

  it("shows the engine's 'locked by <name>' when an edit on a locked cell is refused", () => {
    const { model, el, view } = mountWith({ days: 7 }, { user: "alice" });
    model.deliver(locks([["cell", 1, 0, "bob"]]));
    view.edit({ k: "assign", w: 0, d: 1, s: 0, slot: 0 });
    const req = lastSent<{ request_id: string }>(model).request_id;
    model.deliver({
      type: "reply",
      view_id: view.viewId,
      request_id: req,
      ok: false,
      code: "LOCKED",
      message: "cell 2026-01-06/D is locked by bob — ask them, or wait until they release it",
    });
    const message = el.querySelector(".rts-message");
    expect(message?.textContent).toContain("locked by bob");
    expect(message?.getAttribute("data-ok")).toBe("false");
    expect(cellEl(el, 1, 0).textContent).toBe("—");
  });
});

describe("the views of one schedule repaint a change together", () => {
  /** Two views of two grids of one schedule (`sid`), each with its own model, in one page. */
  function twoGrids(sid: string, sidB = sid) {
    const a = mount();
    const modelB = gridModel();
    const elB = document.createElement("div");
    document.body.append(elB);
    const viewB = new GridView(modelB as unknown as GridModel, elB);
    a.model.deliver({ ...snapshot(a.view.viewId), sid });
    modelB.deliver({ ...snapshot(viewB.viewId), sid: sidB });
    const b = { model: modelB, el: elB, view: viewB };
    return { a, b, text: () => [cellEl(a.el, 1, 0).textContent, cellEl(elB, 1, 0).textContent] };
  }
  const assign = patch(1, { c: [[1, 0, [2], 0]] });

  it("the first patch waits for the other view's, then both views repaint in one task", () => {
    const { a, b, text } = twoGrids("k-1");
    a.model.deliver(assign);
    expect(text()).toEqual(["—", "—"]); // view B has not had this version yet
    b.model.deliver(assign);
    expect(text()).toEqual(["Cid", "Cid"]);
    a.view.dispose();
    b.view.dispose();
  });

  it("waits at most SIBLING_WAIT_MS for a patch that does not come", () => {
    vi.useFakeTimers();
    try {
      const { a, b, text } = twoGrids("k-2");
      a.model.deliver(assign);
      vi.advanceTimersByTime(SIBLING_WAIT_MS - 1);
      expect(text()).toEqual(["—", "—"]);
      vi.advanceTimersByTime(1);
      expect(text()).toEqual(["Cid", "—"]);
      a.view.dispose();
      b.view.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it("views of other schedules, and a disposed view, hold nothing back", () => {
    const { a, b, text } = twoGrids("k-3", "k-4");
    a.model.deliver(assign);
    expect(text()).toEqual(["Cid", "—"]);
    const again = twoGrids("k-5");
    again.b.view.dispose();
    again.a.model.deliver(assign);
    expect(cellEl(again.a.el, 1, 0).textContent).toBe("Cid");
    // a view whose element left the page without a dispose holds nothing back either
    const gone = twoGrids("k-6");
    gone.b.el.remove();
    gone.a.model.deliver(assign);
    expect(cellEl(gone.a.el, 1, 0).textContent).toBe("Cid");
    for (const v of [a.view, b.view, again.a.view, gone.a.view, gone.b.view]) v.dispose();
  });
});
