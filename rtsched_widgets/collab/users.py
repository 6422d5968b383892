"""Who is editing: a :class:`User` built from the Jupyter server's identity (``/api/me``), with
a fallback name when the server gives none."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PALETTE", "User", "colour_of", "user_from_identity"]

#: Colours given to users the server does not colour (picked by a hash of the name).
PALETTE: tuple[str, ...] = (
    "#e15759",
    "#4e79a7",
    "#59a14f",
    "#f28e2b",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
)

_MAX_NAME = 64


def colour_of(name: str) -> str:
    """A stable palette colour for ``name`` (same name, same colour, in every process)."""
    digest = hashlib.sha1(name.encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


@dataclass(frozen=True, slots=True)
class User:
    """A person editing a schedule.

    ``name``: the id used as author of edits, lock holder and presence key (non-empty, at most
    64 characters); ``display_name``: shown in the grid; ``color``: CSS colour of their
    presence marks; ``initials``: one to three characters for compact marks.
    """

    name: str
    display_name: str = ""
    color: str = ""
    initials: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > _MAX_NAME:
            raise ValueError(
                f"user.name: {self.name!r} — give a non-empty name of at most {_MAX_NAME} "
                "characters"
            )
        object.__setattr__(self, "name", self.name.strip())
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)
        if not self.color:
            object.__setattr__(self, "color", colour_of(self.name))
        if not self.initials:
            parts = self.display_name.replace("_", " ").replace("-", " ").split()
            initials = "".join(p[0] for p in parts[:2]).upper() or self.name[:1].upper()
            object.__setattr__(self, "initials", initials)

    def to_dict(self) -> dict[str, str]:
        """JSON form (``name``, ``display_name``, ``color``, ``initials``)."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "color": self.color,
            "initials": self.initials,
        }


def user_from_identity(identity: Any, fallback: str = "anonymous") -> User:
    """The :class:`User` of a Jupyter server identity, or ``fallback`` when there is none.

    Accepts the body of ``GET /api/me`` (``{"identity": {...}}``), the ``identity`` object
    itself (``username``, ``name``, ``display_name``, ``initials``, ``color``), a :class:`User`,
    a plain name, or ``None``. The user name is ``username`` (falling back to ``name``); a
    server colour like ``var(--jp-collaborator-color1)`` is kept as it is.
    """
    if isinstance(identity, User):
        return identity
    if isinstance(identity, str) and identity.strip():
        return User(identity.strip()[:_MAX_NAME])
    if isinstance(identity, Mapping):
        inner = identity.get("identity", identity)
        if isinstance(inner, Mapping):
            name = _text(inner.get("username")) or _text(inner.get("name"))
            if name:
                return User(
                    name[:_MAX_NAME],
                    display_name=_text(inner.get("display_name")) or _text(inner.get("name")),
                    color=_text(inner.get("color")),
                    initials=_text(inner.get("initials"))[:3],
                )
    return User(fallback)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
