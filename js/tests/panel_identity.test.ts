import { describe, expect, it } from "vitest";
import type { Identity } from "../src/identity";
import type { PanelModel } from "../src/panels/common";
import { renderHistory } from "../src/panels/history";
import { describeRun } from "../src/panels/solver";
import { renderStatus } from "../src/panels/status";
import { FakeModel } from "./fake_model";

type Render = (
  m: PanelModel,
  el: HTMLElement,
  id: (d: Document) => Promise<Identity>,
) => () => void;

/** Mounts a panel viewed by `user` (its key; `name` its display name, default the key). */
async function mount(render: Render, state: Record<string, unknown>, user: string, name = user) {
  const model = new FakeModel<Record<string, unknown>>({ theme: "auto", ...state });
  const el = document.createElement("div");
  const cleanup = render(model as unknown as PanelModel, el, async () => ({ key: user, name }));
  await Promise.resolve();
  await Promise.resolve();
  return { model, el, cleanup };
}

describe("history panel identity", () => {
  it("says hello as the viewer and undoes as the viewer, not the owner", async () => {
    const { model, el } = await mount(
      renderHistory,
      { rows: [], can_undo: true, can_redo: false, undo_by_user: { bob: [false, true] } },
      "bob",
    );
    expect(model.sent[0]).toEqual({ type: "hello", user: "bob", name: "bob" });
    const undo = el.querySelector<HTMLButtonElement>(".rts-undo");
    const redo = el.querySelector<HTMLButtonElement>(".rts-redo");
    expect(undo?.disabled).toBe(true); // the owner can undo, bob cannot
    expect(redo?.disabled).toBe(false);
    redo?.click();
    expect(model.sent.at(-1)).toEqual({ type: "redo", user: "bob", name: "bob" });
    model.set("undo_by_user", { bob: [true, false] });
    expect(undo?.disabled).toBe(false);
    undo?.click();
    expect(model.sent.at(-1)).toEqual({ type: "undo", user: "bob", name: "bob" });
  });

  it("a viewer the kernel has not listed yet can undo nothing", async () => {
    const { el } = await mount(
      renderHistory,
      { rows: [], can_undo: true, can_redo: true, undo_by_user: {} },
      "eve",
    );
    expect(el.querySelector<HTMLButtonElement>(".rts-undo")?.disabled).toBe(true);
    expect(el.querySelector<HTMLButtonElement>(".rts-redo")?.disabled).toBe(true);
  });

  it("outside Jupyter (no user) it keeps the panel's own user", async () => {
    const { model, el } = await mount(renderHistory, { rows: [], can_undo: true }, "");
    expect(model.sent).toEqual([]);
    el.querySelector<HTMLButtonElement>(".rts-undo")?.click();
    expect(model.sent).toEqual([{ type: "undo" }]);
  });
});

describe("status bar identity", () => {
  it("shows the viewer's own undo/redo availability", async () => {
    const { model, el } = await mount(
      renderStatus,
      { can_undo: true, can_redo: true, undo_by_user: { bob: [false, true] } },
      "bob",
    );
    expect(model.sent[0]).toEqual({ type: "hello", user: "bob", name: "bob" });
    expect(el.querySelector(".rts-undo")?.textContent).toContain("undo/redo: no/yes");
    model.set("undo_by_user", { bob: [true, false], alice: [false, false] });
    expect(el.querySelector(".rts-undo")?.textContent).toContain("undo/redo: yes/no");
  });
});

describe("display names", () => {
  const names = { "k-ann": "Anonymous Io", "k-ben": "Anonymous Io" };

  it("the history shows each author's display name and keeps the key on the row", async () => {
    const rows = [
      ["op2", 2, "k-ben", "2026-01-05 10:00:01", "assign", "m2", 0],
      ["op1", 1, "k-ann", "2026-01-05 10:00:00", "assign", "m1", 0],
    ];
    const { model, el } = await mount(renderHistory, { rows, names }, "k-ann", "Anonymous Io");
    expect(model.sent[0]).toEqual({ type: "hello", user: "k-ann", name: "Anonymous Io" });
    const trs = [...el.querySelectorAll<HTMLTableRowElement>("tbody tr")];
    expect(trs.map((tr) => tr.dataset.user)).toEqual(["k-ben", "k-ann"]);
    expect(trs.map((tr) => tr.cells[1]?.textContent)).toEqual(["Anonymous Io", "Anonymous Io"]);
    expect(el.textContent).not.toContain("k-ann");
    model.set("names", { ...names, "k-ben": "Ben" });
    expect(el.querySelector("tbody tr")?.children[1]?.textContent).toBe("Ben");
  });

  it("the status bar lists who is here by display name, one entry per person", async () => {
    const { el } = await mount(renderStatus, { users: ["k-ann", "k-ben"], names }, "k-ann");
    const here = [...el.querySelectorAll<HTMLElement>(".rts-users span")];
    expect(here.map((s) => [s.dataset.user, s.textContent])).toEqual([
      ["k-ann", "Anonymous Io"],
      ["k-ben", "Anonymous Io"],
    ]);
  });

  it("the solver bar says who runs and who stopped by display name", () => {
    const run = { job: "j1", user: "k-ann", strategy: "auto", stopped_by: "k-ben" };
    const line = describeRun("stopped", run, names);
    expect(line).toContain("started by Anonymous Io");
    expect(line).toContain("stopped by Anonymous Io");
    expect(line).not.toContain("k-");
    expect(describeRun("running", { job: "j1", user: "k-zed" }, names)).toContain("by k-zed");
  });
});
