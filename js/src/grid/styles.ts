// Styles of the grid and the panels. Colours come from JupyterLab's theme variables (with
// fallbacks for other front ends); `.rts-theme-light` / `.rts-theme-dark` force a theme.

export const THEME_CSS = `
.rts-themed {
  --rts-bg: var(--jp-layout-color0, #ffffff);
  --rts-bg2: var(--jp-layout-color1, #f7f7f7);
  --rts-bg3: var(--jp-layout-color2, #eeeeee);
  --rts-fg: var(--jp-ui-font-color1, #1f1f1f);
  --rts-fg2: var(--jp-ui-font-color2, #616161);
  --rts-border: var(--jp-border-color2, #d9d9d9);
  --rts-brand: var(--jp-brand-color1, #1976d2);
  --rts-error: var(--jp-error-color1, #d32f2f);
  --rts-warn: var(--jp-warn-color1, #f57c00);
  --rts-ok: var(--jp-success-color1, #388e3c);
  --rts-weekend: color-mix(in srgb, var(--rts-brand) 8%, var(--rts-bg));
  --rts-holiday: color-mix(in srgb, var(--rts-warn) 16%, var(--rts-bg));
  --rts-preholiday: color-mix(in srgb, var(--rts-warn) 8%, var(--rts-bg));
  --rts-font: var(--jp-ui-font-family, system-ui, sans-serif);
  color: var(--rts-fg);
  background: var(--rts-bg);
  font-family: var(--rts-font);
  font-size: var(--jp-ui-font-size1, 13px);
}
.rts-themed.rts-theme-light {
  --rts-bg: #ffffff; --rts-bg2: #f7f7f7; --rts-bg3: #eeeeee; --rts-fg: #1f1f1f;
  --rts-fg2: #616161; --rts-border: #d9d9d9; --rts-brand: #1976d2;
}
.rts-themed.rts-theme-dark {
  --rts-bg: #111111; --rts-bg2: #212121; --rts-bg3: #2f2f2f; --rts-fg: #e0e0e0;
  --rts-fg2: #a8a8a8; --rts-border: #424242; --rts-brand: #64b5f6;
}
/* text colours that keep WCAG AA contrast (4.5:1) on the dark backgrounds */
body[data-jp-theme-light="false"] .rts-themed:not(.rts-theme-light),
.rts-themed.rts-theme-dark {
  --rts-error: #ff8a80; --rts-warn: #ffb74d; --rts-ok: #81c784; --rts-focus: #90caf9;
}
.rts-themed.rts-theme-light { --rts-error: #c62828; --rts-warn: #e65100; --rts-ok: #2e7d32; }
`;

