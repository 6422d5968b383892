// Marks of other people's selected cells. One's own selection is the grid's solid focus ring in
// the theme's accent colour (`.rts-sel`); a collaborator's selected cell gets a dashed outline
// in their presence colour and a tag with their display name, so the two never look alike.

// The name tag is generated content (`attr(data-peer)`), so a cell's text stays its workers.
export const MARKS_CSS = `
.rts-grid .rts-cell.rts-peer::before { content: ""; position: absolute; inset: 1px;
  border: 2px dashed var(--rts-peer, #888); pointer-events: none; }
.rts-grid .rts-cell.rts-peer::after { content: attr(data-peer); position: absolute; top: 0;
  right: 0; z-index: 1; max-width: 70%; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; font-size: 10px; line-height: 12px; padding: 0 3px;
  border-bottom-left-radius: 3px; pointer-events: none; background: var(--rts-peer, #888);
  color: var(--rts-peer-fg, #000); }
`;

/** [display name, colour] of the person whose selected cell this is. */
export type PeerMark = [name: string, colour: string];

/** Relative luminance of a #rgb / #rrggbb colour (WCAG), or null when it is not one. */
export function luminance(colour: string): number | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!m?.[1]) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever reads better on `colour` (black when it is not a hex colour). */
export function textOn(colour: string): string {
  const l = luminance(colour);
  if (l === null) return "#000000";
  // contrast with white (1.05 / (l + .05)) against contrast with black ((l + .05) / .05)
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#000000";
}

/** Marks cell `el` as `peer`'s selected cell, or removes the mark (undefined). */
export function markPeer(el: HTMLElement, peer: PeerMark | undefined): void {
  el.classList.toggle("rts-peer", peer !== undefined);
  if (!peer) {
    if (el.dataset.peer === undefined) return;
    delete el.dataset.peer;
    el.style.removeProperty("--rts-peer");
    el.style.removeProperty("--rts-peer-fg");
    return;
  }
  const [name, colour] = peer;
  el.dataset.peer = name;
  el.style.setProperty("--rts-peer", colour);
  el.style.setProperty("--rts-peer-fg", textOn(colour));
}
