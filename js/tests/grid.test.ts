import { describe, expect, it, vi } from "vitest";
import { FLAG_HOLIDAY, FLAG_WEEKEND, isIncoming, type Patch } from "../src/grid/protocol";
import { GridData } from "../src/grid/state";
import { parseTsv, toTsv } from "../src/grid/tsv";
import { type GridView, PICKED_LINGER_MS } from "../src/grid/view";
import { windowFor } from "../src/grid/virtual";
import { cellEl, key, lastSent, mount, mountWith, reply, snapshot } from "./grid_helpers";

const XSS = "<img src=x onerror=alert(1)>";

describe("virtual window", () => {
  it("covers the visible rows plus overscan, clamped to the list", () => {
    expect(windowFor(0, 100, 20, 1000, 3)).toEqual({ start: 0, end: 9 });
    expect(windowFor(2000, 100, 20, 1000, 3)).toEqual({ start: 97, end: 109 });
    expect(windowFor(19_990, 100, 20, 1000, 3)).toEqual({ start: 996, end: 1000 });
    expect(windowFor(0, 100, 20, 0, 3)).toEqual({ start: 0, end: 0 });
  });
});

describe("grid rendering", () => {
  it("says hello, then renders the snapshot addressed to it", () => {
    const { model, el, view } = mount();
    expect(model.sent[0]).toEqual({ type: "hello", view_id: view.viewId });
    expect(el.querySelectorAll(".rts-cell")).toHaveLength(0);
    model.deliver(snapshot(view.viewId, { cells: { "0,0": [0], "1,1": [2] } }));
    expect(cellEl(el, 0, 0).textContent).toBe("Ann");
    expect(cellEl(el, 1, 1).textContent).toBe("Cid");
    expect(cellEl(el, 0, 1).textContent).toBe("—");
    const heads = [...el.querySelectorAll(".rts-colhead")].map((h) => h.textContent);
    expect(heads).toEqual(["Day", "Night"]);
    expect(el.querySelector(".rts-rowhead")?.textContent).toBe("2026-01-05 Mon");
    expect(el.querySelector(".rts-conn")?.getAttribute("data-state")).toBe("synced");
  });

  it("ignores a snapshot meant for another view", () => {
    const { model, el } = mount();
    model.deliver(snapshot("someone-else", { cells: { "0,0": [0] } }));
    expect(el.querySelectorAll(".rts-cell")).toHaveLength(0);
  });

  it("renders only the rows in the scroll window of a 10,000-row grid", () => {
    const { model, el, view } = mount({ height: 200, row_height: 20 });
    model.deliver(snapshot(view.viewId, { days: 10_000 }));
    const rows = () =>
      [...el.querySelectorAll<HTMLElement>(".rts-row")].map((r) => Number(r.dataset.r));
    // 200px viewport minus a 20px header = 9 rows visible (+1 partial), plus 6 overscan below
    expect(rows()).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const canvas = el.querySelector<HTMLElement>(".rts-canvas");
    expect(canvas?.style.height).toBe(`${10_001 * 20}px`);
    view.scroller.scrollTop = 5000 * 20;
    view.scroller.dispatchEvent(new Event("scroll"));
    expect(rows()[0]).toBe(4994);
    expect(rows().at(-1)).toBe(5015);
    expect(
      el.querySelector(`.rts-row[data-r="5000"]`)?.querySelector(".rts-rowhead")?.textContent,
    ).toContain("2039-09-");
  });

  it("shades weekends and holidays, and marks pinned slots and under-filled cells", () => {
    const { model, el, view } = mount();
    const snap = snapshot(view.viewId, {
      flags: { 0: FLAG_WEEKEND, 1: FLAG_HOLIDAY },
      cells: { "0,0": [1] },
    });
    snap.pins = [[0, 0, 1]];
    model.deliver(snap);
    expect(cellEl(el, 0, 0).classList.contains("rts-weekend")).toBe(true);
    expect(cellEl(el, 1, 0).classList.contains("rts-holiday")).toBe(true);
    expect(cellEl(el, 2, 0).classList.contains("rts-weekend")).toBe(false);
    expect(cellEl(el, 0, 0).querySelector(".rts-chip")?.classList.contains("rts-pinned")).toBe(
      true,
    );
    expect(cellEl(el, 2, 0).classList.contains("rts-under")).toBe(true);
    expect(cellEl(el, 0, 0).classList.contains("rts-under")).toBe(false);
  });

  it("highlights violations with their reasons as the cell's tooltip text", () => {
    const { model, el, view } = mount();
    const snap = snapshot(view.viewId, { cells: { "1,0": [0] } });
    snap.viol = [[7, 1, -1, 0, 1, "gap", "Ann works 2026-01-06 and 2026-01-08 (gap 2 < 4)"]];
    model.deliver(snap);
    const cell = cellEl(el, 1, 0);
    expect(cell.classList.contains("rts-viol-hard")).toBe(true);
    expect(cell.title).toContain("gap 2 < 4");
    model.deliver({ type: "patch", v: 1, sv: 11, vr: [7] } satisfies Patch);
    expect(cellEl(el, 1, 0).classList.contains("rts-viol-hard")).toBe(false);
  });

  it("renders hostile worker names as literal text", () => {
    const { model, el, view } = mountWith();
    model.deliver(
      snapshot(view.viewId, {
        workers: [["W1", XSS, "red;background:url(x)"]],
        cells: { "0,0": [0] },
      }),
    );
    expect(el.querySelector("img")).toBeNull();
    expect(cellEl(el, 0, 0).textContent).toBe(XSS);
    model.set("view", "roster");
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector(".rts-rowhead")?.textContent).toBe(XSS);
  });

  it("lays out the roster view: workers down, dates across, the shift in the cell", () => {
    const { el } = mountWith({ cells: { "2,1": [1] } }, { view: "roster" });
    const heads = [...el.querySelectorAll(".rts-rowhead")].map((h) => h.textContent);
    expect(heads).toEqual(["Ann", "Bob", "Cid"]);
    expect(cellEl(el, 1, 2).textContent).toBe("Nig");
    expect(cellEl(el, 1, 2).title).toContain("Night");
    expect(cellEl(el, 0, 2).textContent).toBe("");
  });

  it("shows who else has a view open, as text", () => {
    const { model, el } = mountWith({}, { viewers: ["alice"] });
    expect(el.querySelector(".rts-viewers")?.textContent).toBe("here: alice");
    model.set("viewers", ["alice", XSS]);
    expect(el.querySelector(".rts-viewers")?.textContent).toBe(`here: alice, ${XSS}`);
    expect(el.querySelector("img")).toBeNull();
  });

  it("follows the theme trait", () => {
    const { model, el } = mountWith({}, { theme: "dark" });
    expect(el.querySelector(".rts-grid")?.classList.contains("rts-theme-dark")).toBe(true);
    model.set("theme", "light");
    expect(el.querySelector(".rts-grid")?.classList.contains("rts-theme-light")).toBe(true);
    expect(el.querySelector(".rts-grid")?.classList.contains("rts-theme-dark")).toBe(false);
  });
});

