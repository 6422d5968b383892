from __future__ import annotations

import math

import pandas as pd
import pytest

from rtsched_widgets.cli import main
from rtsched_widgets.solve.benchmark import (
    COLUMNS,
    benchmark,
    gap_percent,
    read_best_known,
    resolve_instances,
)


def test_benchmark_rows_gaps_and_parallel_runs(nrp_file, best_known):
    frame = benchmark(
        ["greedy", "cpsat"],
        [nrp_file(1)],
        time_limit=20,
        seeds=[0, 1],
        n_jobs=2,
        best_known=best_known,
    )
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 4
    assert list(frame["strategy"]) == ["greedy", "greedy", "cpsat", "cpsat"]
    assert list(frame["seed"]) == [0, 1, 0, 1]
    cp = frame[frame["strategy"] == "cpsat"]
    assert (cp["objective"] == 607).all() and (cp["gap_to_best"] == 0).all()
    assert (frame["best_known"] == 607).all()
    for row in frame.itertuples():
        expected = gap_percent(row.objective, 607, row.hard_violations)
        assert (math.isnan(expected) and math.isnan(row.gap_to_best)) or (
            row.gap_to_best == pytest.approx(expected)
        )


def test_resolve_instances_and_best_known_inputs(nrp_file, tmp_path):
    folder = nrp_file(1).parent
    names = [name for name, _, _ in resolve_instances(folder)]
    assert names[:3] == ["Instance1", "Instance2", "Instance3"] and len(names) == 12
    spec = resolve_instances(["synthetic:workers=5,days=14,posts=1,seed=3"])
    assert spec[0][1] == "synthetic" and spec[0][2] == {
        "workers": 5,
        "days": 14,
        "posts": 1,
        "seed": 3,
    }
    with pytest.raises(ValueError, match=r"instances\[0\]: .* does not exist"):
        resolve_instances([tmp_path / "missing.txt"])
    with pytest.raises(ValueError, match="key=value"):
        resolve_instances(["synthetic:workers"])
    assert read_best_known(folder / "best_known.csv")["Instance12"] == 4040
    bad = tmp_path / "bk.csv"
    bad.write_text("name,value\nx,1\n")
    with pytest.raises(ValueError, match="best_known_objective"):
        read_best_known(bad)
    assert math.isnan(gap_percent(10, 5, hard=1))
    assert gap_percent(10, 8, hard=0) == pytest.approx(25.0)


def test_benchmark_rejects_unknown_strategy_before_running(nrp_file):
    with pytest.raises(ValueError, match="unknown strategy 'magic'"):
        benchmark(["greedy", "magic"], [nrp_file(1)], time_limit=1)


def test_cli_bench_writes_csv_and_prints_table(nrp_file, tmp_path, capsys):
    out = tmp_path / "results.csv"
    code = main(
        [
            "bench",
            "--instances",
            str(nrp_file(1)),
            "--strategies",
            "greedy,greedy+ls",
            "--time-limit",
            "0.5",
            "--seeds",
            "0",
            "1",
            "--jobs",
            "1",
            "--best-known",
            str(nrp_file(1).parent / "best_known.csv"),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    frame = pd.read_csv(out)
    assert len(frame) == 4 and set(frame["strategy"]) == {"greedy", "greedy+ls"}
    assert "Instance1" in capsys.readouterr().out


def test_cli_reports_bad_input_with_exit_status_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--instances", str(tmp_path / "nope.txt"), "--time-limit", "1"])
    assert exc.value.code == 2
    assert "does not exist" in capsys.readouterr().err
