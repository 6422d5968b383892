"""Checks of the numbers every input format carries: type, finiteness, range, integrality.

Every importer (saldo dict/JSON, NRP text, tables, native JSON, synthetic options) and the
``Problem`` constructor go through these few functions, so a number is accepted or refused the
same way whatever it came in. A refusal is a :class:`ProblemError` naming the field (and row)
with the allowed range as the fix.

What is accepted:

- a *whole number* (:func:`integer`): a Python or numpy integer, an integral float (``3.0``) or
  a text holding one (``"3"``, ``" 3 "``, ``"3.0"``, ``"3e2"``). Fractions (``2.5``) are
  refused, never truncated; ``True``/``False`` are not numbers; nor are NaN and infinities;
- a *number* (:func:`number`): an int, float or numpy number, or a text holding one; NaN and
  infinities are refused, so every weight and score stays finite;
- tables (:func:`count_table`, :func:`weight_table`): the same cell by cell, refusing the
  first bad cell by its (day, shift) position.

The limits below bound what the engine can hold: demand is stored as int32 and each cell of a
roster allocates one slot per person of its maximum, weights are summed into float64 scores
whose deltas must stay exact to well below 1, and the horizon sizes every per-day array.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from rtsched_widgets.limits import MAX_SLOTS_PER_CELL, abbreviate
from rtsched_widgets.model.errors import ProblemError

MAX_PER_CELL = MAX_SLOTS_PER_CELL
"""The most people one (day, shift type) cell may require or admit (sizes of whole problems:
:mod:`rtsched_widgets.limits`)."""

MAX_WEIGHT = 1e9
"""The largest weight of a soft rule, request or cover cell."""

MAX_MINUTES = 7 * 24 * 60
"""The longest shift type, in minutes (one week)."""

MAX_COUNT = 10_000_000
"""The largest count of shifts, minutes, runs or other per-worker limit."""

_Row = int | str | None


def _show(bound: float) -> str:
    return f"{bound:,}" if float(bound).is_integer() and abs(bound) < 1e15 else f"{bound:g}"


def _range_text(minimum: float | None, maximum: float | None, whole: bool) -> str:
    kind = "a whole number" if whole else "a finite number"
    if minimum is not None and maximum is not None:
        return f"give {kind} from {_show(minimum)} to {_show(maximum)}"
    if minimum is not None:
        return f"give {kind} of at least {_show(minimum)}"
    if maximum is not None:
        return f"give {kind} of at most {_show(maximum)}"
    return f"give {kind}"


def _out_of_range(
    shown: str, value: float, minimum: float | None, maximum: float | None, above: bool = False
) -> str:
    if minimum is not None and (value <= minimum if above else value < minimum):
        return f"{shown} is {'not above' if above else 'below'} {_show(minimum)}"
    return f"{shown} is above {_show(maximum if maximum is not None else value)}"


def _as_float(value: Any) -> float | None:
    """``value`` as a float when it is a number or a text holding one; None otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(value)
        except OverflowError:  # an int beyond float range
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
        except OverflowError:  # pragma: no cover - float() of text returns inf instead
            return None
    return None


def integer(
    value: Any,
    field: str,
    *,
    row: _Row = None,
    minimum: int | None = 0,
    maximum: int | None = MAX_COUNT,
    fix: str | None = None,
) -> int:
    """``value`` as an int in ``minimum … maximum`` (either bound None: open); ProblemError
    naming ``field`` and ``row`` otherwise (see the module docstring for what is accepted)."""
    advice = fix or _range_text(minimum, maximum, True)
    exact: int | None = None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        exact = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        exact = int(value.strip())
    else:
        number_ = _as_float(value)
        if number_ is None:
            raise ProblemError(
                field, f"{abbreviate(value)} is not a whole number", row=row, fix=advice
            )
        if not math.isfinite(number_):
            raise ProblemError(field, f"{abbreviate(value)} is not finite", row=row, fix=advice)
        if not number_.is_integer():
            raise ProblemError(
                field,
                f"{abbreviate(value)} is not a whole number (no fractions)",
                row=row,
                fix=advice,
            )
        exact = int(number_)
    if (minimum is not None and exact < minimum) or (maximum is not None and exact > maximum):
        shown = abbreviate(exact)
        raise ProblemError(
            field, _out_of_range(shown, exact, minimum, maximum), row=row, fix=advice
        )
    return exact


