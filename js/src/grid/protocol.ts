// Messages between a grid view and the Python ScheduleGrid (rtsched_widgets/widgets/protocol.py
// documents them; this file mirrors it). Indices, never names: d = day, s = post, w = worker,
// k = slot. A (d, s) list is flattened day-major: index d * posts.length + s.

/** [id, d, s, w, hard (0/1), rule, message]; d/s/w are -1 when the violation has none. */
export type Violation = [number, number, number, number, number, string, string];

export const FLAG_WEEKEND = 1;
export const FLAG_HOLIDAY = 2;
export const FLAG_PRE_HOLIDAY = 4;

export interface Snapshot {
  type: "snapshot";
  view_id: string;
  v: number;
  sv: number;
  dates: string[];
  flags: number[];
  posts: string[];
  workers: Array<[id: string, name: string, colour: string]>;
  max: number[];
  req: number[];
  cells: number[][];
  pins: Array<[d: number, s: number, mask: number]>;
  viol: Violation[];
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

export type Incoming = Snapshot | Patch | Reply | ViolationList | ErrorMessage;

export type SlotAddress = [d: number, s: number, slot: number | null];

export type WireOp =
  | { k: "assign"; w: number; d: number; s: number; slot: number | null }
  | { k: "unassign"; d: number; s: number; slot: number | null }
  | { k: "swap"; a: SlotAddress; b: SlotAddress }
  | { k: "move"; a: SlotAddress; b: [d: number, s: number] }
  | { k: "bulk"; ops: WireOp[] };

export type Outgoing =
  | { type: "hello"; view_id: string; user?: string }
  | { type: "bye"; view_id: string }
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

/** A structural check of an incoming message: enough to never throw while applying it. */
export function isIncoming(msg: unknown): msg is Incoming {
  if (typeof msg !== "object" || msg === null) return false;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case "snapshot":
      return (
        typeof m.view_id === "string" &&
        isInt(m.v) &&
        isArr(m.dates) &&
        isArr(m.flags) &&
        isArr(m.posts) &&
        isArr(m.workers) &&
        isArr(m.max) &&
        isArr(m.cells) &&
        isArr(m.pins) &&
        isArr(m.viol) &&
        m.max.length === m.dates.length * m.posts.length &&
        m.cells.length === m.max.length
      );
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
