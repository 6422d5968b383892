"""Rules of the NRP profile (Curtois & Qu instances)."""

__all__: list[str] = []
