// Accessibility of the grid: ARIA grid roles (grid, row, columnheader, rowheader, gridcell),
// row and column indices for the virtualised rows, labels in the planner's terms (worker, date
// with weekday, post), the focused cell as the active descendant, and a visible focus.
import type { Layout } from "./layout";
import type { GridData } from "./state";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const ARIA_CSS = `
.rts-grid:focus-visible .rts-cell[aria-selected="true"],
.rts-grid:focus-within .rts-cell[aria-selected="true"] {
  outline: 3px solid var(--rts-focus, var(--rts-brand)); outline-offset: -3px; }
.rts-grid button:focus-visible, .rts-grid input:focus-visible,
.rts-panel button:focus-visible, .rts-panel input:focus-visible,
.rts-panel select:focus-visible {
  outline: 2px solid var(--rts-focus, var(--rts-brand)); outline-offset: 1px; }
`;

/** `"2026-01-05"` as `"Mon 5 Jan 2026"` (the planner's form of a date). */
export function longDate(iso: string): string {
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** The label of displayed cell (r, c): the cell's date and post, or worker and date, then what
 * it holds; `notes` (tooltip lines: under-cover, violations, locks) are counted, not read out. */
export function cellLabel(
  data: GridData,
  lay: Layout,
  r: number,
  c: number,
  notes: string[],
): string {
  const a = lay.rows[r] ?? -1;
  let text: string;
  if (lay.kind === "coverage") {
    const names = data
      .slotsOf(a, c)
      .filter((w) => w >= 0)
      .map((w) => data.workerName(w));
    const where = `${longDate(data.dates[a] ?? "")}, ${data.posts[c] ?? ""}`;
    text = `${where}: ${names.length ? names.join(", ") : "empty"}`;
  } else {
    const shift = data.shiftOfWorker(a, c);
    const post = shift ? (data.posts[shift[0]] ?? "") : "off";
    text = `${data.workerName(a)}, ${longDate(data.dates[c] ?? "")}: ${post}`;
  }
  const problems = notes.filter((n) => !(lay.kind === "roster" && data.posts.includes(n)));
  return problems.length ? `${text}. ${problems.join(". ")}` : text;
}

/** Roles and indices of a painted grid: `scroller` is the grid, `header` its column header
 * row, `body` the rendered rows (with `.rts-rowhead` row headers). */
export function labelGrid(
  scroller: HTMLElement,
  header: HTMLElement,
  body: HTMLElement,
  lay: Layout,
): void {
  scroller.setAttribute("role", "grid");
  scroller.setAttribute(
    "aria-label",
    lay.kind === "coverage"
      ? "schedule: dates down, posts across"
      : "schedule: people down, dates across",
  );
  scroller.setAttribute("aria-rowcount", String(lay.rows.length + 1));
  scroller.setAttribute("aria-colcount", String(lay.nCols + 1));
  scroller.setAttribute("aria-multiselectable", "true");
  // the grid is reachable with Tab (its keys reach the view's handler on the root)
  if (scroller.tabIndex < 0) scroller.tabIndex = 0;
  header.setAttribute("role", "row");
  header.setAttribute("aria-rowindex", "1");
  for (const head of header.children) {
    head.setAttribute("role", "columnheader");
    const left = (head as HTMLElement).style.left;
    const c = left ? Math.round((Number.parseFloat(left) - lay.rowHeaderWidth) / lay.colWidth) : -1;
    head.setAttribute("aria-colindex", String(c + 2));
  }
  for (const row of body.children) {
    const r = Number((row as HTMLElement).dataset.r);
    row.setAttribute("role", "row");
    row.setAttribute("aria-rowindex", String(r + 2));
    const head = row.querySelector(".rts-rowhead");
    head?.setAttribute("role", "rowheader");
    head?.setAttribute("aria-colindex", "1");
  }
}

/** Marks cell `el` (displayed (r, c)) for assistive technology: column index, label, and —
 * when it is the focused cell — the id that `root` names as its active descendant. */
export function labelCell(
  el: HTMLElement,
  root: HTMLElement,
  focusId: string,
  data: GridData,
  lay: Layout,
  r: number,
  c: number,
  notes: string[],
): void {
  el.setAttribute("aria-colindex", String(c + 2));
  el.setAttribute("aria-label", cellLabel(data, lay, r, c, notes));
  if (el.getAttribute("aria-selected") === "true") {
    el.id = focusId;
    root.setAttribute("aria-activedescendant", focusId);
    el.closest("[role='grid']")?.setAttribute("aria-activedescendant", focusId);
  }
}

/** Moves the active-descendant id to the focused one of `cells` (after a selection change). */
export function markFocus(root: HTMLElement, cells: Iterable<HTMLElement>, focusId: string): void {
  for (const el of cells) {
    if (el.getAttribute("aria-selected") === "true") {
      el.id = focusId;
      root.setAttribute("aria-activedescendant", focusId);
      el.closest("[role='grid']")?.setAttribute("aria-activedescendant", focusId);
    } else if (el.id === focusId) {
      el.removeAttribute("id");
    }
  }
}
