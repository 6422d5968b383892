"""Schedule edits: the path of an edit, refusals, policy, pinned cells, preview, bulk."""

from __future__ import annotations

import json
from datetime import date

import pytest
from _schedule_helpers import assert_consistent, make_problem, snapshot

from rtsched_widgets.engine.ops import Assign, Unassign
from rtsched_widgets.engine.schedule import Policy, Schedule


@pytest.fixture
def s() -> Schedule:
    return Schedule(make_problem(), user="alice")


def test_assign_places_worker_records_history_and_publishes(s: Schedule) -> None:
    seen = []
    s.events.subscribe("assigned", seen.append)
    r = s.assign("W04", "2026-01-05", 0)
    assert r.ok and r.error is None
    assert r.version == 1 and s.version == 1
    assert r.op_id is not None and r.cells == (("2026-01-05", 0, 0),)
    assert s.core.shift_of[4, 4] == 0
    assert s.cell_version[4, 0] == 1
    assert "cover_under" in [v.rule for v in r.resolved]
    assert len(s.oplog) == 1 and s.oplog.undo_candidate("alice").op_id == r.op_id
    assert len(seen) == 1 and seen[0].payload["op_id"] == r.op_id
    assert seen[0].payload["cells"] == [["2026-01-05", 0, 0, "W04"]]
    assert seen[0].user == "alice"
    json.dumps(r.to_dict())
    assert_consistent(s)


def test_dates_posts_accept_every_form(s: Schedule) -> None:
    assert s.assign("W04", date(2026, 1, 5), "D").ok
    assert s.assign("W05", "2026-01-09", "N").ok
    assert s.core.shift_of[4, 4] == 0 and s.core.shift_of[5, 8] == 1


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (("W99", "2026-01-05", 0), "UNKNOWN_WORKER", "worker"),
        ((4, "2026-01-05", 0), "UNKNOWN_WORKER", "worker"),
        (("W04", "2027-01-05", 0), "OUT_OF_HORIZON", "date"),
        (("W04", "2025-12-31", 0), "OUT_OF_HORIZON", "date"),
        (("W04", "5th of January", 0), "MALFORMED", "date"),
        (("W04", "2026-01-05", 2), "BAD_POST", "post"),
        (("W04", "2026-01-05", -1), "BAD_POST", "post"),
        (("W04", "2026-01-05", "X"), "BAD_POST", "post"),
        (("W04", "2026-01-05", True), "BAD_POST", "post"),
        (("W04", "2026-01-05", 0, 1), "BAD_SLOT", "slot"),
        (("W04", "2026-01-05", 1, 2), "BAD_SLOT", "slot"),
    ],
)
def test_bad_input_fails_clearly_and_changes_nothing(
    s: Schedule, args: tuple, code: str, field: str
) -> None:
    s.assign("W01", "2026-01-05", 0)
    before = snapshot(s)
    rejected = []
    s.events.subscribe("op_rejected", rejected.append)
    r = s.assign(*args)
    assert not r.ok and r.error == code
    assert field in r.message
    assert snapshot(s) == before
    assert len(rejected) == 1 and rejected[0].payload["error"] == code
    json.dumps(r.to_dict())


def test_bad_options_fail_and_change_nothing(s: Schedule) -> None:
    before = snapshot(s)
    assert s.assign("W04", "2026-01-05", 0, user=7).error == "MALFORMED"  # type: ignore[arg-type]
    assert s.assign("W04", "2026-01-05", 0, user="").error == "MALFORMED"
    assert s.assign("W04", "2026-01-05", 0, force="yes").error == "MALFORMED"  # type: ignore[arg-type]
    assert s.apply(42).error == "MALFORMED"  # type: ignore[arg-type]
    assert s.undo(user=3).error == "MALFORMED"  # type: ignore[arg-type]
    assert snapshot(s) == before


def test_one_slot_cell_occupant_is_replaced(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)
    r = s.assign("W05", "2026-01-05", 0)
    assert r.ok and r.replaced == ("W04",)
    assert "replacing W04" in r.message
    assert s.core.shift_of[4, 4] == -1 and s.core.shift_of[5, 4] == 0
    assert_consistent(s)


def test_multi_slot_cell_first_free_then_full_then_explicit_slot(s: Schedule) -> None:
    assert s.assign("W04", "2026-01-05", "N").cells == (("2026-01-05", 1, 0),)
    assert s.assign("W05", "2026-01-05", "N").cells == (("2026-01-05", 1, 1),)
    before = snapshot(s)
    full = s.assign("W06", "2026-01-05", "N")
    assert full.error == "CELL_FULL" and "give a slot" in full.message
    assert snapshot(s) == before
    r = s.assign("W06", "2026-01-05", "N", 1)
    assert r.ok and r.replaced == ("W05",)
    assert s.core.slots[4, 1].tolist() == [4, 6]


