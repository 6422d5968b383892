"""What the widgets say to people: the engine's messages in the planner's terms.

The engine words its results and refusals with ids (``"W0025 assigned to 2026-01-05/0"``), as
the audit trail and API users need them. The widgets show the same facts as the grid shows
them: display names, dates with their weekday and post names (``"Anna Berg assigned to
Mon 5 Jan 2026, Day"``). :class:`Wording` translates a message of the engine into those terms
(:meth:`Wording.text`), and words a refused edit as a short line for the toolbar with the full
explanation beside it (:meth:`Wording.refusal`); :meth:`Wording.undo_refusal` summarises a
refused undo or redo instead of listing every op id. The audit (``export_audit``, the history
frame) keeps the engine's own wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rtsched_widgets.engine.result import OpResult
    from rtsched_widgets.model.problem import Problem
    from rtsched_widgets.rules.base import Violation

__all__ = ["FORCEABLE", "Refusal", "Wording", "display_date", "wording_of"]

#: Refusals that ``force=True`` may push through (when the schedule's policy allows it).
FORCEABLE = frozenset({"HARD_VIOLATION", "PINNED"})

#: Longest toolbar line; the full explanation is a click away.
SHORT = 110

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ISO = r"\d{4}-\d{2}-\d{2}"
# "… — pass force=True to apply anyway", "…, or pass force=True": the API's advice
_FORCE_ADVICE = re.compile(
    r"\s*(?:—|-|,|;)?\s*(?P<or>or\s+)?pass\s+force=True(?:\s+to\s+apply\s+(?:it\s+)?anyway)?"
)

_UNDONE = re.compile(r"^(undo|redo) of \S+ \((.*)\)$", re.S)


@lru_cache(maxsize=4096)
def display_date(iso: str) -> str:
    """``"2026-01-05"`` as ``"Mon 5 Jan 2026"`` (the text as it is when it is no date)."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _first_clause(text: str) -> str:
    """The first clause of ``text``: up to its first `` — `` or ``; ``."""
    for sep in (" — ", "; "):
        head, found, _ = text.partition(sep)
        if found and head:
            text = head
    return text


