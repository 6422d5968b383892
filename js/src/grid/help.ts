// The grid's keyboard and mouse help: one table, shown by the overlay that `?` opens in the
// grid and listed word for word in docs/widgets.md ("Using the grid"; a test holds the two
// together).
import { icon } from "../icons";

/** [what, how] for every key and mouse action of the grid. */
export const GRID_KEYS: ReadonlyArray<readonly [what: string, how: string]> = [
  ["select a cell / a block", "click; Shift+click or Shift+arrows extend"],
  ["move the selection", "arrows, Page Up / Page Down"],
  [
    "choose a worker",
    "Enter, F2, double-click, or a second click anywhere on the selected cell: a picker lists " +
      "the best candidates with their score change, the best one first and highlighted (Enter " +
      "picks it), then everyone who cannot take the cell and why; type to filter, arrows and " +
      "Enter to pick, Escape to close",
  ],
  ["empty cells", "Delete or Backspace (a block is emptied as one edit)"],
  ["swap or move", "drag a name onto another cell: onto a name swaps, onto a free slot moves"],
  ["undo / redo", "Ctrl/Cmd+Z, Ctrl/Cmd+Y (or Ctrl/Cmd+Shift+Z), or the toolbar buttons"],
  [
    "copy / paste",
    "Ctrl/Cmd+C copies the block as tab-separated worker ids (post names in the roster view); " +
      "Ctrl/Cmd+V pastes a block at the selection as one all-or-nothing edit",
  ],
  [
    "follow one worker",
    "Alt+click a name (coverage view) or click the worker's name (roster view); Escape stops",
  ],
  [
    "filter rows",
    "the filter box (dates or weekday in the coverage view, names or ids in the roster view)",
  ],
  ["this help", "? (or the toolbar's help button); Escape closes it"],
];

export const HELP_CSS = `
.rts-help { position: absolute; z-index: 20; top: 36px; left: 50%; transform: translateX(-50%);
  width: min(640px, calc(100% - 24px)); max-height: calc(100% - 48px); overflow: auto;
  background: var(--rts-bg); color: var(--rts-fg); border: 1px solid var(--rts-border);
  box-shadow: 0 6px 20px rgba(0,0,0,.3); padding: 8px 12px; }
.rts-help-head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.rts-help-head h3 { margin: 0; font-size: 13px; flex: 1; }
.rts-help table { border-collapse: collapse; width: 100%; }
.rts-help th, .rts-help td { text-align: left; vertical-align: top; padding: 3px 6px;
  border-bottom: 1px solid var(--rts-border); white-space: normal; }
.rts-help th[scope="row"] { font-weight: 600; white-space: nowrap; }
.rts-help button { background: var(--rts-bg3); color: var(--rts-fg);
  border: 1px solid var(--rts-border); cursor: pointer; }
.rts-help-button { display: inline-flex; align-items: center; }
`;

/** The help overlay: a dialog with the GRID_KEYS table and a Close button (`onClose`). */
export function helpOverlay(doc: Document, onClose: () => void): HTMLDivElement {
  const box = doc.createElement("div");
  box.className = "rts-help";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", "Keyboard and mouse help");
  const head = doc.createElement("div");
  head.className = "rts-help-head";
  const title = doc.createElement("h3");
  title.textContent = "Keyboard and mouse";
  const close = doc.createElement("button");
  close.type = "button";
  close.className = "rts-help-close";
  close.textContent = "Close";
  close.title = "Close (Escape)";
  // a press on the button must not take the focus from the grid (it keeps the keys)
  close.addEventListener("mousedown", (ev) => ev.preventDefault());
  close.addEventListener("click", () => onClose());
  head.append(title, close);
  const table = doc.createElement("table");
  const header = table.createTHead().insertRow();
  for (const text of ["action", "how"]) {
    const th = doc.createElement("th");
    th.scope = "col";
    th.textContent = text;
    header.append(th);
  }
  const body = table.createTBody();
  for (const [what, how] of GRID_KEYS) {
    const row = body.insertRow();
    const th = doc.createElement("th");
    th.scope = "row";
    th.textContent = what;
    row.append(th);
    row.insertCell().textContent = how;
  }
  box.append(head, table);
  return box;
}

/** The toolbar button that opens the help. */
export function helpButton(doc: Document, onClick: () => void): HTMLButtonElement {
  const button = doc.createElement("button");
  button.type = "button";
  button.className = "rts-help-button";
  button.title = "Keyboard and mouse help (?)";
  button.setAttribute("aria-label", "Keyboard and mouse help");
  button.append(icon(doc, "help"));
  button.addEventListener("click", () => onClick());
  return button;
}

/** Whether `ev` asks for the help: `?` without Ctrl, Cmd or Alt. */
export function isHelpKey(ev: KeyboardEvent): boolean {
  return ev.key === "?" && !ev.ctrlKey && !ev.metaKey && !ev.altKey;
}
