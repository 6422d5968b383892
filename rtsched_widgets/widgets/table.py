"""ScheduleTable: a small editable table of worker ids, one row per date, one column per post.

Protocol (custom messages): a view sends ``hello`` and receives a ``snapshot`` addressed to it;
every change, from any view or from Python, is broadcast as a ``patch`` carrying the next
``version`` and only the changed cells; an ``edit`` from a view carries a ``request_id`` and the
``base_version`` it was made on and is answered by a ``reply`` addressed to that view. A malformed
message changes nothing and gets an error reply.
"""

from __future__ import annotations

from typing import Any

import anywidget
import pandas as pd
import traitlets

from rtsched_widgets.widgets._assets import bundle

Cell = str | None


class ScheduleTable(anywidget.AnyWidget):
    """An editable table of ``cells[date][post] -> worker id or None`` shared by all its views."""

    _esm = bundle("table")

    title = traitlets.Unicode("", help="Caption shown above the table (str, default '').").tag(
        sync=True
    )

    def __init__(self, cells: pd.DataFrame, *, title: str = "") -> None:
        if not isinstance(cells, pd.DataFrame):
            raise TypeError(f"cells: expected a pandas DataFrame, got {type(cells).__name__}")
        super().__init__(title=title)
        self._rows = [str(i) for i in cells.index]
        self._columns = [str(c) for c in cells.columns]
        self._cells: list[list[Cell]] = [
            [None if pd.isna(v) else str(v) for v in row] for row in cells.itertuples(index=False)
        ]
        self.version = 0
        self.on_msg(self._on_message)

    @property
    def cells(self) -> pd.DataFrame:
        """The current cells as a DataFrame (dates down, posts across; None for an empty post)."""
        return pd.DataFrame(self._cells, index=self._rows, columns=self._columns, dtype=object)

    def set_cell(self, row: int, col: int, value: Cell) -> None:
        """Set one cell from Python and push the change to every view."""
        self._check_address(row, col)
        if value is not None and not isinstance(value, str):
            kind = type(value).__name__
            raise TypeError(f"value: expected a worker id (str) or None, got {kind}")
        self._cells[row][col] = value
        self.version += 1
        self.send({"type": "patch", "version": self.version, "changes": [[row, col, value]]})

    def _check_address(self, row: Any, col: Any) -> None:
        if not isinstance(row, int) or isinstance(row, bool) or not 0 <= row < len(self._rows):
            raise ValueError(f"row: expected an integer in [0, {len(self._rows)}), got {row!r}")
        if not isinstance(col, int) or isinstance(col, bool) or not 0 <= col < len(self._columns):
            raise ValueError(f"col: expected an integer in [0, {len(self._columns)}), got {col!r}")

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        view_id = content.get("view_id") if isinstance(content, dict) else None
        if not isinstance(view_id, str):
            self.send({"type": "error", "message": "view_id: every message needs a string view_id"})
            return
        kind = content.get("type")
        if kind == "hello":
            self.send(
                {
                    "type": "snapshot",
                    "view_id": view_id,
                    "version": self.version,
                    "columns": self._columns,
                    "rows": self._rows,
                    "cells": self._cells,
                }
            )
            return
        request_id = content.get("request_id")
        if kind != "edit":
            self._reply(view_id, str(request_id), False, f"type: unknown message {kind!r}")
            return
        if not isinstance(request_id, str):
            self._reply(view_id, "", False, "request_id: an edit needs a string request_id")
            return
        try:
            value = content.get("value")
            self._check_address(content.get("row"), content.get("col"))
            self.set_cell(content["row"], content["col"], value)
        except (TypeError, ValueError) as exc:
            self._reply(view_id, request_id, False, str(exc))
            return
        self._reply(view_id, request_id, True, f"saved (version {self.version})")

    def _reply(self, view_id: str, request_id: str, ok: bool, message: str) -> None:
        self.send(
            {
                "type": "reply",
                "view_id": view_id,
                "request_id": request_id,
                "ok": ok,
                "message": message,
            }
        )