def test_worker_already_working_that_date_is_refused(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)
    before = snapshot(s)
    for post in (0, 1):
        r = s.assign("W04", "2026-01-05", post)
        assert r.error == "ALREADY_WORKING"
        assert "move or swap" in r.message
    assert snapshot(s) == before
    hint = s.assign("W04", "2026-01-05", 1).suggestions
    assert hint == ({"kind": "move", "src": ["2026-01-05", 0, 0], "dst": ["2026-01-05", 1, 0]},)
    assert s.apply({"op": "move", "src": hint[0]["src"], "dst": hint[0]["dst"]}).ok


def test_hard_violation_blocks_unless_forced(s: Schedule) -> None:
    before = snapshot(s)
    r = s.assign("W00", "2026-01-11", 0)  # W00 is off that day
    assert r.error == "HARD_VIOLATION" and not r.ok
    assert any(v.rule == "availability" for v in r.introduced)
    assert r.suggestions, "a blocked edit offers alternatives"
    assert all(a["hard"] <= 0 for a in r.suggestions)
    assert {a["kind"] for a in r.suggestions} >= {"assign"}
    assert any(a["worker"] != "W00" for a in r.suggestions if a["kind"] == "assign")
    assert snapshot(s) == before
    hard_before = s.score().hard
    forced = s.assign("W00", "2026-01-11", 0, force=True)
    assert forced.ok and forced.forced
    assert s.score().hard == hard_before + 1
    assert s.oplog.records()[-1].forced
    assert_consistent(s)


def test_policy_can_forbid_force_or_allow_hard() -> None:
    strict = Schedule(make_problem(), policy=Policy(allow_force=False))
    r = strict.assign("W00", "2026-01-11", 0, force=True)
    assert r.error == "FORCE_NOT_ALLOWED" and strict.version == 0
    lax = Schedule(make_problem(), policy=Policy(block_hard=False))
    r = lax.assign("W00", "2026-01-11", 0)
    assert r.ok and not r.forced and r.hard_delta == 1


def test_pinned_mandatory_assignment_is_protected(s: Schedule) -> None:
    assert s.assign("W01", "2026-01-20", 0).ok
    before = snapshot(s)
    assert s.unassign("2026-01-20", 0).error == "PINNED"
    assert s.assign("W04", "2026-01-20", 0).error == "PINNED"  # would replace W01
    assert s.move(("2026-01-20", 0), ("2026-01-21", 0)).error == "PINNED"
    assert snapshot(s) == before
    # staying on the mandatory date is fine
    assert s.move(("2026-01-20", 0), ("2026-01-20", 1)).ok
    assert s.unassign("2026-01-20", 1, force=True).ok
    assert s.assignments.empty


def test_unassign_forms(s: Schedule) -> None:
    assert s.unassign("2026-01-05", 0).error == "EMPTY_CELL"
    s.assign("W04", "2026-01-05", "N")
    s.assign("W05", "2026-01-05", "N")
    assert s.unassign("2026-01-05", "N").error == "BAD_SLOT"
    assert s.unassign("2026-01-05", "N", worker="W06").error == "EMPTY_CELL"
    r = s.unassign("2026-01-05", "N", worker="W05")
    assert r.ok and r.cells == (("2026-01-05", 1, 1),)
    assert s.unassign("2026-01-05", "N").ok  # one left: no slot needed
    assert s.core.count[4, 1] == 0


def test_swap_and_move(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)
    s.assign("W05", "2026-01-09", 1)
    r = s.swap(("2026-01-05", 0), ("2026-01-09", "N"))
    assert r.ok and s.core.shift_of[5, 4] == 0 and s.core.shift_of[4, 8] == 1
    # same-date swap between posts
    s.assign("W06", "2026-01-05", 1)
    assert s.swap(("2026-01-05", 0), ("2026-01-05", 1)).ok
    assert s.core.shift_of[6, 4] == 0 and s.core.shift_of[5, 4] == 1
    # move into a free cell
    m = s.move(("2026-01-05", 0), ("2026-01-15", 0))
    assert m.ok and s.core.shift_of[6, 14] == 0 and s.core.shift_of[6, 4] == -1
    assert s.move(("2026-01-06", 0), ("2026-01-16", 0)).error == "EMPTY_CELL"
    s.assign("W07", "2026-01-16", 0)
    assert s.move(("2026-01-15", 0), ("2026-01-16", 0)).error == "CELL_FULL"
    assert s.swap(("2026-01-15", 0), ("2026-01-15", 0)).error == "NO_CHANGE"
    assert s.swap(("2026-01-02", 0), ("2026-01-03", 0)).error == "EMPTY_CELL"
    assert s.swap("nonsense", ("2026-01-03", 0)).error == "MALFORMED"
    assert_consistent(s)


def test_swap_that_would_double_book_is_refused(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)
    s.assign("W05", "2026-01-09", 0)
    s.assign("W04", "2026-01-09", "N")  # W04 already works 01-09
    before = snapshot(s)
    r = s.swap(("2026-01-05", 0), ("2026-01-09", 0))
    assert r.error == "ALREADY_WORKING"
    assert snapshot(s) == before


