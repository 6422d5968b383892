// One view of a ScheduleGrid: its DOM, the widget traits it follows, and the state its parts
// share. The parts: the session with the kernel (session.ts: messages, requests, patches),
// the drawing (render.ts: virtual rows, cells, marks) and what people do (input.ts: pointer,
// keyboard, picker, drag and drop, clipboard). User data is only ever set as text.
import { ICON_CSS } from "../icons";
import { nameOf, whoAmI } from "../identity";
import { ARIA_CSS } from "./aria";
import type { Rect } from "./edits";
import { HELP_CSS, helpButton } from "./help";
import { GridInput } from "./input";
import { fitColumns, type Layout, makeLayout, type ViewKind } from "./layout";
import { LockIndex } from "./locks";
import { MARKS_CSS } from "./marks";
import { NOTICE_CSS, Notice } from "./notice";
import type { Picker } from "./picker";
import { newId, type Outgoing, type Reply, type WireOp } from "./protocol";
import { GridRenderer } from "./render";
import { type Connection, GridSession } from "./session";
import { GridData } from "./state";
import { GRID_CSS, injectStyle } from "./styles";

export { PICKED_LINGER_MS } from "./input";
export { OVERSCAN } from "./render";
export { type Connection, SIBLING_WAIT_MS, type Touched } from "./session";
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

export class GridView {
  readonly viewId = newId("view");
  readonly data = new GridData();
  readonly root: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  /** The scrolled area (its size is the whole grid's), its header row and its rows. */
  readonly canvas: HTMLDivElement;
  readonly header: HTMLDivElement;
  readonly body: HTMLDivElement;
  /** The connection dot, the alternatives of a refused assign and the rows' filter box. */
  readonly connDot: HTMLSpanElement;
  readonly alts: HTMLDivElement;
  readonly filterInput: HTMLInputElement;
  /** The result line, its details popover and "Apply anyway" (see notice.ts). */
  readonly notice: Notice;
  readonly session: GridSession;
  readonly render: GridRenderer;
  readonly input: GridInput;
  layout: Layout;
  /** Anchor and focus of the selection, in displayed (row, column) coordinates. */
  anchor: [number, number] = [0, 0];
  focus: [number, number] = [0, 0];
  /** Worker whose shifts are highlighted, or -1. */
  highlight = -1;
  picker: Picker | null = null;
  /** The keyboard help overlay while it is open (see help.ts). */
  help: HTMLElement | null = null;
  /** Locks held by other users (marked on the cells they cover). */
  readonly locks = new LockIndex();
  /** Who this view edits as: the Jupyter user (from /api/me) or the widget's `user`. */
  me = "";
  /** Number of paints and repaints so far, for measurements. */
  paints = 0;
  private viewers: HTMLSpanElement;
  private resizer: ResizeObserver | undefined;
  private listeners: Array<[string, (...args: unknown[]) => void]> = [];

  constructor(
    readonly model: GridModel,
    el: HTMLElement,
  ) {
    const doc = el.ownerDocument;
    injectStyle(el, "rts-grid-style", GRID_CSS);
    injectStyle(el, "rts-notice-style", NOTICE_CSS);
    injectStyle(el, "rts-aria-style", ARIA_CSS);
    injectStyle(el, "rts-grid-marks-style", MARKS_CSS);
    injectStyle(el, "rts-icon-style", ICON_CSS);
    injectStyle(el, "rts-help-style", HELP_CSS);
    this.session = new GridSession(this);
    this.render = new GridRenderer(this);
    this.input = new GridInput(this);
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
    toolbar.append(this.connDot, this.filterInput, undo, redo, this.notice.line);
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
    toolbar.append(helpButton(doc, () => this.input.toggleHelp()));
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
    this.input.attach();

    this.listen("msg:custom", (msg) => this.session.onMessage(msg));
    for (const key of ["view", "height", "row_height", "theme", "connection"]) {
      this.listen(`change:${key}`, () => this.relayout());
    }
    this.listen("change:filters", () => this.applyFilters());
    this.listen("change:viewers", () => this.showViewers());
    this.listen("change:presence", () => this.render.markPeers());
    this.listen("change:names", () => {
      this.showViewers();
      this.render.markPeers();
      this.render.setLocks(this.render.lockEntries); // lock titles name the holder
    });
    this.showViewers();
    this.applyTheme();
    this.session.setConnection("waiting");
    this.session.hello();
    this.session.greet(doc, () => this.listeners.length > 0);
  }

