// The widgets' icons as inline SVG (no emoji, no icon font, nothing fetched): they look the
// same on every machine, whatever fonts it has, and follow the text colour (currentColor).

const SVG_NS = "http://www.w3.org/2000/svg";

/** 24 x 24 path data of each icon. */
export const ICONS = {
  /** A pinned (mandatory) assignment. */
  pin: "M16 3v2h-1v5l3 3v2h-5v6l-1 1-1-1v-6H6v-2l3-3V5H8V3z",
  /** A cell, date or worker locked by someone else. */
  lock:
    "M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11a1 1 0 0 1 1-1z" +
    "m2 0h6V7a3 3 0 0 0-6 0z",
  /** A state light (connection). */
  dot: "M12 5a7 7 0 1 1 0 14 7 7 0 0 1 0-14z",
  /** Keyboard help. */
  help:
    "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 15.6a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6z" +
    "m1.1-4.4V14h-2.2v-1.9c0-1.2.8-1.8 1.5-2.3.6-.4 1.1-.8 1.1-1.5a1.5 1.5 0 0 0-3 0H8.3" +
    "a3.7 3.7 0 0 1 7.4 0c0 1.6-1.1 2.4-1.9 2.9-.4.3-.7.5-.7.7z",
} as const;

export type IconName = keyof typeof ICONS;

export const ICON_CSS = `
.rts-icon { display: inline-block; width: 1em; height: 1em; flex: none; fill: currentColor;
  vertical-align: -0.125em; }
.rts-chip .rts-icon-pin { width: 10px; height: 10px; margin-left: 2px; vertical-align: -1px; }
.rts-connection[data-state="live"] .rts-icon-dot { color: var(--rts-ok); }
.rts-connection[data-state="closed"] .rts-icon-dot { color: var(--rts-error); }
.rts-cell > .rts-icon-lock { position: absolute; right: 1px; top: 1px; width: 10px;
  height: 10px; color: var(--rts-fg2); }
`;

/**
 * An inline SVG icon. With a `label` it is an image named by it (role="img", aria-label; no
 * <title>, whose text would join the text of the element the icon sits in); without one it is
 * decoration, hidden from assistive technology.
 */
export function icon(doc: Document, name: IconName, label = ""): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `rts-icon rts-icon-${name}`);
  svg.setAttribute("focusable", "false");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  const path = doc.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}
