"""Local search with late acceptance on incremental score deltas.

The cost of a roster is ``hard_weight x hard violations + soft penalty`` (``hard_weight``
defaults to 10^6, so any hard violation outweighs any realistic soft penalty). Moves:

- ``change``: one free worker-day gets another shift, or off, or a shift when off
  (assign / unassign / reassign to another shift type);
- ``reassign``: the worker of an occupied slot gives it to a worker who is off that day;
- ``swap``: two workers working the same day exchange their shift types.

Default (``evaluator="batch"``): each iteration draws a move shape (seeded, by ``move_mix``)
and a window of ``window`` consecutive days, evaluates EVERY candidate of that shape in the
window in one vectorised pass of :class:`~rtsched_widgets.solve.fast_eval.FastEvaluator`
(``change``: every free worker-day of the window to every other shift and to off;
``reassign`` and ``swap``: up to 8 x window random leaving worker-days (working, movable),
every possible taker on the same day), and submits the best
candidate (seeded tie-break) to the acceptance test. Each candidate counts as one move
evaluation. With ``evaluator="validator"`` each iteration draws ONE random move and evaluates
it with ``Validator.score_delta`` (the reference path).

Late acceptance hill climbing (Burke & Bykov): a move is accepted when the new cost is no
worse than the current cost or than the cost ``history`` iterations ago. Worker-days fixed by
``keep`` or pinned, and cells closed by ``keep``, are never changed. The best roster seen is
returned (its score recomputed by the rule engine). With ``max_moves`` set the run is
deterministic for a seed; with only a time limit the trajectory is the same but may stop
earlier or later.

Without a starting ``roster`` the search starts from the greedy construction.
"""

from __future__ import annotations

import random
import threading

import numpy as np

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.solve.base import (
    ProgressCallback,
    RunClock,
    SolveResult,
    Status,
    Strategy,
)
from rtsched_widgets.solve.fast_eval import FastEvaluator
from rtsched_widgets.solve.greedy import construct
from rtsched_widgets.solve.keep import Fixed, Keep, normalize_keep
from rtsched_widgets.solve.scoring import roster_from_shifts, validator_for
from rtsched_widgets.solve.start import feasible_start


class LocalSearch(Strategy):
    """Late-acceptance local search.

    Options: ``history`` length of the late-acceptance list (1000); ``max_moves`` stop after
    this many evaluated moves (None: only the time limit); ``hard_weight`` (10^6);
    ``move_mix`` relative frequencies of (change, reassign, swap) moves ((1, 1, 1));
    ``evaluator``: ``"batch"`` (default: every candidate of a move shape on a window of
    ``window`` days (None: the whole horizon) evaluated at once by :class:`FastEvaluator`,
    the best submitted) or
    ``"validator"`` (one random move per iteration through ``Validator.score_delta``; the
    reference path, 20–75x slower).
    """

    name = "local_search"

    def __init__(
        self,
        *,
        history: int = 1000,
        max_moves: int | None = None,
        hard_weight: float = 1e6,
        move_mix: tuple[float, float, float] = (1.0, 1.0, 1.0),
        evaluator: str = "batch",
        window: int | None = None,
    ) -> None:
        if window is not None and window < 1:
            raise ValueError(f"window: {window} — use 1 or more days")
        if evaluator not in ("batch", "validator"):
            raise ValueError(f"evaluator: {evaluator!r} — use 'batch' or 'validator'")
        if history < 1:
            raise ValueError(f"history: {history} — use a length of 1 or more")
        if max_moves is not None and max_moves < 0:
            raise ValueError(f"max_moves: {max_moves} — use 0 or more, or None")
        if len(move_mix) != 3 or min(move_mix) < 0 or sum(move_mix) <= 0:
            raise ValueError(
                f"move_mix: {move_mix} — give three non-negative weights, not all zero"
            )
        self.history = history
        self.max_moves = max_moves
        self.hard_weight = hard_weight
        self.move_mix = tuple(float(x) for x in move_mix)
        self.evaluator = evaluator
        self.window = window

    def unhonoured(self, problem: Problem) -> list[str]:
        return []  # custom rules switch the search to the rule engine's score deltas

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
        clock = RunClock(self.name, time_limit, cancel, progress)
        fixed = normalize_keep(problem, roster, keep)
        rng = random.Random(seed)
        origin = feasible_start(problem, roster, keep, seed) or roster
        work = origin.copy() if origin is not None else Roster(problem)
        validator = validator_for(problem, work)
        built = 0
        if origin is None:
            built = construct(problem, work, validator, fixed, rng, clock)
        search: _BatchSearch | _ValidatorSearch
        if self.evaluator == "batch" and not problem.custom_rules:
            search = _BatchSearch(problem, work, fixed, rng, self, clock)
        else:
            search = _ValidatorSearch(problem, work, validator, fixed, rng, self, clock)
        moves = built + search.run()
        best = roster_from_shifts(problem, search.best_shift_of, like=roster or work)
        final = validator_for(problem, best).score()
        hard, soft = int(final.hard), float(final.soft)
        status: Status = "feasible" if hard == 0 else "unknown"
        return clock.result(
            best,
            soft,
            hard,
            status,
            seed,
            moves,
            accepted=search.accepted,
            iterations=search.iterations,
            construction_moves=built,
        )


