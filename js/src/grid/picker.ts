// The picker: a popup listing choices for a cell (ranked suggestions, or posts in the roster
// view) with type-ahead filtering and keyboard selection. All text is set with textContent.

export interface PickerItem {
  /** What picking the item does (handed back to onPick). */
  value: number;
  label: string;
  /** Extra text to match the filter against (an id). */
  key: string;
  /** Score delta, shown signed; null shows nothing. */
  delta: number | null;
  /** False: listed with its reasons, not pickable. */
  enabled: boolean;
  reasons: string;
  /** True: never the item the picker starts on ("(clear)": Enter straight away must not
   * empty the cell), unless nothing else can be picked. */
  secondary?: boolean;
}

export class Picker {
  readonly el: HTMLDivElement;
  readonly input: HTMLInputElement;
  private list: HTMLUListElement;
  private note: HTMLDivElement;
  private items: PickerItem[] = [];
  private shown: PickerItem[] = [];
  private active = 0;

  constructor(
    doc: Document,
    title: string,
    private onPick: (value: number) => void,
    private onClose: () => void,
  ) {
    this.el = doc.createElement("div");
    this.el.className = "rts-picker";
    this.el.setAttribute("role", "dialog");
    const head = doc.createElement("div");
    head.className = "rts-picker-title";
    head.textContent = title;
    this.input = doc.createElement("input");
    this.input.placeholder = "type to filter";
    this.input.setAttribute("aria-label", "filter");
    this.note = doc.createElement("div");
    this.note.className = "rts-picker-note";
    this.note.textContent = "loading suggestions…";
    this.list = doc.createElement("ul");
    this.list.setAttribute("role", "listbox");
    this.el.append(head, this.input, this.note, this.list);
    this.input.addEventListener("input", () => this.filter());
    this.input.addEventListener("keydown", (ev) => this.onKey(ev));
    this.el.addEventListener("keydown", (ev) => ev.stopPropagation());
  }

  setItems(items: PickerItem[], note = ""): void {
    this.items = items;
    this.note.textContent = note;
    this.filter();
  }

  setNote(text: string): void {
    this.note.textContent = text;
  }

  /** Items currently listed (after filtering). */
  visible(): PickerItem[] {
    return this.shown.slice();
  }

  private filter(): void {
    const needle = this.input.value.trim().toLowerCase();
    this.shown = this.items.filter(
      (it) =>
        !needle || it.label.toLowerCase().includes(needle) || it.key.toLowerCase().includes(needle),
    );
    // the best candidate (the first pickable item: suggestions come ranked) is the one Enter
    // picks straight away; "(clear)" only when there is nothing else
    const best = this.shown.findIndex((it) => it.enabled && !it.secondary);
    const firstEnabled = best >= 0 ? best : this.shown.findIndex((it) => it.enabled);
    this.active = Math.max(0, firstEnabled);
    this.draw();
  }

  private draw(): void {
    const doc = this.el.ownerDocument;
    const rows = this.shown.map((it, i) => {
      const li = doc.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === this.active));
      li.setAttribute("aria-disabled", String(!it.enabled));
      li.dataset.value = String(it.value);
      if (!it.enabled) li.classList.add("rts-blocked");
      const name = doc.createElement("span");
      name.textContent = it.label;
      li.append(name);
      if (it.reasons) {
        const why = doc.createElement("span");
        why.className = "rts-why";
        why.textContent = it.reasons;
        li.append(why);
        li.title = it.reasons;
      }
      if (it.delta !== null) {
        const delta = doc.createElement("span");
        delta.className = "rts-delta";
        delta.textContent = `${it.delta > 0 ? "+" : ""}${it.delta}`;
        li.append(delta);
      }
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        if (it.enabled) this.onPick(it.value);
      });
      return li;
    });
    this.list.replaceChildren(...rows);
  }

  private move(step: number): void {
    const n = this.shown.length;
    for (let i = 1; i <= n; i++) {
      const next = (this.active + step * i + n * n) % n;
      if (this.shown[next]?.enabled) {
        this.active = next;
        break;
      }
    }
    this.draw();
  }

  /** Handles a key pressed while the grid, not the filter box, has the focus (the grid keeps
   * it while the picker is open): the navigation keys (arrows, Enter, Escape), and edits of the
   * filter text (a printable character is appended, Backspace removes the last one). Delete is
   * swallowed, so that it never clears the cells under an open picker. Returns true when the
   * key was the picker's. */
  handleKey(ev: KeyboardEvent): boolean {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return false;
    if (this.navigate(ev.key)) return true;
    if (ev.key === "Backspace") {
      this.input.value = this.input.value.slice(0, -1);
      this.filter();
      return true;
    }
    if (ev.key === "Delete") return true;
    if ([...ev.key].length === 1) {
      this.input.value += ev.key;
      this.filter();
      return true;
    }
    return false;
  }

  private navigate(key: string): boolean {
    if (key === "ArrowDown") this.move(1);
    else if (key === "ArrowUp") this.move(-1);
    else if (key === "Enter") {
      const it = this.shown[this.active];
      if (it?.enabled) this.onPick(it.value);
    } else if (key === "Escape") this.onClose();
    else return false;
    return true;
  }

  private onKey(ev: KeyboardEvent): void {
    if (this.navigate(ev.key)) ev.preventDefault();
  }
}
