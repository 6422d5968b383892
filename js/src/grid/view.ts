// One view of a ScheduleGrid: virtualised rendering, selection, keyboard, picker, drag and drop,
// clipboard, and the snapshot/patch/reply protocol. User data is only ever set as text.
import { ICON_CSS, icon } from "../icons";
import { nameOf, whoAmI } from "../identity";
import { ARIA_CSS, labelCell, labelGrid, markFocus } from "./aria";
import {
  copyCells,
  type DragSource,
  deleteOps,
  dropOp,
  type Intent,
  pasteOps,
  type Rect,
} from "./edits";
import { HELP_CSS, helpButton, helpOverlay, isHelpKey } from "./help";
import {
  dayClasses,
  fitColumns,
  type Layout,
  makeLayout,
  postShort,
  type ViewKind,
} from "./layout";
import { LockIndex } from "./locks";
import { MARKS_CSS, markPeer, type PeerMark } from "./marks";
import { NOTICE_CSS, Notice } from "./notice";
import { Picker, type PickerItem } from "./picker";
import {
  type Incoming,
  isIncoming,
  type LockEntry,
  newId,
  type Outgoing,
  type Reply,
  type Violation,
  type WireOp,
} from "./protocol";
import { GridData } from "./state";
import { GRID_CSS, injectStyle } from "./styles";
import { parseTsv, toTsv } from "./tsv";
import { windowFor } from "./virtual";

export { whoAmI };

/** The slice of the anywidget model the grid uses. */
export interface GridModel {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  save_changes(): void;
  send(msg: unknown): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  off(event: string, fn: (...args: unknown[]) => void): void;
}

type Pending =
  | { kind: "edit"; d: number; s: number; slot: number | null; op?: WireOp }
  | { kind: "suggest"; picker: Picker }
  | { kind: "other" };

export type Connection = "waiting" | "synced" | "resyncing" | "closed";

export const OVERSCAN = 6;

/** What a patch touched, so that only those rendered cells are rebuilt: (d, s) cell keys for
 * the coverage view, (w, d) worker-day keys for the roster view, and days whose row header
 * (day-wide violations) changed. */
export interface Touched {
  cells: Set<number>;
  workerDays: Set<number>;
  days: Set<number>;
}

interface ClipboardLike {
  getData(type: string): string;
  setData(type: string, value: string): void;
}

function clipboardOf(ev: Event): ClipboardLike | null {
  return (ev as ClipboardEvent).clipboardData ?? null;
}

function dataTransferOf(ev: Event): DataTransfer | null {
  return (ev as DragEvent).dataTransfer ?? null;
}

/** How often an open view renews its user's presence (well inside the 30 s lease). */
const PRESENCE_PING_MS = 10_000;

/** Longest a view holds a patch's repaint back while another view of the same schedule in this
 * page has not had the patch of that schedule version yet (about one frame). */
export const SIBLING_WAIT_MS = 16;

/** Longest a picked picker stays on screen waiting for its edit's answer (see pick). */
export const PICKED_LINGER_MS = 250;

/** The grid views of this page by schedule (`sid` of their snapshots), across widgets: every
 * grid of a schedule gets a patch per change, each through its own comm. */
function viewGroups(): Map<string, Set<GridView>> {
  const g = globalThis as { __rtsGridViews?: Map<string, Set<GridView>> };
  g.__rtsGridViews ??= new Map();
  return g.__rtsGridViews;
}

