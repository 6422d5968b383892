"""A forced edit records why it was forced in its history message (the audit's ``message``)."""

from __future__ import annotations

import rtsched_widgets as rt


def _schedule() -> rt.Schedule:
    problem = rt.synthetic(workers=12, days=14, posts=2, seed=3)
    s = rt.Schedule(problem, user="alice")
    s.generate(strategy="greedy", time_limit=5, seed=0)
    return s


def test_the_reason_of_a_forced_edit_is_recorded_and_exported(tmp_path):
    s = _schedule()
    day = s.problem.calendar.iso(3)
    worker = s.problem.workers[0].id
    r = s.apply(
        {"op": "assign", "worker": worker, "date": day, "post": 0},
        force=True,
        reason="covering a sick call",
    )
    assert r.ok and r.forced
    assert r.message.endswith("(forced: covering a sick call)")
    row = s.history.iloc[-1]
    assert bool(row["forced"]) and row["message"] == r.message
    path = s.export_audit(tmp_path / "audit.csv")
    assert "(forced: covering a sick call)" in path.read_text()


def test_a_reason_without_force_changes_nothing_and_a_bad_reason_is_refused():
    s = _schedule()
    free = s.coverage().query("missing > 0")
    day, post = (str(free.iloc[0].date.date()), int(free.iloc[0].post)) if len(free) else (
        s.problem.calendar.iso(0), 0)  # fmt: skip
    version = s.version
    bad = s.apply({"op": "unassign", "date": day, "post": post}, reason=["no"])
    assert not bad.ok and bad.error == "MALFORMED" and bad.message.startswith("reason:")
    assert s.version == version
