// Which rows (or columns) of a long list are in the DOM for a scroll position.

export interface Window {
  /** First index rendered (inclusive). */
  start: number;
  /** One past the last index rendered (exclusive). */
  end: number;
}

/**
 * The items to render for a viewport showing `viewport` pixels from `offset` of a list of `count`
 * items of `size` pixels each, plus `overscan` items on both sides; clamped to [0, count).
 */
export function windowFor(
  offset: number,
  viewport: number,
  size: number,
  count: number,
  overscan: number,
): Window {
  if (count <= 0 || size <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, offset) / size);
  const visible = Math.ceil(Math.max(0, viewport) / size) + 1;
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, first + visible + overscan));
  return { start, end };
}

/** The scroll offset that brings item `index` fully into a viewport, or the current offset. */
export function scrollToShow(
  index: number,
  offset: number,
  viewport: number,
  size: number,
  header: number,
): number {
  const top = index * size;
  const usable = Math.max(size, viewport - header);
  if (top < offset) return top;
  if (top + size > offset + usable) return top + size - usable;
  return offset;
}
