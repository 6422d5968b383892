// What people do in one grid view: select with the pointer and the keyboard, open the picker
// of a cell and pick in it, drag a name to another cell, copy and paste blocks, open the
// keyboard help. Each gesture becomes a selection, or an edit sent through the session.
import { copyCells, type DragSource, deleteOps, dropOp, pasteOps } from "./edits";
import { helpOverlay, isHelpKey } from "./help";
import { Picker, type PickerItem } from "./picker";
import type { WireOp } from "./protocol";
import { parseTsv, toTsv } from "./tsv";
import type { GridView } from "./view";

/** Longest a picked picker stays on screen waiting for its edit's answer (see pick). */
export const PICKED_LINGER_MS = 250;

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

/** The cell (displayed row and column), slot and name chip under an event, if any. */
interface Target {
  r: number;
  c: number;
  k: number | null;
  chip: HTMLElement | null;
}

export class GridInput {
  private dragSource: DragSource | null = null;
  private lastClicked = "";
  /** The cell ("r,c") whose picker the coming click opens (a second press on a name). */
  private openOnClick = "";
  /** A picker whose pick was sent: shown until the edit's answer repaints the grid. */
  private picked: { el: HTMLElement; timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(private readonly view: GridView) {}

  /** Listens to the keyboard, pointer, drag and clipboard events of the view. */
  attach(): void {
    const v = this.view;
    v.root.addEventListener("keydown", (ev) => this.onKey(ev));
    // pointer and drag events inside the grid are the grid's: the notebook around it must not
    // start cell selection or cell drags from them (that would cancel a drag of a name)
    for (const type of ["mousedown", "dragstart", "dragenter", "dragover", "dragleave", "drop"]) {
      v.root.addEventListener(type, (ev) => ev.stopPropagation());
    }
    v.root.addEventListener("mousedown", (ev) => {
      // the body's own handler deals with clicks on cells (which may open a picker)
      const target = ev.target as Node;
      if (v.picker && !v.picker.el.contains(target) && !v.body.contains(target)) {
        this.closePicker();
      }
    });
    v.root.addEventListener("copy", (ev) => this.onCopy(ev));
    v.root.addEventListener("paste", (ev) => this.onPaste(ev));
    v.body.addEventListener("mousedown", (ev) => this.onMouseDown(ev));
    v.body.addEventListener("click", (ev) => this.onClick(ev));
    v.body.addEventListener("dblclick", (ev) => this.onDoubleClick(ev));
    v.body.addEventListener("dragstart", (ev) => {
      this.openOnClick = ""; // a drag, not a click
      this.onDragStart(ev);
    });
    v.body.addEventListener("dragover", (ev) => this.onDragOver(ev));
    v.body.addEventListener("dragleave", (ev) => this.markDrop(ev, false));
    v.body.addEventListener("drop", (ev) => this.onDrop(ev));
    v.body.addEventListener("dragend", () => {
      this.dragSource = null;
    });
  }

  // -- selection -----------------------------------------------------------------------------
  /** Selects displayed cell (r, c) (extending the selection from its anchor when `extend`),
   * scrolls it into view and tells the kernel. */
  select(r: number, c: number, extend = false): void {
    const v = this.view;
    v.focus = [r, c];
    if (!extend) v.anchor = [r, c];
    v.clampSelection();
    const before = [v.scroller.scrollTop, v.scroller.scrollLeft];
    v.render.scrollIntoView(v.focus[0], v.focus[1]);
    if (before[0] === v.scroller.scrollTop && before[1] === v.scroller.scrollLeft) {
      v.render.markSelection(); // keep the cells (a drag may be starting from one of them)
    } else {
      v.paint();
    }
    const s = v.selection;
    v.model.set("selection", { r0: s.r0, c0: s.c0, r1: s.r1, c1: s.c1 });
    const row = v.layout.rows[v.focus[0]];
    if (row === undefined) {
      v.model.save_changes();
      return;
    }
    // a filtered view names the data rows of its block (the kernel keeps each view's block)
    const total = v.layout.kind === "coverage" ? v.data.nDays : v.data.nWorkers;
    const rows =
      v.layout.rows.length === total ? {} : { rows: v.layout.rows.slice(s.r0, s.r1 + 1) };
    // one message: the kernel sets `selection` from `sel` and answers with the selection and
    // everyone's presence in one update (a trait sync of its own would be a second round trip)
    v.session.send({
      type: "select",
      view_id: v.viewId,
      view: v.layout.kind,
      r: row,
      c: v.focus[1],
      sel: [s.r0, s.c0, s.r1, s.c1],
      ...rows,
    });
  }

  /** Highlights every shift of worker `w` (again: no highlight), for every view. */
  setHighlight(w: number): void {
    const v = this.view;
    v.highlight = v.highlight === w ? -1 : w;
    const filters = (v.model.get("filters") ?? {}) as Record<string, unknown>;
    v.model.set("filters", { ...filters, highlight: v.highlight });
    v.model.save_changes();
    v.paint();
  }

  // -- keyboard and pointer ------------------------------------------------------------------
  private onKey(ev: KeyboardEvent): void {
    const v = this.view;
    if (ev.target === v.filterInput) return;
    // the help: `?` opens it (unless a picker takes the character), Escape or `?` closes it
    if (v.help && (ev.key === "Escape" || isHelpKey(ev))) {
      this.toggleHelp();
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    if (!v.picker && isHelpKey(ev)) {
      this.toggleHelp();
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    // an open picker takes the keys typed in the grid (the grid keeps the focus meanwhile)
    if (v.picker?.handleKey(ev)) {
      ev.preventDefault();
      ev.stopPropagation();
      return;
    }
    const mod = ev.ctrlKey || ev.metaKey;
    const [r, c] = v.focus;
    const page = Math.max(1, Math.floor(v.viewportHeight / v.rowHeight) - 1);
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
      const op = deleteOps(v.data, v.layout, v.selection);
      if (op) v.session.edit(op);
    } else if (mod && !ev.shiftKey && ev.key.toLowerCase() === "z") {
      v.session.undoRedo("undo");
    } else if (
      mod &&
      (ev.key.toLowerCase() === "y" || (ev.shiftKey && ev.key.toLowerCase() === "z"))
    ) {
      v.session.undoRedo("redo");
    } else if (ev.key === "Escape") {
      this.closePicker();
      if (v.highlight >= 0) this.setHighlight(v.highlight);
    } else {
      if (mod && ["c", "v", "x"].includes(ev.key.toLowerCase())) ev.stopPropagation();
      return;
    }
    ev.preventDefault();
    ev.stopPropagation();
  }

  private target(ev: Event): Target | null {
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
    const v = this.view;
    const el = ev.target as HTMLElement | null;
    const head = el?.closest?.(".rts-rowhead") as HTMLElement | null;
    if (head) {
      const r = Number(head.dataset.r);
      if (v.layout.kind === "roster") this.setHighlight(v.layout.rows[r] ?? -1);
      else {
        v.anchor = [r, 0];
        this.select(r, v.layout.nCols - 1, true);
      }
      v.root.focus({ preventScroll: true });
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
    const again = !ev.shiftKey && this.lastClicked === key && v.picker === null;
    this.openOnClick = "";
    this.closePicker();
    v.root.focus({ preventScroll: true });
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

  private onDoubleClick(ev: MouseEvent): void {
    const t = this.target(ev);
    if (t) this.openPicker(t.r, t.c);
  }

  /** Opens the keyboard help over the grid, or closes it; the grid keeps the focus (and the
   * keys: Escape closes the help). */
  toggleHelp(): void {
    const v = this.view;
    if (v.help) {
      v.help.remove();
      v.help = null;
    } else {
      this.closePicker();
      v.help = helpOverlay(v.root.ownerDocument, () => this.toggleHelp());
      v.root.append(v.help);
    }
    v.root.focus({ preventScroll: true });
  }

  // -- picker --------------------------------------------------------------------------------
  /** The picker's "(clear)" entry, when the focused cell holds someone to clear. */
  clearItem(): PickerItem[] {
    const v = this.view;
    const [r, c] = v.focus;
    const op = deleteOps(v.data, v.layout, { r0: r, r1: r, c0: c, c1: c });
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

  /** Opens the picker of displayed cell (r, c): the kernel's candidates for a coverage cell,
   * the posts for a roster cell. */
  openPicker(r: number, c: number): void {
    const v = this.view;
    if (!v.data.loaded || r >= v.layout.rows.length || c >= v.layout.nCols) return;
    this.closePicker();
    if (v.focus[0] !== r || v.focus[1] !== c) this.select(r, c);
    const lay = v.layout;
    const a = lay.rows[r] ?? -1;
    const title =
      lay.kind === "coverage"
        ? `${v.data.dates[a]} · ${v.data.posts[c]}`
        : `${v.data.workerName(a)} · ${v.data.dates[c]}`;
    const picker = new Picker(
      v.root.ownerDocument,
      title,
      (value) => {
        if (v.picker === picker) this.pick(r, c, value);
      },
      () => {
        this.closePicker();
        v.root.focus({ preventScroll: true });
      },
    );
    v.picker = picker;
    picker.el.style.top = `${Math.min((r + 2) * v.rowHeight - v.scroller.scrollTop + 34, 400)}px`;
    picker.el.style.left = `${Math.max(0, lay.rowHeaderWidth + c * lay.colWidth - v.scroller.scrollLeft)}px`;
    v.root.append(picker.el);
    if (lay.kind === "coverage") {
      v.session.suggest(picker, a, c);
    } else {
      const items: PickerItem[] = v.data.posts.map((label, s) => {
        const filled = v.data.slotsOf(c, s).filter((w) => w >= 0).length;
        const cap = v.data.max[v.data.cellKey(c, s)] ?? 0;
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
    if (v.root.ownerDocument.activeElement !== v.root) {
      v.root.focus({ preventScroll: true });
    }
  }

  /** Removes the picker. When it holds the focus, the grid takes the focus first, so that
   * the focus moves within the grid: removing a focused element would hand the focus to the
   * page, and JupyterLab would deactivate the notebook panel and activate it again (restyling
   * its tab bar and panels) before the grid took it back. */
  closePicker(): void {
    const v = this.view;
    this.dropPicked();
    const picker = v.picker;
    if (!picker) return;
    v.picker = null;
    if (picker.el.contains(v.root.ownerDocument.activeElement)) {
      v.root.focus({ preventScroll: true });
    }
    picker.el.remove();
  }

  /** Removes the picked picker still on screen, if any. */
  dropPicked(): void {
    if (!this.picked) return;
    clearTimeout(this.picked.timer);
    this.picked.el.remove();
    this.picked = null;
  }

  /** Picks `value` for displayed cell (r, c). The edit leaves first; the picker then stops
   * taking keys and clicks at once, but stays on screen until the edit's answer repaints the
   * grid (at most PICKED_LINGER_MS): its removal and the new cell are then rendered in one
   * frame, instead of a frame of their own for the removal that the answer would wait for. */
  private pick(r: number, c: number, value: number): void {
    const v = this.view;
    const op = this.pickOp(r, c, value);
    const picker = v.picker;
    if (!op || !picker) {
      this.closePicker();
      v.root.focus({ preventScroll: true });
      return;
    }
    v.session.edit(op.op, op.target);
    if (picker.el.contains(v.root.ownerDocument.activeElement)) {
      v.root.focus({ preventScroll: true }); // see closePicker
    }
    v.picker = null;
    this.dropPicked();
    this.picked = { el: picker.el, timer: setTimeout(() => this.dropPicked(), PICKED_LINGER_MS) };
  }

  /** The edit that picking `value` for displayed cell (r, c) makes, if any. */
  private pickOp(
    r: number,
    c: number,
    value: number,
  ): { op: WireOp; target?: [number, number, number | null] } | null {
    const v = this.view;
    const lay = v.layout;
    const a = lay.rows[r] ?? -1;
    if (value < 0) {
      const op = deleteOps(v.data, lay, { r0: r, r1: r, c0: c, c1: c });
      return op ? { op } : null;
    }
    if (lay.kind === "coverage") {
      const slots = v.data.slotsOf(a, c);
      const free = slots.indexOf(-1);
      const slot = free >= 0 ? free : slots.length === 1 ? 0 : null;
      return { op: { k: "assign", w: value, d: a, s: c, slot }, target: [a, c, slot] };
    }
    const shift = v.data.shiftOfWorker(a, c);
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
    const v = this.view;
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
    v.session.apply(dropOp(v.data, v.layout, src, t.r, t.c, t.k));
  }

  // -- clipboard -----------------------------------------------------------------------------
  /** The selected block as tab-separated text. */
  copyText(): string {
    const v = this.view;
    return toTsv(copyCells(v.data, v.layout, v.selection));
  }

  private onCopy(ev: Event): void {
    const v = this.view;
    const clip = clipboardOf(ev);
    if (!clip || !v.data.loaded) return;
    clip.setData("text/plain", this.copyText());
    ev.preventDefault();
    ev.stopPropagation();
    const s = v.selection;
    v.showMessage(`copied ${s.r1 - s.r0 + 1} x ${s.c1 - s.c0 + 1} cells`, true);
  }

  private onPaste(ev: Event): void {
    if ((ev.target as HTMLElement | null) === this.view.filterInput) return;
    const clip = clipboardOf(ev);
    if (!clip) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.pasteText(clip.getData("text/plain"));
  }

  /** Pastes tab-separated `text` at the top left of the selection. */
  pasteText(text: string): void {
    const v = this.view;
    if (!v.data.loaded || text === "") return;
    const s = v.selection;
    v.session.apply(pasteOps(v.data, v.layout, s.r0, s.c0, parseTsv(text)));
  }
}
