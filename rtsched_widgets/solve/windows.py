"""The ``windows`` strategy: column generation over a window of days, every other day held.

NRP profile, for long horizons (Instances 20, 22: 182 and 364 days). ``feasible`` ends at a
per-worker best-response equilibrium: no worker can lower the objective alone, whereas
filling an under-covered cell often takes shifts moved between several workers on the same
days. Column generation does that over all workers at once, and on a window of 28 days it
is the size of the Curtois & Qu Instances 1–12, where it nearly closes the gap in seconds.

From a hard-feasible roster (``feasible``'s construction when none is given — by default
the ``"fair_priced"`` one, which spreads each worker's minutes over the horizon where the
cover needs them —, then best-response rounds until no row changes or ``start_rounds``
rounds), repeatedly:

1. choose a window of ``window_days`` days: rolling over the horizon from a seeded start,
   each one ``stride`` days after the last (half a window by default), wrapping around
   (``choice="rolling"``); or (``choice="penalty"``) the window whose days hold the largest
   cover penalty of the best roster, among the starts not refused since the last accepted
   window (rolling once every start was refused);
2. hold every cell outside it (and every kept cell of ``keep``): each worker's schedules
   are then the current row outside the window and anything meeting the worker's rules
   inside it, minutes, shift counts and weekends included over the whole horizon;
3. column generation over those schedules with the labelling pricer (``price_labels``
   labels per (day, state), ``price_columns`` schedules per pricing; each worker's search
   covers only the window and the held days around it up to a run of held days off on each
   side, the held rest counted into the worker's limits: the same schedules as a search of
   the whole row, for the work of the window), the current roster's rows as the first
   columns, at most ``max_rounds`` pricing rounds; then the dive of
   :meth:`~rtsched_widgets.solve.columns.ColumnGeneration.dive` (``dive_rounds`` pricing
   rounds after each step) to a roster;
4. the window's roster replaces the current one when its objective is lower; then
   best-response rounds (as in ``feasible``: each worker's least-cost schedule with the
   others held, over the window and ``settle_margin`` days each side, the rest of each row
   held; whole rows when None) until no row changes, or ``max_settle_rounds`` rounds;
5. ``restarts`` ruin-and-recreate steps of ``feasible`` (:meth:`~rtsched_widgets.solve.
   feasible.Feasible.restart`) from the best roster.

*Paired sweeps* (``paired``; by default on horizons of at least :data:`PAIR_SPANS` spans of
:data:`DEFAULT_PAIR_DAYS` days: Instances 20, 22 and 24 among the bundled ones), after
``pair_after`` whole-row rounds and before the first window: each sweep re-plans two spans
of ``pair_days`` days (by default :data:`LONG_PAIR_DAYS` on problems of few shift types,
:data:`DEFAULT_PAIR_DAYS` on the others: :meth:`Windows.pair_days_for`) of every row, in a
seeded order, one worker's best response at a time, every other day of the rows held; each
worker's two spans are drawn before their search (:func:`paired_days`, from the cover as the
previous searches left it): a *late* span with a probability proportional to its cover
penalty and an *early* one uniformly among the spans that do not overlap it. A worker whose
yearly minutes are fixed in a band one shift wide can then move work from the early span to
the late one within the same search (the held days count into the minutes), and the search
over the two spans alone is far nearer exact than a whole-row one under the same beam: on
Instance24 it lowers the objective two to three times faster per CPU second than whole-row
rounds once their first rounds are done, and on Instances 20 and 22 the windows that follow
start from a far lower objective. They stop after ``max_pair_sweeps`` sweeps, after
``pair_patience`` sweeps in a row that lower nothing, at the time limit or on ``cancel``.

*Late kicks* (``kicks``, with the paired sweeps): at the end of a paired sweep every row is
a best response, yet moving a shift from an exactly covered early cell to a short late one
gains nothing for one worker alone (another worker would have to take the early cell over),
and the last weeks stay short. A kick (:func:`late_kick`) draws an under-covered cell with a
probability proportional to its penalty and a worker who may work it, searches that worker's
best schedule over a span of ``kick_days`` days holding the cell and an early span
(:func:`kick_days`) with the cell forced in, then lets the workers whose costs changed
respond over the same days (at most ``kick_searches`` searches); for a share
``kick_weekend`` of the kicks (:data:`KICK_WEEKEND`) the early span holds one of the worker's
one-day weekends when it has one (:func:`one_day_weekends`: the late shortfall of Instances
20, 22, 24 is on weekends, with nearly every worker at their max weekends, so the kick may
give up a weekend worked on one day only for the late one); it is kept when a roster better
than the best was reached, else undone. Once a paired sweep lowers the objective by less
than ``kick_gain`` (:data:`KICK_GAIN`) of it, sweeps and blocks of kicks (each
:data:`KICK_BLOCK` times the labels of the last sweep) alternate by their gain per label:
the next block is of the step whose last block gained more per label (a block of kicks
first). Both count towards ``pair_patience``.

*Weekend swaps* (a share ``kick_swap`` of the kicks, :data:`KICK_SWAP`; a late kick when
no weekend is split): on a weekend (:meth:`Calendar.sat_sun_weekends`) where worker ``A``
works only one day and worker ``B`` only the other (shift ``s`` on day ``e``;
:func:`split_weekends`), ``B`` is re-planned with the weekend off and then ``A`` with both
days worked, ``s`` forced on ``e`` (any shift there when ``A`` has no schedule with it;
:func:`swap_weekend`), over a span of ``kick_days`` days holding the weekend and a span
apart from it drawn by its cover penalty (:func:`swap_days`), every other day held; the
workers whose costs changed respond over the same days and the swap is kept when a roster
better than the best was reached, as for a late kick. Both weekends end whole, and one of
``B``'s worked weekends is free for a short weekend (the max-weekends rule binds for nearly
every worker on Instances 20, 22, 24), which ``B``'s search may spend in the second span.

Stops after ``max_windows`` windows, at the time limit or on ``cancel``. Every roster kept
meets every hard rule (each column meets its worker's rules; the dive never puts a cell
above its maximum), and each step accepts only a lower objective, so the result is never
worse than the start. The work is deterministic for a seed (rounds, windows, labels, the
LP's pivots); only the time limit and ``cancel`` stop a run at a point that depends on the
machine. ``cancel`` stops column generation within one pricing round; the dive then ends on
the columns at hand (no pricing: milliseconds), and is discarded.

The reported objective and hard count are the rule engine's score of the returned roster.
Other profiles go to ``feasible`` whole (which hands them to its own fallback; the result
carries this strategy's name and ``details["fallback"]``).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import numpy as np

from rtsched_widgets._optional import require
from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import ProgressCallback, RunClock, SolveResult, Strategy
from rtsched_widgets.solve.feasible import (
    DEFAULT_CONSTRUCTION_SHARE,
    DEFAULT_MAX_LABELS,
    BestResponse,
    Feasible,
    Sweeps,
    checked_construction,
    checked_share,
    construction_pace,
)
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.labelling import shortest_schedules
from rtsched_widgets.solve.scoring import roster_from_shifts, score_roster

DEFAULT_WINDOW_DAYS = 14
"""Days one window re-plans (measured on Instances 20 and 22: see ``benchmarks/RESULTS.md``)."""

DEFAULT_START_ROUNDS: int | None = None
"""Best-response rounds at most before the first window (None: until no row changes)."""

DEFAULT_SETTLE_MARGIN: int | None = None
"""Days each side of an accepted window that the rounds after it re-plan (None: whole rows;
21 was cheaper per window on Instance22 but worse on Instance20 at 60 s: see
``benchmarks/RESULTS.md``)."""

WINDOW_CHOICES = ("rolling", "penalty")
"""How ``windows`` picks the next window (see the module docstring, step 1)."""

DEFAULT_CONSTRUCTION = "fair_priced"
"""How ``feasible``'s construction shapes each worker's search (see
:data:`~rtsched_widgets.solve.feasible.CONSTRUCTIONS`): fair shares and a price per minute
beat the greedy construction on Instances 20, 22 and 24 at 10 s and 60 s (means of three
seeds at 60 s: 2–3.5 % lower; see ``benchmarks/RESULTS.md``)."""

WIDE_BEAM_SHIFTS = 16
"""Above this many shift types the best-response searches keep :data:`WIDE_MAX_LABELS`."""

WIDE_MAX_LABELS = 12
"""The best-response searches' beam on problems of many shift types (Instance24, 32 types:
at 60 s, three seeds, 176189–182217 against 186274–196044 with ``feasible``'s 6 labels; 4
labels did worse, 16 and 24 no better; Instance22, 10 types, did worse with 12: see
``benchmarks/RESULTS.md``)."""

DEFAULT_RESTARTS = 5
"""``feasible``'s ruin-and-recreate steps after each window."""

