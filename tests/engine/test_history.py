"""Tests of the undo/redo history and audit trail (rtsched_widgets.engine.history)."""

from __future__ import annotations

import csv
import itertools
import json
import time
from collections.abc import Hashable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine.history import (
    AUDIT_COLUMNS,
    AUDIT_FORMATS,
    Conflict,
    History,
    OpRecord,
    neutralise_csv,
    read_audit,
    unneutralise_csv,
)
from rtsched_widgets.model.io.neutralise import is_dangerous

Cell = tuple[str, int, int]


class MiniEngine:
    """The smallest engine that drives History the way the Schedule does.

    State maps a cell to a worker id (absent = empty). An op sets cells; its inverse is the
    mapping of the same cells to their previous values.
    """

    def __init__(self, history: History | None = None) -> None:
        self.state: dict[Any, Any] = {}
        self.history = history if history is not None else History()
        self.version = 0
        self._ids = itertools.count(1)

    def _apply(self, changes: dict[Hashable, Any]) -> dict[Hashable, Any]:
        before = {c: self.state.get(c) for c in changes}
        for cell, value in changes.items():
            if value is None:
                self.state.pop(cell, None)
            else:
                self.state[cell] = value
        self.version += 1
        return before

    def _make(
        self, user: str, kind: str, changes: dict[Hashable, Any], undoes: str | None = None
    ) -> OpRecord:
        before = self._apply(changes)
        return OpRecord(
            op_id=f"op{next(self._ids)}",
            version=self.version,
            user=user,
            timestamp=time.time(),
            kind=kind,
            cells=tuple(changes),
            before=before,
            after=dict(changes),
            inverse=before,
            undoes=undoes,
        )

    def do(self, user: str, changes: dict[Hashable, Any], kind: str = "assign") -> OpRecord:
        rec = self._make(user, kind, changes)
        self.history.record(rec)
        return rec

    def undo(self, user: str) -> OpRecord | list[Conflict] | None:
        target = self.history.undo_candidate(user)
        if target is None:
            return None
        conflicts = self.history.conflicts(target, self.state.get)
        if conflicts:
            return conflicts
        rec = self._make(user, "undo", dict(target.inverse), undoes=target.op_id)
        self.history.mark_undone(target.op_id, rec)
        return rec

    def redo(self, user: str) -> OpRecord | list[Conflict] | None:
        target = self.history.redo_candidate(user)
        if target is None:
            return None
        conflicts = self.history.conflicts(target, self.state.get)
        if conflicts:
            return conflicts
        rec = self._make(user, "redo", dict(target.inverse), undoes=target.op_id)
        self.history.mark_redone(target.op_id, rec)
        return rec


def rec(op_id: str, version: int, user: str = "alice", **kw: Any) -> OpRecord:
    kw.setdefault("timestamp", 1_700_000_000.0 + version)
    kw.setdefault("kind", "assign")
    return OpRecord(op_id=op_id, version=version, user=user, **kw)


X: Cell = ("2026-01-05", 0, 0)
Y: Cell = ("2026-01-06", 1, 0)
Z: Cell = ("2026-01-07", 0, 1)


# --------------------------------------------------------------------------- OpRecord
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"op_id": ""}, "op_id"),
        ({"user": None}, "user"),
        ({"kind": ""}, "kind"),
        ({"version": -1}, "version"),
        ({"version": True}, "version"),
        ({"timestamp": "now"}, "timestamp"),
        ({"cells": [X]}, "cells"),
        ({"before": [(X, None)]}, "before"),
        ({"after": None}, "after"),
        ({"forced": 1}, "forced"),
        ({"message": None}, "message"),
        ({"undoes": ""}, "undoes"),
    ],
)
def test_op_record_validation_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {
        "op_id": "a",
        "version": 1,
        "user": "alice",
        "timestamp": 0.0,
        "kind": "assign",
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=f"OpRecord.{field}"):
        OpRecord(**base)


def test_op_record_is_frozen() -> None:
    r = rec("a", 1)
    with pytest.raises(AttributeError):
        r.version = 2  # type: ignore[misc]


