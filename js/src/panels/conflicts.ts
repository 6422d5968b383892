// The conflicts panel: stale edits queued by the manual policy, each accepted or rejected by a
// person.
import type { RenderProps } from "@anywidget/types";
import { h, onChanges, type PanelModel, panelRoot } from "./common";

/** [conflict id, author, cells ("2026-01-05/D now W01"), base version, edit] */
export type ConflictRow = [string, string, string, number, string];

export function renderConflicts(model: PanelModel, el: HTMLElement): () => void {
  const root = panelRoot(model, el, "rts-conflicts");
  const doc = el.ownerDocument;
  const notice = h(doc, "div", "rts-notice");
  notice.setAttribute("role", "status");
  const scroll = h(doc, "div", "rts-scroll");
  root.append(notice, scroll);

  const draw = () => {
    notice.textContent = String(model.get("notice") ?? "");
    const rows = (model.get("rows") ?? []) as ConflictRow[];
    const table = h(doc, "table");
    const head = table.createTHead().insertRow();
    for (const c of ["id", "author", "cells", "seen", "edit", ""]) head.append(h(doc, "th", "", c));
    const body = table.createTBody();
    for (const [id, user, cells, base, edit] of rows) {
      const tr = body.insertRow();
      tr.dataset.conflict = id;
      for (const value of [id, user, cells, `v${base}`, edit]) tr.insertCell().textContent = value;
      const actions = tr.insertCell();
      const accept = h(doc, "button", "rts-accept", "Accept");
      const reject = h(doc, "button", "rts-reject", "Reject");
      accept.addEventListener("click", () => model.send({ type: "accept", id }));
      reject.addEventListener("click", () => model.send({ type: "reject", id }));
      actions.append(accept, reject);
    }
    scroll.replaceChildren(rows.length ? table : h(doc, "span", "rts-empty", "no conflicts"));
  };
  draw();
  return onChanges(model, ["rows", "notice"], draw);
}

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  return renderConflicts(model as unknown as PanelModel, el);
}

export default { render };
