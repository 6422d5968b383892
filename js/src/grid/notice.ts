// The grid's result line: the outcome of the last edit in the planner's terms, short in the
// toolbar (it never runs past the toolbar's edge: it ends in an ellipsis), with the full
// explanation a click away in a popover ("Details"), and "Apply anyway" on a refusal the
// schedule's policy lets people push through. Text only, never HTML.

export const NOTICE_CSS = `
.rts-toolbar { flex-wrap: wrap; row-gap: 4px; }
.rts-toolbar .rts-message { flex: 1 1 12em; min-width: 0; }
.rts-toolbar button.rts-more, .rts-toolbar button.rts-force { flex: none; }
.rts-toolbar button.rts-force { border-color: var(--rts-error); }
.rts-toolbar button[hidden] { display: none; }
.rts-detail { position: absolute; z-index: 12; left: 6px; right: 6px; max-height: 50vh;
  overflow: auto; background: var(--rts-bg); color: var(--rts-fg);
  border: 1px solid var(--rts-border); box-shadow: 0 4px 14px rgba(0,0,0,.25);
  padding: 6px 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
.rts-detail[hidden] { display: none; }
.rts-detail .rts-detail-close { float: right; margin-left: 8px; background: var(--rts-bg3);
  color: var(--rts-fg); border: 1px solid var(--rts-border); cursor: pointer; }
`;

export class Notice {
  /** The short line (class `rts-message`, `data-ok`, its full text as `title`). */
  readonly line: HTMLDivElement;
  readonly more: HTMLButtonElement;
  readonly force: HTMLButtonElement;
  /** The popover with the full explanation (hidden until "Details" is clicked). */
  readonly popover: HTMLDivElement;
  private readonly text: HTMLDivElement;
  private onForce: (() => void) | null = null;

  constructor(doc: Document) {
    this.line = doc.createElement("div");
    this.line.className = "rts-message";
    this.line.setAttribute("role", "status");
    this.line.setAttribute("aria-live", "polite");
    this.more = doc.createElement("button");
    this.more.className = "rts-more";
    this.more.textContent = "Details";
    this.more.hidden = true;
    this.more.setAttribute("aria-expanded", "false");
    this.force = doc.createElement("button");
    this.force.className = "rts-force";
    this.force.textContent = "Apply anyway";
    this.force.hidden = true;
    this.popover = doc.createElement("div");
    this.popover.className = "rts-detail";
    this.popover.hidden = true;
    this.popover.id = `rts-detail-${Math.random().toString(36).slice(2, 10)}`;
    this.popover.setAttribute("role", "region");
    this.popover.setAttribute("aria-label", "details of the last result");
    this.more.setAttribute("aria-controls", this.popover.id);
    const close = doc.createElement("button");
    close.className = "rts-detail-close";
    close.textContent = "Close";
    this.text = doc.createElement("div");
    this.text.className = "rts-detail-text";
    this.popover.append(close, this.text);
    this.more.addEventListener("click", () => this.toggle());
    this.line.addEventListener("click", () => {
      if (!this.more.hidden) this.toggle();
    });
    close.addEventListener("click", () => this.toggle(false));
    this.popover.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        this.toggle(false);
        ev.stopPropagation();
      }
    });
    this.force.addEventListener("click", () => {
      const act = this.onForce;
      this.show("applying anyway…", true);
      act?.();
    });
  }

  /** The controls that sit in the toolbar after the line. */
  get controls(): HTMLElement[] {
    return [this.more, this.force];
  }

  /** Shows `text`; `detail` (the full explanation) behind "Details" when given; "Apply
   * anyway" calling `force` when given. */
  show(text: string, ok: boolean, detail = "", force: (() => void) | null = null): void {
    this.line.textContent = text;
    this.line.dataset.ok = String(ok);
    const full = detail || text;
    this.line.title = full;
    this.text.textContent = full;
    this.more.hidden = !detail;
    this.onForce = force;
    this.force.hidden = force === null;
    this.toggle(false);
  }

  get detail(): string {
    return this.text.textContent ?? "";
  }

  toggle(open = this.popover.hidden): void {
    this.popover.hidden = !open;
    this.more.setAttribute("aria-expanded", String(open));
  }
}