# --------------------------------------------------------------------------- recording
def test_record_get_len_and_last_version() -> None:
    h = History()
    assert (len(h), h.last_version, h.get("a")) == (0, 0, None)
    a, b = rec("a", 1), rec("b", 5, user="bob")
    h.record(a)
    h.record(b)
    assert len(h) == 2 and h.last_version == 5
    assert h.get("a") is a and "b" in h and "c" not in h
    assert list(h) == [a, b]
    assert h.users() == ["alice", "bob"]


def test_record_rejects_duplicates_stale_versions_and_revert_records() -> None:
    h = History()
    h.record(rec("a", 2))
    with pytest.raises(ValueError, match="already recorded"):
        h.record(rec("a", 3))
    with pytest.raises(ValueError, match="version must increase"):
        h.record(rec("b", 2))
    with pytest.raises(ValueError, match="mark_undone"):
        h.record(rec("c", 3, kind="undo", undoes="a"))
    with pytest.raises(TypeError, match="OpRecord"):
        h.record({"op_id": "d"})  # type: ignore[arg-type]
    assert len(h) == 1 and h.last_version == 2


def test_bad_max_ops() -> None:
    with pytest.raises(ValueError, match="max_ops"):
        History(max_ops=0)


# --------------------------------------------------------------------------- undo / redo
def test_undo_and_redo_restore_state() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "W1"})
    eng.do("alice", {X: "W2", Y: "W3"}, kind="bulk")
    assert eng.state == {X: "W2", Y: "W3"}
    undo = eng.undo("alice")
    assert isinstance(undo, OpRecord) and undo.kind == "undo" and undo.undoes == "op2"
    assert eng.state == {X: "W1"}
    assert eng.history.is_undone("op2")
    assert eng.undo("alice") is not None
    assert eng.state == {}
    assert eng.undo("alice") is None  # nothing left
    redo = eng.redo("alice")
    assert isinstance(redo, OpRecord) and redo.kind == "redo"
    assert eng.state == {X: "W1"}
    assert not eng.history.is_undone("op1")
    eng.redo("alice")
    assert eng.state == {X: "W2", Y: "W3"}
    assert eng.redo("alice") is None
    # the redone op can be undone again
    eng.undo("alice")
    assert eng.state == {X: "W1"}
    assert [r.kind for r in eng.history] == [
        "assign",
        "bulk",
        "undo",
        "undo",
        "redo",
        "redo",
        "undo",
    ]


def test_undo_is_per_user_with_interleaving_users() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "A1"})
    eng.do("bob", {Y: "B1"})
    eng.do("alice", {Z: "A2"})
    eng.do("bob", {Y: "B2"})
    cand = eng.history.undo_candidate("alice")
    assert cand is not None and cand.after == {Z: "A2"}
    eng.undo("alice")
    assert eng.state == {X: "A1", Y: "B2"}
    eng.undo("bob")
    assert eng.state == {X: "A1", Y: "B1"}
    eng.undo("alice")
    assert eng.state == {Y: "B1"}
    assert eng.history.undo_depth("alice") == 0
    assert eng.history.undo_depth("bob") == 1
    assert eng.history.redo_depth("alice") == 2
    eng.redo("alice")
    assert eng.state == {X: "A1", Y: "B1"}


def test_new_op_clears_only_its_users_redo_stack() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "A1"})
    eng.do("bob", {Y: "B1"})
    eng.undo("alice")
    eng.undo("bob")
    assert eng.history.redo_depth("alice") == 1 and eng.history.redo_depth("bob") == 1
    eng.do("bob", {Z: "B2"})  # bob's new op clears bob's redo stack only
    assert eng.history.redo_depth("bob") == 0
    assert eng.history.redo_candidate("bob") is None
    assert eng.history.redo_depth("alice") == 1
    assert eng.redo("alice") is not None
    assert eng.state == {X: "A1", Z: "B2"}
    eng.undo("alice")
    eng.do("alice", {Y: "A3"})
    assert eng.history.redo_candidate("alice") is None


