import { describe, expect, it } from "vitest";
import { key, lastSent, mountWith } from "./grid_helpers";

describe("grid selection blocks", () => {
  it("an unfiltered view sends its range alone; a filtered one names the block's data rows", () => {
    const { view, model } = mountWith({ days: 14 });
    key(view.root, "ArrowDown", { shiftKey: true });
    const plain = lastSent(model);
    expect(plain).toMatchObject({ type: "select", sel: [0, 0, 1, 0] });
    expect(plain).not.toHaveProperty("rows");
    // only the Mondays are shown: displayed rows 0..1 are days 0 and 7
    view.setFilter("Mon");
    view.select(0, 0);
    view.select(1, 1, true);
    expect(lastSent(model)).toMatchObject({
      type: "select",
      r: 7,
      sel: [0, 0, 1, 1],
      rows: [0, 7],
    });
  });
});
