"""The benchmark harness: instance specs, rows and their measurements, saving, the performance
profile and the ``rtsched bench`` command (the Dask paths are in test_benchmark_dask.py).

Instances come from the package (``rt.datasets``) and synthetic specs only."""

from __future__ import annotations

import math
import pickle
import shutil
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import rtsched_widgets as rt
from rtsched_widgets.cli import main
from rtsched_widgets.solve.benchmark import (
    COLUMNS,
    Run,
    benchmark,
    gap_percent,
    load_instance,
    performance_profile,
    performance_ratios,
    plot_benchmark,
    read_best_known,
    resolve_instances,
    results_format,
    run_one,
    save_results,
)

SYNTHETIC = "synthetic:workers=6,days=14,posts=1,seed=0"
BUDGET = ("local_search", {"max_moves": 2000})  # stops on its move budget: deterministic


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """The user cache of fetched instances is an empty folder under ``tmp_path``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rtsched_widgets" / "nrp"


def test_benchmark_rows_gaps_measurements_and_parallel_runs():
    frame = benchmark(["greedy", "cpsat"], "nrp:1", time_limit=20, seeds=[0, 1], n_jobs=2)
    assert list(frame.columns) == COLUMNS
    assert list(frame["strategy"]) == ["greedy", "greedy", "cpsat", "cpsat"]
    assert list(frame["seed"]) == [0, 1, 0, 1]
    cp = frame[frame["strategy"] == "cpsat"]
    assert (cp["objective"] == 607).all() and (cp["gap_to_best"] == 0).all()
    assert (frame["best_known"] == 607).all()  # the bundled table, without passing a file
    for row in frame.itertuples():
        expected = gap_percent(row.objective, 607, row.hard_violations)
        assert (math.isnan(expected) and math.isnan(row.gap_to_best)) or (
            row.gap_to_best == pytest.approx(expected)
        )
    assert (frame["options"] == "{}").all() and (frame["time_limit"] == 20).all()
    assert (frame["version"] == rt.__version__).all()
    assert (frame["host"] == socket.gethostname()).all()
    assert (frame["wall_time"] > 0).all() and (frame["cpu_time"] >= 0).all()
    assert set(frame["peak_rss_scope"]) <= {"run", "process"}
    assert (frame["rss_start_mb"] > 0).all()
    assert (frame["peak_rss_mb"] >= frame["rss_start_mb"]).all()


def test_peak_rss_covers_memory_a_run_allocates(monkeypatch):
    """A strategy that holds 200 MiB for a moment: the run's peak shows it (Linux resets the
    high-water mark per run; elsewhere it is the process's peak, which still includes it)."""
    import numpy as np

    from rtsched_widgets.solve import registry

    class Hungry(registry.Strategy):
        name = "hungry"

        def solve(self, problem, **kw):
            block = np.ones(200 * 1024 * 1024 // 8)
            del block
            return registry.get_strategy("greedy").solve(problem, **kw)

    monkeypatch.setitem(registry._REGISTRY, "hungry", lambda: Hungry())
    row = benchmark(["hungry"], SYNTHETIC, time_limit=30).iloc[0]
    assert row["peak_rss_mb"] - row["rss_start_mb"] > 150
    if row["peak_rss_scope"] == "run":  # a second run that allocates nothing starts afresh
        quiet = benchmark(["greedy"], SYNTHETIC, time_limit=30).iloc[0]
        assert quiet["peak_rss_mb"] - quiet["rss_start_mb"] < 100


def test_bundled_instance_specs(empty_cache, tmp_path, monkeypatch):
    def names(spec):
        return [name for name, _, _ in resolve_instances(spec)]

    assert resolve_instances("nrp:1-3") == [
        ("Instance1", "bundled", "Instance1"),
        ("Instance2", "bundled", "Instance2"),
        ("Instance3", "bundled", "Instance3"),
    ]
    assert names("nrp:1,3,5") == ["Instance1", "Instance3", "Instance5"]
    assert names("nrp:all") == list(rt.datasets.nrp_names())
    assert names(["nrp:Instance5", "Instance7", "instance8.txt"]) == [
        "Instance5",
        "Instance7",
        "Instance8",
    ]
    with pytest.raises(ValueError, match=r"instances\[0\]: .*Instance14 is not bundled.*fetch_nrp"):
        resolve_instances("nrp:12-14")
    with pytest.raises(ValueError, match=r"instances\[1\]: .*'nrp:4-2'.*empty"):
        resolve_instances(["nrp:1", "nrp:4-2"])
    with pytest.raises(ValueError, match=r"instances\[0\]: .*Curtois"):
        resolve_instances("nrp:99")
    with pytest.raises(ValueError, match="names no instance"):
        resolve_instances("nrp:")
    with pytest.raises(ValueError, match="fetch_nrp"):
        resolve_instances("Instance14")

    # an instance fetch_nrp cached is found too, as its file
    empty_cache.mkdir(parents=True)
    cached = empty_cache / "Instance14.txt"
    shutil.copy(rt.datasets.nrp_path(1), cached)
    assert resolve_instances("nrp:14") == [("Instance14", "nrp", str(cached))]

    # an existing file wins over the bundled instance of the same name
    monkeypatch.chdir(tmp_path)
    shutil.copy(rt.datasets.nrp_path(2), tmp_path / "Instance5.txt")
    assert resolve_instances("Instance5.txt") == [("Instance5", "nrp", "Instance5.txt")]
    assert resolve_instances("Instance5") == [("Instance5", "bundled", "Instance5")]


def test_folders_synthetic_specs_and_best_known_inputs(tmp_path):
    folder = rt.datasets.nrp_path(1).parent
    names = [name for name, _, _ in resolve_instances(folder)]
    assert names[:3] == ["Instance1", "Instance2", "Instance3"]
    assert names == sorted(names, key=lambda n: int(n.removeprefix("Instance")))
    assert len(names) == len(rt.datasets.nrp_names())
    spec = resolve_instances([SYNTHETIC])
    assert spec[0][1] == "synthetic" and spec[0][2] == {
        "workers": 6,
        "days": 14,
        "posts": 1,
        "seed": 0,
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
    # a given best_known is used as given: no bundled values mixed in
    frame = benchmark("greedy", ["nrp:1", SYNTHETIC], time_limit=30, best_known={"x": 1})
    assert frame["best_known"].isna().all()


def test_runs_travel_small_and_load_on_the_worker():
    for name, kind, payload in resolve_instances(["nrp:24", SYNTHETIC]):
        run = Run(0, name, kind, payload, "greedy", 0, 10.0)
        assert len(pickle.dumps(run)) < 1000
        assert load_instance(kind, payload).n_workers > 0
    run = Run(3, "Instance1", "bundled", "Instance1", "local_search", 0, 30.0, {"max_moves": 2000})
    first, second = run_one(run), run_one(pickle.loads(pickle.dumps(run)))
    assert first["options"] == '{"max_moves": 2000}' and first["strategy"] == "local_search"
    for column in ("objective", "hard_violations", "engine_objective", "moves_evaluated"):
        assert first[column] == second[column]


def test_strategy_options_rows_and_labels():
    frame = benchmark(["greedy", BUDGET], SYNTHETIC, time_limit=30, seeds=[0, 1])
    assert list(frame["options"]) == ["{}", "{}", '{"max_moves": 2000}', '{"max_moves": 2000}']
    assert list(frame["strategy"]) == ["greedy", "greedy", "local_search", "local_search"]
    assert (frame["objective"] == frame["engine_objective"]).all()


def test_bad_input_fails_before_any_run(tmp_path):
    ran: list[dict] = []
    kwargs = {"time_limit": 1, "on_result": ran.append}
    with pytest.raises(ValueError, match="unknown strategy 'magic'"):
        benchmark(["greedy", "magic"], "nrp:1", **kwargs)
    with pytest.raises(ValueError, match=r"strategies\[1\]: options .*temperature"):
        benchmark(["greedy", ("local_search", {"temperature": 3})], "nrp:1", **kwargs)
    with pytest.raises(ValueError, match=r"strategies\[0\]"):
        benchmark([("greedy",)], "nrp:1", **kwargs)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="cannot go to the chain"):
        benchmark([("greedy+ls", {"max_moves": 3})], "nrp:1", **kwargs)
    with pytest.raises(ValueError, match=r"out: .*\.csv or \.parquet"):
        benchmark(["greedy"], "nrp:1", out=tmp_path / "r.xlsx", **kwargs)
    with (
        ThreadPoolExecutor(1) as pool,
        pytest.raises(ValueError, match="n_jobs: 2 with an executor"),
    ):
        benchmark(["greedy"], "nrp:1", n_jobs=2, executor=pool, **kwargs)
    assert ran == [] and not list(tmp_path.iterdir())


def test_any_executor_runs_the_sweep_and_a_failing_run_propagates():
    local = benchmark(["greedy", BUDGET], ["nrp:2", SYNTHETIC], time_limit=30, seeds=[0, 1])
    with ThreadPoolExecutor(2) as pool:
        threaded = benchmark(
            ["greedy", BUDGET], ["nrp:2", SYNTHETIC], time_limit=30, seeds=[0, 1], executor=pool
        )
        deterministic = ["instance", "strategy", "options", "seed", "objective", "moves_evaluated"]
        pd.testing.assert_frame_equal(threaded[deterministic], local[deterministic])
        with pytest.raises(TypeError, match="bogus"):
            benchmark(["greedy"], "synthetic:workers=4,bogus=1", time_limit=5, executor=pool)
        assert pool.submit(int, "7").result() == 7  # the caller's executor is left running


def test_out_progress_and_on_result(tmp_path, capsys):
    seen: list[tuple] = []
    frame = benchmark(
        ["greedy", BUDGET],
        SYNTHETIC,
        time_limit=30,
        out=tmp_path / "results.parquet",
        progress=True,
        on_result=lambda row: seen.append((row["strategy"], row["seed"])),
    )
    assert sorted(seen) == [("greedy", 0), ("local_search", 0)]
    err = capsys.readouterr().err
    assert "2/2" in err and "run" in err  # the tqdm bar
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "results.parquet"), frame)
    save_results(frame, tmp_path / "results.csv.gz")
    back = pd.read_csv(tmp_path / "results.csv.gz")
    assert list(back.columns) == COLUMNS and list(back["options"]) == list(frame["options"])
    assert results_format("x.PQ") == "parquet" and results_format("a/b.csv") == "csv"
    with pytest.raises(ValueError, match="out"):
        save_results(frame, tmp_path / "results.json")


