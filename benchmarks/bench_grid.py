"""ScheduleGrid in headless chromium: first paint, edit round trip, bytes per edit.

Part 1 (``--only bridge`` runs it alone): an in-process bridge instead of the comm.

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

Part 2 (``--only lab`` runs it alone): the real Jupyter comm. A real JupyterLab (the browser
tests' harness, tests/browser/labharness.py) runs a notebook with two ScheduleGrid widgets of
one schedule in two output cells (``--lab-rows`` rows, 80 workers, 3 posts); Playwright types in
the first grid: Delete on a filled cell, then Enter (the picker with ranked suggestions from the
kernel) and Enter on its first entry, moving down a row per pair. Each edit is timed from the
key-down event (``event.timeStamp``) until the edited cell shows the new text in both grids
(DOM, MutationObserver) and until the next animation frame after that (painted). Before each
timed key the other grid is scrolled to the edited grid's rows and the page gets 60 ms to settle
(the selection's presence update, the scroll's repaint), so that the harness's own work is not
timed. A spy on the
page's WebSocket records every kernel websocket frame: the phases (key -> send, send -> first
patch frame back, last patch frame -> both grids updated) and the bytes on the wire per edit
(Jupyter envelopes and the kernel's busy/idle status messages included). The kernel records
its grids' handler time and patch sizes. Baseline in the same run: a no-op comm echo (a tiny
anywidget whose kernel side sends back every message) through the same server, kernel and
websocket. The server is the demo's (``make demo``), whose kernel websockets are
:class:`rtsched_widgets.widgets.transport.WidgetKernelWebsocketConnection` (``TCP_NODELAY`` on,
and the kernel's ``busy`` status of a widget message relayed only when handling it takes longer
than 0.25 s); ``--nodelay-only`` repeats part 2 with every status relayed
(:class:`~rtsched_widgets.widgets.transport.NoDelayKernelWebsocketConnection`), ``--stock`` on
Jupyter server's stock connection (Nagle's algorithm on: ~40 ms more per reply).

Every ``busy`` status that reaches the page makes JupyterLab swap the page's favicon for
``/static/favicons/favicon-busy-1.ico``, which Jupyter server serves with ``Cache-Control:
no-cache``: the browser asks the server for it again on every widget message, and that request
reaches the server's event loop while it relays the widget's reply. The table counts these
requests per echo and per edit. ``--favicon-in-browser`` answers them in the browser (as a
browser with the icon in its HTTP cache would) to measure what they cost; the default leaves
JupyterLab's behaviour untouched.

Budgets (DESIGN.md §9): first paint <= 250 ms, round trip p95 <= 30 ms, <= 512 bytes per edit.

Run: .venv/bin/python benchmarks/bench_grid.py [--edits 200] [--paints 15] [--lab-edits 200]
     [--lab-rows 10000] [--echoes 200] [--nodelay-only] [--stock] [--favicon-in-browser]
     [--only bridge|lab]
     [--dump lab.json]
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
    grid.send = lambda msg, buffers=None: outbox.append(msg)
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


# -- the real Jupyter comm: JupyterLab, kernel, websocket ----------------------------------------

LAB_SETUP = """
import json, time
import anywidget
from rtsched_widgets.engine.schedule import Schedule
from rtsched_widgets.model.synthetic import synthetic_with_roster
from rtsched_widgets.widgets.grid import ScheduleGrid

problem, roster = synthetic_with_roster(workers=80, days={rows}, posts=3, seed=0, feasible=True)
s = Schedule(problem, user="bench", roster=roster)

class TimedGrid(ScheduleGrid):
    # a ScheduleGrid that records how long its message handler takes (ms), and when it starts
    # and ends (ms since the epoch, to line up with the page's clock)
    handler_ms = {{}}
    handler_at = {{}}

    def _on_message(self, widget, content, buffers):
        start = time.time()
        t0 = time.perf_counter()
        super()._on_message(widget, content, buffers)
        kind = content.get("type", "?") if isinstance(content, dict) else "?"
        self.handler_ms.setdefault(kind, []).append((time.perf_counter() - t0) * 1e3)
        self.handler_at.setdefault(kind, []).append([start * 1e3, time.time() * 1e3])

