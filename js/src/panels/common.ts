// Shared pieces of the companion panels: the model slice they use, styles, element helpers.
import { injectStyle, THEME_CSS } from "../grid/styles";

export interface PanelModel {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  save_changes(): void;
  send(msg: unknown): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  off(event: string, fn: (...args: unknown[]) => void): void;
}

export const PANEL_CSS = `${THEME_CSS}
.rts-panel { border: 1px solid var(--rts-border); padding: 4px 8px; }
.rts-statusbar { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
.rts-statusbar .rts-item { white-space: nowrap; }
.rts-statusbar .rts-item b { font-weight: 600; }
.rts-statusbar .rts-last { flex: 1 1 16em; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.rts-history .rts-notice-detail { margin: 2px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.rts-history .rts-notice-detail[hidden] { display: none; }
.rts-history td:last-child { white-space: normal; overflow-wrap: anywhere; min-width: 16em; }
.rts-panel { box-sizing: border-box; max-width: 100%; }
.rts-statusbar [data-ok="false"] { color: var(--rts-error); }
.rts-statusbar .rts-users span { background: var(--rts-bg3); padding: 0 4px; border-radius: 3px;
  margin-right: 2px; }
.rts-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 8px; }
.rts-chart h4 { margin: 2px 0; font-size: 12px; }
.rts-chart svg { display: block; }
.rts-chart text { fill: var(--rts-fg); font-size: 10px; font-family: var(--rts-font); }
.rts-chart .rts-axis { stroke: var(--rts-border); }
.rts-chart .rts-bar { fill: var(--rts-brand); }
.rts-chart .rts-bar-hard { fill: var(--rts-error); }
.rts-chart .rts-bar-soft { fill: var(--rts-warn); }
.rts-chart .rts-target { stroke: var(--rts-fg); stroke-width: 2; }
.rts-chart .rts-line { fill: none; stroke: var(--rts-brand); stroke-width: 2; }
.rts-chart .rts-empty { fill: var(--rts-fg2); }
.rts-history table { border-collapse: collapse; width: 100%; font-size: 12px; }
.rts-history th, .rts-history td { border-bottom: 1px solid var(--rts-border); padding: 1px 6px;
  text-align: left; white-space: nowrap; }
.rts-history .rts-scroll { max-height: 260px; overflow: auto; }
.rts-history .rts-undone td { text-decoration: line-through; color: var(--rts-fg2); }
.rts-history button { background: var(--rts-bg3); color: var(--rts-fg);
  border: 1px solid var(--rts-border); cursor: pointer; margin-right: 4px; }
.rts-history button:disabled { opacity: .5; cursor: default; }
`;

/** A themed panel root inside `el`, following the model's `theme` trait. */
export function panelRoot(model: PanelModel, el: HTMLElement, cls: string): HTMLDivElement {
  injectStyle(el, "rts-panel-style", PANEL_CSS);
  const root = el.ownerDocument.createElement("div");
  root.className = `rts-panel rts-themed ${cls}`;
  const theme = () => {
    const t = String(model.get("theme") ?? "auto");
    root.classList.toggle("rts-theme-dark", t === "dark");
    root.classList.toggle("rts-theme-light", t === "light");
  };
  theme();
  model.on("change:theme", theme);
  el.replaceChildren(root);
  return root;
}

/** An element with a class and text content (never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  cls = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  if (cls) el.className = cls;
  if (text) el.textContent = text;
  return el;
}

/** Subscribes `fn` to each `change:<key>`; returns the function that unsubscribes. */
export function onChanges(model: PanelModel, keys: string[], fn: () => void): () => void {
  for (const k of keys) model.on(`change:${k}`, fn);
  return () => {
    for (const k of keys) model.off(`change:${k}`, fn);
  };
}

/**
 * [can undo, can redo] of `user` from the panel's `undo_by_user` trait ({user: [bool, bool]},
 * kept by the kernel for everyone who said hello); before the user is known, the panel's own
 * `can_undo` / `can_redo` (its default user's); a known user the kernel has not listed yet has
 * nothing to undo or redo.
 */
export function undoStateOf(model: PanelModel, user: string): [boolean, boolean] {
  const by = model.get("undo_by_user") as Record<string, unknown> | undefined;
  if (!user) return [Boolean(model.get("can_undo")), Boolean(model.get("can_redo"))];
  const mine = by && Object.hasOwn(by, user) ? by[user] : undefined;
  if (Array.isArray(mine) && mine.length === 2) return [Boolean(mine[0]), Boolean(mine[1])];
  return [false, false]; // never someone else's
}