def test_conflicts_when_someone_else_changed_the_cells() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "W1", Y: "W2"})
    eng.do("bob", {X: "W9"})
    target = eng.history.undo_candidate("alice")
    assert target is not None
    conflicts = eng.history.conflicts(target, eng.state.get)
    assert conflicts == [Conflict(X, "W1", "W9")]
    assert conflicts[0] == (X, "W1", "W9")  # plain tuples for callers
    result = eng.undo("alice")
    assert result == conflicts  # refused; nothing changed
    assert eng.state == {X: "W9", Y: "W2"}
    assert eng.history.undo_candidate("alice") is target
    # once bob undoes his change, alice can undo hers
    eng.undo("bob")
    assert eng.history.conflicts(target, eng.state.get) == []
    eng.undo("alice")
    assert eng.state == {}


def test_last_touch_finds_who_changed_a_cell_since() -> None:
    eng = MiniEngine()
    first = eng.do("alice", {X: "W1", Y: "W2"})
    bob = eng.do("bob", {X: "W9"})
    eng.do("carol", {Z: "W3"})
    assert eng.history.last_touch(X, after_version=first.version) is bob
    assert eng.history.last_touch(Y, after_version=first.version) is None
    assert eng.history.last_touch(Y) is first
    assert eng.history.last_touch(("nowhere", 0, 0)) is None


def test_conflicts_treats_a_missing_after_value_as_empty() -> None:
    r = rec("a", 1, cells=(X, Y), after={X: "W1"})
    assert History.conflicts(r, {X: "W1"}.get) == []
    assert History.conflicts(r, {X: "W1", Y: "W5"}.get) == [Conflict(Y, None, "W5")]


def test_redo_is_refused_when_cells_changed_since_the_undo() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "W1"})
    eng.undo("alice")
    eng.do("bob", {X: "W7"})
    assert eng.redo("alice") == [Conflict(X, None, "W7")]
    assert eng.state == {X: "W7"}


def test_mark_checks_leave_history_unchanged() -> None:
    h = History()
    h.record(rec("a1", 1))
    h.record(rec("a2", 2))
    h.record(rec("b1", 3, user="bob"))
    n = len(h)
    with pytest.raises(ValueError, match="not 'alice'"):
        h.mark_undone("a1", rec("u", 4, kind="undo", undoes="a1"))  # a1 is not the top
    with pytest.raises(ValueError, match="unknown"):
        h.mark_undone("zz", rec("u", 4, kind="undo", undoes="zz"))
    with pytest.raises(ValueError, match="kind 'undo'"):
        h.mark_undone("a2", rec("u", 4, kind="assign", undoes="a2"))
    with pytest.raises(ValueError, match="undoes='a2'"):
        h.mark_undone("a2", rec("u", 4, kind="undo", undoes="a1"))
    with pytest.raises(ValueError, match="own ops"):
        h.mark_undone("a2", rec("u", 4, user="bob", kind="undo", undoes="a2"))
    with pytest.raises(ValueError, match="version must increase"):
        h.mark_undone("a2", rec("u", 3, kind="undo", undoes="a2"))
    with pytest.raises(ValueError, match="redo candidate"):
        h.mark_redone("a2", rec("r", 4, kind="redo", undoes="a2"))
    assert len(h) == n
    assert h.undo_candidate("alice") == h.get("a2")
    assert h.redo_depth("alice") == 0


