// The history panel: the audit trail as a table, with undo/redo and export buttons.
import type { RenderProps } from "@anywidget/types";
import { type Identity, NOBODY, nameOf, userFields, whoAmI } from "../identity";
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
  identify: (doc: Document) => Promise<Identity> = whoAmI,
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
  // a scrolling region keyboard users can reach (and scroll with the arrow keys)
  scroll.tabIndex = 0;
  scroll.setAttribute("role", "region");
  scroll.setAttribute("aria-label", "history of edits");
  const more = h(doc, "details", "rts-notice-detail");
  const moreText = h(doc, "div", "rts-notice-text");
  more.append(h(doc, "summary", "", "Details"), moreText);
  root.append(bar, more, scroll);
  let me: Identity = NOBODY;
  let alive = true;
  // the key acts (undo/redo are the key's own); the display name is for people
  const request = (msg: Record<string, unknown>) => model.send({ ...msg, ...userFields(me) });
  undo.addEventListener("click", () => request({ type: "undo" }));
  redo.addEventListener("click", () => request({ type: "redo" }));
  csv.addEventListener("click", () => model.send({ type: "export", format: "csv" }));
  json.addEventListener("click", () => model.send({ type: "export", format: "json" }));

  const draw = () => {
    const [canUndo, canRedo] = undoStateOf(model, me.key);
    const names = model.get("names");
    undo.disabled = !canUndo;
    redo.disabled = !canRedo;
    notice.textContent = String(model.get("notice") ?? "");
    // a summarised notice (a refused undo, say) keeps its full explanation a click away
    const detail = String(model.get("notice_detail") ?? "");
    notice.title = detail || notice.textContent;
    more.hidden = !detail;
    moreText.textContent = detail;
    const rows = (model.get("rows") ?? []) as HistoryRow[];
    const table = h(doc, "table");
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) head.append(h(doc, "th", "", c));
    const body = table.createTBody();
    for (const [opId, version, user, time, kind, message, undone] of rows) {
      const tr = body.insertRow();
      tr.dataset.op = opId;
      if (undone) tr.className = "rts-undone";
      tr.dataset.user = user;
      for (const value of [String(version), nameOf(names, user), time, kind, message]) {
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
  const off = onChanges(
    model,
    ["rows", "can_undo", "can_redo", "undo_by_user", "notice", "notice_detail", "names"],
    draw,
  );
  void identify(doc).then((id) => {
    if (!alive || !id.key) return;
    me = id;
    model.send({ type: "hello", ...userFields(id) });
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
