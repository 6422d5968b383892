// Drawing one grid view: the virtual window of rows and columns, headers, cells and the chips
// of their workers, the marks on them (selection, violations, locks, other people's
// selections), and the repaint of just the cells a patch touched. User data is only ever set
// as text.
import { icon } from "../icons";
import { labelCell, labelGrid, markFocus } from "./aria";
import type { Rect } from "./edits";
import { dayClasses, fitColumns, postShort } from "./layout";
import { markPeer, type PeerMark } from "./marks";
import type { LockEntry } from "./protocol";
import type { Touched } from "./session";
import type { GridView } from "./view";
import { windowFor } from "./virtual";

/** Rows rendered above and below the visible ones. */
export const OVERSCAN = 6;

export class GridRenderer {
  /** The live locks last received (marked on the cells they cover, see view.locks). */
  lockEntries: LockEntry[] = [];
  /** `${data row}:${column}` -> [user, colour] of another user's selected cell. */
  private peerMarks = new Map<string, PeerMark>();

  constructor(private readonly view: GridView) {}

  /** Rows rendered for the current scroll position. */
  rowWindow() {
    const v = this.view;
    return windowFor(
      v.scroller.scrollTop,
      v.viewportHeight - v.rowHeight,
      v.rowHeight,
      v.layout.rows.length,
      OVERSCAN,
    );
  }

  colWindow() {
    const v = this.view;
    const lay = v.layout;
    return windowFor(
      v.scroller.scrollLeft,
      v.viewportWidth - lay.rowHeaderWidth,
      lay.colWidth,
      lay.nCols,
      2,
    );
  }

  /** Rebuilds the headers and the rendered window of rows. */
  paint(): void {
    const v = this.view;
    // a full paint shows every applied patch: nothing is left to repaint
    v.session.dropHeld();
    v.input.dropPicked();
    const doc = v.root.ownerDocument;
    const lay = v.layout;
    fitColumns(lay, v.scroller.clientWidth);
    const rh = v.rowHeight;
    const width = lay.rowHeaderWidth + lay.nCols * lay.colWidth;
    v.canvas.style.height = `${(lay.rows.length + 1) * rh}px`;
    v.canvas.style.width = `${width}px`;
    const rows = this.rowWindow();
    const cols = this.colWindow();

    const corner = doc.createElement("div");
    corner.className = "rts-corner";
    corner.style.width = `${lay.rowHeaderWidth}px`;
    corner.style.height = `${rh}px`;
    corner.textContent = v.data.loaded
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
      head.title = lay.kind === "roster" ? (v.data.dates[c] ?? "") : lay.colLabel(c);
      heads.push(head);
    }
    v.header.style.height = `${rh}px`;
    v.header.style.width = `${width}px`;
    v.header.replaceChildren(...heads);