def test_bulk_is_atomic_one_record_one_event(s: Schedule) -> None:
    events = []
    s.events.subscribe("*", events.append)
    ok = s.bulk(
        [
            {"op": "assign", "worker": "W04", "date": "2026-01-05", "post": 0},
            Assign("W05", "2026-01-09", 0),
            {"op": "move", "src": ["2026-01-05", 0], "dst": ["2026-01-13", 0]},
        ]
    )
    assert ok.ok and ok.kind == "bulk"
    assert len(s.oplog) == 1
    assert [e.type for e in events if e.type != "violations_changed"] == ["bulk_applied"]
    assert s.core.shift_of[4, 12] == 0 and s.core.shift_of[4, 4] == -1
    before = snapshot(s)
    bad = s.bulk(
        [
            Assign("W06", "2026-01-20", 0),
            Unassign("2026-01-21", 0),  # empty: the whole bulk fails
        ]
    )
    assert bad.error == "EMPTY_CELL" and "ops[1]" in bad.message
    assert snapshot(s) == before
    malformed = s.bulk([Assign("W06", "2026-01-20", 0), {"op": "assign", "who": "W07"}])
    assert malformed.error == "MALFORMED" and "ops[1]" in malformed.message
    assert snapshot(s) == before
    assert s.bulk([]).error == "MALFORMED"
    assert s.bulk("assign").error == "MALFORMED"
    assert snapshot(s) == before


def test_bulk_judges_the_net_result(s: Schedule) -> None:
    # W00 into its day off then out again: nets to nothing hard
    hard_before = s.score().hard
    r = s.bulk(
        [Assign("W00", "2026-01-11", 0), Unassign("2026-01-11", 0), Assign("W04", "2026-01-11", 0)]
    )
    assert r.ok and s.score().hard == hard_before
    assert not [v for v in r.introduced if v.severity == "hard"]


def test_preview_changes_nothing_and_publishes_nothing(s: Schedule) -> None:
    s.assign("W04", "2026-01-05", 0)
    before = snapshot(s)
    seq = s.events.last_seq
    p = s.preview(Assign("W05", "2026-01-05", 0))
    assert p.ok and p.preview and p.op_id is None and p.replaced == ("W04",)
    p2 = s.preview({"op": "assign", "worker": "W00", "date": "2026-01-11", "post": 1})
    assert not p2.ok and p2.error == "HARD_VIOLATION" and p2.preview
    assert snapshot(s) == before and s.events.last_seq == seq


def test_stale_check_when_the_policy_asks() -> None:
    s = Schedule(make_problem(), policy=Policy(check_stale=True))
    s.assign("W04", "2026-01-05", 0)
    seen = s.version
    s.assign("W05", "2026-01-05", 0, user="bob")
    r = s.assign("W06", "2026-01-05", 0, base_version=seen)
    assert r.error == "STALE" and "reload" in r.message
    assert s.assign("W06", "2026-01-06", 0, base_version=seen).ok  # other cell: fine
    assert s.assign("W06", "2026-01-05", 1, base_version="x").error == "MALFORMED"


def test_base_version_is_recorded_without_stale_policy(s: Schedule) -> None:
    events = []
    s.events.subscribe("assigned", events.append)
    r = s.assign("W04", "2026-01-05", 0, base_version=0)
    assert r.details == {"base_version": 0}
    assert events[0].payload["base_version"] == 0


def test_tables(s: Schedule) -> None:
    s.assign("W01", "2026-01-20", 0)
    s.assign("W04", "2026-01-05", "N")
    a = s.assignments
    assert list(a.columns) == ["date", "post", "shift", "slot", "worker", "pinned", "version"]
    assert a.set_index("worker").loc["W01", "pinned"]
    assert not a.set_index("worker").loc["W04", "pinned"]
    grid = s.roster()
    assert grid.loc["W04", "2026-01-05"] == "N" and grid.loc["W01", "2026-01-20"] == "D"
    assert grid.loc["W02", "2026-01-05"] == ""
    cov = s.coverage()
    assert len(cov) == 62 and cov["filled"].sum() == 2
    assert cov["missing"].sum() == 60
    v = s.validate()
    assert (v["rule"] == "cover_under").sum() == 60
    assert s.score().hard == 0


def test_constructor_checks() -> None:
    p = make_problem()
    with pytest.raises(ValueError, match="store"):
        Schedule(p, store="redis://x")  # unknown scheme
    with pytest.raises(ValueError, match="user"):
        Schedule(p, user="")
    with pytest.raises(TypeError):
        Schedule(p, colour="red")  # type: ignore[call-arg]


def test_concurrent_edits_from_threads_stay_consistent() -> None:
    import threading

    s = Schedule(make_problem(n_workers=12, n_days=31))
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(60):
                d = f"2026-01-{(i * 7 + offset) % 31 + 1:02d}"
                w = f"W{(i + offset) % 12:02d}"
                s.assign(w, d, i % 2, user=f"u{offset}", force=True)
                if i % 3 == 0:
                    s.undo(user=f"u{offset}", force=True)
                s.suggest(d, 0, k=2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert_consistent(s)
    assert s.version == len(s.oplog)
