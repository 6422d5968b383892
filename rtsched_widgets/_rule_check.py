"""The check :meth:`Problem.with_rules <rtsched_widgets.model.problem.Problem.with_rules>` runs
on custom rules.

The model sits below the rules layer and does not import it: the check is set here by the
package's composition root (:mod:`rtsched_widgets._wiring`) to the rules layer's
:func:`rtsched_widgets.rules.custom.check_added_rules`. A module of its own, importing nothing
heavy, so that ``import rtsched_widgets`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["RuleCheck", "check"]

RuleCheck = Callable[[Any, Iterable[object]], tuple[Any, ...]]
"""``check(problem, rules)``: the custom rules to add to ``problem``, in order; ValueError
naming the rule and the fix."""

check: RuleCheck | None = None
"""The registered check (None until the composition root sets it)."""
