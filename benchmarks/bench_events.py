"""Event dispatch cost: EventBus.publish to 1, 10 and 100 subscribers vs a plain loop.

For each subscriber count the script times batches of publishes with time.perf_counter_ns and
reports nanoseconds per subscriber per event (median and p99 over the batches) beside a baseline
measured in the same process: a plain Python loop calling the same listener functions directly
with a prebuilt event. The bus is a schedule bus forwarding to the process-wide bus (as a
Schedule's bus does), publishing an edit-sized payload. Budget (DESIGN.md §9): <= 5 µs per
subscriber for 10 subscribers.

Run: .venv/bin/python benchmarks/bench_events.py [--batches 300] [--batch-size 200]
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from rtsched_widgets.engine.events import Event, EventBus

BUDGET_NS_PER_SUBSCRIBER = 5_000
BUDGET_SUBSCRIBERS = 10
PAYLOAD: dict[str, Any] = {
    "op_id": "bench-1",
    "version": 1,
    "kind": "assign",
    "cells": [["2026-01-05", 0, 0, "W001"]],
    "introduced": 0,
    "resolved": 1,
    "forced": False,
    "replaced": [],
    "base_version": 0,
}


def make_listeners(n: int) -> list[Callable[[Event], None]]:
    """n distinct listener functions doing a realistic minimum of work (read the event)."""
    sink: list[int] = [0]

    def factory() -> Callable[[Event], None]:
        def listener(event: Event) -> None:
            sink[0] = event.seq

        return listener

    return [factory() for _ in range(n)]


class Holder:
    """Owner of a bound-method listener, for the weak-subscription variant."""

    def __init__(self) -> None:
        self.last = 0

    def on_event(self, event: Event) -> None:
        self.last = event.seq


def time_batches(run_batch: Callable[[], None], batches: int) -> list[int]:
    for _ in range(max(3, batches // 20)):  # warm-up (fills caches)
        run_batch()
    out = []
    clock = time.perf_counter_ns
    for _ in range(batches):
        t0 = clock()
        run_batch()
        out.append(clock() - t0)
    return out


def per_sub(samples_ns: list[int], batch_size: int, n_subs: int) -> tuple[float, float]:
    arr = np.asarray(samples_ns, dtype=np.float64) / (batch_size * n_subs)
    return float(np.median(arr)), float(np.percentile(arr, 99))


def bench_bus(n: int, variant: str, batches: int, batch_size: int) -> list[int]:
    bus = EventBus(f"bench-{variant}-{n}")  # forwards to the process-wide bus
    keep: list[Any] = []
    if variant == "weak":
        holders = [Holder() for _ in range(n)]
        keep.append(holders)
        for h in holders:
            bus.subscribe("assigned", h.on_event, weak=True)
    elif variant == "where":
        for fn in make_listeners(n):
            bus.subscribe("assign*", fn, where=lambda e: e.user is not None)
    else:
        for fn in make_listeners(n):
            bus.subscribe("assigned", fn)
    publish = bus.publish
    payload = PAYLOAD
    rng = range(batch_size)

    def run_batch() -> None:
        for _ in rng:
            publish("assigned", payload, "alice")

    gc.collect()
    samples = time_batches(run_batch, batches)
    bus.close()
    return samples


def bench_baseline(n: int, batches: int, batch_size: int) -> list[int]:
    listeners = make_listeners(n)
    event = Event("assigned", PAYLOAD, "alice", time.time(), 1, "baseline")
    rng = range(batch_size)

    def run_batch() -> None:
        for _ in rng:
            for fn in listeners:
                fn(event)

    gc.collect()
    return time_batches(run_batch, batches)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300, help="timed batches per row")
    parser.add_argument("--batch-size", type=int, default=200, help="publishes per batch")
    args = parser.parse_args(argv)
    batches, batch_size = args.batches, args.batch_size

    print(
        f"# Event bus dispatch — python {platform.python_version()} on {platform.machine()}, "
        f"{batches} batches x {batch_size} publishes; ns per subscriber per event"
    )
    header = (
        "| subscribers | variant | bus median | bus p99 | loop median | loop p99 | "
        "ratio (median) | per publish median (µs) | budget (10 subs, <= 5 µs/sub) |"
    )
    print(header)
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for n in (1, 10, 100):
        base_med, base_p99 = per_sub(bench_baseline(n, batches, batch_size), batch_size, n)
        for variant in ("strong", "weak", "where"):
            samples = bench_bus(n, variant, batches, batch_size)
            med, p99 = per_sub(samples, batch_size, n)
            per_publish_us = statistics.median(samples) / batch_size / 1e3
            if n != BUDGET_SUBSCRIBERS:
                verdict = "-"  # the budget is stated for 10 subscribers
            else:
                verdict = "ok" if med <= BUDGET_NS_PER_SUBSCRIBER else "OVER"
            print(
                f"| {n} | {variant} | {med:,.0f} | {p99:,.0f} | {base_med:,.0f} | "
                f"{base_p99:,.0f} | {med / base_med:.1f}x | {per_publish_us:.2f} | {verdict} |"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
