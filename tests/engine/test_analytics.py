"""Analytics: coverage, load, fairness, violations by rule, latency, event rate."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _schedule_helpers import make_problem

from rtsched_widgets.engine.analytics import fairness, gini
from rtsched_widgets.engine.schedule import Schedule


def test_gini_and_fairness() -> None:
    assert gini(np.array([3, 3, 3])) == 0.0
    assert gini(np.array([0, 0, 9])) == pytest.approx(2 / 3)
    assert gini(np.array([])) == 0.0
    f = fairness(np.array([2, 4]), np.array([50.0, 100.0]))  # both 4 at full time
    assert f.std == 0.0 and f.max_deviation == 0.0 and f.gini == 0.0


def test_analytics_snapshot() -> None:
    s = Schedule(make_problem())
    s.assign("W04", "2026-01-05", 0)
    s.assign("W05", "2026-01-05", "N")
    s.assign("W06", "2026-01-09", "N")
    s.assign("W07", "2026-01-09", "N")  # above required: does not count twice
    s.assign("W99", "2026-01-09", "N")  # refused, still measured
    a = s.analytics()
    assert a.required == 62 and a.filled == 3
    assert a.coverage == pytest.approx(100 * 3 / 62)
    load = a.load.set_index("worker")
    assert load.loc["W04", "assigned"] == 1 and load.loc["W00", "assigned"] == 0
    assert (load["deviation"] == load["assigned"] - load["target"]).all()
    assert load["last_post"].sum() == 3  # N is the last post
    assert a.fairness["shifts"].gini > 0
    rules = a.violations_by_rule.set_index("rule")
    assert rules.loc["cover_under", "count"] == 59
    kinds = set(a.latency["kind"])
    assert {"assign"} <= kinds
    assert (a.latency["p99_us"] >= a.latency["p50_us"]).all()
    assert a.events_per_second > 0
    assert a.version == 4
    json.dumps(a.to_dict())
