"""Each built-in rule is declared once, in its own module, with every piece: full, local and
delta checks, batched evaluation and CP-SAT encoding; a rule missing one is refused, by name."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable

import numpy as np
import pytest

from rtsched_widgets.model.problem import Problem
from rtsched_widgets.model.roster import Roster
from rtsched_widgets.model.synthetic import synthetic
from rtsched_widgets.rules.base import Rule, Violation
from rtsched_widgets.rules.common.availability import Availability
from rtsched_widgets.rules.profiles import NRP_RULES, SALDO_RULES, rule_classes
from rtsched_widgets.rules.registry import (
    PIECES,
    MissingPiece,
    batched,
    missing_pieces,
    pieces_of,
    require_declared,
)
from rtsched_widgets.rules.state import LiveState


@pytest.mark.parametrize("profile", ["saldo", "nrp"])
def test_every_builtin_rule_of_the_profile_has_every_piece(profile: str) -> None:
    for cls in rule_classes(profile):
        assert missing_pieces(cls) == [], f"{cls.__name__} lacks {missing_pieces(cls)}"
    require_declared(rule_classes(profile))  # does not raise


@pytest.mark.parametrize("cls", sorted(set(SALDO_RULES + NRP_RULES), key=str))
def test_each_piece_is_declared_in_the_rule_s_own_module(cls: type[Rule]) -> None:
    pieces = pieces_of(cls)
    assert list(pieces) == list(PIECES)
    for name, fn in pieces.items():
        assert fn is not None, f"{cls.__name__} lacks {name}"
        where = getattr(fn, "__module__", None)
        assert where == cls.__module__, f"{cls.__name__}.{name} is in {where}"


class _NoPieces(Rule):
    name = "no_pieces"


class _ChecksOnly(Rule):
    """Full, local and delta checks, nothing declared beside them."""

    name = "checks_only"

    def full(self, problem: Problem, roster: Roster) -> list[Violation]:
        return []

    def local(self, state: LiveState, anchors: set[int]) -> list[Violation]:
        return []

    def delta(self, state: LiveState, w: int, d: int, old: int, new: int) -> float:
        return 0


def test_a_rule_missing_pieces_is_named_with_what_it_lacks() -> None:
    assert missing_pieces(_NoPieces) == ["full", "local", "delta", "batched", "encode"]
    assert missing_pieces(_ChecksOnly) == ["batched", "encode"]
    with pytest.raises(MissingPiece, match=r"_ChecksOnly \('checks_only'\) lacks batched, encode"):
        require_declared([Availability, _ChecksOnly])


def test_a_subclass_of_a_declared_rule_declares_its_own_pieces() -> None:
    class Stricter(Availability):
        name = "stricter_availability"

    assert missing_pieces(Stricter) == ["batched", "encode"]


def test_a_piece_is_declared_once() -> None:
    with pytest.raises(ValueError, match="Availability: a batched evaluation is declared twice"):
        batched(Availability)(lambda rule, state: lambda m: None)


def _with_extra_rule(profile: str, extra: type[Rule]) -> Iterable[type[Rule]]:
    return (*rule_classes(profile), extra)


def test_the_batched_evaluator_refuses_a_rule_without_its_batched_term(monkeypatch) -> None:
    import rtsched_widgets.solve.fast_eval as fast_eval

    problem = synthetic(workers=6, days=14, posts=2, seed=0)
    monkeypatch.setattr(fast_eval, "rule_classes", lambda p: _with_extra_rule(p, _ChecksOnly))
    with pytest.raises(MissingPiece, match=r"_ChecksOnly.*lacks batched"):
        fast_eval.FastEvaluator(problem, np.full((6, 14), -1, dtype=np.int64))


def test_the_cpsat_builder_refuses_a_rule_without_its_encoding(monkeypatch) -> None:
    cp_model = pytest.importorskip("ortools.sat.python.cp_model")
    import rtsched_widgets.solve.cpsat as cpsat
    from rtsched_widgets.rules.state import Tables

    problem = synthetic(workers=6, days=14, posts=2, seed=0)

    def rules(p: object) -> list[Rule]:
        return [_ChecksOnly(problem, Tables.of(problem))]

    monkeypatch.setattr(cpsat, "default_rules", rules)
    builder = cpsat.CpModelBuilder(cp_model, problem)
    with pytest.raises(MissingPiece, match=r"_ChecksOnly.*lacks encode"):
        builder.build()


def test_importing_the_rules_does_not_import_the_solver() -> None:
    code = (
        "import sys, rtsched_widgets.rules.profiles, rtsched_widgets.rules.registry; "
        "print(any(m == 'ortools' or m.startswith('ortools.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
