"""Packaging: one version number everywhere; the wheel carries the built front end and works
when installed on its own in a fresh virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import rtsched_widgets

REPO = Path(__file__).resolve().parents[1]


def run(command: list[str | Path], cwd: Path) -> str:
    """Run ``command``; on failure, fail the test with its output."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def test_one_version_number_everywhere():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    package_json = json.loads((REPO / "js" / "package.json").read_text())["version"]
    assert pyproject == package_json, "pyproject.toml and js/package.json disagree"
    assert rtsched_widgets.__version__ == pyproject, (
        "the installed metadata is stale: reinstall the package (pip install -e .)"
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", outdir, REPO], cwd=outdir)
    (built,) = outdir.glob("rtsched_widgets-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_the_built_front_end(wheel: Path):
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert wheel.name.startswith(f"rtsched_widgets-{version}-")
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    for data in ("nrp/Instance24.txt", "nrp/best_known.csv", "nrp/README.md", "saldo_example.json"):
        assert f"rtsched_widgets/datasets/{data}" in infos, f"{data} missing from {wheel.name}"
    bundle = infos.get("rtsched_widgets/static/table.js")
    assert bundle is not None, f"static bundle missing from {wheel.name}: {sorted(infos)}"
    assert bundle.file_size > 1000
    assert not [name for name in infos if name.startswith(("tests/", "js/", "notebooks/"))]


@pytest.mark.slow
def test_the_wheel_works_in_a_fresh_virtual_environment(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], tmp_path)

    probe = """
import json, sys
from pathlib import Path
import pandas as pd
import rtsched_widgets
from rtsched_widgets import ScheduleTable
from rtsched_widgets.widgets._assets import bundle
table = ScheduleTable(pd.DataFrame({"on call": ["W001"]}, index=["2026-01-05"]))
path = bundle("table")
big = rtsched_widgets.datasets.nrp(24)
best = rtsched_widgets.datasets.nrp_best_known()
print(json.dumps({
    "package": rtsched_widgets.__file__,
    "prefix": sys.prefix,
    "version": rtsched_widgets.__version__,
    "bundle": str(path),
    "bundle_size": path.stat().st_size,
    "esm_is_bundle": str(table._esm) == path.read_text(),
    "nrp24": [big.name, big.n_workers, big.n_days, big.n_shifts],
    "nrp24_file": str(rtsched_widgets.datasets.nrp_path(24)),
    "best_known_rows": len(best),
}))
"""
    # Run outside the source tree so only the installed copy can be imported.
    report = json.loads(run([python, "-c", probe], cwd=tmp_path).strip().splitlines()[-1])
    assert Path(report["package"]).is_relative_to(venv.resolve())
    assert Path(report["bundle"]).is_relative_to(venv.resolve())
    assert report["bundle_size"] > 1000
    assert report["esm_is_bundle"] is True
    assert report["nrp24"] == ["Instance24", 150, 364, 32]
    assert Path(report["nrp24_file"]).is_relative_to(venv.resolve())
    assert report["best_known_rows"] == len(rtsched_widgets.datasets.nrp_names())
    assert report["version"] == rtsched_widgets.__version__
