import { describe, expect, it } from "vitest";
import type { Identity } from "../src/identity";
import type { PanelModel } from "../src/panels/common";
import { renderHistory } from "../src/panels/history";
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
