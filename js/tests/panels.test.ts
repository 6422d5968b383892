import { describe, expect, it } from "vitest";
import { renderAnalytics } from "../src/panels/analytics";
import type { PanelModel } from "../src/panels/common";
import { renderHistory } from "../src/panels/history";
import { renderStatus } from "../src/panels/status";
import { barChart, lineChart } from "../src/panels/svg";
import { FakeModel } from "./fake_model";

const XSS = "<img src=x onerror=alert(1)>";

function mount(
  render: (m: PanelModel, el: HTMLElement) => () => void,
  state: Record<string, unknown>,
) {
  const model = new FakeModel<Record<string, unknown>>({ theme: "auto", ...state });
  const el = document.createElement("div");
  const cleanup = render(model as unknown as PanelModel, el);
  return { model, el, cleanup };
}

describe("status bar", () => {
  it("shows connection, coverage, violations, undo/redo, users and the last result", () => {
    const { model, el } = mount(renderStatus, {
      connection: "live",
      coverage: 87.456,
      violations: { hard: 2, soft: 5 },
      can_undo: true,
      can_redo: false,
      users: ["alice", XSS],
      version: 12,
      last: { ok: false, message: "refused: gap", user: "alice" },
      error: "",
    });
    const text = el.textContent ?? "";
    expect(text).toContain("coverage: 87.5%");
    expect(text).toContain("2 hard, 5 soft");
    expect(text).toContain("undo/redo: yes/no");
    expect(el.querySelector(".rts-last")?.getAttribute("data-ok")).toBe("false");
    expect(el.querySelector("img")).toBeNull();
    expect([...el.querySelectorAll(".rts-users span")].map((s) => s.textContent)).toEqual([
      "alice",
      XSS,
    ]);
    model.set("coverage", 100);
    expect(el.textContent).toContain("coverage: 100.0%");
    model.set("error", "RuntimeError: store unreachable");
    expect(el.querySelector(".rts-error")?.textContent).toContain("store unreachable");
  });
});

describe("analytics panel", () => {
  it("draws the four charts as inline SVG with text labels", () => {
    const { el, model } = mount(renderAnalytics, {
      data: {
        load: [
          ["Ann", 4, 5],
          [XSS, 6, 5],
        ],
        special: [
          ["Ann", 1],
          [XSS, 3],
        ],
        special_mean: 2,
        rules: [
          ["gap", 1, 0],
          ["target", 0, 4],
        ],
        coverage: [
          ["2026-01-05", 50],
          ["2026-01-12", 75],
        ],
      },
      note: "version 3",
    });
    expect(el.querySelectorAll("svg")).toHaveLength(4);
    expect(el.querySelector("img")).toBeNull();
    const load = el.querySelector(".rts-chart-load svg");
    expect(load?.querySelectorAll("rect")).toHaveLength(2);
    expect(load?.querySelectorAll("line.rts-target").length).toBe(2);
    expect(
      [...(load?.querySelectorAll("g") ?? [])].map((g) => g.getAttribute("data-label")),
    ).toEqual(["Ann", XSS]);
    expect(el.querySelector(".rts-chart-rules rect.rts-bar-hard")).not.toBeNull();
    expect(el.querySelector(".rts-chart-rules rect.rts-bar-soft")).not.toBeNull();
    expect(
      el.querySelector(".rts-chart-coverage polyline")?.getAttribute("points")?.split(" "),
    ).toHaveLength(2);
    model.set("data", {});
    expect(el.querySelectorAll("svg")).toHaveLength(4);
    expect(el.textContent).toContain("no data");
  });

  it("scales bars to the largest value or target", () => {
    const svg = barChart(document, [
      { label: "a", value: 5, target: 10 },
      { label: "b", value: 10 },
    ]);
    const widths = [...svg.querySelectorAll("rect")].map((r) => Number(r.getAttribute("width")));
    expect(widths[1]).toBeCloseTo(2 * (widths[0] ?? 0));
    const line = lineChart(
      document,
      [
        ["x", 0],
        ["y", 100],
      ],
      200,
      100,
    );
    const pts = line.querySelector("polyline")?.getAttribute("points")?.split(" ") ?? [];
    const ys = pts.map((p) => Number(p.split(",")[1]));
    expect(ys[0]).toBeGreaterThan(ys[1] ?? 0);
  });
});

describe("history panel", () => {
  it("lists the trail, strikes undone ops and sends button requests", () => {
    const { el, model } = mount(renderHistory, {
      rows: [
        ["op-2", 2, "bob", "2026-01-05 10:00:01", "assign", XSS, 0],
        ["op-1", 1, "alice", "2026-01-05 10:00:00", "unassign", "W1 removed", 1],
      ],
      can_undo: true,
      can_redo: false,
      notice: "",
    });
    const rows = [...el.querySelectorAll("tbody tr")];
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain(XSS);
    expect(el.querySelector("img")).toBeNull();
    expect(rows[1]?.classList.contains("rts-undone")).toBe(true);
    expect(el.querySelector<HTMLButtonElement>(".rts-redo")?.disabled).toBe(true);
    el.querySelector<HTMLButtonElement>(".rts-undo")?.click();
    el.querySelector<HTMLButtonElement>(".rts-export-csv")?.click();
    expect(model.sent).toEqual([{ type: "undo" }, { type: "export", format: "csv" }]);
    model.set("notice", "exported 2 ops");
    expect(el.querySelector(".rts-notice")?.textContent).toBe("exported 2 ops");
  });
});