def test_clear_stacks() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "W1"})
    eng.do("bob", {Y: "W2"})
    eng.history.clear_stacks("alice")
    assert eng.history.undo_candidate("alice") is None
    assert eng.history.undo_candidate("bob") is not None
    eng.history.clear_stacks()
    assert eng.history.undo_candidate("bob") is None
    assert len(eng.history) == 2


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["alice", "bob", "carol"]),
            st.sampled_from(["do", "undo", "redo"]),
            st.integers(0, 2),
            st.sampled_from(["W1", "W2", "W3", None]),
        ),
        max_size=60,
    )
)
def test_per_user_undo_redo_matches_a_linear_model(
    steps: list[tuple[str, str, int, str | None]],
) -> None:
    """With each user on their own cells, every user behaves like a linear undo/redo editor."""
    eng = MiniEngine(History(max_ops=1000))
    model: dict[str, tuple[list[dict[Any, Any]], list[dict[Any, Any]]]] = {}
    for user, action, slot, value in steps:
        done, undone = model.setdefault(user, ([{}], []))
        cell = (user, slot, 0)
        if action == "do":
            eng.do(user, {cell: value})
            new = dict(done[-1])
            if value is None:
                new.pop(cell, None)
            else:
                new[cell] = value
            done.append(new)
            undone.clear()
        elif action == "undo":
            result = eng.undo(user)
            assert result is None if len(done) == 1 else isinstance(result, OpRecord)
            if len(done) > 1:
                undone.append(done.pop())
        else:
            result = eng.redo(user)
            assert result is None if not undone else isinstance(result, OpRecord)
            if undone:
                done.append(undone.pop())
    for user, (done, undone) in model.items():
        mine = {c: v for c, v in eng.state.items() if c[0] == user}
        assert mine == done[-1]
        assert eng.history.undo_depth(user) == len(done) - 1
        assert eng.history.redo_depth(user) == len(undone)


# --------------------------------------------------------------------------- bounded
def test_memory_is_bounded_and_dropped_ops_are_not_undoable() -> None:
    eng = MiniEngine(History(max_ops=3))
    for i in range(5):
        eng.do("alice", {X: f"W{i}"})
    h = eng.history
    assert len(h) == 3
    assert h.dropped == 2
    assert h.get("op1") is None and h.get("op2") is None
    assert [r.op_id for r in h] == ["op3", "op4", "op5"]
    assert h.undo_depth("alice") == 3
    # each undo adds a record, dropping older ones: only what is still kept can be undone
    assert isinstance(eng.undo("alice"), OpRecord)  # undoes op5, drops op3
    assert h.undo_depth("alice") == 1
    assert isinstance(eng.undo("alice"), OpRecord)  # undoes op4, drops op4 itself
    assert h.undo_candidate("alice") is None
    assert eng.state == {X: "W2"}
    assert len(h) == 3 and h.last_version == 7
    assert len(h.to_frame()) == 3


def test_stacks_do_not_grow_past_the_log() -> None:
    h = History(max_ops=10)
    for v in range(1, 1001):
        h.record(rec(f"a{v}", v, user="alice" if v % 2 else "bob"))
    assert len(h) == 10
    assert h.undo_depth("alice") + h.undo_depth("bob") == 10
    assert len(h._undo["alice"]) == 5  # the internal stacks are trimmed too


# --------------------------------------------------------------------------- frames
def test_to_frame_columns_order_filters_and_dtypes() -> None:
    eng = MiniEngine()
    eng.do("alice", {X: "W1"})
    eng.do("bob", {Y: "W2"})
    eng.undo("alice")
    frame = eng.history.to_frame()
    assert tuple(frame.columns) == AUDIT_COLUMNS
    assert frame["op_id"].tolist() == ["op1", "op2", "op3"]  # newest last
    assert frame["version"].tolist() == [1, 2, 3]
    assert frame["kind"].tolist() == ["assign", "assign", "undo"]
    assert frame["undoes"].tolist() == [None, None, "op1"]
    assert frame["cells"].tolist() == [(X,), (Y,), (X,)]
    assert frame["before"].tolist() == [{X: None}, {Y: None}, {X: "W1"}]
    assert frame["after"].tolist() == [{X: "W1"}, {Y: "W2"}, {X: None}]
    assert isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype)
    assert str(frame["timestamp"].dt.tz) == "UTC"
    first = eng.history.get("op1")
    assert first is not None
    assert frame["timestamp"].iloc[0] == pd.Timestamp(first.timestamp, unit="s", tz="UTC")
    assert eng.history.to_frame(user="alice")["op_id"].tolist() == ["op1", "op3"]
    assert eng.history.to_frame(limit=2)["op_id"].tolist() == ["op2", "op3"]
    assert eng.history.to_frame(limit=0).empty
    empty = History().to_frame()
    assert tuple(empty.columns) == AUDIT_COLUMNS and len(empty) == 0