export class GridView {
  readonly viewId = newId("view");
  readonly data = new GridData();
  readonly root: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  layout: Layout;
  connection: Connection = "waiting";
  /** Anchor and focus of the selection, in displayed (row, column) coordinates. */
  anchor: [number, number] = [0, 0];
  focus: [number, number] = [0, 0];
  /** Worker whose shifts are highlighted, or -1. */
  highlight = -1;
  picker: Picker | null = null;
  /** The keyboard help overlay while it is open (see help.ts). */
  help: HTMLElement | null = null;
  lastReply: Reply | null = null;
  /** Locks held by other users (marked on the cells they cover). */
  readonly locks = new LockIndex();
  /** Who this view edits as: the Jupyter user (from /api/me) or the widget's `user`. */
  me = "";
  /** Times (ms, performance.now) of the last paint, for measurements. */
  paints = 0;
  private canvas: HTMLDivElement;
  private header: HTMLDivElement;
  private body: HTMLDivElement;
  private connDot: HTMLSpanElement;
  private message: HTMLDivElement;
  /** The result line, its details popover and "Apply anyway" (see notice.ts). */
  readonly notice: Notice;
  private resizer: ResizeObserver | undefined;
  private alts: HTMLDivElement;
  private viewers: HTMLSpanElement;
  private filterInput: HTMLInputElement;
  private pending = new Map<string, Pending>();
  private dragSource: DragSource | null = null;
  private lastClicked = "";
  /** The cell ("r,c") whose picker the coming click opens (a second press on a name). */
  private openOnClick = "";
  private resyncAsked = false;
  private detailsAsked = false;
  private listeners: Array<[string, (...args: unknown[]) => void]> = [];
  private presenceTimer: ReturnType<typeof setInterval> | undefined;
  private lockEntries: LockEntry[] = [];
  /** `${data row}:${column}` -> [user, colour] of another user's selected cell. */
  private peerMarks = new Map<string, PeerMark>();
  /** The schedule this view shows (the snapshot's `sid`; "" when the kernel names none). */
  private sid = "";
  /** Cells of patches applied but not repainted yet (see holdRepaint), and the safety timer. */
  private held: Touched | null = null;
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  /** A picker whose pick was sent: shown until the edit's answer repaints the grid. */
  private picked: { el: HTMLElement; timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(
    private model: GridModel,
    el: HTMLElement,
  ) {
    const doc = el.ownerDocument;
    injectStyle(el, "rts-grid-style", GRID_CSS);
    injectStyle(el, "rts-notice-style", NOTICE_CSS);
    injectStyle(el, "rts-aria-style", ARIA_CSS);
    injectStyle(el, "rts-grid-marks-style", MARKS_CSS);
    injectStyle(el, "rts-icon-style", ICON_CSS);
    injectStyle(el, "rts-help-style", HELP_CSS);
    this.root = doc.createElement("div");
    this.root.className = "rts-grid rts-themed";
    this.root.tabIndex = 0;
    // the grid proper is the scroller (aria.ts); the root groups it with its toolbar
    this.root.setAttribute("role", "group");
    this.root.setAttribute("aria-label", "schedule grid");
    // keys typed in the grid are the grid's: JupyterLab (Lumino) shortcuts stay out
    this.root.setAttribute("data-lm-suppress-shortcuts", "true");
    this.root.setAttribute("data-p-suppress-shortcuts", "true");
    const toolbar = doc.createElement("div");
    toolbar.className = "rts-toolbar";
    this.connDot = doc.createElement("span");
    this.connDot.className = "rts-conn";
    this.notice = new Notice(doc);
    this.message = this.notice.line;
    this.filterInput = doc.createElement("input");
    this.filterInput.placeholder = "filter rows";
    this.filterInput.setAttribute("aria-label", "filter rows");
    const undo = doc.createElement("button");
    undo.textContent = "Undo";
    undo.className = "rts-undo";
    const redo = doc.createElement("button");
    redo.textContent = "Redo";
    redo.className = "rts-redo";
    this.viewers = doc.createElement("span");
    this.viewers.className = "rts-viewers";
    toolbar.append(this.connDot, this.filterInput, undo, redo, this.message);
    toolbar.append(...this.notice.controls, this.viewers);
    this.alts = doc.createElement("div");
    this.alts.className = "rts-alts";
    this.scroller = doc.createElement("div");
    this.scroller.className = "rts-scroller";
    this.canvas = doc.createElement("div");
    this.canvas.className = "rts-canvas";
    this.header = doc.createElement("div");
    this.header.className = "rts-header";
    this.body = doc.createElement("div");
    this.body.className = "rts-body";
    this.canvas.append(this.header, this.body);
    this.scroller.append(this.canvas);
    this.root.append(toolbar, this.notice.popover, this.alts, this.scroller);
    toolbar.append(helpButton(doc, () => this.toggleHelp()));
    el.replaceChildren(this.root);
    this.layout = makeLayout(this.data, this.kind, "");
    this.me = String(this.model.get("user") ?? "");

    undo.addEventListener("click", () => this.undoRedo("undo"));
    redo.addEventListener("click", () => this.undoRedo("redo"));
    this.filterInput.addEventListener("input", () => this.setFilter(this.filterInput.value));
    this.scroller.addEventListener("scroll", () => this.paint());
    // the columns share the width available (layout.ts fitColumns): repaint when it changes
    if (typeof ResizeObserver !== "undefined") {
      this.resizer = new ResizeObserver(() => {
        if (fitColumns(this.layout, this.scroller.clientWidth)) this.paint();
      });
      this.resizer.observe(this.scroller);
    }
    this.root.addEventListener("keydown", (ev) => this.onKey(ev));
    // pointer and drag events inside the grid are the grid's: the notebook around it must not
    // start cell selection or cell drags from them (that would cancel a drag of a name)
    for (const type of ["mousedown", "dragstart", "dragenter", "dragover", "dragleave", "drop"]) {
      this.root.addEventListener(type, (ev) => ev.stopPropagation());
    }
    this.root.addEventListener("mousedown", (ev) => {
      // the body's own handler deals with clicks on cells (which may open a picker)
      const target = ev.target as Node;
      if (this.picker && !this.picker.el.contains(target) && !this.body.contains(target)) {
        this.closePicker();
      }
    });
    this.root.addEventListener("copy", (ev) => this.onCopy(ev));
    this.root.addEventListener("paste", (ev) => this.onPaste(ev));
    this.body.addEventListener("mousedown", (ev) => this.onMouseDown(ev));
    this.body.addEventListener("click", (ev) => this.onClick(ev));
    this.body.addEventListener("dblclick", (ev) => this.onDoubleClick(ev));
    this.body.addEventListener("dragstart", (ev) => {
      this.openOnClick = ""; // a drag, not a click
      this.onDragStart(ev);
    });
    this.body.addEventListener("dragover", (ev) => this.onDragOver(ev));
    this.body.addEventListener("dragleave", (ev) => this.markDrop(ev, false));
    this.body.addEventListener("drop", (ev) => this.onDrop(ev));
    this.body.addEventListener("dragend", () => {
      this.dragSource = null;
    });

    this.listen("msg:custom", (msg) => this.onMessage(msg));
    for (const key of ["view", "height", "row_height", "theme", "connection"]) {
      this.listen(`change:${key}`, () => this.relayout());
    }
    this.listen("change:filters", () => this.applyFilters());
    this.listen("change:viewers", () => this.showViewers());
    this.listen("change:presence", () => this.markPeers());
    this.listen("change:names", () => {
      this.showViewers();
      this.markPeers();
      this.setLocks(this.lockEntries); // lock titles name the holder
    });
    this.showViewers();
    this.applyTheme();
    this.setConnection("waiting");
    this.hello();
    void whoAmI(doc).then((id) => {
      if (!id.key || !this.listeners.length) return;
      // the key (the server's unique user name) is who this view acts as; the name is shown
      const hi = { type: "presence", view_id: this.viewId, user: id.key, name: id.name } as const;
      this.send(hi);
      if (id.key !== this.me) {
        this.me = id.key;
        this.setLocks(this.lockEntries); // one's own locks are not marked
      }
      // an open view keeps its user's presence (and locks) alive in the schedule's session
      this.presenceTimer = setInterval(() => this.send(hi), PRESENCE_PING_MS);
    });
  }

  private listen(event: string, fn: (...args: unknown[]) => void): void {
    this.model.on(event, fn);
    this.listeners.push([event, fn]);
  }

  dispose(): void {
    this.resizer?.disconnect();
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.joinGroup("");
    this.flushHeld();
    this.dropPicked();
    for (const [event, fn] of this.listeners) this.model.off(event, fn);
    this.listeners = [];
    this.send({ type: "bye", view_id: this.viewId });
  }

  get kind(): ViewKind {
    return this.model.get("view") === "roster" ? "roster" : "coverage";
  }
  get rowHeight(): number {
    return Number(this.model.get("row_height")) || 26;
  }
  private get viewportHeight(): number {
    return this.scroller.clientHeight || Number(this.model.get("height")) || 480;
  }
  private get viewportWidth(): number {
    return this.scroller.clientWidth || 1200;
  }

  send(msg: Outgoing): void {
    this.model.send(msg);
  }

  hello(): void {
    this.send({ type: "hello", view_id: this.viewId });
  }

  // -- protocol ------------------------------------------------------------------------------
  onMessage(msg: unknown): void {
    if (!isIncoming(msg)) return;
    this.handle(msg);
  }

  private handle(msg: Incoming): void {
    switch (msg.type) {
      case "snapshot":
        if (msg.view_id !== this.viewId) return;
        this.data.applySnapshot(msg);
        this.joinGroup(typeof msg.sid === "string" ? msg.sid : "");
        this.lockEntries = msg.locks ?? [];
        this.locks.replace(this.lockEntries, this.data, this.me);
        this.resyncAsked = false;
        this.detailsAsked = false;
        this.setConnection("synced");
        this.relayout();
        return;
      case "patch": {
        // cells whose violations go away are found before the patch moves workers
        const touched: Touched = { cells: new Set(), workerDays: new Set(), days: new Set() };
        for (const id of msg.vr ?? []) this.touch(this.data.violations.get(id), touched);
        const outcome = this.data.applyPatch(msg, touched.cells, touched.workerDays);
        for (const v of msg.va ?? []) this.touch(v, touched);
        if (outcome === "resync") {
          this.setConnection("resyncing");
          if (!this.resyncAsked) {
            this.resyncAsked = true;
            this.hello();
          }
        } else if (outcome === "changed") {
          if (this.data.detailsMissing && !this.detailsAsked) {
            this.detailsAsked = true;
            this.send({ type: "violations", view_id: this.viewId });
          }
          this.holdRepaint(touched, msg.sv);
        }
        return;
      }
      case "violations":
        if (msg.view_id !== this.viewId) return;
        this.data.replaceViolations(msg.viol);
        this.detailsAsked = false;
        this.paint();
        return;
      case "reply":
        if (msg.view_id === this.viewId) this.onReply(msg);
        return;
      case "locks":
        this.setLocks(msg.locks);
        return;
      case "error":
        this.showMessage(msg.message, false);
        return;
    }
  }

  private joinGroup(sid: string): void {
    const groups = viewGroups();
    if (this.sid) {
      const group = groups.get(this.sid);
      group?.delete(this);
      if (group?.size === 0) groups.delete(this.sid);
    }
    this.sid = sid;
    if (!sid) return;
    const group = groups.get(sid) ?? new Set<GridView>();
    group.add(this);
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
      (v) => v !== this && v.connection === "synced" && v.data.sv < sv,
    );
    if (!behind) {
      for (const v of group ?? [this]) v.flushHeld();
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
      this.dropPicked();
      this.repaintCells(t);
    }
  }

