"""Machine instructions per edit, counted by valgrind (callgrind): a measure of the edit path
that does not depend on what else the machine is doing.

Wall-clock figures on a shared or virtual machine move by a factor of two from one minute to
the next (see the "machine pauses" line of ``bench_engine.py``); an instruction count is the
same from run to run within about 1 %, so it tells whether a change to the edit path made it
shorter. It does not see cache misses: a shorter path is usually faster, but by how much is
for ``bench_engine.py`` to say.

For each kind the script starts itself under ``valgrind --tool=callgrind`` with counting off,
builds a synthetic saldo schedule (default: the 10k one of ``bench_engine.py``) and picks its
edits, then has counting switched on (``callgrind_control -i on``) and applies the edits;
the instructions counted, divided by the number of operations, are reported. Kinds: an
unassign followed by the assign that puts the worker back (two ops), a swap of two posts of
one date (one op), that swap then its undo and redo (three ops), and the baseline: the bare
``Roster.clear`` + ``Roster.place`` of one slot (one pair).

What the count includes besides the edits: the cyclic garbage collector runs when enough
container objects have survived since its last run, and it runs where the allocation that
crosses its threshold happens. Loading the schedule leaves many young objects behind, so
without anything else the first collections inside the counted rounds are largely the
load's, not the edits' (about 5k instructions a round of unassign + assign at 400 rounds).
``--collect`` runs ``gc.collect()`` after loading, before counting: the rounds then start
from a collected heap (what a schedule that has been open a while looks like), and the
collections counted are the ones the edits' own survivors cause. The default is without it,
comparable with earlier figures; report which one a figure is.

Run: .venv/bin/python benchmarks/bench_edit_instructions.py [--ops 400] [--size 10k] [--collect]
Needs valgrind (Debian package ``valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_engine import SIZES, load

KINDS = {
    "baseline": ("bare Roster.clear + Roster.place of one slot", 1),
    "unassign+assign": ("unassign, then assign the worker back", 2),
    "swap": ("swap two posts of one date", 1),
    "swap+undo+redo": ("swap, undo it, redo it", 3),
}
READY = "ready to count"


def child(kind: str, n: int, size: str, collect: bool = False) -> None:
    """Runs under valgrind: set up, wait for counting to start, do ``n`` rounds, exit
    (``collect``: a ``gc.collect()`` after setting up, before counting)."""
    import gc

    import numpy as np

    problem, s, iso, ids = load(size)
    rng = np.random.default_rng(0)
    jobs: list[tuple[int, int, int, int]] = []
    while len(jobs) < min(n, 500):
        d, p = int(rng.integers(problem.n_days)), int(rng.integers(problem.n_shifts))
        if s.core.count[d, p] == 0:
            continue
        w = int(s.core.slots[d, p, 0])
        others = [
            q
            for q in np.flatnonzero(s.core.count[d] > 0).tolist()
            if q != p and not problem.mandatory[int(s.core.slots[d, q, 0]), d]
        ]
        if not problem.mandatory[w, d] and others:
            jobs.append((d, p, w, others[0]))
    bare = s.core.copy()
    if collect:
        gc.collect()
    print(READY, flush=True)
    sys.stdin.readline()  # the parent switches counting on, then says go
    for i in range(n):
        d, p, w, p2 = jobs[i % len(jobs)]
        if kind == "baseline":
            bare.place(bare.clear(d, p, 0), d, p, 0)
        elif kind == "unassign+assign":
            assert s.unassign(iso[d], p).ok and s.assign(ids[w], iso[d], p).ok
        elif kind == "swap":
            assert s.swap((iso[d], p), (iso[d], p2)).ok
        else:
            assert s.swap((iso[d], p), (iso[d], p2)).ok and s.undo().ok and s.redo().ok
    sys.stdout.flush()
    os._exit(0)  # no teardown in the count


def count(kind: str, n: int, size: str, collect: bool = False) -> int:
    """Instructions counted while the child does ``n`` rounds of ``kind``."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        kind,
        "--ops",
        str(n),
        "--size",
        size,
    ] + (["--collect"] if collect else [])
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:
        if READY in line:
            break
    else:
        raise RuntimeError(f"{kind}: the child ended before it was ready: {proc.stderr.read()}")
    subprocess.run(
        ["callgrind_control", "-i", "on", str(proc.pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, err = proc.communicate("go\n")
    match = re.search(r"Collected : (\d+)", err)
    if not match:
        raise RuntimeError(f"{kind}: no callgrind total in:\n{err[-2000:]}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=400, help="rounds of each kind")
    ap.add_argument("--size", default="10k", choices=list(SIZES))
    ap.add_argument(
        "--collect",
        action="store_true",
        help="gc.collect() after loading, before counting (see the module notes)",
    )
    ap.add_argument("--child", choices=list(KINDS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.ops < 1:
        ap.error("--ops: give a positive number of rounds")
    if args.child:
        child(args.child, args.ops, args.size, args.collect)
        return 0
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            ap.error(f"{tool} is missing — install Debian's valgrind package")
    rows = {kind: count(kind, args.ops, args.size, args.collect) / args.ops for kind in KINDS}
    base = rows["baseline"]
    print(
        f"instructions per round, {args.ops} rounds per kind, {args.size} schedule, "
        f"Python {sys.version.split()[0]}"
        + (", gc.collect() before counting" if args.collect else "")
    )
    print("| kind | what a round is | ops | instructions per round | per op | per op / baseline |")
    print("|---|---|---:|---:|---:|---:|")
    for kind, per_round in rows.items():
        what, ops = KINDS[kind]
        print(
            f"| {kind} | {what} | {ops} | {per_round:,.0f} | {per_round / ops:,.0f} | "
            f"{per_round / ops / base:.0f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