describe("patches", () => {
  it("applies consecutive patches to every view and ignores stale ones", () => {
    const { model, el } = mountWith();
    model.deliver({ type: "patch", v: 1, sv: 11, c: [[0, 0, [2], 0]] });
    expect(cellEl(el, 0, 0).textContent).toBe("Cid");
    model.deliver({ type: "patch", v: 1, sv: 11, c: [[0, 0, [1], 0]] });
    expect(cellEl(el, 0, 0).textContent).toBe("Cid");
  });

  it("repaints only the cells a patch changes in the coverage view", () => {
    const { model, el } = mountWith({ cells: { "0,0": [0] } });
    const untouched = cellEl(el, 1, 1);
    const old = cellEl(el, 2, 0);
    model.deliver({
      type: "patch",
      v: 1,
      sv: 11,
      c: [[2, 0, [1], 0]],
      va: [[5, 0, 0, 0, 1, "gap", "too close"]],
    });
    expect(cellEl(el, 1, 1)).toBe(untouched);
    expect(old.isConnected).toBe(false);
    expect(cellEl(el, 2, 0).textContent).toBe("Bob");
    expect(cellEl(el, 0, 0).classList.contains("rts-viol-hard")).toBe(true);
    model.deliver({ type: "patch", v: 2, sv: 12, vr: [5] });
    expect(cellEl(el, 0, 0).classList.contains("rts-viol-hard")).toBe(false);
  });

  it("asks for one resync when a version is skipped, then recovers from the snapshot", () => {
    const { model, el, view } = mountWith();
    const before = model.sent.length;
    model.deliver({ type: "patch", v: 3, sv: 13, c: [[0, 0, [2], 0]] });
    model.deliver({ type: "patch", v: 4, sv: 14, c: [[0, 1, [2], 0]] });
    expect(model.sent.slice(before)).toEqual([{ type: "hello", view_id: view.viewId }]);
    expect(el.querySelector(".rts-conn")?.getAttribute("data-state")).toBe("resyncing");
    expect(cellEl(el, 0, 0).textContent).toBe("—");
    const snap = snapshot(view.viewId, { cells: { "0,0": [2], "0,1": [2] } });
    model.deliver({ ...snap, v: 4 });
    expect(cellEl(el, 0, 0).textContent).toBe("Cid");
    expect(el.querySelector(".rts-conn")?.getAttribute("data-state")).toBe("synced");
  });

  it("asks for the violation list when a patch left details out", () => {
    const { model, view } = mountWith();
    model.deliver({ type: "patch", v: 1, sv: 11, va: [[3, 0, 0, 0, 0, "target", ""]], vt: 1 });
    expect(lastSent(model)).toEqual({ type: "violations", view_id: view.viewId });
  });

  it("keeps the worker-day index current so the roster view follows patches", () => {
    const data = new GridData();
    data.applySnapshot(snapshot("v", { cells: { "0,0": [1] } }));
    expect(data.shiftOfWorker(1, 0)).toEqual([0, 0]);
    data.applyPatch({
      type: "patch",
      v: 1,
      sv: 11,
      c: [
        [0, 0, [-1], 0],
        [0, 1, [1], 0],
      ],
    });
    expect(data.shiftOfWorker(1, 0)).toEqual([1, 0]);
    data.applyPatch({ type: "patch", v: 2, sv: 12, c: [[0, 1, [-1], 0]] });
    expect(data.shiftOfWorker(1, 0)).toBeUndefined();
  });

  it("rejects malformed incoming messages without throwing", () => {
    expect(isIncoming({ type: "snapshot", view_id: "v" })).toBe(false);
    expect(isIncoming({ type: "patch", v: "1" })).toBe(false);
    expect(isIncoming(null)).toBe(false);
    const { model, el } = mountWith({ cells: { "0,0": [0] } });
    model.deliver({
      type: "patch",
      v: 1,
      sv: 1,
      c: [
        [99, 0, [1], 0],
        [0, 0, "x", 0],
      ],
    });
    expect(cellEl(el, 0, 0).textContent).toBe("Ann");
  });
});