  /** Removes the picked picker still on screen, if any. */
  private dropPicked(): void {
    if (!this.picked) return;
    clearTimeout(this.picked.timer);
    this.picked.el.remove();
    this.picked = null;
  }

  /** Adds what a violation marks to `t`: its (d, s) cell, its (w, d) worker-day, or its day
   * when it names neither post nor worker (shown on the coverage row header). */
  private touch(v: Violation | undefined, t: Touched): void {
    if (!v) return;
    const [, d, s0, w] = v;
    if (d < 0) return;
    const s = s0 >= 0 ? s0 : w >= 0 ? (this.data.shiftOfWorker(w, d)?.[0] ?? -1) : -1;
    if (s >= 0) t.cells.add(this.data.cellKey(d, s));
    if (w >= 0) t.workerDays.add(this.data.workerDayKey(w, d));
    if (s < 0 && w < 0) t.days.add(d);
  }

  /** Rebuilds only the rendered cells `t` names (in either view) and updates the titles of
   * the coverage row headers of `t.days`; the rest of the DOM is left as it is. Returns the
   * number of cells rebuilt. */
  repaintCells(t: Touched): number {
    const lay = this.layout;
    const data = this.data;
    const sel = this.selection;
    const keys = lay.kind === "coverage" ? t.cells : t.workerDays;
    let rebuilt = 0;
    if (keys.size > 0) {
      for (const el of this.body.querySelectorAll<HTMLElement>(".rts-cell")) {
        const r = Number(el.dataset.r);
        const c = Number(el.dataset.c);
        const a = lay.rows[r] ?? -1;
        const key = lay.kind === "coverage" ? data.cellKey(a, c) : data.workerDayKey(a, c);
        if (keys.has(key)) {
          el.replaceWith(this.cell(r, c, sel));
          rebuilt += 1;
        }
      }
    }
    if (lay.kind === "coverage" && t.days.size > 0) {
      for (const head of this.body.querySelectorAll<HTMLElement>(".rts-rowhead")) {
        const d = lay.rows[Number(head.dataset.r)] ?? -1;
        if (t.days.has(d)) head.title = this.dayTitle(d);
      }
    }
    if (rebuilt > 0) this.paints += 1;
    return rebuilt;
  }

  private dayTitle(d: number): string {
    return this.data
      .violationsOf(this.data.byDay.get(d))
      .map((v) => this.data.describe(v))
      .join("\n");
  }

  /** Holder of another user's lock covering displayed cell (r, c), if any. */
  lockHolder(r: number, c: number): string | undefined {
    if (this.locks.size === 0) return undefined;
    const a = this.layout.rows[r] ?? -1;
    return this.layout.kind === "coverage"
      ? this.locks.coverage(this.data, a, c)
      : this.locks.roster(this.data, a, c);
  }

