"""The one error type raised for bad scheduling input."""

from __future__ import annotations


class ProblemError(ValueError):
    """Bad input for a scheduling problem.

    The message always starts with the offending ``field`` (and the ``row`` when the input is
    tabular) and ends with how to fix it, e.g.
    ``workers.id (row 3): duplicate worker id 'W01' — give every worker a unique id``.
    """

    def __init__(self, field: str, problem: str, *, row: int | str | None = None, fix: str = ""):
        self.field = field
        self.row = row
        self.fix = fix
        where = field if row is None else f"{field} (row {row})"
        text = f"{where}: {problem}"
        if fix:
            text += f" — {fix}"
        super().__init__(text)
