"""The installed package's version (``rtsched_widgets.__version__``), readable by every layer
without importing the package's root (which wires the layers together)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rtsched_widgets")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
