"""Cache lines an edit fetches from beyond the core's own caches, counted by valgrind's cache
simulator (callgrind ``--cache-sim=yes``): why the same edit takes 50 µs on warm caches and
two to four times that in a stream of other work.

An edit's wall-clock time on this kind of machine is mostly its misses in the core's
second-level cache: each one is served by the last-level cache, which other tenants of the
host share, or by memory. The simulator counts them the same way on every run, whatever the
machine is doing. It models the instruction and data first-level caches (32 KiB, 8-way) and
one last level (``--ll-kib``, default 512: a second-level cache of this machine's size); the
"L2 misses" columns are that last level's.

Kinds (an unassign each time, of a random occupied cell whose worker is not pinned there,
then the assign that puts the worker back, not counted):
- ``warm``: one cell, back to back — the code and objects of the edit are those of the edit
  before it;
- ``after a refused assign``: each unassign comes after an assign of an off worker into a
  full cell that the hard rules refuse, whose alternatives (a screen of every worker, exact
  deltas of the best) use the caches first, as in ``bench_engine.py``'s loop.

Only the unassign is counted: the child calls it through ``functools.reduce``, and callgrind
collects only inside that C function (``--toggle-collect=functools_reduce``; the interpreter
needs its symbols, as pyenv's build has them).

Run: .venv/bin/python benchmarks/bench_edit_misses.py [--ops 100] [--size 10k] [--ll-kib 512]
Needs valgrind (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_engine import SIZES, load, occupied_cell, worker_off

KINDS = ("warm", "after a refused assign")
EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


def child(kind: str, n: int, size: str) -> None:
    """Runs under valgrind: set up, then ``n`` rounds whose unassign runs inside
    ``functools.reduce`` (the only stretch callgrind collects)."""
    import numpy as np

    problem, s, iso, ids = load(size)
    rng = np.random.default_rng(0)
    rounds: list[tuple[int, int, int, tuple[str, str, int]]] = []
    while len(rounds) < n:
        d, p = occupied_cell(s, rng)
        w = int(s.core.slots[d, p, 0])
        if problem.mandatory[w, d]:
            continue
        d3, p3 = occupied_cell(s, rng)
        rounds.append((d, p, w, (ids[worker_off(s, d3, rng)], iso[d3], p3)))
    refused = 0
    for i in range(n):
        d, p, w, other = rounds[0 if kind == "warm" else i]
        if kind != "warm":
            refused += not s.assign(*other).ok
        result = functools.reduce(lambda _a, _b: s.unassign(iso[d], p), (None, None))
        assert result.ok, result.message
        assert s.assign(ids[w], iso[d], p).ok
    print(f"refused {refused}", flush=True)
    os._exit(0)  # no teardown


def count(kind: str, n: int, size: str, ll_kib: int) -> tuple[dict[str, int], int]:
    """The simulator's totals over the ``n`` unassigns of ``kind``, and how many of the
    assigns before them were refused."""
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--cache-sim=yes",
        "--I1=32768,8,64",
        "--D1=32768,8,64",
        f"--LL={ll_kib * 1024},8,64",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        "--callgrind-out-file=/dev/null",
        *(sys.executable, __file__, "--child", kind, "--ops", str(n), "--size", size),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    match = re.search(r"Collected : ([\d ]+)", proc.stderr)
    refused = re.search(r"refused (\d+)", proc.stdout)
    if proc.returncode != 0 or not match or not refused:
        raise RuntimeError(f"{kind}: no callgrind totals in:\n{proc.stderr[-2000:]}")
    values = [int(x) for x in match.group(1).split()]
    totals = dict(zip(EVENTS, values, strict=True))
    if totals["Ir"] == 0:
        raise RuntimeError(f"{kind}: nothing collected — does {sys.executable} have symbols?")
    return totals, int(refused.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=100, help="unassigns counted per kind")
    ap.add_argument("--size", default="10k", choices=list(SIZES))
    ap.add_argument("--ll-kib", type=int, default=512, help="simulated last-level cache, KiB")
    ap.add_argument("--child", choices=list(KINDS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.ops < 1:
        ap.error("--ops: give a positive number of edits")
    if args.ll_kib < 64 or args.ll_kib & (args.ll_kib - 1):
        ap.error("--ll-kib: give a power of two of at least 64")
    if args.child:
        child(args.child, args.ops, args.size)
        return 0
    if shutil.which("valgrind") is None:
        ap.error("valgrind is missing — install Debian's valgrind package")
    n = args.ops
    print(
        f"per unassign, {n} per kind, {args.size} schedule, Python {sys.version.split()[0]}; "
        f"simulated caches: L1i and L1d 32 KiB 8-way, L2 {args.ll_kib} KiB 8-way, 64-byte lines"
    )
    print(
        "| kind | instructions | L1i misses | L1d misses | L2 misses, code | "
        "L2 misses, data (read + write) | L2 misses in all | KiB fetched past L2 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        t, refused = count(kind, n, args.size, args.ll_kib)
        label = kind if kind == "warm" else f"{kind} ({refused} of {n} refused)"
        l2_code, l2_data = t["ILmr"] / n, (t["DLmr"] + t["DLmw"]) / n
        print(
            f"| {label} | {t['Ir'] / n:,.0f} | {t['I1mr'] / n:,.0f} | "
            f"{(t['D1mr'] + t['D1mw']) / n:,.0f} | {l2_code:,.0f} | {l2_data:,.0f} | "
            f"{l2_code + l2_data:,.0f} | {(l2_code + l2_data) * 64 / 1024:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