export const GRID_CSS = `${THEME_CSS}
.rts-grid { position: relative; outline: none; border: 1px solid var(--rts-border); }
.rts-grid:focus-visible { box-shadow: 0 0 0 2px var(--rts-brand); }
.rts-toolbar { display: flex; gap: 8px; align-items: center; padding: 4px 6px;
  background: var(--rts-bg2); border-bottom: 1px solid var(--rts-border); }
.rts-toolbar input { background: var(--rts-bg); color: var(--rts-fg);
  border: 1px solid var(--rts-border); padding: 2px 4px; }
.rts-conn { width: 8px; height: 8px; border-radius: 50%; background: var(--rts-fg2); }
.rts-conn[data-state="synced"] { background: var(--rts-ok); }
.rts-conn[data-state="resyncing"] { background: var(--rts-warn); }
.rts-conn[data-state="closed"] { background: var(--rts-error); }
.rts-message { flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.rts-message[data-ok="false"] { color: var(--rts-error); }
.rts-viewers { color: var(--rts-fg2); white-space: nowrap; }
.rts-alts { display: flex; gap: 4px; flex-wrap: wrap; padding: 0 6px; }
.rts-alts:empty { display: none; }
.rts-alts button, .rts-toolbar button { background: var(--rts-bg3); color: var(--rts-fg);
  border: 1px solid var(--rts-border); cursor: pointer; }
.rts-scroller { overflow: auto; position: relative; }
.rts-canvas { position: relative; }
.rts-header { position: sticky; top: 0; z-index: 3; background: var(--rts-bg2); }
.rts-header .rts-colhead { position: absolute; top: 0; box-sizing: border-box;
  border-right: 1px solid var(--rts-border); border-bottom: 1px solid var(--rts-border);
  padding: 0 4px; overflow: hidden; white-space: nowrap; font-weight: 600; background: var(--rts-bg2); }
.rts-corner { position: sticky; left: 0; z-index: 4; background: var(--rts-bg2);
  border-right: 1px solid var(--rts-border); border-bottom: 1px solid var(--rts-border);
  box-sizing: border-box; }
.rts-row { position: absolute; left: 0; }
.rts-rowhead { position: sticky; left: 0; z-index: 2; box-sizing: border-box; padding: 0 6px;
  background: var(--rts-bg2); border-right: 1px solid var(--rts-border);
  border-bottom: 1px solid var(--rts-border); white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; cursor: pointer; }
.rts-cell { position: absolute; top: 0; box-sizing: border-box; overflow: hidden;
  white-space: nowrap; border-right: 1px solid var(--rts-border);
  border-bottom: 1px solid var(--rts-border); padding: 1px 2px; display: flex; gap: 2px;
  align-items: center; }
.rts-weekend { background: var(--rts-weekend); }
.rts-preholiday { background: var(--rts-preholiday); }
.rts-holiday { background: var(--rts-holiday); }
.rts-cell.rts-under { box-shadow: inset 0 -2px 0 var(--rts-warn); }
.rts-cell.rts-sel { outline: 2px solid var(--rts-brand); outline-offset: -2px; }
.rts-cell.rts-viol { box-shadow: inset 0 0 0 2px var(--rts-warn); }
.rts-cell.rts-viol-hard { box-shadow: inset 0 0 0 2px var(--rts-error); }
.rts-cell.rts-drop { background: color-mix(in srgb, var(--rts-brand) 25%, var(--rts-bg)); }
.rts-chip { border-left: 4px solid var(--rts-chip, #888); padding: 0 4px; border-radius: 3px;
  background: var(--rts-bg3); overflow: hidden; text-overflow: ellipsis; max-width: 100%;
  cursor: grab; }
.rts-chip.rts-hl { background: color-mix(in srgb, var(--rts-brand) 40%, var(--rts-bg)); font-weight: 700; }
.rts-empty { color: var(--rts-fg2); padding: 0 4px; }
.rts-cell.rts-locked { background-image: repeating-linear-gradient(135deg, transparent 0 6px,
  color-mix(in srgb, var(--rts-fg2) 14%, transparent) 6px 8px); padding-right: 14px; }
.rts-picker { position: absolute; z-index: 10; min-width: 240px; max-width: 420px;
  background: var(--rts-bg); color: var(--rts-fg); border: 1px solid var(--rts-border);
  box-shadow: 0 4px 14px rgba(0,0,0,.25); padding: 4px; }
.rts-picker input { width: 100%; box-sizing: border-box; background: var(--rts-bg);
  color: var(--rts-fg); border: 1px solid var(--rts-border); padding: 2px 4px; }
.rts-picker ul { list-style: none; margin: 4px 0 0; padding: 0; max-height: 260px; overflow: auto; }
.rts-picker li { padding: 2px 4px; cursor: pointer; display: flex; gap: 6px; }
.rts-picker li[aria-selected="true"] { background: color-mix(in srgb, var(--rts-brand) 25%, var(--rts-bg)); }
.rts-picker li.rts-blocked { color: var(--rts-fg2); }
.rts-picker .rts-delta { margin-left: auto; font-variant-numeric: tabular-nums; }
.rts-picker .rts-why { color: var(--rts-error); font-size: 11px; }
`;

/** Adds a <style> with `css` to the document of `root` once per `id`. */
export function injectStyle(root: HTMLElement, id: string, css: string): void {
  const doc = root.ownerDocument;
  if (doc.getElementById(id)) return;
  const style = doc.createElement("style");
  style.id = id;
  style.textContent = css;
  doc.head.appendChild(style);
}
