// The solver bar: strategy, time limit, Solve / Stop, repair buttons, who runs what, and the best
// objective over time as an inline SVG chart. Every request names the person who clicked (the
// Jupyter user from /api/me, like the grid), so the kernel acts for them.
import type { RenderProps } from "@anywidget/types";
import { injectStyle } from "../grid/styles";
import { type Identity, NOBODY, nameOf, userFields, whoAmI } from "../identity";
import { h, onChanges, type PanelModel, panelRoot } from "./common";
import { label, svgEl } from "./svg";

/** [elapsed s, best objective, best hard count or null] */
export type SolverPoint = [number, number, number | null];

export interface SolverRun {
  job?: string;
  user?: string;
  strategy?: string;
  time_limit?: number | null;
  started_at?: number | null;
  elapsed?: number | null;
  objective?: number | null;
  hard?: number | null;
  improvements?: number;
  cells_changed?: number;
  status?: string;
  stopped_by?: string;
}

interface Notice {
  ok?: boolean;
  message?: string;
  user?: string;
}

const SOLVER_CSS = `
.rts-solver { display: flex; flex-direction: column; gap: 4px; }
.rts-solver .rts-solver-controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.rts-solver select, .rts-solver input, .rts-solver button { background: var(--rts-bg);
  color: var(--rts-fg); border: 1px solid var(--rts-border); padding: 1px 4px; }
.rts-solver button { background: var(--rts-bg3); cursor: pointer; }
.rts-solver button:disabled { opacity: .5; cursor: default; }
.rts-solver input[type=number] { width: 5em; }
.rts-solver .rts-solver-state b { font-weight: 600; }
.rts-solver [data-state="running"] b, .rts-solver [data-state="stopping"] b { color: var(--rts-brand); }
.rts-solver [data-state="failed"] b { color: var(--rts-error); }
.rts-solver .rts-notice[data-ok="false"] { color: var(--rts-error); }
.rts-solver .rts-busy { color: var(--rts-fg2); }
.rts-solver svg { display: block; }
.rts-solver text { fill: var(--rts-fg); font-size: 10px; font-family: var(--rts-font); }
.rts-solver .rts-axis { stroke: var(--rts-border); }
.rts-solver .rts-line { fill: none; stroke: var(--rts-brand); stroke-width: 2; }
.rts-solver .rts-hard { fill: var(--rts-error); }
`;

function fmt(v: number): string {
  if (!Number.isFinite(v)) return "—";
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(2);
}

/** The best objective over time as a step line; points with hard violations are marked. */
export function objectiveChart(
  doc: Document,
  points: SolverPoint[],
  timeLimit: number | null,
  width = 420,
  height = 110,
): SVGSVGElement {
  const svg = svgEl(doc, "svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  svg.setAttribute("aria-label", "best objective over time");
  svg.dataset.points = String(points.length);
  const left = 46;
  const bottom = height - 14;
  const plotW = width - left - 8;
  svg.append(
    svgEl(doc, "line", { class: "rts-axis", x1: left, x2: left + plotW, y1: bottom, y2: bottom }),
    svgEl(doc, "line", { class: "rts-axis", x1: left, x2: left, y1: 4, y2: bottom }),
  );
  if (points.length === 0) {
    svg.append(label(doc, left + 6, bottom / 2, "no run yet"));
    return svg;
  }
  const lastT = points.at(-1)?.[0] ?? 0;
  const tMax = Math.max(lastT, timeLimit ?? 0, 1e-3);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [, v] of points) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || Math.max(1, Math.abs(hi));
  const x = (t: number) => left + (Math.max(0, t) / tMax) * plotW;
  const y = (v: number) => bottom - 4 - ((v - (hi - span)) / span) * (bottom - 12);
  const coords: string[] = [];
  points.forEach(([t, v], i) => {
    const prev = points[i - 1];
    if (prev) coords.push(`${x(t).toFixed(1)},${y(prev[1]).toFixed(1)}`);
    coords.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
  });
  const line = svgEl(doc, "polyline", { class: "rts-line", points: coords.join(" ") });
  const title = svgEl(doc, "title", {});
  title.textContent = points
    .slice(-20)
    .map(([t, v, hard]) => `${t.toFixed(1)} s: ${fmt(v)}${hard ? ` (${hard} hard)` : ""}`)
    .join("\n");
  line.append(title);
  svg.append(line);
  for (const [t, v, hard] of points) {
    if (hard) svg.append(svgEl(doc, "circle", { class: "rts-hard", cx: x(t), cy: y(v), r: 2.5 }));
  }
  svg.append(
    label(doc, left - 3, y(hi), fmt(hi), "end"),
    label(doc, left - 3, y(lo), fmt(lo), "end"),
    label(doc, left, height - 5, "0 s"),
    label(doc, left + plotW, height - 5, `${fmt(tMax)} s`, "end"),
  );
  return svg;
}

/** The line saying who runs what, how far it got and how it ended; `names` ({key: display
 * name}, the bar's `names` trait) turns user keys into the names people know. */
export function describeRun(state: string, run: SolverRun, names: unknown = {}): string {
  if (!run.job) return "no run yet";
  const who = run.user ? ` by ${nameOf(names, run.user)}` : "";
  const limit = run.time_limit != null ? ` · limit ${fmt(run.time_limit)} s` : "";
  const elapsed = run.elapsed != null ? ` · ${Number(run.elapsed).toFixed(1)} s` : "";
  const best =
    run.objective != null
      ? ` · best ${fmt(run.objective)}${run.hard != null ? ` (${run.hard} hard)` : ""}`
      : "";
  const more = run.improvements ? ` · ${run.improvements} improvement(s)` : "";
  const stopped =
    state === "stopped" && run.stopped_by ? ` by ${nameOf(names, run.stopped_by)}` : "";
  return `${run.strategy ?? ""} started${who}${limit}${elapsed}${best}${more}${
    stopped ? ` · stopped${stopped}` : ""
  }`;
}