def _shorten(text: str, limit: int = SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Refusal:
    """A refused edit in the planner's terms: ``short`` for the toolbar (at most ``SHORT``
    characters), ``detail`` the full explanation (every reason, uncut), ``forceable`` whether
    the grid may offer "Apply anyway" (a HARD_VIOLATION or PINNED refusal on a schedule whose
    policy allows forcing)."""

    short: str
    detail: str
    forceable: bool = False


class Wording:
    """Translates the engine's wording of one problem into the planner's terms."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._names: dict[str, str] = {w.id: w.display_name for w in problem.workers}
        self._posts: list[str] = [st.label or st.id for st in problem.shift_types]
        self._post_ids: dict[str, int] = {st.id: i for i, st in enumerate(problem.shift_types)}
        ids = sorted(self._post_ids, key=len, reverse=True)
        post = "|".join(re.escape(i) for i in ids) or r"(?!)"
        self._pattern = re.compile(
            rf"(?P<cell>(?P<cdate>{_ISO})/(?P<cpost>{post})(?:\[(?P<cslot>\d+)\])?)(?![\w])"
            rf"|(?P<postq>\bpost '(?P<qpost>{post})')"
            rf"|(?P<workerq>\bworker '(?P<qworker>[^'\s]{{1,64}})')"
            rf"|(?P<date>\b{_ISO}\b)"
            r"|(?P<shiftn>\bshift (?P<sidx>\d{1,4})\b(?! ?(?:days?|apart)))"
            r"|(?P<token>(?<![\w.@-])\w(?:[\w.@-]*\w)?(?![\w@-]))"
        )

    # -- pieces --------------------------------------------------------------------------
    def worker(self, worker_id: Any) -> str:
        """The display name of ``worker_id`` (the id itself when it names no worker)."""
        return self._names.get(str(worker_id), str(worker_id))

    def post(self, post: Any) -> str:
        """The name of a post given as an index or a shift type id."""
        if isinstance(post, str) and post in self._post_ids:
            return self._posts[self._post_ids[post]]
        try:
            return self._posts[int(post)]
        except (TypeError, ValueError, IndexError):
            return str(post)

    def date(self, value: Any) -> str:
        """A date (ISO string, ``date`` or day index) as ``"Mon 5 Jan 2026"``."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = self.problem.calendar.iso(value)
        if isinstance(value, date):
            value = value.isoformat()[:10]
        return display_date(str(value))

    def cell(self, day: Any, post: Any, slot: int | None = None) -> str:
        """A cell as ``"Mon 5 Jan 2026, Day"`` (``" (place 2)"`` added for a slot of a cell with
        several places)."""
        text = f"{self.date(day)}, {self.post(post)}"
        if slot is not None:
            try:
                s = self._post_ids.get(post, post) if isinstance(post, str) else post
                d = self.problem.day(day) if not isinstance(day, int) else day
                several = int(self.problem.maximum[d, int(s)]) > 1
            except Exception:
                several = True
            if several:
                text += f" (place {int(slot) + 1})"
        return text

    # -- free text -----------------------------------------------------------------------
    def text(self, message: Any, *, force_advice: str = "") -> str:
        """``message`` with worker ids as display names, ISO dates with their weekday and
        ``date/post[slot]`` cells as date and post name. The API's advice to "pass force=True"
        becomes ``force_advice`` (dropped when empty)."""
        out = str(message or "")
        undone = _UNDONE.match(out)
        if undone:  # "undo of main-12 (W01 assigned to …)": the edit, not its id
            verb = "Undone" if undone.group(1) == "undo" else "Redone"
            out = f"{verb}: {undone.group(2)}"
        if "force=True" in out:

            def advice(m: re.Match[str]) -> str:
                if not force_advice:
                    return ""
                return f", or {force_advice}" if m.group("or") else f" — {force_advice}"

            out = _FORCE_ADVICE.sub(advice, out)
        return self._pattern.sub(self._replace, out)

    def _replace(self, m: re.Match[str]) -> str:
        if m.group("cell"):
            slot = m.group("cslot")
            return self.cell(m.group("cdate"), m.group("cpost"), int(slot) if slot else None)
        if m.group("postq"):
            return self.post(m.group("qpost"))
        if m.group("workerq"):
            return self.worker(m.group("qworker"))
        if m.group("shiftn"):  # "works shift 0 on …": the post's name
            s = int(m.group("sidx"))
            return self._posts[s] if s < len(self._posts) else m.group("shiftn")
        if m.group("date"):
            return display_date(m.group("date"))
        token = m.group("token")
        return self._names.get(token, token)

    def said(self, message: Any) -> Said:
        """A bare message (an event's, say) as a short line and, when that cuts it, the full
        text."""
        text = self.text(message)
        return Said(_shorten(text), text if len(text) > SHORT else "")

    # -- results -------------------------------------------------------------------------
    def refusal(self, result: OpResult, *, allow_force: bool = False) -> Refusal:
        """A refused :class:`~rtsched_widgets.engine.result.OpResult` in the planner's terms.

        ``short`` is the refusal's first clause; ``detail`` the whole message and every rule
        the edit would break (uncut), then what the planner can do. "Apply anyway" is offered
        (``forceable``) for HARD_VIOLATION and PINNED refusals when ``allow_force``."""
        code = result.error or ""
        forceable = allow_force and code in FORCEABLE
        advice = "choose Apply anyway" if forceable else ""
        message = self.text(result.message or "refused", force_advice=advice)
        reasons = [self.text(v.message or v.rule) for v in _hard(result)]
        if code == "HARD_VIOLATION" and reasons:
            head = _first_clause(reasons[0])
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            short = f"Refused: {head}{more}"
        else:
            short = _first_clause(message)
        lines = [message]
        listed = [r for r in reasons if r and r not in message]
        if code == "HARD_VIOLATION" and reasons:
            lines = [f"Refused: it would break {_count(len(reasons), 'hard rule')}:"]
            listed = reasons
        lines += [f"• {r}" for r in listed]
        if forceable:
            lines.append("Apply anyway makes the edit all the same and records why in the history.")
        elif code in FORCEABLE:
            lines.append("This schedule's policy does not allow applying it anyway.")
        return Refusal(_shorten(short), "\n".join(lines), forceable)

    def undo_refusal(self, result: OpResult) -> Refusal:
        """A refused undo or redo, summarised: the cells that changed since and who changed
        them, instead of the op ids the engine's message names."""
        conflicts = list(result.details.get("conflicts") or [])
        kind = result.kind or "undo"
        if result.error != "UNDO_CONFLICT" or not conflicts:
            message = self.text(result.message or f"{kind} refused")
            return Refusal(_shorten(message), message)
        by = sorted(set(re.findall(r"\(changed by (\S+) in ", str(result.message))))
        who = f" by {', '.join(by)}" if by else ""
        short = (
            f"Can't {kind}: {_count(len(conflicts), 'cell')} changed since{who} — "
            "details show which"
        )
        lines = [
            f"Can't {kind} this edit: {_count(len(conflicts), 'cell')} it touched changed since."
        ]
        for c in conflicts[:20]:
            try:
                (day, post, slot), expected, actual = c[0], c[1], c[2]
            except (TypeError, ValueError, IndexError):
                continue
            lines.append(
                f"• {self.cell(day, post, slot)}: now {self.worker(actual) if actual else 'empty'}"
                f", was {self.worker(expected) if expected else 'empty'}"
            )
        if len(conflicts) > 20:
            lines.append(f"… and {len(conflicts) - 20} more")
        lines.append("Change those cells back first, or make the change by hand.")
        return Refusal(_shorten(short), "\n".join(lines))


def _hard(result: OpResult) -> list[Violation]:
    """The hard violations ``result`` introduces (would introduce, when refused)."""
    return [v for v in result.introduced if v.severity == "hard"]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


_cache: dict[int, tuple[Any, Wording]] = {}


def wording_of(problem: Problem) -> Wording:
    """The :class:`Wording` of ``problem`` (one per problem, kept while it lives)."""
    entry = _cache.get(id(problem))
    if entry is not None and entry[0] is problem:
        return entry[1]
    wording = Wording(problem)
    if len(_cache) > 64:
        _cache.clear()
    _cache[id(problem)] = (problem, wording)
    return wording


@dataclass(frozen=True)
class Said:
    """What a grid replies to an edit, in the planner's terms: ``short`` for the toolbar,
    ``detail`` the full explanation ("" when ``short`` says it all) and ``forceable``."""

    short: str
    detail: str = ""
    forceable: bool = False


def reply_text(wording: Wording, result: OpResult, message: str, *, allow_force: bool) -> Said:
    """The toolbar line and the full explanation of an edit's ``result`` (``message`` is its
    message as the grid would show it, e.g. with user names resolved)."""
    if result.ok:
        text = wording.text(message)
        return Said(_shorten(text), text if len(text) > SHORT else "")
    if result.kind in ("undo", "redo") and result.error == "UNDO_CONFLICT":
        said = wording.undo_refusal(result)
        return Said(said.short, said.detail)
    if result.error in FORCEABLE or result.introduced:
        # worded with the message the grid shows in place of the result's own
        said = wording.refusal(replace(result, message=message), allow_force=allow_force)
        return Said(said.short, said.detail, said.forceable)
    text = wording.text(message)
    return Said(_shorten(text), text if len(text) > SHORT else "")


def force_reason(message: Any) -> str:
    """The reason recorded for an edit applied anyway after the refusal ``message`` (the
    engine's wording, ids kept for the audit; its advice to pass force=True left out)."""
    text = _FORCE_ADVICE.sub("", str(message or "")).strip()
    if text.lower().startswith("refused: "):
        text = text[len("refused: ") :]
    return _shorten(text, 300) if text else "applied anyway"
