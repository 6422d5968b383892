import { describe, expect, it } from "vitest";
import { longDate } from "../src/grid/aria";
import { cellEl, key, lastSent, mountWith, reply } from "./grid_helpers";

describe("result line", () => {
  it("shows a short refusal, the full explanation on demand, and Apply anyway", () => {
    const { model, view, el } = mountWith({ cells: { "0,0": [0] } });
    view.select(0, 0);
    key(view.root, "Delete");
    const edit = lastSent<{ type: string; request_id: string; op: unknown }>(model);
    expect(edit.type).toBe("edit");
    const detail = `Refused: it would break 2 hard rules:\n• ${"a long reason ".repeat(20)}\n• b`;
    reply(model, view, edit.request_id, {
      ok: false,
      message: "Refused: Ann must work Mon 5 Jan 2026",
      code: "PINNED",
      detail,
      force: 1,
    });
    const line = el.querySelector<HTMLElement>(".rts-message");
    expect(line?.textContent).toBe("Refused: Ann must work Mon 5 Jan 2026");
    expect(line?.dataset.ok).toBe("false");
    expect(line?.title).toBe(detail);
    const more = el.querySelector<HTMLButtonElement>(".rts-more");
    const popover = el.querySelector<HTMLElement>(".rts-detail");
    expect(more?.hidden).toBe(false);
    expect(popover?.hidden).toBe(true);
    more?.click();
    expect(popover?.hidden).toBe(false);
    expect(popover?.textContent).toContain(detail);
    expect(more?.getAttribute("aria-expanded")).toBe("true");
    const force = el.querySelector<HTMLButtonElement>(".rts-force");
    expect(force?.hidden).toBe(false);
    force?.click();
    const again = lastSent<{ type: string; op: unknown; force?: boolean }>(model);
    expect(again).toMatchObject({ type: "edit", force: true, op: edit.op });
    reply(model, view, (again as unknown as { request_id: string }).request_id, {
      ok: true,
      message: "Ann unassigned from Mon 5 Jan 2026, Day",
    });
    expect(force?.hidden).toBe(true);
    expect(more?.hidden).toBe(true);
    expect(popover?.hidden).toBe(true);
  });

  it("offers no Apply anyway when the kernel does not", () => {
    const { model, view, el } = mountWith({ cells: { "0,0": [0] } });
    view.select(0, 0);
    key(view.root, "Delete");
    const edit = lastSent<{ request_id: string }>(model);
    reply(model, view, edit.request_id, { ok: false, message: "refused", code: "PINNED" });
    expect(el.querySelector<HTMLButtonElement>(".rts-force")?.hidden).toBe(true);
    expect(el.querySelector<HTMLButtonElement>(".rts-more")?.hidden).toBe(true);
  });
});

describe("grid accessibility", () => {
  it("has grid roles, indices and labels in the planner's terms", () => {
    const { view, el } = mountWith({ cells: { "0,0": [0] } });
    expect(longDate("2026-01-05")).toBe("Mon 5 Jan 2026");
    const grid = el.querySelector(".rts-scroller");
    expect(grid?.getAttribute("role")).toBe("grid");
    expect(el.querySelector(".rts-header")?.getAttribute("role")).toBe("row");
    expect(el.querySelector(".rts-colhead")?.getAttribute("role")).toBe("columnheader");
    expect(el.querySelector(".rts-row")?.getAttribute("role")).toBe("row");
    expect(el.querySelector(".rts-rowhead")?.getAttribute("role")).toBe("rowheader");
    expect(cellEl(el, 0, 0).getAttribute("aria-label")).toBe("Mon 5 Jan 2026, Day: Ann");
    expect(cellEl(el, 0, 1).getAttribute("aria-label")).toMatch(/^Mon 5 Jan 2026, Night: empty/);
    view.select(1, 1);
    const focused = cellEl(el, 1, 1);
    expect(focused.getAttribute("aria-selected")).toBe("true");
    expect(view.root.getAttribute("aria-activedescendant")).toBe(focused.id);
    expect(focused.id).not.toBe("");
  });
});
