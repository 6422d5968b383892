// The session of one grid view with its kernel widget: the messages it sends (hello, edits,
// undo/redo, presence), the requests waiting for their reply, and the messages it receives
// (snapshot, patch, violations, reply, locks, error). Patches are repainted together with the
// other views of the same schedule in this page (see holdRepaint).
import { whoAmI } from "../identity";
import type { Intent } from "./edits";
import type { Picker, PickerItem } from "./picker";
import {
  type Incoming,
  isIncoming,
  newId,
  type Outgoing,
  type Reply,
  type Violation,
  type WireOp,
} from "./protocol";
import type { GridView } from "./view";

type Pending =
  | { kind: "edit"; d: number; s: number; slot: number | null; op?: WireOp }
  | { kind: "suggest"; picker: Picker }
  | { kind: "other" };

export type Connection = "waiting" | "synced" | "resyncing" | "closed";

/** What a patch touched, so that only those rendered cells are rebuilt: (d, s) cell keys for
 * the coverage view, (w, d) worker-day keys for the roster view, and days whose row header
 * (day-wide violations) changed. */
export interface Touched {
  cells: Set<number>;
  workerDays: Set<number>;
  days: Set<number>;
}

/** How often an open view renews its user's presence (well inside the 30 s lease). */
const PRESENCE_PING_MS = 10_000;

/** Longest a view holds a patch's repaint back while another view of the same schedule in this
 * page has not had the patch of that schedule version yet (about one frame). */
export const SIBLING_WAIT_MS = 16;

/** The grid views of this page by schedule (`sid` of their snapshots), across widgets: every
 * grid of a schedule gets a patch per change, each through its own comm. */
function viewGroups(): Map<string, Set<GridView>> {
  const g = globalThis as { __rtsGridViews?: Map<string, Set<GridView>> };
  g.__rtsGridViews ??= new Map();
  return g.__rtsGridViews;
}