  /** Replaces the live locks and rebuilds the rendered cells whose lock mark changes. */
  setLocks(entries: LockEntry[]): void {
    this.lockEntries = entries;
    if (!this.data.loaded) return;
    const cells = [...this.body.querySelectorAll<HTMLElement>(".rts-cell")];
    const before = cells.map((el) => this.lockHolder(Number(el.dataset.r), Number(el.dataset.c)));
    this.locks.replace(entries, this.data, this.me);
    const sel = this.selection;
    cells.forEach((el, i) => {
      const r = Number(el.dataset.r);
      const c = Number(el.dataset.c);
      if (this.lockHolder(r, c) !== before[i]) el.replaceWith(this.cell(r, c, sel));
    });
  }

  private onReply(msg: Reply): void {
    const pending = this.pending.get(msg.request_id);
    this.pending.delete(msg.request_id);
    this.lastReply = msg;
    if (pending?.kind === "edit") this.dropPicked();
    if (pending?.kind === "suggest") {
      if (pending.picker !== this.picker) return;
      if (!msg.ok) {
        pending.picker.setNote(msg.message);
        return;
      }
      const items: PickerItem[] = (msg.items ?? []).map(([w, delta, feasible, reasons]) => ({
        value: w,
        label: this.data.workerName(w),
        key: this.data.workers[w]?.[0] ?? "",
        delta,
        enabled: feasible === 1,
        reasons,
      }));
      items.sort((a, b) => Number(b.enabled) - Number(a.enabled));
      pending.picker.setItems([...this.clearItem(), ...items]);
      return;
    }
    // a forceable refusal of an edit offers "Apply anyway": the same edit, with force
    const forced = !msg.ok && msg.force === 1 && pending?.kind === "edit" ? pending : null;
    const again = forced?.op;
    const force =
      forced && again ? () => this.edit(again, [forced.d, forced.s, forced.slot], true) : null;
    this.showMessage(msg.message, msg.ok, msg.detail ?? "", force);
    this.alts.replaceChildren();
    if (!msg.ok && pending?.kind === "edit" && pending.d >= 0 && msg.alts?.length) {
      const doc = this.root.ownerDocument;
      const label = doc.createElement("span");
      label.textContent = "Alternatives:";
      this.alts.append(label);
      for (const [w, delta] of msg.alts) {
        const button = doc.createElement("button");
        button.className = "rts-alt";
        button.dataset.worker = String(w);
        button.textContent = `${this.data.workerName(w)} (${delta > 0 ? "+" : ""}${delta})`;
        button.addEventListener("click", () => {
          this.alts.replaceChildren();
          this.edit({ k: "assign", w, d: pending.d, s: pending.s, slot: pending.slot }, [
            pending.d,
            pending.s,
            pending.slot,
          ]);
        });
        this.alts.append(button);
      }
    }
  }

  private setConnection(state: Connection): void {
    this.connection = this.model.get("connection") === "closed" ? "closed" : state;
    this.connDot.dataset.state = this.connection;
    this.connDot.title = this.connection;
  }

  private showViewers(): void {
    const keys = (this.model.get("viewers") ?? []) as unknown[];
    const list = keys.filter((n): n is string => typeof n === "string").map((k) => this.nameOf(k));
    this.viewers.textContent = list.length ? `here: ${list.join(", ")}` : "";
  }

  /** The display name of user `key` (the widget's `names` trait; the key when unknown). */
  nameOf(key: string): string {
    return nameOf(this.model.get("names"), key);
  }

  /** Shows a result: `detail` (the full explanation) behind "Details", and "Apply anyway"
   * calling `force` when given. */
  showMessage(text: string, ok: boolean, detail = "", force: (() => void) | null = null): void {
    this.notice.show(text, ok, detail, force);
  }

  /** Sends an edit; `target` is the cell a refused assign's alternatives would go to. */
  edit(op: WireOp, target?: [number, number, number | null], force = false): string {
    const request_id = newId("req");
    if (!target) target = op.k === "assign" ? [op.d, op.s, op.slot] : [-1, -1, null];
    const [d, s, slot] = target;
    this.pending.set(request_id, { kind: "edit", d, s, slot, op });
    const base_version = this.data.sv;
    const msg = { type: "edit", view_id: this.viewId, request_id, base_version, op } as const;
    this.send(force ? { ...msg, force: true } : msg);
    return request_id;
  }

  private apply(intent: Intent, target?: [number, number, number | null]): void {
    if (intent === null) return;
    if ("error" in intent) {
      this.showMessage(intent.error, false);
      return;
    }
    this.edit(intent.op, target);
  }

  undoRedo(kind: "undo" | "redo"): void {
    const request_id = newId("req");
    this.pending.set(request_id, { kind: "other" });
    this.send({ type: kind, view_id: this.viewId, request_id });
  }

  // -- layout and painting -------------------------------------------------------------------
  private applyTheme(): void {
    const theme = String(this.model.get("theme") ?? "auto");
    this.root.classList.toggle("rts-theme-light", theme === "light");
    this.root.classList.toggle("rts-theme-dark", theme === "dark");
  }

  private applyFilters(): void {
    const filters = (this.model.get("filters") ?? {}) as { text?: unknown; highlight?: unknown };
    const text = typeof filters.text === "string" ? filters.text : "";
    const hl = typeof filters.highlight === "number" ? filters.highlight : -1;
    this.highlight = hl;
    if (this.filterInput.value !== text) this.filterInput.value = text;
    this.setFilter(text);
  }

  setFilter(text: string): void {
    this.layout = makeLayout(this.data, this.kind, text);
    this.clampSelection();
    this.paint();
  }

  relayout(): void {
    this.applyTheme();
    this.setConnection(this.connection === "closed" ? "waiting" : this.connection);
    this.layout = makeLayout(this.data, this.kind, this.filterInput.value);
    this.clampSelection();
    this.scroller.style.height = `${Number(this.model.get("height")) || 480}px`;
    this.paint();
  }

  private clampSelection(): void {
    const maxR = Math.max(0, this.layout.rows.length - 1);
    const maxC = Math.max(0, this.layout.nCols - 1);
    const clamp = (p: [number, number]): [number, number] => [
      Math.min(Math.max(p[0], 0), maxR),
      Math.min(Math.max(p[1], 0), maxC),
    ];
    this.anchor = clamp(this.anchor);
    this.focus = clamp(this.focus);
  }