class _ValidatorSearch:
    """State of one local-search run (see the module docstring)."""

    def __init__(
        self,
        problem: Problem,
        roster: Roster,
        validator: object,
        fixed: object,
        rng: random.Random,
        options: LocalSearch,
        clock: RunClock,
    ) -> None:
        self.p = problem
        self.roster = roster
        self.v = validator
        self.rng = rng
        self.opt = options
        self.clock = clock
        p = problem
        free = p.available & ~fixed.worker_day  # type: ignore[attr-defined]
        self.closed = fixed.closed.tolist()  # type: ignore[attr-defined]
        self.fixed_wd = fixed.worker_day.tolist()  # type: ignore[attr-defined]
        # worker-days a move may change: not fixed (changing to "off" on an unavailable day
        # is allowed too, it only resolves violations)
        movable = ~fixed.worker_day & (p.available | (roster.shift_of >= 0))  # type: ignore[attr-defined]
        self.movable = [(int(w), int(d)) for w, d in zip(*np.nonzero(movable), strict=True)]
        self.free_by_day = [np.flatnonzero(free[:, d]).tolist() for d in range(p.n_days)]
        self.maximum = p.maximum.tolist()
        self.available = p.available.tolist()
        self.shift_of = roster.shift_of  # numpy, updated in place with the roster
        self.sh = roster.shift_of.tolist()  # fast Python mirror
        self.count = roster.count.tolist()
        self.n_s = p.n_shifts
        self.iterations = 0
        self.accepted = 0
        score = validator.score()  # type: ignore[attr-defined]
        self.cost = options.hard_weight * score.hard + score.soft
        self.best_cost = self.cost
        self.best_shift_of = roster.shift_of.copy()
        clock.improved(score.soft, score.hard, 0, shifts=self.best_shift_of)
        self.hard = int(score.hard)
        self.soft = float(score.soft)

    # -- moves ----------------------------------------------------------------------------
    def _change(self) -> list[tuple[int, int, int, int]] | None:
        if not self.movable:
            return None
        w, d = self.movable[self.rng.randrange(len(self.movable))]
        old = self.sh[w][d]
        new = self.rng.randrange(-1, self.n_s)
        if new == old:
            return None
        if new >= 0:
            if self.closed[d][new] or not self.available[w][d]:
                return None
            if self.count[d][new] >= self.maximum[d][new]:
                return None
        if old >= 0 and self.closed[d][old]:
            return None
        return [(w, d, old, new)]

    def _reassign(self) -> list[tuple[int, int, int, int]] | None:
        if not self.movable:
            return None
        w1, d = self.movable[self.rng.randrange(len(self.movable))]
        s = self.sh[w1][d]
        if s < 0 or self.closed[d][s]:
            return None
        pool = self.free_by_day[d]
        if not pool:
            return None
        w2 = pool[self.rng.randrange(len(pool))]
        if self.sh[w2][d] >= 0:
            return None
        return [(w1, d, s, -1), (w2, d, -1, s)]

    def _swap(self) -> list[tuple[int, int, int, int]] | None:
        if not self.movable:
            return None
        w1, d = self.movable[self.rng.randrange(len(self.movable))]
        s1 = self.sh[w1][d]
        pool = self.free_by_day[d]
        if s1 < 0 or not pool:
            return None
        w2 = pool[self.rng.randrange(len(pool))]
        s2 = self.sh[w2][d]
        if s2 < 0 or s2 == s1 or self.closed[d][s1] or self.closed[d][s2]:
            return None
        return [(w1, d, s1, -1), (w2, d, s2, s1), (w1, d, -1, s2)]

    def _apply(self, changes: list[tuple[int, int, int, int]]) -> None:
        roster, sh, count = self.roster, self.sh, self.count
        for w, d, old, new in changes:
            if old >= 0:
                roster.clear(d, old, int(roster.slot_of[w, d]))
                count[d][old] -= 1
            if new >= 0:
                roster.place(w, d, new, roster.free_slot(d, new))
                count[d][new] += 1
            sh[w][d] = new
        self.v.commit(changes)  # type: ignore[attr-defined]

    # -- loop -----------------------------------------------------------------------------
    def run(self) -> int:
        opt, rng, clock = self.opt, self.rng, self.clock
        generators = (self._change, self._reassign, self._swap)
        mix = opt.move_mix
        total = sum(mix)
        bounds = [sum(mix[: i + 1]) / total for i in range(3)]
        history = [self.cost] * opt.history
        score_delta = self.v.score_delta  # type: ignore[attr-defined]
        hard_weight = opt.hard_weight
        max_moves = opt.max_moves
        evaluated = 0
        it = 0
        while True:
            if it % 512 == 0:
                if clock.should_stop():
                    break
                clock.report(evaluated)
            if max_moves is not None and evaluated >= max_moves:
                break
            r = rng.random()
            gen = (
                generators[0]
                if r < bounds[0]
                else generators[1]
                if r < bounds[1]
                else generators[2]
            )
            it += 1
            changes = gen()
            if changes is None:
                continue
            dh, ds = score_delta(changes)
            evaluated += 1
            new_cost = self.cost + hard_weight * dh + ds
            slot = it % opt.history
            if new_cost <= self.cost or new_cost <= history[slot]:
                self._apply(changes)
                self.accepted += 1
                self.cost = new_cost
                self.hard += dh
                self.soft += ds
                if new_cost < self.best_cost - 1e-9:
                    self.best_cost = new_cost
                    self.best_shift_of = self.shift_of.copy()
                    clock.improved(self.soft, self.hard, evaluated, shifts=self.best_shift_of)
            if self.cost < history[slot]:
                history[slot] = self.cost
        self.iterations = it
        return evaluated


