"""Text cells made safe for spreadsheets, reversibly: the one neutraliser of every text export.

A spreadsheet that opens a CSV file, an Excel workbook or a JSON document it imports runs a
cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (some also when
that sign follows blanks, or is a full-width or small-form look-alike such as ``＝`` U+FF1D,
``＋``, ``－``, ``＠``, which input methods turn into the ASCII sign), and treats a leading tab,
carriage return or line feed as the start of one. A worker named ``=HYPERLINK(...)`` would then
run in the planner's spreadsheet.

:func:`neutralise` makes such a text inert by putting one ``'`` in front of it — the
convention spreadsheets themselves use for "this is text" — when the text, after any leading
``'``, starts with a tab, CR or LF, or its first character that is not blank (white space,
invisible format characters such as U+200B or U+FEFF, or ``'``) is a formula sign or a
look-alike of one (compared after NFKC normalisation; the minus sign U+2212 counts too).
Every other text is returned unchanged. :func:`unneutralise` removes that one quote again, so
``unneutralise(neutralise(t)) == t`` for every string ``t``: whether a quote was added depends
only on the text after its leading quotes, which adding one quote does not change. The cost
of reversibility: a hand-written file whose cell really is ``'=1+1`` reads back as ``=1+1``.

Structure: every writer here quotes any field holding a CR or LF (CSV with ``\\r\\n`` record
ends and minimal quoting, which quotes a field containing either), so a line break inside a
message never splits a record; Excel cells are always written as text cells (never formulas,
never error values such as ``#N/A``), with the control characters an XML worksheet cannot hold
— and CR, which XML readers turn into LF — written as the OOXML escapes ``_xHHHH_`` Excel itself
uses (a literal ``_xHHHH_`` is escaped as ``_x005F_xHHHH_``), undone on reading.

Who uses it: :func:`rtsched_widgets.model.io.tables.write_table` (workers, assignments and
demand tables as CSV or Excel), the audit trail's CSV and JSON
(:meth:`rtsched_widgets.engine.history.History.export_audit`) and ``rtsched bench --out``.
Parquet files are written unchanged: no spreadsheet runs their cells.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from rtsched_widgets.model.errors import ProblemError

__all__ = [
    "FORMULA_SIGNS",
    "is_dangerous",
    "neutralise",
    "neutralise_frame",
    "neutralise_json",
    "read_csv_text",
    "read_excel_text",
    "unneutralise",
    "unneutralise_frame",
    "unneutralise_json",
    "write_csv",
    "write_excel",
]

FORMULA_SIGNS = frozenset("=+-@\u2212")
"""First characters a spreadsheet runs as a formula (after NFKC normalisation)."""

EXCEL_MAX_TEXT = 32_767
"""The most characters an Excel cell holds (after escaping)."""

_CONTROL_LEADS = frozenset("\t\r\n")
_QUOTE = "'"


def _blank(ch: str) -> bool:
    return ch.isspace() or ch == _QUOTE or unicodedata.category(ch) in ("Cf", "Zs")


def _sign(ch: str) -> bool:
    if ch in FORMULA_SIGNS:
        return True
    folded = unicodedata.normalize("NFKC", ch)
    return bool(folded) and folded[0] in FORMULA_SIGNS


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` (after its leading ``'``) as a formula: it
    starts with a tab, CR or LF, or its first non-blank character is a formula sign or a
    look-alike of one."""
    body = text.lstrip(_QUOTE)
    if not body:
        return False
    if body[0] in _CONTROL_LEADS:
        return True
    for ch in body:
        if not _blank(ch):
            return _sign(ch)
    return False


def neutralise(text: str) -> str:
    """``text`` with one ``'`` in front when :func:`is_dangerous`; otherwise unchanged."""
    return _QUOTE + text if is_dangerous(text) else text


def unneutralise(text: str) -> str:
    """Inverse of :func:`neutralise` (removes the one ``'`` it adds)."""
    if text.startswith(_QUOTE) and is_dangerous(text):
        return text[1:]
    return text


def _map_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, Mapping):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_map_strings(v, fn) for v in value)
    return value


