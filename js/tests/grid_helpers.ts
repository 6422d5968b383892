// Shared set-up of the grid tests: a mounted view over a FakeModel and snapshot builders.
import type { Snapshot } from "../src/grid/protocol";
import { type GridModel, GridView } from "../src/grid/view";
import { FakeModel } from "./fake_model";

export interface SnapOptions {
  days?: number;
  posts?: string[];
  slots?: number;
  workers?: Array<[string, string, string]>;
  cells?: Record<string, number[]>;
  flags?: Record<number, number>;
}

/** A snapshot of `days` dates from 2026-01-05 (a Monday), every cell empty unless given. */
export function snapshot(viewId: string, o: SnapOptions = {}): Snapshot {
  const days = o.days ?? 5;
  const posts = o.posts ?? ["Day", "Night"];
  const slots = o.slots ?? 1;
  const workers = o.workers ?? [
    ["W1", "Ann", "#e15759"],
    ["W2", "Bob", "#4e79a7"],
    ["W3", "Cid", "#59a14f"],
  ];
  const start = Date.UTC(2026, 0, 5);
  const dates = Array.from({ length: days }, (_, d) =>
    new Date(start + d * 86_400_000).toISOString().slice(0, 10),
  );
  const cells: number[] = [];
  for (let d = 0; d < days; d++) {
    for (let s = 0; s < posts.length; s++) {
      cells.push(...(o.cells?.[`${d},${s}`] ?? Array.from({ length: slots }, () => -1)));
    }
  }
  const perCell = String(slots).repeat(days * posts.length);
  return {
    type: "snapshot",
    view_id: viewId,
    v: 0,
    sv: 10,
    start: dates[0] ?? "2026-01-05",
    days,
    flags: dates.map((_, d) => o.flags?.[d] ?? 0).join(""),
    posts,
    workers,
    max: perCell,
    req: perCell,
    cells,
    pins: [],
    viol: [],
  };
}

/** A grid widget's model in its starting state, with ``state`` on top. */
export function gridModel(state: Record<string, unknown> = {}) {
  return new FakeModel<Record<string, unknown>>({
    view: "coverage",
    height: 200,
    row_height: 20,
    theme: "auto",
    connection: "ready",
    filters: {},
    selection: {},
    ...state,
  });
}

/** The kernel's reply to request ``requestId`` of ``view``, with ``fields`` (ok, message...). */
export function reply(
  model: FakeModel<Record<string, unknown>>,
  view: { viewId: string },
  requestId: string,
  fields: Record<string, unknown>,
) {
  model.deliver({ type: "reply", view_id: view.viewId, request_id: requestId, ...fields });
}

export function mount(state: Record<string, unknown> = {}) {
  const model = gridModel(state);
  const el = document.createElement("div");
  document.body.replaceChildren(el);
  const view = new GridView(model as unknown as GridModel, el);
  return { model, el, view };
}

export function mountWith(o: SnapOptions = {}, state: Record<string, unknown> = {}) {
  const m = mount(state);
  m.model.deliver(snapshot(m.view.viewId, o));
  return m;
}

export function cellEl(el: HTMLElement, r: number, c: number): HTMLElement {
  const found = el.querySelector<HTMLElement>(`.rts-cell[data-r="${r}"][data-c="${c}"]`);
  if (!found) throw new Error(`cell ${r},${c} is not rendered`);
  return found;
}

export function key(target: HTMLElement, k: string, extra: KeyboardEventInit = {}) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...extra }));
}

export function lastSent<T = Record<string, unknown>>(model: FakeModel<Record<string, unknown>>) {
  return model.sent.at(-1) as T;
}
