"""An edit's ``Delta`` builds its ``introduced`` / ``resolved`` records on first read: none
before, the same records as a full check's difference when read, ``hard`` and ``soft``
exact without them, immutable like the dataclass it replaced."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, fill_at_random, saldo_problem

from rtsched_widgets.model import Roster
from rtsched_widgets.rules import CoverOver, CoverUnder, Delta, Validator
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.saldo.balance import LastPostBalance, SpecialBalance
from rtsched_widgets.rules.saldo.totals import MaxShifts, TargetShifts

RECORD_CLASSES = (CoverUnder, CoverOver, TargetShifts, MaxShifts, SpecialBalance, LastPostBalance)


def _problem(days: int = 21, posts: int = 3):
    required = np.tile(np.array([2, 1, 0][:posts]), (days, 1))
    maximum = np.full((days, posts), 3)
    return saldo_problem(6, days=days, posts=posts, required=required, maximum=maximum)


def _validator(seed: int) -> tuple[Validator, Roster, np.random.Generator]:
    p = _problem()
    rng = np.random.default_rng(seed)
    roster = fill_at_random(p, rng, 0.3)
    return Validator(p, roster, [*default_rules(p), CoverOver]), roster, rng


def _some_change(v: Validator, roster: Roster, rng: np.random.Generator):
    p = v.problem
    while True:
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old = int(roster.shift_of[w, d])
        new = int(rng.integers(-1, p.n_shifts))
        if new != old and (new < 0 or roster.free_slot(d, new) >= 0):
            return (w, d, old, new)


def _eager_score(before: set, after: set) -> tuple[int, float]:
    """The hard and soft change the records of two full checks tell."""
    hard = sum(v.severity == "hard" for v in after - before) - sum(
        v.severity == "hard" for v in before - after
    )
    soft = math.fsum(v.penalty for v in after - before if v.severity == "soft") - math.fsum(
        v.penalty for v in before - after if v.severity == "soft"
    )
    return hard, soft


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the anchored rules' records as they are built."""
    out: list[str] = []
    for cls in RECORD_CLASSES:
        original = cls.record

        def counting(self, *args, _original=original):
            out.append(self.name)
            return _original(self, *args)

        monkeypatch.setattr(cls, "record", counting)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_edit_builds_no_record_until_its_delta_is_read(seed: int, built: list[str]) -> None:
    v, roster, rng = _validator(seed)
    for _ in range(40):
        ch = _some_change(v, roster, rng)
        v.may_introduce_hard([ch])
        apply_to_roster(roster, [ch])
        v.commit([ch])
        assert built == []
    anchored = {cls.name for cls in RECORD_CLASSES}
    n_read = 0
    for _ in range(20):
        ch = _some_change(v, roster, rng)
        delta = v.preview([ch])
        assert built == []
        introduced = delta.introduced
        # nothing was read before: each anchored record read is built once, on this read
        assert len(built) == sum(x.rule in anchored for x in introduced)
        assert delta.introduced is introduced  # read once, kept
        built.clear()
        resolved = delta.resolved
        assert len(built) == sum(x.rule in anchored for x in resolved)
        assert delta.resolved is resolved
        n_read += len(built)
        built.clear()
        apply_to_roster(roster, [ch])
        v.commit_previewed(delta)
        for _ in range(3):  # edits whose delta is not read: still nothing built
            ch = _some_change(v, roster, rng)
            apply_to_roster(roster, [ch])
            v.commit([ch])
        assert built == []
        v.rebuild()  # (the store's kept records are dropped: each read builds again)
    assert n_read > 0
    assert_matches_full(v)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_records_read_equal_the_full_checks_difference_and_hard_soft_are_exact(
    seed: int,
) -> None:
    v, roster, rng = _validator(seed)
    n_changed = 0
    for step in range(80):
        changes = [_some_change(v, roster, rng)]
        if step % 4 == 3:  # several changes in one edit (distinct cells)
            extra = _some_change(v, roster, rng)
            if extra[:2] != changes[0][:2]:
                changes.append(extra)
        before = set(v.full_check())
        preview = v.preview(changes)
        apply_to_roster(roster, changes)
        delta = v.commit(changes)
        after = set(v.full_check())
        hard, soft = _eager_score(before, after)
        assert delta.hard == hard and preview.hard == hard
        assert delta.soft == pytest.approx(soft, abs=1e-9)
        assert preview.soft == delta.soft  # the same float, records read or not
        assert sorted(delta.introduced, key=repr) == sorted(after - before, key=repr)
        assert sorted(delta.resolved, key=repr) == sorted(before - after, key=repr)
        assert preview == delta and hash(preview) == hash(delta)
        n_changed += bool(delta.introduced or delta.resolved)
    assert n_changed > 40
    assert_matches_full(v)


def test_soft_equals_the_sum_the_records_give_rule_by_rule_exactly() -> None:
    """``soft`` is computed from the held ints with the same float operations as the sum of
    the records' penalties (rule by rule: introduced less resolved, one penalty as it is,
    several through ``math.fsum``)."""
    v, roster, rng = _validator(6)
    for _ in range(120):
        ch = _some_change(v, roster, rng)
        apply_to_roster(roster, [ch])
        delta = v.commit([ch])
        expect = 0.0
        for rule in v.rules:
            if rule.severity != "soft":
                continue
            came = [x.penalty for x in delta.introduced if x.rule == rule.name]
            gone = [x.penalty for x in delta.resolved if x.rule == rule.name]
            if came or gone:
                expect += (came[0] if len(came) == 1 else math.fsum(came)) - (
                    gone[0] if len(gone) == 1 else math.fsum(gone)
                )
        assert delta.soft == expect


def test_a_delta_is_immutable_and_equal_to_the_delta_of_its_records() -> None:
    v, roster, rng = _validator(7)
    ch = _some_change(v, roster, rng)
    while not v.preview([ch]).introduced:
        ch = _some_change(v, roster, rng)
    apply_to_roster(roster, [ch])
    delta = v.commit([ch])
    eager = Delta(delta.introduced, delta.resolved, delta.hard, delta.soft)
    assert delta == eager and hash(delta) == hash(eager)
    assert repr(delta) == repr(eager)
    assert type(delta.introduced) is tuple and type(delta.resolved) is tuple
    assert pickle.loads(pickle.dumps(delta)) == eager
    assert delta != Delta(delta.introduced, delta.resolved, delta.hard + 1, delta.soft)
    for name in ("introduced", "resolved", "hard", "soft", "_introduced", "_records"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(delta, name, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        del delta.hard
    empty = Delta((), (), 0, 0.0)
    assert empty.introduced == () and empty.resolved == () and empty.hard == 0


def test_a_delta_read_after_later_edits_and_a_rebuild_gives_its_own_records() -> None:
    """The records are a function of the anchor and the value the edit saw: reading them
    after the validator moved on gives the edit's records, not the current ones."""
    v, roster, rng = _validator(8)
    edits = []
    for _ in range(30):
        ch = _some_change(v, roster, rng)
        before = set(v.full_check())
        apply_to_roster(roster, [ch])
        delta = v.commit([ch])
        edits.append((delta, set(v.full_check()), before))
    v.rebuild()
    for delta, after, before in edits:
        assert sorted(delta.introduced, key=repr) == sorted(after - before, key=repr)
        assert sorted(delta.resolved, key=repr) == sorted(before - after, key=repr)
