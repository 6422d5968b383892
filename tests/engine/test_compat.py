"""The original design's Scheduler(config) facade."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rtsched_widgets.compat import Scheduler


def config(**extra: Any) -> dict[str, Any]:
    return {
        "start_date": "05-01-2026",
        "end_date": "31-01-2026",
        "num_shifts": 2,
        "gap_between_shifts": 2,
        "workers_data": [
            {"id": f"W{i}", "name": f"Worker {i}", "work_percentage": 100} for i in range(1, 7)
        ]
        + [{"id": "W7", "days_off": "10-01-2026 - 12-01-2026"}],
        **extra,
    }


@pytest.fixture
def rt() -> Scheduler:
    return Scheduler(config(enable_real_time=True))


def test_disabled_real_time_refuses_every_real_time_method() -> None:
    sch = Scheduler(config())
    calls = [
        sch.assign_worker_real_time("W1", "2026-01-05", 0, "alice"),
        sch.unassign_worker_real_time("2026-01-05", 0, "alice"),
        sch.swap_workers_real_time("2026-01-05", 0, "2026-01-06", 0, "alice"),
        sch.bulk_update_real_time([], "alice"),
        sch.validate_schedule_real_time(),
        sch.get_real_time_analytics(),
        sch.get_change_history(),
        sch.undo_last_change("alice"),
        sch.redo_last_change("alice"),
    ]
    for out in calls:
        assert out["success"] is False and out["error"] == "REAL_TIME_DISABLED"
        json.dumps(out)
    assert sch.schedule.version == 0
    assert Scheduler(config(), enable_real_time=True).enable_real_time
    assert not Scheduler(config(enable_real_time=True), enable_real_time=False).enable_real_time


def test_edits_return_json_dicts(rt: Scheduler) -> None:
    out = rt.assign_worker_real_time("W1", "05-01-2026", 0, "alice")
    assert out["success"] and out["operation_id"] and out["version"] == 1
    assert out["user_id"] == "alice" and out["cells"] == [["2026-01-05", 0, 0]]
    json.dumps(out)
    out = rt.assign_worker_real_time("W2", "2026-01-05", 0, "bob")
    assert out["success"] and out["replaced"] == ["W1"]
    bad = rt.assign_worker_real_time("W7", "2026-01-11", 1, "alice")
    assert not bad["success"] and bad["error"] == "HARD_VIOLATION"
    assert bad["operation_id"] is None and bad["suggestions"]
    json.dumps(bad)
    assert rt.assign_worker_real_time("W1", "not a date", 0)["error"] == "MALFORMED"
    assert rt.assign_worker_real_time("W1", "2026-03-01", 0)["error"] == "OUT_OF_HORIZON"
    assert rt.assign_worker_real_time("W1", "2026-01-05", 5)["error"] == "BAD_POST"
    assert rt.assign_worker_real_time("W9", "2026-01-05", 1)["error"] == "UNKNOWN_WORKER"
    assert rt.swap_workers_real_time("2026-01-05", 0, "2026-01-06", 1, "bob")["success"]
    assert rt.get_schedule()["2026-01-06"] == [None, "W2"]
    assert rt.unassign_worker_real_time("2026-01-06", 1, "bob")["success"]


def test_bulk_original_and_engine_forms(rt: Scheduler) -> None:
    out = rt.bulk_update_real_time(
        [
            {"operation": "assign", "worker_id": "W1", "date": "06-01-2026", "post_index": 0},
            {"op": "assign", "worker": "W2", "date": "2026-01-06", "post": 1},
        ],
        "alice",
    )
    assert out["success"] and out["operations"] == 2
    before = rt.get_schedule()
    bad = rt.bulk_update_real_time(
        [
            {"operation": "assign", "worker_id": "W3", "date": "2026-01-08", "post_index": 0},
            {"operation": "unassign", "date": "2026-01-09", "post_index": 0},
        ],
        "alice",
    )
    assert not bad["success"] and bad["error"] == "EMPTY_CELL"
    assert rt.get_schedule() == before
    assert rt.bulk_update_real_time("x")["error"] == "MALFORMED"
    assert rt.bulk_update_real_time([{"operation": "assign", "date": "bad"}])["error"] == (
        "MALFORMED"
    )


def test_history_undo_redo_validate_analytics(rt: Scheduler) -> None:
    rt.assign_worker_real_time("W1", "2026-01-05", 0, "alice")
    rt.assign_worker_real_time("W2", "2026-01-07", 0, "bob")
    rt.assign_worker_real_time("W3", "2026-01-09", 0, "alice")
    hist = rt.get_change_history(limit=2)
    assert [c["user_id"] for c in hist["changes"]] == ["bob", "alice"]
    assert len(rt.get_change_history(user_id="alice")["changes"]) == 2
    assert rt.get_change_history(limit=-1)["error"] == "MALFORMED"
    undo = rt.undo_last_change("bob")
    assert undo["success"] and rt.get_schedule()["2026-01-07"] == [None, None]
    assert rt.redo_last_change("bob")["success"]
    assert rt.undo_last_change("carol")["error"] == "NOTHING_TO_UNDO"
    quick = rt.validate_schedule_real_time(quick_check=True)
    assert quick["success"] and "violations" not in quick and quick["valid"]
    full = rt.validate_schedule_real_time()
    assert any(v["rule"] == "cover_under" for v in full["violations"])
    analytics = rt.get_real_time_analytics()
    assert analytics["success"] and analytics["filled"] == 3
    json.dumps([hist, undo, quick, full, analytics])


def test_generate_schedule(rt: Scheduler) -> None:
    out = rt.generate_schedule(time_limit=2)
    assert out["success"], out["message"]
    filled = sum(w is not None for posts in out["schedule"].values() for w in posts)
    assert filled > 0 and out["details"]["strategy"] == "auto"
    assert out["details"]["chosen"] == "greedy+local_search"
    json.dumps(out)
