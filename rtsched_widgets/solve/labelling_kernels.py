"""The compiled kernels of :mod:`rtsched_widgets.solve.labelling` (see its docstring).

Plain functions over numpy arrays and scalars, compiled by ``numba`` (``njit``, cached on
disk) when it is installed and run as Python otherwise. ``_bounds`` and ``_capacity`` are the
backward passes over the states; ``_search`` is the forward labelling with dominance and the
beam.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:  # pragma: no cover - exercised by whichever is installed
    import numba

    _jit: Callable[[Any], Any] = numba.njit(cache=True, nogil=True)
    COMPILED = True
except ImportError:  # pragma: no cover

    def _jit(fn: Any) -> Any:
        return fn

    COMPILED = False

BIG = 1 << 40
"""Stands for "no limit" in the integer bounds of the search."""

RISK_MARGIN = 0.1
"""A label is *at risk* when it needs more than ``1 - RISK_MARGIN`` of the most minutes its
completions could still add (an optimistic bound) to reach the min minutes; the beam drops
labels at risk before the others (see :data:`RISK_RANK`)."""

RISK_RANK = 1e12
"""Added to the cost of a label at risk for the beam's ranking only (never to its cost)."""


@_jit
def _bounds(
    allowed: np.ndarray,
    off_allowed: np.ndarray,
    cls: np.ndarray,
    forbid: np.ndarray,
    minutes: np.ndarray,
    run_cap: int,
    max_run: int,
    min_run: int,
    off_cap: int,
    min_off: int,
    weekend: np.ndarray,
    weekend_cont: np.ndarray,
    no_weekend: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (day d, state): least and most minutes the days after ``d`` can add, and whether
    no completion exists (``dead``), over the states alone; with ``no_weekend``, over the
    completions that work no further weekend (a Sunday right after a worked Saturday is
    still allowed: its weekend is already counted)."""
    n_d, m = allowed.shape
    n_cls = forbid.shape[0]
    n_work = n_cls * run_cap
    n_k = n_work + off_cap + 1
    lo = np.zeros((n_d, n_k), dtype=np.int64)
    hi = np.zeros((n_d, n_k), dtype=np.int64)
    dead = np.zeros((n_d, n_k), dtype=np.bool_)
    for d in range(n_d - 2, -1, -1):
        dn = d + 1
        for k in range(n_k):
            best_lo = BIG
            best_hi = -BIG
            work = k < n_work
            c = k // run_cap if work else 0
            r = k % run_cap + 1 if work else k - n_work
            if off_allowed[dn]:
                ok = True
                k2 = n_work + 1
                if work:
                    ok = r >= min_run or r == dn
                else:
                    k2 = n_work + min(r + 1, off_cap)
                if ok and not dead[dn, k2]:
                    best_lo = min(best_lo, lo[dn, k2])
                    best_hi = max(best_hi, hi[dn, k2])
            if work:
                can = r + 1 <= max_run
                nr = min(r + 1, run_cap)
            else:
                can = r >= min_off or r == dn
                nr = 1
            if no_weekend and weekend[dn] >= 0 and not (weekend_cont[dn] and work):
                can = False
            if can:
                for j in range(m):
                    if not allowed[dn, j] or (work and forbid[c, j]):
                        continue
                    k2 = cls[j] * run_cap + nr - 1
                    if dead[dn, k2]:
                        continue
                    best_lo = min(best_lo, minutes[j] + lo[dn, k2])
                    best_hi = max(best_hi, minutes[j] + hi[dn, k2])
            if best_lo == BIG:
                dead[d, k] = True
            else:
                lo[d, k] = best_lo
                hi[d, k] = best_hi
    return lo, hi, dead


@_jit
def _capacity(
    allowed: np.ndarray,
    off_allowed: np.ndarray,
    minutes: np.ndarray,
    run_cap: int,
    max_run: int,
    min_run: int,
    off_cap: int,
    min_off: int,
    weekend: np.ndarray,
    weekend_cont: np.ndarray,
    levels: int,
    tracked: bool,
) -> np.ndarray:
    """Per (budget b, day d, run state): the most minutes the days after ``d`` can add
    working at most ``b`` further weekends (any number when not ``tracked``), with the
    successions relaxed (any allowed type may follow any other); ``-BIG`` when no completion
    exists. Run states: work run of length ``r`` at index ``r - 1`` (``r <= run_cap``), off
    run of length ``r`` at ``run_cap + r``."""
    n_d, m = allowed.shape
    n_r = run_cap + off_cap + 1
    best = np.zeros(n_d, dtype=np.int64)
    for d in range(n_d):
        top = -1
        for j in range(m):
            if allowed[d, j] and minutes[j] > top:
                top = minutes[j]
        best[d] = top
    hi = np.full((levels, n_d, n_r), -BIG, dtype=np.int64)
    hi[:, n_d - 1, :] = 0
    for d in range(n_d - 2, -1, -1):
        dn = d + 1
        adds = weekend[dn] >= 0
        for k in range(n_r):
            work = k < run_cap
            r = k + 1 if work else k - run_cap
            off_k = -1
            if off_allowed[dn]:
                if work:
                    if r >= min_run or r == dn:
                        off_k = run_cap + 1
                else:
                    off_k = run_cap + min(r + 1, off_cap)
            work_k = -1
            if best[dn] >= 0:
                if work:
                    if r + 1 <= max_run:
                        work_k = min(r + 1, run_cap) - 1
                elif r >= min_off or r == dn:
                    work_k = 0
            spend = 1 if tracked and adds and not (weekend_cont[dn] and work) else 0
            for b in range(levels):
                value = -BIG
                if off_k >= 0:
                    value = hi[b, dn, off_k]
                if work_k >= 0 and b >= spend:
                    nxt = hi[b - spend, dn, work_k]
                    if nxt > -BIG:
                        value = max(value, best[dn] + nxt)
                hi[b, d, k] = value
    return hi


@_jit
def _dominates(
    a: int,
    ca: float,
    ma: int,
    wa: int,
    cnt_a: np.ndarray,
    b: int,
    cb: float,
    mb: int,
    wb: int,
    cnt_b: np.ndarray,
    lo: int,
    hi: int,
    left_lo: int,
    left_hi: int,
    max_wk: int,
    wk_left: int,
    limit: np.ndarray,
    count_left: np.ndarray,
) -> bool:
    """Whether label ``a`` dominates label ``b`` at the same (day, state) (module docstring);
    ``cnt_a[a]`` / ``cnt_b[b]`` are their type counts."""
    if ca > cb:
        return False
    if ma != mb:
        if ma > mb:
            if ma + left_hi > hi:
                return False
        elif ma + left_lo < lo:
            return False
    if wa > wb and wa + wk_left > max_wk:
        return False
    for t in range(limit.shape[0]):
        x = cnt_a[a, t]
        if x > cnt_b[b, t] and x + count_left[t] > limit[t]:
            return False
    return True


@_jit
def _dominated(
    b0: int,
    n: int,
    cost: np.ndarray,
    mins: np.ndarray,
    wk: np.ndarray,
    cnt: np.ndarray,
    x_cost: float,
    x_min: int,
    x_wk: int,
    x_cnt: np.ndarray,
    lo: int,
    hi: int,
    left_lo: int,
    left_hi: int,
    max_wk: int,
    wk_left: int,
    limit: np.ndarray,
    count_left: np.ndarray,
) -> int:
    """The first label of the bucket ``b0 .. b0 + n - 1`` that dominates the candidate
    ``x`` (``x_cnt[0]`` its type counts), or -1."""
    for e in range(b0, b0 + n):
        if _dominates(
            e,
            cost[e],
            mins[e],
            wk[e],
            cnt,
            0,
            x_cost,
            x_min,
            x_wk,
            x_cnt,
            lo,
            hi,
            left_lo,
            left_hi,
            max_wk,
            wk_left,
            limit,
            count_left,
        ):
            return e
    return -1


@_jit
def _has_twin(b0: int, n: int, mins: np.ndarray, wk: np.ndarray, e: int) -> bool:
    """Whether another label of the bucket has the minutes and weekends of label ``e``."""
    for f in range(b0, b0 + n):  # noqa: SIM110 - numba compiles no generator in any()
        if f != e and mins[f] == mins[e] and wk[f] == wk[e]:
            return True
    return False


@_jit
def _evict(b0: int, n: int, rank: np.ndarray, mins: np.ndarray, wk: np.ndarray) -> int:
    """The label of the bucket to drop: one of largest rank, preferably one with a twin."""
    pos = b0
    for e in range(b0 + 1, b0 + n):
        if rank[e] > rank[pos]:
            pos = e
    if _has_twin(b0, n, mins, wk, pos):
        return pos
    for e in range(b0, b0 + n):
        if rank[e] == rank[pos] and _has_twin(b0, n, mins, wk, e):
            return e
    return pos


@_jit
def _search(
    cost: np.ndarray,
    off_cost: np.ndarray,
    allowed: np.ndarray,
    off_allowed: np.ndarray,
    cls: np.ndarray,
    forbid: np.ndarray,
    minutes: np.ndarray,
    run_cap: int,
    max_run: int,
    min_run: int,
    off_cap: int,
    min_off: int,
    lo: int,
    hi: int,
    min_left: np.ndarray,
    max_left: np.ndarray,
    dead: np.ndarray,
    capacity: np.ndarray,
    weekend: np.ndarray,
    weekend_cont: np.ndarray,
    max_wk: int,
    weekends_left: np.ndarray,
    bind: np.ndarray,
    limit: np.ndarray,
    count_left: np.ndarray,
    beam: int,
    n_best: int,
    wk_cost: np.ndarray,
    split_cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """The forward labelling (module docstring). Returns the rows (local shift indices or -1,
    best first), their costs, whether the run was exact and the number of labels created.
    ``wk_cost[d]``: added when a label starts a worked weekend on day ``d`` (the day counts a
    weekend); ``split_cost[d]``: added on the second day ``d`` of a weekend (``weekend_cont``)
    when exactly one of its two days is worked. Both depend only on the day and the state, so
    dominance stays exact under them."""
    n_d, m = cost.shape
    n_cls = forbid.shape[0]
    n_t = limit.shape[0]
    n_work = n_cls * run_cap
    n_k = n_work + off_cap + 1
    levels = capacity.shape[0]
    size = n_k * beam
    width = max(n_t, 1)
    inf = np.inf
    # labels of the previous day (c_) and of the day being built (n_)
    c_cost = np.empty(size)
    c_min = np.zeros(size, dtype=np.int64)
    c_wk = np.zeros(size, dtype=np.int64)
    c_cnt = np.zeros((size, width), dtype=np.int64)
    c_n = np.zeros(n_k, dtype=np.int64)
    n_cost = np.empty(size)
    n_rank = np.empty(size)
    n_min = np.zeros(size, dtype=np.int64)
    n_wk = np.zeros(size, dtype=np.int64)
    n_cnt = np.zeros((size, width), dtype=np.int64)
    n_n = np.zeros(n_k, dtype=np.int64)
    worst = np.full(n_k, inf)
    parent = np.zeros((n_d, size), dtype=np.int32)
    shift = np.zeros((n_d, size), dtype=np.int16)
    x_cnt = np.zeros((1, width), dtype=np.int64)
    start = n_work  # the off state of run length 0: before day 0
    c_n[start] = 1
    c_cost[start * beam] = 0.0
    exact = True
    labels = 0
    for d in range(n_d):
        n_n[:] = 0
        worst[:] = inf
        wk_day = weekend[d]
        wk_left = weekends_left[d]
        cl = count_left[d]
        for k in range(n_k):
            count = c_n[k]
            if count == 0:
                continue
            work = k < n_work
            c = k // run_cap if work else 0
            r = k % run_cap + 1 if work else k - n_work
            # the options of this state: the day off, then each shift type
            off_ok = off_allowed[d] and off_cost[d] < inf
            off_k = n_work + 1
            if work:
                off_ok = off_ok and (r >= min_run or r == d)
            else:
                off_k = n_work + min(r + 1, off_cap)
            if work:
                can = r + 1 <= max_run
                nr = min(r + 1, run_cap)
            else:
                can = r >= min_off or r == d
                nr = 1
            for i in range(count):
                src = k * beam + i
                base_cost = c_cost[src]
                base_min = c_min[src]
                base_wk = c_wk[src]
                for j in range(-1, m):
                    if j < 0:
                        if not off_ok:
                            continue
                        k2 = off_k
                        x_cost = base_cost + off_cost[d]
                        if work and weekend_cont[d]:
                            x_cost += split_cost[d]  # the Saturday alone worked
                        x_min = base_min
                        x_wk = base_wk
                    else:
                        if not can or not allowed[d, j] or (work and forbid[c, j]):
                            continue
                        cj = cost[d, j]
                        if cj == inf:
                            continue
                        k2 = cls[j] * run_cap + nr - 1
                        x_cost = base_cost + cj
                        x_min = base_min + minutes[j]
                        x_wk = base_wk
                        if wk_day >= 0 and not (weekend_cont[d] and work):
                            x_wk += 1
                            if x_wk > max_wk:
                                continue
                            x_cost += wk_cost[d]
                            if weekend_cont[d]:
                                x_cost += split_cost[d]  # the Sunday alone worked
                        t = bind[j]
                        if t >= 0 and c_cnt[src, t] + 1 > limit[t]:
                            continue
                    q = 1 if x_wk >= max_wk else 0  # no further weekend allowed
                    if dead[q, d, k2]:
                        continue
                    if x_min + min_left[q, d, k2] > hi or x_min + max_left[q, d, k2] < lo:
                        continue
                    b = min(max_wk - x_wk, levels - 1) if levels > 1 else 0
                    rk = k2 % run_cap if k2 < n_work else run_cap + k2 - n_work
                    if x_min + capacity[b, d, rk] < lo:
                        continue
                    left_lo = min_left[0, d, k2]
                    left_hi = max_left[0, d, k2]
                    for t in range(n_t):
                        x_cnt[0, t] = c_cnt[src, t]
                    if j >= 0 and bind[j] >= 0:
                        x_cnt[0, bind[j]] += 1
                    # insert into the bucket of k2
                    b0 = k2 * beam
                    n = n_n[k2]
                    x_rank = x_cost
                    if lo > -BIG:
                        room = min(max_left[q, d, k2], capacity[b, d, rk])
                        if x_min + (1.0 - RISK_MARGIN) * room < lo:
                            x_rank += RISK_RANK  # at risk of falling short of the min
                    full_and_worse = n == beam and x_rank > worst[k2]
                    if full_and_worse and not exact:
                        continue
                    found = _dominated(
                        b0, n, n_cost, n_min, n_wk, n_cnt, x_cost, x_min, x_wk, x_cnt,
                        lo, hi, left_lo, left_hi, max_wk, wk_left, limit, cl,
                    )  # fmt: skip
                    dominated = found >= 0
                    if full_and_worse:
                        # dropped by the beam: the search stays exact only if it was dominated
                        exact = dominated
                        continue
                    if dominated:
                        continue
                    pos = -1
                    if n == beam:
                        # beam: a label of the same minutes and weekends (a "twin") is
                        # replaced when the candidate is cheaper, or as cheap with fewer
                        # shifts of the limited types; else the costliest label is
                        twin = -1
                        for e in range(b0, b0 + n):
                            if n_min[e] == x_min and n_wk[e] == x_wk:
                                twin = e
                                break
                        if twin >= 0:
                            better = x_cost < n_cost[twin]
                            if x_cost == n_cost[twin]:
                                used_x = 0
                                used_t = 0
                                for t in range(n_t):
                                    used_x += x_cnt[0, t]
                                    used_t += n_cnt[twin, t]
                                better = used_x < used_t
                            if not better:
                                exact = False
                                continue
                            if not _dominates(
                                0,
                                x_cost,
                                x_min,
                                x_wk,
                                x_cnt,
                                twin,
                                n_cost[twin],
                                n_min[twin],
                                n_wk[twin],
                                n_cnt,
                                lo,
                                hi,
                                left_lo,
                                left_hi,
                                max_wk,
                                wk_left,
                                limit,
                                cl,
                            ):
                                exact = False
                            pos = twin
                        elif x_rank == worst[k2]:
                            # ranked with the last: it takes the place of a last-ranked label
                            # that has a twin, if any (variety of minutes and weekends)
                            exact = False
                            pos = _evict(b0, n, n_rank, n_min, n_wk)
                            if not _has_twin(b0, n, n_min, n_wk, pos):
                                continue
                    if pos < 0:
                        e = b0
                        while e < b0 + n:
                            if _dominates(
                                0,
                                x_cost,
                                x_min,
                                x_wk,
                                x_cnt,
                                e,
                                n_cost[e],
                                n_min[e],
                                n_wk[e],
                                n_cnt,
                                lo,
                                hi,
                                left_lo,
                                left_hi,
                                max_wk,
                                wk_left,
                                limit,
                                cl,
                            ):
                                last = b0 + n - 1
                                n_cost[e] = n_cost[last]
                                n_rank[e] = n_rank[last]
                                n_min[e] = n_min[last]
                                n_wk[e] = n_wk[last]
                                for t in range(n_t):
                                    n_cnt[e, t] = n_cnt[last, t]
                                parent[d, e] = parent[d, last]
                                shift[d, e] = shift[d, last]
                                n -= 1
                            else:
                                e += 1
                        if n < beam:
                            pos = b0 + n
                            n += 1
                        else:
                            exact = False
                            pos = _evict(b0, n, n_rank, n_min, n_wk)
                    n_cost[pos] = x_cost
                    n_rank[pos] = x_rank
                    n_min[pos] = x_min
                    n_wk[pos] = x_wk
                    for t in range(n_t):
                        n_cnt[pos, t] = x_cnt[0, t]
                    parent[d, pos] = src
                    shift[d, pos] = j
                    labels += 1
                    n_n[k2] = n
                    if n == beam:
                        top = n_rank[b0]
                        for e in range(b0 + 1, b0 + n):
                            top = max(top, n_rank[e])
                        worst[k2] = top
        c_cost, n_cost = n_cost, c_cost
        c_min, n_min = n_min, c_min
        c_wk, n_wk = n_wk, c_wk
        c_cnt, n_cnt = n_cnt, c_cnt
        c_n, n_n = n_n, c_n
    # the final labels, cheapest first
    total = 0
    for k in range(n_k):
        total += c_n[k]
    slots = np.empty(total, dtype=np.int64)
    values = np.empty(total)
    i = 0
    for k in range(n_k):
        for e in range(k * beam, k * beam + c_n[k]):
            slots[i] = e
            values[i] = c_cost[e]
            i += 1
    order = np.argsort(values, kind="mergesort")
    n_out = min(n_best, total)
    rows = np.full((n_out, n_d), -1, dtype=np.int64)
    out_cost = np.empty(n_out)
    for q in range(n_out):
        pos = slots[order[q]]
        out_cost[q] = values[order[q]]
        for d in range(n_d - 1, -1, -1):
            rows[q, d] = shift[d, pos]
            pos = parent[d, pos]
    return rows, out_cost, exact, labels