DEFAULT_PAIR_DAYS = 21
"""Days of each of the two spans that a paired sweep re-plans on problems of many shift
types (module docstring, paired sweeps; :data:`LONG_PAIR_DAYS` on the others; Instance24
from the construction, seed 0, 6 labels: 171163 after 9.5 CPU s with 21 days, about 175000
with 28 and 177000 with 35)."""

LONG_PAIR_DAYS = 28
"""Days of each span of the paired sweeps and late kicks on problems of at most
:data:`WIDE_BEAM_SHIFTS` shift types whose horizon holds :data:`PAIR_SPANS` of them
(Instances 20 and 22): at 60 s, side by side, lower than with 21 days in 10 of 12 pairs
(Instance22 6 of 6, mean 50272 -> 48509; Instance20 4 of 6, 7837 -> 7616; see
``benchmarks/RESULTS.md``), whereas 21 did better on Instance24."""

PAIR_SPANS = 4
"""Paired sweeps run by default on horizons of at least this many spans of ``pair_days``
days (84 days by default: Instances 20, 22, 24; 182 and 364 days, where they won at 60 s
against the rounds and windows alone, two seeds each: see ``benchmarks/RESULTS.md``)."""

DEFAULT_PAIR_LABELS = DEFAULT_MAX_LABELS
"""Labels per (day, state) in the paired sweeps' searches (Instance24, from the
construction, seed 0: 168665 after 16 sweeps in 12.9 CPU s with 6 labels, 168654 after 12
in 19.7 CPU s with 12; see ``benchmarks/RESULTS.md``)."""

DEFAULT_PAIR_AFTER = 0
"""Whole-row rounds before the paired sweeps (Instance24 at 60 s, seed 0, same window:
173371 from the construction straight on against 191167 with whole-row rounds alone; one
round first did worse than none under load: see ``benchmarks/RESULTS.md``)."""


DEFAULT_KICK_SEARCHES = 40
"""Searches of the other workers' responses after one late kick at most."""


KICK_GAIN = 0.001
"""Blocks of late kicks join the paired sweeps once a sweep lowers the objective by less
than this share of it (from the same rosters, per CPU second: kicks gained more than
sweeps on Instance22 after 30 sweeps, 0.08 % a sweep, and on Instance20, whose sweeps
stall early; less on Instance24 after 10 and 30 sweeps, 0.2-0.9 % a sweep; see
``benchmarks/RESULTS.md``)."""

KICK_WEEKEND = 0.5
"""The share of late kicks whose early span holds one of the kicked worker's one-day weekends
(module docstring, late kicks): at 60 s, side by side, load 5-9, lower than with none in 9
of 14 pairs (Instance22 6 of 7, mean 51066 -> 50043; Instance20 3 of 7, 7747 -> 7648); all
of them: Instance20 6 of 6, Instance22 3 of 6 (mean higher); see ``benchmarks/RESULTS.md``."""

KICK_SWAP = 1.0
"""The share of kicks that are weekend swaps (module docstring, weekend swaps; each kick
drawn, a late kick when no weekend is split). At 60 s, side by side, load 4-11: all of
them against none lower in 8 of 8 pairs (Instance20 mean 6113 -> 5703, Instance22 46040 ->
44932); half against none in 14 of 16 (Instance20 7611 -> 6690, Instance22 50596 ->
49533); all against half in 5 of 6; see ``benchmarks/RESULTS.md``."""

KICK_BLOCK = 4
"""A block of late kicks makes this many times the labels of the last paired sweep (and at
most as many kicks times the workers)."""


