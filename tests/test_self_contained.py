"""The repository needs nothing beside it: no tracked file refers to a path above its root.

A clone in an empty folder must install, test, benchmark and run its notebooks on its own, so
every relative path written in a tracked file (``../x`` in any text, ``Path(__file__)``'s
``parents[n]`` and ``.parent`` chains, a ``".."`` path part in Python) must stay inside the
repository, and no absolute path may point at a sibling folder.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parents[1]
THIS = PurePosixPath("tests/test_self_contained.py")

DOTS = re.compile(r"(?<![\w.])((?:\.\./)+)")
PARENTS = re.compile(
    r"__file__\)?(?:\.resolve\(\))?((?:\.parent(?!s))*)(?:\.parents\[(\d+)\])?"
    r"((?:\.parent(?!s))*)((?:\s*/\s*[\"']\.\.[\"'])*)"
)
ABSOLUTE = re.compile(r"/work/|shared/data")


def tracked_text_files() -> list[PurePosixPath]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [PurePosixPath(name) for name in listing.split("\0") if name]


def levels_up(match: re.Match[str]) -> int:
    """How many folders above the file's own folder a ``Path(__file__)…`` expression reaches
    (the first step up goes from the file to its folder)."""
    before, index, after, dots = match.groups()
    steps = before.count(".parent") + after.count(".parent") + dots.count("..")
    if index is not None:
        steps += int(index) + 1
    return max(steps - 1, 0)


def escapes(path: PurePosixPath, up: int) -> bool:
    """True when going ``up`` folders above the folder of ``path`` leaves the repository."""
    return up > len(path.parent.parts)


def offences(path: PurePosixPath, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in DOTS.finditer(line):
            if escapes(path, m.group(1).count("../")):
                found.append(f"{path}:{number}: {line.strip()}")
        for m in PARENTS.finditer(line):
            if escapes(path, levels_up(m)):
                found.append(f"{path}:{number}: {line.strip()}")
        if ABSOLUTE.search(line):
            found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_no_tracked_file_refers_to_a_path_above_the_repository() -> None:
    found: list[str] = []
    for path in tracked_text_files():
        if path == THIS:
            continue
        data = (REPO / path).read_bytes()
        if b"\0" in data:
            continue
        found += offences(path, data.decode("utf-8", errors="replace"))
    assert not found, "paths above the repository root:\n" + "\n".join(found)


def test_the_check_sees_each_way_of_leaving_the_repository() -> None:
    deep = PurePosixPath("tests/model/test_x.py")
    leaving = [
        'NRP = Path(__file__).resolve().parents[2] / ".." / "sibling" / "data"',
        "NRP = Path(__file__).resolve().parents[3]",
        "NRP = Path(__file__).parent.parent.parent.parent",
        "see " + "../" * 3 + "sibling/nrp/README.md",
        'open("/work/shared/x")',
    ]
    staying = [
        "REPO = Path(__file__).resolve().parents[2]",
        "HERE = Path(__file__).parent.parent",
        "import ../../js/src/grid",
        "see ../README.md",
    ]
    assert all(offences(deep, line) for line in leaving), [
        line for line in leaving if not offences(deep, line)
    ]
    assert not any(offences(deep, line) for line in staying)
