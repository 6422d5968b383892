"""``rtsched bench``: every argument is checked before the first run (exit status 2, one line
on stderr, no traceback), and computed results are never lost."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rtsched_widgets import cli

bench_module = importlib.import_module("rtsched_widgets.solve.benchmark")

SYNTHETIC = "synthetic:workers=6,days=14,posts=1,seed=0"
BASE = ["bench", "--strategies", "greedy", "--time-limit", "2", "--quiet"]


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any run that starts fails the test: bad arguments must be caught before."""

    def forbidden(run: Any) -> dict[str, Any]:
        raise AssertionError("a run started despite bad arguments")

    monkeypatch.setattr(bench_module, "run_one", forbidden)


def exits_2(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        cli.main([*BASE, *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("rtsched bench: error: ")
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--instances", "synthetic:workers=6,dayz=14"], "unknown synthetic key(s) dayz"),
        (["--instances", "synthetic:workers=lots"], "synthetic.workers"),
        (["--instances", "synthetic:workers=6,days=14,part_time_share=2"], "part_time_share"),
        (["--instances", "synthetic:workers=6,days=99999999"], "days"),
        (["--instances", SYNTHETIC, "--time-limit", "nan"], "--time-limit nan"),
        (["--instances", SYNTHETIC, "--time-limit", "inf"], "--time-limit inf"),
        (["--instances", SYNTHETIC, "--time-limit", "-1"], "--time-limit -1"),
        (["--instances", SYNTHETIC, "--seeds", "-3"], "--seeds -3"),
        (["--instances", SYNTHETIC, "--jobs", "0"], "--jobs 0"),
        (["--instances", SYNTHETIC, "--strategies", "nope"], "nope"),
    ],
)
def test_bad_values_exit_2_before_any_run(
    no_runs: None, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert message in exits_2(capsys, *argv)


def test_missing_best_known_file(no_runs: None, capsys, tmp_path: Path) -> None:
    missing = tmp_path / "best.csv"
    err = exits_2(capsys, "--instances", SYNTHETIC, "--best-known", str(missing))
    assert str(missing) in err


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00garbage\x81", b"instance,best_known_objective\nA,lots\n", b"x,y\n1,2\n",
     b"instance,best_known_objective\nA,inf\n"],
)  # fmt: skip
def test_bad_best_known_file(no_runs: None, capsys, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "best.csv"
    path.write_bytes(content)
    assert str(path) in exits_2(capsys, "--instances", SYNTHETIC, "--best-known", str(path))


def test_garbage_nrp_file_is_named(no_runs: None, capsys, tmp_path: Path) -> None:
    path = tmp_path / "Instance99.txt"
    path.write_bytes(bytes(range(256)))
    err = exits_2(capsys, "--instances", str(path))
    assert "Instance99.txt" in err and "UTF-8" in err


@pytest.mark.parametrize("name", ["missing/results.csv", "missing/deeper/results.parquet"])
def test_out_into_a_missing_folder_fails_first(
    no_runs: None, capsys, tmp_path: Path, name: str
) -> None:
    err = exits_2(capsys, "--instances", SYNTHETIC, "--out", str(tmp_path / name))
    assert "does not exist" in err


def test_out_naming_a_folder(no_runs: None, capsys, tmp_path: Path) -> None:
    folder = tmp_path / "r.csv"
    folder.mkdir()
    assert "is a folder" in exits_2(capsys, "--instances", SYNTHETIC, "--out", str(folder))


# -- never lose computed results ----------------------------------------------------------------
def failing_after(monkeypatch: pytest.MonkeyPatch, good: int) -> None:
    real = bench_module.run_one
    calls = {"n": 0}

    def run_one(run: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] > good:
            raise RuntimeError("solver crashed")
        return real(run)

    monkeypatch.setattr(bench_module, "run_one", run_one)


def test_a_failing_sweep_keeps_the_finished_rows_next_to_out(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    failing_after(monkeypatch, good=2)
    out = tmp_path / "results.csv"
    with pytest.raises(RuntimeError, match="solver crashed"):
        cli.main([*BASE, "--instances", SYNTHETIC, "--seeds", "0", "1", "2", "--out", str(out)])
    partial = tmp_path / "results.csv.partial.csv"
    err = capsys.readouterr().err
    assert str(partial) in err and "2 finished run(s)" in err
    rows = pd.read_csv(partial)
    assert rows["seed"].tolist() == [0, 1]
    assert list(rows.columns) == bench_module.COLUMNS
    assert not out.exists()


def test_without_out_a_failing_sweep_writes_a_fallback_file(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    failing_after(monkeypatch, good=1)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    with pytest.raises(RuntimeError):
        cli.main([*BASE, "--instances", SYNTHETIC, "--seeds", "0", "1"])
    (fallback,) = tmp_path.glob("rtsched-bench-partial-*.csv")
    assert str(fallback) in capsys.readouterr().err
    assert pd.read_csv(fallback)["seed"].tolist() == [0]


def test_out_that_cannot_be_written_at_the_end_keeps_the_rows(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    out = tmp_path / "results.parquet"

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    code = cli.main([*BASE, "--instances", SYNTHETIC, "--seeds", "0", "1", "--out", str(out)])
    assert code == 1
    partial = tmp_path / "results.parquet.partial.csv"
    assert str(partial) in capsys.readouterr().err
    assert len(pd.read_csv(partial)) == 2


def test_a_good_sweep_writes_out_and_removes_the_partial_file(capsys, tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    assert cli.main([*BASE, "--instances", SYNTHETIC, "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 1
    assert not (tmp_path / "results.csv.partial.csv").exists()
    assert "synthetic(" in capsys.readouterr().out


def test_the_command_line_reports_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rtsched_widgets.cli", *BASE, "--instances",
         "synthetic:wrkers=3", "--out", str(tmp_path / "r.csv")],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": ""},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "unknown synthetic key(s) wrkers" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.csv").exists()
