import { describe, expect, it } from "vitest";
import type { Identity } from "../src/identity";
import type { PanelModel } from "../src/panels/common";
import {
  describeRun,
  gridViewsOf,
  objectiveChart,
  renderSolver,
  type SolverPoint,
} from "../src/panels/solver";
import { FakeModel } from "./fake_model";

const XSS = "<img src=x onerror=alert(1)>";

function mount(state: Record<string, unknown>, identity = "") {
  const model = new FakeModel<Record<string, unknown>>({
    theme: "auto",
    strategies: ["auto", "greedy", "local_search"],
    strategy: "auto",
    time_limit: 60,
    user: "owner",
    sid: "s1",
    state: "idle",
    run: {},
    points: [],
    notice: {},
    busy: "",
    error: "",
    ...state,
  });
  const el = document.createElement("div");
  let resolve: (id: Identity) => void = () => {};
  const who = new Promise<Identity>((r) => {
    resolve = r;
  });
  const cleanup = renderSolver(model as unknown as PanelModel, el, () => who);
  resolve({ key: identity, name: identity ? `${identity} (name)` : "" });
  return { model, el, cleanup, who };
}

function button(el: HTMLElement, cls: string): HTMLButtonElement {
  const b = el.querySelector<HTMLButtonElement>(`button.${cls}`);
  if (!b) throw new Error(`no button .${cls}`);
  return b;
}

