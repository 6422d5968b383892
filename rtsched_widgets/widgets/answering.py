"""Which edit a grid is answering, on which thread, and what waits for that answer.

A grid answering an edit (its patch to every grid of the schedule, then the reply) registers
the schedule here for the answer's duration; companion panels that refresh on the edit's events
queue their refresh with :func:`after_answer`, so an edit's answer never waits for them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger("rtsched_widgets.widgets")

# Schedules (by id) that a grid is answering an edit of, on which thread, and the callbacks
# to run once the answer (patches and reply) has been sent.
_answering_lock = threading.Lock()
_answering: dict[int, tuple[int, list[Callable[[], None]]]] = {}


def after_answer(schedule: object, fn: Callable[[], None]) -> None:
    """Run ``fn()`` once the edit that a grid of ``schedule`` is answering on this thread has
    been answered (every grid's patch and the reply sent); at once when no grid is answering
    one on this thread. A callback queued several times for one answer runs once. Companion
    panels refresh through this, so an edit's answer never waits for them."""
    with _answering_lock:
        entry = _answering.get(id(schedule))
        if entry is not None and entry[0] == threading.get_ident():
            if fn not in entry[1]:
                entry[1].append(fn)
            return
    fn()


@contextmanager
def answering(schedule: object) -> Iterator[None]:
    """While inside, this thread answers an edit of ``schedule``: :func:`after_answer`
    callbacks wait, and run on leaving (the outermost answer only; a failing one is logged)."""
    key = id(schedule)
    with _answering_lock:
        outer = key not in _answering
        if outer:
            _answering[key] = (threading.get_ident(), [])
    try:
        yield
    finally:
        if outer:
            with _answering_lock:
                _, queued = _answering.pop(key)
            for fn in queued:
                try:
                    fn()
                except Exception:  # a panel must not break the grid
                    logger.exception("a callback after an edit's answer failed")