describe("keyboard", () => {
  it("moves the selection with the arrows and extends it with shift", () => {
    const { view, model } = mountWith();
    key(view.root, "ArrowDown");
    key(view.root, "ArrowRight");
    expect(view.focus).toEqual([1, 1]);
    key(view.root, "ArrowDown", { shiftKey: true });
    expect(view.selection).toEqual({ r0: 1, r1: 2, c0: 1, c1: 1 });
    expect(model.get("selection")).toEqual({ r0: 1, r1: 2, c0: 1, c1: 1 });
    // one select message carries the focused cell (data coordinates) and the range
    expect(lastSent(model)).toMatchObject({ type: "select", r: 2, c: 1, sel: [1, 1, 2, 1] });
    key(view.root, "ArrowLeft");
    key(view.root, "ArrowLeft");
    expect(view.focus).toEqual([2, 0]);
  });

  it("Delete unassigns the selected cells as one bulk edit with the base version", () => {
    const { view, model } = mountWith({ cells: { "0,0": [0], "1,0": [1], "1,1": [2] } });
    key(view.root, "ArrowDown", { shiftKey: true });
    key(view.root, "ArrowRight", { shiftKey: true });
    key(view.root, "Delete");
    expect(lastSent(model)).toMatchObject({
      type: "edit",
      base_version: 10,
      op: {
        k: "bulk",
        ops: [
          { k: "unassign", d: 0, s: 0, slot: 0 },
          { k: "unassign", d: 1, s: 0, slot: 0 },
          { k: "unassign", d: 1, s: 1, slot: 0 },
        ],
      },
    });
  });

  it("Ctrl+Z and Ctrl+Y (or Cmd) send undo and redo", () => {
    const { view, model } = mountWith();
    key(view.root, "z", { ctrlKey: true });
    expect(lastSent(model)).toMatchObject({ type: "undo", view_id: view.viewId });
    key(view.root, "y", { metaKey: true });
    expect(lastSent(model)).toMatchObject({ type: "redo" });
    key(view.root, "Z", { ctrlKey: true, shiftKey: true });
    expect(lastSent(model)).toMatchObject({ type: "redo" });
  });
});

