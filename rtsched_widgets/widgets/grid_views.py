"""The views of one grid: who has each open, what each selected, and the blocks they selected.

:class:`ViewTracker` keeps at most :data:`~rtsched_widgets.limits.MAX_VIEWS` views, least
recently seen first (the oldest is evicted), the number of views per user (for the grid's
``viewers``), each view's selected cell (for ``presence``) and each view's selected block
(for :meth:`ViewTracker.selected_block`). Rows and columns are indices of the view's kind;
:class:`SelectedBlock` turns a block into schedule names at the edge.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rtsched_widgets.limits import MAX_VIEWS
from rtsched_widgets.model.problem import Problem

Gone = list[tuple[str, str, bool]]
"""Views that went: (view id, user, whether it had a selection), least recently seen first."""


@dataclass(frozen=True)
class SelectedBlock:
    """The block of cells a view has selected, in schedule terms.

    ``view`` is the view's kind when it selected ("coverage": dates × posts, "roster": workers ×
    dates); ``user`` who selected; ``dates`` the ISO dates, ``posts`` the post indices and
    ``workers`` the worker ids of the block (``posts`` are every post in the roster view,
    ``workers`` are empty in the coverage view).
    """

    view: str
    user: str
    dates: tuple[str, ...]
    posts: tuple[int, ...]
    workers: tuple[str, ...] = ()

    def scope(self) -> dict[str, Any]:
        """The block as a ``{"dates": [...], "posts": [...]}`` scope (plus ``"workers"`` for a
        block of the roster view)."""
        out: dict[str, Any] = {"dates": list(self.dates), "posts": list(self.posts)}
        if self.workers:
            out["workers"] = list(self.workers)
        return out

    def __len__(self) -> int:
        """Number of cells: (date, post) pairs, or (worker, date) pairs in the roster view."""
        return len(self.dates) * (len(self.workers) if self.workers else len(self.posts))


@dataclass(frozen=True)
class Block:
    """A view's selected block by indices: ``seq`` orders blocks (latest highest), ``rows``
    are data rows of the view's ``kind``, ``c0..c1`` its columns (inclusive)."""

    seq: int
    kind: str
    rows: tuple[int, ...]
    c0: int
    c1: int

    def named(self, problem: Problem, user: str) -> SelectedBlock:
        """The block in schedule terms, as selected by ``user``."""
        iso = problem.calendar.iso
        if self.kind == "coverage":
            return SelectedBlock(
                self.kind,
                user,
                tuple(iso(d) for d in self.rows),
                tuple(range(self.c0, self.c1 + 1)),
            )
        return SelectedBlock(
            self.kind,
            user,
            tuple(iso(d) for d in range(self.c0, self.c1 + 1)),
            tuple(range(problem.n_shifts)),
            tuple(problem.workers[w].id for w in self.rows),
        )


class ViewTracker:
    """The views of one grid (see the module's docstring). Thread-safe; every operation costs
    the same however many views are tracked."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        #: view id -> user, least recently seen first; at most MAX_VIEWS.
        self.views: OrderedDict[str, str] = OrderedDict()
        #: Views per user.
        self.users: Counter[str] = Counter()
        #: view id -> [view kind, data row, column] of its selected cell.
        self.selections: dict[str, list[Any]] = {}
        #: view id -> its selected block.
        self.blocks: dict[str, Block] = {}
        self._block_seq = 0

    def user_of(self, view_id: str) -> str | None:
        """The user of ``view_id``, None when it is not tracked."""
        return self.views.get(view_id)

    def viewers(self) -> list[str]:
        """The users with a view open, sorted."""
        return sorted(self.users)

    def track(self, view_id: str, user: str) -> tuple[Gone, bool]:
        """Note ``view_id`` (of ``user``) as seen just now; returns the views evicted to stay
        within MAX_VIEWS and whether the set of users with a view changed."""
        gone: Gone = []
        with self.lock:
            old = self.views.get(view_id)
            if old is not None:
                self.views.move_to_end(view_id)
                if old == user:
                    return gone, False
            self.views[view_id] = user
            changed = old is not None and self._uncount(old)
            changed = self._count(user) or changed
            while len(self.views) > MAX_VIEWS:
                oldest, who = self.views.popitem(last=False)
                changed = self._uncount(who) or changed
                self.blocks.pop(oldest, None)
                had = self.selections.pop(oldest, None) is not None
                gone.append((oldest, who, had))
        return gone, changed

    def untrack(self, view_id: str) -> tuple[Gone, bool]:
        """Forget ``view_id`` (a bye): its user, selection and block; returns it as
        :meth:`track` returns evicted views (empty when it was not tracked)."""
        with self.lock:
            who = self.views.pop(view_id, None)
            self.blocks.pop(view_id, None)
            had = self.selections.pop(view_id, None) is not None
            if who is None:
                return [], False
            return [(view_id, who, had)], self._uncount(who)

    def _count(self, user: str) -> bool:
        """One more view of ``user``; True when it is their first."""
        self.users[user] += 1
        return self.users[user] == 1

    def _uncount(self, user: str) -> bool:
        """One view of ``user`` less; True when it was their last."""
        self.users[user] -= 1
        if self.users[user] <= 0:
            del self.users[user]
            return True
        return False

    def select(
        self,
        view_id: str,
        kind: str,
        cell: tuple[int, int],
        block: tuple[tuple[int, ...], int, int] | None,
    ) -> None:
        """``view_id`` selected ``cell`` (data row, column) in a view of ``kind`` and, when
        given, the block (data rows, c0, c1)."""
        with self.lock:
            self.selections[view_id] = [kind, cell[0], cell[1]]
            if block is not None:
                self._block_seq += 1
                rows, c0, c1 = block
                self.blocks[view_id] = Block(self._block_seq, kind, rows, c0, c1)

    def presence(self, colour_of: Callable[[str], str]) -> list[list[Any]]:
        """``[user, colour, view kind, data row, column, view id]`` of each selection."""
        out = []
        with self.lock:
            for view_id, (view, r, c) in sorted(self.selections.items()):
                who = self.views.get(view_id)
                if who is not None:
                    out.append([who, colour_of(who), view, r, c, view_id])
        return out

    def latest_block(
        self, view_ids: Iterable[str] | None, user: str | None
    ) -> tuple[Block, str] | None:
        """The block most recently selected in one of ``view_ids``, else in a view of
        ``user``, else in any view (when neither is given), with its view id."""
        with self.lock:
            blocks = dict(self.blocks)
            views = dict(self.views)
        wanted = set(view_ids) if view_ids is not None else set()
        tiers = (
            [vid for vid in blocks if vid in wanted],
            [vid for vid in blocks if user is not None and views.get(vid) == user],
            list(blocks) if view_ids is None and user is None else [],
        )
        for tier in tiers:
            if tier:
                chosen = max(tier, key=lambda vid: blocks[vid].seq)
                return blocks[chosen], chosen
        return None
