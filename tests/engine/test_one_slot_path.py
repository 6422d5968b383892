"""The facade's ``assign`` and ``unassign`` (``pipeline.run_one_slot``: a plain edit the policy
lets through is planned from the fields and committed without an op object) give what
``Schedule.apply`` of the same ``Assign``/``Unassign`` (``run_edit``) gives: the same result,
state, history, events, latency records and refusals, edit after edit."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import numpy as np
import pytest
from _schedule_helpers import assert_consistent, make_problem, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from rtsched_widgets.engine import pipeline
from rtsched_widgets.engine.ops import Assign, Unassign
from rtsched_widgets.engine.schedule import Policy, Schedule

_TIMES = ("timestamp", "time")


_SEED: list[Schedule] = []


def _twins(policy: Policy | None = None) -> tuple[Schedule, Schedule]:
    """Two schedules of one problem and roster with the same id (so their op ids match)."""
    if not _SEED:  # one generated roster for every test
        seed = Schedule(make_problem(), user="alice")
        seed.generate()
        _SEED.append(seed)
    seed = _SEED[0]
    problem = seed.problem
    a = Schedule(problem, user="alice", roster=seed.core, policy=policy, schedule_id="twin")
    b = Schedule(problem, user="alice", roster=seed.core, policy=policy, schedule_id="twin")
    return a, b


def _result(r: Any) -> dict[str, Any]:
    out = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
    out["introduced"] = sorted(repr(v.key) for v in r.introduced)
    out["resolved"] = sorted(repr(v.key) for v in r.resolved)
    out["slots"] = [tuple(int(x) for x in t) for t in r.slots]
    return out


def _events(s: Schedule) -> list[tuple[Any, ...]]:
    return [(e.type, e.user, e.seq, e.schedule_id, dict(e.payload)) for e in s.events.query()]


def _records(s: Schedule) -> list[dict[str, Any]]:
    out = []
    for rec in s.oplog.records():
        row = {n: getattr(rec, n) for n in ("op_id", "version", "user", "kind", "cells")}
        row.update(before=dict(rec.before), after=dict(rec.after), inverse=rec.inverse)
        row.update(forced=rec.forced, message=rec.message, undoes=rec.undoes)
        out.append(row)
    return out


def _same(a: Schedule, b: Schedule, ra: Any, rb: Any) -> None:
    assert _result(ra) == _result(rb)
    assert snapshot(a) == snapshot(b)
    assert _events(a) == _events(b)
    assert _records(a) == _records(b)
    assert a.latency.kinds == b.latency.kinds
    for kind in a.latency.kinds:
        assert len(a.latency.samples_us(kind)) == len(b.latency.samples_us(kind)), kind
    assert a.validator.score() == b.validator.score()


def _edit(s: Schedule, facade: bool, step: tuple[Any, ...]) -> Any:
    """One edit, through the facade method or through ``apply`` of the op."""
    kind, args, kw = step
    if kind == "assign":
        worker, d, post, slot = args
        if facade:
            return s.assign(worker, d, post, slot, **kw)
        return s.apply(Assign(worker, d, post, slot), **kw)
    d, post, slot, worker = args
    if facade:
        return s.unassign(d, post, slot, worker=worker, **kw)
    return s.apply(Unassign(d, post, slot, worker), **kw)


def _occupant(s: Schedule, d: int, post: int) -> str | None:
    w = int(s.core.slots[d, post, 0])
    return s.problem.workers[w].id if w >= 0 else None


def test_plain_edits_and_every_fallback_match_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _twins()
    iso = [a.problem.calendar.iso(d) for d in range(a.problem.n_days)]
    first = _occupant(a, 3, 0)
    assert first is not None
    steps: list[tuple[Any, ...]] = [
        ("unassign", (iso[3], 0, None, None), {}),  # plain: the one-slot path
        ("assign", (first, iso[3], 0, None), {}),  # plain: back again
        ("unassign", (iso[4], 0, None, None), {"user": "bob"}),  # another valid user
        ("assign", ("W00", iso[11], 0, None), {}),  # W00 is off that day: refused (hard)
        ("assign", ("W00", iso[11], 0, None), {"force": True}),  # forced: run_edit
        ("unassign", (iso[11], 0, 0, None), {}),  # a slot given: run_edit
        ("unassign", (date(2026, 1, 6), 0, None, None), {}),  # a date object: run_edit
        ("unassign", (iso[5], "D", None, None), {}),  # a post by id: run_edit
        ("unassign", (iso[3], 0, None, None), {"user": ""}),  # not a user name: refused
        ("unassign", (iso[3], 0, None, None), {"base_version": 0}),  # a base version
        ("assign", ("W99", iso[3], 0, None), {}),  # no such worker: refused
        ("assign", (first, iso[3], 0, None), {}),  # already working that day: refused
    ]
    # W01 must work 2026-01-20 (day 19): emptying their cell is refused (pinned)
    for post in range(2):
        for k in range(2):
            w = int(a.core.slots[19, post, k]) if k < a.problem.maximum[19, post] else -1
            if w == 1:
                steps.append(("unassign", (iso[19], post, k, None), {}))
                steps.append(("unassign", (iso[19], post, None, "W01"), {}))
                if int(a.problem.maximum[19, post]) == 1:
                    steps.append(("unassign", (iso[19], post, None, None), {}))
    used: list[bool] = []
    real = pipeline.commit

    def spy(*args: Any) -> Any:
        used.append(True)
        return real(*args)

    monkeypatch.setattr(pipeline, "commit", spy)
    for step in steps:
        ra = _edit(a, True, step)
        rb = _edit(b, False, step)
        _same(a, b, ra, rb)
    assert_consistent(a)
    assert a.version >= 4 and used


def test_the_plain_path_builds_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain edit the policy lets through goes neither through ``run_edit`` nor builds an
    op; an edit the policy refuses is answered by ``run_edit`` (which words the refusal)."""
    a, _ = _twins()
    iso = a.problem.calendar.iso(3)
    who = _occupant(a, 3, 0)
    calls: list[Any] = []
    real = pipeline.run_edit

    def spy(schedule: Schedule, op: Any, *args: Any, **kw: Any) -> Any:
        calls.append(op)
        return real(schedule, op, *args, **kw)

    monkeypatch.setattr(pipeline, "run_edit", spy)
    assert a.unassign(iso, 0).ok and a.assign(who, iso, 0).ok
    assert calls == []
    r = a.assign("W00", a.problem.calendar.iso(11), 0)  # a day off: refused
    assert not r.ok and r.error == "HARD_VIOLATION"
    assert calls == [Assign("W00", a.problem.calendar.iso(11), 0, None)]


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 30), st.integers(0, 1), st.integers(0, 7)),
        min_size=1,
        max_size=25,
    ),
    st.booleans(),
)
def test_random_edits_match_apply(moves: list[tuple[bool, int, int, int]], strict: bool) -> None:
    policy = Policy() if strict else Policy(block_hard=False, protect_pinned=False)
    a, b = _twins(policy)
    iso = [a.problem.calendar.iso(d) for d in range(a.problem.n_days)]
    for unassign, d, post, w in moves:
        if unassign:
            step: tuple[Any, ...] = ("unassign", (iso[d], post, None, None), {})
        else:
            step = ("assign", (f"W{w:02d}", iso[d], post, None), {})
        ra = _edit(a, True, step)
        rb = _edit(b, False, step)
        _same(a, b, ra, rb)
    assert np.array_equal(a.core.slots, b.core.slots)
    assert_consistent(a)
