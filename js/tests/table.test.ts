import { describe, expect, it } from "vitest";
import widget, { applyMessage, type TableState } from "../src/table";
import { FakeModel } from "./fake_model";

function mount() {
  const model = new FakeModel({ title: "Week 1" });
  const el = document.createElement("div");
  // biome-ignore lint/suspicious/noExplicitAny: the fake stands in for the anywidget model type
  const cleanup = widget.render({ model: model as any, el, experimental: {} as any });
  const hello = model.sent[0] as { type: string; view_id: string };
  return { model, el, cleanup, viewId: hello.view_id };
}

describe("table widget", () => {
  it("says hello, then renders the snapshot addressed to it", () => {
    const { model, el, viewId } = mount();
    expect(model.sent[0]).toMatchObject({ type: "hello" });
    model.deliver({
      type: "snapshot",
      view_id: viewId,
      version: 3,
      columns: ["post 0", "post 1"],
      rows: ["2026-01-05"],
      cells: [["W1", null]],
    });
    const cells = [...el.querySelectorAll("td")].map((td) => td.textContent);
    expect(cells).toEqual(["W1", ""]);
    expect(el.querySelector(".rts-title")?.textContent).toBe("Week 1");
  });

  it("ignores a snapshot meant for another view", () => {
    const { model, el } = mount();
    model.deliver({
      type: "snapshot",
      view_id: "other",
      version: 1,
      columns: ["a"],
      rows: ["r"],
      cells: [["X"]],
    });
    expect(el.querySelectorAll("td")).toHaveLength(0);
  });

  it("renders worker names as text, never HTML", () => {
    const { model, el, viewId } = mount();
    const name = "<img src=x onerror=alert(1)>";
    model.deliver({
      type: "snapshot",
      view_id: viewId,
      version: 0,
      columns: ["p"],
      rows: ["r"],
      cells: [[name]],
    });
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("td")?.textContent).toBe(name);
  });

  it("sends an edit with the base version when a cell is edited", () => {
    const { model, el, viewId } = mount();
    model.deliver({
      type: "snapshot",
      view_id: viewId,
      version: 7,
      columns: ["p"],
      rows: ["r"],
      cells: [[null]],
    });
    const td = el.querySelector("td") as HTMLElement;
    td.dispatchEvent(new MouseEvent("dblclick"));
    const input = el.querySelector("input") as HTMLInputElement;
    input.value = "W9";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.sent.at(-1)).toMatchObject({
      type: "edit",
      base_version: 7,
      row: 0,
      col: 0,
      value: "W9",
    });
  });

  it("asks for a resync when a patch version is skipped", () => {
    const { model, viewId } = mount();
    model.deliver({
      type: "snapshot",
      view_id: viewId,
      version: 1,
      columns: ["p"],
      rows: ["r"],
      cells: [[null]],
    });
    const before = model.sent.length;
    model.deliver({ type: "patch", version: 3, changes: [[0, 0, "W2"]] });
    expect(model.sent.length).toBe(before + 1);
    expect(model.sent.at(-1)).toMatchObject({ type: "hello" });
  });
});

describe("applyMessage", () => {
  it("applies consecutive patches and ignores stale ones", () => {
    const state: TableState = {
      version: 0,
      columns: ["p"],
      rows: ["a", "b"],
      cells: [[null], [null]],
    };
    expect(applyMessage(state, { type: "patch", version: 1, changes: [[1, 0, "W3"]] }, "v")).toBe(
      "changed",
    );
    expect(state.cells[1]?.[0]).toBe("W3");
    expect(applyMessage(state, { type: "patch", version: 1, changes: [[0, 0, "W4"]] }, "v")).toBe(
      "ignored",
    );
    expect(state.cells[0]?.[0]).toBeNull();
  });
});
