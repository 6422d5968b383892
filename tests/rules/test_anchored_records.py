"""Rules kept as one int per anchor (``rules.anchored``: cover per cell, per-worker totals and
balances): records built only when read, equal to the records a full check builds, and
copies independent of each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, fill_at_random, saldo_problem

from rtsched_widgets.model import Roster
from rtsched_widgets.rules import CoverOver, CoverUnder, Validator
from rtsched_widgets.rules.anchored import ABSENT, AnchoredStore
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.saldo.balance import SpecialBalance
from rtsched_widgets.rules.saldo.totals import TargetShifts


def _problem(days: int = 21, posts: int = 3):
    required = np.tile(np.array([2, 1, 0][:posts]), (days, 1))
    maximum = np.full((days, posts), 3)
    return saldo_problem(6, days=days, posts=posts, required=required, maximum=maximum)


def _rules(problem):
    """The saldo rules plus cover over (a cell may hold more than it requires here)."""
    return [*default_rules(problem), CoverOver]


def _random_edits(problem, roster: Roster, v: Validator, rng: np.random.Generator, n: int):
    for _ in range(n):
        w, d = int(rng.integers(problem.n_workers)), int(rng.integers(problem.n_days))
        old = int(roster.shift_of[w, d])
        new = int(rng.integers(-1, problem.n_shifts))
        if new == old or (new >= 0 and roster.free_slot(d, new) < 0):
            continue
        apply_to_roster(roster, [(w, d, old, new)])
        v.commit([(w, d, old, new)])


def _frame_sorted(df: pd.DataFrame) -> pd.DataFrame:
    out = df.assign(_k=df["rule"] + df["message"]).sort_values("_k", kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_records_built_on_read_equal_a_full_check_after_random_edits(seed: int) -> None:
    p = _problem()
    rng = np.random.default_rng(seed)
    roster = fill_at_random(p, rng, 0.3)
    v = Validator(p, roster, _rules(p))
    kinds = {
        type(r) for r, f in zip(v.rules, v._found, strict=True) if isinstance(f, AnchoredStore)
    }
    assert {CoverUnder, CoverOver, TargetShifts, SpecialBalance} <= kinds
    for _ in range(6):
        _random_edits(p, roster, v, rng, 15)
        assert_matches_full(v)  # records, keys, penalties, index and score
        kept = sorted(v.violation_list(), key=repr)
        assert kept == sorted(v.full_check(), key=repr)  # record by record, messages too
        pd.testing.assert_frame_equal(
            _frame_sorted(v.violations()), _frame_sorted(v.full_table().to_frame())
        )


def test_cover_rules_build_no_record_until_one_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, int, int]] = []
    for cls in (CoverUnder, CoverOver):
        original = cls.record

        def counting(self, d, s, count, _original=original):
            built.append((self.name, d, s))
            return _original(self, d, s, count)

        monkeypatch.setattr(cls, "record", counting)
    p = _problem(days=60)
    roster = Roster(p)  # nobody assigned: every cell with a demand is under-covered
    v = Validator(p, roster, _rules(p))
    under = int((p.required > 0).sum())
    assert built == []  # construction kept one int per cell, no record
    fresh = v.full_table()  # (column-wise: builds no record either)
    assert v.score().hard == fresh.score().hard
    assert v.score().soft == pytest.approx(fresh.score().soft)
    assert built == []
    store = v._found[[r.name for r in v.rules].index("cover_under")]
    assert isinstance(store, AnchoredStore) and len(store) == under
    # an edit builds the records of the cells it touches, nothing else
    w, d = 0, 5
    apply_to_roster(roster, [(w, d, -1, 0)])
    delta = v.commit([(w, d, -1, 0)])
    assert [x.key for x in delta.introduced if x.rule == "cover_under"] == [("cover_under", d, 0)]
    assert [x.key for x in delta.resolved if x.rule == "cover_under"] == [("cover_under", d, 0)]
    assert len(built) == 2  # the cell's old record (2 missing) and its new one (1 missing)
    built.clear()
    frame = v.violations()
    assert (frame["rule"] == "cover_under").sum() == under
    assert len(built) == under  # reading builds them all, once each


def test_a_copy_and_its_original_keep_their_own_anchored_values() -> None:
    p = _problem()
    roster = fill_at_random(p, np.random.default_rng(3), 0.2)
    v = Validator(p, roster, _rules(p))
    other_roster = roster.copy()
    c = v.copy(other_roster)
    before = sorted(v.violation_list(), key=repr)
    rng = np.random.default_rng(4)
    _random_edits(p, other_roster, c, rng, 40)
    assert sorted(v.violation_list(), key=repr) == before
    assert_matches_full(v)
    assert_matches_full(c)


def test_store_values_hold_the_count_of_each_violated_cell() -> None:
    p = _problem(days=7)
    roster = fill_at_random(p, np.random.default_rng(5), 0.4)
    v = Validator(p, roster, _rules(p))
    i = [r.name for r in v.rules].index("cover_under")
    store = v._found[i]
    assert isinstance(store, AnchoredStore)
    under = roster.count < p.required
    expect = np.where(under, roster.count, ABSENT).ravel()
    assert np.frombuffer(store.held, dtype=np.int32).tolist() == expect.tolist()
    assert store.anchors().tolist() == np.flatnonzero(under.ravel()).tolist()


@pytest.mark.parametrize("seed", [6, 7])
def test_an_edits_delta_is_the_difference_of_full_checks_before_and_after(seed: int) -> None:
    """One change at a time (the path that compares anchored values as ints): introduced =
    the records of the full check after that the one before lacks, resolved = the reverse."""
    p = _problem()
    rng = np.random.default_rng(seed)
    roster = fill_at_random(p, rng, 0.3)
    v = Validator(p, roster, _rules(p))
    n_checked = 0
    while n_checked < 60:
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old = int(roster.shift_of[w, d])
        new = int(rng.integers(-1, p.n_shifts))
        if new == old or (new >= 0 and roster.free_slot(d, new) < 0):
            continue
        before = set(v.full_check())
        apply_to_roster(roster, [(w, d, old, new)])
        delta = v.commit([(w, d, old, new)])
        after = set(v.full_check())
        assert sorted(delta.introduced, key=repr) == sorted(after - before, key=repr)
        assert sorted(delta.resolved, key=repr) == sorted(before - after, key=repr)
        n_checked += 1