class _BatchSearch:
    """Local search on the batched evaluator: each iteration draws a move shape and a window
    of ``window`` consecutive days and evaluates every eligible move of that shape in the
    window at once (each counts as one evaluation), then submits the best of them (seeded
    tie-break) to the late-acceptance test."""

    def __init__(
        self,
        problem: Problem,
        roster: Roster,
        fixed: Fixed,
        rng: random.Random,
        options: LocalSearch,
        clock: RunClock,
    ) -> None:
        self.p = problem
        self.roster = roster
        self.rng = rng
        self.noise = np.random.default_rng(rng.randrange(1 << 30))
        self.opt = options
        self.clock = clock
        self.fast = FastEvaluator(problem, roster.shift_of)
        p = problem
        self.movable = ~fixed.worker_day
        self.available = p.available
        self.closed = fixed.closed
        self.any_closed = bool(fixed.closed.any())
        self.maximum = p.maximum
        self.span = p.n_days if options.window is None else max(1, min(options.window, p.n_days))
        self.leavers_per_day = 8
        self.n_s = p.n_shifts
        self.iterations = 0
        self.accepted = 0
        score = validator_for(problem, roster).score()
        self.hard, self.soft = int(score.hard), float(score.soft)
        self.cost = options.hard_weight * self.hard + self.soft
        self.best_cost = self.cost
        self.best_shift_of: np.ndarray = roster.shift_of.astype(np.int64)
        clock.improved(self.soft, self.hard, 0, shifts=self.best_shift_of)

    def _candidates(
        self,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...] | None] | None:
        """Candidates of one move shape on a random window of days: workers, days, targets
        and the preceding changes (reassign, swap)."""
        rng, fast = self.rng, self.fast
        r = rng.random() * self.total
        n_d, span = self.p.n_days, self.span
        a = rng.randrange(n_d - span + 1)
        b = a + span
        sh = fast.sh[:, a:b]
        movable = self.movable[:, a:b]
        if r < self.bounds[0]:  # change: workers of the window to every shift (and off)
            leaving_ok = movable & ~self.in_closed(sh, a, b)
            parts_w, parts_d, parts_n = [], [], []
            for new in range(-1, self.n_s):
                ok = leaving_ok & (sh != new)
                if new >= 0:
                    room = (fast.count[a:b, new] < self.maximum[a:b, new]) & ~self.closed[a:b, new]
                    ok &= self.available[:, a:b] & room[None, :]
                ws, ds = np.nonzero(ok)
                parts_w.append(ws)
                parts_d.append(ds + a)
                parts_n.append(np.full(len(ws), new, dtype=np.int64))
            return np.concatenate(parts_w), np.concatenate(parts_d), np.concatenate(parts_n), None
        # leaving workers: up to ``leavers_per_day x span`` random movable working
        # worker-days of the window (several per day, so one numpy pass scores many moves)
        leave = movable & (sh >= 0) & ~self.in_closed(sh, a, b)
        w1, days = np.nonzero(leave)
        if not len(w1):
            return None
        cap = self.leavers_per_day * span
        if len(w1) > cap:
            pick = self.noise.choice(len(w1), cap, replace=False)
            w1, days = w1[pick], days[pick]
        s1 = sh[w1, days]
        if r < self.bounds[1]:  # reassign: w1's shift to a worker who is off that day
            ok = movable[:, days] & (sh[:, days] < 0) & self.available[:, a + days]
            ws, col = np.nonzero(ok)
            pre = (w1[col], s1[col], np.full(len(ws), -1, dtype=np.int64))
            return ws, a + days[col], s1[col], pre
        # swap: w1 and a worker on another (open) shift exchange shifts
        target = sh[:, days]
        ok = movable[:, days] & (target >= 0) & (target != s1[None, :])
        ok &= ~self.in_closed(target, a + days, None)
        ws, col = np.nonzero(ok)
        s2 = target[ws, col]
        pre = (w1[col], s1[col], s2)
        return ws, a + days[col], s1[col], pre

    def in_closed(self, sh: np.ndarray, a: int | np.ndarray, b: int | None) -> np.ndarray:
        """Where the worker's current cell (``sh`` over days ``a:b``, or the day array ``a``)
        is closed by ``keep``."""
        if not self.any_closed:
            return np.zeros(sh.shape, dtype=bool)
        days = np.arange(int(a), b) if b is not None else np.asarray(a)
        return (sh >= 0) & self.closed[days[None, :], np.maximum(sh, 0)]

    def _commit(self, w: int, d: int, new: int, pre: tuple[int, int, int] | None) -> None:
        w_old = int(self.fast.sh[w, d])
        if pre is None:
            changes = [(w, d, w_old, new)]
        elif pre[2] < 0:
            changes = [(pre[0], d, pre[1], -1), (w, d, w_old, new)]
        else:  # a swap passes through "off" so no cell ever exceeds its maximum
            changes = [(pre[0], d, pre[1], -1), (w, d, w_old, new), (pre[0], d, -1, pre[2])]
        roster = self.roster
        for cw, cd, old, nw in changes:
            if old >= 0:
                roster.clear(cd, old, int(roster.slot_of[cw, cd]))
            if nw >= 0:
                roster.place(cw, cd, nw, roster.free_slot(cd, nw))
        self.fast.commit(changes)

    def run(self) -> int:
        opt, clock = self.opt, self.clock
        mix = opt.move_mix
        self.total = sum(mix)
        self.bounds = [sum(mix[: i + 1]) for i in range(3)]
        history = [self.cost] * opt.history
        hard_weight = opt.hard_weight
        max_moves = opt.max_moves
        evaluated = 0
        it = 0
        fast = self.fast
        if not self.movable.any():
            return 0
        while True:
            if it % 16 == 0:
                if clock.should_stop():
                    break
                clock.report(evaluated)
            if max_moves is not None and evaluated >= max_moves:
                break
            it += 1
            drawn = self._candidates()
            if drawn is None:
                continue
            ws, ds, news, pre = drawn
            if max_moves is not None and evaluated + len(ws) > max_moves:
                keep_n = max_moves - evaluated
                ws, ds, news = ws[:keep_n], ds[:keep_n], news[:keep_n]
                pre = None if pre is None else tuple(x[:keep_n] for x in pre)
            if not len(ws):
                continue
            hard, soft = fast.evaluate(ws, ds, news, pre)  # type: ignore[arg-type]
            if pre is not None:  # the leaving worker's own change, once per day
                ph, ps = fast.evaluate(pre[0], ds, pre[2])
                hard, soft = hard + ph, soft + ps
            evaluated += len(ws)
            cost = hard_weight * hard + soft
            i = int(np.argmin(cost + self.noise.random(len(ws)) * 1e-7))
            dh, ds_ = int(hard[i]), float(soft[i])
            new_cost = self.cost + hard_weight * dh + ds_
            slot = it % opt.history
            if new_cost <= self.cost or new_cost <= history[slot]:
                p1 = None if pre is None else (int(pre[0][i]), int(pre[1][i]), int(pre[2][i]))
                self._commit(int(ws[i]), int(ds[i]), int(news[i]), p1)
                self.accepted += 1
                self.cost = new_cost
                self.hard += dh
                self.soft += ds_
                if new_cost < self.best_cost - 1e-9:
                    self.best_cost = new_cost
                    self.best_shift_of = fast.sh.copy()
                    clock.improved(self.soft, self.hard, evaluated, shifts=self.best_shift_of)
            if self.cost < history[slot]:
                history[slot] = self.cost
        self.iterations = it
        return evaluated
