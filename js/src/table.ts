// A small editable schedule table: rows of dates, columns of posts, one worker id per cell.
// Each view holds a copy of the cells, kept current by versioned patches from Python.
import type { AnyModel, RenderProps } from "@anywidget/types";
import { type Cell, type Incoming, isIncoming, newId, type Outgoing } from "./protocol";

interface TableModel {
  title: string;
}

export interface TableState {
  version: number;
  columns: string[];
  rows: string[];
  cells: Cell[][];
}

/** Applies an incoming message to the view state; returns "resync" when a version was missed. */
export function applyMessage(
  state: TableState,
  msg: Incoming,
  viewId: string,
): "changed" | "ignored" | "resync" {
  if (msg.type === "snapshot") {
    if (msg.view_id !== viewId) return "ignored";
    state.version = msg.version;
    state.columns = msg.columns;
    state.rows = msg.rows;
    state.cells = msg.cells.map((row) => row.slice());
    return "changed";
  }
  if (msg.type === "patch") {
    if (msg.version <= state.version) return "ignored";
    if (msg.version !== state.version + 1) return "resync";
    for (const [r, c, value] of msg.changes) {
      const row = state.cells[r];
      if (row !== undefined && c >= 0 && c < row.length) row[c] = value;
    }
    state.version = msg.version;
    return "changed";
  }
  return "ignored";
}

function renderTable(el: HTMLElement, state: TableState, onEdit: (r: number, c: number) => void) {
  const table = document.createElement("table");
  table.className = "rts-table";
  const head = table.createTHead().insertRow();
  head.appendChild(document.createElement("th")).textContent = "date";
  for (const col of state.columns) head.appendChild(document.createElement("th")).textContent = col;
  const body = table.createTBody();
  state.rows.forEach((label, r) => {
    const tr = body.insertRow();
    tr.appendChild(document.createElement("th")).textContent = label;
    state.columns.forEach((_, c) => {
      const td = tr.insertCell();
      td.dataset.row = String(r);
      td.dataset.col = String(c);
      td.textContent = state.cells[r]?.[c] ?? "";
      td.tabIndex = 0;
      td.addEventListener("dblclick", () => onEdit(r, c));
      td.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") onEdit(r, c);
      });
    });
  });
  el.replaceChildren(table);
}

function render({ model, el }: RenderProps<TableModel>) {
  const viewId = newId("view");
  const state: TableState = { version: -1, columns: [], rows: [], cells: [] };
  const root = document.createElement("div");
  root.className = "rts-root";
  const title = document.createElement("div");
  title.className = "rts-title";
  const status = document.createElement("div");
  status.className = "rts-status";
  status.setAttribute("role", "status");
  const body = document.createElement("div");
  root.append(title, body, status);
  el.replaceChildren(root);

  const send = (msg: Outgoing) => model.send(msg);
  const hello = () => send({ type: "hello", view_id: viewId });

  const edit = (r: number, c: number) => {
    const td = body.querySelector<HTMLTableCellElement>(`td[data-row="${r}"][data-col="${c}"]`);
    if (!td) return;
    const input = document.createElement("input");
    input.className = "rts-editor";
    input.value = state.cells[r]?.[c] ?? "";
    td.replaceChildren(input);
    input.focus();
    let done = false;
    const commit = (save: boolean) => {
      if (done) return;
      done = true;
      if (save) {
        const value = input.value.trim();
        send({
          type: "edit",
          view_id: viewId,
          request_id: newId("req"),
          base_version: state.version,
          row: r,
          col: c,
          value: value === "" ? null : value,
        });
      }
      td.textContent = state.cells[r]?.[c] ?? "";
    };
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") commit(true);
      if (ev.key === "Escape") commit(false);
    });
    input.addEventListener("blur", () => commit(false));
  };

  const redraw = () => {
    title.textContent = model.get("title");
    renderTable(body, state, edit);
  };

  const onMessage = (msg: unknown) => {
    if (!isIncoming(msg)) return;
    if (msg.type === "reply") {
      if (msg.view_id === viewId) status.textContent = msg.message;
      return;
    }
    const outcome = applyMessage(state, msg, viewId);
    if (outcome === "resync") hello();
    else if (outcome === "changed") redraw();
  };

  model.on("msg:custom", onMessage);
  model.on("change:title", redraw);
  hello();
  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:title", redraw);
  };
}

export type { AnyModel };
export default { render };
