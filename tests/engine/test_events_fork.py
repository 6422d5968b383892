"""The process-wide bus in a forked child: a fork copies every lock in the state other threads
held it at that instant, so a child whose parent was publishing (a change-feed thread, say)
must still be able to publish. ``multiprocessing`` and ``ProcessPoolExecutor`` fork by default
on Linux, e.g. ``rt.benchmark(n_jobs=2)`` from a notebook with a shared schedule open."""

from __future__ import annotations

import os
import select
import signal
import threading

from rtsched_widgets.engine.events import EventBus, global_bus


def test_a_forked_child_publishes_although_a_parent_thread_held_the_global_bus() -> None:
    bus = global_bus()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with bus._lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a new schedule bus forwarding to the process-wide bus
        try:
            EventBus(schedule_id="child").publish("assigned", {"worker": "W1"})
            os.write(write_end, b"published")
        finally:
            os._exit(0)
    release.set()
    holder.join()
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        answer = os.read(read_end, 64) if ready else b""
    finally:
        os.close(read_end)
        if not answer:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert answer == b"published"
