"""``dashboard(schedule)``: the grid with its status bar, solver bar, analytics and history,
laid out."""

from __future__ import annotations

from typing import TypeVar

import ipywidgets

from rtsched_widgets.engine.events import Event, Subscription
from rtsched_widgets.widgets.grid import ScheduleGrid
from rtsched_widgets.widgets.panels import AnalyticsPanel, HistoryPanel, StatusBar
from rtsched_widgets.widgets.ports import require_schedule
from rtsched_widgets.widgets.solver_bar import SolverBar

_Part = TypeVar("_Part", bound=ipywidgets.Widget)


class Dashboard(ipywidgets.VBox):
    """Status bar and solver bar on top, the grid, then history and analytics side by side.

    The parts are attributes (``status``, ``solver``, ``grid``, ``analytics``, ``history``) for
    code that wants to reach them; ``close()`` closes them all (a running solve keeps running).

    While a live solve runs (it merges improvements several times a second), the analytics
    refresh at most every ``analytics_solving_throttle`` seconds instead of
    ``analytics_throttle``: a refresh recomputes every chart, and edits made meanwhile in the
    grid would wait for it.
    """

    # what close() closes; empty, and None, until __init__ made them
    _parts: tuple[ipywidgets.Widget, ...] = ()
    _solving_subscription: Subscription | None = None

    def __init__(
        self,
        schedule: object,
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
        checked = require_schedule(schedule)
        self._throttles = (float(analytics_throttle), float(analytics_solving_throttle))
        self.grid = self._own(ScheduleGrid(checked, view, user=user, height=height, theme=theme))
        self.status = self._own(StatusBar(checked, self.grid, user=self.grid.user, theme=theme))
        self.solver = self._own(SolverBar(checked, self.grid, user=self.grid.user, theme=theme))
        self.analytics = self._own(
            AnalyticsPanel(checked, theme=theme, throttle=analytics_throttle)
        )
        self.history = self._own(HistoryPanel(checked, user=self.grid.user, theme=theme))
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
        self._solving_subscription = checked.events.subscribe(
            ("solver_started", "solver_finished"), self._on_solver, weak=True
        )
        self._pace_analytics(checked.solving is not None)

    def _own(self, part: _Part) -> _Part:
        """``part``, to be closed with the dashboard."""
        self._parts = (*self._parts, part)
        return part

    def _pace_analytics(self, solving: bool) -> None:
        idle, busy = self._throttles
        self.analytics.throttle = max(idle, busy) if solving else idle

    def _on_solver(self, event: Event) -> None:
        self._pace_analytics(event.type == "solver_started")

    def close(self) -> None:
        """Close the dashboard and every part of it."""
        if self._solving_subscription is not None:
            self._solving_subscription.cancel()
        for part in self._parts:  # those made before an __init__ that failed, too
            part.close()
        super().close()


def dashboard(
    schedule: object,
    *,
    view: str = "coverage",
    user: str | None = None,
    height: int = 420,
    theme: str = "auto",
) -> Dashboard:
    """A :class:`Dashboard` of ``schedule`` (grid + status + solver + analytics + history)."""
    return Dashboard(schedule, view=view, user=user, height=height, theme=theme)