def optional_integer(value: Any, field: str, *, row: _Row = None, **bounds: Any) -> int | None:
    """None for None (not set), else :func:`integer`."""
    return None if value is None else integer(value, field, row=row, **bounds)


def number(
    value: Any,
    field: str,
    *,
    row: _Row = None,
    minimum: float | None = 0.0,
    maximum: float | None = MAX_WEIGHT,
    above_minimum: bool = False,
    fix: str | None = None,
) -> float:
    """``value`` as a finite float in ``minimum … maximum`` (strictly above ``minimum`` when
    ``above_minimum``); ProblemError naming ``field`` and ``row`` otherwise."""
    advice = fix or _range_text(minimum, maximum, False)
    result = _as_float(value)
    if result is None:
        raise ProblemError(field, f"{abbreviate(value)} is not a number", row=row, fix=advice)
    if not math.isfinite(result):
        raise ProblemError(field, f"{abbreviate(value)} is not finite", row=row, fix=advice)
    low = minimum is not None and (result <= minimum if above_minimum else result < minimum)
    if low or (maximum is not None and result > maximum):
        shown = _show(result)
        message = _out_of_range(shown, result, minimum, maximum, above_minimum)
        raise ProblemError(field, message, row=row, fix=advice)
    return result


def integers(values: Any, field: str, *, row: _Row = None, **bounds: Any) -> tuple[int, ...]:
    """A list of whole numbers (each as :func:`integer`); a text or a non-list is refused."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ProblemError(
            field, f"{abbreviate(values)} is not a list", row=row, fix="give a list of integers"
        )
    return tuple(integer(v, field, row=row, **bounds) for v in values)


def _table(values: Any, field: str, shape: tuple[int, int]) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=object)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != shape:
        got = "ragged rows" if arr is None else str(arr.shape)
        raise ProblemError(
            field,
            f"shape {got} does not match (days, shift types) {shape}",
            fix="give one value per date and shift type",
        )
    return arr


def count_table(
    values: Any, field: str, shape: tuple[int, int], *, maximum: int = MAX_PER_CELL
) -> np.ndarray:
    """A (days, shift types) table of whole numbers in ``0 … maximum`` as int64; the first
    bad cell is named by its day and shift type index."""
    if isinstance(values, np.ndarray) and values.shape == shape and values.dtype.kind in "iu":
        bad = np.argwhere((values < 0) | (values > maximum))
        if bad.size == 0:
            return values.astype(np.int64)
    arr = _table(values, field, shape)
    out = np.empty(shape, dtype=np.int64)
    for (d, s), cell in np.ndenumerate(arr):
        try:
            out[d, s] = integer(cell, field, minimum=0, maximum=maximum)
        except ProblemError as err:
            raise _at_cell(err, d, s) from None
    return out


def weight_table(
    values: Any, field: str, shape: tuple[int, int], *, maximum: float = MAX_WEIGHT
) -> np.ndarray:
    """A (days, shift types) table of finite numbers in ``0 … maximum`` as float64."""
    if isinstance(values, np.ndarray) and values.shape == shape and values.dtype.kind in "iuf":
        arr = values.astype(float)
        if np.isfinite(arr).all() and (arr >= 0).all() and (arr <= maximum).all():
            return arr
    arr = _table(values, field, shape)
    out = np.empty(shape, dtype=float)
    for (d, s), cell in np.ndenumerate(arr):
        try:
            out[d, s] = number(cell, field, maximum=maximum)
        except ProblemError as err:
            raise _at_cell(err, d, s) from None
    return out


def _at_cell(err: ProblemError, d: int, s: int) -> ProblemError:
    return ProblemError(err.field, f"day {d}, shift type {s}: {err.problem}", fix=err.fix)
