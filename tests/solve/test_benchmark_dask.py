"""Sweeps on a Dask cluster: a real ``LocalCluster`` of two single-threaded worker processes,
started by this module, reached through ``client.get_executor()`` and through
``rtsched bench --dask``.

The strategies stop on their own rule (greedy finishes; local search stops on its move
budget, far inside the time limit), so a run gives the same roster wherever it runs and the
cluster's rows must equal the local ones in every deterministic column."""

from __future__ import annotations

import distributed
import pandas as pd
import pytest

import rtsched_widgets as rt
from rtsched_widgets.cli import main
from rtsched_widgets.solve.benchmark import COLUMNS, benchmark

STRATEGIES = ["greedy", ("local_search", {"max_moves": 5000})]
INSTANCES = ["nrp:1-2", "synthetic:workers=6,days=14,posts=1,seed=0"]
SEEDS = [0, 1]
TIME_LIMIT = 60.0  # never reached: both strategies stop on their own long before
DETERMINISTIC = [
    "instance",
    "strategy",
    "options",
    "seed",
    "objective",
    "hard_violations",
    "gap_to_best",
    "status",
    "best_known",
    "engine_objective",
    "engine_hard",
    "moves_evaluated",
    "time_limit",
    "version",
]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def local_rows():
    return benchmark(STRATEGIES, INSTANCES, time_limit=TIME_LIMIT, seeds=SEEDS, n_jobs=1)


def test_sweep_on_the_cluster_equals_the_local_run(client, local_rows):
    workers = set(client.scheduler_info()["workers"])
    with distributed.get_task_stream(client) as tasks:
        frame = benchmark(
            STRATEGIES,
            INSTANCES,
            time_limit=TIME_LIMIT,
            seeds=SEEDS,
            executor=client.get_executor(),
        )
    assert list(frame.columns) == COLUMNS and len(frame) == 12
    pd.testing.assert_frame_equal(frame[DETERMINISTIC], local_rows[DETERMINISTIC])
    # every run was a task of the cluster's workers, none was merged with another
    ran = [t for t in tasks.data if t["key"].startswith("run_one")]
    assert len(ran) == 12 and {t["worker"] for t in ran} <= workers
    assert (frame.loc[frame["instance"] == "Instance1", "best_known"] == 607).all()
    assert (frame["version"] == rt.__version__).all()
    assert (frame["wall_time"] > 0).all() and (frame["peak_rss_mb"] > 0).all()


def test_cli_bench_on_a_scheduler_address(client, local_rows, tmp_path, capsys):
    out = tmp_path / "results.parquet"
    code = main(
        [
            "bench",
            "--instances",
            *INSTANCES,
            "--strategies",
            "greedy",
            "--seeds",
            *map(str, SEEDS),
            "--time-limit",
            str(TIME_LIMIT),
            "--dask",
            client.scheduler.address,
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_parquet(out)
    expected = local_rows[local_rows["strategy"] == "greedy"].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame[DETERMINISTIC], expected[DETERMINISTIC])
    captured = capsys.readouterr()
    assert "Instance2" in captured.out and "6/6" in captured.err


def test_cli_bench_on_a_local_cluster_it_starts(local_rows, tmp_path, capsys):
    out = tmp_path / "results.csv"
    args = ["bench", "--instances", "nrp:2", "--strategies", "greedy", "--seeds", "1"]
    code = main([*args, "--dask", "local", "--jobs", "1", "--out", str(out), "--quiet"])
    assert code == 0
    row = pd.read_csv(out).iloc[0]
    expected = local_rows.query("instance == 'Instance2' and strategy == 'greedy' and seed == 1")
    assert row["objective"] == expected["objective"].item()
    assert row["moves_evaluated"] == expected["moves_evaluated"].item()
    assert "Instance2" in capsys.readouterr().out