describe("picker", () => {
  /** A picked picker stays on screen, taking no keys, until the edit's answer comes. */
  function expectPickerGoneOnAnswer(
    model: ReturnType<typeof mountWith>["model"],
    view: GridView,
    el: HTMLElement,
  ) {
    expect(view.picker).toBeNull();
    expect(el.querySelector(".rts-picker")).not.toBeNull();
    const edit = lastSent<{ type: string; request_id: string }>(model);
    expect(edit.type).toBe("edit");
    reply(model, view, edit.request_id, {
      ok: true,
      message: "done",
    });
    expect(el.querySelector(".rts-picker")).toBeNull();
  }

  function openOn(r: number, c: number, cells: Record<string, number[]> = {}) {
    const m = mountWith({ cells });
    m.view.select(r, c);
    key(m.view.root, "Enter");
    const ask = lastSent<{ type: string; request_id: string; d: number; s: number }>(m.model);
    return { ...m, ask };
  }

  it("Enter asks for suggestions and lists them ranked, excluded workers with reasons", () => {
    const { model, el, view, ask } = openOn(2, 1);
    expect(ask).toMatchObject({ type: "suggest", d: 2, s: 1 });
    reply(model, view, ask.request_id, {
      ok: true,
      message: "3 candidates",
      items: [
        [2, -5, 1, ""],
        [0, 0, 0, "gap: works 2026-01-06"],
        [1, 3, 1, ""],
      ],
    });
    const items = [...el.querySelectorAll(".rts-picker li")];
    expect(items.map((li) => li.querySelector("span")?.textContent)).toEqual(["Cid", "Bob", "Ann"]);
    expect(items[2]?.getAttribute("aria-disabled")).toBe("true");
    expect(items[2]?.textContent).toContain("gap: works 2026-01-06");
    expect(items[0]?.querySelector(".rts-delta")?.textContent).toBe("-5");
  });

  it("a pick sends the edit, then hands the focus from the picker straight to the grid", () => {
    const { model, el, view, ask } = openOn(0, 0);
    reply(model, view, ask.request_id, {
      ok: true,
      message: "",
      items: [[1, 0, 1, ""]],
    });
    const input = el.querySelector<HTMLInputElement>(".rts-picker input");
    if (!input) throw new Error("no picker input");
    input.focus();
    const seen: Array<[Element | null, unknown]> = [];
    input.addEventListener("blur", (ev) => {
      // the edit has left before the picker lets the focus go, and the focus goes to the grid
      // (not to the page, which JupyterLab would take for the notebook losing the focus)
      seen.push([(ev as FocusEvent).relatedTarget as Element | null, lastSent(model).type]);
    });
    key(input, "Enter");
    expect(lastSent(model)).toMatchObject({ type: "edit", op: { k: "assign", w: 1 } });
    expect(seen).toEqual([[view.root, "edit"]]);
    expect(document.activeElement).toBe(view.root);
    expectPickerGoneOnAnswer(model, view, el);
  });

  it("keeps the focus in the grid, which hands the picker the keys typed", () => {
    const { model, el, view, ask } = openOn(0, 0, { "0,0": [0] });
    expect(document.activeElement).toBe(view.root);
    reply(model, view, ask.request_id, {
      ok: true,
      message: "",
      items: [
        [1, 0, 1, ""],
        [2, 1, 1, ""],
      ],
    });
    const names = () => [...el.querySelectorAll(".rts-picker li > span:first-child")];
    for (const k of ["C", "i", "x"]) key(view.root, k);
    expect(el.querySelector<HTMLInputElement>(".rts-picker input")?.value).toBe("Cix");
    expect(names()).toHaveLength(0);
    key(view.root, "Backspace");
    expect(names().map((n) => n.textContent)).toEqual(["Cid"]);
    const sent = model.sent.length;
    key(view.root, "Delete"); // swallowed: the filled cell under the picker stays
    expect(model.sent).toHaveLength(sent);
    key(view.root, "Enter");
    expect(lastSent(model)).toMatchObject({ type: "edit", op: { k: "assign", w: 2, d: 0, s: 0 } });
    expectPickerGoneOnAnswer(model, view, el);
    expect(document.activeElement).toBe(view.root);
  });

  it("a picked picker without an answer goes after PICKED_LINGER_MS and takes no clicks", () => {
    vi.useFakeTimers();
    try {
      const { model, el, view, ask } = openOn(0, 0);
      reply(model, view, ask.request_id, {
        ok: true,
        message: "",
        items: [[1, 0, 1, ""]],
      });
      key(view.root, "Enter");
      const sent = model.sent.length;
      const li = el.querySelector(".rts-picker li");
      li?.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, cancelable: true }));
      expect(model.sent).toHaveLength(sent); // the picked picker no longer picks
      vi.advanceTimersByTime(PICKED_LINGER_MS - 1);
      expect(el.querySelector(".rts-picker")).not.toBeNull();
      vi.advanceTimersByTime(1);
      expect(el.querySelector(".rts-picker")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("type-ahead filters, Enter picks and sends an assign into the free slot", () => {
    const { model, el, view, ask } = openOn(0, 0);
    reply(model, view, ask.request_id, {
      ok: true,
      message: "",
      items: [
        [0, 0, 1, ""],
        [1, 1, 1, ""],
      ],
    });
    const input = el.querySelector<HTMLInputElement>(".rts-picker input");
    if (!input) throw new Error("no picker input");
    input.value = "bo";
    input.dispatchEvent(new Event("input"));
    expect([...el.querySelectorAll(".rts-picker li")].map((li) => li.textContent)).toEqual([
      "Bob+1",
    ]);
    key(input, "Enter");
    expect(lastSent(model)).toMatchObject({
      type: "edit",
      op: { k: "assign", w: 1, d: 0, s: 0, slot: 0 },
    });
    expectPickerGoneOnAnswer(model, view, el);
  });

  it("a refused edit changes nothing and shows why with clickable alternatives", () => {
    const { model, el, view } = mountWith({ cells: { "0,0": [0] } });
    view.edit({ k: "assign", w: 1, d: 1, s: 0, slot: 0 }, [1, 0, 0]);
    const req = lastSent<{ request_id: string }>(model).request_id;
    reply(model, view, req, {
      ok: false,
      code: "HARD_VIOLATION",
      message: "refused: gap of 1 day to 2026-01-05",
      alts: [[2, -1]],
    });
    expect(el.querySelector(".rts-message")?.textContent).toBe(
      "refused: gap of 1 day to 2026-01-05",
    );
    expect(el.querySelector(".rts-message")?.getAttribute("data-ok")).toBe("false");
    expect(cellEl(el, 1, 0).textContent).toBe("—");
    const alt = el.querySelector<HTMLButtonElement>(".rts-alt");
    expect(alt?.textContent).toBe("Cid (-1)");
    alt?.click();
    expect(lastSent(model)).toMatchObject({ op: { k: "assign", w: 2, d: 1, s: 0, slot: 0 } });
  });

  it("the alternatives of a refused paste go to the pasted cell", () => {
    const { model, el, view } = mountWith();
    view.select(2, 1);
    view.pasteText("W1");
    const sent = lastSent<{ request_id: string; op: unknown }>(model);
    expect(sent.op).toEqual({ k: "assign", w: 0, d: 2, s: 1, slot: 0 });
    reply(model, view, sent.request_id, {
      ok: false,
      message: "refused",
      alts: [[1, 0]],
    });
    el.querySelector<HTMLButtonElement>(".rts-alt")?.click();
    expect(lastSent(model)).toMatchObject({ op: { k: "assign", w: 1, d: 2, s: 1, slot: 0 } });
  });

  it("a reply addressed to another view is ignored", () => {
    const { model, el } = mountWith();
    model.deliver({ type: "reply", view_id: "other", request_id: "x", ok: false, message: "nope" });
    expect(el.querySelector(".rts-message")?.textContent).toBe("");
  });

  it("the roster view's picker lists posts and replaces the worker's shift atomically", () => {
    const { model, el, view } = mountWith({ cells: { "0,0": [1] } }, { view: "roster" });
    view.openPicker(1, 0);
    const labels = [...el.querySelectorAll(".rts-picker li > span:first-child")].map(
      (s) => s.textContent,
    );
    expect(labels).toEqual(["(clear)", "Day", "Night"]);
    const night = el.querySelectorAll(".rts-picker li")[2];
    night?.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    expect(lastSent(model)).toMatchObject({
      op: {
        k: "bulk",
        ops: [
          { k: "unassign", d: 0, s: 0, slot: 0 },
          { k: "assign", w: 1, d: 0, s: 1, slot: null },
        ],
      },
    });
  });
});

describe("mouse", () => {
  it("a click selects without opening the picker; a second click on that cell opens it", () => {
    const { el, model } = mountWith({ cells: { "0,0": [0] } });
    const down = (r: number, c: number) =>
      cellEl(el, r, c).dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    down(0, 1);
    expect(el.querySelector(".rts-picker")).toBeNull();
    expect(cellEl(el, 0, 1).getAttribute("aria-selected")).toBe("true");
    down(0, 1);
    expect(el.querySelector(".rts-picker")).not.toBeNull();
    expect(lastSent(model)).toMatchObject({ type: "suggest", d: 0, s: 1 });
    down(2, 0);
    expect(el.querySelector(".rts-picker")).toBeNull();
  });

  it("selecting keeps the rendered cells, so a drag can start from the pressed chip", () => {
    const { el } = mountWith({ cells: { "0,0": [0] } });
    const chip = cellEl(el, 0, 0).querySelector(".rts-chip") as HTMLElement;
    chip.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
    expect(chip.isConnected).toBe(true);
    expect(cellEl(el, 0, 0).classList.contains("rts-sel")).toBe(true);
  });
});

describe("highlight", () => {
  it("Alt+click on a name highlights every shift of that worker", () => {
    const { el } = mountWith({ cells: { "0,0": [1], "2,1": [1], "1,0": [0] } });
    const chip = cellEl(el, 0, 0).querySelector(".rts-chip") as HTMLElement;
    chip.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, altKey: true }));
    const lit = [...el.querySelectorAll(".rts-chip.rts-hl")].map((c) => c.textContent);
    expect(lit).toEqual(["Bob", "Bob"]);
  });
});

