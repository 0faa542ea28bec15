"""The study grid runner: per-point store, resume after a kill, local processes and Dask give identical tables."""

import dataclasses
import os
from dataclasses import dataclass

import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.studies.runner import point_key, run_grid, stored_points

FAIL_ENV = "NVMSIM_TEST_FAIL_AT"


@dataclass(frozen=True)
class Pt:
    """A grid point of these tests."""

    net: str
    batch: int
    l2_MB: float

    def config(self) -> dict:
        return dataclasses.asdict(self)


def _compute(points):
    """A deterministic compute: an analytic miss curve per point (what the runner stores is opaque to it)."""
    out = []
    for p in points:
        if os.environ.get(FAIL_ENV) and float(os.environ[FAIL_ENV]) == p.l2_MB:
            raise RuntimeError("injected failure (simulated kill)")
        misses = int(1e6 / p.l2_MB) + p.batch
        out.append(pd.DataFrame({"network": [p.net], "batch": [p.batch], "l2_MB": [float(p.l2_MB)],
                                 "dram_reads": [misses], "share": [misses / 7.0]}))
    return out


def _grid():
    return [Pt(n, b, c) for n in ("a", "b") for b in (1, 4) for c in (3, 6, 12, 24)]


def _group(p):
    return (p.net, p.batch)


def test_key_is_stable_and_canonical():
    assert point_key({"l2_MB": 3, "x": [1, 2]}) == point_key({"x": (1.0, 2.0), "l2_MB": 3.0})
    assert point_key({"l2_MB": 3}) != point_key({"l2_MB": 6})
    assert point_key({"l2_MB": 3}, version="a") != point_key({"l2_MB": 3}, version="b")


def test_in_process_returns_points_in_order():
    df = run_grid(_grid(), _compute, group=_group)
    assert list(df.l2_MB) == [p.l2_MB for p in _grid()]
    assert list(df.network) == [p.net for p in _grid()]


def test_kill_and_resume_identical(tmp_path, monkeypatch):
    full = run_grid(_grid(), _compute, store=tmp_path / "full", group=_group)
    # a sweep killed part way: the point at 12 MB fails; points finished before it are kept
    monkeypatch.setenv(FAIL_ENV, "12")
    with pytest.raises(RuntimeError, match="injected"):
        run_grid(_grid(), _compute, store=tmp_path / "killed")
    kept = stored_points(tmp_path / "killed")
    assert 0 < len(kept) < len(_grid())
    monkeypatch.delenv(FAIL_ENV)
    # count what the resumed run computes
    calls = []

    def counting(points):
        calls.extend(points)
        return _compute(points)

    resumed = run_grid(_grid(), counting, store=tmp_path / "killed", group=_group)
    assert len(calls) == len(_grid()) - len(kept)
    pd.testing.assert_frame_equal(resumed, full)
    # deleting point files is another kind of loss: only those are recomputed
    for key in stored_points(tmp_path / "full")[:3]:
        (tmp_path / "full" / f"{key}.parquet").unlink()
    calls.clear()
    again = run_grid(_grid(), counting, store=tmp_path / "full", group=_group)
    assert len(calls) == 3
    pd.testing.assert_frame_equal(again, full)
    # no temporary files left behind
    assert not [p for p in (tmp_path / "killed").iterdir() if p.name.endswith(".tmp")]


def test_workers_two_same_as_in_process(tmp_path):
    ref = run_grid(_grid(), _compute, store=tmp_path / "a", group=_group)
    par = run_grid(_grid(), _compute, store=tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(par, ref)


def test_dask_same_as_in_process(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    ref = run_grid(_grid(), _compute, store=tmp_path / "a", group=_group)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        got = run_grid(_grid(), _compute, store=tmp_path / "b", scheduler=c.scheduler_address)
    pd.testing.assert_frame_equal(got, ref)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="workers: must be positive"):
        run_grid(_grid(), _compute, workers=0)
    with pytest.raises(ConfigError, match="duplicate"):
        run_grid(_grid() + _grid()[:1], _compute)


def test_failure_in_a_worker_keeps_the_other_points(tmp_path, monkeypatch):
    monkeypatch.setenv(FAIL_ENV, "12")
    with pytest.raises(RuntimeError, match="injected"):
        run_grid(_grid(), _compute, store=tmp_path, workers=2)
    assert len(stored_points(tmp_path)) == len(_grid()) - 4  # only the four 12 MB points are missing
    monkeypatch.delenv(FAIL_ENV)
    ref = run_grid(_grid(), _compute, group=_group)
    pd.testing.assert_frame_equal(run_grid(_grid(), _compute, store=tmp_path, workers=2), ref, check_dtype=False)
