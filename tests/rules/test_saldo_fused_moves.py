"""The saldo soft rules' one function on the validator's edit path (``saldo.fused_moves``)
gives what the validator's loop over the rules gives: the same moves in the same order, the
same records, the same hard count and exactly the same soft float."""

from __future__ import annotations

import numpy as np
import pytest
from _rules_helpers import apply_to_roster, assert_matches_full, fill_at_random, saldo_problem

from rtsched_widgets.model import RuleSettings
from rtsched_widgets.rules import CoverOver, Validator
from rtsched_widgets.rules.profiles import default_rules
from rtsched_widgets.rules.saldo.fused_moves import fusable_moves, fused_moves_fn


def _problem(days: int = 28):
    required = np.tile(np.array([2, 1, 1]), (days, 1))
    maximum = np.full((days, 3), 3)
    settings = RuleSettings(target_tolerance=0)  # (balances and targets off at once)
    return saldo_problem(
        7, days=days, posts=3, required=required, maximum=maximum, settings=settings
    )


def _pair(seed: int):
    p = _problem()
    rng = np.random.default_rng(seed)
    roster = fill_at_random(p, rng, 0.35)
    fused = Validator(p, roster)
    other = roster.copy()
    loop = Validator(p, other)
    loop._soft_moves = None  # the loop over the rules, one by one
    return p, rng, (roster, fused), (other, loop)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fused_moves_equal_the_loop_over_the_rules(seed: int) -> None:
    p, rng, (ra, a), (rb, b) = _pair(seed)
    assert a._soft_moves is not None
    kinds = {"on": 0, "off": 0, "shift": 0}
    n_moved = 0
    seen: set[str] = set()
    for _ in range(300):
        w, d = int(rng.integers(p.n_workers)), int(rng.integers(p.n_days))
        old = int(ra.shift_of[w, d])
        new = int(rng.integers(-1, p.n_shifts))
        if new == old or (new >= 0 and ra.free_slot(d, new) < 0):
            continue
        ch = [(w, d, old, new)]
        kinds["on" if old < 0 else "off" if new < 0 else "shift"] += 1
        pa, pb = a.preview(ch), b.preview(ch)
        assert (pa.hard, pa.soft) == (pb.hard, pb.soft)
        apply_to_roster(ra, ch)
        apply_to_roster(rb, ch)
        da, db = a.commit(ch), b.commit(ch)
        assert da.soft == db.soft and da.hard == db.hard  # the same float, not approximately
        assert da.introduced == db.introduced and da.resolved == db.resolved  # in order
        n_moved += bool(da.introduced or da.resolved)
        seen.update(x.rule for x in da.introduced + da.resolved)
    assert min(kinds.values()) > 20 and n_moved > 100
    assert {"target", "special_balance", "last_post_balance", "cover_under"} <= seen
    assert a.score() == b.score()
    assert_matches_full(a)


def test_the_function_is_used_only_when_it_covers_every_soft_rule() -> None:
    p = _problem()
    roster = fill_at_random(p, np.random.default_rng(5), 0.3)
    assert Validator(p, roster)._soft_moves is not None
    assert Validator(p, roster, [*default_rules(p), CoverOver])._soft_moves is None
    rules = default_rules(p)
    soft = [r for r in rules if r.severity == "soft"]
    assert fusable_moves(soft) and fusable_moves(soft[1:]) and not fusable_moves(soft[::-1])
    assert not fusable_moves([])
    with pytest.raises(ValueError, match="MOVES_TYPES"):
        fused_moves_fn(soft[::-1], [0, 1, 2, 3])
