// The history panel: the audit trail as a table, with undo/redo and export buttons.
import type { RenderProps } from "@anywidget/types";
import { whoAmI } from "../grid/view";
import { h, onChanges, type PanelModel, panelRoot, undoStateOf } from "./common";

/** [op_id, version, user, time, kind, message, undone (0/1)] */
export type HistoryRow = [string, number, string, string, string, string, number];

const COLUMNS = ["version", "user", "time", "kind", "message"];

/**
 * Undo and redo act for the person viewing this panel (the Jupyter user, as the grid names
 * them), never for the schedule's owner: the panel says hello with that user once known, sends
 * it with every request, and enables its buttons from that user's own undo state.
 */
export function renderHistory(
  model: PanelModel,
  el: HTMLElement,
  identify: (doc: Document) => Promise<string> = whoAmI,
): () => void {
  const root = panelRoot(model, el, "rts-history");
  const doc = el.ownerDocument;
  const bar = h(doc, "div", "rts-history-bar");
  const undo = h(doc, "button", "rts-undo", "Undo");
  const redo = h(doc, "button", "rts-redo", "Redo");
  const csv = h(doc, "button", "rts-export-csv", "Export CSV");
  const json = h(doc, "button", "rts-export-json", "Export JSON");
  const notice = h(doc, "span", "rts-notice");
  notice.setAttribute("role", "status");
  bar.append(undo, redo, csv, json, notice);
  const scroll = h(doc, "div", "rts-scroll");
  root.append(bar, scroll);
  let me = "";
  let alive = true;
  const request = (msg: Record<string, unknown>) => model.send(me ? { ...msg, user: me } : msg);
  undo.addEventListener("click", () => request({ type: "undo" }));
  redo.addEventListener("click", () => request({ type: "redo" }));
  csv.addEventListener("click", () => model.send({ type: "export", format: "csv" }));
  json.addEventListener("click", () => model.send({ type: "export", format: "json" }));

  const draw = () => {
    const [canUndo, canRedo] = undoStateOf(model, me);
    undo.disabled = !canUndo;
    redo.disabled = !canRedo;
    notice.textContent = String(model.get("notice") ?? "");
    const rows = (model.get("rows") ?? []) as HistoryRow[];
    const table = h(doc, "table");
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) head.append(h(doc, "th", "", c));
    const body = table.createTBody();
    for (const [opId, version, user, time, kind, message, undone] of rows) {
      const tr = body.insertRow();
      tr.dataset.op = opId;
      if (undone) tr.className = "rts-undone";
      for (const value of [String(version), user, time, kind, message]) {
        tr.insertCell().textContent = value;
      }
    }
    scroll.replaceChildren(table);
  };

  const onMessage = (msg: unknown) => {
    const m = msg as { type?: unknown; name?: unknown; text?: unknown; mime?: unknown };
    if (m?.type !== "download" || typeof m.name !== "string" || typeof m.text !== "string") return;
    const url = URL.createObjectURL(new Blob([m.text], { type: String(m.mime ?? "text/plain") }));
    const a = h(doc, "a");
    a.href = url;
    a.download = m.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  model.on("msg:custom", onMessage);
  draw();
  const off = onChanges(model, ["rows", "can_undo", "can_redo", "undo_by_user", "notice"], draw);
  void identify(doc).then((user) => {
    if (!alive || !user) return;
    me = user;
    model.send({ type: "hello", user });
    draw();
  });
  return () => {
    alive = false;
    off();
    model.off("msg:custom", onMessage);
  };
}

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  return renderHistory(model as unknown as PanelModel, el);
}

export default { render };
