// Locks held by other users, indexed for painting: which rendered cell shows whose lock.
import type { LockEntry } from "./protocol";
import type { GridData } from "./state";

/** The live locks of a schedule (from a snapshot or a `locks` message), by what they cover. */
export class LockIndex {
  /** (d, s) cell key -> holder of a cell lock. */
  cells = new Map<number, string>();
  /** day -> holder of a row (date) lock. */
  days = new Map<number, string>();
  /** worker -> holder of a worker lock. */
  workers = new Map<number, string>();

  get size(): number {
    return this.cells.size + this.days.size + this.workers.size;
  }

  /** Replaces every lock with `entries`, keeping only those not held by `me` (nobody's own
   * locks are marked) and those whose indices fit `data`. */
  replace(entries: readonly LockEntry[], data: GridData, me: string): void {
    this.cells = new Map();
    this.days = new Map();
    this.workers = new Map();
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length < 4) continue;
      const [kind, a, b, holder] = entry;
      if (typeof holder !== "string" || holder === me || !Number.isInteger(a)) continue;
      if (kind === "cell" && a >= 0 && a < data.nDays && b >= 0 && b < data.nPosts) {
        this.cells.set(data.cellKey(a, b), holder);
      } else if (kind === "row" && a >= 0 && a < data.nDays) {
        this.days.set(a, holder);
      } else if (kind === "worker" && a >= 0 && a < data.nWorkers) {
        this.workers.set(a, holder);
      }
    }
  }

  /** Holder of a lock covering coverage cell (d, s): the cell, its date or a worker in it. */
  coverage(data: GridData, d: number, s: number): string | undefined {
    const held = this.cells.get(data.cellKey(d, s)) ?? this.days.get(d);
    if (held !== undefined || this.workers.size === 0) return held;
    for (const w of data.slotsOf(d, s)) {
      const holder = w >= 0 ? this.workers.get(w) : undefined;
      if (holder !== undefined) return holder;
    }
    return undefined;
  }

  /** Holder of a lock covering roster cell (w, d): the worker, the date or the worker's cell. */
  roster(data: GridData, w: number, d: number): string | undefined {
    const held = this.workers.get(w) ?? this.days.get(d);
    if (held !== undefined || this.cells.size === 0) return held;
    const shift = data.shiftOfWorker(w, d);
    return shift ? this.cells.get(data.cellKey(d, shift[0])) : undefined;
  }
}
