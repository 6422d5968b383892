"""Rules people write themselves: ``rt.WorkerRule`` and ``rt.DateRule``.

A custom rule states what it forbids about one worker's row or one date's assignments, in
pandas terms; the engine turns it into a rule like the built-in ones (:class:`CustomRule`):
it is re-checked only for the workers (or dates) an edit touches, its violations carry its
message into refusals, suggestions, the grid's outlines and tooltips and analytics, and the
searches that score through the rule engine honour it.

::

    class NoThreeNights(rt.WorkerRule):
        name = "no_three_nights"
        severity = "hard"

        def violations(self, worker, shifts):
            nights = (shifts == "N").astype(int)
            runs = nights.rolling(3).sum()
            return [(day, f"{worker.id}: three nights in a row") for day in runs[runs == 3].index]

    s = rt.Schedule(problem, rules=[NoThreeNights()])

Attributes: ``name`` (unique among the problem's rules), ``severity`` (``"hard"`` or
``"soft"``) and ``weight`` (the penalty of each violation of a soft rule; hard violations count
one each). A rule must be a pure function of what it is given: the engine calls it on rows and
dates in any order, and as often as it needs.

Strategies: ``local_search`` and ``auto`` honour custom rules (they score every move through
the rule engine; ``auto`` routes a problem with custom rules to ``local_search``); ``cpsat``,
``lns`` and ``hybrid`` honour a rule that has an ``encode`` hook (see :meth:`UserRule.encode`)
and refuse to run otherwise; the others refuse, naming the rule (see
``rtsched_widgets.solve.anytime``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from rtsched_widgets.rules.base import Rule, Severity, Violation
from rtsched_widgets.rules.registry import encoding

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem, Worker
    from rtsched_widgets.model.roster import Roster
    from rtsched_widgets.rules.encoding import EncodingModel
    from rtsched_widgets.rules.state import LiveState, Tables

__all__ = ["CustomRule", "DateRule", "UserRule", "WorkerRule", "bind_custom"]


class UserRule:
    """What :class:`WorkerRule` and :class:`DateRule` share: ``name``, ``severity``,
    ``weight``, and the optional CP-SAT hook ``encode``."""

    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = "hard"
    weight: ClassVar[float] = 1.0

    def encode(self, model: Any, var: Callable[[int, int, int], Any], problem: Problem) -> Any:
        """Optional: this rule in a CP-SAT model, so ``cpsat`` can honour it.

        ``model`` is the ``cp_model.CpModel``; ``var(w, d, s)`` the 0/1 literal (a BoolVar, or
        the int 0 or 1 for a cell the run keeps) of worker index ``w`` working shift index
        ``s`` on day index ``d``. A hard rule adds its constraints and returns ``None``; a soft
        rule returns its penalty terms, a list of linear expressions each counting violations
        (each is multiplied by ``weight``). Without this method ``cpsat`` refuses to run.
        """
        raise NotImplementedError

    @classmethod
    def has_encode(cls) -> bool:
        """Whether the rule defines :meth:`encode`."""
        return cls.encode is not UserRule.encode

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, severity={self.severity!r})"


class WorkerRule(UserRule):
    """A rule about one worker's row of shifts; implement :meth:`violations`."""

    def violations(self, worker: Worker, shifts: pd.Series) -> Iterable[tuple[Any, str]]:
        """The violations of ``worker``'s row as ``(date, message)`` pairs.

        ``shifts``: the worker's shift per date over the whole horizon (a Series indexed by
        date — ``Timestamp`` — whose values are shift type ids, or ``None`` on days off).
        ``date`` names the day the violation is shown on (a date, ``Timestamp`` or ISO string;
        ``None`` for a violation of the whole row).
        """
        raise NotImplementedError


