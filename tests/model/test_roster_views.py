"""A roster's element views (memoryviews) and its numpy arrays always show the same values."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from rtsched_widgets.model.roster import Roster
from rtsched_widgets.model.synthetic import synthetic_with_roster


@pytest.fixture
def roster() -> Roster:
    _, roster = synthetic_with_roster(12, 20, 4, seed=1, feasible=True)
    assert roster is not None
    return roster


def _same_everywhere(r: Roster) -> None:
    p = r.problem
    for d in range(p.n_days):
        for s in range(p.n_shifts):
            assert r.capacity(d, s) == int(p.maximum[d, s])
            for k in range(r.slots.shape[2]):
                assert r.worker_at(d, s, k) == int(r.slots[d, s, k])
    for w in range(p.n_workers):
        for d in range(p.n_days):
            assert r.shift_at(w, d) == int(r.shift_of[w, d])
            assert r.slot_at(w, d) == int(r.slot_of[w, d])


def test_place_and_clear_write_the_arrays_the_views_read(roster: Roster) -> None:
    d, s = map(int, np.argwhere(roster.count > 0)[0])
    w = roster.worker_at(d, s, 0)
    before = roster.count.copy()
    assert roster.clear(d, s, 0) == w
    assert roster.shift_of[w, d] == -1 and roster.count[d, s] == before[d, s] - 1
    roster.place(np.int64(w), np.int64(d), np.int64(s), 0)  # numpy ints are indices too
    assert roster.slots[d, s, 0] == w and np.array_equal(roster.count, before)
    with pytest.raises(ValueError, match="already works"):
        roster.place(w, d, s, 0)
    _same_everywhere(roster)


def test_copies_and_pickles_get_views_of_their_own_arrays(roster: Roster) -> None:
    d, s = map(int, np.argwhere(roster.count > 0)[0])
    for other in (roster.copy(), pickle.loads(pickle.dumps(roster))):
        assert other == roster
        other.clear(d, s, 0)
        assert other.worker_at(d, s, 0) == -1
        assert roster.worker_at(d, s, 0) >= 0  # the original is untouched
        _same_everywhere(other)
    _same_everywhere(roster)
