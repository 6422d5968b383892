"""``dashboard(schedule)``: the grid with its status bar, analytics and history, laid out."""

from __future__ import annotations

from typing import Any

import ipywidgets

from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.panels import AnalyticsPanel, HistoryPanel, StatusBar


class Dashboard(ipywidgets.VBox):
    """Status bar on top, the grid, then history and analytics side by side.

    The parts are attributes (``status``, ``grid``, ``analytics``, ``history``) for code that
    wants to reach them; ``close()`` closes them all.
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
    ) -> None:
        self.grid = ScheduleGrid(schedule, view, user=user, height=height, theme=theme)
        self.status = StatusBar(schedule, self.grid, user=self.grid.user, theme=theme)
        self.analytics = AnalyticsPanel(schedule, theme=theme, throttle=analytics_throttle)
        self.history = HistoryPanel(schedule, user=self.grid.user, theme=theme)
        self.history.layout = ipywidgets.Layout(flex="1 1 40%", min_width="320px")
        self.analytics.layout = ipywidgets.Layout(flex="1 1 60%", min_width="360px")
        lower = ipywidgets.HBox([self.history, self.analytics])
        super().__init__([self.status, self.grid, lower])

    def close(self) -> None:
        """Close the dashboard and every part of it."""
        for part in (self.grid, self.status, self.analytics, self.history):
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
    """A :class:`Dashboard` of ``schedule`` (grid + status + analytics + history)."""
    return Dashboard(schedule, view=view, user=user, height=height, theme=theme)
