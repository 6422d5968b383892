"""Importers and exporters of scheduling problems and rosters.

- :mod:`~rtsched_widgets.model.io.nrp`: the Curtois & Qu benchmark text format.
"""

from __future__ import annotations

from rtsched_widgets.model.io.nrp import NRP_START, dump_nrp, load_nrp, parse_nrp, save_nrp

__all__ = ["NRP_START", "dump_nrp", "load_nrp", "parse_nrp", "save_nrp"]
