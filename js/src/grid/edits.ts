// Turning what the user did (delete, paste, drop, pick) into wire ops, with no DOM involved.
import type { Layout } from "./layout";
import type { WireOp } from "./protocol";
import type { GridData } from "./state";
import { splitWorkers } from "./tsv";

export interface Rect {
  r0: number;
  c0: number;
  r1: number;
  c1: number;
}

export type Intent = { op: WireOp } | { error: string } | null;

/** Address (d, s) of a coverage cell or (w, d) of a roster cell at displayed (r, c). */
export function address(layout: Layout, r: number, c: number): [number, number] {
  return [layout.rows[r] ?? -1, c];
}

function single(ops: WireOp[]): WireOp | null {
  if (ops.length === 0) return null;
  return ops.length === 1 ? (ops[0] as WireOp) : { k: "bulk", ops };
}

/** Unassign every occupied slot in the rectangle (one bulk op when more than one). */
export function deleteOps(data: GridData, layout: Layout, rect: Rect): WireOp | null {
  const ops: WireOp[] = [];
  for (let r = rect.r0; r <= rect.r1; r++) {
    for (let c = rect.c0; c <= rect.c1; c++) {
      const [a, b] = address(layout, r, c);
      if (layout.kind === "coverage") {
        data.slotsOf(a, b).forEach((w, k) => {
          if (w >= 0) ops.push({ k: "unassign", d: a, s: b, slot: k });
        });
      } else {
        const shift = data.shiftOfWorker(a, b);
        if (shift) ops.push({ k: "unassign", d: b, s: shift[0], slot: shift[1] });
      }
    }
  }
  return single(ops);
}

/** Text of each cell of the rectangle: worker ids (coverage) or post labels (roster). */
export function copyCells(data: GridData, layout: Layout, rect: Rect): string[][] {
  const out: string[][] = [];
  for (let r = rect.r0; r <= rect.r1; r++) {
    const row: string[] = [];
    for (let c = rect.c0; c <= rect.c1; c++) {
      const [a, b] = address(layout, r, c);
      if (layout.kind === "coverage") {
        const ids = data
          .slotsOf(a, b)
          .filter((w) => w >= 0)
          .map((w) => data.workers[w]?.[0] ?? "");
        row.push(ids.join(", "));
      } else {
        const shift = data.shiftOfWorker(a, b);
        row.push(shift ? (data.posts[shift[0]] ?? "") : "");
      }
    }
    out.push(row);
  }
  return out;
}

function workerLookup(data: GridData): (token: string) => number {
  const byId = new Map<string, number>();
  const byName = new Map<string, number>();
  data.workers.forEach(([id, name], w) => {
    byId.set(id, w);
    const key = name.toLowerCase();
    byName.set(key, byName.has(key) ? -2 : w);
  });
  return (token) => byId.get(token) ?? byName.get(token.toLowerCase()) ?? -1;
}

/**
 * One atomic op writing `block` (rows of cell texts) with its top-left at displayed (r, c):
 * first every slot that changes is emptied, then the new workers are placed, so a worker moving
 * within the block never holds two shifts on a date. Cells falling outside the grid are an error.
 */
export function pasteOps(
  data: GridData,
  layout: Layout,
  top: number,
  left: number,
  block: string[][],
): Intent {
  const clears: WireOp[] = [];
  const places: WireOp[] = [];
  const find = workerLookup(data);
  for (let i = 0; i < block.length; i++) {
    const line = block[i] ?? [];
    for (let j = 0; j < line.length; j++) {
      const r = top + i;
      const c = left + j;
      if (r >= layout.rows.length || c >= layout.nCols) {
        return { error: "paste: the block does not fit in the grid from the selected cell" };
      }
      const text = line[j] ?? "";
      const [a, b] = address(layout, r, c);
      if (layout.kind === "coverage") {
        const wanted: number[] = [];
        for (const token of splitWorkers(text)) {
          const w = find(token);
          if (w < 0) return { error: `paste: ${JSON.stringify(token)} is not a worker id or name` };
          wanted.push(w);
        }
        const current = data.slotsOf(a, b);
        const cap = data.max[data.cellKey(a, b)] ?? 0;
        if (wanted.length > cap) {
          return { error: `paste: ${wanted.length} workers do not fit ${cap} slot(s) of a cell` };
        }
        for (let k = 0; k < cap; k++) {
          const now = current[k] ?? -1;
          const next = wanted[k] ?? -1;
          if (now === next) continue;
          if (now >= 0) clears.push({ k: "unassign", d: a, s: b, slot: k });
          if (next >= 0) places.push({ k: "assign", w: next, d: a, s: b, slot: k });
        }
      } else {
        const label = text.toLowerCase();
        const s = label === "" ? -1 : data.posts.findIndex((p) => p.toLowerCase() === label);
        if (label !== "" && s < 0) return { error: `paste: ${JSON.stringify(text)} is not a post` };
        const shift = data.shiftOfWorker(a, b);
        if (shift && shift[0] === s) continue;
        if (shift) clears.push({ k: "unassign", d: b, s: shift[0], slot: shift[1] });
        if (s >= 0) places.push({ k: "assign", w: a, d: b, s, slot: null });
      }
    }
  }
  const op = single([...clears, ...places]);
  return op ? { op } : null;
}

export interface DragSource {
  d: number;
  s: number;
  k: number;
}

/** The op of dropping the worker of slot `src` on displayed cell (r, c), slot `k` if on a chip. */
export function dropOp(
  data: GridData,
  layout: Layout,
  src: DragSource,
  r: number,
  c: number,
  k: number | null,
): Intent {
  const [a, b] = address(layout, r, c);
  const from: [number, number, number] = [src.d, src.s, src.k];
  if (layout.kind === "coverage") {
    if (a === src.d && b === src.s) return null;
    const slots = data.slotsOf(a, b);
    if (k !== null && (slots[k] ?? -1) >= 0) return { op: { k: "swap", a: from, b: [a, b, k] } };
    const free = slots.indexOf(-1);
    if (free >= 0) return { op: { k: "move", a: from, b: [a, b] } };
    if (slots.length === 1) return { op: { k: "swap", a: from, b: [a, b, 0] } };
    return { error: "drop on a worker of the full cell to swap with them" };
  }
  const w = a;
  const d = b;
  const target = data.shiftOfWorker(w, d);
  const mover = data.slotsOf(src.d, src.s)[src.k] ?? -1;
  if (target) {
    if (d === src.d && target[0] === src.s && target[1] === src.k) return null;
    return { op: { k: "swap", a: from, b: [d, target[0], target[1]] } };
  }
  if (w === mover) return { op: { k: "move", a: from, b: [d, src.s] } };
  if (d === src.d) return { op: { k: "assign", w, d, s: src.s, slot: src.k } };
  return { error: "drop on another worker's shift to swap, or on the same worker's row to move" };
}