  get selection(): Rect {
    return {
      r0: Math.min(this.anchor[0], this.focus[0]),
      r1: Math.max(this.anchor[0], this.focus[0]),
      c0: Math.min(this.anchor[1], this.focus[1]),
      c1: Math.max(this.anchor[1], this.focus[1]),
    };
  }

  /** Rows rendered for the current scroll position. */
  rowWindow() {
    return windowFor(
      this.scroller.scrollTop,
      this.viewportHeight - this.rowHeight,
      this.rowHeight,
      this.layout.rows.length,
      OVERSCAN,
    );
  }

  colWindow() {
    const lay = this.layout;
    return windowFor(
      this.scroller.scrollLeft,
      this.viewportWidth - lay.rowHeaderWidth,
      lay.colWidth,
      lay.nCols,
      2,
    );
  }

  paint(): void {
    // a full paint shows every applied patch: nothing is left to repaint
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.held = null;
    this.dropPicked();
    const doc = this.root.ownerDocument;
    const lay = this.layout;
    fitColumns(lay, this.scroller.clientWidth);
    const rh = this.rowHeight;
    const width = lay.rowHeaderWidth + lay.nCols * lay.colWidth;
    this.canvas.style.height = `${(lay.rows.length + 1) * rh}px`;
    this.canvas.style.width = `${width}px`;
    const rows = this.rowWindow();
    const cols = this.colWindow();

    const corner = doc.createElement("div");
    corner.className = "rts-corner";
    corner.style.width = `${lay.rowHeaderWidth}px`;
    corner.style.height = `${rh}px`;
    corner.textContent = this.data.loaded
      ? lay.kind === "coverage"
        ? "date \\ post"
        : "worker \\ date"
      : "loading…";
    const heads: HTMLElement[] = [corner];
    for (let c = cols.start; c < cols.end; c++) {
      const head = doc.createElement("div");
      head.className = "rts-colhead";
      for (const cls of lay.kind === "roster" ? dayClasses(lay.dayFlags(0, c)) : []) {
        head.classList.add(cls);
      }
      head.style.left = `${lay.rowHeaderWidth + c * lay.colWidth}px`;
      head.style.width = `${lay.colWidth}px`;
      head.style.height = `${rh}px`;
      head.style.lineHeight = `${rh}px`;
      head.textContent = lay.colLabel(c);
      head.title = lay.kind === "roster" ? (this.data.dates[c] ?? "") : lay.colLabel(c);
      heads.push(head);
    }
    this.header.style.height = `${rh}px`;
    this.header.style.width = `${width}px`;
    this.header.replaceChildren(...heads);

    const sel = this.selection;
    const rowEls: HTMLElement[] = [];
    for (let r = rows.start; r < rows.end; r++) {
      const row = doc.createElement("div");
      row.className = "rts-row";
      row.dataset.r = String(r);
      row.style.top = `${(r + 1) * rh}px`;
      row.style.height = `${rh}px`;
      row.style.width = `${width}px`;
      const head = doc.createElement("div");
      head.className = "rts-rowhead";
      head.dataset.r = String(r);
      head.style.width = `${lay.rowHeaderWidth}px`;
      head.style.height = `${rh}px`;
      head.style.lineHeight = `${rh}px`;
      head.textContent = lay.rowLabel(r);
      if (lay.kind === "coverage") {
        for (const cls of dayClasses(lay.dayFlags(r, 0))) head.classList.add(cls);
        head.title = this.dayTitle(lay.rows[r] ?? -1);
      } else {
        const w = lay.rows[r] ?? -1;
        head.title = `${this.data.workers[w]?.[0] ?? ""} — click to highlight every shift`;
        head.style.borderLeft = `4px solid ${this.data.workers[w]?.[2] ?? "transparent"}`;
      }
      row.append(head);
      for (let c = cols.start; c < cols.end; c++) {
        row.append(this.cell(r, c, sel));
      }
      rowEls.push(row);
    }
    this.body.replaceChildren(...rowEls);
    labelGrid(this.scroller, this.header, this.body, lay);
    this.markPeers();
    this.paints += 1;
  }

  private cell(r: number, c: number, sel: Rect): HTMLElement {
    const doc = this.root.ownerDocument;
    const lay = this.layout;
    const data = this.data;
    const el = doc.createElement("div");
    el.className = "rts-cell";
    el.dataset.r = String(r);
    el.dataset.c = String(c);
    el.setAttribute("role", "gridcell");
    el.style.left = `${lay.rowHeaderWidth + c * lay.colWidth}px`;
    el.style.width = `${lay.colWidth}px`;
    el.style.height = `${this.rowHeight}px`;
    for (const cls of dayClasses(lay.dayFlags(r, c))) el.classList.add(cls);
    if (r >= sel.r0 && r <= sel.r1 && c >= sel.c0 && c <= sel.c1) {
      el.classList.add("rts-sel");
      if (r === this.focus[0] && c === this.focus[1]) el.setAttribute("aria-selected", "true");
    }
    const a = lay.rows[r] ?? -1;
    const tips: string[] = [];
    let violations: number[] | undefined;
    if (lay.kind === "coverage") {
      const key = data.cellKey(a, c);
      const slots = data.slotsOf(a, c);
      const pins = data.pinMask(a, c);
      let filled = 0;
      slots.forEach((w, k) => {
        if (w < 0) return;
        filled += 1;
        el.append(this.chip(w, data.workerName(w), a, c, k, (pins >> k) & 1));
      });
      if (filled === 0) {
        const empty = doc.createElement("span");
        empty.className = "rts-empty";
        empty.textContent = "—";
        el.append(empty);
      }
      if (filled < (data.req[key] ?? 0)) {
        el.classList.add("rts-under");
        tips.push(`${filled} of ${data.req[key]} required`);
      }
      violations = data.byCell.get(key);
    } else {
      const shift = data.shiftOfWorker(a, c);
      if (shift) {
        const [s, k] = shift;
        const label = data.posts[s] ?? "";
        el.append(this.chip(a, postShort(label), c, s, k, (data.pinMask(c, s) >> k) & 1));
        tips.push(label);
      }
      violations = data.byWorkerDay.get(data.workerDayKey(a, c));
    }
    const list = data.violationsOf(violations);
    if (list.length) {
      el.classList.add(list.some((v) => v[4] === 1) ? "rts-viol-hard" : "rts-viol");
      for (const v of list) tips.push(data.describe(v));
    }
    const holder = this.lockHolder(r, c);
    if (holder !== undefined) {
      el.classList.add("rts-locked");
      el.dataset.lockedBy = this.nameOf(holder);
      tips.unshift(`locked by ${this.nameOf(holder)}`);
      el.append(icon(doc, "lock", `locked by ${this.nameOf(holder)}`));
    }
    markPeer(el, this.peerMarks.get(`${a}:${c}`));
    if (tips.length) el.title = tips.join("\n");
    labelCell(el, this.root, `${this.viewId}-focus`, data, lay, r, c, tips);
    return el;
  }

