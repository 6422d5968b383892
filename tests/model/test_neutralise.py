"""Formula injection and broken records in every text export: CSV and Excel tables (workers,
assignments, any frame), the audit trail as CSV and JSON. Written, then read back, every value
is the original; no written cell starts with anything a spreadsheet would run."""

from __future__ import annotations

import csv
import json
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine.history import History, OpRecord, read_audit
from rtsched_widgets.model.calendar import Calendar
from rtsched_widgets.model.io import (
    read_assignments,
    read_table,
    read_workers,
    write_assignments,
    write_table,
    write_workers,
)
from rtsched_widgets.model.io.neutralise import is_dangerous, neutralise, unneutralise
from rtsched_widgets.model.problem import Problem, ShiftType, Worker
from rtsched_widgets.model.roster import Roster

# An oracle independent of the implementation: what a spreadsheet may run.
SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b\u2212"
CONTROL = "\t\r\n"
BLANKS = " \u00a0\u3000\u200b\ufeff'"

PREFIXES = st.lists(
    st.sampled_from(
        [*SIGNS, *CONTROL, " ", "  ", "\u3000", "\u200b", "'", "''", "\r\n", "=cmd|' /C calc'!A0"]
    ),
    min_size=1,
    max_size=4,
).map("".join)
BODY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
DANGEROUS_TEXT = st.builds(
    lambda a, b, c: a + b + c, PREFIXES, BODY, st.sampled_from(["", "\r", "\n", "\r\n", "x\ry"])
)
ANY_TEXT = st.one_of(DANGEROUS_TEXT, BODY)
# Excel cannot tell an empty text from an empty cell: non-empty texts for Excel round trips.
IDS = st.one_of(DANGEROUS_TEXT, BODY.filter(lambda t: t.strip() != ""))


def runnable(cell: str) -> bool:
    """Whether a spreadsheet could run ``cell``: it starts with a sign or a control character,
    or a sign follows leading blanks."""
    if not cell:
        return False
    if cell[0] in SIGNS + CONTROL:
        return True
    rest = cell.lstrip(BLANKS + CONTROL)
    return cell[0] != "'" and bool(rest) and rest[0] in SIGNS


def folded_sign(ch: str) -> bool:
    return unicodedata.normalize("NFKC", ch)[:1] in tuple("=+-@") or ch == "\u2212"


# -- the neutraliser itself -----------------------------------------------------------------------
@given(ANY_TEXT)
def test_neutralise_round_trips_and_leaves_nothing_runnable(text: str) -> None:
    safe = neutralise(text)
    assert unneutralise(safe) == text
    assert not runnable(safe)
    if not is_dangerous(text):
        assert safe == text


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", " =1", "  +1", "\u3000=1",
     "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1", "\u22121", "\u200b=1", "' =1", "\r", "\n"],
)  # fmt: skip
def test_every_dangerous_form_gets_one_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["W01", "Anne-Marie", "a=b", "1-2", "", " ", "'quoted", "é"])
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text == unneutralise(text)


def test_every_nfkc_look_alike_of_a_sign_counts() -> None:
    look_alikes = [chr(c) for c in range(0x80, 0x10000) if folded_sign(chr(c))]
    assert {"\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66"} <= set(look_alikes)
    for ch in look_alikes:
        assert neutralise(ch + "1") == "'" + ch + "1", hex(ord(ch))


# -- tables: any frame, workers, assignments ------------------------------------------------------
def csv_cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def excel_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    sheet = openpyxl.load_workbook(path).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_TEXT, min_size=1, max_size=6), st.sampled_from(["csv", "xlsx"]))
def test_any_frame_round_trips_and_no_written_cell_is_runnable(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], suffix: str
) -> None:
    if suffix == "xlsx":
        texts = [t if t else "x" for t in texts]
    frame = pd.DataFrame({"text": texts, "n": range(len(texts))})
    path = write_table(frame, tmp_path_factory.mktemp("t") / f"frame.{suffix}")
    back = read_table(path)
    assert [str(v) for v in back["text"]] == texts
    assert [int(v) for v in back["n"]] == list(range(len(texts)))
    if suffix == "csv":
        rows = csv_cells(path)
        assert len(rows) == len(texts) + 1  # a line break inside a cell never splits a record
        assert not any(runnable(cell) for row in rows for cell in row)
    else:
        cells = excel_cells(path)
        assert all(c.data_type != "f" for c in cells)  # never a formula
        assert not any(runnable(c.value) for c in cells if isinstance(c.value, str))


