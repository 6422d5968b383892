"""Who is who in a shared notebook: user keys and display names.

A view identifies its person by the Jupyter server's unique user name (``identity.username``
of ``/api/me``): that *key* is what the widgets act as (edits, undo/redo, solver runs, locks,
presence), so two people who happen to share a display name (anonymous users draw theirs from
a short list) never share an undo history. Views also send the person's display name; every
widget of a schedule records it in the schedule's :class:`UserNames`, and the views show
display names wherever people see names (presence, viewers, who is solving, the history).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from rtsched_widgets.limits import abbreviate
from rtsched_widgets.widgets.protocol import MAX_ID_LENGTH, ProtocolError

#: Most display names kept per schedule (the least recently noted are forgotten first).
MAX_NAMES = 256


class UserNames:
    """Display name per user key (thread-safe, at most :data:`MAX_NAMES` entries)."""

    def __init__(self) -> None:
        self._names: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def note(self, key: str, name: str | None) -> bool:
        """Record ``name`` as the display name of ``key``; True when that changed anything.
        A missing or empty name leaves what is known."""
        if not name or not key:
            return False
        with self._lock:
            old = self._names.pop(key, None)
            self._names[key] = name
            while len(self._names) > MAX_NAMES:
                self._names.popitem(last=False)
            if old != name:
                self._pattern = None
            return old != name

    def label(self, key: str) -> str:
        """The display name of ``key``; the key itself when none is known."""
        with self._lock:
            return self._names.get(key, key)

    def as_dict(self, keys: Iterable[str] | None = None) -> dict[str, str]:
        """``{key: display name}`` for ``keys`` that have one (every known key when None);
        keys whose display name is the key itself are left out."""
        with self._lock:
            if keys is None:
                return {k: v for k, v in self._names.items() if v != k}
            return {k: self._names[k] for k in keys if self._names.get(k, k) != k}

    def humanize(self, text: str) -> str:
        """``text`` with every known key (of 8 characters or more, so that short keys such as
        "bob" never rewrite ordinary words) replaced by its display name."""
        with self._lock:
            if self._pattern is None:
                keys = sorted(
                    (k for k, v in self._names.items() if len(k) >= 8 and v != k),
                    key=len,
                    reverse=True,
                )
                self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
            pattern, names = self._pattern, dict(self._names)
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: names.get(m.group(0), m.group(0)), text)


_registry: weakref.WeakKeyDictionary[Any, UserNames] = weakref.WeakKeyDictionary()
_fallback: dict[int, UserNames] = {}
_registry_lock = threading.Lock()


def names_of(schedule: object) -> UserNames:
    """The display names known for ``schedule`` (one :class:`UserNames` per schedule, shared
    by all its widgets)."""
    with _registry_lock:
        try:
            names = _registry.get(schedule)
            if names is None:
                names = _registry[schedule] = UserNames()
            return names
        except TypeError:  # not weakly referenceable or not hashable: kept by id
            return _fallback.setdefault(id(schedule), UserNames())


def display_name_of(content: Mapping[str, Any]) -> str | None:
    """The ``name`` (display name) a view sends with its ``user`` key, or None when absent; a
    :class:`ProtocolError` when it is not a non-empty str of at most MAX_ID_LENGTH
    characters."""
    name = content.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_ID_LENGTH:
        raise ProtocolError(
            "name",
            f"expected a non-empty str of at most {MAX_ID_LENGTH} characters, got "
            f"{abbreviate(name)}",
        )
    return name.strip()