class Echo(anywidget.AnyWidget):
    # the baseline: a widget whose kernel side sends back every message (no work)
    _esm = '''
    export default {{ render({{ model, el }}) {{
      el.className = "rts-echo";
      el.textContent = "echo";
      window.__rtsEcho = (payload) => new Promise((resolve) => {{
        const t0 = performance.now();
        const h = (msg) => {{
          if (msg && msg.echo === payload) {{
            model.off("msg:custom", h);
            resolve(performance.now() - t0);
          }}
        }};
        model.on("msg:custom", h);
        model.send({{ echo: payload }});
      }});
    }} }};
    '''

    def __init__(self):
        super().__init__()
        self.on_msg(lambda _w, content, _b: self.send(content))

echo = Echo()
echo
"""

LAB_GRID_A = "ga = TimedGrid(s, height=260)\nga"
LAB_GRID_B = "gb = TimedGrid(s, height=260)\ngb"
LAB_REPORT = """
with open({path!r}, "w") as f:
    json.dump({{"handler_ms": TimedGrid.handler_ms, "handler_at": TimedGrid.handler_at,
               "patch_a": ga.patch_sizes,
               "patch_b": gb.patch_sizes, "version": s.version}}, f)
print("written")
"""

# Kernel websocket frames with their time and size (and whether a received one holds a patch).
WS_SPY = """
(() => {
  const Orig = window.WebSocket;
  window.__rtsWs = [];
  const size = (d) => typeof d === 'string' ? new TextEncoder().encode(d).length
    : d instanceof ArrayBuffer ? d.byteLength : ArrayBuffer.isView(d) ? d.byteLength
    : d instanceof Blob ? d.size : 0;
  const text = (d) => typeof d === 'string' ? d
    : d instanceof ArrayBuffer ? new TextDecoder().decode(d) : '';
  class Spy extends Orig {
    constructor(...args) {
      super(...args);
      if (String(args[0]).includes('/api/kernels/')) {
        this.addEventListener('message', (e) => {
          window.__rtsWs.push(['r', performance.now(), size(e.data),
                               /"type":\\s*"patch"/.test(text(e.data)) ? 1 : 0,
                               performance.timeOrigin + performance.now()]);
        });
      }
    }
    send(d) {
      if (String(this.url).includes('/api/kernels/')) {
        window.__rtsWs.push(['s', performance.now(), size(d), 0,
                             performance.timeOrigin + performance.now()]);
      }
      return super.send(d);
    }
  }
  window.WebSocket = Spy;
  document.addEventListener('keydown', (e) => { window.__rtsKey = e.timeStamp; }, true);
})();
"""

# Arms a watch on the cell being edited: resolves once every grid shows `expected` there (then
# once more at the next animation frame, i.e. painted), or with NaN when the edit is refused.
# Scrolls the other grids like the edited one, so that every grid shows the edited row; run
# before the pause that precedes each timed key, so that their repaints are not timed.
LAB_ALIGN = """
() => {
  const grids = [...document.querySelectorAll('.rts-grid')];
  const top = grids[0].querySelector('.rts-scroller').scrollTop;
  for (const g of grids.slice(1)) {
    const sc = g.querySelector('.rts-scroller');
    if (sc.scrollTop !== top) sc.scrollTop = top;
  }
  return true;
}
"""

LAB_ARM = """
([row, expected]) => {
  const grids = [...document.querySelectorAll('.rts-grid')];
  const [a] = grids;
  const sel = `.rts-cell[data-r="${row}"][data-c="0"]`;
  const msgEl = a.querySelector('.rts-message');
  const msgBefore = msgEl.textContent;
  window.__rtsWs.length = 0;
  window.__rtsKey = null;
  window.__rtsTrip = new Promise((resolve) => {
    const seen = grids.map(() => null);
    const check = () => {
      const now = performance.now();
      grids.forEach((g, i) => {
        if (seen[i] === null && g.querySelector(sel)?.textContent === expected) seen[i] = now;
      });
      if (seen.every((x) => x !== null)) {
        obs.disconnect();
        requestAnimationFrame(() => resolve({dom: seen, frame: performance.now(),
                                             key: window.__rtsKey, ok: true}));
      } else if (msgEl.dataset.ok === 'false' && msgEl.textContent !== msgBefore) {
        obs.disconnect();
        resolve({dom: seen, frame: NaN, key: window.__rtsKey, ok: false,
                 message: msgEl.textContent});
      }
    };
    const obs = new MutationObserver(check);
    for (const g of grids) obs.observe(g, {childList: true, subtree: true, characterData: true,
                                           attributes: true, attributeFilter: ['data-ok']});
  });
  return true;
}
"""

LAB_COLLECT = """
async () => {
  const r = await window.__rtsTrip;
  await new Promise((res) => setTimeout(res, 120));  // the reply and the idle status
  return {...r, ws: window.__rtsWs.slice()};
}
"""


WS_ECHO_TARGET = """
import comm as _comm

