"""The edit pipeline: the one path every edit of a :class:`Schedule` takes.

:func:`run_edit` (``Schedule.apply`` and every edit method end here):

1. the operation is parsed and its addresses resolved (bad input -> a failed ``OpResult``)
   into a plan of slot and worker changes by the schedule's
   :class:`~rtsched_widgets.engine.planning.Planner` — from here on every address is an index
   (day, post, slot, worker); names are produced only for the messages, the history record and
   the ISO ``cells`` of results and events;
2. access checks (:func:`check_access`): locks of the collaboration session and optimistic
   concurrency against ``base_version``;
3. the rule engine previews the violations the change would introduce and resolve;
4. the policy decides (:func:`decide_and_commit`): apply, block (hard violation, pinned cell)
   or apply forced;
5. :func:`commit`: the replication port (``schedule.collab.persist``) hands the record to the
   shared store first, then the roster changes, the rule engine commits the delta and the
   history records the op with its inverse;
6. the schedule's event bus publishes one event for the op (plus ``violations_changed`` when
   violations changed), each carrying the changed slots and the violation records added and
   removed (see :data:`EVENT_OF_KIND` and :func:`commit`);
7. an :class:`~rtsched_widgets.engine.result.OpResult` is returned (an
   :class:`~rtsched_widgets.engine.result.AppliedResult`).

Nothing on this path reads the violation records of the rule engine's ``Delta`` (which it
builds on their first read): the events' payloads and live entries are built when a listener
or a history reader needs them, the result's ``introduced``/``resolved`` when read.

A refused edit changes nothing: not the roster, not the rule engine, not the history, not the
versions; it only publishes ``op_rejected``.

The pipeline keeps no state of its own: it reads and writes the edit state of the schedule it
is given (``core``, ``validator``, ``oplog``, ``events``, ``latency``, ``version``,
``cell_version``, ``latest_by_user`` and the per-edit context ``_remote``, ``_event_extra``,
``_op_group`` that :meth:`Schedule.set_slots` and :func:`apply_remote` set around a call).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any

from rtsched_widgets.engine.events import plain_event_bytes
from rtsched_widgets.engine.history import OpRecord
from rtsched_widgets.engine.ops import (
    OP_TYPES,
    Assign,
    Unassign,
    new_assign,
    new_unassign,
    parse_op,
)
from rtsched_widgets.engine.planning import Plan, SetSlots
from rtsched_widgets.engine.result import OpError, OpResult, edit_result, failure
from rtsched_widgets.engine.slot_record import slot_record
from rtsched_widgets.limits import MAX_ID_LENGTH, abbreviate, clip

if TYPE_CHECKING:
    from rtsched_widgets.engine.schedule import Schedule

__all__ = ["EVENT_OF_KIND", "StoreBehind", "apply_remote", "run_edit", "run_one_slot"]

#: Event published for each applied op kind.
EVENT_OF_KIND: dict[str, str] = {
    "assign": "assigned",
    "unassign": "unassigned",
    "swap": "swapped",
    "move": "moved",
    "bulk": "bulk_applied",
    "merge": "bulk_applied",
    "undo": "undone",
    "redo": "redone",
    "generate": "generation_finished",
}

# plain_event_bytes(user, chars, items) of an edit's events, written out in commit(): this
# base plus chars, items times this, plus the user's length
_EVENT_BASE_BYTES = plain_event_bytes(None, 0, 0)
_EVENT_ITEM_BYTES = plain_event_bytes(None, 0, 1) - _EVENT_BASE_BYTES

_PLANNED = (*OP_TYPES, SetSlots)
"""What :func:`run_edit` plans as it is (anything else goes through ``parse_op``)."""


class StoreBehind(Exception):
    """Raised by the replication port (``collab.persist``, see :func:`commit`) when another
    process appended to the shared log first: the schedule catches up and re-checks the
    edit."""


def run_edit(
    schedule: Schedule,
    op: Any,
    force: bool,
    user: str | None,
    base_version: int | None,
    dry: bool = False,
    kind: str | None = None,
    undoes: OpRecord | None = None,
    checks: bool = True,
    reason: str | None = None,
) -> OpResult:
    """Run ``op`` (an Op, its dict form or a :class:`SetSlots`) through steps 1–7 as
    ``user`` (None: the schedule's user); never raises for bad input, answers a failed
    ``OpResult``. ``dry``: a preview (nothing changes, nothing is published); ``kind``: the
    recorded kind when it is not the op's; ``undoes``: the record an undo/redo reverts;
    ``checks=False``: no rule or pinned-cell check (a pure rollback, a replicated op, a merge
    that checked itself); ``reason``: recorded with a forced edit. Every call but a preview
    is timed into ``schedule.latency`` by kind. (No parameter is keyword-only: a call of a
    function with keyword-only parameters is not specialised by the interpreter, and the
    facade's edit methods pass ``force``, ``user`` and ``base_version`` by position, as a
    call with keywords costs more than the rest of its line; give the others by keyword.)"""
    t0 = time.perf_counter_ns()
    if user is not None and (not isinstance(user, str) or not user or len(user) > MAX_ID_LENGTH):
        return failure(
            "MALFORMED",
            f"user: {abbreviate(user)} is not a user name — give a non-empty str of at most "
            f"{MAX_ID_LENGTH} characters (or None for {schedule.user!r})",
            kind=getattr(op, "kind", kind or ""),
            version=schedule.version,
            preview=dry,
        )
    who = user or schedule.user
    lock = schedule._lock
    lock.acquire()  # the edit lock, taken without a with block (half its calls)
    try:
        try:
            cls = op.__class__
            one_slot = cls is Assign or cls is Unassign  # (no isinstance call for these)
            if not one_slot and not isinstance(op, _PLANNED):  # an Op (or SetSlots) as it is
                op = parse_op(op)
                one_slot = op.__class__ is Assign or op.__class__ is Unassign
            op_kind = kind or op.kind
            if force is not False and force is not True:  # (isinstance(force, bool))
                raise OpError("MALFORMED", "force: give True or False")
            while True:
                # a plain assign or unassign: its direct planner, without Planner.plan's
                # dispatch (a call less); anything it leaves (None) goes the usual way
                planner = schedule.planner
                plan = planner.plan_one_slot(op, op_kind) if one_slot else None
                if plan is None:
                    plan = planner.plan(op, op_kind)
                # a replicated op was checked by its author's replica; without a store
                # or a base version there is nothing to check
                if schedule._remote is None and (
                    schedule.collab is not None or base_version is not None
                ):
                    check_access(schedule, plan, who, base_version, op, force)
                try:
                    result = decide_and_commit(
                        schedule, plan, op, who, force, base_version, dry, undoes, checks, reason
                    )
                except StoreBehind:  # another process wrote first: catch up, re-check
                    schedule.collab.catch_up()
                    if undoes is not None:
                        raise OpError(
                            "STALE", f"the store moved on during this {op_kind} — retry it"
                        ) from None
                    continue
                break
        except OpError as err:
            result = failure(
                err.code,
                err.message,
                kind=getattr(op, "kind", kind or ""),
                version=schedule.version,
                user=who,
                preview=dry,
                **err.extra,
            )
            if not dry:
                schedule.events.publish(
                    "op_rejected",
                    {
                        "kind": result.kind,
                        "error": result.error,
                        "message": result.message,
                        "version": schedule.version,
                    },
                    who,
                )
        if not dry:  # timed up to here, recorded before the edit lock goes
            latency = schedule.latency
            if latency._lock is lock:  # the schedule's own tracker: no second lock
                latency.record_ns_held(result.kind or "invalid", time.perf_counter_ns() - t0)
            else:
                latency.record_ns(result.kind or "invalid", time.perf_counter_ns() - t0)
    finally:
        lock.release()
    return result


def run_one_slot(
    schedule: Schedule,
    unassign: bool,
    worker: Any,
    date: Any,
    post: Any,
    slot: Any,
    force: bool,
    user: str | None,
    base_version: int | None,
) -> OpResult:
    """``run_edit(schedule, op, force, user, base_version)`` of ``op =
    Unassign(date, post, slot, worker)`` (``unassign``) or ``Assign(worker, date, post,
    slot)``: the facade's ``assign`` and ``unassign``. The same result, state, history, events
    and latency record as that call.

    An edit that plain (no slot given, nothing but an ISO date and a post index, no worker
    named for an unassign, not forced, no base version, no shared store, not replicated, by
    a valid user) which the schedule's policy lets through — the gate finds no hard violation
    and no pinned day is emptied — is planned from the fields (``Planner.plan_cell``) and
    committed here, without building the op or going through ``run_edit``'s and
    ``decide_and_commit``'s calls; every other edit (and every refusal) goes to ``run_edit``
    with the op, before anything has changed."""
    if (
        slot is None
        and force is False
        and base_version is None
        and (user is None or (user.__class__ is str and 0 < len(user) <= MAX_ID_LENGTH))
        and schedule.collab is None
        and schedule._remote is None
        and not schedule._event_extra
    ):
        t0 = time.perf_counter_ns()
        lock = schedule._lock
        lock.acquire()
        try:
            kind = "unassign" if unassign else "assign"
            plan = schedule.planner.plan_cell(unassign, worker, date, post, kind)
            if plan is not None:
                policy = schedule.policy
                ok = True
                if policy.protect_pinned:  # (decide_and_commit's check, written out)
                    mandatory = schedule._mandatory
                    for w, d, old, new in plan.changes:
                        if old >= 0 and new < 0 and mandatory[w, d]:
                            ok = False  # refused: run_edit words it
                if ok and policy.block_hard:
                    ok = not schedule.validator.may_introduce_hard(plan.changes)
                if ok:
                    who = user or schedule.user
                    result = commit(schedule, plan, who, False, None, None)
                    latency = schedule.latency  # timed up to here, as run_edit does
                    if latency._lock is lock:
                        latency.record_ns_held(kind, time.perf_counter_ns() - t0)
                    else:
                        latency.record_ns(kind, time.perf_counter_ns() - t0)
                    return result
        finally:
            lock.release()
    if unassign:
        return run_edit(schedule, new_unassign(date, post, slot, worker), force, user, base_version)
    return run_edit(schedule, new_assign(worker, date, post, slot), force, user, base_version)


def check_access(
    schedule: Schedule,
    plan: Plan,
    user: str,
    base_version: int | None,
    op: Any = None,
    force: bool = False,
) -> None:
    """Step 2 of the path, for a local op with a store or a base version: locks and
    optimistic concurrency (raise OpError to refuse)."""
    collab = schedule.collab
    if collab is not None:
        collab.check_locks(plan.slot_changes, user)
    if base_version is None:
        return
    if isinstance(base_version, bool) or not isinstance(base_version, int):
        raise OpError("MALFORMED", "base_version: give the schedule version as an int")
    if not (schedule.policy.check_stale or collab is not None):
        return
    if schedule.policy.conflicts == "last_writer_wins":
        return
    stale = stale_cells(schedule, plan.slot_changes, base_version)
    if not stale:
        return
    if schedule.policy.conflicts == "manual" and collab is not None and hasattr(op, "to_dict"):
        c = collab.queue_conflict(user, op.to_dict(), base_version, force, stale)
        raise OpError(
            "CONFLICT_QUEUED",
            f"{stale[0]['cell']} changed after your version {base_version}: your edit is "
            f"queued as conflict {c.id} for someone to accept or reject",
            details={"conflict_id": c.id, "current": stale},
        )
    first = stale[0]
    now = ", ".join(first["current"]) or "(empty)"
    raise OpError(
        "STALE",
        f"{first['cell']} changed at version {first['version']} after your version "
        f"{base_version} (now: {now}) — reload and retry",
        details={"current": stale},
    )


def decide_and_commit(
    schedule: Schedule,
    plan: Plan,
    op: Any,
    user: str,
    force: bool,
    base_version: int | None,
    dry: bool,
    undoes: OpRecord | None,
    checks: bool = True,
    reason: str | None = None,
) -> OpResult:
    """Steps 3–4 (``checks=False``: a pure rollback, applied like a forced op without
    being marked forced)."""
    p, policy = schedule.problem, schedule.policy
    skip = force or not checks
    if force and not policy.allow_force:
        raise OpError("FORCE_NOT_ALLOWED", "force=True is not allowed by this schedule's policy")
    if policy.protect_pinned and not skip:
        for w, d, old, new in plan.changes:
            if old >= 0 and new < 0 and schedule._mandatory[w, d]:
                raise OpError(
                    "PINNED",
                    f"{p.workers[w].id} must work {p.calendar.iso(d)} (mandatory day, "
                    "pinned) — move them within that date, or pass force=True",
                )
    delta = None
    if dry:
        gate = True
    elif policy.block_hard and not skip:
        gate = schedule.validator.may_introduce_hard(plan.changes)
    else:
        gate = False
    if gate:
        delta = schedule.validator.preview(plan.changes)
        hard_new = [v for v in delta.introduced if v.severity == "hard"]
        if hard_new and policy.block_hard and not skip:
            first = hard_new[0].message
            more = f" (and {len(hard_new) - 1} more)" if len(hard_new) > 1 else ""
            raise OpError(
                "HARD_VIOLATION",
                f"refused: {first}{more} — pass force=True to apply anyway",
                introduced=tuple(delta.introduced),
                resolved=tuple(delta.resolved),
                hard_delta=int(delta.hard),
                soft_delta=float(delta.soft),
                suggestions=tuple(alternatives(schedule, op, plan)),
            )
    if dry:
        assert delta is not None
        return OpResult(
            ok=True,
            message=f"would apply: {plan.message}",
            version=schedule.version,
            introduced=tuple(delta.introduced),
            resolved=tuple(delta.resolved),
            replaced=tuple(p.workers[w].id for w in plan.replaced),
            kind=plan.kind,
            user=user,
            preview=True,
            forced=force,
            cells=planned_cells(schedule, plan),
            slots=plan.slot_changes,
            hard_delta=int(delta.hard),
            soft_delta=float(delta.soft),
        )
    if force and reason:
        plan.message = f"{plan.message} (forced: {clip(reason, 300)})"
    return commit(schedule, plan, user, force, base_version, undoes)


def planned_cells(schedule: Schedule, plan: Plan) -> tuple[tuple[str, int, int], ...]:
    """The ``(ISO date, post, slot)`` of each slot ``plan`` changes (``OpResult.cells``)."""
    iso = schedule._iso
    return tuple((iso[d], s, k) for d, s, k, _, _ in plan.slot_changes)


def commit(
    schedule: Schedule,
    plan: Plan,
    user: str,
    forced: bool,
    base_version: int | None,
    undoes: OpRecord | None,
) -> OpResult:
    """Step 5–7: persist (a shared store first: nothing changes when it refuses), change
    the roster, commit the validator, record, publish.

    The event of the op (:data:`EVENT_OF_KIND`, ``remote_applied`` for a replicated op) and
    ``violations_changed`` carry, besides their counts, ``"slots"`` (the plan's
    ``(day, post, slot, old worker, new worker)`` index tuples) and ``"added"`` / ``"removed"``
    (the rule engine's ``Delta.introduced`` / ``Delta.resolved`` records): the very objects
    the plan and the rule engine made, handed over without a copy, as live entries: delivered
    to listeners, not kept in the event histories (see
    :data:`rtsched_widgets.engine.events.ROSTER_EVENTS`)."""
    remote = schedule._remote
    version = schedule.version + 1
    op_id = f"{schedule.id}-{version}" if remote is None else str(remote["op_id"])
    names = schedule._names
    slot_changes = plan.slot_changes
    if plan.replaced:
        ids = schedule._ids
        replaced = tuple([ids[w] for w in plan.replaced])
    else:
        replaced = ()
    undone = undoes.op_id if undoes is not None else None
    kind = plan.kind
    one = len(slot_changes) == 1  # most edits: one slot
    rec = slot_record(
        op_id,
        version,
        user,
        time.time() if remote is None else float(remote["ts"]),
        kind,
        # the flat change tuple: one slot's change is one already
        slot_changes[0] if one else tuple(chain.from_iterable(slot_changes)),
        names,
        forced,
        plan.message,
        undone,
    )
    if remote is None and schedule.collab is not None:
        schedule.collab.persist(rec)  # to the shared store; may raise StoreBehind first
    roster = schedule.core
    cell_versions = schedule._cell_versions
    if one:
        d, s, k, old, new = slot_changes[0]
        if old >= 0:
            roster.clear(d, s, k)
        if new >= 0:
            roster.place(new, d, s, k)
        delta = schedule.validator.commit(plan.changes)
        cell_versions[d][s] = version
    else:
        for d, s, k, old, _ in slot_changes:
            if old >= 0:
                roster.clear(d, s, k)
        for d, s, k, _, new in slot_changes:
            if new >= 0:
                roster.place(new, d, s, k)
        delta = schedule.validator.commit(plan.changes)
        for d, s, _, _, _ in slot_changes:
            cell_versions[d][s] = version
    schedule.version = version
    schedule._latest_by_user[user] = version
    oplog = schedule.oplog
    if undoes is None:
        if oplog._lock is schedule._lock:  # the schedule's own history: held already
            oplog.record_held(rec, schedule._op_group)
        else:
            oplog.record(rec, schedule._op_group)
    elif kind == "undo":
        oplog.mark_undone(undone, rec)  # type: ignore[arg-type]
    else:
        oplog.mark_redone(undone, rec)  # type: ignore[arg-type]
    # The edit's violation records (``delta.introduced``/``resolved``) are read only by whoever
    # asks for them: a listener (the events' live entries), a reader of an event history (the
    # payloads' counts) or of the result. The rule engine builds them on that first read.
    # the scores as int and float (the validator's are already: no conversion call then)
    hard = hard_delta = delta.hard
    if hard.__class__ is not int:
        hard_delta = int(hard)
    soft_delta = delta.soft
    if soft_delta.__class__ is not float:
        soft_delta = float(soft_delta)
    event_type = EVENT_OF_KIND.get(kind, "bulk_applied") if remote is None else "remote_applied"
    events = schedule.events
    # what the payloads of both events are built from when someone reads them (kept by the
    # event histories: see _edit_counts; the record holds the op's id, version, kind, changes,
    # names, forced and undoes) and what their live entries are built from at delivery
    counts = delta.counts
    if counts is None:  # only reading the records tells: counted when a payload is read
        args = [rec, replaced, base_version, hard_delta, soft_delta, delta, None]
        # violations changed: a score change says so without reading the records
        changed = hard_delta or soft_delta or delta.changed
    else:  # counted already: the histories keep two ints, not the Delta and its moves
        introduced, resolved = counts
        args = [rec, replaced, base_version, hard_delta, soft_delta, introduced, resolved]
        changed = hard_delta or soft_delta or introduced or resolved  # (its truth is read)
    live_args = (slot_changes, delta)
    extra = schedule._event_extra
    if extra:
        payload = op_event_payload(args)
        payload.update(extra)
        events.publish_owned(event_type, payload, user, edit_live_entries(live_args))
        if changed:
            events.publish_built(
                "violations_changed",
                violations_event_payload,
                args,
                user,
                plain_event_bytes(user, len(op_id), 0),
                edit_live_entries,
                live_args,
            )
    else:
        # the payload's byte estimate (events.event_bytes), known from its shape: strs
        # op_id, kind, undoes; the cells (a list each) and the replaced workers' ids
        id_chars = len(op_id)
        chars = id_chars + len(kind)
        if undone is not None:
            chars += len(undone)
        items = 1 if one else len(slot_changes)
        if replaced:
            items += len(replaced)
            if len(replaced) <= 8:
                chars += sum([len(r) for r in replaced])
        base = _EVENT_BASE_BYTES + len(user)  # (plain_event_bytes, written out)
        events.publish_built_pair(
            event_type,
            op_event_payload,
            base + chars + _EVENT_ITEM_BYTES * items,
            "violations_changed" if changed else None,
            violations_event_payload,
            base + id_chars,
            args,
            user,
            edit_live_entries,
            live_args,
        )
    message = plan.message
    if forced and hard > 0 and "(forced: " not in message:
        message += " (forced)"
    return edit_result(
        message,
        op_id,
        version,
        delta,
        names[0],
        replaced,
        forced,
        kind,
        user,
        hard_delta,
        soft_delta,
        {"base_version": base_version} if base_version is not None else {},
        slot_changes,
    )


# The payloads of an applied edit's events are built, when someone reads them, from a list
# the event histories keep: [the edit's history record (a SlotRecord: op_id, version, kind,
# the flat slot changes, the names, forced, undoes), replaced worker ids, base_version,
# hard_delta, soft_delta, the rule engine's Delta, None] — or, when the Delta counts its
# records without building them (``Delta.counts``: the validator's deltas), the introduced
# and resolved counts in the last two places from the start, so the histories hold no Delta.
# Otherwise the counts are read off the Delta (which builds its records for it) on the first
# read; the list then keeps them (resolved count, then the introduced count in the Delta's
# place) and lets the Delta go, so the histories never hold an edit's violation records.
_DELTA, _RESOLVED = 5, 6


def _edit_counts(args: list[Any]) -> tuple[int, int]:
    """(introduced, resolved) counts of an edit, from its event arguments."""
    held = args[_DELTA]
    if held.__class__ is int:  # counted by an earlier read (which wrote resolved first)
        return held, args[_RESOLVED]
    introduced, resolved = len(held.introduced), len(held.resolved)
    args[_RESOLVED] = resolved
    args[_DELTA] = introduced
    return introduced, resolved


def edit_live_entries(live_args: tuple[Any, Any]) -> dict[str, Any]:
    """The live entries of an applied edit's events (see :data:`~rtsched_widgets.engine.
    events.ROSTER_EVENTS`) from ``(slot changes, the rule engine's Delta)``: built at
    delivery, when a bus has a listener."""
    slot_changes, delta = live_args
    return {"slots": slot_changes, "added": delta.introduced, "removed": delta.resolved}


def op_event_payload(args: list[Any]) -> dict[str, Any]:
    """The payload of an applied edit's event (see :data:`~rtsched_widgets.engine.events.
    ROSTER_EVENTS`), without its live entries."""
    rec, replaced, base = args[0], args[1], args[2]
    iso, ids = rec._names
    ch = rec._changes
    introduced, resolved = _edit_counts(args)
    payload = {
        "op_id": rec.op_id,
        "version": rec.version,
        "kind": rec.kind,
        "cells": [
            [iso[ch[i]], ch[i + 1], ch[i + 2], ids[ch[i + 4]] if ch[i + 4] >= 0 else None]
            for i in range(0, len(ch), 5)
        ],
        "introduced": introduced,
        "resolved": resolved,
        "forced": rec.forced,
        "replaced": list(replaced),
        "base_version": base,
    }
    if rec.undoes is not None:
        payload["undoes"] = rec.undoes
    return payload


def violations_event_payload(args: list[Any]) -> dict[str, Any]:
    """The payload of ``violations_changed`` (without its live entries)."""
    introduced, resolved = _edit_counts(args)
    rec = args[0]
    return {
        "op_id": rec.op_id,
        "version": rec.version,
        "introduced": introduced,
        "resolved": resolved,
        "hard_delta": args[3],
        "soft_delta": args[4],
    }


def stale_cells(schedule: Schedule, slot_changes: Any, base_version: int) -> list[dict[str, Any]]:
    """The cells of a change that changed after ``base_version``, with what they hold."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for d, s, _k, _old, _new in slot_changes:
        v = int(schedule.cell_version[d, s])
        if v <= base_version or (d, s) in seen:
            continue
        seen.add((d, s))
        cap = int(schedule.problem.maximum[d, s])
        current = [schedule._ids[w] for w in schedule.core.slots[d, s, :cap] if w >= 0]
        by = next((r.user for r in reversed(schedule.oplog.records()) if r.version == v), None)
        out.append(
            {
                "cell": schedule.planner.label(d, s),
                "date": schedule._iso[d],
                "post": int(s),
                "version": v,
                "current": current,
                "by": by,
            }
        )
    return out


def alternatives(schedule: Schedule, op: Any, plan: Plan) -> list[dict[str, Any]]:
    """Up to ``policy.suggestions`` alternatives to a refused ``op`` (none when they cannot be
    worked out); see :func:`rtsched_widgets.engine.suggestions.alternatives`."""
    from rtsched_widgets.engine.suggestions import alternatives

    try:
        return alternatives(schedule, op, plan.changes, k=schedule.policy.suggestions)
    except OpError:
        return []


def apply_remote(
    schedule: Schedule,
    version: int,
    op: Mapping[str, Any],
    targets: list[tuple[int, int, int, int]],
) -> OpResult:
    """See :meth:`Schedule.apply_remote`."""
    kind = str(op.get("kind") or "bulk")
    with schedule._lock:
        if version != schedule.version + 1:
            raise ValueError(f"remote op at version {version}, schedule at {schedule.version}")
        undoes = schedule.oplog.get(op["undoes"]) if op.get("undoes") else None
        if undoes is not None:
            want = (
                schedule.oplog.undo_candidate if kind == "undo" else schedule.oplog.redo_candidate
            )
            top = want(undoes.user)
            if top is None or top.op_id != undoes.op_id:
                undoes = None  # not on the author's stack here: record as a plain op
        schedule._remote = dict(op)
        schedule._event_extra = {"remote_kind": kind, "origin": op.get("op_id")}
        try:
            return run_edit(
                schedule,
                SetSlots(targets, kind, str(op.get("message") or "")),
                force=False,
                user=str(op.get("user") or "anonymous"),
                base_version=None,
                kind=kind,
                undoes=undoes,
                checks=False,
            )
        finally:
            schedule._remote = None
            schedule._event_extra = None
