"""Batched move evaluation for local search: many candidate workers of one day in one pass.

``FastEvaluator`` keeps a roster as numpy arrays plus the running aggregates the rules of the
problem's profile need (counts per cell, per worker and type, minutes, weekend and
special-day counts, incompatible partners working per day, run lengths of working days / days
off / weeks with weekend work), and
answers, for one day ``d``, one target shift ``new`` and a vector of candidate workers, the
``(hard, soft)`` score change of each candidate ``w`` going from its current shift on ``d`` to
``new`` — optionally after a *preceding* change of another worker on the same day (the first
half of a reassign or a swap). The answers are the same as the rule engine's
``Validator.score_delta`` of the corresponding change list (the differential tests prove it);
only the cross-worker rules (cover and, in the saldo profile, incompatibility) see the
preceding change, every other rule is per worker. Soft changes agree with the rule engine up
to float rounding (the terms are summed in another order), except those of ``placements``
(a worker who is off starting a shift), which sums them in the rule engine's order and so
agrees bit for bit.

Rules covered: the default rule sets of ``rules.profiles`` — NRP: availability, forbidden
successions, max per shift type, min/max minutes, max/min consecutive working days, min
consecutive days off, max weekends, shift-on/off requests, cover under/over; saldo:
availability, mandatory days, min gap, 7/14 pattern, incompatibility, max consecutive
weekends, max shifts, target shifts, special-day and last-post balance, cover under.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rtsched_widgets.model.problem import Problem

BIG = 1 << 40
Change = tuple[int, int, int, int]


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a 1-D bool row: length of the run of equal values ending at / starting at each
    index (inclusive)."""
    n = len(flags)
    if n > 48:  # vectorised (the loop below is faster on short rows)
        idx = np.arange(n, dtype=np.int64)
        change = np.empty(n, dtype=bool)
        change[0] = True
        np.not_equal(flags[1:], flags[:-1], out=change[1:])
        first = np.maximum.accumulate(np.where(change, idx, 0))
        last_ = np.empty(n, dtype=bool)
        last_[-1] = True
        last_[:-1] = change[1:]
        final = np.minimum.accumulate(np.where(last_, idx, n - 1)[::-1])[::-1]
        return idx - first + 1, final - idx + 1
    end = np.ones(n, dtype=np.int64)
    start = np.ones(n, dtype=np.int64)
    f = flags.tolist()
    for i in range(1, n):
        if f[i] == f[i - 1]:
            end[i] = end[i - 1] + 1
    for i in range(n - 2, -1, -1):
        if f[i] == f[i + 1]:
            start[i] = start[i + 1] + 1
    return end, start


