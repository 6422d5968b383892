"""Presence: who is on a schedule, with their colour and selected cell.

Each present user is a lease in the schedule's store (``Store.set_presence``) holding
``{display_name, color, initials, selection, views}``. Users joined in this process are renewed
by the session's heartbeat while they stay active (any :meth:`Presence.touch` within the
TTL); a user who leaves, or whose process vanishes, stops being renewed and expires, and their
locks with them. Events on the schedule's bus: ``user_joined`` and ``user_left`` (payload
``user``, ``display_name``, ``color``, ``remote``), ``presence`` (payload ``user``,
``selection``) when a selection changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rtsched_widgets.collab.users import User, user_from_identity

if TYPE_CHECKING:
    from rtsched_widgets.collab.sync import Session

__all__ = ["Presence"]


class Presence:
    """The presence side of a :class:`~rtsched_widgets.collab.sync.Session`."""

    def __init__(self, session: Session, ttl: float) -> None:
        self.session = session
        self.ttl = ttl
        self._local: dict[str, User] = {}
        self._selection: dict[str, dict[str, Any]] = {}
        self._views: dict[str, set[str]] = {}
        self._touched: dict[str, float] = {}
        self._known: dict[str, dict[str, Any]] = {}  # last seen entries, for join/leave events
        self._lock = threading.RLock()
        self._poll_lock = threading.RLock()  # one poll at a time: events once and in order

    # ---- local users ----------------------------------------------------------------------
    def join(self, user: Any, view_id: str | None = None) -> User:
        """Mark ``user`` (a name, a :class:`User` or a Jupyter identity) present; returns the
        :class:`User`. ``view_id`` counts the views the user has open (see :meth:`leave`)."""
        u = user_from_identity(user)
        with self._lock:
            self._local[u.name] = u
            if view_id is not None:
                self._views.setdefault(u.name, set()).add(view_id)
            self._touched[u.name] = time.monotonic()
            self._write(u.name)
        self.poll()
        return u

    def touch(self, name: str) -> None:
        """Record activity of a local user (keeps their presence and locks alive)."""
        with self._lock:
            if name in self._local:
                self._touched[name] = time.monotonic()

    def select(self, name: str, selection: Mapping[str, Any] | None) -> None:
        """Set the selected cell/range of a present user and publish ``presence``."""
        if name not in self.local_users():
            self.join(name)  # not under self._lock: joining polls, and polls lock in that order
        with self._lock:
            if name not in self._local:
                self._local[name] = user_from_identity(name)
            self._selection[name] = dict(selection or {})
            self._touched[name] = time.monotonic()
            self._write(name)
        self.session.publish("presence", {"user": name, "selection": dict(selection or {})}, name)

    def leave(self, name: str, view_id: str | None = None) -> bool:
        """``name`` closes ``view_id`` (or every view when None); when no view of theirs is
        left they leave: their presence entry and locks are dropped and ``user_left`` (plus
        ``lock_released`` per lock) is published. True if the user left."""
        with self._lock:
            views = self._views.get(name, set())
            if view_id is not None:
                views.discard(view_id)
                if views:
                    return False
            if name not in self._local:
                return False
            del self._local[name]
            self._views.pop(name, None)
            self._selection.pop(name, None)
            self._touched.pop(name, None)
        self.session.drop_holder(name)
        self.poll()
        return True

    def local_users(self) -> list[str]:
        """Names of the users joined in this process."""
        with self._lock:
            return sorted(self._local)

    def _write(self, name: str) -> None:
        u = self._local[name]
        info = {**u.to_dict(), "selection": self._selection.get(name, {})}
        self.session.store.set_presence(self.session.schedule_id, name, info, self.ttl)

    # ---- everyone ---------------------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        """Every live present user (any process): name, display_name, color, initials,
        selection, local (joined in this process)."""
        out = []
        for entry in self.session.store.presence(self.session.schedule_id):
            info = dict(entry.info)
            info["name"] = entry.user
            info["local"] = entry.user in self._local
            out.append(info)
        return out

    def renew(self) -> None:
        """Heartbeat: renew the leases of active local users; forget idle ones (their leases
        then expire)."""
        now = time.monotonic()
        with self._lock:
            names = list(self._local)
            idle = [n for n in names if now - self._touched.get(n, now) > self.ttl]
        for name in idle:
            self.leave(name)
        for name in names:
            if name not in idle:
                self.session.store.heartbeat(name)

    def poll(self) -> None:
        """Compare the store's presence with what was seen last; publish ``user_joined`` /
        ``user_left`` for the difference (users of other processes, expired leases), and
        ``presence`` when another process's user changed their selection (or joined with
        one)."""
        with self._poll_lock:  # taken before self._lock, never while holding it
            self._poll()

    def _poll(self) -> None:
        current = {u["name"]: u for u in self.users()}
        with self._lock:
            before = self._known
            self._known = current
        for name in sorted(set(current) - set(before)):
            u = current[name]
            self.session.publish(
                "user_joined",
                {
                    "user": name,
                    "display_name": u.get("display_name", name),
                    "color": u.get("color", ""),
                    "remote": not u["local"],
                },
                name,
            )
        for name in sorted(set(before) - set(current)):
            self.session.publish(
                "user_left", {"user": name, "remote": name not in self._local}, name
            )
        for name in sorted(current):
            earlier = before.get(name, {}).get("selection") or {}
            if current[name].get("selection", {}) != earlier and not current[name]["local"]:
                self.session.publish(
                    "presence", {"user": name, "selection": current[name].get("selection")}, name
                )
