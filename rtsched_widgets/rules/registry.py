"""One declaration per rule: the pieces each rule provides, and where the drivers find them.

A rule is declared once, in its own module: the class holds its full check (``full``), its
maintained-set check (``local``) and its delta check (``delta``); beside the class, in the
same module, ``@batched(RuleClass)`` registers its batched evaluation (a factory, see
:mod:`rtsched_widgets.rules.batch`) and ``@encoding(RuleClass)`` its CP-SAT encoding (see
:mod:`rtsched_widgets.rules.encoding`). The solve layer's drivers (``solve.fast_eval`` and
``solve.cpsat``) iterate a profile's rules and call what is registered for each; they hold
no per-rule code of their own.

``missing_pieces(cls)`` lists what a rule class lacks; ``require_declared(classes)`` raises
``MissingPiece`` naming the rule and the pieces. A registration is for the exact class (a
subclass declares its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from rtsched_widgets.rules.base import Rule

if TYPE_CHECKING:
    from rtsched_widgets.rules.batch import BatchFactory
    from rtsched_widgets.rules.encoding import EncodingModel

PIECES = ("full", "local", "delta", "batched", "encode")
"""The pieces every built-in rule declares."""
METHOD_PIECES = ("full", "local", "delta")
"""Pieces that are methods of the rule class (overriding ``Rule``'s)."""

EncodeFn = Callable[[Any, "EncodingModel"], None]
"""``encode(rule, model)``: adds the rule's constraints or penalty terms to ``model``."""

_BATCHED: dict[type[Rule], BatchFactory] = {}
_ENCODINGS: dict[type[Rule], EncodeFn] = {}

F = TypeVar("F", bound=Callable[..., Any])


class MissingPiece(LookupError):
    """A rule class lacks one of the pieces of ``PIECES``."""


def _register(table: dict[type[Rule], Any], what: str, classes: tuple[type[Rule], ...]) -> Any:
    def decorate(fn: F) -> F:
        for cls in classes:
            if cls in table:
                raise ValueError(f"{cls.__name__}: a {what} is declared twice")
            table[cls] = fn
        return fn

    return decorate


def batched(*classes: type[Rule]) -> Callable[[F], F]:
    """Declare the decorated factory ``factory(rule, state) -> term`` as the batched
    evaluation of each of ``classes``."""
    return _register(_BATCHED, "batched evaluation", classes)


def encoding(*classes: type[Rule]) -> Callable[[F], F]:
    """Declare the decorated ``encode(rule, model)`` as the CP-SAT encoding of each of
    ``classes``."""
    return _register(_ENCODINGS, "CP-SAT encoding", classes)


def pieces_of(cls: type[Rule]) -> dict[str, Callable[..., Any] | None]:
    """Each piece of ``PIECES`` of ``cls``: the function that implements it (a method of the
    class, or the registered factory / encoding), None where the class lacks it."""
    out: dict[str, Callable[..., Any] | None] = {
        name: None if getattr(cls, name) is getattr(Rule, name) else getattr(cls, name)
        for name in METHOD_PIECES
    }
    out["batched"] = _BATCHED.get(cls)
    out["encode"] = _ENCODINGS.get(cls)
    return out


def missing_pieces(cls: type[Rule]) -> list[str]:
    """The pieces of ``PIECES`` that ``cls`` lacks, in that order."""
    return [name for name, fn in pieces_of(cls).items() if fn is None]


def require_declared(classes: Iterable[type[Rule]]) -> None:
    """Raise ``MissingPiece`` naming every class of ``classes`` that lacks a piece."""
    gaps = [
        f"{cls.__name__} ({cls.name!r}) lacks {', '.join(missing)}"
        for cls in classes
        if (missing := missing_pieces(cls))
    ]
    if gaps:
        raise MissingPiece("; ".join(gaps))


def batched_factory(rule: Rule) -> BatchFactory:
    """The batched evaluation declared for ``rule``'s class (``MissingPiece`` if none)."""
    factory = _BATCHED.get(type(rule))
    if factory is None:
        raise MissingPiece(f"{type(rule).__name__} ({rule.name!r}) lacks batched")
    return factory


def encoder(rule: Rule) -> EncodeFn:
    """The CP-SAT encoding declared for ``rule``'s class (``MissingPiece`` if none)."""
    fn = _ENCODINGS.get(type(rule))
    if fn is None:
        raise MissingPiece(f"{type(rule).__name__} ({rule.name!r}) lacks encode")
    return fn
