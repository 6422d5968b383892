"""``Scheduler(config)``: the original design's facade over a saldo-style config dict.

Every method returns a JSON-serialisable dict with at least ``success`` (bool) and ``message``;
edits add ``operation_id`` (None when refused), ``version``, ``error`` (one of
``rtsched_widgets.engine.result.ERROR_CODES`` or ``"REAL_TIME_DISABLED"``), ``introduced`` and
``resolved`` violations, ``replaced`` workers and ``suggestions``. The ``*_real_time`` methods,
undo/redo, history and analytics need real time enabled (constructor argument
``enable_real_time`` or config key ``"enable_real_time"``); otherwise they return
``{"success": False, "error": "REAL_TIME_DISABLED", ...}`` and change nothing.
Dates may be ISO (``2026-01-05``) or day-first (``05-01-2026``) as in saldo files; posts are
indices (``post_index``); users are ``user_id`` strings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from rtsched_widgets.engine.ops import Assign, Cell, Swap, Unassign
from rtsched_widgets.engine.result import OpResult, _plain
from rtsched_widgets.engine.schedule import Policy, Schedule
from rtsched_widgets.limits import abbreviate
from rtsched_widgets.model.errors import ProblemError

logger = logging.getLogger("rtsched_widgets.compat")

__all__ = ["Scheduler"]

_DISABLED = {
    "success": False,
    "error": "REAL_TIME_DISABLED",
    "operation_id": None,
    "message": "real-time features are disabled — create the Scheduler with "
    "enable_real_time=True or set config['enable_real_time'] = True",
}

# original-design operation keys -> dict form of rtsched_widgets.engine.ops
_KEY_ALIASES = {
    "operation": "op",
    "type": "op",
    "action": "op",
    "worker_id": "worker",
    "post_index": "post",
    "post_index1": "post1",
    "post_index2": "post2",
}
_OP_ALIASES = {
    "assign_worker": "assign",
    "unassign_worker": "unassign",
    "swap_workers": "swap",
    "move_worker": "move",
}


class Scheduler:
    """The original ``Scheduler(config)`` API on top of :class:`Schedule`.

    ``config``: a saldo-style config dict or JSON backup (with ``schedule``, which becomes the
    starting roster) — see :mod:`rtsched_widgets.model.io.saldo`. ``enable_real_time``
    overrides the config key of that name (default False). ``user_id`` is the default author.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        enable_real_time: bool | None = None,
        user_id: str = "system",
        policy: Policy | None = None,
    ) -> None:
        from rtsched_widgets.model.io import from_saldo

        if not isinstance(config, Mapping):
            raise TypeError("config: give a saldo-style config dict")
        flag = (
            config.get("enable_real_time", False) if enable_real_time is None else enable_real_time
        )
        if not isinstance(flag, bool):
            raise ValueError(f"enable_real_time: {flag!r} — give True or False")
        self.config = dict(config)
        self.enable_real_time = flag
        problem, roster = from_saldo({k: v for k, v in config.items() if k != "enable_real_time"})
        self.problem = problem
        self.schedule = Schedule(problem, user=user_id, roster=roster, policy=policy)

    # ------------------------------------------------------------------ helpers
    def _day(self, value: Any, field: str) -> date:
        from rtsched_widgets.model.io._dates import parse_day

        if not isinstance(value, str | date) and not hasattr(value, "to_pydatetime"):
            raise ProblemError(
                field, f"{abbreviate(value)} is not a date", fix="give 2026-01-05 or 05-01-2026"
            )
        return parse_day(value, field)

    def _result(self, r: OpResult, **extra: Any) -> dict[str, Any]:
        out = {
            "success": r.ok,
            "message": r.message,
            "operation_id": r.op_id,
            "version": r.version,
            "error": r.error,
            "forced": r.forced,
            "replaced": list(r.replaced),
            "introduced": [_plain(v) for v in r.introduced],
            "resolved": [_plain(v) for v in r.resolved],
            "suggestions": [_plain(s) for s in r.suggestions],
            "cells": [list(c) for c in r.cells],
            "user_id": r.user,
        }
        out.update(_plain(extra))
        return out

    @staticmethod
    def _bad(message: str, code: str = "MALFORMED") -> dict[str, Any]:
        return {"success": False, "error": code, "operation_id": None, "message": message}

    def _edit(self, build: Any, user_id: str | None, force: bool, **extra: Any) -> dict[str, Any]:
        if not self.enable_real_time:
            return dict(_DISABLED)
        try:
            op = build()
        except ProblemError as exc:
            return self._bad(str(exc))
        r = self.schedule.apply(op, force=force, user=user_id)
        return self._result(r, **extra)

    # ------------------------------------------------------------------ edits
    def assign_worker_real_time(
        self,
        worker_id: str,
        date: Any,
        post_index: int,
        user_id: str | None = None,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Put ``worker_id`` on ``post_index`` of ``date`` (replacing its occupant)."""
        return self._edit(
            lambda: Assign(worker_id, self._day(date, "date"), post_index),
            user_id,
            force,
            worker_id=worker_id,
            post_index=post_index,
        )

    def unassign_worker_real_time(
        self, date: Any, post_index: int, user_id: str | None = None, *, force: bool = False
    ) -> dict[str, Any]:
        """Empty ``post_index`` of ``date``."""
        return self._edit(
            lambda: Unassign(self._day(date, "date"), post_index),
            user_id,
            force,
            post_index=post_index,
        )

    def swap_workers_real_time(
        self,
        date1: Any,
        post1: int,
        date2: Any,
        post2: int,
        user_id: str | None = None,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Exchange the workers of ``(date1, post1)`` and ``(date2, post2)``."""
        return self._edit(
            lambda: Swap(
                Cell(self._day(date1, "date1"), post1), Cell(self._day(date2, "date2"), post2)
            ),
            user_id,
            force,
        )

    def bulk_update_real_time(
        self,
        operations: Iterable[Mapping[str, Any]],
        user_id: str | None = None,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """Apply ``operations`` atomically (all or nothing, one undo step). Each is a dict in
        the engine's form (``{"op": "assign", "worker", "date", "post"}``) or the original one
        (``{"operation": "assign", "worker_id", "date", "post_index"}``).

        Never raises on bad input: an entry that is not a dict, names no known action, lacks a
        field or has one of the wrong type gives ``{"success": False, "error": "MALFORMED",
        "message": ...}`` naming the entry (``operations[i]``) and the field; nothing changes.
        """
        if not self.enable_real_time:
            return dict(_DISABLED)
        if isinstance(operations, str | bytes | Mapping) or not isinstance(operations, Iterable):
            return self._bad("operations: give a list of operation dicts")
        try:
            ops = self._bulk_ops(operations)
        except ProblemError as exc:
            return self._bad(str(exc))
        try:
            r = self.schedule.bulk(ops, force=force, user=user_id)
        except Exception as exc:  # the facade answers with a dict, whatever the input
            logger.exception("bulk_update_real_time failed")
            return self._bad(
                f"operations: could not be applied ({type(exc).__name__}: "
                f"{abbreviate(str(exc), 200)}) — check each operation's fields"
            )
        return self._result(r, operations=len(ops))

    def _bulk_ops(self, operations: Iterable[Any]) -> list[dict[str, Any]]:
        """The engine's dict form of each entry; ProblemError naming the entry otherwise."""
        ops: list[dict[str, Any]] = []
        actions = ("assign", "unassign", "swap", "move", "bulk")
        known = sorted({*_OP_ALIASES, *actions})
        for i, raw in enumerate(operations):
            where = f"operations[{i}]"
            if not isinstance(raw, Mapping):
                raise ProblemError(
                    where,
                    f"{abbreviate(raw)} is not an operation dict",
                    fix='give a dict like {"operation": "assign", "worker_id": ..., "date": ..., '
                    '"post_index": ...}',
                )
            op: dict[str, Any] = {}
            for k, v in raw.items():
                if not isinstance(k, str):
                    raise ProblemError(
                        where, f"key {abbreviate(k)} is not a field name", fix="use str keys"
                    )
                op[_KEY_ALIASES.get(k, k)] = v
            name = op.get("op")
            if isinstance(name, str):
                name = _OP_ALIASES.get(name, name)
            if not isinstance(name, str) or name not in actions:
                raise ProblemError(
                    f"{where}.operation",
                    f"{abbreviate(name)} is not an action",
                    fix=f"use one of {known}",
                )
            op["op"] = name
            for key in ("date", "date1", "date2"):
                if key in op and isinstance(op[key], str):
                    op[key] = self._day(op[key], f"{where}.{key}")
            ops.append(op)
        return ops

    # ------------------------------------------------------------------ checks & reports
    def validate_schedule_real_time(self, quick_check: bool = False) -> dict[str, Any]:
        """The current violations. ``quick_check``: counts only (from the maintained set, no
        list); otherwise every violation as a dict."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        score = self.schedule.score()
        out: dict[str, Any] = {
            "success": True,
            "valid": score.hard == 0,
            "hard_violations": int(score.hard),
            "soft_penalty": float(score.soft),
            "version": self.schedule.version,
            "message": f"{score.hard} hard violation(s), soft penalty {score.soft:g}",
        }
        if not quick_check:
            out["violations"] = _plain(self.schedule.validate())
        return out

    def get_real_time_analytics(self) -> dict[str, Any]:
        """Coverage, load, fairness, violations by rule, latency and event rate."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        return {"success": True, "message": "analytics", **self.schedule.analytics().to_dict()}

    def get_change_history(self, limit: int = 20, user_id: str | None = None) -> dict[str, Any]:
        """The newest ``limit`` changes (of ``user_id`` if given), oldest first."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            return self._bad(f"limit: {limit!r} — give an int >= 0")
        frame = self.schedule.history_frame(user=user_id, limit=limit)
        changes = [
            {
                "operation_id": row["op_id"],
                "version": int(row["version"]),
                "user_id": row["user"],
                "timestamp": row["timestamp"].isoformat(),
                "kind": row["kind"],
                "message": row["message"],
                "forced": bool(row["forced"]),
                "undoes": row["undoes"],
                "cells": [list(c) for c in row["cells"]],
                "before": [[*c, w] for c, w in row["before"].items()],
                "after": [[*c, w] for c, w in row["after"].items()],
            }
            for row in frame.to_dict(orient="records")
        ]
        return {"success": True, "message": f"{len(changes)} change(s)", "changes": changes}

    def undo_last_change(self, user_id: str | None = None) -> dict[str, Any]:
        """Undo ``user_id``'s last change (refused when others changed its cells since)."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        return self._result(self.schedule.undo(user=user_id))

    def redo_last_change(self, user_id: str | None = None) -> dict[str, Any]:
        """Redo ``user_id``'s last undone change."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        return self._result(self.schedule.redo(user=user_id))

    # ------------------------------------------------------------------ generation
    def generate_schedule(
        self, strategy: str = "auto", time_limit: float = 10, seed: int = 0
    ) -> dict[str, Any]:
        """Build the schedule with a generation strategy (works with real time on or off);
        ``schedule`` maps each ISO date to one worker id (or None) per post."""
        r = self.schedule.generate(strategy=strategy, time_limit=time_limit, seed=seed)
        return self._result(r, schedule=self.get_schedule(), details=r.details)

    def start_solving_real_time(
        self,
        strategy: str = "auto",
        time_limit: float = 60,
        seed: int = 0,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """Start a live solve (see :meth:`Schedule.start_solving`): it improves the schedule in
        the background, as edits by ``"solver"``, while edits keep working. ``job_id`` names
        the run; refused (``error`` ``"SOLVER_BUSY"``) while another runs."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        from rtsched_widgets.solve.solving import SolverBusy

        try:
            job = self.schedule.start_solving(
                strategy=strategy, time_limit=time_limit, seed=seed, user=user_id
            )
        except SolverBusy as exc:
            return {"success": False, "error": "SOLVER_BUSY", "message": str(exc)}
        except (KeyError, ValueError, TypeError) as exc:
            return self._bad(f"start_solving: {exc}")
        return {
            "success": True,
            "message": f"{job.user} started {strategy} for {job.time_limit:g} s",
            "job_id": job.id,
            "started_by": job.user,
        }

    def stop_solving_real_time(self, user_id: str | None = None) -> dict[str, Any]:
        """Stop the running live solve and wait for its last improvement (``success`` False
        when none runs, or when the policy lets only its starter stop it)."""
        if not self.enable_real_time:
            return dict(_DISABLED)
        job = self.schedule.solving
        if job is None:
            return {"success": False, "error": "NOT_SOLVING", "message": "no solve is running"}
        try:
            self.schedule.stop_solving(user=user_id)
        except PermissionError as exc:
            return {"success": False, "error": "FORBIDDEN", "message": str(exc)}
        out = job.result
        return {
            "success": True,
            "message": f"stopped {job.strategy} after {out.elapsed:.1f} s" if out else "stopping",
            "job_id": job.id,
            "status": out.status if out else "stopping",
            "merges": out.merges if out else None,
            "cells_changed": out.cells_changed if out else None,
            "hard_violations": out.hard if out else None,
            "objective": out.objective if out else None,
        }

    def get_schedule(self) -> dict[str, list[str | None]]:
        """ISO date -> one entry per post of that date: the worker id or None."""
        p, roster = self.problem, self.schedule.core
        out: dict[str, list[str | None]] = {}
        for d in range(p.n_days):
            posts = [s for s in range(p.n_shifts) if p.maximum[d, s] > 0]
            out[p.calendar.iso(d)] = [
                (p.workers[w].id if (w := int(roster.slots[d, s, 0])) >= 0 else None) for s in posts
            ]
        return out