export class GridSession {
  connection: Connection = "waiting";
  lastReply: Reply | null = null;
  private pending = new Map<string, Pending>();
  private resyncAsked = false;
  private detailsAsked = false;
  private presenceTimer: ReturnType<typeof setInterval> | undefined;
  /** The schedule this view shows (the snapshot's `sid`; "" when the kernel names none). */
  private sid = "";
  /** Cells of patches applied but not repainted yet (see holdRepaint), and the safety timer. */
  private held: Touched | null = null;
  private heldTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly view: GridView) {}

  send(msg: Outgoing): void {
    this.view.model.send(msg);
  }

  hello(): void {
    this.send({ type: "hello", view_id: this.view.viewId });
  }

  /** Asks who the page's user is; once known, this view acts as them and keeps their presence
   * alive. `open` tells whether the view is still open by then. */
  greet(doc: Document, open: () => boolean): void {
    const v = this.view;
    void whoAmI(doc).then((id) => {
      if (!id.key || !open()) return;
      // the key (the server's unique user name) is who this view acts as; the name is shown
      const hi = { type: "presence", view_id: v.viewId, user: id.key, name: id.name } as const;
      this.send(hi);
      if (id.key !== v.me) {
        v.me = id.key;
        v.render.setLocks(v.render.lockEntries); // one's own locks are not marked
      }
      // an open view keeps its user's presence (and locks) alive in the schedule's session
      this.presenceTimer = setInterval(() => this.send(hi), PRESENCE_PING_MS);
    });
  }

  /** Leaves the page's group of views, repaints what is held and says bye. */
  close(): void {
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.joinGroup("");
    this.flushHeld();
  }

  setConnection(state: Connection): void {
    const v = this.view;
    this.connection = v.model.get("connection") === "closed" ? "closed" : state;
    v.connDot.dataset.state = this.connection;
    v.connDot.title = this.connection;
  }

  // -- receiving -----------------------------------------------------------------------------
  onMessage(msg: unknown): void {
    if (!isIncoming(msg)) return;
    this.handle(msg);
  }

  private handle(msg: Incoming): void {
    const v = this.view;
    switch (msg.type) {
      case "snapshot":
        if (msg.view_id !== v.viewId) return;
        v.data.applySnapshot(msg);
        this.joinGroup(typeof msg.sid === "string" ? msg.sid : "");
        v.render.lockEntries = msg.locks ?? [];
        v.locks.replace(v.render.lockEntries, v.data, v.me);
        this.resyncAsked = false;
        this.detailsAsked = false;
        this.setConnection("synced");
        v.relayout();
        return;
      case "patch": {
        // cells whose violations go away are found before the patch moves workers
        const touched: Touched = { cells: new Set(), workerDays: new Set(), days: new Set() };
        for (const id of msg.vr ?? []) this.touch(v.data.violations.get(id), touched);
        const outcome = v.data.applyPatch(msg, touched.cells, touched.workerDays);
        for (const vi of msg.va ?? []) this.touch(vi, touched);
        if (outcome === "resync") {
          this.setConnection("resyncing");
          if (!this.resyncAsked) {
            this.resyncAsked = true;
            this.hello();
          }
        } else if (outcome === "changed") {
          if (v.data.detailsMissing && !this.detailsAsked) {
            this.detailsAsked = true;
            this.send({ type: "violations", view_id: v.viewId });
          }
          this.holdRepaint(touched, msg.sv);
        }
        return;
      }
      case "violations":
        if (msg.view_id !== v.viewId) return;
        v.data.replaceViolations(msg.viol);
        this.detailsAsked = false;
        v.paint();
        return;
      case "reply":
        if (msg.view_id === v.viewId) this.onReply(msg);
        return;
      case "locks":
        v.render.setLocks(msg.locks);
        return;
      case "error":
        v.showMessage(msg.message, false);
        return;
    }
  }

  /** Adds what a violation marks to `t`: its (d, s) cell, its (w, d) worker-day, or its day
   * when it names neither post nor worker (shown on the coverage row header). */
  private touch(vi: Violation | undefined, t: Touched): void {
    if (!vi) return;
    const data = this.view.data;
    const [, d, s0, w] = vi;
    if (d < 0) return;
    const s = s0 >= 0 ? s0 : w >= 0 ? (data.shiftOfWorker(w, d)?.[0] ?? -1) : -1;
    if (s >= 0) t.cells.add(data.cellKey(d, s));
    if (w >= 0) t.workerDays.add(data.workerDayKey(w, d));
    if (s < 0 && w < 0) t.days.add(d);
  }

  // -- repainting with the other views of the schedule ---------------------------------------
  private joinGroup(sid: string): void {
    const groups = viewGroups();
    if (this.sid) {
      const group = groups.get(this.sid);
      group?.delete(this.view);
      if (group?.size === 0) groups.delete(this.sid);
    }
    this.sid = sid;
    if (!sid) return;
    const group = groups.get(sid) ?? new Set<GridView>();
    group.add(this.view);
    groups.set(sid, group);
  }

  /** Repaints the cells of a patch of schedule version `sv`, together with the other views of
   * the same schedule in this page: while one of them has not had its patch of that version
   * yet (it comes through another comm, usually a millisecond later), the repaint waits for it,
   * at most SIBLING_WAIT_MS, and then every view repaints in the same task. The page then
   * renders once for all views instead of once per patch (a frame can start between two
   * websocket messages and then holds the second one back for as long as it lasts). */
  private holdRepaint(t: Touched, sv: number): void {
    if (this.held) {
      for (const k of t.cells) this.held.cells.add(k);
      for (const k of t.workerDays) this.held.workerDays.add(k);
      for (const k of t.days) this.held.days.add(k);
    } else {
      this.held = t;
    }
    const group = this.sid ? viewGroups().get(this.sid) : undefined;
    for (const v of group ?? []) {
      // a view taken out of the page without being disposed gets no more patches
      if (!v.root.isConnected) group?.delete(v);
    }
    const behind = [...(group ?? [])].some(
      (v) => v !== this.view && v.session.connection === "synced" && v.data.sv < sv,
    );
    if (!behind) {
      for (const v of group ?? [this.view]) v.session.flushHeld();
      this.flushHeld();
    } else if (this.heldTimer === undefined) {
      this.heldTimer = setTimeout(() => this.flushHeld(), SIBLING_WAIT_MS);
    }
  }

  /** Repaints the cells held back by holdRepaint, if any. */
  flushHeld(): void {
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    const t = this.held;
    this.held = null;
    if (t) {
      this.view.input.dropPicked();
      this.view.render.repaintCells(t);
    }
  }

  /** Forgets the cells held back (a full paint shows every applied patch). */
  dropHeld(): void {
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.held = null;
  }

  // -- requests ------------------------------------------------------------------------------
  /** Sends an edit; `target` is the cell a refused assign's alternatives would go to. */
  edit(op: WireOp, target?: [number, number, number | null], force = false): string {
    const request_id = newId("req");
    if (!target) target = op.k === "assign" ? [op.d, op.s, op.slot] : [-1, -1, null];
    const [d, s, slot] = target;
    this.pending.set(request_id, { kind: "edit", d, s, slot, op });
    const base_version = this.view.data.sv;
    const msg = { type: "edit", view_id: this.view.viewId, request_id, base_version, op } as const;
    this.send(force ? { ...msg, force: true } : msg);
    return request_id;
  }

  /** Sends the edit of `intent`, or shows why there is none. */
  apply(intent: Intent, target?: [number, number, number | null]): void {
    if (intent === null) return;
    if ("error" in intent) {
      this.view.showMessage(intent.error, false);
      return;
    }
    this.edit(intent.op, target);
  }

  undoRedo(kind: "undo" | "redo"): void {
    const request_id = newId("req");
    this.pending.set(request_id, { kind: "other" });
    this.send({ type: kind, view_id: this.view.viewId, request_id });
  }

  /** Asks the kernel for the candidates of cell (d, s); `picker` shows them. */
  suggest(picker: Picker, d: number, s: number): void {
    const request_id = newId("req");
    this.pending.set(request_id, { kind: "suggest", picker });
    this.send({ type: "suggest", view_id: this.view.viewId, request_id, d, s });
  }

  private onReply(msg: Reply): void {
    const v = this.view;
    const pending = this.pending.get(msg.request_id);
    this.pending.delete(msg.request_id);
    this.lastReply = msg;
    if (pending?.kind === "edit") v.input.dropPicked();
    if (pending?.kind === "suggest") {
      if (pending.picker !== v.picker) return;
      if (!msg.ok) {
        pending.picker.setNote(msg.message);
        return;
      }
      const items: PickerItem[] = (msg.items ?? []).map(([w, delta, feasible, reasons]) => ({
        value: w,
        label: v.data.workerName(w),
        key: v.data.workers[w]?.[0] ?? "",
        delta,
        enabled: feasible === 1,
        reasons,
      }));
      items.sort((a, b) => Number(b.enabled) - Number(a.enabled));
      pending.picker.setItems([...v.input.clearItem(), ...items]);
      return;
    }
    // a forceable refusal of an edit offers "Apply anyway": the same edit, with force
    const forced = !msg.ok && msg.force === 1 && pending?.kind === "edit" ? pending : null;
    const again = forced?.op;
    const force =
      forced && again ? () => this.edit(again, [forced.d, forced.s, forced.slot], true) : null;
    v.showMessage(msg.message, msg.ok, msg.detail ?? "", force);
    v.alts.replaceChildren();
    if (!msg.ok && pending?.kind === "edit" && pending.d >= 0 && msg.alts?.length) {
      const doc = v.root.ownerDocument;
      const label = doc.createElement("span");
      label.textContent = "Alternatives:";
      v.alts.append(label);
      for (const [w, delta] of msg.alts) {
        const button = doc.createElement("button");
        button.className = "rts-alt";
        button.dataset.worker = String(w);
        button.textContent = `${v.data.workerName(w)} (${delta > 0 ? "+" : ""}${delta})`;
        button.addEventListener("click", () => {
          v.alts.replaceChildren();
          this.edit({ k: "assign", w, d: pending.d, s: pending.s, slot: pending.slot }, [
            pending.d,
            pending.s,
            pending.slot,
          ]);
        });
        v.alts.append(button);
      }
    }
  }
}
