// The grid as a planner meets it: the picker starts on the best candidate, a second click
// anywhere on the selected cell opens it, one's own selection never looks like a collaborator's,
// icons are inline SVG (never emoji), and `?` shows the keys (the table docs/widgets.md lists).
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import widgetsDoc from "../../docs/widgets.md?raw";
import { GRID_KEYS } from "../src/grid/help";
import { luminance, MARKS_CSS, textOn } from "../src/grid/marks";
import { GRID_CSS, THEME_CSS } from "../src/grid/styles";
import { ICON_CSS, ICONS } from "../src/icons";
import { identityOf, nameOf, userFields } from "../src/identity";
import type { PanelModel } from "../src/panels/common";
import { PANEL_CSS } from "../src/panels/common";
import { renderStatus } from "../src/panels/status";
import { FakeModel } from "./fake_model";
import { cellEl, key, lastSent, mountWith, reply, snapshot } from "./grid_helpers";

const EMOJI = /\p{Extended_Pictographic}/u;

function mousedown(target: Element, init: MouseEventInit = {}) {
  target.dispatchEvent(new MouseEvent("mousedown", { bubbles: true, button: 0, ...init }));
}

function click(target: Element) {
  target.dispatchEvent(new MouseEvent("click", { bubbles: true, button: 0 }));
}

describe("the picker starts on the best candidate", () => {
  it("Enter straight away assigns the top suggestion, never empties the cell", () => {
    const { model, el, view } = mountWith({ cells: { "1,0": [0] } });
    view.select(1, 0);
    key(view.root, "Enter");
    const ask = lastSent<{ type: string; request_id: string }>(model);
    expect(ask.type).toBe("suggest");
    reply(model, view, ask.request_id, {
      ok: true,
      message: "2 candidates",
      items: [
        [2, -4, 1, ""],
        [1, 1, 1, ""],
      ],
    });
    const items = [...el.querySelectorAll(".rts-picker li")];
    expect(items.map((li) => li.querySelector("span")?.textContent)).toEqual([
      "(clear)",
      "Cid",
      "Bob",
    ]);
    const active = el.querySelector('.rts-picker li[aria-selected="true"]');
    expect(active?.textContent).toContain("Cid");
    key(view.root, "Enter");
    expect(lastSent(model)).toMatchObject({
      type: "edit",
      op: { k: "assign", w: 2, d: 1, s: 0 },
    });
  });

  it("(clear) is still there to pick with the arrows, and is the start only when alone", () => {
    const { model, el, view } = mountWith({ cells: { "1,0": [0] } });
    view.select(1, 0);
    key(view.root, "Enter");
    const ask = lastSent<{ request_id: string }>(model);
    reply(model, view, ask.request_id, { ok: true, message: "", items: [[1, 0, 0, "gap"]] });
    // nobody can take the cell: "(clear)" is the one pickable item
    expect(el.querySelector('.rts-picker li[aria-selected="true"]')?.textContent).toContain(
      "(clear)",
    );
    key(view.root, "Escape");
    key(view.root, "Enter");
    const again = lastSent<{ request_id: string }>(model);
    reply(model, view, again.request_id, { ok: true, message: "", items: [[2, 0, 1, ""]] });
    key(view.root, "ArrowUp");
    key(view.root, "Enter");
    expect(lastSent(model)).toMatchObject({ type: "edit", op: { k: "unassign", d: 1, s: 0 } });
  });
});

describe("a second click anywhere on the selected cell opens the picker", () => {
  it("on the worker's name: the click that ends the press opens it", () => {
    const { model, el, view } = mountWith({ cells: { "2,1": [1] } });
    const chip = () => cellEl(el, 2, 1).querySelector(".rts-chip") as HTMLElement;
    mousedown(chip());
    click(chip());
    expect(view.picker).toBeNull(); // the first click selects
    expect(view.focus).toEqual([2, 1]);
    mousedown(chip());
    expect(view.picker).toBeNull(); // a press may still become a drag of the name
    click(chip());
    expect(view.picker).not.toBeNull();
    expect(lastSent(model)).toMatchObject({ type: "suggest", d: 2, s: 1 });
  });

  it("on the blank part: at once; a drag of the name in between opens nothing", () => {
    const { el, view } = mountWith({ cells: { "2,1": [1] } });
    const cell = () => cellEl(el, 2, 1);
    mousedown(cell());
    mousedown(cell());
    expect(view.picker).not.toBeNull();
    view.closePicker();
    mousedown(cell());
    const chip = cell().querySelector(".rts-chip") as HTMLElement;
    mousedown(chip);
    chip.dispatchEvent(new Event("dragstart", { bubbles: true }));
    click(chip);
    expect(view.picker).toBeNull();
  });

  it("a click on another cell's name after selecting one only selects it", () => {
    const { el, view } = mountWith({ cells: { "2,1": [1], "3,1": [2] } });
    mousedown(cellEl(el, 2, 1));
    const other = cellEl(el, 3, 1).querySelector(".rts-chip") as HTMLElement;
    mousedown(other);
    click(other);
    expect(view.picker).toBeNull();
    expect(view.focus).toEqual([3, 1]);
  });
});

