"""Rules of the saldo profile (on-call posts)."""

from rtsched_widgets.rules.saldo.gap import MinGap

__all__ = ["MinGap"]
