"""CP-SAT encoding: how a rule is stated to the solver, declared beside the rule.

Each built-in rule declares ``@encoding(RuleClass)`` (see
:mod:`rtsched_widgets.rules.registry`) a function ``encode(rule, model)`` that adds the
rule's constraints (hard rules) or penalty terms (soft rules) to an ``EncodingModel`` — the
model builder of the solve layer (``solve.cpsat.CpModelBuilder``). The rules layer never
imports OR-Tools: an encoding reaches the solver only through the builder handed to it
(``model.model`` is the ``cp_model.CpModel``), so importing a rule module stays free of
the solver. Custom rules take the same route: their ``encode(model, var, problem)`` hook
is called by the encoding declared for ``CustomRule``.

Variables: ``x[w, d, s]`` (a boolean per worker, day and shift type the worker may work;
none where ``problem.available`` is False) and ``work[w, d] = sum_s x[w, d, s] <= 1``.
In a *region model* only the free worker-days have variables and every other worker-day
holds the base roster as a constant: ``xv``/``wd`` return a variable or a constant 0/1,
``touches`` says whether a range of days meets the region (a constraint that does not can be
left out), and the helpers accept constants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from rtsched_widgets.model.problem import Problem


class EncodingModel(Protocol):
    """What an encoding may use of the model builder.

    ``model``: the CP-SAT model; ``p``: the problem; ``x`` / ``work``: the variables by
    ``(w, d, s)`` / ``(w, d)``; ``by_worker[w]``: ``(d, s, var)`` of the worker's variables;
    ``free`` / ``base``: the region and the base roster; ``objective``: the list of terms the
    solver minimises (in solver units: weights through ``w``); ``terms``: names of the
    modelled objective terms; ``weekend_flags``: auxiliary weekend flags ``(var, w, days)``
    to hint; ``unit``: the weight scale; ``total_required``: the saldo balance scale ``R``."""

    model: Any
    p: Problem
    x: dict[tuple[int, int, int], Any]
    work: dict[tuple[int, int], Any]
    by_worker: dict[int, list[tuple[int, int, Any]]]
    free: np.ndarray
    base: np.ndarray
    objective: list[Any]
    terms: list[str]
    weekend_flags: list[tuple[Any, int, list[int]]]
    unit: int
    total_required: int

    def w(self, value: float) -> int:
        """A weight in solver units."""
        ...

    def wd(self, w: int, d: int) -> Any:
        """``work[w, d]`` or a constant 0/1."""
        ...

    def xv(self, w: int, d: int, s: int) -> Any:
        """``x[w, d, s]`` or a constant 0/1."""
        ...

    def touches(self, w: int, a: int, b: int) -> bool:
        """Whether worker ``w`` has a day of the region in ``[a, b)``."""
        ...

    def at_most_one(self, literals: list[Any]) -> None:
        """At most one of ``literals`` (variables or constants) is true."""
        ...

    def at_most(self, expr: Any, limit: int) -> None:
        """``expr <= limit`` (a constant ``expr`` over the limit: infeasible)."""
        ...

    def clause(self, literals: list[tuple[Any, bool]]) -> None:
        """OR of ``v`` (flag True) or ``not v`` (flag False); constants allowed."""
        ...

    def min_runs(self, w: int, work: list[Any], minimum: int, *, working: bool) -> None:
        """Forbid runs shorter than ``minimum`` strictly inside the horizon."""
        ...

    def cover(self, over_allowed: bool) -> None:
        """The cover balance of every cell, under (and over, when allowed) charged."""
        ...

    def holds(self, rule_name: str) -> bool:
        """Whether the model encodes the rule named ``rule_name``."""
        ...