def _echo_target(c, msg):
    @c.on_msg
    def _echo(m):
        c.send(m["content"]["data"])

_comm.get_comm_manager().register_target("rts-bench-echo", _echo_target)
"""


def server_echo_ms(port: int, token: str, kernel_id: str, n: int) -> list[float]:
    """No-op comm echoes through the server's kernel websocket from a Python client (tornado,
    legacy JSON protocol): the server and kernel without the browser."""
    import asyncio
    import uuid

    from labharness import kernel_message
    from tornado.websocket import websocket_connect

    def message(msg_type: str, content: dict[str, Any]) -> str:
        return kernel_message(msg_type, content, "bench-echo")

    async def run() -> list[float]:
        url = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}"
        ws = await websocket_connect(url)

        async def until(pred: Any) -> None:
            while True:
                raw = await asyncio.wait_for(ws.read_message(), 60)
                if raw is None:
                    raise RuntimeError("the server closed the kernel websocket")
                if pred(json.loads(raw)):
                    return

        code = {"code": WS_ECHO_TARGET, "silent": True, "store_history": False}
        await ws.write_message(message("execute_request", {**code, "user_expressions": {}}))
        await until(lambda m: m["msg_type"] == "execute_reply")
        comm_id = uuid.uuid4().hex
        opened = {"comm_id": comm_id, "target_name": "rts-bench-echo", "data": {}}
        await ws.write_message(message("comm_open", opened))
        out = []
        for i in range(n):
            t0 = time.perf_counter()
            await ws.write_message(message("comm_msg", {"comm_id": comm_id, "data": {"i": i}}))
            await until(
                lambda m, i=i: m["msg_type"] == "comm_msg" and m["content"]["data"].get("i") == i
            )
            out.append((time.perf_counter() - t0) * 1e3)
        ws.close()
        return out

    return asyncio.run(run())


FAVICONS = "**/static/favicons/**"


def measure_lab(
    rows: int,
    edits: int,
    echoes: int,
    nodelay: bool = True,
    favicon_in_browser: bool = False,
    quiet_status: bool = True,
) -> dict[str, Any]:
    """Edit round trips through a real JupyterLab (see the module docstring, part 2).

    ``nodelay`` and ``quiet_status``: the demo server's ``low_latency`` and
    ``quiet_widget_status`` (:func:`rtsched_widgets.demo.lab_command`).
    ``favicon_in_browser``: answer the page's favicon requests in the browser (an empty icon,
    cacheable) instead of letting them reach the server."""
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
    import nbformat
    from labharness import CHROMIUM_ARGS, LabUser, start_lab_server, stop_process_tree

    with tempfile.TemporaryDirectory(prefix="bench-grid-lab-") as tmp:
        base = Path(tmp)
        (base / "nb").mkdir()
        server = start_lab_server(
            base / "lab",
            notebooks=base / "nb",
            low_latency=nodelay,
            quiet_widget_status=quiet_status,
        )
        report = base / "report.json"
        try:
            nb = nbformat.v4.new_notebook()
            nb.cells = [
                nbformat.v4.new_code_cell(c)
                for c in (LAB_SETUP.format(rows=rows), LAB_GRID_A, LAB_GRID_B, "")
            ]
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
            nbformat.write(nb, server.root_dir / "bench.ipynb")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.set_default_timeout(120_000)
                context.add_init_script(WS_SPY)
                assert context.request.get(server.url("/api/me", token=server.token)).ok
                page = context.new_page()
                favicon_requests = [0]

                def count_favicon(request: Any) -> None:
                    if "/static/favicons/" in request.url:
                        favicon_requests[0] += 1

                page.on("request", count_favicon)
                if favicon_in_browser:
                    page.route(
                        FAVICONS,
                        lambda route: route.fulfill(
                            status=200,
                            body=b"",
                            content_type="image/x-icon",
                            headers={"Cache-Control": "max-age=3600"},
                        ),
                    )
                user = LabUser("bench", server, context, page)
                user.open_notebook("bench.ipynb")
                user.run_all_cells()
                page.locator(".rts-grid .rts-conn[data-state='synced']").nth(1).wait_for()
                page.locator(".rts-echo").wait_for()
                favicon_requests[0] = 0
                echo_ms = [page.evaluate("(i) => window.__rtsEcho(i)", i) for i in range(echoes)]
                favicons_per_echo = favicon_requests[0] / max(echoes, 1)
                favicon_requests[0] = 0
                trips = run_lab_edits(page, edits)
                favicons_per_edit = favicon_requests[0] / max(len(trips), 1)
                user.run_code(LAB_REPORT.format(path=str(report)))
                browser.close()
            kernel = json.loads(report.read_text())
            kernel_id = server.api("GET", "/api/sessions").json()[0]["kernel"]["id"]
            server_ms = server_echo_ms(server.port, server.token, kernel_id, echoes)
        finally:
            stop_process_tree(server.process)
    return {
        "echo_ms": echo_ms,
        "server_echo_ms": server_ms,
        "trips": trips,
        "kernel": kernel,
        "favicon_in_browser": favicon_in_browser,
        "favicons_per_echo": favicons_per_echo,
        "favicons_per_edit": favicons_per_edit,
    }


def run_lab_edits(page: Any, edits: int) -> list[dict[str, Any]]:
    """Alternately Delete (keyboard) a cell of grid A and pick a worker for it (Enter, Enter in
    the picker), moving down one row per pair; returns one record per edit."""
    grid = page.locator(".rts-grid").first
    grid.locator(".rts-cell[data-r='0'][data-c='0']").click()
    page.wait_for_timeout(300)
    out: list[dict[str, Any]] = []
    row = 0
    while len(out) < edits:
        cell = grid.locator(f".rts-cell[data-r='{row}'][data-c='0']")
        if cell.text_content() == "—":  # nothing to delete: move on
            page.keyboard.press("ArrowDown")
            row += 1
            continue
        page.evaluate(LAB_ALIGN)
        page.wait_for_timeout(60)  # the selection's presence echo and the scrolls settle
        page.evaluate(LAB_ARM, [row, "—"])
        page.keyboard.press("Delete")
        trip = page.evaluate(LAB_COLLECT)
        out.append({"kind": "delete (key)", **trip})
        if trip["ok"]:
            page.keyboard.press("Enter")  # the picker: ranked suggestions from the kernel
            first = page.locator(".rts-picker li[aria-selected='true']")
            first.wait_for()
            name = first.locator("span").first.text_content()
            page.evaluate(LAB_ALIGN)
            page.wait_for_timeout(60)
            page.evaluate(LAB_ARM, [row, name])
            page.keyboard.press("Enter")
            trip = page.evaluate(LAB_COLLECT)
            out.append({"kind": "assign (picker)", **trip})
        page.keyboard.press("ArrowDown")
        row += 1
    return out[:edits]


def lab_table(lab: dict[str, Any]) -> None:
    """Print the real-comm figures."""
    trips = [t for t in lab["trips"] if t["ok"] and t["key"] is not None]
    refused = [t for t in lab["trips"] if not t["ok"]]
    dom = [max(t["dom"]) - t["key"] for t in trips]
    frame = [t["frame"] - t["key"] for t in trips]
    echo = lab["echo_ms"]
    base = statistics.median(echo)
    print(
        f"Real JupyterLab, kernel websocket, two grids (two output cells) on one schedule; "
        f"{len(trips)} edits, {len(refused)} refused (left out)"
    )
    print()
    print("| measurement | n | median (ms) | p95 | p99 | x baseline (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [
        ("no-op comm echo from Python, no browser (server + kernel)", lab["server_echo_ms"]),
        ("baseline: no-op comm echo (send -> kernel -> back)", echo),
        ("edit: key down -> both grids' DOM updated", dom),
        ("edit: key down -> next frame after both updated", frame),
    ]
    for kind in sorted({t["kind"] for t in trips}):
        of_kind = [max(t["dom"]) - t["key"] for t in trips if t["kind"] == kind]
        rows.append((f"  of which {kind} (DOM)", of_kind))
    for name, values in rows:
        print(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | {pct(values, 95):.1f} "
            f"| {pct(values, 99):.1f} | {statistics.median(values) / base:.2f}x |"
        )
    # phases from the kernel websocket frames
    to_send, kernel, paint, up, down, patch_frames = [], [], [], [], [], []
    for t in trips:
        ws = t["ws"]
        sent = [f for f in ws if f[0] == "s" and f[1] >= t["key"]]
        got = [f for f in ws if f[0] == "r" and f[3] == 1]
        if sent and got:
            to_send.append(sent[0][1] - t["key"])
            kernel.append(got[0][1] - sent[0][1])
            paint.append(max(t["dom"]) - got[-1][1])
        up.append(sum(f[2] for f in ws if f[0] == "s"))
        down.append(sum(f[2] for f in ws if f[0] == "r"))
        patch_frames.append(sum(f[2] for f in got))
    handler = lab["kernel"]["handler_ms"].get("edit", [])
    patches = lab["kernel"]["patch_a"]
    # the kernel's handler start and end (epoch ms) line up with the page's frames: the i-th edit
    # handled is the i-th edit typed
    at = lab["kernel"].get("handler_at", {}).get("edit", [])
    to_kernel, from_kernel = [], []
    for t, (start, end) in zip(lab["trips"], at, strict=False):
        sent = [f for f in t["ws"] if f[0] == "s" and t["key"] is not None and f[1] >= t["key"]]
        got = [f for f in t["ws"] if f[0] == "r" and f[3] == 1]
        if t["ok"] and sent and got and len(sent[0]) > 4:
            to_kernel.append(start - sent[0][4])
            from_kernel.append(got[-1][4] - end)
    print()
    print(
        f"Phases (medians): key down -> websocket send {statistics.median(to_send):.1f} ms; "
        f"send -> first patch frame back (server + kernel) {statistics.median(kernel):.1f} ms, "
        f"of which the grid's handler in the kernel {statistics.median(handler):.1f} ms "
        f"(p95 {pct(handler, 95):.1f}); last patch frame -> both grids updated "
        f"{statistics.median(paint):.1f} ms"
    )
    if to_kernel:
        print(
            f"Server and kernel (medians, page and kernel clocks): websocket send -> the grid's "
            f"handler starts {statistics.median(to_kernel):.1f} ms (p95 {pct(to_kernel, 95):.1f}); "
            f"handler ends -> the page handles the last patch frame "
            f"{statistics.median(from_kernel):.1f} ms (p95 {pct(from_kernel, 95):.1f})"
        )
    print(
        f"Bytes per edit: patch content (protocol) median {statistics.median(patches):.0f}, "
        f"max {max(patches)} (budget {BUDGET_BYTES}); on the kernel websocket (Jupyter "
        f"envelopes, both grids' patches, reply, busy/idle status) up median "
        f"{statistics.median(up):.0f}, down median {statistics.median(down):.0f}, of which "
        f"patch frames {statistics.median(patch_frames):.0f}"
    )
    where = "answered in the browser" if lab.get("favicon_in_browser") else "sent to the server"
    print(
        f"Favicon requests of the page ({where}): {lab['favicons_per_echo']:.2f} per echo, "
        f"{lab['favicons_per_edit']:.2f} per edit (picker opening included)"
    )
    if refused:
        print(f"refused, e.g. {refused[0].get('message')!r}")
    verdict = pct(dom, 95)
    print(
        f"real-comm round trip p95: {verdict:.1f} ms (budget {BUDGET_P95_MS:g}) "
        f"{'ok' if verdict <= BUDGET_P95_MS else 'OVER'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=200, help="round trips per size (bridge)")
    parser.add_argument("--paints", type=int, default=15, help="first paints per size (bridge)")
    parser.add_argument("--lab-edits", type=int, default=200, help="edits through JupyterLab")
    parser.add_argument("--lab-rows", type=int, default=10_000, help="rows of the lab grids")
    parser.add_argument("--echoes", type=int, default=200, help="no-op comm echoes (baseline)")
    parser.add_argument(
        "--only", choices=("bridge", "lab"), help="run one part only (default: both)"
    )
    parser.add_argument("--dump", type=Path, help="write the raw lab measurements (JSON) here")
    parser.add_argument(
        "--nodelay-only",
        action="store_true",
        help="also run the lab part with every kernel status relayed (TCP_NODELAY only)",
    )
    parser.add_argument(
        "--stock",
        action="store_true",
        help="also run the lab part on Jupyter server's stock kernel websocket (Nagle on)",
    )
    parser.add_argument(
        "--favicon-in-browser",
        action="store_true",
        help="answer JupyterLab's busy-favicon requests in the browser, not the server",
    )
    args = parser.parse_args()
    print(f"chromium {CHROMIUM}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    if args.only != "lab":
        bridge_tables(args)
    if args.only != "bridge":
        lab = measure_lab(
            args.lab_rows, args.lab_edits, args.echoes, favicon_in_browser=args.favicon_in_browser
        )
        if args.dump:
            args.dump.write_text(json.dumps(lab))
        lab_table(lab)
        variants = [
            (
                args.nodelay_only,
                "every kernel status relayed (NoDelayKernelWebsocketConnection)",
                {"quiet_status": False},
            ),
            (
                args.stock,
                "Jupyter server's stock kernel websocket (TCP_NODELAY off)",
                {"nodelay": False},
            ),
        ]
        for wanted, title, server in variants:
            if not wanted:
                continue
            print()
            print(f"Same, {title}:")
            lab_table(
                measure_lab(
                    args.lab_rows,
                    args.lab_edits,
                    args.echoes,
                    favicon_in_browser=args.favicon_in_browser,
                    **server,
                )
            )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def bridge_tables(args: argparse.Namespace) -> None:
    """Part 1: the in-process bridge (exposed function standing in for the comm)."""
    results = {name: measure(rows, args.edits, args.paints) for name, rows in SIZES.items()}
    base = results["baseline 100 rows"]
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