def _frame(rows):
    return pd.DataFrame(
        rows, columns=["instance", "seed", "strategy", "objective", "hard_violations"]
    )


PROFILE_ROWS = [
    # A seed 0: best x=100; y twice as much; z breaks a hard rule
    ("A", 0, "x", 100.0, 0),
    ("A", 0, "y", 200.0, 0),
    ("A", 0, "z", 50.0, 2),
    # A seed 1 is a problem of its own: z best, x at 1.25, y has no run (a failure)
    ("A", 1, "x", 100.0, 0),
    ("A", 1, "z", 80.0, 0),
    # B: the best is 0, so ratios use the shift: (f - 0 + 1) / 1
    ("B", 0, "x", 0.0, 0),
    ("B", 0, "y", 0.0, 0),
    ("B", 0, "z", 3.0, 0),
    # C: every strategy fails; the problem still counts
    ("C", 0, "x", 10.0, 1),
    ("C", 0, "y", float("nan"), 0),
    ("C", 0, "z", 12.0, 3),
]


def test_performance_ratios_and_profile_numbers():
    ratios = performance_ratios(_frame(PROFILE_ROWS))
    inf = math.inf
    assert list(ratios.columns) == ["x", "y", "z"]
    assert list(ratios.index) == [("A", 0), ("A", 1), ("B", 0), ("C", 0)]
    assert ratios.to_numpy().tolist() == [
        [1.0, 2.0, inf],
        [1.25, inf, 1.0],
        [1.0, 1.0, 4.0],
        [inf, inf, inf],
    ]
    profile = performance_profile(_frame(PROFILE_ROWS))
    assert list(profile.index) == [1.0, 1.25, 2.0, 4.0]
    assert profile["x"].tolist() == [0.5, 0.75, 0.75, 0.75]
    assert profile["y"].tolist() == [0.25, 0.25, 0.5, 0.5]
    assert profile["z"].tolist() == [0.25, 0.25, 0.25, 0.5]
    at = performance_profile(_frame(PROFILE_ROWS), taus=[1.1, 100])
    assert at.loc[100.0].tolist() == [0.75, 0.5, 0.5]
    # the shift is what a best of 0 is translated to
    shifted = performance_ratios(_frame(PROFILE_ROWS), shift=2.0)
    assert shifted.loc[("B", 0), "z"] == pytest.approx((3 + 2) / 2)
    with pytest.raises(ValueError, match="shift"):
        performance_ratios(_frame(PROFILE_ROWS), shift=0)


