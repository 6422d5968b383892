"""A Schedule over a shared store: resume, live replication between replicas, refusals."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from _collab_helpers import digest, problem, wait_until

import rtsched_widgets as rt
from rtsched_widgets.collab.store import SchemaMismatch, open_store
from rtsched_widgets.collab.sync import open_schedule
from rtsched_widgets.engine.events import Event
from rtsched_widgets.engine.schedule import Schedule

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _free_cells(s: Schedule, n: int) -> list[tuple[str, str, int]]:
    """``n`` assignments (worker, date, post) that the rules accept, one per date."""
    out: list[tuple[str, str, int]] = []
    used: set[str] = set()
    for d in range(0, s.problem.n_days):
        if len(out) == n:
            break
        for w in s.problem.workers:
            r = s.preview({"op": "assign", "worker": w.id, "date": s._iso[d], "post": d % 2})
            if r.ok and w.id not in used:
                out.append((w.id, s._iso[d], d % 2))
                used.add(w.id)
                break
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_reopened_schedule_resumes_roster_versions_and_history(
    backend: str, store_url: Callable[[str], str]
) -> None:
    url = store_url(backend)
    p = problem()
    a = Schedule(p, store=url, user="alice")
    edits = _free_cells(a, 6)
    for i, (w, date, post) in enumerate(edits):
        assert a.assign(w, date, post, user="alice" if i % 2 else "bob").ok
    assert a.unassign(edits[0][1], edits[0][2], user="carol").ok
    assert a.undo("carol").ok
    a.close()
    b = Schedule(p, store=url, user="dave")
    try:
        assert b.version == a.version == 8
        assert digest(b) == digest(a)
        assert (b.cell_version == a.cell_version).all()
        assert list(b.history["user"]) == list(a.history["user"])
        assert list(b.history["op_id"]) == list(a.history["op_id"])
        assert list(b.history["kind"])[-2:] == ["unassign", "undo"]
        # the resumed history still knows what can be undone, per user
        assert b.oplog.undo_depth("alice") == 3
        assert b.undo("alice").ok
        assert b.history["user"].iloc[-1] == "alice"
    finally:
        b.close()


def test_open_schedule_reads_the_problem_from_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    a = Schedule(problem(), store=url, user="alice", schedule_id="ward-3")
    w, date, post = _free_cells(a, 1)[0]
    assert a.assign(w, date, post).ok
    a.close()
    b = open_schedule(url, "ward-3", user="bob")
    try:
        assert b.problem.n_workers == 20 and b.version == 1
        assert b.roster().loc[w, date] == b.problem.shift_types[post].id
    finally:
        b.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_replicas_see_each_other_live_through_the_edit_path(
    backend: str, store_url: Callable[[str], str]
) -> None:
    url = store_url(backend)
    p = problem()
    a = Schedule(p, store=url, user="alice")
    b = Schedule(p, store=url, user="bob")
    seen: list[Event] = []
    b.events.subscribe("remote_applied", seen.append)
    try:
        edits = _free_cells(a, 4)
        for w, date, post in edits[:2]:
            assert a.assign(w, date, post).ok
        for w, date, post in edits[2:]:
            assert b.assign(w, date, post).ok  # b first catches up on a's ops
        assert wait_until(lambda: a.version == b.version == 4)
        assert digest(a) == digest(b)
        assert [e.user for e in seen] == ["alice", "alice"]
        assert seen[0].payload["kind"] == "assign"
        assert list(a.history["user"]) == list(b.history["user"]) == ["alice"] * 2 + ["bob"] * 2
        assert list(a.history["op_id"]) == list(b.history["op_id"])
    finally:
        a.close()
        b.close()


def test_another_problem_under_the_same_id_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Schedule(problem(), store=url).close()
    other = rt.synthetic(workers=5, days=7, posts=1, seed=1)
    with pytest.raises(ValueError, match="holds another problem"):
        Schedule(other, store=url)


def test_a_schema_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE rtsched_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaMismatch, match="schema version 99"):
        Schedule(problem(), store=f"sqlite:///{path}")


def test_an_unknown_store_scheme_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="sqlite:///"):
        Schedule(problem(), store="redis://x")
