// How a view lays the schedule out: which (date, post) or (worker, date) a row/column shows.
import { FLAG_HOLIDAY, FLAG_PRE_HOLIDAY, FLAG_WEEKEND } from "./protocol";
import type { GridData } from "./state";

export type ViewKind = "coverage" | "roster";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function weekday(iso: string): string {
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t)) return "";
  return WEEKDAYS[(new Date(t).getUTCDay() + 6) % 7] ?? "";
}

export function dayClasses(flags: number): string[] {
  const out: string[] = [];
  if (flags & FLAG_WEEKEND) out.push("rts-weekend");
  if (flags & FLAG_HOLIDAY) out.push("rts-holiday");
  if (flags & FLAG_PRE_HOLIDAY) out.push("rts-preholiday");
  return out;
}

export interface Layout {
  kind: ViewKind;
  /** Underlying index (day or worker) of each displayed row, after filtering. */
  rows: number[];
  /** Number of columns (posts or days). */
  nCols: number;
  colWidth: number;
  rowHeaderWidth: number;
  rowLabel(r: number): string;
  colLabel(c: number): string;
  /** Classes of a displayed cell's day (weekend, holiday, pre-holiday). */
  dayFlags(r: number, c: number): number;
}

/** The layout of `data` in view `kind`, keeping rows whose label contains `filter`. */
export function makeLayout(data: GridData, kind: ViewKind, filter: string): Layout {
  const needle = filter.trim().toLowerCase();
  if (kind === "coverage") {
    const label = (d: number) => `${data.dates[d] ?? ""} ${weekday(data.dates[d] ?? "")}`;
    const rows: number[] = [];
    for (let d = 0; d < data.nDays; d++) {
      if (!needle || label(d).toLowerCase().includes(needle)) rows.push(d);
    }
    let widest = 1;
    for (const m of data.max) widest = Math.max(widest, m);
    return {
      kind,
      rows,
      nCols: data.nPosts,
      colWidth: Math.min(420, 40 + 90 * widest),
      rowHeaderWidth: 136,
      rowLabel: (r) => label(rows[r] ?? -1),
      colLabel: (c) => data.posts[c] ?? "",
      dayFlags: (r) => data.flags[rows[r] ?? -1] ?? 0,
    };
  }
  const rows: number[] = [];
  for (let w = 0; w < data.nWorkers; w++) {
    const [id, name] = data.workers[w] ?? ["", ""];
    if (!needle || name.toLowerCase().includes(needle) || id.toLowerCase().includes(needle)) {
      rows.push(w);
    }
  }
  return {
    kind,
    rows,
    nCols: data.nDays,
    colWidth: 48,
    rowHeaderWidth: 160,
    rowLabel: (r) => data.workerName(rows[r] ?? -1),
    colLabel: (c) => {
      const iso = data.dates[c] ?? "";
      return `${iso.slice(5)} ${weekday(iso).slice(0, 2)}`;
    },
    dayFlags: (_r, c) => data.flags[c] ?? 0,
  };
}

/** Short label of a post for roster cells: the first letters of its name. */
export function postShort(label: string): string {
  const words = label.trim().split(/\s+/).filter(Boolean);
  if (words.length > 1)
    return words
      .map((w) => w[0] ?? "")
      .join("")
      .slice(0, 3);
  return label.slice(0, 3);
}

/** Widens the columns of `lay` to share `width` pixels (the grid's visible width) when they
 * would leave part of it empty, up to a readable maximum; returns whether the width changed.
 * A width of 0 (not laid out yet) changes nothing. */
export function fitColumns(lay: Layout, width: number): boolean {
  if (!(width > 0) || lay.nCols <= 0) return false;
  const base = (lay as Layout & { baseColWidth?: number }).baseColWidth ?? lay.colWidth;
  (lay as Layout & { baseColWidth?: number }).baseColWidth = base;
  const cap = lay.kind === "coverage" ? 480 : 96;
  const share = Math.floor((width - lay.rowHeaderWidth - 2) / lay.nCols);
  const next = Math.max(base, Math.min(cap, share));
  if (next === lay.colWidth) return false;
  lay.colWidth = next;
  return true;
}