@dataclasses.dataclass(frozen=True)
class WindowOutcome:
    """What one window's column generation gave: the dive's rows (None when it found no
    roster or the LP failed), the LP value before the dive, the pricing rounds and columns."""

    rows: np.ndarray | None
    lp_value: float
    rounds: int
    columns: int


def held_outside(fixed: Fixed, rows: np.ndarray, window: tuple[int, int]) -> Fixed:
    """``fixed`` with every worker-day outside days ``[d0, d1)`` held at ``rows``."""
    d0, d1 = window
    worker_day = np.ones_like(fixed.worker_day)
    worker_day[:, d0:d1] = fixed.worker_day[:, d0:d1]
    shift = np.asarray(rows, dtype=np.int64).copy()
    inside = fixed.worker_day[:, d0:d1]
    shift[:, d0:d1] = np.where(inside, fixed.shift[:, d0:d1], shift[:, d0:d1])
    return Fixed(worker_day, shift, fixed.closed)


def repair_window(
    problem: Problem,
    fixed: Fixed,
    rows: np.ndarray,
    window: tuple[int, int],
    *,
    should_stop: Callable[[], bool],
    seed: int = 0,
    max_rounds: int = 40,
    dive_rounds: int = 3,
    dive_share: float = 0.25,
    price_labels: int = 32,
    price_columns: int = 3,
) -> WindowOutcome:
    """Column generation and a dive over days ``[d0, d1)`` of ``rows`` (a hard-feasible
    ``shift_of``), every other worker-day held (module docstring, steps 2 and 3)."""
    cp = require("ortools.sat.python.cp_model", "solve")
    from rtsched_widgets.solve.columns import ColumnGeneration, MasterLPError, NoSchedule

    cg = ColumnGeneration(
        cp,
        problem,
        held_outside(fixed, rows, window),
        seed=seed,
        threads=1,
        pricer="labelling",
        price_labels=price_labels,
        price_columns=price_columns,
        days=window,
        trim=True,
    )
    try:
        cg.add_roster(rows)
        cg.start()
        cg.converge(should_stop, max_rounds=max_rounds)
        lp_value = cg.lp_value
        if should_stop():
            return WindowOutcome(None, lp_value, cg.rounds, len(cg.pool))
        out = cg.dive(should_stop, rounds_per_step=dive_rounds, share=dive_share)
        return WindowOutcome(out, lp_value, cg.rounds, len(cg.pool))
    except (MasterLPError, NoSchedule):
        return WindowOutcome(None, float("nan"), cg.rounds, len(cg.pool))
    finally:
        cg.close()


