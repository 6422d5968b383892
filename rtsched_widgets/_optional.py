"""Imports of optional dependencies that fail with the name of the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise MissingExtraError naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{module!r} is not installed; it comes with the {extra!r} extra: "
            f"pip install 'rtsched_widgets[{extra}]'"
        ) from exc
