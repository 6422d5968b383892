"""The instances shipped inside the package, found with ``importlib.resources``.

Instance names follow the Curtois & Qu series: ``Instance1`` … ``Instance24``. A name may be
given as the number (``5`` or ``"5"``), the name in any case (``"instance5"``), the file name
(``"Instance5.txt"``) or with the ``nrp:`` prefix the benchmark command uses (``"nrp:5"``).
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

SERIES = range(1, 25)
"""Numbers of the Curtois & Qu series (1–24 inclusive); not every one is bundled."""

_NAME = re.compile(r"^(?:nrp:)?(?:instance)?0*(\d+)(?:\.txt)?$", re.IGNORECASE)


def _package() -> Traversable:
    return resources.files("rtsched_widgets.datasets")


def nrp_name(name_or_number: int | str) -> str:
    """The canonical name (``"Instance5"``) of an instance of the series.

    Raises ``ValueError`` naming the accepted forms when the value is not a number of the
    series (1–24) in one of them.
    """
    if isinstance(name_or_number, bool):
        match = None
    elif isinstance(name_or_number, int):
        match = _NAME.match(str(name_or_number))
    elif isinstance(name_or_number, str):
        match = _NAME.match(name_or_number.strip())
    else:
        match = None
    number = int(match.group(1)) if match else None
    if number is None or number not in SERIES:
        raise ValueError(
            f"instance: {name_or_number!r} is not an instance of the Curtois & Qu series — give "
            f"a number from 1 to 24, 'Instance5', 'Instance5.txt' or 'nrp:5' "
            f"(bundled: {', '.join(map(str, bundled_numbers()))})"
        )
    return f"Instance{number}"


@cache
def bundled_numbers() -> tuple[int, ...]:
    """Numbers of the NRP instances shipped in the package, ascending."""
    found = []
    for entry in (_package() / "nrp").iterdir():
        match = _NAME.match(entry.name)
        if match and entry.name.endswith(".txt"):
            found.append(int(match.group(1)))
    return tuple(sorted(found))


def bundled_file(name_or_number: int | str) -> Traversable | None:
    """The packaged file of an NRP instance, or None when that instance is not bundled."""
    name = nrp_name(name_or_number)
    entry = _package() / "nrp" / f"{name}.txt"
    return entry if entry.is_file() else None


def as_path(entry: Traversable) -> Path:
    """A ``Path`` for a packaged file (the package is installed as plain files, which is how
    both the wheel and an editable install lay it out)."""
    return Path(str(entry))


@cache
def _best_known_rows() -> tuple[dict[str, str], ...]:
    text = (_package() / "nrp" / "best_known.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def best_known_rows() -> list[dict[str, Any]]:
    """The best-known table as dicts: ``instance``, ``days``, ``staff``, ``shift_types``,
    ``best_known`` (objective, float), ``proven`` (True when proven optimal in the literature,
    None when the source does not state it)."""
    return [
        {
            "instance": row["instance"],
            "days": int(row["days"]),
            "staff": int(row["staff"]),
            "shift_types": int(row["shift_types"]),
            "best_known": float(row["best_known_objective"]),
            "proven": True if row["proven_optimal"].strip().lower() == "yes" else None,
        }
        for row in _best_known_rows()
    ]


def saldo_example_text() -> str:
    """The JSON text of the bundled saldo-style backup."""
    return (_package() / "saldo_example.json").read_text(encoding="utf-8")


def saldo_example_data() -> dict[str, Any]:
    """A fresh copy of the bundled saldo-style backup (config, metadata, workers, schedule)."""
    data = json.loads(saldo_example_text())
    assert isinstance(data, dict)
    return data