def test_strategies_with_options_are_profiled_apart():
    frame = _frame([("A", 0, "ls", 10.0, 0), ("A", 0, "ls", 20.0, 0)])
    frame["options"] = ["{}", '{"max_moves": 5}']
    assert performance_ratios(frame).iloc[0].tolist() == [1.0, 2.0]
    assert list(performance_ratios(frame).columns) == ["ls", 'ls {"max_moves": 5}']


def test_plot_benchmark_profile_lines_and_bars():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = _frame(PROFILE_ROWS)
    ax = plot_benchmark(frame, kind="profile")
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["x", "y", "z"]
    assert ax.get_xscale() == "log" and ax.get_xlim()[0] == 1.0
    assert list(lines["x"].get_xdata()) == [1.0, 1.25, 2.0, 4.0, 5.0]  # 5: the right edge
    assert list(lines["x"].get_ydata()) == [0.5, 0.75, 0.75, 0.75, 0.75]
    assert list(lines["z"].get_ydata()) == [0.25, 0.25, 0.25, 0.5, 0.5]
    assert lines["x"].get_drawstyle() == "steps-post"
    frame["gap_to_best"] = 1.0
    bars = plot_benchmark(frame)  # the default is still the bars
    assert len(bars.patches) == 9
    with pytest.raises(ValueError, match="kind"):
        plot_benchmark(frame, kind="pie")
    plt.close("all")