def small_problem(ids: list[str], shift_id: str = "D") -> Problem:
    cal = Calendar(date(2026, 1, 5), date(2026, 1, 7))
    return Problem(
        workers=[Worker(i, name=i) for i in ids],
        calendar=cal,
        shift_types=[ShiftType(shift_id, label=shift_id, minutes=480)],
        required=[[1], [1], [1]],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(IDS, min_size=2, max_size=4, unique_by=lambda t: t.strip()),
    st.sampled_from(["csv", "xlsx"]),
)
def test_workers_and_assignments_round_trip(
    tmp_path_factory: pytest.TempPathFactory, ids: list[str], suffix: str
) -> None:
    ids = [i.strip() or "x" for i in ids]  # the readers strip ids, like every importer
    ids = list(dict.fromkeys(ids))
    if len(ids) < 2:
        return
    problem = small_problem(ids, shift_id=ids[0])
    folder = tmp_path_factory.mktemp("w")
    workers = read_workers(write_workers(problem, folder / f"workers.{suffix}"))
    assert [w.id for w in workers] == ids
    assert [w.name for w in workers] == ids
    roster = Roster(problem)
    roster.place(0, 0, 0, 0)
    roster.place(1, 2, 0, 0)
    path = write_assignments(roster, folder / f"assignments.{suffix}")
    back = read_assignments(problem, path)
    assert back.shift_of.tolist() == roster.shift_of.tolist()
    if suffix == "csv":
        assert not any(runnable(cell) for row in csv_cells(path) for cell in row)
    else:
        cells = excel_cells(path)
        assert all(c.data_type != "f" for c in cells)
        assert not any(runnable(c.value) for c in cells if isinstance(c.value, str))


def test_excel_keeps_error_codes_control_characters_and_escape_lookalikes(tmp_path: Path) -> None:
    texts = ["#N/A", "NA", "null", "x\x01y", "_x0041_", "a\r\nb", "\r", "=1+1"]
    path = write_table(pd.DataFrame({"t": texts}), tmp_path / "t.xlsx")
    cells = excel_cells(path)
    assert all(c.data_type == "s" for c in cells)  # text cells, not errors or formulas
    assert read_table(path)["t"].tolist() == texts


def test_the_examples_of_the_issue(tmp_path: Path) -> None:
    problem = small_problem(['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)"])
    rows = csv_cells(write_workers(problem, tmp_path / "w.csv"))
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)"]
    cells = excel_cells(write_workers(problem, tmp_path / "w.xlsx"))
    assert all(c.data_type != "f" for c in cells)
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere


# -- audit trail ----------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_TEXT, min_size=1, max_size=4), st.sampled_from(["csv", "json"]))
def test_audit_round_trips_any_text(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], fmt: str
) -> None:
    h = History()
    for i, text in enumerate(texts, start=1):
        cell = ("2026-01-05", 0, 0)
        h.record(
            OpRecord(
                op_id=f"{text}#{i}", version=i, user=text or "u", timestamp=1.7e9 + i,
                kind="assign", cells=(cell,), before={cell: None}, after={cell: text},
                message=text,
            )
        )  # fmt: skip
    path = h.export_audit(tmp_path_factory.mktemp("a") / f"audit.{fmt}", format=fmt)
    pd.testing.assert_frame_equal(read_audit(path), h.to_frame())
    if fmt == "csv":
        rows = csv_cells(path)
        assert len(rows) == len(texts) + 1
        assert not any(runnable(cell) for row in rows for cell in row)
    else:
        doc = json.loads(path.read_text(encoding="utf-8"))

        def strings(value: object) -> list[str]:
            if isinstance(value, str):
                return [value]
            if isinstance(value, dict):
                return [s for v in value.values() for s in strings(v)]
            if isinstance(value, list):
                return [s for v in value for s in strings(v)]
            return []

        assert not any(runnable(s) for s in strings(doc["ops"]))


def test_audit_csv_with_a_lone_carriage_return_reads_back(tmp_path: Path) -> None:
    h = History()
    h.record(OpRecord("op1", 1, "alice", 1.7e9, "assign", message="before\rafter"))
    h.record(OpRecord("op2", 2, "bob", 1.7e9, "assign", message="x\r"))
    back = read_audit(h.export_audit(tmp_path / "a.csv"))
    assert back["message"].tolist() == ["before\rafter", "x\r"]
    assert back["user"].tolist() == ["alice", "bob"]
