// The status bar: connection, last result, coverage, violations, undo/redo, who is here.
import type { RenderProps } from "@anywidget/types";
import { injectStyle } from "../grid/styles";
import { ICON_CSS, icon } from "../icons";
import { type Identity, NOBODY, nameOf, userFields, whoAmI } from "../identity";
import { h, onChanges, type PanelModel, panelRoot, undoStateOf } from "./common";

interface LastResult {
  ok?: boolean;
  message?: string;
  user?: string;
  /** The full explanation when `message` is a short line. */
  detail?: string;
}

/** The undo/redo item shows the viewing person's own availability (see history.ts). */
export function renderStatus(
  model: PanelModel,
  el: HTMLElement,
  identify: (doc: Document) => Promise<Identity> = whoAmI,
): () => void {
  const root = panelRoot(model, el, "rts-statusbar");
  injectStyle(el, "rts-icon-style", ICON_CSS);
  root.setAttribute("role", "status");
  const doc = el.ownerDocument;
  let me: Identity = NOBODY;
  let alive = true;
  const draw = () => {
    const last = (model.get("last") ?? {}) as LastResult;
    const viol = (model.get("violations") ?? {}) as { hard?: number; soft?: number };
    const users = (model.get("users") ?? []) as string[];
    const names = model.get("names");
    const item = (cls: string, label: string, value: string) => {
      const span = h(doc, "span", `rts-item ${cls}`);
      span.append(h(doc, "b", "", `${label} `), doc.createTextNode(value));
      return span;
    };
    const state = String(model.get("connection") ?? "");
    const conn = h(doc, "span", "rts-item rts-connection");
    conn.dataset.state = state;
    conn.append(icon(doc, "dot"), doc.createTextNode(` ${state}`));
    const result = item("rts-last", "last:", last.message ? `${last.message}` : "—");
    if (last.ok !== undefined) result.dataset.ok = String(last.ok);
    const by = last.user ? `by ${nameOf(names, last.user)}` : "";
    const full = last.detail || (by ? last.message : "");
    if (full || by) result.title = [full, by].filter(Boolean).join("\n");
    const coverage = Number(model.get("coverage") ?? 0);
    const who = h(doc, "span", "rts-item rts-users");
    who.append(h(doc, "b", "", "here: "));
    for (const u of users) {
      const person = h(doc, "span", "", nameOf(names, u));
      person.dataset.user = u;
      who.append(person);
    }
    const error = String(model.get("error") ?? "");
    const parts = [
      conn,
      item("rts-coverage", "coverage:", `${coverage.toFixed(1)}%`),
      item("rts-violations", "violations:", `${viol.hard ?? 0} hard, ${viol.soft ?? 0} soft`),
      item(
        "rts-undo",
        "undo/redo:",
        `${undoStateOf(model, me.key)[0] ? "yes" : "no"}/${undoStateOf(model, me.key)[1] ? "yes" : "no"}`,
      ),
      item("rts-version", "version:", String(model.get("version") ?? 0)),
      who,
      result,
    ];
    if (error) {
      const err = item("rts-error", "error:", error);
      err.dataset.ok = "false";
      parts.push(err);
    }
    root.replaceChildren(...parts);
  };
  draw();
  const off = onChanges(
    model,
    [
      "last",
      "violations",
      "users",
      "coverage",
      "can_undo",
      "can_redo",
      "undo_by_user",
      "connection",
      "version",
      "error",
      "names",
    ],
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
  };
}

function render({ model, el }: RenderProps<Record<string, unknown>>) {
  return renderStatus(model as unknown as PanelModel, el);
}

export default { render };