# --------------------------------------------------------------------------- audit
def tricky_history() -> History:
    h = History()
    h.record(
        rec(
            "op-1",
            1,
            user="alice",
            cells=(X,),
            before={X: None},
            after={X: "W1"},
            message='=HYPERLINK("http://evil")',
        )
    )
    h.record(
        rec(
            "op-2",
            2,
            user="+bob",
            kind="bulk",
            cells=(X, Y),
            before={X: "W1", Y: None},
            after={X: ("W2", "W3"), Y: "W,4"},
            forced=True,
            message='multi\nline, "quoted" — ünïcode',
        )
    )
    h.record(rec("op-3", 3, user="alice", kind="undo", message="-1", undoes=None))
    h.record(rec("@op4", 4, user="carol", message="'=already quoted"))
    h.record(rec("op-5", 5, user="dave", message="\tTAB", cells=(Z,), after={Z: 7}))
    return h


@pytest.mark.parametrize("fmt", AUDIT_FORMATS)
def test_audit_export_round_trips(tmp_path: Path, fmt: str) -> None:
    h = tricky_history()
    path = h.export_audit(tmp_path / f"audit.{fmt}", format=fmt)
    assert path.exists()
    back = read_audit(path)
    expected = h.to_frame()
    pd.testing.assert_frame_equal(back, expected)


@pytest.mark.parametrize("fmt", AUDIT_FORMATS)
def test_audit_export_of_undo_records_and_dates(tmp_path: Path, fmt: str) -> None:
    eng = MiniEngine()
    day = date(2026, 1, 5)
    eng.do("alice", {(day, 0, 0): "W1"})
    eng.undo("alice")
    back = read_audit(eng.history.export_audit(tmp_path / f"a.{fmt}", format=fmt))
    assert back["undoes"].tolist() == [None, "op1"]
    # dates are written as ISO strings
    assert back["cells"].tolist() == [(("2026-01-05", 0, 0),)] * 2
    assert back["after"].tolist() == [{("2026-01-05", 0, 0): "W1"}, {("2026-01-05", 0, 0): None}]


def test_csv_export_neutralises_formula_injection(tmp_path: Path) -> None:
    path = tricky_history().export_audit(tmp_path / "audit.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["message"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',
        'multi\nline, "quoted" — ünïcode',
        "'-1",
        "''=already quoted",
        "'\tTAB",
    ]
    assert rows[1]["user"] == "'+bob"
    assert rows[3]["op_id"] == "'@op4"
    assert rows[0]["user"] == "alice"  # harmless text is untouched
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for value in row.values():
            assert not value.startswith(dangerous)


def test_json_export_is_plain_json_with_inert_strings(tmp_path: Path) -> None:
    path = tricky_history().export_audit(tmp_path / "audit.json", format="json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "rtsched_widgets.audit"
    # spreadsheets import JSON too: strings they would run get the same leading quote as CSV
    assert [op["op_id"] for op in doc["ops"]] == ["op-1", "op-2", "op-3", "'@op4", "op-5"]
    assert doc["ops"][1]["after"] == [[list(X), ["W2", "W3"]], [list(Y), "W,4"]]
    assert doc["ops"][0]["message"] == '\'=HYPERLINK("http://evil")'
    assert doc["ops"][1]["user"] == "'+bob"


def test_unknown_audit_format_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv, json, parquet"):
        tricky_history().export_audit(tmp_path / "audit.xlsx", format="xlsx")
    assert not (tmp_path / "audit.xlsx").exists()
    with pytest.raises(ValueError, match="csv, json, parquet"):
        read_audit(tmp_path / "audit.txt")


def test_read_audit_rejects_foreign_files(tmp_path: Path) -> None:
    foreign = tmp_path / "other.json"
    foreign.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an rtsched_widgets audit trail"):
        read_audit(foreign)
    partial = tmp_path / "other.csv"
    partial.write_text("op_id,version\na,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks audit columns"):
        read_audit(partial)


@given(st.text(max_size=30))
def test_neutralise_round_trips_and_is_inert(text: str) -> None:
    safe = neutralise_csv(text)
    assert unneutralise_csv(safe) == text
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    if not is_dangerous(text.lstrip("'")):  # what is safe already is left as it is
        assert safe == text
