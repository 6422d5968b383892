"""``dashboard(schedule)``: the grid with its status bar, solver bar, analytics and history,
laid out."""

from __future__ import annotations

from typing import Any

import ipywidgets

from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.panels import AnalyticsPanel, HistoryPanel, StatusBar
from rtsched_widgets.widgets.solver_bar import SolverBar


class Dashboard(ipywidgets.VBox):
    """Status bar and solver bar on top, the grid, then history and analytics side by side.

    The parts are attributes (``status``, ``solver``, ``grid``, ``analytics``, ``history``) for
    code that wants to reach them; ``close()`` closes them all (a running solve keeps running).

    While a live solve runs (it merges improvements several times a second), the analytics
    refresh at most every ``analytics_solving_throttle`` seconds instead of
    ``analytics_throttle``: a refresh recomputes every chart, and edits made meanwhile in the
    grid would wait for it.
    """

    def __init__(
        self,
        schedule: Any,
        *,
        view: str = "coverage",
        user: str | None = None,
        height: int = 420,
        theme: str = "auto",
        analytics_throttle: float = 0.25,
        analytics_solving_throttle: float = 2.0,
    ) -> None:
        if (
            not isinstance(analytics_solving_throttle, int | float)
            or analytics_solving_throttle < 0
        ):
            raise ValueError(
                f"analytics_solving_throttle: expected seconds >= 0, got "
                f"{analytics_solving_throttle!r}"
            )
        self._throttles = (float(analytics_throttle), float(analytics_solving_throttle))
        self.grid = ScheduleGrid(schedule, view, user=user, height=height, theme=theme)
        self.status = StatusBar(schedule, self.grid, user=self.grid.user, theme=theme)
        self.solver = SolverBar(schedule, self.grid, user=self.grid.user, theme=theme)
        self.analytics = AnalyticsPanel(schedule, theme=theme, throttle=analytics_throttle)
        self.history = HistoryPanel(schedule, user=self.grid.user, theme=theme)
        # every part spans the width available; history and analytics share the row below
        # the grid and wrap under each other in a narrow notebook (each keeps a readable width)
        for part in (self.status, self.solver, self.grid):
            part.layout = ipywidgets.Layout(width="100%")
        self.history.layout = ipywidgets.Layout(flex="1 1 340px", min_width="min(100%, 320px)")
        self.analytics.layout = ipywidgets.Layout(flex="2 1 420px", min_width="min(100%, 360px)")
        lower = ipywidgets.HBox(
            [self.history, self.analytics],
            layout=ipywidgets.Layout(flex_flow="row wrap", width="100%"),
        )
        super().__init__(
            [self.status, self.solver, self.grid, lower],
            layout=ipywidgets.Layout(width="100%"),
        )
        self._solving_subscription = schedule.events.subscribe(
            ("solver_started", "solver_finished"), self._on_solver, weak=True
        )
        self._pace_analytics(getattr(schedule, "solving", None) is not None)

    def _pace_analytics(self, solving: bool) -> None:
        idle, busy = self._throttles
        self.analytics.throttle = max(idle, busy) if solving else idle

    def _on_solver(self, event: Any) -> None:
        self._pace_analytics(event.type == "solver_started")

    def close(self) -> None:
        """Close the dashboard and every part of it."""
        sub = getattr(self, "_solving_subscription", None)
        if sub is not None:
            sub.cancel()
        for name in ("grid", "status", "solver", "analytics", "history"):
            part = getattr(self, name, None)  # absent when __init__ failed early
            if part is not None:
                part.close()
        super().close()


def dashboard(
    schedule: Any,
    *,
    view: str = "coverage",
    user: str | None = None,
    height: int = 420,
    theme: str = "auto",
) -> Dashboard:
    """A :class:`Dashboard` of ``schedule`` (grid + status + solver + analytics + history)."""
    return Dashboard(schedule, view=view, user=user, height=height, theme=theme)