class DateRule(UserRule):
    """A rule about the assignments of one date; implement :meth:`violations`."""

    def violations(self, date: date, assigned: pd.DataFrame) -> Iterable[tuple[Any, str]]:
        """The violations of ``date`` as ``(worker id or None, message)`` pairs (a plain message
        string stands for ``(None, message)``).

        ``assigned``: one row per worker working that date, columns ``worker`` (id), ``name``,
        ``post`` (shift type index) and ``shift`` (shift type id).
        """
        raise NotImplementedError


def check_added_rules(problem: Problem, rules: Iterable[object]) -> tuple[UserRule, ...]:
    """The check of :meth:`Problem.with_rules`: ``rules`` checked by
    :func:`check_user_rules` against the names of ``problem``'s built-in rules and of the
    custom rules it already has."""
    from rtsched_widgets.rules.profiles import rule_classes

    taken = [cls.name for cls in rule_classes(problem.profile)]
    taken += [r.name for r in problem.custom_rules]
    return check_user_rules(rules, taken)


def check_user_rules(rules: Iterable[object], taken: Iterable[str]) -> tuple[UserRule, ...]:
    """``rules`` as a tuple of :class:`UserRule` instances; ValueError naming the rule and the
    fix for anything else, a missing or repeated name (among themselves and ``taken``), a bad
    severity or weight."""
    out: list[UserRule] = []
    names = set(taken)
    for i, rule in enumerate(rules):
        where = f"rules[{i}]"
        if isinstance(rule, type):
            raise ValueError(
                f"{where}: {rule.__name__} is a class — pass an instance, {rule.__name__}()"
            )
        if not isinstance(rule, WorkerRule | DateRule):
            raise ValueError(
                f"{where}: {type(rule).__name__} is not a custom rule — subclass rt.WorkerRule "
                "or rt.DateRule and implement violations()"
            )
        name = rule.name
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"{where}: name {name!r} — give the rule class a name, e.g. 'no_three_nights'"
            )
        if name in names:
            raise ValueError(f"{where}: the name {name!r} is taken — rules need unique names")
        if rule.severity not in ("hard", "soft"):
            raise ValueError(f"{where} ({name}): severity {rule.severity!r} — use 'hard' or 'soft'")
        weight = rule.weight
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not (np.isfinite(weight) and weight >= 0)
        ):
            raise ValueError(f"{where} ({name}): weight {weight!r} — give a finite number >= 0")
        names.add(name)
        out.append(rule)
    return tuple(out)


