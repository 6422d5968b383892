"""Per-operation latency samples in ring buffers, summarised as percentiles.

``LatencyTracker`` keeps, per op kind, the last ``window`` durations in a ring buffer and
reports count, p50, p95, p99 (and mean, max) in microseconds. ``timer(kind)`` measures a block
with ``time.perf_counter_ns``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SUMMARY_COLUMNS", "LatencyTimer", "LatencyTracker"]

#: Columns of :meth:`LatencyTracker.summary`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "kind",
    "count",
    "total",
    "p50_us",
    "p95_us",
    "p99_us",
    "mean_us",
    "max_us",
)


class _Ring:
    """The last ``window`` samples of a kind in ``buf`` (a bounded deque: appending drops the
    oldest) and ``total``, how many were ever added. ``LatencyTracker.record_ns`` adds."""

    __slots__ = ("buf", "total")

    def __init__(self, window: int) -> None:
        self.buf: deque[float] = deque(maxlen=window)
        self.total = 0

    def samples(self) -> np.ndarray:
        return np.array(self.buf, dtype=np.float64)


class LatencyTimer:
    """Context manager that records the duration of its block under ``kind``.

    The duration is recorded also when the block raises. ``elapsed_ns`` holds it afterwards.
    """

    __slots__ = ("_start", "_tracker", "elapsed_ns", "kind")

    def __init__(self, tracker: LatencyTracker, kind: str) -> None:
        self._tracker = tracker
        self.kind = kind
        self._start = 0
        self.elapsed_ns = 0

    def __enter__(self) -> LatencyTimer:
        self._start = time.perf_counter_ns()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.elapsed_ns = time.perf_counter_ns() - self._start
        self._tracker.record_ns(self.kind, self.elapsed_ns)


class LatencyTracker:
    """Latency samples per op kind; the last ``window`` samples of each kind are kept.

    Thread-safe: the methods hold ``lock`` (default: a lock of its own; a
    :class:`~rtsched_widgets.engine.schedule.Schedule` gives its tracker its re-entrant edit
    lock, so an edit records its time through :meth:`record_ns_held` before it lets the lock
    go, without taking a second one). Percentiles use ``numpy.percentile`` (linear
    interpolation) over the kept samples; ``count`` is the number of kept samples, ``total``
    the number ever recorded.
    """

    def __init__(
        self, window: int = 10_000, *, lock: threading.Lock | threading.RLock | None = None
    ) -> None:
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise ValueError(f"window must be a positive int, got {window!r}")
        self.window = window
        self._rings: dict[str, _Ring] = {}
        self._lock = threading.Lock() if lock is None else lock

    @property
    def lock(self) -> threading.Lock | threading.RLock:
        """The lock the methods of this tracker hold while they read or write samples."""
        return self._lock

    def _ring(self, kind: str) -> _Ring:
        ring = self._rings.get(kind)
        if ring is None:
            if not isinstance(kind, str) or not kind:
                raise ValueError(f"kind must be a non-empty str, got {kind!r}")
            ring = self._rings.setdefault(kind, _Ring(self.window))
        return ring

    def record(self, kind: str, seconds: float) -> None:
        """Add one duration of ``seconds`` (finite, >= 0) for ``kind``."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float | np.floating):
            raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be finite and >= 0, got {seconds!r}")
        self.record_ns(kind, seconds * 1e9)

    def record_ns(self, kind: str, nanoseconds: float) -> None:
        """Add one duration given in nanoseconds (>= 0) for ``kind``."""
        if nanoseconds < 0:
            raise ValueError(f"nanoseconds must be >= 0, got {nanoseconds!r}")
        ring = self._rings.get(kind)
        if ring is None:
            ring = self._ring(kind)
        lock = self._lock
        lock.acquire()
        try:
            ring.buf.append(nanoseconds)
            ring.total += 1
        finally:
            lock.release()

    def record_ns_held(self, kind: str, nanoseconds: float) -> None:
        """:meth:`record_ns` by a caller that holds :attr:`lock` already (a schedule's edit
        path: see the class notes)."""
        if nanoseconds < 0:
            raise ValueError(f"nanoseconds must be >= 0, got {nanoseconds!r}")
        ring = self._rings.get(kind)
        if ring is None:
            ring = self._ring(kind)
        ring.buf.append(nanoseconds)
        ring.total += 1

    def timer(self, kind: str) -> LatencyTimer:
        """``with tracker.timer("assign"): ...`` records the block's duration."""
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty str, got {kind!r}")
        return LatencyTimer(self, kind)

    @property
    def kinds(self) -> list[str]:
        """Op kinds with at least one sample, in order of first record."""
        with self._lock:
            return list(self._rings)

    def samples_us(self, kind: str) -> np.ndarray:
        """The kept samples of ``kind`` in microseconds (oldest order not guaranteed)."""
        with self._lock:
            ring = self._rings.get(kind)
            if ring is None:
                raise KeyError(f"no latency recorded for kind {kind!r}; known: {list(self._rings)}")
            return ring.samples() / 1e3

    def reset(self, kind: str | None = None) -> None:
        """Forget the samples of ``kind`` (all kinds when ``None``)."""
        with self._lock:
            if kind is None:
                self._rings.clear()
            else:
                self._rings.pop(kind, None)

    def summary(self) -> pd.DataFrame:
        """One row per kind (first-recorded first) with :data:`SUMMARY_COLUMNS`; times in µs."""
        import pandas as pd

        with self._lock:
            snap = [(k, r.samples(), r.total) for k, r in self._rings.items()]
        rows = []
        for kind, ns, total in snap:
            us = ns / 1e3
            p50, p95, p99 = np.percentile(us, [50, 95, 99])
            rows.append(
                {
                    "kind": kind,
                    "count": int(us.size),
                    "total": int(total),
                    "p50_us": float(p50),
                    "p95_us": float(p95),
                    "p99_us": float(p99),
                    "mean_us": float(us.mean()),
                    "max_us": float(us.max()),
                }
            )
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        return frame.astype(
            {
                "kind": "object",
                "count": "int64",
                "total": "int64",
                **{c: "float64" for c in SUMMARY_COLUMNS[3:]},
            }
        )
