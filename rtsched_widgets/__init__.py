"""rtsched_widgets: Jupyter widgets for building, editing and sharing staff shift schedules."""

from importlib.metadata import PackageNotFoundError, version

from rtsched_widgets.widgets.table import ScheduleTable

try:
    __version__ = version("rtsched_widgets")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["ScheduleTable", "__version__"]
