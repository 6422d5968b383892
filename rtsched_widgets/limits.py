"""The limits on input sizes, checked before anything is allocated, and the abbreviation of
user input that error messages echo.

Every limit is a named module constant, so a deployment that needs more can read what it is
and a test can name it. A value over a limit is refused with a
:class:`~rtsched_widgets.model.errors.ProblemError` (a ``ValueError``) naming the field, the
value, the limit and the fix — before the arrays it would take are allocated, so a hostile or
mistyped size (a horizon of 10**9 days, 10**8 workers) fails at once instead of exhausting the
memory or running for hours.

=======================  ==================  =============================================
limit                    value               what it bounds
=======================  ==================  =============================================
``MAX_DAYS``             36,600 (100 years)  dates in a planning horizon
``MAX_WORKERS``          20,000              workers of a problem
``MAX_SHIFT_TYPES``      10,000              shift types (posts) of a problem
``MAX_CELLS``            10,000,000          (date, shift type) cells of a problem
``MAX_SLOTS_PER_CELL``   10,000              people one cell may hold (``maximum``)
``MAX_ARRAY_BYTES``      2 GiB               the arrays a problem and its roster take
``MAX_ID_LENGTH``        200                 characters of a worker, shift type or user id
``MAX_NESTING``          32                  nesting of an operation (bulk in bulk ...)
``MAX_ECHO``             80                  characters of user input echoed in a message
``MAX_MESSAGE``          2,000               characters of one error/refusal message
``MAX_VIEWS``            500                 views one grid keeps track of (selections,
                                             presence); the least recently seen go first
``EVENT_HISTORY_BYTES``  64 MiB              an event bus's history (default, settable)
=======================  ==================  =============================================

:func:`abbreviate` is the one way messages show a value the user gave: a ``repr`` cut to
:data:`MAX_ECHO` characters that never raises and never recurses without bound (a list nested
10,000 deep, a 10 MB string and an object whose ``repr`` fails all come out short).
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = [
    "EVENT_HISTORY_BYTES",
    "MAX_ARRAY_BYTES",
    "MAX_CELLS",
    "MAX_DAYS",
    "MAX_ECHO",
    "MAX_ID_LENGTH",
    "MAX_MESSAGE",
    "MAX_NESTING",
    "MAX_SHIFT_TYPES",
    "MAX_SLOTS_PER_CELL",
    "MAX_VIEWS",
    "MAX_WORKERS",
    "abbreviate",
    "check_count",
    "check_id_length",
    "check_problem_size",
    "clip",
    "problem_bytes",
]

MAX_DAYS = 36_600
"""Most dates in a planning horizon (100 years)."""
MAX_WORKERS = 20_000
"""Most workers of one problem (the worker x worker incompatibility matrix alone is
``MAX_WORKERS**2`` bytes)."""
MAX_SHIFT_TYPES = 10_000
"""Most shift types (posts) of one problem."""
MAX_CELLS = 10_000_000
"""Most (date, shift type) cells of one problem."""
MAX_SLOTS_PER_CELL = 10_000
"""Most people one (date, shift type) cell may hold (its ``maximum``)."""
MAX_ARRAY_BYTES = 2 * 1024**3
"""Most bytes the arrays of a problem and one roster of it may take (see :func:`problem_bytes`)."""
MAX_ID_LENGTH = 200
"""Most characters of a worker id, shift type id or user name."""
MAX_NESTING = 32
"""Deepest nesting of an operation (a bulk inside a bulk ...) or of a widget message."""
MAX_ECHO = 80
"""Most characters of a user-given value that a message echoes (see :func:`abbreviate`)."""
MAX_MESSAGE = 2_000
"""Most characters of one error or refusal message (see :func:`clip`)."""
MAX_VIEWS = 500
"""Most views (browser renderings) of one widget it keeps track of: their users, selections and
selected blocks. A view beyond it evicts the one seen least recently (its user leaves the
schedule's presence for that view); an evicted view that is still open is tracked again by its
next message."""
EVENT_HISTORY_BYTES = 64 * 1024**2
"""Default bound of the bytes an event bus keeps in its history (``EventBus(history_bytes=)``,
``Policy.event_history_bytes``); the count bound is ``history_size`` / ``Policy.event_history``."""


class _Abbrev(reprlib.Repr):
    """``reprlib.Repr`` with bounded depth and sizes, also for bytes and unknown objects."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 4
        self.maxdeque = self.maxarray = 4
        self.maxdict = 4
        self.maxstring = MAX_ECHO
        self.maxlong = 40
        self.maxother = MAX_ECHO

    def repr_bytes(self, x: bytes, level: int) -> str:
        text = repr(x[: self.maxstring])
        return text if len(x) <= self.maxstring else text + f"... ({len(x)} bytes)"

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= self.maxstring:
            return repr(x)
        keep = max(self.maxstring - 20, 8)
        return repr(x[:keep]) + f"... ({len(x)} characters)"

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except BaseException:  # a failing or recursing __repr__: name the type only
            return f"<{type(x).__name__} object>"
        if len(text) > self.maxother:
            return text[: self.maxother - 3] + "..."
        return text


_ABBREV = _Abbrev()


def abbreviate(value: Any, limit: int = MAX_ECHO) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for echoing user input in messages.

    Never raises: containers are shown to depth 3 with their first few items, long strings
    with their length, and an object whose ``repr`` fails or recurses without end by its type.
    """
    try:
        text = _ABBREV.repr(value)
    except BaseException:  # RecursionError in a nested container's own __repr__, and the like
        return f"<{type(value).__name__} object>"
    if len(text) > limit + 30:  # long type names or many short items: cut plainly
        text = text[:limit] + "..."
    return text


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` when at most ``limit`` characters, else its start and end around an ellipsis
    (the end of a message says how to fix it, so it is kept)."""
    if len(text) <= limit:
        return text
    tail = min(limit // 3, 300)
    return text[: limit - tail - 1] + "…" + text[-tail:]


def check_count(field: str, value: int, limit: str, fix: str) -> int:
    """``value`` when it is at most the limit named ``limit`` (e.g. ``"MAX_DAYS"``); a
    ProblemError naming ``field``, the value, the limit and ``fix`` otherwise."""
    bound: int = globals()[limit]
    if value > bound:
        from rtsched_widgets.model.errors import ProblemError

        raise ProblemError(
            field,
            f"{value:,} is over the limit rtsched_widgets.limits.{limit} = {bound:,}",
            fix=fix,
        )
    return value


def check_id_length(field: str, value: str, row: int | None = None) -> str:
    """``value`` when it has at most :data:`MAX_ID_LENGTH` characters; ProblemError
    otherwise (the value is shown abbreviated)."""
    if len(value) > MAX_ID_LENGTH:
        from rtsched_widgets.model.errors import ProblemError

        raise ProblemError(
            field,
            f"{abbreviate(value)} is longer than MAX_ID_LENGTH = {MAX_ID_LENGTH} characters",
            row=row,
            fix=f"give an id of at most {MAX_ID_LENGTH} characters",
        )
    return value


def problem_bytes(n_workers: int, n_days: int, n_shifts: int, max_slots: int = 1) -> int:
    """An estimate of the bytes the arrays of a problem of this shape and one roster of it
    take: per worker and date availability, mandatory days and the roster's shift and slot
    (6 bytes); per pair of workers the incompatibility matrix (1 byte); per cell demand,
    weights, counts and versions (40 bytes); per slot the roster's worker (4 bytes)."""
    cells = n_days * n_shifts
    return (
        6 * n_workers * n_days + n_workers * n_workers + 40 * cells + 4 * cells * max(max_slots, 1)
    )


def check_problem_size(
    n_workers: int, n_days: int, n_shifts: int, max_slots: int = 1, *, where: str = "problem"
) -> None:
    """Check every size limit of a problem of this shape (ProblemError naming the first one
    broken, under ``where``)."""
    check_count(
        f"{where}.workers", n_workers, "MAX_WORKERS", "split the workers into several problems"
    )
    check_count(f"{where}.days", n_days, "MAX_DAYS", "plan a shorter horizon")
    check_count(
        f"{where}.shift_types", n_shifts, "MAX_SHIFT_TYPES", "use fewer shift types (posts)"
    )
    check_count(
        f"{where}.cells (days x shift types)",
        n_days * n_shifts,
        "MAX_CELLS",
        "plan a shorter horizon or fewer shift types",
    )
    check_count(
        f"{where}.maximum (people per cell)",
        max_slots,
        "MAX_SLOTS_PER_CELL",
        "lower the maximum of the largest cell",
    )
    check_count(
        f"{where} arrays (bytes)",
        problem_bytes(n_workers, n_days, n_shifts, max_slots),
        "MAX_ARRAY_BYTES",
        "plan fewer workers, dates or shift types per problem",
    )
