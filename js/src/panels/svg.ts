// Small hand-drawn SVG charts (no chart library): horizontal bars with an optional target tick,
// and a line over time. Labels are set with textContent.
const NS = "http://www.w3.org/2000/svg";

export function svgEl<K extends keyof SVGElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = doc.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function label(
  doc: Document,
  x: number,
  y: number,
  text: string,
  anchor = "start",
): SVGTextElement {
  const t = svgEl(doc, "text", { x, y, "text-anchor": anchor, "dominant-baseline": "middle" });
  t.textContent = text;
  return t;
}

export interface Bar {
  label: string;
  value: number;
  /** A tick drawn at this value (e.g. the target); omitted when null. */
  target?: number | null;
  /** A second value stacked after the first (e.g. soft after hard); omitted when 0. */
  second?: number;
  title?: string;
}

export interface BarOptions {
  width?: number;
  barHeight?: number;
  labelWidth?: number;
  firstClass?: string;
  secondClass?: string;
  /** A vertical reference line (e.g. the mean). */
  reference?: number | null;
}

/** Horizontal bars, one per item, scaled to the largest value/target. */
export function barChart(doc: Document, bars: Bar[], o: BarOptions = {}): SVGSVGElement {
  const width = o.width ?? 360;
  const bh = o.barHeight ?? 14;
  const lw = o.labelWidth ?? 110;
  const height = Math.max(1, bars.length) * (bh + 4) + 18;
  const svg = svgEl(doc, "svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  let top = 1;
  for (const b of bars) top = Math.max(top, b.value + (b.second ?? 0), b.target ?? 0);
  if (o.reference != null) top = Math.max(top, o.reference);
  const plot = width - lw - 40;
  const x = (v: number) => lw + (Math.max(0, v) / top) * plot;
  if (bars.length === 0) {
    svg.append(label(doc, 4, 10, "no data"));
    return svg;
  }
  bars.forEach((b, i) => {
    const y = 2 + i * (bh + 4);
    const g = svgEl(doc, "g", { "data-label": b.label });
    const title = svgEl(doc, "title", {});
    title.textContent = b.title ?? `${b.label}: ${b.value}`;
    g.append(title, label(doc, lw - 4, y + bh / 2, b.label.slice(0, 18), "end"));
    g.append(
      svgEl(doc, "rect", {
        class: o.firstClass ?? "rts-bar",
        x: lw,
        y,
        width: x(b.value) - lw,
        height: bh,
      }),
    );
    if (b.second) {
      g.append(
        svgEl(doc, "rect", {
          class: o.secondClass ?? "rts-bar-soft",
          x: x(b.value),
          y,
          width: x(b.value + b.second) - x(b.value),
          height: bh,
        }),
      );
    }
    if (b.target != null) {
      g.append(
        svgEl(doc, "line", {
          class: "rts-target",
          x1: x(b.target),
          x2: x(b.target),
          y1: y - 1,
          y2: y + bh + 1,
        }),
      );
    }
    g.append(
      label(doc, x(b.value + (b.second ?? 0)) + 3, y + bh / 2, String(b.value + (b.second ?? 0))),
    );
    svg.append(g);
  });
  const axisY = height - 14;
  svg.append(
    svgEl(doc, "line", { class: "rts-axis", x1: lw, x2: lw + plot, y1: axisY, y2: axisY }),
  );
  if (o.reference != null) {
    const rx = x(o.reference);
    svg.append(
      svgEl(doc, "line", {
        class: "rts-target",
        x1: rx,
        x2: rx,
        y1: 0,
        y2: axisY,
        "stroke-dasharray": "3 2",
      }),
    );
    svg.append(label(doc, rx, axisY + 8, `mean ${o.reference.toFixed(1)}`, "middle"));
  }
  return svg;
}

/** A line of percentages (0..100) over labelled points, with the first and last label shown. */
export function lineChart(
  doc: Document,
  points: Array<[string, number]>,
  width = 360,
  height = 140,
): SVGSVGElement {
  const svg = svgEl(doc, "svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  const left = 34;
  const bottom = height - 16;
  const plotW = width - left - 6;
  svg.append(
    svgEl(doc, "line", { class: "rts-axis", x1: left, x2: left + plotW, y1: bottom, y2: bottom }),
  );
  svg.append(svgEl(doc, "line", { class: "rts-axis", x1: left, x2: left, y1: 4, y2: bottom }));
  svg.append(label(doc, left - 3, 6, "100%", "end"), label(doc, left - 3, bottom, "0%", "end"));
  if (points.length === 0) {
    svg.append(label(doc, left + 6, bottom / 2, "no data"));
    return svg;
  }
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  const y = (v: number) => bottom - (Math.min(100, Math.max(0, v)) / 100) * (bottom - 6);
  const coords = points.map(([, v], i) => `${(left + i * step).toFixed(1)},${y(v).toFixed(1)}`);
  const line = svgEl(doc, "polyline", { class: "rts-line", points: coords.join(" ") });
  const title = svgEl(doc, "title", {});
  title.textContent = points.map(([l, v]) => `${l}: ${v.toFixed(1)}%`).join("\n");
  line.append(title);
  svg.append(line);
  svg.append(label(doc, left, height - 5, points[0]?.[0] ?? ""));
  svg.append(label(doc, left + plotW, height - 5, points.at(-1)?.[0] ?? "", "end"));
  return svg;
}