def worst_window(state: BestResponse, length: int, refused: set[int]) -> tuple[int, int] | None:
    """The ``length`` days of largest cover penalty in ``state``'s rows (the earliest among
    equals), over the starts more than half a window away from every start in ``refused``;
    None when there is none."""
    short = np.maximum(state.required - state.count, 0) * state.under
    surplus = np.maximum(state.count - state.required, 0) * state.over
    per_day = (short + surplus).sum(axis=1)
    length = min(length, len(per_day))
    sums = np.convolve(per_day, np.ones(length), mode="valid")
    for d0 in refused:  # a refused start and its neighbours (half a window each side)
        sums[max(0, d0 - length // 2) : d0 + length // 2 + 1] = -np.inf
    start = int(np.argmax(sums))
    if sums[start] == -np.inf:
        return None
    return start, start + length


def paired_days(state: BestResponse, length: int, rng: np.random.Generator) -> np.ndarray:
    """The free days of one paired sweep (module docstring, paired sweeps): a *late* span of
    ``length`` days drawn with a probability proportional to the cover penalty of its days in
    ``state``'s rows (uniformly when there is none), and an *early* span of as many days drawn
    uniformly among those that do not overlap it (none when the horizon has no room). A
    boolean mask over the horizon."""
    short = np.maximum(state.required - state.count, 0) * state.under
    surplus = np.maximum(state.count - state.required, 0) * state.over
    per_day = (short + surplus).sum(axis=1)
    n_days = len(per_day)
    length = max(1, min(length, n_days))
    sums = np.convolve(per_day, np.ones(length), mode="valid")
    total = float(sums.sum())
    weights = sums / total if total > 0 else None
    late = int(rng.choice(len(sums), p=weights))
    free = np.zeros(n_days, dtype=bool)
    free[late : late + length] = True
    starts = np.arange(len(sums))
    apart = (starts + length <= late) | (starts >= late + length)
    if apart.any():
        early = int(rng.choice(starts[apart]))
        free[early : early + length] = True
    return free


def kick_days(
    n_days: int,
    day: int,
    length: int,
    rng: np.random.Generator,
    early_days: np.ndarray | None = None,
) -> np.ndarray:
    """The free days of one late kick (module docstring, late kicks): a span of ``length``
    days holding ``day`` (its start drawn uniformly) and an early span of as many days drawn
    uniformly among those that do not overlap it (none when the horizon has no room); with
    ``early_days``, among those of them that hold one of these days when there are any. A
    boolean mask over the horizon."""
    length = max(1, min(length, n_days))
    lo, hi = max(0, day - length + 1), min(day, n_days - length)
    late = int(rng.integers(lo, hi + 1))
    free = np.zeros(n_days, dtype=bool)
    free[late : late + length] = True
    starts = np.arange(n_days - length + 1)
    apart = (starts + length <= late) | (starts >= late + length)
    if early_days is not None and len(early_days):
        hold = np.zeros(n_days + 1, dtype=np.int64)
        hold[np.asarray(early_days, dtype=np.int64) + 1] = 1
        within = np.cumsum(hold)  # within[d]: early days before d
        holding = apart & (within[starts + length] > within[starts])
        if holding.any():
            apart = holding
    if apart.any():
        early = int(rng.choice(starts[apart]))
        free[early : early + length] = True
    return free


def one_day_weekends(problem: Problem, row: np.ndarray) -> np.ndarray:
    """The worked days of the weekends that ``row`` works on one day only (a Saturday or
    Sunday whose other day, within the horizon, is off): a weekend the max-weekends rule
    counts in full for one cell of work."""
    worked = np.asarray(row) >= 0
    days = [
        d
        for d in np.flatnonzero(worked).tolist()
        if (other := weekend_partner(problem, d)) is not None and not worked[other]
    ]
    return np.array(days, dtype=np.int64)


def weekend_partner(problem: Problem, day: int) -> int | None:
    """The other day of ``day``'s weekend (:attr:`Calendar.sat_sun_week`, as the
    max-weekends rule counts them); None when ``day`` is no Saturday or Sunday or the other
    day lies outside the horizon."""
    unit = problem.calendar.sat_sun_week
    if unit[day] < 0:
        return None
    for other in (day - 1, day + 1):
        if 0 <= other < problem.n_days and unit[other] == unit[day]:
            return other
    return None


@dataclasses.dataclass
class KickStats:
    """What the late kicks of one run did: kicks tried, kicks kept, searches made (``on``:
    whether the run makes any)."""

    on: bool = True
    after: int | None = None
    """The paired sweeps before the first block of kicks (None: none yet)."""
    kicks: int = 0
    kept: int = 0
    searches: int = 0
    swaps: int = 0
    """Weekend swaps among the kicks (:func:`weekend_swap`)."""
    swaps_kept: int = 0


def late_kick(
    run: Sweeps,
    rng: np.random.Generator,
    length: int,
    max_searches: int,
    stats: KickStats,
    labels: int = DEFAULT_PAIR_LABELS,
    early_weekend: bool = False,
) -> bool | None:
    """One late kick (module docstring) from ``run``'s best roster: an under-covered cell
    drawn with a probability proportional to its penalty, a worker who may work it drawn
    uniformly and re-planned with it forced in over :func:`kick_days` (``early_weekend``:
    the early span holding one of the worker's :func:`one_day_weekends`), then the workers
    whose costs changed respond over the same days (seeded orders, at most ``max_searches``
    searches); kept when a state better than the best was reached (``run.best``), else
    undone. True when kept. The state's window is None afterwards; every row of the best
    is marked dirty (a search over two spans says nothing of the whole row)."""
    state, p = run.state, run.state.p
    state.restore(run.best)
    short = np.maximum(state.required - state.count, 0) * state.under
    total = float(short.sum())
    if not total > 0:
        return None
    stats.kicks += 1
    k = int(rng.choice(short.size, p=(short / total).ravel()))
    d, s = divmod(k, p.n_shifts)
    fixed = state.fixed
    cand = np.flatnonzero(
        (state.rows[:, d] != s) & ~fixed.worker_day[:, d] & np.asarray(p.available[:, d], bool)
    )
    if not len(cand):
        return False
    w = int(rng.choice(cand))
    before = run.best.key
    early = one_day_weekends(p, state.rows[w]) if early_weekend else None
    state.set_window(kick_days(p.n_days, d, length, rng, early))
    beam, state.max_labels = state.max_labels, labels
    try:
        cost = state.costs(w)
        if not np.isfinite(cost[d, s]):
            return False
        forced = cost[d, s]
        cost[d, :] = np.inf
        cost[d, s] = forced
        off = np.zeros(p.n_days)
        off[d] = np.inf
        found = shortest_schedules(state.rules_of(w), cost, off, max_labels=labels)
        state.labels += found.labels
        state.searches += 1
        stats.searches += 1
        if found.best is None:
            return False
        state.dirty[:] = False
        state._replace(w, found.best)
        state.objective = state._objective()
        stats.searches += respond_to_kick(run, rng, max_searches, labels)
    finally:
        state.max_labels = beam
        state.set_window(None)
        state.restore(run.best)
    return keep_if_lower(run, before, stats)


def respond_to_kick(run: Sweeps, rng: np.random.Generator, max_searches: int, labels: int) -> int:
    """The workers whose costs a kick changed (``state.dirty``) respond over the state's
    window, in seeded random orders, until none is dirty, the clock stops or
    ``max_searches`` searches are made; the number of searches made."""
    state = run.state
    done = 0
    while state.dirty.any() and done < max_searches:
        if run.clock.should_stop():
            break
        order = rng.permutation(state.p.n_workers)
        for v in order[state.dirty[order]].tolist():
            if done >= max_searches:
                break
            run._respond(int(v), None, False, False, labels)
            done += 1
    return done


def keep_if_lower(run: Sweeps, before: tuple[int, float], stats: KickStats) -> bool:
    """Whether a kick lowered ``run``'s best below ``before`` (the best's key when the kick
    began; the state already restored to the best): when it did, the kick is counted kept
    and every row of the new best marked dirty (a search over two spans says nothing of the
    whole row)."""
    if not run.best.key < before:
        return False
    stats.kept += 1
    run.state.dirty[:] = True
    run.best = run.state.snapshot()
    return True


def split_weekends(state: BestResponse) -> np.ndarray:
    """The weekends of ``state``'s rows that two workers split (module docstring, weekend
    swaps): rows ``(weekend, side)``, ``side`` 0 when a worker ``A`` works only the Saturday
    of whole weekend ``weekend`` (:meth:`Calendar.sat_sun_weekends`, both days inside the
    horizon) and may work the Sunday while another worker ``B`` works only the Sunday (1:
    the days swapped), neither kept on either day."""
    pairs = state.p.calendar.sat_sun_pairs()
    if not len(pairs):
        return np.zeros((0, 2), dtype=np.int64)
    works = state.rows[:, pairs] >= 0  # (workers, weekends, 2)
    free = ~state.fixed.worker_day[:, pairs].any(axis=2)
    only = [works[:, :, i] & ~works[:, :, 1 - i] & free for i in (0, 1)]
    available = np.asarray(state.p.available, dtype=bool)[:, pairs]
    takers = [only[i] & available[:, :, 1 - i] for i in (0, 1)]
    offered = np.stack([takers[i].any(axis=0) & only[1 - i].any(axis=0) for i in (0, 1)], axis=1)
    return np.argwhere(offered).astype(np.int64)


def swap_days(
    state: BestResponse, days: np.ndarray, length: int, rng: np.random.Generator
) -> np.ndarray:
    """The free days of one weekend swap: a span of ``length`` days holding ``days`` (the
    weekend; its start drawn uniformly) and a span of as many days apart from it drawn with
    a probability proportional to the cover penalty of its days (where the freed weekend
    may go; uniformly when there is none, none when the horizon has no room). A boolean
    mask over the horizon."""
    n_days = state.p.n_days
    length = max(1, min(length, n_days))
    first, last = int(days.min()), int(days.max())
    lo, hi = max(0, last - length + 1), min(first, n_days - length)
    start = int(rng.integers(lo, max(lo, hi) + 1))
    free = np.zeros(n_days, dtype=bool)
    free[start : start + length] = True
    free[days] = True
    short = np.maximum(state.required - state.count, 0) * state.under
    surplus = np.maximum(state.count - state.required, 0) * state.over
    sums = np.convolve((short + surplus).sum(axis=1), np.ones(length), mode="valid")
    starts = np.arange(len(sums))
    apart = (starts + length <= start) | (starts >= start + length)
    if apart.any():
        weights = sums[apart]
        total = float(weights.sum())
        other = int(rng.choice(starts[apart], p=weights / total if total > 0 else None))
        free[other : other + length] = True
    return free


def weekend_swap(
    run: Sweeps,
    rng: np.random.Generator,
    length: int,
    max_searches: int,
    stats: KickStats,
    labels: int = DEFAULT_PAIR_LABELS,
) -> bool | None:
    """One weekend swap (module docstring) from ``run``'s best roster: of the weekends two
    workers split (:func:`split_weekends`), one at random and two such workers ``A`` and
    ``B`` (drawn uniformly); over :func:`swap_days` (every other day held), ``B`` re-planned
    with the weekend off, then ``A`` with both days worked and ``B``'s shift on ``B``'s day
    (any shift there when no schedule of ``A`` has it), then the workers whose costs changed
    respond over the same days (seeded orders, at most ``max_searches`` searches); kept when
    a state better than the best was reached, else undone. True when kept, False when not
    (or a forced search found nothing), None when no weekend is split. The state's window
    is None afterwards; every row of a kept best is marked dirty."""
    state, p = run.state, run.state.p
    state.restore(run.best)
    offered = split_weekends(state)
    if not len(offered):
        return None
    stats.kicks += 1
    stats.swaps += 1
    k, side = (int(x) for x in offered[rng.integers(len(offered))])
    days = p.calendar.sat_sun_pairs()[k]
    works = state.rows[:, days] >= 0
    free = ~state.fixed.worker_day[:, days].any(axis=1)
    available = np.asarray(p.available[:, int(days[1 - side])], dtype=bool)
    takers = np.flatnonzero(works[:, side] & ~works[:, 1 - side] & free & available)
    givers = np.flatnonzero(works[:, 1 - side] & ~works[:, side] & free)
    a, b = int(rng.choice(takers)), int(rng.choice(givers))
    before = run.best.key
    state.set_window(swap_days(state, days, length, rng))
    beam, state.max_labels = state.max_labels, labels
    try:
        if not swap_weekend(state, a, b, days, side):
            return False
        key = (int(state.hard.sum()), state.objective)
        if key < run.best.key:
            run.best = state.snapshot()
            run.clock.improved(state.objective, key[0], state.searches, shifts=run.best.rows)
        stats.searches += respond_to_kick(run, rng, max_searches, labels)
    finally:
        state.max_labels = beam
        state.set_window(None)
        state.restore(run.best)
    kept = keep_if_lower(run, before, stats)
    stats.swaps_kept += kept
    return kept


def swap_weekend(state: BestResponse, a: int, b: int, days: np.ndarray, side: int) -> bool:
    """The swap of a weekend ``days`` (Saturday, Sunday) that ``a`` works on day
    ``days[side]`` only and ``b`` on the other day only, over the state's window: ``b``
    re-planned with both days off, then ``a`` with both worked and ``b``'s shift on ``b``'s
    day (any shift there when no schedule of ``a`` has it). True when both searches found a
    schedule (the rows replaced, the objective up to date, the workers whose costs changed
    dirty); False when one found none (then ``b``'s row may be replaced already: restore a
    snapshot)."""
    other = int(days[1 - side])
    shift = int(state.rows[b, other])
    return _swap_search(state, b, days, None) and _swap_search(state, a, days, (other, shift))


def _swap_search(
    state: BestResponse, w: int, days: np.ndarray, forced: tuple[int, int] | None
) -> bool:
    """Re-plan worker ``w`` over the state's window: with the weekend ``days`` off (``forced``
    None), or with both worked and shift ``s`` on day ``e`` for ``forced = (e, s)`` (any
    shift on ``e`` when no schedule has ``s``). Replaces the row (its objective kept up to
    date, the workers whose costs changed dirty) and returns True when a schedule was
    found; False (the row as it was) otherwise."""
    cost = state.costs(w)
    rules = state.rules_of(w)
    tries: list[tuple[np.ndarray, np.ndarray | None]] = []
    if forced is None:
        cost[days, :] = np.inf
        tries.append((cost, None))
    else:
        e, s = forced
        off = np.zeros(state.p.n_days)
        off[days] = np.inf
        pinned = cost.copy()
        pinned[e, :] = np.inf
        pinned[e, s] = cost[e, s]
        tries += [(pinned, off), (cost, off)]
    for costs, off_cost in tries:
        found = shortest_schedules(rules, costs, off_cost, max_labels=state.max_labels)
        state.labels += found.labels
        state.searches += 1
        if found.best is not None:
            state._replace(w, found.best)
            state.objective = state._objective()
            return True
    return False


class Windows(Strategy):
    """Windowed column generation with best-response rounds between (module docstring).

    Options: ``window_days`` days per window; ``stride`` days between consecutive windows
    (None: half a window); ``max_windows`` windows in all (None: the time limit alone);
    ``max_rounds`` pricing rounds per window before the dive; ``dive_rounds`` pricing rounds
    after each dive step and ``dive_share`` the share of the unfixed workers fixed per step;
    ``price_labels`` and ``price_columns`` the labelling pricer's beam and schedules per
    pricing; ``max_labels`` the beam of the best-response searches (None:
    :meth:`labels_for`); ``max_settle_rounds`` best-response rounds after each accepted
    window (0: none) and ``settle_margin`` the days each side of the window they re-plan
    (None: whole rows); ``restarts`` ruin-and-recreate
    steps of ``feasible`` after each window (0: none); ``start_rounds`` best-response rounds
    at most between the construction and the first window (None: until no row changes; on
    Instance24 they do not converge within 60 s); ``choice`` how the next window is picked
    (``"rolling"`` or ``"penalty"``: module docstring, step 1); ``construction`` how the
    construction shapes each worker's search (one of
    :data:`~rtsched_widgets.solve.feasible.CONSTRUCTIONS`); ``paired`` whether paired
    sweeps run (None: :meth:`pairs_on`), after ``pair_after`` whole-row rounds at most (or
    ``start_rounds`` when fewer), over two spans of ``pair_days`` days (None:
    :meth:`pair_days_for`), at most
    ``max_pair_sweeps`` of them (None: no limit) and ``pair_patience`` in a row that lower
    nothing, their searches keeping ``pair_labels`` labels per (day, state) (module
    docstring, paired sweeps); ``kicks`` whether blocks of late kicks alternate with the
    paired sweeps once a sweep lowers the objective by less than ``kick_gain`` of it, each
    kick over spans of ``kick_days`` days (None: those of the paired sweeps) followed by at
    most ``kick_searches`` searches, its early span on one of the worker's one-day weekends
    for a share ``kick_weekend`` of the kicks (each drawn with that probability; True: all)
    (module docstring, late kicks), a share ``kick_swap`` of the kicks weekend swaps instead
    (module docstring, weekend swaps); ``construction_labels`` the construction's beam (None:
    ``max_labels``, else ``feasible``'s default); ``construction_share`` the share of the
    time limit by which the construction should end, its searches narrow behind that pace
    (None: no pace; :meth:`~rtsched_widgets.solve.feasible.Sweeps.sweep`).
    """

    name = "windows"

    def __init__(
        self,
        *,
        window_days: int = DEFAULT_WINDOW_DAYS,
        choice: str = "rolling",
        stride: int | None = None,
        max_windows: int | None = None,
        max_rounds: int = 40,
        dive_rounds: int = 3,
        dive_share: float = 0.25,
        price_labels: int = 32,
        price_columns: int = 3,
        max_labels: int | None = None,
        max_settle_rounds: int = 20,
        restarts: int = DEFAULT_RESTARTS,
        start_rounds: int | None = DEFAULT_START_ROUNDS,
        settle_margin: int | None = DEFAULT_SETTLE_MARGIN,
        construction: str = DEFAULT_CONSTRUCTION,
        paired: bool | None = None,
        pair_after: int = DEFAULT_PAIR_AFTER,
        pair_days: int | None = None,
        max_pair_sweeps: int | None = None,
        pair_patience: int = 10,
        pair_labels: int = DEFAULT_PAIR_LABELS,
        kicks: bool = True,
        kick_days: int | None = None,
        kick_searches: int = DEFAULT_KICK_SEARCHES,
        kick_gain: float = KICK_GAIN,
        kick_weekend: float = KICK_WEEKEND,
        kick_swap: float = KICK_SWAP,
        construction_labels: int | None = None,
        construction_share: float | None = DEFAULT_CONSTRUCTION_SHARE,
    ) -> None:
        self.construction = checked_construction(construction)
        self.construction_share = checked_share(construction_share)
        if (
            pair_after < 0
            or (pair_days is not None and pair_days < 1)
            or pair_patience < 1
            or pair_labels < 1
        ):
            raise ValueError(
                f"pair_after, pair_days, pair_patience, pair_labels: {pair_after}, {pair_days}, "
                f"{pair_patience}, {pair_labels} — use 0 or more, then 1 or more"
            )
        if max_pair_sweeps is not None and max_pair_sweeps < 0:
            raise ValueError(f"max_pair_sweeps: {max_pair_sweeps} — use 0 or more, or None")
        self.paired = paired
        if (kick_days is not None and kick_days < 1) or kick_searches < 0:
            raise ValueError(
                f"kick_days, kick_searches: {kick_days}, {kick_searches} — use 1 or more, 0 or more"
            )
        self.kicks = bool(kicks)
        self.kick_days = None if kick_days is None else int(kick_days)
        self.kick_searches = int(kick_searches)
        if not 0 <= kick_gain < 1:
            raise ValueError(f"kick_gain: {kick_gain} — use a fraction in [0, 1)")
        self.kick_gain = float(kick_gain)
        if not 0 <= kick_weekend <= 1:
            raise ValueError(f"kick_weekend: {kick_weekend} — use a fraction in [0, 1]")
        self.kick_weekend = float(kick_weekend)
        if not 0 <= kick_swap <= 1:
            raise ValueError(f"kick_swap: {kick_swap} — use a fraction in [0, 1]")
        self.kick_swap = float(kick_swap)
        self.pair_after = int(pair_after)
        self.pair_days = None if pair_days is None else int(pair_days)
        self.max_pair_sweeps = max_pair_sweeps
        self.pair_patience = int(pair_patience)
        self.pair_labels = int(pair_labels)
        if construction_labels is not None and construction_labels < 1:
            raise ValueError(
                f"construction_labels: {construction_labels} — keep at least one label per state"
            )
        self.construction_labels = construction_labels
        if window_days < 1:
            raise ValueError(f"window_days: {window_days} — use 1 or more days")
        if stride is not None and stride < 1:
            raise ValueError(f"stride: {stride} — use 1 or more days, or None")
        if max_windows is not None and max_windows < 0:
            raise ValueError(f"max_windows: {max_windows} — use 0 or more, or None")
        if max_rounds < 1 or dive_rounds < 0 or max_settle_rounds < 0:
            raise ValueError(
                f"max_rounds, dive_rounds, max_settle_rounds: {max_rounds}, {dive_rounds}, "
                f"{max_settle_rounds} — use 1 or more, 0 or more, 0 or more"
            )
        if not 0 < dive_share <= 1:
            raise ValueError(f"dive_share: {dive_share} — use a fraction in (0, 1]")
        if price_labels < 1 or price_columns < 1:
            raise ValueError(
                f"price_labels, price_columns: {price_labels}, {price_columns} — use 1 or more"
            )
        if choice not in WINDOW_CHOICES:
            raise ValueError(f"choice: {choice!r} — use one of {WINDOW_CHOICES}")
        self.choice = choice
        self.window_days = int(window_days)
        self.stride = None if stride is None else int(stride)
        self.max_windows = max_windows
        self.max_rounds = int(max_rounds)
        self.dive_rounds = int(dive_rounds)
        self.dive_share = float(dive_share)
        self.price_labels = int(price_labels)
        self.price_columns = int(price_columns)
        self.max_labels = None if max_labels is None else int(max_labels)
        if self.max_labels is not None and self.max_labels < 1:
            raise ValueError(f"max_labels: {max_labels} — keep at least one label per state")
        self.max_settle_rounds = int(max_settle_rounds)
        if restarts < 0:
            raise ValueError(f"restarts: {restarts} — use 0 or more")
        self.restarts = int(restarts)
        if start_rounds is not None and start_rounds < 0:
            raise ValueError(f"start_rounds: {start_rounds} — use 0 or more, or None")
        self.start_rounds = start_rounds
        if settle_margin is not None and settle_margin < 0:
            raise ValueError(f"settle_margin: {settle_margin} — use 0 or more days, or None")
        self.settle_margin = settle_margin
        self.feasible = Feasible(max_labels=self.max_labels or DEFAULT_MAX_LABELS)

    def labels_for(self, problem: Problem) -> int:
        """The beam of the best-response searches on ``problem`` after the construction:
        ``max_labels`` when given, else :data:`WIDE_MAX_LABELS` on problems of more than
        :data:`WIDE_BEAM_SHIFTS` shift types and ``feasible``'s default otherwise (the
        construction, which always completes, keeps ``feasible``'s default unless
        ``max_labels`` is given: a wider beam would double its time on Instance24)."""
        if self.max_labels is not None:
            return self.max_labels
        if problem.n_shifts > WIDE_BEAM_SHIFTS:
            return WIDE_MAX_LABELS
        return DEFAULT_MAX_LABELS

    def _construction_labels(self) -> int:
        """The construction's beam: ``construction_labels``, else ``max_labels``, else
        ``feasible``'s default."""
        return self.construction_labels or self.max_labels or DEFAULT_MAX_LABELS

    def pairs_on(self, problem: Problem) -> bool:
        """Whether a run on ``problem`` has paired sweeps: ``paired`` when given, else on
        horizons of at least :data:`PAIR_SPANS` times ``pair_days`` days (by default
        :data:`DEFAULT_PAIR_DAYS`)."""
        if self.paired is not None:
            return self.paired
        return problem.n_days >= PAIR_SPANS * (self.pair_days or DEFAULT_PAIR_DAYS)

    def pair_days_for(self, problem: Problem) -> int:
        """The days of each span of the paired sweeps on ``problem``: ``pair_days`` when
        given, else :data:`LONG_PAIR_DAYS` on problems of at most :data:`WIDE_BEAM_SHIFTS`
        shift types whose horizon holds :data:`PAIR_SPANS` such spans, and
        :data:`DEFAULT_PAIR_DAYS` otherwise."""
        if self.pair_days is not None:
            return self.pair_days
        if problem.n_shifts <= WIDE_BEAM_SHIFTS and problem.n_days >= PAIR_SPANS * LONG_PAIR_DAYS:
            return LONG_PAIR_DAYS
        return DEFAULT_PAIR_DAYS

    def kick_days_for(self, problem: Problem) -> int:
        """The days of each span of a late kick on ``problem``: ``kick_days`` when given,
        else those of the paired sweeps (:meth:`pair_days_for`)."""
        return self.kick_days if self.kick_days is not None else self.pair_days_for(problem)

    def windows(self, problem: Problem, seed: int) -> Callable[[], tuple[int, int]]:
        """The window sequence of a run: rolling from a seeded start, ``stride`` apart."""
        n_days = problem.n_days
        length = min(self.window_days, n_days)
        stride = self.stride if self.stride is not None else max(1, length // 2)
        span = n_days - length + 1
        start = int(np.random.default_rng(seed).integers(0, span))
        state = {"next": start}

        def following() -> tuple[int, int]:
            d0 = state["next"]
            state["next"] = (d0 + stride) % span if span > 1 else 0
            return d0, d0 + length

        return following

    def solve(
        self,
        problem: Problem,
        *,
        roster: Roster | None = None,
        time_limit: float = 10.0,
        seed: int = 0,
        keep: np.ndarray | Keep | None = None,
        cancel: threading.Event | None = None,
        progress: ProgressCallback | None = None,
    ) -> SolveResult:
        if problem.profile != "nrp":
            result = Feasible().solve(
                problem,
                roster=roster,
                time_limit=time_limit,
                seed=seed,
                keep=keep,
                cancel=cancel,
                progress=progress,
            )
            return dataclasses.replace(result, strategy=self.name)
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)
        # the construction (not stoppable) at feasible's beam, the later searches at theirs
        state = BestResponse(problem, fixed, roster, self._construction_labels())
        run = Sweeps(state, clock, None)
        if roster is not None and not state.hard.any():
            clock.improved(state.objective, 0, shifts=state.rows)
        rng = np.random.default_rng(seed)
        # a hard-feasible start: the construction (always completes), rounds to convergence
        run.sweep(
            rng.permutation(problem.n_workers),
            stoppable=False,
            construction=self.construction,
            pace=construction_pace(clock, self.construction_share),
        )
        state.max_labels = self.labels_for(problem)
        pairs = self.pairs_on(problem)
        run.max_rounds = self.start_rounds
        if pairs:
            run.max_rounds = min(self.pair_after, self.start_rounds or self.pair_after)
        run.settle(rng)  # until no row changes or start_rounds rounds (or the clock)
        start_rounds = run.rounds
        kicks = KickStats(on=pairs and self.kicks)
        pair_sweeps = self._pair_sweeps(run, rng, kicks) if pairs else 0
        following = self.windows(problem, seed)
        refused: set[int] = set()  # window starts refused since the last accepted window
        done = accepted = rounds = 0
        while self.max_windows is None or done < self.max_windows:
            if clock.should_stop() or run.best.key[0] > 0:
                break
            state.restore(run.best)
            window = None
            if self.choice == "penalty":
                window = worst_window(state, self.window_days, refused)
            if window is None:
                window = following()
            outcome = repair_window(
                problem,
                fixed,
                state.rows,
                window,
                should_stop=clock.should_stop,
                seed=seed + done,
                max_rounds=self.max_rounds,
                dive_rounds=self.dive_rounds,
                dive_share=self.dive_share,
                price_labels=self.price_labels,
                price_columns=self.price_columns,
            )
            done += 1
            rounds += outcome.rounds
            clock.report(done, f"window {window[0]}-{window[1]}: LP {outcome.lp_value:.1f}")
            if outcome.rows is None or clock.cancelled():
                refused.add(window[0])
                continue
            if not self._accept(state, run, outcome.rows):
                refused.add(window[0])
            else:
                accepted += 1
                refused.clear()
                state.set_window(self._settle_span(problem, window))
                self._settle(run, rng)
            run.max_rounds = None
            for _ in range(self.restarts):
                if clock.should_stop() or not self.feasible.restart(run, rng):
                    break
            state.set_window(None)
        state.restore(run.best)
        out = roster_from_shifts(problem, state.rows, like=roster)
        hard, soft = score_roster(problem, out)
        return clock.result(
            out,
            soft,
            hard,
            "feasible" if hard == 0 else "unknown",
            seed,
            state.searches,
            windows=done,
            start_rounds=start_rounds,
            late_searches=run.late_searches,
            paced_searches=run.paced_searches,
            pair_sweeps=pair_sweeps,
            kicks=kicks.kicks,
            kicks_kept=kicks.kept,
            kick_swaps=kicks.swaps,
            kick_swaps_kept=kicks.swaps_kept,
            kicks_after=kicks.after,
            accepted=accepted,
            cg_rounds=rounds,
            searches=state.searches,
            tracked_objective=run.best.objective,
        )

    def _pair_sweeps(self, run: Sweeps, rng: np.random.Generator, kicks: KickStats) -> int:
        """Paired sweeps and blocks of late kicks (module docstring) from ``run``'s best
        roster, until ``max_pair_sweeps`` sweeps, ``pair_patience`` sweeps or blocks in a
        row that lower nothing, the time limit or ``cancel``; the number of sweeps done
        (``kicks`` counts the kicks)."""
        state, clock = run.state, run.clock
        labels, state.max_labels = state.max_labels, self.pair_labels
        # gain per label of each step's last block; untried: inf (sweeps first on a tie)
        rate = {"sweep": np.inf, "kicks": np.inf}
        sweep_labels = 0
        opened = False  # kicks join once a sweep lowers the objective by little
        done = idle = 0
        days = self.pair_days_for(state.p)
        while self.max_pair_sweeps is None or done < self.max_pair_sweeps:
            if idle >= self.pair_patience or clock.should_stop() or run.best.key[0] > 0:
                break
            state.restore(run.best)
            before, used = run.best.key, state.labels
            finished = True
            if opened and rate["kicks"] > rate["sweep"]:
                step = "kicks"
                finished = self._kick_block(run, rng, kicks, KICK_BLOCK * sweep_labels)
            else:
                step = "sweep"
                for w in rng.permutation(state.p.n_workers).tolist():
                    # each worker its own two spans, from the cover as it is now; no compiled
                    # rules kept (each worker is searched once: memory)
                    state.set_window(paired_days(state, days, rng), cache=False)
                    finished = run.sweep(np.array([w]))
                    if not finished:
                        break
                state.set_window(None)
                done += 1
                sweep_labels = state.labels - used
                if (
                    kicks.on
                    and not opened
                    and before[1] - run.best.objective < self.kick_gain * before[1]
                ):
                    opened, kicks.after = True, done
            rate[step] = (before[1] - run.best.objective) / max(1, state.labels - used)
            idle = idle + 1 if run.best.key == before else 0
            if not finished:
                break
        # a search over two spans says nothing of the whole row: every worker is dirty
        state.restore(run.best)
        state.dirty[:] = True
        run.best = state.snapshot()
        state.max_labels = labels
        return done

    def _kick_block(
        self, run: Sweeps, rng: np.random.Generator, kicks: KickStats, budget: int
    ) -> bool:
        """Late kicks from ``run``'s best roster until their searches have made ``budget``
        labels (at most one kick per worker); False when the clock stopped it."""
        state = run.state
        used = state.labels
        for _ in range(KICK_BLOCK * state.p.n_workers):
            if run.clock.should_stop():
                return False
            if state.labels - used >= budget:
                break
            kick = None
            if self._draw(rng, self.kick_swap):
                kick = weekend_swap(
                    run,
                    rng,
                    self.kick_days_for(state.p),
                    self.kick_searches,
                    kicks,
                    self.pair_labels,
                )
            if kick is None:  # a late kick (also when no weekend is split)
                kick = late_kick(
                    run,
                    rng,
                    self.kick_days_for(state.p),
                    self.kick_searches,
                    kicks,
                    self.pair_labels,
                    early_weekend=self._draw(rng, self.kick_weekend),
                )
            if kick is None:
                break  # no cover shortfall left
        return True

    @staticmethod
    def _draw(rng: np.random.Generator, share: float) -> bool:
        """True with probability ``share``: always at 1, never at 0 (no draw from ``rng`` at
        either), else drawn (whether the next kick is a weekend swap, ``kick_swap``, or its
        early span goes on a one-day weekend, ``kick_weekend``)."""
        if share in (0.0, 1.0):
            return share == 1.0
        return bool(rng.random() < share)

    def _accept(self, state: BestResponse, run: Sweeps, rows: np.ndarray) -> bool:
        """Put the window's ``rows`` into ``state`` when they lower the objective and record
        the new best on ``run``; False (and the best restored) otherwise."""
        state.set_rows(rows)
        key = (int(state.hard.sum()), state.objective)
        if not key < run.best.key:
            state.restore(run.best)
            return False
        run.best = state.snapshot()
        run.clock.improved(state.objective, key[0], state.searches, shifts=run.best.rows)
        return True

    def _settle_span(self, problem: Problem, window: tuple[int, int]) -> tuple[int, int] | None:
        """The days the rounds after an accepted window re-plan: the window and
        ``settle_margin`` days each side (None: whole rows)."""
        if self.settle_margin is None:
            return None
        d0, d1 = window
        return max(0, d0 - self.settle_margin), min(problem.n_days, d1 + self.settle_margin)

    def _settle(self, run: Sweeps, rng: np.random.Generator) -> None:
        """Best-response rounds until no row changes or ``max_settle_rounds`` more."""
        run.max_rounds = run.rounds + self.max_settle_rounds
        run.settle(rng)