  private chip(w: number, text: string, d: number, s: number, k: number, pinned: number) {
    const chip = this.root.ownerDocument.createElement("span");
    chip.className = "rts-chip";
    chip.textContent = text;
    chip.draggable = true;
    chip.dataset.w = String(w);
    chip.dataset.d = String(d);
    chip.dataset.s = String(s);
    chip.dataset.k = String(k);
    chip.style.setProperty("--rts-chip", this.data.workers[w]?.[2] ?? "#888");
    if (pinned) {
      chip.classList.add("rts-pinned");
      chip.append(icon(this.root.ownerDocument, "pin", "pinned"));
    }
    if (w === this.highlight) chip.classList.add("rts-hl");
    return chip;
  }

  // -- selection and keyboard ----------------------------------------------------------------
  select(r: number, c: number, extend = false): void {
    this.focus = [r, c];
    if (!extend) this.anchor = [r, c];
    this.clampSelection();
    const before = [this.scroller.scrollTop, this.scroller.scrollLeft];
    this.scrollIntoView(this.focus[0], this.focus[1]);
    if (before[0] === this.scroller.scrollTop && before[1] === this.scroller.scrollLeft) {
      this.markSelection(); // keep the cells (a drag may be starting from one of them)
    } else {
      this.paint();
    }
    const s = this.selection;
    this.model.set("selection", { r0: s.r0, c0: s.c0, r1: s.r1, c1: s.c1 });
    const row = this.layout.rows[this.focus[0]];
    if (row === undefined) {
      this.model.save_changes();
      return;
    }
    // a filtered view names the data rows of its block (the kernel keeps each view's block)
    const total = this.layout.kind === "coverage" ? this.data.nDays : this.data.nWorkers;
    const rows =
      this.layout.rows.length === total ? {} : { rows: this.layout.rows.slice(s.r0, s.r1 + 1) };
    // one message: the kernel sets `selection` from `sel` and answers with the selection and
    // everyone's presence in one update (a trait sync of its own would be a second round trip)
    this.send({
      type: "select",
      view_id: this.viewId,
      view: this.layout.kind,
      r: row,
      c: this.focus[1],
      sel: [s.r0, s.c0, s.r1, s.c1],
      ...rows,
    });
  }

  /** Others' selected cells (the `presence` trait): a dashed outline in their colour and a
   * tag with their display name (see marks.ts); this view's own entry is left out, its
   * selection being the solid focus ring. Entries are `[user key, colour, view kind, data row,
   * column, view id]`. */
  markPeers(): void {
    const peers = (this.model.get("presence") ?? []) as unknown[];
    const marks = new Map<string, PeerMark>();
    for (const p of peers) {
      if (!Array.isArray(p) || p.length < 5 || p[2] !== this.layout.kind) continue;
      if (p[5] === this.viewId) continue;
      marks.set(`${p[3]}:${p[4]}`, [this.nameOf(String(p[0])), String(p[1])]);
    }
    this.peerMarks = marks;
    for (const el of this.body.querySelectorAll<HTMLElement>(".rts-cell")) {
      const row = this.layout.rows[Number(el.dataset.r)];
      markPeer(el, marks.get(`${row}:${el.dataset.c}`));
    }
  }

  /** Updates the selection marks of the rendered cells without rebuilding them. */
  private markSelection(): void {
    const sel = this.selection;
    for (const el of this.body.querySelectorAll<HTMLElement>(".rts-cell")) {
      const r = Number(el.dataset.r);
      const c = Number(el.dataset.c);
      const inside = r >= sel.r0 && r <= sel.r1 && c >= sel.c0 && c <= sel.c1;
      el.classList.toggle("rts-sel", inside);
      if (inside && r === this.focus[0] && c === this.focus[1]) {
        el.setAttribute("aria-selected", "true");
      } else {
        el.removeAttribute("aria-selected");
      }
    }
    markFocus(
      this.root,
      this.body.querySelectorAll<HTMLElement>(".rts-cell"),
      `${this.viewId}-focus`,
    );
  }

