"""Forced best responses: work moved between workers after the best-response rounds.

NRP profile. At the end of ``feasible``'s rounds every row is a best response to the others
(module :mod:`rtsched_widgets.solve.feasible`): no worker alone lowers the objective, though
several together often can (one takes a shift of an under-covered cell by dropping a shift
that a third worker then takes, ...). A *kick* starts such a chain at a cell with a cover
penalty:

- an under-covered cell ``(d, s)`` (drawn with probability proportional to its penalty):
  a worker who does not work ``s`` on ``d`` and may is re-planned with ``s`` forced on
  ``d`` (the least-cost schedule meeting the worker's rules that works it, the rest of the
  row free);
- an over-covered cell: a worker who works it (not a kept cell) is re-planned with that
  cell closed on that day (another shift or a day off);

- a *weekend* kick (``weekends``: the probability that a kick is one, when the roster
  offers it): on a weekend where worker ``A`` works only one day and worker ``B`` only the
  other (shift ``s`` on day ``e``), ``B`` is re-planned with the whole weekend off and then
  ``A`` with both days worked, ``s`` on ``e``: both weekends end whole (``A``'s worked,
  ``B``'s off), which frees one of ``B``'s worked weekends (the maximum weekends bind where
  weekend cover is short, as on Instance19) for another weekend;

- a *split* kick (``splits``: the probability that a kick is one, when some worker works a
  one-day weekend): such a worker is re-planned under the true costs plus a charge per
  one-day weekend (:class:`~rtsched_widgets.solve.labelling.WeekendPrice`, the largest
  under-cover weight of a weekend cell: a short weekend cell pays no more than the charge),
  so that the search itself makes the worker's weekends whole or frees them;

then the workers whose costs changed respond in rounds (seeded orders, at most
``settle_searches`` searches), and the kick is kept when the objective ends lower, else
undone. Every row stays one meeting its worker's rules (each comes from the labelling
search), and kept cells hold (the searches are built under ``keep``). The work is
deterministic for a seed and a number of kicks (``max_kicks``, ``patience``); a clock stop
may end a run earlier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.solve.feasible import DEFAULT_MAX_LABELS, BestResponse, Snapshot
from rtsched_widgets.solve.keep import Fixed
from rtsched_widgets.solve.labelling import WeekendPrice, schedule_cost, shortest_schedules


@dataclass
class ExchangeStats:
    """What one :func:`exchange` run did: kicks tried, kicks kept (weekend kicks among
    them: ``weekend_kicks``, ``weekend_kept``; split kicks: ``split_kicks``, ``split_kept``),
    searches, the objective (the tracked soft
    penalty) at the start and at the end."""

    kicks: int = 0
    kept: int = 0
    weekend_kicks: int = 0
    weekend_kept: int = 0
    split_kicks: int = 0
    split_kept: int = 0
    searches: int = 0
    start: float = float("nan")
    end: float = float("nan")


def exchange(
    problem: Problem,
    fixed: Fixed,
    rows: np.ndarray,
    *,
    seed: int = 0,
    max_kicks: int | None = None,
    patience: int | None = None,
    settle_searches: int | None = None,
    max_labels: int = DEFAULT_MAX_LABELS,
    weekends: float = 0.0,
    splits: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, ExchangeStats]:
    """Kicks (module docstring) from ``rows`` (``shift_of`` of a roster whose every row meets
    its worker's rules), until ``max_kicks`` kicks (None: no limit), ``patience`` kicks in a
    row that were not kept (None: no limit), or ``should_stop()``; first, rounds of best
    responses until no row changes. Returns the best rows (never worse than ``rows`` after
    those rounds) and the run's statistics. ``settle_searches``: searches after one kick at
    most (default: twice the workers; 20, 40, 80, 160 searches on Instance19, 8 CPU s from
    one roster, seeds 0 / 1: 4596 / 4676, 4559 / 4861, 4362 / 4664, 4552 / 4763).
    ``weekends``: the probability that a kick is a weekend kick (module docstring; a cover
    kick when no weekend offers one); 0 (none) by default. ``splits``: the probability that
    a kick is a split kick (drawn first; the other kinds as above when it is not one or no
    worker works a one-day weekend); 0 by default (no draw: the kicks as without it)."""
    for name, value in (("weekends", weekends), ("splits", splits)):
        if not 0 <= value <= 1:
            raise ValueError(f"{name}: {value} — use a probability in [0, 1]")
    p = problem
    n_w = p.n_workers
    cap = 2 * n_w if settle_searches is None else int(settle_searches)
    state = BestResponse(p, fixed, None, max_labels)
    state.set_rows(rows)
    state.dirty[:] = True
    rng = np.random.default_rng(seed)
    stats = ExchangeStats()

    def stop() -> bool:
        return should_stop is not None and should_stop()

    def settle(limit: float) -> bool:
        """Rounds over the dirty workers until none is, or ``limit`` searches: True when
        every row is a best response again."""
        done = 0
        while state.dirty.any():
            order = rng.permutation(n_w)
            for w in order[state.dirty[order]].tolist():
                if done >= limit:
                    return False
                state.respond(int(w))
                done += 1
        return True

    before = state.searches
    settle(np.inf)
    stats.start = stats.end = state.objective
    if n_w < 2:
        stats.searches = state.searches - before
        return state.rows.copy(), stats
    req, top = state.required, state.maximum
    failed = 0  # kicks in a row not kept
    pairs = weekend_days(p)
    charge = split_charge(p, pairs)

    def judge(snap: Snapshot) -> bool:
        """Keep the rows when the objective fell below ``snap``'s, else go back to it; True
        when kept."""
        nonlocal failed
        if state.objective < snap.objective - 1e-9 * max(1.0, abs(snap.objective)):
            stats.kept += 1
            failed = 0
            stats.end = state.objective
            if state.dirty.any():  # cut short: finish the rounds from the kept rows
                settle(np.inf)
                stats.end = state.objective
            return True
        state.restore(snap)
        return False

    while (max_kicks is None or stats.kicks < max_kicks) and not stop():
        if patience is not None and failed >= patience:
            break
        short = np.maximum(req - state.count, 0) * state.under
        surplus = np.maximum(state.count - req, 0) * state.over
        weight = np.concatenate([short.ravel(), surplus.ravel()])
        total = float(weight.sum())
        if not total > 0:
            break  # no cover penalty left to start a chain from
        stats.kicks += 1
        failed += 1
        if charge is not None and splits > 0 and rng.random() < splits:
            saved = split_kick(state, fixed, pairs, charge, rng, max_labels)
            if saved is not None:  # else another kind
                stats.split_kicks += 1
                settle(cap)
                stats.split_kept += judge(saved)
                continue
        if weekends > 0 and len(pairs) and rng.random() < weekends:
            saved = weekend_kick(state, fixed, pairs, rng, max_labels)
            if saved is not None:  # else a cover kick instead
                stats.weekend_kicks += 1
                settle(cap)
                stats.weekend_kept += judge(saved)
                continue
        k = int(rng.choice(len(weight), p=weight / total))
        under = k < short.size
        d, s = divmod(k % short.size, p.n_shifts)
        if under:
            cand = np.flatnonzero(
                (state.rows[:, d] != s)
                & ~fixed.worker_day[:, d]
                & np.asarray(p.available[:, d], dtype=bool)
            )
        else:
            cand = np.flatnonzero((state.rows[:, d] == s) & ~fixed.worker_day[:, d])
        if not len(cand):
            continue
        w = int(rng.choice(cand))
        cost = state.costs(w)
        off = np.zeros(p.n_days)
        if under:
            if not np.isfinite(cost[d, s]) or state.count[d, s] >= top[d, s]:
                continue
            keep_s = cost[d, s]
            cost[d, :] = np.inf
            cost[d, s] = keep_s
            off[d] = np.inf
        else:
            cost[d, s] = np.inf
        found = shortest_schedules(state.rules_of(w), cost, off, max_labels=max_labels)
        state.searches += 1
        if found.best is None:
            continue
        snap = state.snapshot()
        new = state.rows.copy()
        new[w] = found.best
        state.set_rows(new)
        settle(cap)
        judge(snap)
    stats.searches = state.searches - before
    return state.rows.copy(), stats


def weekend_days(problem: Problem) -> np.ndarray:
    """``(n, 2)``: the Saturday and the Sunday of each weekend wholly inside the horizon
    (:meth:`Calendar.sat_sun_pairs`)."""
    return problem.calendar.sat_sun_pairs()


def weekend_kick(
    state: BestResponse,
    fixed: Fixed,
    pairs: np.ndarray,
    rng: np.random.Generator,
    max_labels: int,
) -> Snapshot | None:
    """A weekend kick (module docstring) on ``state``: of the weekends of ``pairs`` where one
    worker works only the Saturday and another only the Sunday (neither kept there), one at
    random and two such workers ``A`` (available on the other day) and ``B``; ``B``
    re-planned with the weekend off, then ``A`` with both days worked and ``B``'s shift on
    ``B``'s day (any shift there when no schedule of ``A`` has ``B``'s). Returns the snapshot from
    before the kick (the rows changed, the others not yet responded), or None when no
    weekend offers a pair or a forced search found no schedule (the rows unchanged)."""
    p = state.p
    works = state.rows[:, pairs] >= 0  # (workers, weekends, 2)
    free = ~fixed.worker_day[:, pairs].any(axis=2)
    only = [works[:, :, i] & ~works[:, :, 1 - i] & free for i in (0, 1)]
    available = np.asarray(p.available, dtype=bool)[:, pairs]
    # A works day ``side`` only and may work the other day, B the other day only
    takers = [only[i] & available[:, :, 1 - i] for i in (0, 1)]
    offered = np.argwhere(
        np.stack([takers[i].any(axis=0) & only[1 - i].any(axis=0) for i in (0, 1)], axis=1)
    )  # (weekend, side)
    if not len(offered):
        return None
    k, side = (int(x) for x in offered[rng.integers(len(offered))])
    a = int(rng.choice(np.flatnonzero(takers[side][:, k])))
    b = int(rng.choice(np.flatnonzero(only[1 - side][:, k])))
    own, other = int(pairs[k, side]), int(pairs[k, 1 - side])
    s = int(state.rows[b, other])
    snap = state.snapshot()
    cost = state.costs(b)
    cost[pairs[k], :] = np.inf
    found = shortest_schedules(state.rules_of(b), cost, max_labels=max_labels)
    state.searches += 1
    if found.best is None:
        return None
    new = state.rows.copy()
    new[b] = found.best
    state.set_rows(new)
    cost = state.costs(a)
    off = np.zeros(p.n_days)
    off[[own, other]] = np.inf
    forced = np.full_like(cost, np.inf)
    forced[other, s] = cost[other, s]
    forced = np.where(np.arange(p.n_days)[:, None] == other, forced, cost)
    rules = state.rules_of(a)
    found = shortest_schedules(rules, forced, off, max_labels=max_labels)
    state.searches += 1
    if found.best is None:  # not shift ``s``: any shift on the other day
        found = shortest_schedules(rules, cost, off, max_labels=max_labels)
        state.searches += 1
    if found.best is None:
        state.restore(snap)
        return None
    new = state.rows.copy()
    new[a] = found.best
    state.set_rows(new)
    return snap


def split_charge(problem: Problem, pairs: np.ndarray) -> WeekendPrice | None:
    """The charge per one-day weekend of a split kick: the largest under-cover weight of a
    cell on the days of ``pairs`` (None when there is no such weekend or weight)."""
    if not len(pairs):
        return None
    top = float(np.asarray(problem.under_weight)[pairs.ravel()].max())
    return WeekendPrice.of(problem, split=top) if top > 0 else None


def split_kick(
    state: BestResponse,
    fixed: Fixed,
    pairs: np.ndarray,
    charge: WeekendPrice,
    rng: np.random.Generator,
    max_labels: int,
) -> Snapshot | None:
    """A split kick (module docstring) on ``state``: one worker at random among those working
    exactly one day of some weekend of ``pairs`` (neither day kept) re-planned under the true
    costs plus ``charge``. Returns the snapshot from before the kick (the row changed, the
    others not yet responded), or None when no worker works a one-day weekend or the search
    found no other schedule (the rows unchanged)."""
    works = state.rows[:, pairs] >= 0
    free = ~fixed.worker_day[:, pairs].any(axis=2)
    split = (works.sum(axis=2) == 1) & free
    cand = np.flatnonzero(split.any(axis=1))
    if not len(cand):
        return None
    w = int(rng.choice(cand))
    found = shortest_schedules(
        state.rules_of(w), state.costs(w), max_labels=max_labels, weekend=charge
    )
    state.searches += 1
    if found.best is None or np.array_equal(found.best, state.rows[w]):
        return None
    snap = state.snapshot()
    new = state.rows.copy()
    new[w] = found.best
    state.set_rows(new)
    return snap


def split_rounds(
    problem: Problem,
    fixed: Fixed,
    rows: np.ndarray,
    *,
    seed: int = 0,
    max_labels: int = DEFAULT_MAX_LABELS,
    max_rounds: int = 20,
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Best-response rounds under the true costs plus :func:`split_charge` per one-day
    weekend, from ``rows`` (every row meeting its worker's rules, or breaking them: such a row
    is replaced by the worker's search): each worker in a seeded order re-planned when the
    charged cost falls, until no row changes, ``max_rounds`` rounds or ``should_stop()``.
    Returns the rows (each meeting its worker's rules where the search found a schedule); a
    start for the true best responses whose weekends are whole where that costs no more than
    the charge. ``rows`` unchanged when the horizon has no whole weekend."""
    p = problem
    charge = split_charge(p, weekend_days(p))
    if charge is None:
        return np.asarray(rows, dtype=np.int64).copy()
    state = BestResponse(p, fixed, None, max_labels)
    state.set_rows(rows)
    state.dirty[:] = True
    rng = np.random.default_rng(seed)
    for _ in range(max_rounds):
        if not state.dirty.any():
            break
        for w in rng.permutation(p.n_workers).tolist():
            if should_stop is not None and should_stop():
                return state.rows.copy()
            if not state.dirty[w]:
                continue
            cost = state.costs(w)
            found = shortest_schedules(
                state.rules_of(w), cost, max_labels=max_labels, weekend=charge
            )
            state.dirty[w] = False
            if found.best is None:
                continue
            row = state.rows[w]
            old = schedule_cost(cost, row) + charge.charge(row)
            if found.costs[0] < old - 1e-9 * max(1.0, abs(old)):
                new = state.rows.copy()
                new[w] = found.best
                state.set_rows(new)
    return state.rows.copy()
