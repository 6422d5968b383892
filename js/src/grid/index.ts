// Entry point of the ScheduleGrid widget (bundled to rtsched_widgets/static/grid.js).
import type { RenderProps } from "@anywidget/types";
import { type GridModel, GridView } from "./view";

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  const view = new GridView(model as unknown as GridModel, el);
  return () => view.dispose();
}

export { GridView };
export default { render };