  private listen(event: string, fn: (...args: unknown[]) => void): void {
    this.model.on(event, fn);
    this.listeners.push([event, fn]);
  }

  dispose(): void {
    this.resizer?.disconnect();
    this.session.close();
    this.input.dropPicked();
    for (const [event, fn] of this.listeners) this.model.off(event, fn);
    this.listeners = [];
    this.send({ type: "bye", view_id: this.viewId });
  }

  // -- what the parts share ------------------------------------------------------------------
  get kind(): ViewKind {
    return this.model.get("view") === "roster" ? "roster" : "coverage";
  }
  get rowHeight(): number {
    return Number(this.model.get("row_height")) || 26;
  }
  get viewportHeight(): number {
    return this.scroller.clientHeight || Number(this.model.get("height")) || 480;
  }
  get viewportWidth(): number {
    return this.scroller.clientWidth || 1200;
  }
  get connection(): Connection {
    return this.session.connection;
  }
  get lastReply(): Reply | null {
    return this.session.lastReply;
  }

  get selection(): Rect {
    return {
      r0: Math.min(this.anchor[0], this.focus[0]),
      r1: Math.max(this.anchor[0], this.focus[0]),
      c0: Math.min(this.anchor[1], this.focus[1]),
      c1: Math.max(this.anchor[1], this.focus[1]),
    };
  }

  /** Keeps the anchor and the focus inside the displayed rows and columns. */
  clampSelection(): void {
    const maxR = Math.max(0, this.layout.rows.length - 1);
    const maxC = Math.max(0, this.layout.nCols - 1);
    const clamp = (p: [number, number]): [number, number] => [
      Math.min(Math.max(p[0], 0), maxR),
      Math.min(Math.max(p[1], 0), maxC),
    ];
    this.anchor = clamp(this.anchor);
    this.focus = clamp(this.focus);
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

  // -- the traits ----------------------------------------------------------------------------
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

  private showViewers(): void {
    const keys = (this.model.get("viewers") ?? []) as unknown[];
    const list = keys.filter((n): n is string => typeof n === "string").map((k) => this.nameOf(k));
    this.viewers.textContent = list.length ? `here: ${list.join(", ")}` : "";
  }

  /** Shows only the rows whose label contains `text`. */
  setFilter(text: string): void {
    this.layout = makeLayout(this.data, this.kind, text);
    this.clampSelection();
    this.paint();
  }

  /** Lays the grid out again from the traits (view kind, sizes, theme) and repaints it. */
  relayout(): void {
    this.applyTheme();
    this.session.setConnection(this.connection === "closed" ? "waiting" : this.connection);
    this.layout = makeLayout(this.data, this.kind, this.filterInput.value);
    this.clampSelection();
    this.scroller.style.height = `${Number(this.model.get("height")) || 480}px`;
    this.paint();
  }

  // -- the parts' entry points ---------------------------------------------------------------
  send(msg: Outgoing): void {
    this.session.send(msg);
  }

  /** Sends an edit; `target` is the cell a refused assign's alternatives would go to. */
  edit(op: WireOp, target?: [number, number, number | null], force = false): string {
    return this.session.edit(op, target, force);
  }

  undoRedo(kind: "undo" | "redo"): void {
    this.session.undoRedo(kind);
  }

  paint(): void {
    this.render.paint();
  }

  select(r: number, c: number, extend = false): void {
    this.input.select(r, c, extend);
  }

  openPicker(r: number, c: number): void {
    this.input.openPicker(r, c);
  }

  closePicker(): void {
    this.input.closePicker();
  }

  copyText(): string {
    return this.input.copyText();
  }

  pasteText(text: string): void {
    this.input.pasteText(text);
  }
}
