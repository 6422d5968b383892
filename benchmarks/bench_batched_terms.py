"""Batched move evaluation: the rules' declared terms against a former hand-inlined evaluator.

``FastEvaluator.evaluate`` adds the batched terms the rules declare in their modules. This
script times it against the ``FastEvaluator`` of an earlier revision (``--base``, read with
``git show`` and loaded as a module of its own: the single function over every rule of a
profile it had before the rules declared their terms), in one process, on the same
candidates, the two timed alternately, call by call.

Candidates: on a greedy roster of each instance, batches like the local search's — every
worker x every target shift (or off) x every day of a window of 7 days, the worker's current
shift left out — alone ("move") and after a preceding change of another worker on the same
day ("pre", the second half of a reassign). The two evaluators' answers are checked equal
(hard exactly, soft to rounding) before timing.

Run: .venv/bin/python benchmarks/bench_batched_terms.py [--base 033ba1b] [--batches 60]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from rtsched_widgets import datasets
from rtsched_widgets.model.io import load_nrp
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.synthetic import synthetic
from rtsched_widgets.solve.fast_eval import FastEvaluator
from rtsched_widgets.solve.registry import get_strategy

Batch = tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray] | None]


def former_module(rev: str) -> ModuleType:
    """``rtsched_widgets/solve/fast_eval.py`` at ``rev``, loaded as a separate module."""
    root = Path(__file__).resolve().parent.parent
    text = subprocess.run(
        ["git", "show", f"{rev}:rtsched_widgets/solve/fast_eval.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "fast_eval_base.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("fast_eval_base", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batches(problem: Problem, sh: np.ndarray, n: int, pre: bool, seed: int) -> list[Batch]:
    rng = np.random.default_rng(seed)
    n_w, n_d, n_s = problem.n_workers, problem.n_days, problem.n_shifts
    out: list[Batch] = []
    for _ in range(n):
        d0 = int(rng.integers(0, max(n_d - 7, 1)))
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for d in range(d0, min(d0 + 7, n_d)):
            for s in range(-1, n_s):
                w = np.flatnonzero(sh[:, d] != s)
                parts.append((w, np.full(len(w), d), np.full(len(w), s)))
        ws, ds, news = (np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(3))
        before = None
        if pre:
            pw = (ws + 1) % n_w
            before = (pw, sh[pw, ds], np.full(len(ws), -1, dtype=np.int64))
        out.append((ws, ds, news, before))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="033ba1b", help="revision of the former evaluator")
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    base = former_module(args.base).FastEvaluator
    problems: list[tuple[str, Problem]] = [
        (name, load_nrp(str(datasets.nrp_path(name)))) for name in ("Instance5", "Instance7")
    ]
    problems.append(
        ("synthetic 40x180x3", synthetic(workers=40, days=180, posts=3, seed=0, feasible=True))
    )
    print(f"# bench_batched_terms  base={args.base}  batches={args.batches}x{args.repeats}")
    head = (
        f"{'instance':20s} {'kind':5s} {'cands':>6s} {'base p50 µs':>11s} {'base p99':>9s} "
        f"{'terms p50 µs':>12s} {'terms p99':>9s} {'terms/base p50':>14s}"
    )
    print(head)
    for name, problem in problems:
        roster = get_strategy("greedy").solve(problem, time_limit=60, seed=0).roster
        sh = roster.shift_of
        former, terms = base(problem, sh), FastEvaluator(problem, sh)
        for kind, pre in (("move", False), ("pre", True)):
            todo = batches(problem, sh, args.batches, pre, seed=0)
            for b in todo[:5]:
                h0, s0 = former.evaluate(*b)
                h1, s1 = terms.evaluate(*b)
                assert np.array_equal(h0, h1) and np.allclose(s0, s1), f"{name}: answers differ"
            t_base: list[int] = []
            t_terms: list[int] = []
            gc.disable()
            for _ in range(args.repeats):
                for b in todo:
                    t = time.perf_counter_ns()
                    former.evaluate(*b)
                    t_base.append(time.perf_counter_ns() - t)
                    t = time.perf_counter_ns()
                    terms.evaluate(*b)
                    t_terms.append(time.perf_counter_ns() - t)
            gc.enable()
            cands = np.mean([len(b[0]) for b in todo])
            p50b, p50t = np.median(t_base) / 1e3, np.median(t_terms) / 1e3
            print(
                f"{name:20s} {kind:5s} {cands:6.0f} {p50b:11.1f} "
                f"{np.percentile(t_base, 99) / 1e3:9.1f} {p50t:12.1f} "
                f"{np.percentile(t_terms, 99) / 1e3:9.1f} {p50t / p50b:14.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