  private scrollIntoView(r: number, c: number): void {
    const rh = this.rowHeight;
    const top = r * rh;
    const usable = Math.max(rh, this.viewportHeight - rh);
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + rh > this.scroller.scrollTop + usable)
      this.scroller.scrollTop = top + rh - usable;
    const lay = this.layout;
    const left = c * lay.colWidth;
    const usableW = Math.max(lay.colWidth, this.viewportWidth - lay.rowHeaderWidth);
    if (left < this.scroller.scrollLeft) this.scroller.scrollLeft = left;
    else if (left + lay.colWidth > this.scroller.scrollLeft + usableW) {
      this.scroller.scrollLeft = left + lay.colWidth - usableW;
    }
  }

  setHighlight(w: number): void {
    this.highlight = this.highlight === w ? -1 : w;
    const filters = (this.model.get("filters") ?? {}) as Record<string, unknown>;
    this.model.set("filters", { ...filters, highlight: this.highlight });
    this.model.save_changes();
    this.paint();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.target === this.filterInput) return;
    // the help: `?` opens it (unless a picker takes the character), Escape or `?` closes it
    if (this.help && (ev.key === "Escape" || isHelpKey(ev))) {
      this.toggleHelp();
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    if (!this.picker && isHelpKey(ev)) {
      this.toggleHelp();
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    // an open picker takes the keys typed in the grid (the grid keeps the focus meanwhile)
    if (this.picker?.handleKey(ev)) {
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    const mod = ev.ctrlKey || ev.metaKey;
    const [r, c] = this.focus;
    const page = Math.max(1, Math.floor(this.viewportHeight / this.rowHeight) - 1);
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageUp: [-page, 0],
      PageDown: [page, 0],
    };
    const step = moves[ev.key];
    if (step && !mod) {
      this.select(r + step[0], c + step[1], ev.shiftKey);
    } else if (ev.key === "Enter" || ev.key === "F2") {
      this.openPicker(r, c);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      const op = deleteOps(this.data, this.layout, this.selection);
      if (op) this.edit(op);
    } else if (mod && !ev.shiftKey && ev.key.toLowerCase() === "z") {
      this.undoRedo("undo");
    } else if (
      mod &&
      (ev.key.toLowerCase() === "y" || (ev.shiftKey && ev.key.toLowerCase() === "z"))
    ) {
      this.undoRedo("redo");
    } else if (ev.key === "Escape") {
      this.closePicker();
      if (this.highlight >= 0) this.setHighlight(this.highlight);
    } else {
      if (mod && ["c", "v", "x"].includes(ev.key.toLowerCase())) ev.stopPropagation();
      return;
    }
    ev.preventDefault();
    ev.stopPropagation();
  }

  private target(
    ev: Event,
  ): { r: number; c: number; k: number | null; chip: HTMLElement | null } | null {
    const el = ev.target as HTMLElement | null;
    const cell = el?.closest?.(".rts-cell") as HTMLElement | null;
    if (!cell) return null;
    const chip = el?.closest?.(".rts-chip") as HTMLElement | null;
    return {
      r: Number(cell.dataset.r),
      c: Number(cell.dataset.c),
      k: chip ? Number(chip.dataset.k) : null,
      chip,
    };
  }

  private onMouseDown(ev: MouseEvent): void {
    const el = ev.target as HTMLElement | null;
    const head = el?.closest?.(".rts-rowhead") as HTMLElement | null;
    if (head) {
      const r = Number(head.dataset.r);
      if (this.layout.kind === "roster") this.setHighlight(this.layout.rows[r] ?? -1);
      else {
        this.anchor = [r, 0];
        this.select(r, this.layout.nCols - 1, true);
      }
      this.root.focus({ preventScroll: true });
      return;
    }
    const t = this.target(ev);
    if (!t) return;
    if (ev.altKey && t.chip) {
      ev.preventDefault();
      this.setHighlight(Number(t.chip.dataset.w));
      return;
    }
    // a second click anywhere on the cell the previous click selected opens the picker; on a
    // name it opens on the click (mouse up), as the press may start a drag of the name instead
    const key = `${t.r},${t.c}`;
    const again = !ev.shiftKey && this.lastClicked === key && this.picker === null;
    this.openOnClick = "";
    this.closePicker();
    this.root.focus({ preventScroll: true });
    if (again && t.chip) {
      this.openOnClick = key;
      return;
    }
    if (again) {
      this.lastClicked = "";
      this.openPicker(t.r, t.c);
      return;
    }
    this.lastClicked = ev.shiftKey ? "" : key;
    this.select(t.r, t.c, ev.shiftKey);
  }

  /** The click ending a second press on a name of the selected cell opens the picker (see
   * onMouseDown); a drag of the name in between cancels it. */
  private onClick(ev: MouseEvent): void {
    const t = this.target(ev);
    const pending = this.openOnClick;
    this.openOnClick = "";
    if (!t || !pending || pending !== `${t.r},${t.c}`) return;
    this.lastClicked = "";
    this.openPicker(t.r, t.c);
  }

  /** Opens the keyboard help over the grid, or closes it; the grid keeps the focus (and the
   * keys: Escape closes the help). */
  toggleHelp(): void {
    if (this.help) {
      this.help.remove();
      this.help = null;
    } else {
      this.closePicker();
      this.help = helpOverlay(this.root.ownerDocument, () => this.toggleHelp());
      this.root.append(this.help);
    }
    this.root.focus({ preventScroll: true });
  }

  private onDoubleClick(ev: MouseEvent): void {
    const t = this.target(ev);
    if (t) this.openPicker(t.r, t.c);
  }

  // -- picker --------------------------------------------------------------------------------
  private clearItem(): PickerItem[] {
    const [r, c] = this.focus;
    const op = deleteOps(this.data, this.layout, { r0: r, r1: r, c0: c, c1: c });
    if (!op) return [];
    return [
      {
        value: -1,
        label: "(clear)",
        key: "",
        delta: null,
        enabled: true,
        reasons: "",
        secondary: true,
      },
    ];
  }

  openPicker(r: number, c: number): void {
    if (!this.data.loaded || r >= this.layout.rows.length || c >= this.layout.nCols) return;
    this.closePicker();
    if (this.focus[0] !== r || this.focus[1] !== c) this.select(r, c);
    const lay = this.layout;
    const a = lay.rows[r] ?? -1;
    const title =
      lay.kind === "coverage"
        ? `${this.data.dates[a]} · ${this.data.posts[c]}`
        : `${this.data.workerName(a)} · ${this.data.dates[c]}`;
    const picker = new Picker(
      this.root.ownerDocument,
      title,
      (value) => {
        if (this.picker === picker) this.pick(r, c, value);
      },
      () => {
        this.closePicker();
        this.root.focus({ preventScroll: true });
      },
    );
    this.picker = picker;
    picker.el.style.top = `${Math.min((r + 2) * this.rowHeight - this.scroller.scrollTop + 34, 400)}px`;
    picker.el.style.left = `${Math.max(0, lay.rowHeaderWidth + c * lay.colWidth - this.scroller.scrollLeft)}px`;
    this.root.append(picker.el);
    if (lay.kind === "coverage") {
      const request_id = newId("req");
      this.pending.set(request_id, { kind: "suggest", picker });
      this.send({ type: "suggest", view_id: this.viewId, request_id, d: a, s: c });
    } else {
      const items: PickerItem[] = this.data.posts.map((label, s) => {
        const filled = this.data.slotsOf(c, s).filter((w) => w >= 0).length;
        const cap = this.data.max[this.data.cellKey(c, s)] ?? 0;
        return {
          value: s,
          label,
          key: "",
          delta: null,
          enabled: cap > 0,
          reasons: `${filled}/${cap}`,
        };
      });
      picker.setItems([...this.clearItem(), ...items]);
    }
    // The grid keeps the focus and hands the picker the keys typed (see onKey): moving the
    // focus into the picker's filter box would make JupyterLab switch the notebook to edit
    // mode and back (restyling every cell) on each pick. A click in the box focuses it.
    if (this.root.ownerDocument.activeElement !== this.root) {
      this.root.focus({ preventScroll: true });
    }
  }

  /** Removes the picker. When it holds the focus, the grid takes the focus first, so that
   * the focus moves within the grid: removing a focused element would hand the focus to the
   * page, and JupyterLab would deactivate the notebook panel and activate it again (restyling
   * its tab bar and panels) before the grid took it back. */
  closePicker(): void {
    this.dropPicked();
    const picker = this.picker;
    if (!picker) return;
    this.picker = null;
    if (picker.el.contains(this.root.ownerDocument.activeElement)) {
      this.root.focus({ preventScroll: true });
    }
    picker.el.remove();
  }

  /** Picks `value` for displayed cell (r, c). The edit leaves first; the picker then stops
   * taking keys and clicks at once, but stays on screen until the edit's answer repaints the
   * grid (at most PICKED_LINGER_MS): its removal and the new cell are then rendered in one
   * frame, instead of a frame of their own for the removal that the answer would wait for. */
  private pick(r: number, c: number, value: number): void {
    const op = this.pickOp(r, c, value);
    const picker = this.picker;
    if (!op || !picker) {
      this.closePicker();
      this.root.focus({ preventScroll: true });
      return;
    }
    this.edit(op.op, op.target);
    if (picker.el.contains(this.root.ownerDocument.activeElement)) {
      this.root.focus({ preventScroll: true }); // see closePicker
    }
    this.picker = null;
    this.dropPicked();
    this.picked = { el: picker.el, timer: setTimeout(() => this.dropPicked(), PICKED_LINGER_MS) };
  }

  /** The edit that picking `value` for displayed cell (r, c) makes, if any. */
  private pickOp(
    r: number,
    c: number,
    value: number,
  ): { op: WireOp; target?: [number, number, number | null] } | null {
    const lay = this.layout;
    const a = lay.rows[r] ?? -1;
    if (value < 0) {
      const op = deleteOps(this.data, lay, { r0: r, r1: r, c0: c, c1: c });
      return op ? { op } : null;
    }
    if (lay.kind === "coverage") {
      const slots = this.data.slotsOf(a, c);
      const free = slots.indexOf(-1);
      const slot = free >= 0 ? free : slots.length === 1 ? 0 : null;
      return { op: { k: "assign", w: value, d: a, s: c, slot }, target: [a, c, slot] };
    }
    const shift = this.data.shiftOfWorker(a, c);
    if (shift && shift[0] === value) return null;
    const assign: WireOp = { k: "assign", w: a, d: c, s: value, slot: null };
    return {
      op: shift
        ? { k: "bulk", ops: [{ k: "unassign", d: c, s: shift[0], slot: shift[1] }, assign] }
        : assign,
    };
  }

  // -- drag and drop -------------------------------------------------------------------------
  private onDragStart(ev: DragEvent): void {
    const t = this.target(ev);
    if (!t?.chip) return;
    const src = {
      d: Number(t.chip.dataset.d),
      s: Number(t.chip.dataset.s),
      k: Number(t.chip.dataset.k),
    };
    this.dragSource = src;
    const dt = dataTransferOf(ev);
    if (dt) {
      dt.setData("application/x-rtsched-slot", JSON.stringify(src));
      dt.setData("text/plain", t.chip.textContent ?? "");
      dt.effectAllowed = "move";
    }
  }

  private markDrop(ev: Event, on: boolean): void {
    const cell = (ev.target as HTMLElement | null)?.closest?.(".rts-cell");
    cell?.classList.toggle("rts-drop", on);
  }

  private onDragOver(ev: DragEvent): void {
    if (!this.target(ev)) return;
    ev.preventDefault();
    this.markDrop(ev, true);
  }

  private onDrop(ev: DragEvent): void {
    const t = this.target(ev);
    if (!t) return;
    ev.preventDefault();
    this.markDrop(ev, false);
    let src = this.dragSource;
    const raw = dataTransferOf(ev)?.getData("application/x-rtsched-slot");
    if (raw) {
      try {
        const parsed = JSON.parse(raw) as DragSource;
        if ([parsed.d, parsed.s, parsed.k].every(Number.isInteger)) src = parsed;
      } catch {
        /* not ours: keep the in-view source */
      }
    }
    this.dragSource = null;
    if (!src) return;
    this.apply(dropOp(this.data, this.layout, src, t.r, t.c, t.k));
  }

  // -- clipboard -----------------------------------------------------------------------------
  copyText(): string {
    return toTsv(copyCells(this.data, this.layout, this.selection));
  }

  private onCopy(ev: Event): void {
    const clip = clipboardOf(ev);
    if (!clip || !this.data.loaded) return;
    clip.setData("text/plain", this.copyText());
    ev.preventDefault();
    ev.stopPropagation();
    const s = this.selection;
    this.showMessage(`copied ${s.r1 - s.r0 + 1} x ${s.c1 - s.c0 + 1} cells`, true);
  }

  private onPaste(ev: Event): void {
    if ((ev.target as HTMLElement | null) === this.filterInput) return;
    const clip = clipboardOf(ev);
    if (!clip) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.pasteText(clip.getData("text/plain"));
  }

  pasteText(text: string): void {
    if (!this.data.loaded || text === "") return;
    const s = this.selection;
    this.apply(pasteOps(this.data, this.layout, s.r0, s.c0, parseTsv(text)));
  }
}
