// Message shapes exchanged between a view and the Python model (custom messages).
// A view says hello, receives one snapshot, then versioned patches; edits go up with a request id.

export type Cell = string | null;

export interface Snapshot {
  type: "snapshot";
  view_id: string;
  version: number;
  columns: string[];
  rows: string[];
  cells: Cell[][];
}

export interface Patch {
  type: "patch";
  version: number;
  changes: Array<[row: number, col: number, value: Cell]>;
}

export interface Reply {
  type: "reply";
  view_id: string;
  request_id: string;
  ok: boolean;
  message: string;
}

export type Incoming = Snapshot | Patch | Reply;

export type Outgoing =
  | { type: "hello"; view_id: string }
  | {
      type: "edit";
      view_id: string;
      request_id: string;
      base_version: number;
      row: number;
      col: number;
      value: Cell;
    };

export function isIncoming(msg: unknown): msg is Incoming {
  if (typeof msg !== "object" || msg === null) return false;
  const t = (msg as { type?: unknown }).type;
  return t === "snapshot" || t === "patch" || t === "reply";
}

let counter = 0;
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}