    const sel = v.selection;
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
        head.title = `${v.data.workers[w]?.[0] ?? ""} — click to highlight every shift`;
        head.style.borderLeft = `4px solid ${v.data.workers[w]?.[2] ?? "transparent"}`;
      }
      row.append(head);
      for (let c = cols.start; c < cols.end; c++) {
        row.append(this.cell(r, c, sel));
      }
      rowEls.push(row);
    }
    v.body.replaceChildren(...rowEls);
    labelGrid(v.scroller, v.header, v.body, lay);
    this.markPeers();
    v.paints += 1;
  }

  /** Rebuilds only the rendered cells `t` names (in either view) and updates the titles of
   * the coverage row headers of `t.days`; the rest of the DOM is left as it is. Returns the
   * number of cells rebuilt. */
  repaintCells(t: Touched): number {
    const v = this.view;
    const lay = v.layout;
    const data = v.data;
    const sel = v.selection;
    const keys = lay.kind === "coverage" ? t.cells : t.workerDays;
    let rebuilt = 0;
    if (keys.size > 0) {
      for (const el of v.body.querySelectorAll<HTMLElement>(".rts-cell")) {
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
      for (const head of v.body.querySelectorAll<HTMLElement>(".rts-rowhead")) {
        const d = lay.rows[Number(head.dataset.r)] ?? -1;
        if (t.days.has(d)) head.title = this.dayTitle(d);
      }
    }
    if (rebuilt > 0) v.paints += 1;
    return rebuilt;
  }

  private dayTitle(d: number): string {
    const data = this.view.data;
    return data
      .violationsOf(data.byDay.get(d))
      .map((vi) => data.describe(vi))
      .join("\n");
  }

  /** Holder of another user's lock covering displayed cell (r, c), if any. */
  lockHolder(r: number, c: number): string | undefined {
    const v = this.view;
    if (v.locks.size === 0) return undefined;
    const a = v.layout.rows[r] ?? -1;
    return v.layout.kind === "coverage"
      ? v.locks.coverage(v.data, a, c)
      : v.locks.roster(v.data, a, c);
  }

  /** Replaces the live locks and rebuilds the rendered cells whose lock mark changes. */
  setLocks(entries: LockEntry[]): void {
    const v = this.view;
    this.lockEntries = entries;
    if (!v.data.loaded) return;
    const cells = [...v.body.querySelectorAll<HTMLElement>(".rts-cell")];
    const before = cells.map((el) => this.lockHolder(Number(el.dataset.r), Number(el.dataset.c)));
    v.locks.replace(entries, v.data, v.me);
    const sel = v.selection;
    cells.forEach((el, i) => {
      const r = Number(el.dataset.r);
      const c = Number(el.dataset.c);
      if (this.lockHolder(r, c) !== before[i]) el.replaceWith(this.cell(r, c, sel));
    });
  }

  private cell(r: number, c: number, sel: Rect): HTMLElement {
    const v = this.view;
    const doc = v.root.ownerDocument;
    const lay = v.layout;
    const data = v.data;
    const el = doc.createElement("div");
    el.className = "rts-cell";
    el.dataset.r = String(r);
    el.dataset.c = String(c);
    el.setAttribute("role", "gridcell");
    el.style.left = `${lay.rowHeaderWidth + c * lay.colWidth}px`;
    el.style.width = `${lay.colWidth}px`;
    el.style.height = `${v.rowHeight}px`;
    for (const cls of dayClasses(lay.dayFlags(r, c))) el.classList.add(cls);
    if (r >= sel.r0 && r <= sel.r1 && c >= sel.c0 && c <= sel.c1) {
      el.classList.add("rts-sel");
      if (r === v.focus[0] && c === v.focus[1]) el.setAttribute("aria-selected", "true");
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
      el.classList.add(list.some((vi) => vi[4] === 1) ? "rts-viol-hard" : "rts-viol");
      for (const vi of list) tips.push(data.describe(vi));
    }
    const holder = this.lockHolder(r, c);
    if (holder !== undefined) {
      el.classList.add("rts-locked");
      el.dataset.lockedBy = v.nameOf(holder);
      tips.unshift(`locked by ${v.nameOf(holder)}`);
      el.append(icon(doc, "lock", `locked by ${v.nameOf(holder)}`));
    }
    markPeer(el, this.peerMarks.get(`${a}:${c}`));
    if (tips.length) el.title = tips.join("\n");
    labelCell(el, v.root, `${v.viewId}-focus`, data, lay, r, c, tips);
    return el;
  }

  private chip(w: number, text: string, d: number, s: number, k: number, pinned: number) {
    const v = this.view;
    const chip = v.root.ownerDocument.createElement("span");
    chip.className = "rts-chip";
    chip.textContent = text;
    chip.draggable = true;
    chip.dataset.w = String(w);
    chip.dataset.d = String(d);
    chip.dataset.s = String(s);
    chip.dataset.k = String(k);
    chip.style.setProperty("--rts-chip", v.data.workers[w]?.[2] ?? "#888");
    if (pinned) {
      chip.classList.add("rts-pinned");
      chip.append(icon(v.root.ownerDocument, "pin", "pinned"));
    }
    if (w === v.highlight) chip.classList.add("rts-hl");
    return chip;
  }

  /** Others' selected cells (the `presence` trait): a dashed outline in their colour and a
   * tag with their display name (see marks.ts); this view's own entry is left out, its
   * selection being the solid focus ring. Entries are `[user key, colour, view kind, data row,
   * column, view id]`. */
  markPeers(): void {
    const v = this.view;
    const peers = (v.model.get("presence") ?? []) as unknown[];
    const marks = new Map<string, PeerMark>();
    for (const p of peers) {
      if (!Array.isArray(p) || p.length < 5 || p[2] !== v.layout.kind) continue;
      if (p[5] === v.viewId) continue;
      marks.set(`${p[3]}:${p[4]}`, [v.nameOf(String(p[0])), String(p[1])]);
    }
    this.peerMarks = marks;
    for (const el of v.body.querySelectorAll<HTMLElement>(".rts-cell")) {
      const row = v.layout.rows[Number(el.dataset.r)];
      markPeer(el, marks.get(`${row}:${el.dataset.c}`));
    }
  }

  /** Updates the selection marks of the rendered cells without rebuilding them. */
  markSelection(): void {
    const v = this.view;
    const sel = v.selection;
    for (const el of v.body.querySelectorAll<HTMLElement>(".rts-cell")) {
      const r = Number(el.dataset.r);
      const c = Number(el.dataset.c);
      const inside = r >= sel.r0 && r <= sel.r1 && c >= sel.c0 && c <= sel.c1;
      el.classList.toggle("rts-sel", inside);
      if (inside && r === v.focus[0] && c === v.focus[1]) {
        el.setAttribute("aria-selected", "true");
      } else {
        el.removeAttribute("aria-selected");
      }
    }
    markFocus(v.root, v.body.querySelectorAll<HTMLElement>(".rts-cell"), `${v.viewId}-focus`);
  }

  /** Scrolls so that displayed cell (r, c) is in view. */
  scrollIntoView(r: number, c: number): void {
    const v = this.view;
    const rh = v.rowHeight;
    const top = r * rh;
    const usable = Math.max(rh, v.viewportHeight - rh);
    if (top < v.scroller.scrollTop) v.scroller.scrollTop = top;
    else if (top + rh > v.scroller.scrollTop + usable) v.scroller.scrollTop = top + rh - usable;
    const lay = v.layout;
    const left = c * lay.colWidth;
    const usableW = Math.max(lay.colWidth, v.viewportWidth - lay.rowHeaderWidth);
    if (left < v.scroller.scrollLeft) v.scroller.scrollLeft = left;
    else if (left + lay.colWidth > v.scroller.scrollLeft + usableW) {
      v.scroller.scrollLeft = left + lay.colWidth - usableW;
    }
  }
}