describe("one's own selection and other people's", () => {
  it("never marks this view's own entry; others get a dashed mark with their name", () => {
    const { model, el, view } = mountWith({}, { names: { "k-bob": "Bob Stone" } });
    view.select(1, 0);
    model.set("presence", [
      ["k-me", "#4e79a7", "coverage", 1, 0, view.viewId],
      ["k-bob", "#edc948", "coverage", 2, 1, "view-of-bob"],
    ]);
    const own = cellEl(el, 1, 0);
    expect(own.classList.contains("rts-sel")).toBe(true);
    expect(own.classList.contains("rts-peer")).toBe(false);
    expect(own.style.outline).toBe("");
    const peer = cellEl(el, 2, 1);
    expect(peer.classList.contains("rts-peer")).toBe(true);
    expect(peer.dataset.peer).toBe("Bob Stone");
    expect(peer.style.getPropertyValue("--rts-peer")).toBe("#edc948");
    expect(peer.style.getPropertyValue("--rts-peer-fg")).toBe("#000000"); // dark on yellow
    expect(peer.textContent).toBe("—"); // the name tag is generated content, not cell text
    // the mark survives a rebuild of the cell, and follows a name learnt later
    view.paint();
    expect(cellEl(el, 2, 1).dataset.peer).toBe("Bob Stone");
    model.set("names", { "k-bob": "Bob S." });
    expect(cellEl(el, 2, 1).dataset.peer).toBe("Bob S.");
    // the styles: own = solid accent ring, others = dashed outline in their colour + name
    expect(GRID_CSS).toMatch(/\.rts-cell\.rts-sel \{[^}]*solid var\(--rts-/);
    expect(MARKS_CSS).toMatch(/\.rts-peer::before \{[^}]*dashed var\(--rts-peer/);
    expect(MARKS_CSS).toMatch(/\.rts-peer::after \{[^}]*content: attr\(data-peer\)/);
    model.set("presence", []);
    expect(cellEl(el, 2, 1).classList.contains("rts-peer")).toBe(false);
    expect(cellEl(el, 2, 1).dataset.peer).toBeUndefined();
  });

  it("picks black or white text for the name tag by contrast", () => {
    expect(textOn("#2b4a80")).toBe("#ffffff");
    expect(textOn("#edc948")).toBe("#000000");
    expect(textOn("#fff")).toBe("#000000");
    expect(textOn("teal")).toBe("#000000");
    expect(luminance("#000000")).toBe(0);
    expect(luminance("#ffffff")).toBeCloseTo(1);
  });
});

describe("display names", () => {
  it("viewers, peers and lock holders are shown by display name, keyed by user key", () => {
    const { model, el, view } = mountWith(
      {},
      { viewers: ["k-ann", "k-bob"], names: { "k-ann": "Anonymous Io", "k-bob": "Anonymous Io" } },
    );
    expect(el.querySelector(".rts-viewers")?.textContent).toBe("here: Anonymous Io, Anonymous Io");
    view.me = "k-ann";
    model.deliver({ type: "locks", locks: [["cell", 3, 0, "k-bob"]] });
    const locked = cellEl(el, 3, 0);
    expect(locked.dataset.lockedBy).toBe("Anonymous Io");
    expect(locked.title).toContain("locked by Anonymous Io");
    model.deliver({ type: "locks", locks: [["cell", 3, 0, "k-ann"]] });
    expect(cellEl(el, 3, 0).classList.contains("rts-locked")).toBe(false); // one's own lock
  });

  it("reads the key and the name from /api/me, and names users by key", () => {
    expect(identityOf({ identity: { username: "u1", name: "N", display_name: "D" } })).toEqual({
      key: "u1",
      name: "D",
    });
    expect(identityOf({ identity: { username: "u1" } })).toEqual({ key: "u1", name: "u1" });
    expect(identityOf({ identity: { display_name: "D" } })).toEqual({ key: "", name: "" });
    expect(identityOf(null)).toEqual({ key: "", name: "" });
    expect(nameOf({ a: "Ann" }, "a")).toBe("Ann");
    expect(nameOf({ a: "Ann" }, "b")).toBe("b");
    expect(nameOf({ toString: "x" }, "toString")).toBe("x");
    expect(nameOf(undefined, "constructor")).toBe("constructor");
    expect(userFields({ key: "", name: "" })).toEqual({});
    expect(userFields({ key: "u1", name: "D" })).toEqual({ user: "u1", name: "D" });
  });
});

describe("icons are inline SVG", () => {
  it("a pinned name carries an SVG pin and a locked cell an SVG lock, never an emoji", () => {
    const { model, el } = mountWith({ cells: { "0,0": [1] } });
    model.deliver({ type: "locks", locks: [["cell", 2, 1, "carol"]] });
    const locked = cellEl(el, 2, 1);
    const lock = locked.querySelector("svg.rts-icon-lock");
    expect(lock?.getAttribute("aria-label")).toBe("locked by carol");
    expect(lock?.querySelector("path")?.getAttribute("d")).toBe(ICONS.lock);
    expect(locked.textContent).toBe("—");
  });

  it("a pinned name: the pin is an SVG next to the name", () => {
    const { model, el, view } = mountWith();
    const snap = snapshot(view.viewId, { cells: { "0,0": [1] } });
    snap.pins = [[0, 0, 1]];
    model.deliver(snap);
    const chip = cellEl(el, 0, 0).querySelector(".rts-chip");
    expect(chip?.querySelector("svg.rts-icon-pin")?.getAttribute("aria-label")).toBe("pinned");
    expect(chip?.textContent).toBe("Bob");
  });

  it("no style or text of the widgets holds an emoji; the status light is an SVG", () => {
    for (const css of [GRID_CSS, THEME_CSS, PANEL_CSS, MARKS_CSS, ICON_CSS]) {
      expect(css).not.toMatch(EMOJI);
      expect(css).not.toMatch(/\\1F[0-9A-F]{3}/i);
    }
    const model = new FakeModel<Record<string, unknown>>({ theme: "auto", connection: "live" });
    const el = document.createElement("div");
    renderStatus(model as unknown as PanelModel, el, async () => ({ key: "", name: "" }));
    const light = el.querySelector(".rts-connection");
    expect(light?.querySelector("svg.rts-icon-dot")).not.toBeNull();
    expect(light?.textContent?.trim()).toBe("live");
    expect(el.textContent).not.toMatch(/[\u25cf\u2b24]/);
    expect(el.textContent).not.toMatch(EMOJI);
  });
});

describe("keyboard help", () => {
  it("? opens the table of the grid's keys, Escape closes it, the grid keeps the focus", () => {
    const { model, el, view } = mountWith();
    view.root.focus();
    key(view.root, "?");
    const help = el.querySelector(".rts-help");
    expect(help?.getAttribute("role")).toBe("dialog");
    const rows = [...(help?.querySelectorAll("tbody tr") ?? [])].map((tr) => [
      tr.querySelector("th")?.textContent,
      tr.querySelector("td")?.textContent,
    ]);
    expect(rows).toEqual(GRID_KEYS.map(([what, how]) => [what, how]));
    expect(document.activeElement).toBe(view.root);
    const sent = model.sent.length;
    key(view.root, "Escape");
    expect(el.querySelector(".rts-help")).toBeNull();
    expect(model.sent.length).toBe(sent); // Escape only closed the help
  });

  it("the toolbar button and the Close button open and close it; ? in a picker is text", () => {
    const { el, view } = mountWith();
    el.querySelector<HTMLButtonElement>(".rts-help-button")?.click();
    expect(el.querySelector(".rts-help")).not.toBeNull();
    el.querySelector<HTMLButtonElement>(".rts-help-close")?.click();
    expect(el.querySelector(".rts-help")).toBeNull();
    view.openPicker(0, 0);
    key(view.root, "?");
    expect(el.querySelector(".rts-help")).toBeNull();
    expect(el.querySelector<HTMLInputElement>(".rts-picker input")?.value).toBe("?");
  });

  it("docs/widgets.md lists the same table, row for row", () => {
    const section = widgetsDoc.split("## Using the grid")[1]?.split("\n## ")[0] ?? "";
    const rows = section
      .split("\n")
      .filter((line) => line.startsWith("| ") && !line.startsWith("| action"))
      .map((line) =>
        line
          .slice(2, -2)
          .split(" | ")
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(GRID_KEYS.map(([what, how]) => [what, how]));
  });
});