describe("drag and drop", () => {
  function drop(el: HTMLElement, from: HTMLElement, to: HTMLElement) {
    const store = new Map<string, string>();
    const dataTransfer = {
      setData: (t: string, v: string) => store.set(t, v),
      getData: (t: string) => store.get(t) ?? "",
      effectAllowed: "",
    };
    const fire = (target: HTMLElement, type: string) => {
      const ev = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(ev, "dataTransfer", { value: dataTransfer });
      target.dispatchEvent(ev);
    };
    fire(from, "dragstart");
    fire(to, "dragover");
    fire(to, "drop");
    return el;
  }

  it("dropping on an occupied single-slot cell swaps, on a free one moves", () => {
    const { model, el } = mountWith({ cells: { "0,0": [0], "3,1": [2] } });
    const chip = cellEl(el, 0, 0).querySelector(".rts-chip") as HTMLElement;
    drop(el, chip, cellEl(el, 3, 1));
    expect(lastSent(model)).toMatchObject({ op: { k: "swap", a: [0, 0, 0], b: [3, 1, 0] } });
    const chip2 = cellEl(el, 0, 0).querySelector(".rts-chip") as HTMLElement;
    drop(el, chip2, cellEl(el, 4, 0));
    expect(lastSent(model)).toMatchObject({ op: { k: "move", a: [0, 0, 0], b: [4, 0] } });
  });
});