class FastEvaluator:
    """Incremental batched evaluator of ``problem`` over the roster ``shift_of`` (copied).

    ``batch(d, workers, new, pre=None)``: arrays ``(hard, soft)`` of the score change of each
    worker in ``workers`` (int array; none may be the worker of ``pre`` nor already hold
    ``new`` on ``d``) going to ``new`` (-1 = off) on day ``d``, after ``pre = (w1, old1, new1)``
    (a change of worker ``w1`` on the same day) when given — the change of ``pre`` itself is
    NOT included (see ``single``). ``placements(d, workers, new)``: the same for workers who
    are off on ``d`` starting shift ``new >= 0``, soft changes bit for bit those of the rule
    engine. ``commit(changes)`` applies changes ``(w, d, old, new)``.
    """

    def __init__(self, problem: Problem, shift_of: np.ndarray) -> None:
        if problem.profile not in ("nrp", "saldo"):
            raise ValueError(f"problem.profile: {problem.profile!r} — use 'nrp' or 'saldo'")
        p = self.p = problem
        self.nrp = problem.profile == "nrp"
        n_w, n_d, n_s = self.n_w, self.n_d, self.n_s = p.n_workers, p.n_days, p.n_shifts
        cal = p.calendar
        self.available = p.available.copy()
        self.mandatory = p.mandatory.copy()
        self.required = p.required.astype(np.int64)
        self.under_w = p.under_weight.astype(float)
        self.over_w = p.over_weight.astype(float)
        self.minutes_pad = np.append(np.array([st.minutes for st in p.shift_types], np.int64), 0)
        weekday = np.asarray(cal.weekday)
        self.week = np.asarray(cal.week, dtype=np.int64)
        self.n_weeks = int(self.week[-1]) + 1 if n_d else 0
        self.ssw_arr = np.where(np.isin(weekday, (5, 6)), self.week, -1).astype(np.int64)
        self.sat_sun_week = self.ssw_arr.tolist()
        if self.nrp:
            table = np.zeros((n_s + 1, n_s + 1), dtype=np.int64)  # index -1 / n_s: off
            for s, st in enumerate(p.shift_types):
                for nxt in st.forbidden_next:
                    table[s, p.shift_index[nxt]] = 1
            self.forbidden = table
            limit = np.full((n_w, n_s + 1), BIG, dtype=np.int64)
            for w, worker in enumerate(p.workers):
                for sid, k in worker.max_per_shift.items():
                    limit[w, p.shift_index[sid]] = k
            self.per_shift_limit = limit

            def arr(name: str, default: int) -> np.ndarray:
                vals = [getattr(wk, name) for wk in p.workers]
                return np.array([default if v is None else v for v in vals], dtype=np.int64)

            self.max_minutes = arr("max_minutes", BIG)
            self.min_minutes = arr("min_minutes", -BIG)
            self.max_consec = arr("max_consecutive", BIG)
            self.min_consec = arr("min_consecutive", 0)
            self.min_off = arr("min_consecutive_off", 0)
            self.max_weekends = arr("max_weekends", BIG)
            self.on_w = np.zeros((n_w, n_d, n_s + 1))  # column n_s (= index -1): off
            self.off_w = np.zeros((n_w, n_d, n_s + 1))
            for reqs, target in (
                (p.shift_on_requests, self.on_w),
                (p.shift_off_requests, self.off_w),
            ):
                for r in reqs:
                    target[p.worker_index[r.worker], r.day, p.shift_index[r.shift]] += r.weight
        else:
            cfg = p.settings
            self.min_distance = np.asarray(p.min_distance, dtype=np.int64)
            self.pattern_arr = np.isin(weekday, cfg.pattern_weekdays)
            self.pattern_day = self.pattern_arr.tolist()
            self.distances = sorted({int(k) for k in cfg.pattern_distances if k > 0})
            self.incompatible = p.incompatible.astype(np.int64)
            self.has_partners = bool(p.incompatible.any())
            # partners_of[w]: the workers x with incompatible[x, w] (their count moves with w)
            pa, pb = np.nonzero(p.incompatible)
            by: list[list[int]] = [[] for _ in range(n_w)]
            for x, y in zip(pa.tolist(), pb.tolist(), strict=True):
                by[y].append(x)
            self.partners_of = [np.array(x, dtype=np.int64) if x else None for x in by]
            self.special = np.asarray(cal.is_special, dtype=bool)
            self.special_list = self.special.tolist()
            self.weekend_limit = int(cfg.max_consecutive_weekends)
            self.max_shifts = np.array(
                [BIG if w.max_shifts is None else w.max_shifts for w in p.workers], np.int64
            )
            self.targets = np.asarray(p.targets, dtype=np.int64)
            self.tolerance = int(cfg.target_tolerance)
            self.weight_target = float(cfg.weight_target)
            total = int(p.required.sum())
            has = p.maximum > 0
            last = np.where(
                has.sum(axis=1) >= 2, n_s - 1 - np.argmax(has[:, ::-1], axis=1), -1
            ).astype(np.int64)
            self.last_post = last.tolist()
            days = np.flatnonzero(last >= 0)
            part_last = int(p.required[days, last[days]].sum())
            part_special = int(p.required[self.special].sum())
            targets = [float(t) for t in p.targets]
            self.share_special = np.array(
                [t * (part_special / total if total else 0.0) for t in targets]
            )
            self.share_last = np.array([t * (part_last / total if total else 0.0) for t in targets])
            self.weight_special = float(cfg.weight_special_balance)
            self.weight_last = float(cfg.weight_last_post_balance)
            self.last_arr = last
        self.load(shift_of)

    # -- state ----------------------------------------------------------------------------
    def load(self, shift_of: np.ndarray) -> None:
        """(Re)build every aggregate from ``shift_of``."""
        n_w, n_d, n_s = self.n_w, self.n_d, self.n_s
        sh = self.sh = np.array(shift_of, dtype=np.int64, copy=True)
        works = sh >= 0
        w_idx, d_idx = np.nonzero(works)
        s_idx = sh[w_idx, d_idx]
        self.count = np.zeros((n_d, n_s), dtype=np.int64)
        np.add.at(self.count, (d_idx, s_idx), 1)
        self.n_ws = np.zeros((n_w, n_s + 1), dtype=np.int64)
        np.add.at(self.n_ws, (w_idx, s_idx), 1)
        self.mins = self.minutes_pad[sh].sum(axis=1)
        self.n_work = works.sum(axis=1)
        wk = np.zeros((n_w, max(self.n_weeks, 1)), dtype=np.int64)
        ssw = np.asarray(self.sat_sun_week, dtype=np.int64)
        sel = ssw[d_idx] >= 0
        np.add.at(wk, (w_idx[sel], ssw[d_idx[sel]]), 1)
        self.wkend = wk
        self.n_weekends = (wk > 0).sum(axis=1)
        if self.nrp:
            self.run_end = np.zeros((n_w, n_d), dtype=np.int64)
            self.run_start = np.zeros((n_w, n_d), dtype=np.int64)
            for w in range(n_w):
                self._row_runs(w)
        else:
            self.cum = np.zeros((n_w, n_d + 1), dtype=np.int64)
            self.cum[:, 1:] = np.cumsum(works, axis=1)
            spw = np.zeros((n_w, max(self.n_weeks, 1)), dtype=np.int64)
            sel = self.special[d_idx]
            np.add.at(spw, (w_idx[sel], self.week[d_idx[sel]]), 1)
            self.spw = spw
            self.n_special = spw.sum(axis=1)
            self.n_last = ((sh == self.last_arr[None, :]) & works).sum(axis=1)
            self.wrun_end = np.zeros_like(spw)
            self.wrun_start = np.zeros_like(spw)
            for w in range(n_w):
                self._row_week_runs(w)
            # partner_on[w, d]: incompatible partners of w working on d
            self.partner_on = np.zeros((n_w, n_d), dtype=np.int64)
            if self.has_partners:
                pa, pb = np.nonzero(self.incompatible)
                np.add.at(self.partner_on, pa, works[pb].astype(np.int64))

    def _row_runs(self, w: int) -> None:
        end, start = _runs(self.sh[w] >= 0)
        self.run_end[w] = end
        self.run_start[w] = start

    def _row_week_runs(self, w: int) -> None:
        has = self.spw[w] > 0
        end, start = _runs(has)
        self.wrun_end[w] = np.where(has, end, 0)
        self.wrun_start[w] = np.where(has, start, 0)

    def commit(self, changes: Sequence[Change]) -> None:
        """Apply ``changes`` (each ``(w, d, old, new)``, ``old`` the current shift)."""
        touched: set[int] = set()
        weeks: set[int] = set()
        for w, d, old, new in changes:
            if int(self.sh[w, d]) != old:
                raise ValueError(
                    f"changes: worker {w} holds shift {int(self.sh[w, d])} on day {d}, not {old}"
                )
            if old == new:
                continue
            self.sh[w, d] = new
            if old >= 0:
                self.count[d, old] -= 1
            if new >= 0:
                self.count[d, new] += 1
            self.n_ws[w, old] -= 1
            self.n_ws[w, new] += 1
            self.mins[w] += self.minutes_pad[new] - self.minutes_pad[old]
            sign = (new >= 0) - (old >= 0)
            if not self.nrp:
                lp = self.last_post[d]
                if lp >= 0:
                    self.n_last[w] += (new == lp) - (old == lp)
            if sign == 0:
                continue
            touched.add(w)
            self.n_work[w] += sign
            k = self.sat_sun_week[d]
            if k >= 0:
                before = self.wkend[w, k]
                self.wkend[w, k] = before + sign
                if before == 0 or before + sign == 0:
                    self.n_weekends[w] += sign
            if not self.nrp:
                self.cum[w, d + 1 :] += sign
                partners = self.partners_of[w]
                if partners is not None:
                    self.partner_on[partners, d] += sign
                if self.special_list[d]:
                    self.spw[w, self.week[d]] += sign
                    self.n_special[w] += sign
                    weeks.add(w)
        for w in touched:
            if self.nrp:
                self._row_runs(w)
        for w in weeks:  # week runs only move with special days
            self._row_week_runs(w)

    # -- evaluation -----------------------------------------------------------------------
    def single(self, w: int, d: int, new: int) -> tuple[int, float]:
        """Score change of worker ``w`` going to ``new`` on day ``d``."""
        if int(self.sh[w, d]) == new:
            return 0, 0.0
        hard, soft = self.batch(d, np.array([w], dtype=np.int64), new)
        return int(hard[0]), float(soft[0])

    def delta(self, changes: Sequence[Change]) -> tuple[int, float]:
        """Score change of a change list of up to two workers on one day (as
        ``Validator.score_delta``); other lists are evaluated by committing and reverting."""
        ch = [c for c in changes if c[2] != c[3]]
        if len(ch) == 1:
            w, d, _, new = ch[0]
            return self.single(w, d, new)
        if len(ch) == 2 and ch[0][1] == ch[1][1] and ch[0][0] != ch[1][0]:
            (w1, d, old1, new1), (w2, _, _, new2) = ch
            h1, s1 = self.single(w1, d, new1)
            h2, s2 = self.batch(d, np.array([w2], dtype=np.int64), new2, pre=(w1, old1, new1))
            return h1 + int(h2[0]), s1 + float(s2[0])
        before = self.score_parts()
        self.commit(ch)
        after = self.score_parts()
        self.commit([(w, d, new, old) for w, d, old, new in reversed(ch)])
        return after[0] - before[0], after[1] - before[1]

    def score_parts(self) -> tuple[int, float]:
        """Hard count and soft penalty of the current roster, from scratch (slow; tests and
        the generic path of ``delta``)."""
        from rtsched_widgets.model.roster import Roster
        from rtsched_widgets.solve.scoring import score_roster

        roster = Roster(self.p)
        for w, d in zip(*np.nonzero(self.sh >= 0), strict=True):
            roster.place(int(w), int(d), int(self.sh[w, d]), roster.free_slot(d, self.sh[w, d]))
        return score_roster(self.p, roster)

    def batch(
        self,
        d: int,
        ws: np.ndarray,
        new: int,
        pre: tuple[int, int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """See the class docstring (one day, one target shift)."""
        n = len(ws)
        ds = np.full(n, d, dtype=np.int64)
        news = np.full(n, new, dtype=np.int64)
        if pre is None:
            return self.evaluate(ws, ds, news)
        w1, old1, new1 = pre
        return self.evaluate(
            ws,
            ds,
            news,
            (np.full(n, w1, np.int64), np.full(n, old1, np.int64), np.full(n, new1, np.int64)),
        )

    def placements(self, d: int, ws: np.ndarray, new: int) -> tuple[np.ndarray, np.ndarray]:
        """Score change of each worker of ``ws`` (int array; all off on day ``d``) starting to
        work shift ``new`` (>= 0) on ``d`` — the changes of ``batch(d, ws, new)``, with the
        soft change summed by the rule engine's float operations in its order, so that it
        equals ``Validator.score_delta([(w, d, -1, new)])`` bit for bit (``batch`` agrees to
        rounding). Cheaper than ``batch`` on the NRP profile, where the hard change is
        ``placement_day_part + placement_shift_part``."""
        if self.nrp:
            hard = self.placement_day_part(d, ws) + self.placement_shift_part(d, ws, new)
        else:
            hard = self.batch(d, ws, new)[0]
        return hard, self.placement_soft(d, ws, new)

    def placement_soft(self, d: int, ws: np.ndarray, new: int) -> np.ndarray:
        """The soft change of ``placements(d, ws, new)``."""
        if self.nrp:
            # requests, cover under, cover over (the order of the NRP soft rules)
            x = (0.0 - self.on_w[ws, d, new]) + self.off_w[ws, d, new]
            short = bool(self.count[d, new] < self.required[d, new])
            under = 0.0 - float(self.under_w[d, new]) if short else 0.0
            over = 0.0 if short else 0.0 + float(self.over_w[d, new])
            return (x + under) + over
        # target shifts, special balance, last-post balance, cover under (saldo order)
        n = self.n_work[ws]
        t = self.targets[ws]
        soft = self._target_pen(n + 1, t) - self._target_pen(n, t)
        if self.special_list[d]:
            n = self.n_special[ws]
            share = self.share_special[ws]
            soft = soft + (
                self._share_pen(n + 1, share, self.weight_special)
                - self._share_pen(n, share, self.weight_special)
            )
        if new == self.last_post[d]:
            n = self.n_last[ws]
            share = self.share_last[ws]
            soft = soft + (
                self._share_pen(n + 1, share, self.weight_last)
                - self._share_pen(n, share, self.weight_last)
            )
        under = 0.0
        if self.count[d, new] < self.required[d, new]:
            under -= float(self.under_w[d, new])
        return soft + under

    def placement_shift_part(self, d: int, ws: np.ndarray, new: int) -> np.ndarray:
        """NRP: the part of the hard change of ``placements(d, ws, new)`` that depends on the
        shift — forbidden successions, max per shift type, min/max minutes."""
        sh, last = self.sh, self.n_d - 1
        forb = self.forbidden
        hard = (self.n_ws[ws, new] == self.per_shift_limit[ws, new]).astype(np.int64)
        if d > 0:
            hard += forb[sh[ws, d - 1], new]
        if d < last:
            hard += forb[new, sh[ws, d + 1]]
        m = self.mins[ws]
        after = m + self.minutes_pad[new]
        mx, mn = self.max_minutes[ws], self.min_minutes[ws]
        hard += (after > mx).astype(np.int64) - (m > mx)
        hard += (after < mn).astype(np.int64) - (m < mn)
        return hard

    def placement_day_part(self, d: int | np.ndarray, ws: np.ndarray) -> np.ndarray:
        """NRP: the part of the hard change of ``placements(d, ws, new)`` that does not depend
        on the shift — availability, consecutive working days and days off, max weekends; it
        changes only with commits of the worker itself. ``d`` may also be an int array
        (element-wise with ``ws``)."""
        sh, last = self.sh, self.n_d - 1
        hard = (~self.available[ws, d]).astype(np.int64)
        # runs: the day joins the working runs around it and splits the days-off run
        has_left, has_right = d > 0, d < last
        dp, dn = np.maximum(d - 1, 0), np.minimum(d + 1, last)
        left, right = sh[ws, dp], sh[ws, dn]
        jl = has_left & (left >= 0)  # working day before / after d
        jr = has_right & (right >= 0)
        ol = has_left & (left < 0)  # day off before / after d
        orr = has_right & (right < 0)
        a = np.where(has_left, d - self.run_end[ws, dp], d)  # first day of the run before d
        b = np.where(has_right, d + self.run_start[ws, dn], d)  # last day of the run after d
        # working runs: joined [lo, hi] after, the parts beside d before
        lo = np.where(jl, a, d)
        hi = np.where(jr, b, d)
        length = hi - lo + 1
        left_len, right_len = d - a, b - d
        bound = self.max_consec[ws]
        hard += (length > bound).astype(np.int64)
        hard -= (jl & (left_len > bound)).astype(np.int64) + (jr & (right_len > bound))
        bound = self.min_consec[ws]
        hard += ((length < bound) & (lo > 0) & (hi < last)).astype(np.int64)
        hard -= (jl & (left_len < bound) & (a > 0)).astype(np.int64) + (
            jr & (right_len < bound) & (b < last)
        )
        # days-off runs: the run through d (before) against its parts beside d (after)
        lo = np.where(ol, a, d)
        hi = np.where(orr, b, d)
        bound = self.min_off[ws]
        hard += (ol & (left_len < bound) & (a > 0)).astype(np.int64) + (
            orr & (right_len < bound) & (b < last)
        )
        hard -= ((hi - lo + 1 < bound) & (lo > 0) & (hi < last)).astype(np.int64)
        k = self.ssw_arr[d]
        weekend = k >= 0
        if np.any(weekend):
            kk = np.maximum(k, 0)
            n = self.n_weekends[ws]
            lim = self.max_weekends[ws]
            add = (self.wkend[ws, kk] == 0) * ((n + 1 > lim).astype(np.int64) - (n > lim))
            hard += np.where(weekend, add, 0)
        return hard

    def evaluate(
        self,
        ws: np.ndarray,
        ds: np.ndarray,
        new: np.ndarray,
        pre: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Element-wise: candidate ``i`` is worker ``ws[i]`` going to ``new[i]`` on day
        ``ds[i]``, after ``pre[0][i]`` (another worker) went from ``pre[1][i]`` to
        ``pre[2][i]`` on the same day when ``pre`` is given (its own change not included).
        Returns int hard and float soft arrays."""
        sh = self.sh
        old = sh[ws, ds]
        works_old = old >= 0
        new_works = new >= 0
        flip = works_old != new_works
        hard = (~self.available[ws, ds]) * (new_works.astype(np.int64) - works_old)
        oc = np.maximum(old, 0)
        nc = np.maximum(new, 0)
        cnt_old = self.count[ds, oc]
        cnt_new = self.count[ds, nc]
        if pre is not None:
            _, pold, pnew = pre
            cnt_old = cnt_old - (pold == old) + (pnew == old)
            cnt_new = cnt_new - (pold == new) + (pnew == new)
        req_old, req_new = self.required[ds, oc], self.required[ds, nc]
        soft = np.where(works_old & (cnt_old <= req_old), self.under_w[ds, oc], 0.0)
        soft -= np.where(new_works & (cnt_new < req_new), self.under_w[ds, nc], 0.0)
        if self.nrp:
            soft -= np.where(works_old & (cnt_old > req_old), self.over_w[ds, oc], 0.0)
            soft += np.where(new_works & (cnt_new >= req_new), self.over_w[ds, nc], 0.0)
            soft += self.on_w[ws, ds, old] - self.on_w[ws, ds, new]
            soft += self.off_w[ws, ds, new] - self.off_w[ws, ds, old]
            hard += self._nrp(ws, ds, old, new, works_old, new_works, flip)
        else:
            h, s = self._saldo(ws, ds, old, new, new_works, flip, pre)
            hard += h
            soft += s
        return hard, soft

    def _nrp(
        self,
        ws: np.ndarray,
        ds: np.ndarray,
        old: np.ndarray,
        new: np.ndarray,
        works_old: np.ndarray,
        new_works: np.ndarray,
        flip: np.ndarray,
    ) -> np.ndarray:
        sh, n_d = self.sh, self.n_d
        forb = self.forbidden
        has_left = ds > 0
        has_right = ds + 1 < n_d
        dp = ds - 1  # -1 wraps to the last day: always masked by has_left
        dn = np.minimum(ds + 1, n_d - 1)
        prev = np.where(has_left, sh[ws, dp], -1)
        nxt = np.where(has_right, sh[ws, dn], -1)
        hard = forb[prev, new] - forb[prev, old] + forb[new, nxt] - forb[old, nxt]
        lim, n_ws = self.per_shift_limit, self.n_ws
        hard -= works_old & (n_ws[ws, old] == lim[ws, old] + 1)
        hard += new_works & (n_ws[ws, new] == lim[ws, new])
        m = self.mins[ws]
        after = m - self.minutes_pad[old] + self.minutes_pad[new]
        mx, mn = self.max_minutes[ws], self.min_minutes[ws]
        hard += (after > mx).astype(np.int64) - (m > mx)
        hard += (after < mn).astype(np.int64) - (m < mn)
        if not flip.any():
            return hard
        left_works = prev >= 0
        right_works = nxt >= 0
        a = np.where(has_left, ds - self.run_end[ws, dp], ds)
        b = np.where(has_right, ds + self.run_start[ws, dn], ds)
        last = n_d - 1
        runs = 0
        for kind, bound, is_max in (
            (True, self.max_consec[ws], True),
            (True, self.min_consec[ws], False),
            (False, self.min_off[ws], False),
        ):
            join_left = has_left & (left_works == kind)
            join_right = has_right & (right_works == kind)
            lo = np.where(join_left, a, ds)
            hi = np.where(join_right, b, ds)
            if is_max:
                inside = (hi - lo + 1) > bound
                apart = (join_left & ((ds - a) > bound)).astype(np.int64) + (
                    join_right & ((b - ds) > bound)
                )
            else:
                inside = ((hi - lo + 1) < bound) & (lo > 0) & (hi < last)
                apart = (join_left & ((ds - a) < bound) & (a > 0)).astype(np.int64) + (
                    join_right & ((b - ds) < bound) & (b < last)
                )
            inside = inside.astype(np.int64)
            cost_new = np.where(new_works == kind, inside, apart)
            cost_old = np.where(works_old == kind, inside, apart)
            runs = runs + (cost_new - cost_old)
        hard += np.where(flip, runs, 0)
        k = self.ssw_arr[ds]
        weekend = flip & (k >= 0)
        if weekend.any():
            kk = np.maximum(k, 0)
            c = self.wkend[ws, kk]
            n = self.n_weekends[ws]
            lim_w = self.max_weekends[ws]
            add = (c == 0) * ((n + 1 > lim_w).astype(np.int64) - (n > lim_w))
            rem = (c == 1) * ((n - 1 > lim_w).astype(np.int64) - (n > lim_w))
            hard += np.where(weekend, np.where(new_works, add, rem), 0)
        return hard

    def _saldo(
        self,
        ws: np.ndarray,
        ds: np.ndarray,
        old: np.ndarray,
        new: np.ndarray,
        new_works: np.ndarray,
        flip: np.ndarray,
        pre: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        n_d = self.n_d
        sign = np.where(new_works, 1, -1)
        hard = self.mandatory[ws, ds] * ((~new_works).astype(np.int64) - (old < 0))
        soft = np.zeros(len(ws))
        lp = self.last_arr[ds]
        moved = (lp >= 0) & ((old == lp) != (new == lp))
        if moved.any():
            n = self.n_last[ws]
            step = np.where(new == lp, 1, -1)
            share = self.share_last[ws]
            pen = self._share_pen
            gain = pen(n + step, share, self.weight_last) - pen(n, share, self.weight_last)
            soft += np.where(moved, gain, 0.0)
        if not flip.any():
            return hard, soft
        f = flip.astype(np.int64)
        md = self.min_distance[ws]
        lo = np.maximum(ds - md + 1, 0)
        hi = np.minimum(ds + md - 1, n_d - 1)
        n = self.cum[ws, hi + 1] - self.cum[ws, lo]
        hard += f * np.where(new_works, n, 1 - n)
        pat = self.pattern_arr
        on_pattern = pat[ds]
        if on_pattern.any():
            n = np.zeros(len(ws), dtype=np.int64)
            for k in self.distances:
                for x in (ds - k, ds + k):
                    inside = (x >= 0) & (x < n_d)
                    xc = np.clip(x, 0, n_d - 1)
                    n += inside & pat[xc] & (self.sh[ws, xc] >= 0)
            hard += f * on_pattern * sign * n
        if self.has_partners:
            n = self.partner_on[ws, ds].copy()
            if pre is not None:
                pw, pold, pnew = pre
                n += self.incompatible[ws, pw] * ((pnew >= 0).astype(np.int64) - (pold >= 0))
            hard += f * sign * n
        special = self.special[ds] & flip
        if special.any():
            k = self.week[ds]
            nw = self.n_weeks
            spw = self.spw[ws, k]
            blocked = spw > np.where(new_works, 0, 1)
            left = np.where(k > 0, self.wrun_end[ws, np.maximum(k - 1, 0)], 0)
            right = np.where(k + 1 < nw, self.wrun_start[ws, np.minimum(k + 1, nw - 1)], 0)
            lim = self.weekend_limit
            split = (left > lim).astype(np.int64) + (right > lim)
            joined = (left + right + 1 > lim).astype(np.int64)
            change = np.where(new_works, joined - split, split - joined)
            hard += np.where(special & ~blocked, change, 0)
            n = self.n_special[ws]
            share = self.share_special[ws]
            pen = self._share_pen
            gain = pen(n + sign, share, self.weight_special) - pen(n, share, self.weight_special)
            soft += np.where(special, gain, 0.0)
        n = self.n_work[ws]
        lim_s = self.max_shifts[ws]
        hard += f * ((n + sign > lim_s).astype(np.int64) - (n > lim_s))
        t = self.targets[ws]
        soft += f * (self._target_pen(n + sign, t) - self._target_pen(n, t))
        return hard, soft

    def _target_pen(self, n: np.ndarray, t: np.ndarray) -> np.ndarray:
        excess = np.abs(n - t) - self.tolerance
        return np.where(excess > 0, self.weight_target * excess, 0.0)

    def _share_pen(self, n: np.ndarray, share: np.ndarray, weight: float) -> np.ndarray:
        excess = np.abs(n - share) - self.tolerance
        return np.where(excess > 0, weight * excess, 0.0)