class CustomRule(Rule):
    """The engine's form of a user rule (see the module docstring): anchors are worker
    indices (a :class:`WorkerRule`) or day indices (a :class:`DateRule`); keys are
    ``(name, anchor, day or -1, message)``."""

    def __init__(self, problem: Problem, tables: Tables, user: UserRule) -> None:
        super().__init__(problem, tables)
        self.user = user
        self.by_worker = isinstance(user, WorkerRule)
        self._dates = pd.DatetimeIndex(problem.calendar.dates)
        self._ids = np.array([t.id for t in problem.shift_types] + [None], dtype=object)
        self._penalty = 1.0 if user.severity == "hard" else float(user.weight)

    # the class attributes the validator reads, per instance
    @property
    def name(self) -> str:  # type: ignore[override]
        return self.user.name

    @property
    def severity(self) -> Severity:  # type: ignore[override]
        return self.user.severity

    # -- what the user's function sees ---------------------------------------------------
    def _day(self, value: Any) -> int:
        if value is None:
            return -1
        if isinstance(value, pd.Timestamp):
            value = value.date()
        return self.problem.day(value, f"{self.name}: date")

    def _worker_found(self, w: int, row: Any) -> list[tuple[int, str]]:
        shifts = pd.Series(self._ids[np.asarray(row, dtype=np.int64)], index=self._dates)
        out = []
        for item in self.user.violations(self.problem.workers[w], shifts) or ():  # type: ignore[attr-defined]
            day, message = item
            out.append((self._day(day), str(message)))
        return out

    def _date_found(self, d: int, column: Iterable[int]) -> list[tuple[int, str]]:
        p = self.problem
        ws = [w for w, s in enumerate(column) if s >= 0]
        posts = [int(s) for s in column if s >= 0]
        assigned = pd.DataFrame(
            {
                "worker": [p.workers[w].id for w in ws],
                "name": [p.workers[w].display_name for w in ws],
                "post": posts,
                "shift": [p.shift_types[s].id for s in posts],
            }
        )
        out = []
        for item in self.user.violations(p.calendar.date(d), assigned) or ():  # type: ignore[attr-defined]
            who, message = (None, item) if isinstance(item, str) else item
            out.append((-1 if who is None else p.worker(who, f"{self.name}: worker"), str(message)))
        return out

    def _records(self, anchor: int, found: list[tuple[int, str]]) -> list[Violation]:
        out = []
        seen: dict[tuple[int, str], int] = {}
        for x, message in found:
            workers: tuple[int, ...]
            days: tuple[int, ...]
            if self.by_worker:
                workers, days = (anchor,), ((x,) if x >= 0 else ())
            else:
                workers, days = ((x,) if x >= 0 else ()), (anchor,)
            nth = seen[x, message] = seen.get((x, message), -1) + 1  # repeated: 0, 1, ...
            key = (self.name, anchor, x, message, nth)
            out.append(self.make(key, workers, days, None, message, self._penalty))
        return out

    def _score(self, found: list[tuple[int, str]]) -> float:
        return self._penalty * len(found)

    # -- the Rule contract -----------------------------------------------------------------
    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        sh = roster.shift_of
        if self.by_worker:
            return [
                v
                for w in range(problem.n_workers)
                for v in self._records(w, self._worker_found(w, sh[w]))
            ]
        return [
            v
            for d in range(problem.n_days)
            for v in self._records(d, self._date_found(d, sh[:, d]))
        ]

    def touched(self, w: int, d: int, old: int, new: int) -> Iterable[int]:
        return (w,) if self.by_worker else (d,)

    def anchors(self, key: tuple[Any, ...]) -> Iterable[int]:
        return (key[1],)

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        out: list[Violation] = []
        for a in sorted(anchors):
            out += self._records(a, self._found_in(state, a, None))
        return out

    def _found_in(
        self, state: LiveState, anchor: int, change: tuple[int, int, int] | None
    ) -> list[tuple[int, str]]:
        """The violations at ``anchor`` in ``state``, or with ``change`` = (w, d, new) made."""
        if self.by_worker:
            row = list(state.shift_of[anchor])
            if change is not None:
                row[change[1]] = change[2]
            return self._worker_found(anchor, row)
        column = [state.shift_of[w][anchor] for w in range(len(state.shift_of))]
        if change is not None:
            column[change[0]] = change[2]
        return self._date_found(anchor, column)

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        anchor = w if self.by_worker else d
        before = self._score(self._found_in(state, anchor, None))
        after = self._score(self._found_in(state, anchor, (w, d, new)))
        return after - before


def bind_custom(problem: Problem, tables: Tables) -> list[Rule]:
    """The engine rules of ``problem.custom_rules``, bound to ``problem``."""
    return [CustomRule(problem, tables, user) for user in problem.custom_rules]


# -- CP-SAT encoding (see rules.registry): the user's hook, when the rule has one -----------
@encoding(CustomRule)
def custom_encoding(rule: CustomRule, model: EncodingModel) -> None:
    """The user rule's ``encode(model, var, problem)`` hook: a hard rule adds its
    constraints, a soft one returns penalty terms, weighted into the objective. A rule
    without the hook adds nothing (the strategies that need it refuse to run, naming it)."""
    user = rule.user
    if not user.has_encode():
        return
    terms = user.encode(model.model, model.xv, model.p)
    if user.severity == "soft" and terms:
        weight = model.w(user.weight)
        model.objective.extend(weight * term for term in terms)
