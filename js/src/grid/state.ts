// The schedule data a view holds: filled by a snapshot, kept current by versioned patches.
import { datesFrom, type Patch, type Snapshot, undigits, type Violation } from "./protocol";

export type ApplyOutcome = "changed" | "ignored" | "resync";

export class GridData {
  v = -1;
  sv = 0;
  dates: string[] = [];
  flags: number[] = [];
  posts: string[] = [];
  workers: Array<[string, string, string]> = [];
  max: number[] = [];
  req: number[] = [];
  cells: number[][] = [];
  pins: Map<number, number> = new Map();
  violations: Map<number, Violation> = new Map();
  /** (d, s) key -> violation ids; see cellKey. */
  byCell: Map<number, number[]> = new Map();
  /** (w, d) key -> violation ids; see workerDayKey. */
  byWorkerDay: Map<number, number[]> = new Map();
  /** d -> violation ids not tied to a post or worker. */
  byDay: Map<number, number[]> = new Map();
  /** (w, d) key -> s * 256 + k of the worker's shift that day. */
  shiftOf: Map<number, number> = new Map();
  /** Patches said violation details were left out: the view should ask for the list. */
  detailsMissing = false;

  get loaded(): boolean {
    return this.v >= 0;
  }
  get nDays(): number {
    return this.dates.length;
  }
  get nPosts(): number {
    return this.posts.length;
  }
  get nWorkers(): number {
    return this.workers.length;
  }
  cellKey(d: number, s: number): number {
    return d * this.posts.length + s;
  }
  workerDayKey(w: number, d: number): number {
    return w * this.dates.length + d;
  }
  slotsOf(d: number, s: number): number[] {
    return this.cells[this.cellKey(d, s)] ?? [];
  }
  pinMask(d: number, s: number): number {
    return this.pins.get(this.cellKey(d, s)) ?? 0;
  }
  /** The worker's [s, k] on day d, or undefined when the worker is free that day. */
  shiftOfWorker(w: number, d: number): [number, number] | undefined {
    const packed = this.shiftOf.get(this.workerDayKey(w, d));
    return packed === undefined ? undefined : [Math.floor(packed / 256), packed % 256];
  }
  workerName(w: number): string {
    return this.workers[w]?.[1] ?? `#${w}`;
  }

  applySnapshot(msg: Snapshot): void {
    this.v = msg.v;
    this.sv = msg.sv;
    this.dates = datesFrom(msg.start, msg.days);
    this.flags = undigits(msg.flags);
    this.posts = msg.posts;
    this.workers = msg.workers;
    this.max = undigits(msg.max);
    this.req = undigits(msg.req);
    this.cells = new Array<number[]>(this.max.length);
    let at = 0;
    for (let i = 0; i < this.max.length; i++) {
      const n = this.max[i] ?? 0;
      this.cells[i] = msg.cells.slice(at, at + n);
      at += n;
    }
    this.pins = new Map();
    for (const [d, s, mask] of msg.pins) this.pins.set(this.cellKey(d, s), mask);
    this.shiftOf = new Map();
    this.cells.forEach((slots, i) => {
      this.indexCell(Math.floor(i / this.nPosts), i % this.nPosts, slots, true);
    });
    this.violations = new Map(msg.viol.map((v) => [v[0], v]));
    this.detailsMissing = false;
    this.reindexViolations();
  }

  private indexCell(d: number, s: number, slots: number[], add: boolean): void {
    slots.forEach((w, k) => {
      if (w < 0) return;
      const key = this.workerDayKey(w, d);
      if (add) this.shiftOf.set(key, s * 256 + k);
      else if (this.shiftOf.get(key) === s * 256 + k) this.shiftOf.delete(key);
    });
  }

  /** Applies a patch when it is the next one; "resync" when one was missed. Adds the (d, s)
   * keys of changed cells to `changed` and the (w, d) keys (see workerDayKey) of every worker
   * placed in or removed from them to `workerDays`. */
  applyPatch(
    msg: Patch,
    changed: Set<number> = new Set(),
    workerDays: Set<number> = new Set(),
  ): ApplyOutcome {
    if (!this.loaded || msg.v <= this.v) return "ignored";
    if (msg.v !== this.v + 1) return "resync";
    const nD = this.nDays;
    const nS = this.nPosts;
    for (const entry of msg.c ?? []) {
      const [d, s, slots, mask] = entry;
      if (!(d >= 0 && d < nD && s >= 0 && s < nS && Array.isArray(slots))) continue;
      const key = this.cellKey(d, s);
      const before = this.cells[key] ?? [];
      for (const w of before) if (w >= 0) workerDays.add(this.workerDayKey(w, d));
      for (const w of slots) if (w >= 0) workerDays.add(this.workerDayKey(w, d));
      this.indexCell(d, s, before, false);
      this.cells[key] = slots.slice();
      this.indexCell(d, s, slots, true);
      if (mask) this.pins.set(key, mask);
      else this.pins.delete(key);
      changed.add(key);
    }
    for (const id of msg.vr ?? []) this.violations.delete(id);
    for (const v of msg.va ?? []) this.violations.set(v[0], v);
    if (msg.vt) this.detailsMissing = true;
    if (msg.va?.length || msg.vr?.length) this.reindexViolations();
    this.v = msg.v;
    this.sv = msg.sv;
    return "changed";
  }

  replaceViolations(list: Violation[]): void {
    this.violations = new Map(list.map((v) => [v[0], v]));
    this.detailsMissing = false;
    this.reindexViolations();
  }

  private reindexViolations(): void {
    const push = (map: Map<number, number[]>, key: number, id: number) => {
      const list = map.get(key);
      if (list) list.push(id);
      else map.set(key, [id]);
    };
    this.byCell = new Map();
    this.byWorkerDay = new Map();
    this.byDay = new Map();
    for (const [id, d, s0, w] of this.violations.values()) {
      if (d < 0) continue;
      let s = s0;
      if (s < 0 && w >= 0) s = this.shiftOfWorker(w, d)?.[0] ?? -1;
      if (s >= 0) push(this.byCell, this.cellKey(d, s), id);
      if (w >= 0) push(this.byWorkerDay, this.workerDayKey(w, d), id);
      if (s < 0 && w < 0) push(this.byDay, d, id);
    }
  }

  /** Violations of a list of ids, hard first. */
  violationsOf(ids: number[] | undefined): Violation[] {
    const out: Violation[] = [];
    for (const id of ids ?? []) {
      const v = this.violations.get(id);
      if (v) out.push(v);
    }
    return out.sort((a, b) => b[4] - a[4]);
  }

  /** Human text of a violation: its message, or rule + worker + date when details were cut. */
  describe(v: Violation): string {
    const [, d, , w, hard, rule, message] = v;
    if (message) return `${hard ? "hard" : "soft"} ${rule}: ${message}`;
    const who = w >= 0 ? ` ${this.workerName(w)}` : "";
    const when = d >= 0 ? ` ${this.dates[d] ?? ""}` : "";
    return `${hard ? "hard" : "soft"} ${rule}:${who}${when}`;
  }
}