describe("solver bar", () => {
  it("offers the strategies and the time limit, and sends solve as the signed-in user", async () => {
    const { model, el, who } = mount({}, "bob");
    await who;
    const select = el.querySelector<HTMLSelectElement>("select.rts-strategy");
    expect([...(select?.options ?? [])].map((o) => o.value)).toEqual([
      "auto",
      "greedy",
      "local_search",
    ]);
    expect(select?.value).toBe("auto");
    const limit = el.querySelector<HTMLInputElement>("input.rts-time-limit");
    expect(limit?.value).toBe("60");
    if (!select || !limit) throw new Error("controls missing");
    select.value = "local_search";
    limit.value = "20";
    button(el, "rts-solve").click();
    expect(model.sent).toEqual([
      { type: "solve", strategy: "local_search", time_limit: 20, user: "bob", name: "bob (name)" },
    ]);
    // a change of the offered strategies keeps the view's choice
    model.set("strategies", ["auto", "greedy", "local_search", "lns"]);
    expect(select.value).toBe("local_search");
  });

  it("falls back to the widget's user when the server names nobody", async () => {
    const { model, el, who } = mount({ state: "running", run: { job: "j1", user: "owner" } });
    await who;
    button(el, "rts-stop").click();
    expect(model.sent).toEqual([{ type: "stop", user: "owner" }]);
  });

  it("offers Undo run only after a run with merges, and sends it as the clicking user", async () => {
    const { model, el, who } = mount({ state: "stopped", can_undo_run: false }, "ann");
    await who;
    const undo = button(el, "rts-undo-run");
    expect(undo.disabled).toBe(true);
    model.set("can_undo_run", true);
    expect(undo.disabled).toBe(false);
    undo.click();
    expect(model.sent).toEqual([{ type: "undo_run", user: "ann", name: "ann (name)" }]);
    model.set("state", "running");
    expect(undo.disabled).toBe(true);
  });

  it("sends repairs with the page's grid views of the same schedule", async () => {
    const g = globalThis as { __rtsGridViews?: Map<string, Set<{ viewId: string }>> };
    const before = g.__rtsGridViews;
    g.__rtsGridViews = new Map([
      ["s1", new Set([{ viewId: "view-a" }, { viewId: "view-b" }])],
      ["other", new Set([{ viewId: "view-x" }])],
    ]);
    try {
      const { model, el, who } = mount({}, "alice");
      await who;
      button(el, "rts-repair").click();
      button(el, "rts-fill").click();
      expect(model.sent).toEqual([
        {
          type: "repair",
          scope: "selection",
          grid_views: ["view-a", "view-b"],
          user: "alice",
          name: "alice (name)",
        },
        { type: "repair", scope: "empty", user: "alice", name: "alice (name)" },
      ]);
      expect(gridViewsOf("nowhere")).toEqual([]);
    } finally {
      g.__rtsGridViews = before;
    }
  });

  it("shows who runs what, enables the buttons by state, and draws the points", () => {
    const { model, el } = mount({});
    expect(el.querySelector(".rts-solver-state")?.textContent).toContain("no run yet");
    expect(button(el, "rts-solve").disabled).toBe(false);
    expect(button(el, "rts-stop").disabled).toBe(true);
    model.set("run", {
      job: "j1",
      user: XSS,
      strategy: "local_search",
      time_limit: 20,
      elapsed: 3.25,
      objective: 1234,
      hard: 0,
      improvements: 4,
    });
    model.set("points", [
      [0.5, 2000, 2],
      [1.5, 1500, 0],
      [3.25, 1234, 0],
    ]);
    model.set("state", "running");
    const state = el.querySelector(".rts-solver-state");
    expect(state?.textContent).toContain("running");
    expect(state?.textContent).toContain(`started by ${XSS}`);
    expect(state?.textContent).toContain("best 1234 (0 hard)");
    expect(el.querySelector("img")).toBeNull();
    expect(button(el, "rts-solve").disabled).toBe(true);
    expect(button(el, "rts-stop").disabled).toBe(false);
    const svg = el.querySelector(".rts-solver-chart svg");
    expect(svg?.getAttribute("data-points")).toBe("3");
    expect(svg?.querySelectorAll("circle.rts-hard")).toHaveLength(1);
    model.set("run", { ...(model.get("run") as object), stopped_by: "bob", status: "stopped" });
    model.set("state", "stopped");
    expect(el.querySelector(".rts-solver-state")?.textContent).toContain("stopped by bob");
    expect(el.getElementsByClassName("rts-solver")[0]?.getAttribute("data-state")).toBe("stopped");
    expect(button(el, "rts-stop").disabled).toBe(true);
  });

  it("shows refusals and busy repairs", () => {
    const { model, el } = mount({});
    model.set("notice", { ok: false, message: "only alice may stop this run", user: "bob" });
    const notice = el.querySelector(".rts-notice");
    expect(notice?.textContent).toBe("bob: only alice may stop this run");
    expect(notice?.getAttribute("data-ok")).toBe("false");
    model.set("busy", "alice is repairing the empty cells");
    expect(button(el, "rts-repair").disabled).toBe(true);
    expect(button(el, "rts-fill").disabled).toBe(true);
    expect(el.querySelector(".rts-busy")?.textContent).toContain("repairing");
  });

  it("stops following the model after cleanup", () => {
    const { model, el, cleanup } = mount({});
    cleanup();
    model.set("state", "running");
    expect(el.getElementsByClassName("rts-solver")[0]?.getAttribute("data-state")).toBe("idle");
  });
});

describe("objective chart", () => {
  it("draws a step line scaled to the run, or says there is none", () => {
    const empty = objectiveChart(document, [], 20);
    expect(empty.textContent).toContain("no run yet");
    const pts: SolverPoint[] = [
      [0, 100, null],
      [5, 80, 0],
      [10, 80, 0],
    ];
    const svg = objectiveChart(document, pts, 20, 420, 110);
    const line = svg.querySelector("polyline");
    const coords = (line?.getAttribute("points") ?? "").split(" ");
    // a step per point after the first: 1 + 2 * 2 coordinates
    expect(coords).toHaveLength(5);
    const xs = coords.map((c) => Number(c.split(",")[0]));
    expect(xs[0]).toBeCloseTo(46);
    // the x axis spans the time limit (20 s), not only the points (10 s)
    expect(xs.at(-1)).toBeCloseTo(46 + (10 / 20) * (420 - 46 - 8));
    expect(svg.textContent).toContain("20 s");
  });

  it("describes runs", () => {
    expect(describeRun("idle", {})).toBe("no run yet");
    expect(
      describeRun("stopped", {
        job: "j",
        user: "a",
        strategy: "auto",
        stopped_by: "b",
        elapsed: 2,
      }),
    ).toBe("auto started by a · 2.0 s · stopped by b");
  });
});
