"""The one error type raised for bad scheduling input."""

from __future__ import annotations

import os


class ProblemError(ValueError):
    """Bad input for a scheduling problem.

    The message always starts with the offending ``field`` (and the ``row`` when the input is
    tabular, and the ``source`` file or URL when the input was read from one) and ends with how
    to fix it, e.g.
    ``workers.id (row 3) in staff.csv: duplicate worker id 'W01' — give every worker a unique
    id``. ``row`` counts data rows from 0 (the header of a table file is not a row).
    """

    def __init__(
        self,
        field: str,
        problem: str,
        *,
        row: int | str | None = None,
        fix: str = "",
        source: str | os.PathLike[str] | None = None,
    ):
        self.field = field
        self.row = row
        self.fix = fix
        self.problem = problem
        self.source = None if source is None else str(source)
        where = field if row is None else f"{field} (row {row})"
        if self.source is not None:
            where += f" in {self.source}"
        text = f"{where}: {problem}"
        if fix:
            text += f" — {fix}"
        super().__init__(text)

    def in_source(self, source: str | os.PathLike[str]) -> ProblemError:
        """This error naming ``source`` (a file or URL) as where the input came from; the error
        itself when it already names one."""
        if self.source is not None:
            return self
        err = ProblemError(self.field, self.problem, row=self.row, fix=self.fix, source=source)
        err.__dict__.update({k: v for k, v in self.__dict__.items() if k not in err.__dict__})
        return err
