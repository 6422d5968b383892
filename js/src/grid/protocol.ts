// Messages between a grid view and the Python ScheduleGrid (rtsched_widgets/widgets/protocol.py
// documents them; this file mirrors it). Indices, never names: d = day, s = post, w = worker,
// k = slot. A (d, s) list is flattened day-major: index d * posts.length + s.

/** [id, d, s, w, hard (0/1), rule, message]; d/s/w are -1 when the violation has none. */
export type Violation = [number, number, number, number, number, string, string];

export const FLAG_WEEKEND = 1;
export const FLAG_HOLIDAY = 2;
export const FLAG_PRE_HOLIDAY = 4;

/** Small integers as a string of decimal digits, or as a list. */
export type Digits = string | number[];

/** The numbers of a Digits value. */
export function undigits(value: Digits): number[] {
  if (Array.isArray(value)) return value;
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) - 48;
  return out;
}

/** The `days` ISO dates from `start` (UTC arithmetic: no time-zone shifts). */
export function datesFrom(start: string, days: number): string[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  if (Number.isNaN(t0)) return [];
  const out = new Array<string>(days);
  for (let d = 0; d < days; d++) out[d] = new Date(t0 + d * 86_400_000).toISOString().slice(0, 10);
  return out;
}

export interface Snapshot {
  type: "snapshot";
  view_id: string;
  v: number;
  sv: number;
  /** First date (ISO); the dates are `days` consecutive dates from it. */
  start: string;
  days: number;
  /** One digit per date (see FLAG_*), or one number per date. */
  flags: Digits;
  posts: string[];
  workers: Array<[id: string, name: string, colour: string]>;
  /** Slot count per (d, s), day-major. */
  max: Digits;
  req: Digits;
  /** The slots of every cell, concatenated in (d, s) order: max[i] entries for cell i. */
  cells: number[];
  pins: Array<[d: number, s: number, mask: number]>;
  viol: Violation[];
  /** The live locks (absent when the schedule has no collaboration session). */
  locks?: LockEntry[];
  /** Which schedule (in the kernel) the grid shows: every grid of one schedule has the same. */
  sid?: string;
}

/** A live lock: ["cell", d, s, holder], ["row", d, -1, holder] or ["worker", w, -1, holder]. */
export type LockEntry = [kind: "cell" | "row" | "worker", a: number, b: number, holder: string];

/** Every live lock of the schedule, sent to every view whenever a lock is taken, released or
 * expires (replaces the previous list). */
export interface LockList {
  type: "locks";
  locks: LockEntry[];
}

export interface Patch {
  type: "patch";
  v: number;
  sv: number;
  c?: Array<[d: number, s: number, slots: number[], pinmask: number]>;
  va?: Violation[];
  vr?: number[];
  vt?: 1;
}

export interface Reply {
  type: "reply";
  view_id: string;
  request_id: string;
  ok: boolean;
  message: string;
  code?: string;
  sv?: number;
  alts?: Array<[w: number, delta: number]>;
  /** The full explanation of `message` in the planner's terms, when `message` is short. */
  detail?: string;
  /** 1: a refusal the schedule's policy lets people push through ("Apply anyway"). */
  force?: number;
  items?: Array<[w: number, delta: number, feasible: number, reasons: string]>;
}

export interface ViolationList {
  type: "violations";
  view_id: string;
  v: number;
  viol: Violation[];
}

export interface ErrorMessage {
  type: "error";
  message: string;
}

export type Incoming = Snapshot | Patch | Reply | ViolationList | LockList | ErrorMessage;

export type SlotAddress = [d: number, s: number, slot: number | null];

export type WireOp =
  | { k: "assign"; w: number; d: number; s: number; slot: number | null }
  | { k: "unassign"; d: number; s: number; slot: number | null }
  | { k: "swap"; a: SlotAddress; b: SlotAddress }
  | { k: "move"; a: SlotAddress; b: [d: number, s: number] }
  | { k: "bulk"; ops: WireOp[] };

export type Outgoing =
  | { type: "hello"; view_id: string; user?: string; name?: string }
  /** `user` is the key (the Jupyter server's unique user name), `name` the display name. */
  | { type: "presence"; view_id: string; user: string; name?: string }
  | { type: "bye"; view_id: string }
  | {
      type: "select";
      view_id: string;
      view: "coverage" | "roster";
      r: number;
      c: number;
      /** The selected range [r0, c0, r1, c1] (displayed indices): the kernel sets the
       * `selection` trait from it and sends it back with `presence` in one update. */
      sel?: [number, number, number, number];
      /** The data rows of the displayed rows r0..r1, sent when the view filters its rows. */
      rows?: number[];
    }
  | { type: "violations"; view_id: string }
  | {
      type: "edit";
      view_id: string;
      request_id: string;
      base_version: number | null;
      op: WireOp;
      force?: boolean;
    }
  | { type: "undo" | "redo"; view_id: string; request_id: string }
  | { type: "suggest"; view_id: string; request_id: string; d: number; s: number };

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);
const isArr = Array.isArray;
const isDigits = (x: unknown): x is Digits => typeof x === "string" || Array.isArray(x);

/** A structural check of an incoming message: enough to never throw while applying it. */
export function isIncoming(msg: unknown): msg is Incoming {
  if (typeof msg !== "object" || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case "snapshot":
      return (
        typeof m.view_id === "string" &&
        isInt(m.v) &&
        typeof m.start === "string" &&
        isInt(m.days) &&
        m.days >= 0 &&
        isDigits(m.flags) &&
        isArr(m.posts) &&
        isArr(m.workers) &&
        isDigits(m.max) &&
        isDigits(m.req) &&
        isArr(m.cells) &&
        isArr(m.pins) &&
        isArr(m.viol) &&
        (m.locks === undefined || isArr(m.locks)) &&
        (m.max as Digits).length === m.days * m.posts.length
      );
    case "locks":
      return isArr(m.locks);
    case "patch":
      return (
        isInt(m.v) &&
        (m.c === undefined || isArr(m.c)) &&
        (m.va === undefined || isArr(m.va)) &&
        (m.vr === undefined || isArr(m.vr))
      );
    case "reply":
      return (
        typeof m.view_id === "string" && typeof m.ok === "boolean" && typeof m.message === "string"
      );
    case "violations":
      return typeof m.view_id === "string" && isArr(m.viol);
    case "error":
      return typeof m.message === "string";
    default:
      return false;
  }
}

let counter = 0;
/** A unique id with a readable prefix (view ids, request ids). At most 64 characters. */
export function newId(prefix: string): string {
  counter += 1;
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}-${rand}-${counter}`.slice(0, 64);
}
