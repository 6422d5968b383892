// The analytics panel: load against target per worker, special-day fairness, violations by rule
// and coverage over time, drawn as inline SVG from the `data` trait.
import type { RenderProps } from "@anywidget/types";
import { h, onChanges, type PanelModel, panelRoot } from "./common";
import { barChart, lineChart } from "./svg";

export interface AnalyticsData {
  load?: Array<[name: string, load: number, target: number]>;
  special?: Array<[name: string, count: number]>;
  special_mean?: number;
  rules?: Array<[rule: string, hard: number, soft: number]>;
  coverage?: Array<[label: string, percent: number]>;
}

export function renderAnalytics(model: PanelModel, el: HTMLElement): () => void {
  const root = panelRoot(model, el, "rts-analytics");
  const doc = el.ownerDocument;
  const draw = () => {
    const data = (model.get("data") ?? {}) as AnalyticsData;
    const chart = (cls: string, title: string, svg: SVGSVGElement) => {
      const box = h(doc, "div", `rts-chart ${cls}`);
      svg.setAttribute("aria-label", title); // an image needs a name (the chart's heading)
      box.append(h(doc, "h4", "", title), svg);
      return box;
    };
    const grid = h(doc, "div", "rts-charts");
    grid.append(
      chart(
        "rts-chart-load",
        "Load vs target per worker",
        barChart(
          doc,
          (data.load ?? []).map(([name, load, target]) => ({
            label: name,
            value: load,
            target,
            title: `${name}: ${load} shifts, target ${target}`,
          })),
        ),
      ),
      chart(
        "rts-chart-special",
        "Special-day shifts per worker",
        barChart(
          doc,
          (data.special ?? []).map(([name, n]) => ({ label: name, value: n })),
          { reference: data.special_mean ?? null },
        ),
      ),
      chart(
        "rts-chart-rules",
        "Violations by rule (hard, soft)",
        barChart(
          doc,
          (data.rules ?? []).map(([rule, hard, soft]) => ({
            label: rule,
            value: hard,
            second: soft,
            title: `${rule}: ${hard} hard, ${soft} soft`,
          })),
          { firstClass: "rts-bar-hard", secondClass: "rts-bar-soft" },
        ),
      ),
      chart("rts-chart-coverage", "Coverage over time", lineChart(doc, data.coverage ?? [])),
    );
    const note = String(model.get("note") ?? "");
    root.replaceChildren(grid, ...(note ? [h(doc, "div", "rts-note", note)] : []));
  };
  draw();
  return onChanges(model, ["data", "note"], draw);
}

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  return renderAnalytics(model as unknown as PanelModel, el);
}

export default { render };