/** The ids of the grid views of schedule `sid` in this page (see GridView's groups). */
export function gridViewsOf(sid: string): string[] {
  const groups = (globalThis as { __rtsGridViews?: Map<string, Set<{ viewId: string }>> })
    .__rtsGridViews;
  const views = groups?.get(sid);
  return views ? [...views].map((v) => v.viewId) : [];
}

export function renderSolver(
  model: PanelModel,
  el: HTMLElement,
  identify: (doc: Document) => Promise<Identity> = whoAmI,
): () => void {
  const root = panelRoot(model, el, "rts-solver");
  injectStyle(el, "rts-solver-style", SOLVER_CSS);
  const doc = el.ownerDocument;
  let me: Identity = NOBODY;
  let alive = true;
  void identify(doc).then((id) => {
    if (alive && id.key) me = id;
  });

  const controls = h(doc, "div", "rts-solver-controls");
  const strategy = h(doc, "select", "rts-strategy");
  strategy.title = "strategy";
  strategy.setAttribute("aria-label", "strategy");
  const limit = h(doc, "input", "rts-time-limit");
  limit.type = "number";
  limit.min = "1";
  limit.step = "1";
  limit.title = "time limit (s)";
  limit.setAttribute("aria-label", "time limit in seconds");
  const solve = h(doc, "button", "rts-solve", "Solve");
  const stop = h(doc, "button", "rts-stop", "Stop");
  const repair = h(doc, "button", "rts-repair", "Repair selection");
  const fill = h(doc, "button", "rts-fill", "Fill empty cells");
  const undoRun = h(doc, "button", "rts-undo-run", "Undo run");
  undoRun.title = "undo all of the last run's changes as one step";
  const busy = h(doc, "span", "rts-busy");
  controls.append(
    h(doc, "b", "", "Solver "),
    strategy,
    limit,
    h(doc, "span", "", "s"),
    solve,
    stop,
    repair,
    fill,
    undoRun,
    busy,
  );
  const status = h(doc, "div", "rts-solver-state");
  status.setAttribute("role", "status");
  const chart = h(doc, "div", "rts-solver-chart");
  const notice = h(doc, "div", "rts-notice");
  const error = h(doc, "div", "rts-notice rts-error");
  root.append(controls, status, chart, notice, error);

  const request = (msg: Record<string, unknown>) => {
    // the clicking person's key acts; their display name comes along for the kernel to show
    const fallback = String(model.get("user") ?? "");
    const who = me.key ? userFields(me) : fallback ? { user: fallback } : {};
    model.send({ ...msg, ...who });
  };
  solve.addEventListener("click", () =>
    request({ type: "solve", strategy: strategy.value, time_limit: Number(limit.value) }),
  );
  stop.addEventListener("click", () => request({ type: "stop" }));
  repair.addEventListener("click", () =>
    request({
      type: "repair",
      scope: "selection",
      grid_views: gridViewsOf(String(model.get("sid") ?? "")),
    }),
  );
  fill.addEventListener("click", () => request({ type: "repair", scope: "empty" }));
  undoRun.addEventListener("click", () => request({ type: "undo_run" }));

  const drawControls = () => {
    const names = (model.get("strategies") ?? []) as string[];
    const chosen = strategy.value || String(model.get("strategy") ?? "auto");
    strategy.replaceChildren(...names.map((n) => h(doc, "option", "", n)));
    strategy.value = names.includes(chosen) ? chosen : (names[0] ?? "");
  };
  const drawLimit = () => {
    limit.value = String(model.get("time_limit") ?? 60);
  };
  const draw = () => {
    const state = String(model.get("state") ?? "idle");
    const run = (model.get("run") ?? {}) as SolverRun;
    const points = (model.get("points") ?? []) as SolverPoint[];
    const running = state === "running" || state === "stopping";
    root.dataset.state = state;
    solve.disabled = running;
    stop.disabled = state !== "running";
    const b = h(doc, "b", "", state);
    status.dataset.state = state;
    const names = model.get("names");
    status.replaceChildren(b, doc.createTextNode(` · ${describeRun(state, run, names)}`));
    chart.replaceChildren(objectiveChart(doc, points, run.time_limit ?? null));
    const n = (model.get("notice") ?? {}) as Notice;
    const by = n.user ? `${nameOf(names, n.user)}: ` : "";
    notice.textContent = n.message ? `${by}${n.message}` : "";
    if (n.ok !== undefined) notice.dataset.ok = String(n.ok);
    const working = String(model.get("busy") ?? "");
    busy.textContent = working;
    repair.disabled = fill.disabled = working !== "";
    undoRun.disabled = running || !model.get("can_undo_run");
    error.textContent = String(model.get("error") ?? "");
    error.dataset.ok = "false";
  };
  drawControls();
  drawLimit();
  draw();
  const offs = [
    onChanges(model, ["strategies", "strategy"], drawControls),
    onChanges(model, ["time_limit"], drawLimit),
    onChanges(
      model,
      ["state", "run", "points", "notice", "busy", "error", "names", "can_undo_run"],
      draw,
    ),
  ];
  return () => {
    alive = false;
    for (const off of offs) off();
  };
}

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  return renderSolver(model as unknown as PanelModel, el);
}

export default { render };
