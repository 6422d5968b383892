"""Tests of the per-op latency tracker (rtsched_widgets.engine.latency)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine.latency import SUMMARY_COLUMNS, LatencyTracker


def test_summary_reports_numpy_percentiles_in_microseconds() -> None:
    t = LatencyTracker()
    values_s = [1e-6, 2e-6, 3e-6, 10e-6, 100e-6]
    for v in values_s:
        t.record("assign", v)
    t.record("swap", 5e-6)
    frame = t.summary()
    assert tuple(frame.columns) == SUMMARY_COLUMNS
    assert frame["kind"].tolist() == ["assign", "swap"]
    row = frame.set_index("kind").loc["assign"]
    us = np.array(values_s) * 1e6
    assert row["count"] == 5 and row["total"] == 5
    for q, col in [(50, "p50_us"), (95, "p95_us"), (99, "p99_us")]:
        assert row[col] == pytest.approx(np.percentile(us, q))
    assert row["mean_us"] == pytest.approx(us.mean())
    assert row["max_us"] == pytest.approx(100.0)
    assert frame.set_index("kind").loc["swap", "p99_us"] == pytest.approx(5.0)


def test_ring_buffer_keeps_only_the_last_window_samples() -> None:
    t = LatencyTracker(window=4)
    for i in range(1, 11):
        t.record("move", i * 1e-6)
    assert sorted(t.samples_us("move").round(6).tolist()) == [7.0, 8.0, 9.0, 10.0]
    row = t.summary().iloc[0]
    assert (row["count"], row["total"]) == (4, 10)
    assert row["p50_us"] == pytest.approx(8.5)


@settings(max_examples=50, deadline=None)
@given(
    window=st.integers(1, 20),
    samples=st.lists(st.integers(0, 10**9), min_size=1, max_size=60),
)
def test_summary_matches_percentiles_of_the_last_window(window: int, samples: list[int]) -> None:
    t = LatencyTracker(window=window)
    for ns in samples:
        t.record_ns("op", ns)
    kept = np.array(samples[-window:], dtype=np.float64) / 1e3
    row = t.summary().iloc[0]
    assert row["count"] == len(kept)
    assert row["total"] == len(samples)
    assert row["p95_us"] == pytest.approx(np.percentile(kept, 95))
    assert row["max_us"] == pytest.approx(kept.max())


def test_timer_records_the_block_even_when_it_raises() -> None:
    t = LatencyTracker()
    with t.timer("validate") as timer:
        sum(range(1000))
    assert timer.elapsed_ns > 0
    with pytest.raises(KeyError), t.timer("validate"):
        raise KeyError("x")
    samples = t.samples_us("validate")
    assert len(samples) == 2
    assert samples[0] == pytest.approx(timer.elapsed_ns / 1e3)
    assert (samples >= 0).all()


def test_empty_summary_has_the_columns() -> None:
    frame = LatencyTracker().summary()
    assert tuple(frame.columns) == SUMMARY_COLUMNS
    assert frame.empty
    assert str(frame["p99_us"].dtype) == "float64"


@pytest.mark.parametrize(
    ("seconds", "error"),
    [(-1e-6, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("1", TypeError)],
)
def test_bad_durations_are_rejected(seconds: object, error: type[Exception]) -> None:
    t = LatencyTracker()
    with pytest.raises(error, match="seconds"):
        t.record("assign", seconds)  # type: ignore[arg-type]
    assert t.kinds == []


def test_bad_kind_window_and_unknown_kind() -> None:
    with pytest.raises(ValueError, match="window"):
        LatencyTracker(window=0)
    t = LatencyTracker()
    with pytest.raises(ValueError, match="kind"):
        t.record("", 1e-6)
    with pytest.raises(ValueError, match="kind"):
        t.timer("")
    with pytest.raises(KeyError, match="nothing"):
        t.samples_us("nothing")


def test_reset() -> None:
    t = LatencyTracker()
    t.record("a", 1e-6)
    t.record("b", 1e-6)
    t.reset("a")
    assert t.kinds == ["b"]
    t.reset()
    assert t.kinds == []


def test_recording_from_threads_counts_every_sample() -> None:
    t = LatencyTracker(window=100)
    n_threads, per_thread = 8, 500

    def work() -> None:
        for i in range(per_thread):
            t.record_ns("bulk", i)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    row = t.summary().iloc[0]
    assert row["total"] == n_threads * per_thread
    assert row["count"] == 100