describe("clipboard", () => {
  function clipboardEvent(type: string, text = "") {
    let data = text;
    const ev = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(ev, "clipboardData", {
      value: { getData: () => data, setData: (_t: string, v: string) => (data = v) },
    });
    return { ev, read: () => data };
  }

  it("copies the selected block as TSV of worker ids", () => {
    const { view } = mountWith({ cells: { "0,0": [0], "0,1": [1], "1,1": [2] } });
    key(view.root, "ArrowDown", { shiftKey: true });
    key(view.root, "ArrowRight", { shiftKey: true });
    const { ev, read } = clipboardEvent("copy");
    view.root.dispatchEvent(ev);
    expect(read()).toBe("W1\tW2\n\tW3");
    expect(ev.defaultPrevented).toBe(true);
  });

  it("pastes a block as one atomic bulk edit: clears first, then places", () => {
    const { view, model } = mountWith({ cells: { "0,0": [0], "1,0": [1] } });
    view.select(0, 0);
    const { ev } = clipboardEvent("paste", "W2\tAnn\r\n\tW3\n");
    view.root.dispatchEvent(ev);
    expect(lastSent(model)).toMatchObject({
      type: "edit",
      op: {
        k: "bulk",
        ops: [
          { k: "unassign", d: 0, s: 0, slot: 0 },
          { k: "unassign", d: 1, s: 0, slot: 0 },
          { k: "assign", w: 1, d: 0, s: 0, slot: 0 },
          { k: "assign", w: 0, d: 0, s: 1, slot: 0 },
          { k: "assign", w: 2, d: 1, s: 1, slot: 0 },
        ],
      },
    });
  });

  it("refuses a paste naming an unknown worker and sends nothing", () => {
    const { view, model, el } = mountWith();
    const before = model.sent.length;
    view.pasteText("W1\tNobody");
    expect(model.sent.length).toBe(before);
    expect(el.querySelector(".rts-message")?.textContent).toContain('"Nobody"');
  });

  it("round-trips TSV text", () => {
    const rows = [
      ["a", "b\tc"],
      ["", "d"],
    ];
    expect(parseTsv(toTsv(rows))).toEqual([
      ["a", "b c"],
      ["", "d"],
    ]);
  });
});

