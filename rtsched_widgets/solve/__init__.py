"""Generation strategies (greedy, local search, CP-SAT), partial regeneration, benchmarks."""

from rtsched_widgets.solve.base import ProgressInfo, SolveResult, Strategy
from rtsched_widgets.solve.benchmark import benchmark, plot_benchmark
from rtsched_widgets.solve.keep import Keep
from rtsched_widgets.solve.partial import regenerate
from rtsched_widgets.solve.registry import Chain, available_strategies, get_strategy, register

__all__ = [
    "Chain",
    "Keep",
    "ProgressInfo",
    "SolveResult",
    "Strategy",
    "available_strategies",
    "benchmark",
    "get_strategy",
    "plot_benchmark",
    "regenerate",
    "register",
]