def neutralise_json(value: Any) -> Any:
    """``value`` (JSON-ready: dicts, lists, strings, numbers) with every string leaf
    neutralised; dict keys are left alone (spreadsheets import them as column headers)."""
    return _map_strings(value, neutralise)


def unneutralise_json(value: Any) -> Any:
    """Inverse of :func:`neutralise_json`."""
    return _map_strings(value, unneutralise)


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [
        c
        for c in frame.columns
        if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)
    ]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose string cells (and column names) are neutralised; numbers,
    dates and missing values are left as they are."""
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = [neutralise(v) if isinstance(v, str) else v for v in out[c]]
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def unneutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`neutralise_frame` for the string cells and column names."""
    out = frame.copy()
    out.columns = [unneutralise(c) if isinstance(c, str) else c for c in out.columns]
    for c in _text_columns(out):
        out[c] = [unneutralise(v) if isinstance(v, str) else v for v in out[c]]
    return out


# -- CSV ----------------------------------------------------------------------------------------
def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``frame`` (no index) as neutralised CSV, UTF-8, ``\\r\\n`` record ends, every field
    holding a CR, LF, comma or quote quoted; ``options`` go to ``DataFrame.to_csv`` (e.g.
    ``compression``). Returns the path."""
    p = Path(path)
    neutralise_frame(frame).to_csv(
        p,
        index=False,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
        encoding="utf-8",
        **options,
    )
    return p


def read_csv_text(path: str | os.PathLike[str], **options: Any) -> pd.DataFrame:
    """Read a CSV file as text cells (``""`` for empty; a short row is padded with them) and
    undo :func:`neutralise`. A row with more fields than the header is an error (pandas would
    otherwise turn the extra fields into an index and shift every column)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            index_col=False,
            **options,
        )
    return unneutralise_frame(frame)


# -- Excel --------------------------------------------------------------------------------------
_XML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)|([\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff])")
_XML_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_escape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return "_x005F_" + m.group(1)
        return f"_x{ord(m.group(2)):04X}_"

    return _XML_ESCAPE.sub(sub, text)


def _ooxml_unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _XML_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _cell_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and not isinstance(value, str):
        return item()
    return value


def write_excel(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (no index) as one worksheet of an ``.xlsx`` workbook: header row, then
    one row per record; strings neutralised, OOXML-escaped and typed as text (never a formula
    or an error value); numbers, booleans and dates typed as themselves. Needs openpyxl."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    p = Path(path)
    book = Workbook()
    sheet = book.active
    columns = list(frame.columns)
    rows: Iterable[Iterable[Any]] = [
        [str(c) for c in columns],
        *frame.itertuples(index=False, name=None),
    ]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            value = _cell_value(value)
            if value is None:
                continue
            if isinstance(value, str):
                text = _ooxml_escape(neutralise(value))
                if len(text) > EXCEL_MAX_TEXT:
                    raise ProblemError(
                        str(columns[c - 1]),
                        f"{len(text):,} characters do not fit in an Excel cell",
                        row=r - 2,
                        fix=f"keep texts under {EXCEL_MAX_TEXT:,} characters or write CSV",
                    )
                cell = sheet.cell(row=r, column=c)
                cell.value = text
                cell.data_type = TYPE_STRING  # never a formula or an error value
            else:
                sheet.cell(row=r, column=c, value=value)
    book.save(p)
    return p


def read_excel_text(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the first worksheet of an ``.xlsx`` workbook (cells as objects, empty cells as
    ``""`` — an empty text and a missing value look the same in a workbook) and undo the OOXML
    escapes and :func:`neutralise` on its strings. No text is taken for a missing value
    (``"NA"``, ``"null"`` stay text)."""
    frame = pd.read_excel(path, dtype=object, keep_default_na=False, na_values=[])
    frame.columns = [_ooxml_unescape(c) if isinstance(c, str) else c for c in frame.columns]
    for c in frame.columns:
        frame[c] = [_ooxml_unescape(v) if isinstance(v, str) else v for v in frame[c]]
    return unneutralise_frame(frame)