describe("snapshot encoding", () => {
  it("accepts slot counts as digits or as a list, and rejects a wrong count", () => {
    const { model, el, view } = mount();
    const snap = snapshot(view.viewId, { days: 2, posts: ["Wide"], slots: 12 });
    snap.max = [12, 12];
    snap.req = [1, 1];
    snap.cells = [3, ...Array(11).fill(-1), ...Array(12).fill(-1)];
    snap.workers = [
      ["W0", "A", "#111"],
      ["W1", "B", "#222"],
      ["W2", "C", "#333"],
      ["W3", "D", "#444"],
    ];
    expect(isIncoming({ ...snap, max: "1" })).toBe(false);
    model.deliver(snap);
    expect(cellEl(el, 0, 0).textContent).toBe("D");
    expect(view.data.slotsOf(1, 0)).toHaveLength(12);
    expect(view.data.dates).toEqual(["2026-01-05", "2026-01-06"]);
  });
});

describe("presence", () => {
  it("tells the model who is looking, from the Jupyter server's /api/me", async () => {
    const config = document.createElement("script");
    config.id = "jupyter-config-data";
    config.type = "application/json";
    config.textContent = JSON.stringify({ baseUrl: "/lab-base" });
    document.head.append(config);
    const asked: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      asked.push(url);
      const identity = { username: "5f0c2d", name: "Anonymous Io", display_name: "Anonymous Io" };
      return { ok: true, json: async () => ({ identity }) };
    });
    try {
      const { model, view } = mount();
      await vi.waitFor(() => expect(lastSent(model)).toMatchObject({ type: "presence" }));
      // the key is the server's unique user name; the display name comes along to be shown
      expect(lastSent(model)).toEqual({
        type: "presence",
        view_id: view.viewId,
        user: "5f0c2d",
        name: "Anonymous Io",
      });
      expect(view.me).toBe("5f0c2d");
      expect(asked).toEqual(["/lab-base/api/me"]);
    } finally {
      vi.unstubAllGlobals();
      config.remove();
    }
  });
});