def test_cli_bench_writes_csv_and_prints_table(tmp_path, capsys):
    out = tmp_path / "results.csv"
    code = main(
        [
            "bench",
            "--instances",
            "nrp:1",
            "--strategies",
            "greedy,greedy+ls",
            "--time-limit",
            "0.5",
            "--seeds",
            "0",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out)
    assert len(frame) == 4 and set(frame["strategy"]) == {"greedy", "greedy+ls"}
    assert (frame["best_known"] == 607).all()
    captured = capsys.readouterr()
    assert "Instance1" in captured.out and "4/4" in captured.err  # table and progress bar


def test_cli_writes_parquet(tmp_path, capsys):
    out = tmp_path / "results.parquet"
    args = ["bench", "--instances", SYNTHETIC, "--strategies", "greedy", "--time-limit", "5"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    frame = pd.read_parquet(out)
    assert list(frame.columns) == COLUMNS and len(frame) == 1
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "does not exist"),
        (["--out", "r.xlsx"], ".csv or .parquet"),
        (["--dask", "tcp://127.0.0.1:1", "--jobs", "2"], "--jobs goes with --dask local"),
    ],
)
def test_cli_reports_bad_input_with_exit_status_2(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--instances", str(tmp_path / "nope.txt"), "--time-limit", "1", *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_dask_without_the_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--instances", "nrp:1", "--dask", "local", "--quiet"])
    assert exc.value.code == 2
    assert "rtsched_widgets[dask]" in capsys.readouterr().err
