"""ScheduleGrid in headless chromium: first paint, edit round trip, bytes per edit.

The real front-end bundle (rtsched_widgets/static/grid.js) runs in Debian's chromium (Playwright,
--no-sandbox); the real ``ScheduleGrid`` runs in this process on a real ``Schedule``. A small
bridge stands in for the Jupyter comm: ``model.send`` in a view calls an exposed Python function
that hands the message to the widget's handler and returns what the widget sent, which the page
then delivers to every view (the broadcast a comm does). The kernel websocket is therefore not
in the figures; everything else is (Python handler + engine + patch building + JSON + the
views' patch application and repaint).

Measured, for a small baseline grid and the 10,000-row grid, in the same process:

* first paint: from ``render()`` of a new view to its first rows painted from the snapshot
  (hello -> snapshot built in Python -> JSON -> applied -> painted), and the snapshot's bytes;
* edit round trip: from the click on a picker entry (mousedown) in view A until both view A and
  view B (another view of the same widget) show the new worker (DOM updated, observed with a
  MutationObserver, so no frame rounding); alternately assign and undo on 2-view pairs;
* bytes on the wire per edit: the encoded patch (broadcast) and reply (to the asker).

Budgets (DESIGN.md §9): first paint <= 250 ms, round trip p95 <= 30 ms, <= 512 bytes per edit.

Run: .venv/bin/python benchmarks/bench_grid.py [--edits 200] [--paints 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import sync_playwright

from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.widgets import protocol as wire
from rtsched_widgets.widgets.grid import ScheduleGrid

BUNDLE = Path(__file__).resolve().parents[1] / "rtsched_widgets" / "static" / "grid.js"
CHROMIUM = "/usr/bin/chromium"
SIZES = {"baseline 100 rows": 100, "10,000 rows": 10_000}
BUDGET_PAINT_MS, BUDGET_P95_MS, BUDGET_BYTES = 250.0, 30.0, 512

PAGE_SCRIPT = """
async ([bundle, state]) => {
  const url = URL.createObjectURL(new Blob([bundle], {type: 'text/javascript'}));
  const mod = await import(url);
  const views = [];
  window.rts = {views, deliverAll(msgs) {
      for (const m of msgs) for (const v of views) for (const h of v.handlers) h(m, []);
  }};
  window.rts.mount = (id) => {
    const handlers = [];
    const st = {...state};
    const model = {
      get: (k) => st[k], set: (k, v) => { st[k] = v; }, save_changes() {},
      send: async (msg) => {
        const t0 = performance.now();
        const out = await window.py_send(JSON.stringify(msg));
        const t1 = performance.now();
        window.rts.deliverAll(JSON.parse(out));
        window.rts.last = {sent: t0, received: t1, delivered: performance.now()};
      },
      on: (ev, fn) => { if (ev === 'msg:custom') handlers.push(fn); },
      off: () => {},
    };
    const el = document.getElementById(id);
    const view = {handlers, el};
    views.push(view);
    const t0 = performance.now();
    mod.default.render({model, el});
    return new Promise((resolve) => {
      const obs = new MutationObserver(() => {
        if (el.querySelector('.rts-cell')) { obs.disconnect(); resolve(performance.now() - t0); }
      });
      obs.observe(el, {childList: true, subtree: true});
    });
  };
}
"""

ROUND_TRIP = """
async ([row, pick]) => {
  const [a, b] = window.rts.views.slice(-2).map((v) => v.el);
  const sel = `.rts-cell[data-r="${row}"][data-c="0"]`;
  const cellA = a.querySelector(sel);
  cellA.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
  await new Promise((resolve) => {
    const check = () => a.querySelectorAll('.rts-picker li').length > 1;
    if (check()) return resolve();
    const obs = new MutationObserver(() => { if (check()) { obs.disconnect(); resolve(); } });
    obs.observe(a, {childList: true, subtree: true});
  });
  const items = [...a.querySelectorAll('.rts-picker li[aria-disabled="false"]')];
  // a worker when one can take the cell, else "(clear)": either way one edit
  const li = (pick ? items.find((x) => x.dataset.value !== '-1') : undefined) || items[0];
  const name = li.dataset.value === '-1' ? '—' : li.querySelector('span').textContent;
  const done = (el) => el.querySelector(sel)?.textContent === name;
  const t0 = performance.now();
  const waitFor = (el) => new Promise((resolve) => {
    if (done(el)) return resolve(performance.now() - t0);
    const obs = new MutationObserver(() => {
      if (done(el)) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(el, {childList: true, subtree: true, characterData: true});
    // a refused edit repaints nothing: report it as NaN, with the message
    setTimeout(() => { obs.disconnect(); resolve(NaN); }, 3000);
  });
  const both = Promise.all([waitFor(a), waitFor(b)]);
  li.dispatchEvent(new MouseEvent('mousedown', {bubbles: true, cancelable: true}));
  const [ta, tb] = await both;
  const message = a.querySelector('.rts-message')?.textContent ?? '';
  const last = window.rts.last || {};
  return [Math.max(ta, tb), message, [last.sent - t0, last.received - last.sent,
          last.delivered - last.received]];
}
"""


def build_grid(rows: int) -> tuple[ScheduleGrid, list[Any]]:
    problem, roster = synthetic_with_roster(workers=80, days=rows, posts=3, seed=0, feasible=True)
    schedule = Schedule(problem, user="bench", roster=roster)
    grid = ScheduleGrid(schedule, height=600)
    outbox: list[Any] = []
    grid.send = lambda msg, buffers=None: outbox.append(msg)  # type: ignore[method-assign]
    return grid, outbox


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def measure(rows: int, edits: int, paints: int) -> dict[str, Any]:
    grid, outbox = build_grid(rows)
    sizes: list[tuple[str, str, int]] = []  # (up type, down type, bytes)
    python_ms: dict[str, list[float]] = {}

    def py_send(text: str) -> str:
        t0 = time.perf_counter()
        outbox.clear()
        up = json.loads(text)
        grid._on_message(grid, up, [])
        out = json.dumps(outbox, separators=(",", ":"))
        python_ms.setdefault(up.get("type", "?"), []).append((time.perf_counter() - t0) * 1e3)
        for msg in outbox:
            sizes.append((up.get("type", "?"), msg["type"], wire.encoded_size(msg)))
        return out

    state = {
        "view": "coverage",
        "height": 600,
        "row_height": 26,
        "theme": "auto",
        "connection": "ready",
        "filters": {},
        "selection": {},
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.expose_function("py_send", py_send)
        page.expose_function("py_echo", lambda text: text)
        page.set_content("<html><body></body></html>")
        page.evaluate(PAGE_SCRIPT, [BUNDLE.read_text(), state])
        paint_ms: list[float] = []
        for i in range(paints):
            page.evaluate(
                "(id) => { const d = document.createElement('div'); d.id = id;"
                " document.body.replaceChildren(d); window.rts.views.length = 0; }",
                f"p{i}",
            )
            paint_ms.append(page.evaluate("(id) => window.rts.mount(id)", f"p{i}"))
        snapshot_bytes = [n for _, kind, n in sizes if kind == "snapshot"]
        hello_ms = list(python_ms.get("hello", []))
        page.evaluate(
            "() => { document.body.replaceChildren(); window.rts.views.length = 0;"
            " for (const id of ['a', 'b']) { const d = document.createElement('div');"
            " d.id = id; document.body.append(d); } }"
        )
        page.evaluate("() => window.rts.mount('a')")
        page.evaluate("() => window.rts.mount('b')")
        sizes.clear()
        python_ms.clear()
        trip_ms: list[float] = []
        refused: list[str] = []
        phase_ms: list[list[float]] = []
        for i in range(edits):
            row = (i // 2) % 20
            ms, message, phases = page.evaluate(ROUND_TRIP, [row, i % 2 == 1])
            phase_ms.append(phases)
            if ms is None or ms != ms:  # NaN: refused, nothing to repaint
                refused.append(message)
            else:
                trip_ms.append(ms)
        bridge_ms = page.evaluate(
            """async (n) => { const out = [];
                 for (let i = 0; i < n; i++) { const t0 = performance.now();
                   await window.py_echo('[]'); out.push(performance.now() - t0); }
                 return out; }""",
            max(20, edits // 2),
        )
        browser.close()
    patches = [n for up, kind, n in sizes if up == "edit" and kind == "patch"]
    replies = [n for up, kind, n in sizes if up == "edit" and kind == "reply"]
    grid.close()
    return {
        "paint_ms": paint_ms,
        "snapshot_bytes": statistics.median(snapshot_bytes) if snapshot_bytes else 0,
        "trip_ms": trip_ms,
        "patch_bytes": patches,
        "reply_bytes": replies,
        "refused": refused,
        "hello_ms": hello_ms,
        "bridge_ms": bridge_ms,
        "phase_ms": phase_ms,
        "edit_ms": python_ms.get("edit", []),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=200, help="round trips per size")
    parser.add_argument("--paints", type=int, default=15, help="first paints per size")
    args = parser.parse_args()
    results = {name: measure(rows, args.edits, args.paints) for name, rows in SIZES.items()}
    base = results["baseline 100 rows"]
    print(f"chromium {CHROMIUM}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print()
    print(
        "| grid | first paint median (ms) | p99 | x baseline | snapshot bytes "
        "| of which Python (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        med = statistics.median(r["paint_ms"])
        ratio = med / statistics.median(base["paint_ms"])
        print(
            f"| {name} | {med:.1f} | {pct(r['paint_ms'], 99):.1f} | {ratio:.2f}x "
            f"| {r['snapshot_bytes']:,.0f} | {statistics.median(r['hello_ms']):.1f} |"
        )
    print()
    print(
        "| grid | round trip median (ms) | p95 | p99 | x baseline (median) "
        "| of which Python (ms) | patch bytes median / max | reply bytes median |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        med = statistics.median(r["trip_ms"])
        ratio = med / statistics.median(base["trip_ms"])
        print(
            f"| {name} | {med:.1f} | {pct(r['trip_ms'], 95):.1f} | {pct(r['trip_ms'], 99):.1f} "
            f"| {ratio:.2f}x | {statistics.median(r['edit_ms']):.1f} "
            f"| {statistics.median(r['patch_bytes']):.0f} / "
            f"{max(r['patch_bytes'])} | {statistics.median(r['reply_bytes']):.0f} |"
        )
    big = results["10,000 rows"]
    print()
    for name, r in results.items():
        print(
            f"{name}: bridge (exposed function, no work) round trip median "
            f"{statistics.median(r['bridge_ms']):.1f} ms, p95 {pct(r['bridge_ms'], 95):.1f} ms"
        )
    for name, r in results.items():
        phases = np.nanmedian(np.asarray(r["phase_ms"], dtype=float), axis=0)
        print(
            f"{name}: median click->send {phases[0]:.1f} ms, send->answer (bridge + Python) "
            f"{phases[1]:.1f} ms, apply + repaint both views {phases[2]:.1f} ms"
        )
    for name, r in results.items():
        if r["refused"]:
            print(f"{name}: {len(r['refused'])} edits refused, e.g. {r['refused'][0]!r}")
    print()
    verdicts = [
        ("first paint", statistics.median(big["paint_ms"]), BUDGET_PAINT_MS),
        ("round trip p95", pct(big["trip_ms"], 95), BUDGET_P95_MS),
        ("patch bytes max", float(max(big["patch_bytes"])), float(BUDGET_BYTES)),
    ]
    for what, value, budget in verdicts:
        print(f"{what}: {value:.1f} (budget {budget:g}) {'ok' if value <= budget else 'OVER'}")


if __name__ == "__main__":
    main()
