"""Resumption, sharing and clean-up of sweeps: a corrupt stored point is recomputed, a killed trace pass resumes
from its checkpoint with identical counts, two runs into one store share the work, and worker processes die with
their parent."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.output import Checkpoint
from simulator.studies.runner import _store_path, run_grid, stored_points

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Pt:
    net: str
    l2_MB: float

    def config(self) -> dict:
        return dataclasses.asdict(self)


GRID = [Pt(n, c) for n in ("a", "b", "c") for c in (3, 6, 12, 24)]


def _rows(points):
    return [pd.DataFrame({"network": [p.net], "l2_MB": [p.l2_MB], "misses": [int(1e6 / p.l2_MB)]}) for p in points]


def test_a_corrupt_point_is_discarded_and_recomputed(tmp_path, capsys):
    ref = run_grid(GRID, _rows, store=tmp_path)
    keys = stored_points(tmp_path)
    victim = _store_path(tmp_path, keys[0])
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])  # a truncated file, as a kill leaves
    (tmp_path / f"{keys[1]}.json").write_text("{not json")  # and an unreadable record
    calls = []

    def counting(points):
        calls.extend(points)
        return _rows(points)

    again = run_grid(GRID, counting, store=tmp_path)
    assert len(calls) == 2
    pd.testing.assert_frame_equal(again, ref)
    err = capsys.readouterr().err
    assert err.count("discarded") == 2 and "checksum" in err and "cannot be read" in err


def test_two_runs_into_one_store_share_the_work(tmp_path):
    computed: list[tuple[str, Pt]] = []
    lock = threading.Lock()

    def slow(name):
        def compute(points):
            time.sleep(0.15 * len(points))
            with lock:
                computed.extend((name, p) for p in points)
            return _rows(points)

        return compute

    results = {}

    def run(name):
        results[name] = run_grid(GRID, slow(name), store=tmp_path, workers=1)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    points = [p for _, p in computed]
    assert sorted(points, key=str) == sorted(GRID, key=str)  # every point computed once, by one of the runs
    assert {n for n, _ in computed} == {"A", "B"}  # and both runs did some of it
    pd.testing.assert_frame_equal(results["A"], results["B"])
    pd.testing.assert_frame_equal(results["A"], run_grid(GRID, _rows))


class _Trace:
    """A trace that raises (a kill) after ``stop`` chunks, keeping the size and chunking checkpoints check."""

    def __init__(self, trace, stop=None):
        self.trace, self.stop = trace, stop
        self.n_accesses, self.chunk_size = trace.n_accesses, trace.chunk_size

    def __iter__(self):
        for i, ch in enumerate(self.trace):
            if self.stop is not None and i == self.stop:
                raise KeyboardInterrupt("killed")
            yield ch


def test_a_killed_trace_pass_resumes_from_its_checkpoint_with_identical_counts(tmp_path):
    from simulator import load_chip, simulate_gpu
    from traces import network_trace

    chip = load_chip("gtx1080ti-deepnvm")
    trace = network_trace("alexnet", phase="inference", batch=1, chip=chip, chunk_size=1 << 17)
    n_chunks = -(-trace.n_accesses // trace.chunk_size)
    assert n_chunks > 10
    full = simulate_gpu(trace, chip, l2_MB=[3, 6])
    ckpt = Checkpoint(tmp_path / "pass.npz", interval_s=1e-9)  # a checkpoint after every chunk
    with pytest.raises(KeyboardInterrupt):
        simulate_gpu(_Trace(trace, stop=n_chunks // 2), chip, l2_MB=[3, 6], checkpoint=ckpt)
    assert ckpt.path.is_file()
    seen = []

    class Counting(_Trace):
        def __iter__(self):
            for ch in super().__iter__():
                seen.append(len(ch))
                yield ch

    resumed = simulate_gpu(Counting(trace), chip, l2_MB=[3, 6], checkpoint=Checkpoint(ckpt.path, 1e9))
    pd.testing.assert_frame_equal(resumed.totals, full.totals)
    pd.testing.assert_frame_equal(resumed.kernels, full.kernels)
    # another pass (other capacities) does not take this checkpoint
    other = simulate_gpu(trace, chip, l2_MB=[12], checkpoint=Checkpoint(ckpt.path, 1e9))
    pd.testing.assert_frame_equal(other.totals, simulate_gpu(trace, chip, l2_MB=[12]).totals)
    # a corrupt checkpoint is dropped, never trusted
    ckpt.path.write_bytes(b"garbage")
    assert Checkpoint(ckpt.path).load("x") is None and not ckpt.path.exists()


WORKER_SCRIPT = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    from tests.test_resume import Pt, _sleepy
    from simulator.studies.runner import run_grid
    run_grid([Pt("a", c) for c in (3, 6, 12, 24)], _sleepy, store={store!r}, workers=2)
""")


def _sleepy(points):
    """Compute of the worker test: note the worker's pid, then take far longer than the test waits."""
    store = Path(os.environ["NVMSIM_TEST_STORE"])
    (store / f"worker-{os.getpid()}").write_text("")
    time.sleep(120)
    return _rows(points)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by its new parent) counts as dead
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(tmp_path, sig):
    env = {**os.environ, "NVMSIM_TEST_STORE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT.format(root=str(ROOT), store=str(tmp_path))],
                            env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("worker-*"))) < 2:
            assert proc.poll() is None, "the sweep ended early"
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.2)
        pids = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
        assert all(_alive(p) for p in pids)
        proc.send_signal(sig)
        proc.wait(30)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids), "a worker outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not stored_points(tmp_path)


def test_checkpoint_arrays_round_trip(tmp_path):
    ck = Checkpoint(tmp_path / "c.npz", interval_s=3600)
    assert not ck.due()
    ck.save("id", {"a": np.arange(3), "done": np.int64(7)})
    got = ck.load("id")
    assert got["done"] == 7 and list(got["a"]) == [0, 1, 2]
    assert ck.load("other") is None  # another computation's checkpoint is not resumed


def test_a_point_computed_here_equals_its_stored_copy(tmp_path, monkeypatch):
    """run_grid returns the points it computes as computed and the others as read from the store: for the GPU
    counts of a real (small) simulation both give the same table, dtypes and bits."""
    from simulator.studies import gpu_counts
    from simulator.studies.deepnvm import sweep_l2

    kw = dict(l2_MB=[3, 6], cells=["sram", "stt"], dataset="mnist", store=tmp_path / "points")
    fresh = sweep_l2("lenet5", "training", 2, **kw)  # computed in this call
    assert len(stored_points(tmp_path / "points")) == 4

    def refuse(points, **kw):
        raise AssertionError("a stored point was computed again")

    monkeypatch.setattr(gpu_counts, "simulate_points", refuse)
    stored = sweep_l2("lenet5", "training", 2, **kw)  # every point read back
    pd.testing.assert_frame_equal(fresh, stored, check_exact=True)
    assert list(fresh.dtypes) == list(stored.dtypes)


def _claimed(store, key) -> bool:
    from simulator.studies.runner import _claim_is_free

    return not _claim_is_free(Path(store), key)


def test_deferred_writes_hold_back_only_the_last_task_until_flushed(tmp_path):
    from simulator.studies.runner import deferred_store_writes, flush_store_writes, point_key

    calls = []

    def counting(points):
        calls.extend(points)
        return _rows(points)

    by_net = lambda p: p.net  # noqa: E731 - three tasks, one per network
    with deferred_store_writes():
        got = run_grid(GRID, counting, store=tmp_path, group=by_net, workers=1)
        assert len(got) == len(GRID) and len(calls) == len(GRID)
        stored = set(stored_points(tmp_path))
        last = [point_key(p.config()) for p in GRID if p.net == "c"]
        assert stored == {point_key(p.config()) for p in GRID if p.net != "c"}  # the earlier tasks at once
        assert all(_claimed(tmp_path, k) for k in last)  # the held-back points keep their claims
        flush_store_writes()
        assert set(stored_points(tmp_path)) == stored | set(last)
        assert not any(_claimed(tmp_path, k) for k in last)
        flush_store_writes()  # nothing left: nothing happens
    calls.clear()
    pd.testing.assert_frame_equal(run_grid(GRID, counting, store=tmp_path, group=by_net), got)
    assert calls == []  # every point stored whole


def test_deferred_writes_are_stored_by_the_next_grid_and_at_the_end_even_on_error(tmp_path):
    from simulator.studies.runner import deferred_store_writes

    first, second = GRID[:4], GRID[4:8]  # one network each: one task each
    by_net = lambda p: p.net  # noqa: E731
    with pytest.raises(RuntimeError, match="boom"):
        with deferred_store_writes():
            run_grid(first, _rows, store=tmp_path, group=by_net)
            assert stored_points(tmp_path) == []
            run_grid(second, _rows, store=tmp_path, group=by_net)  # stores the first grid's before it looks
            assert len(stored_points(tmp_path)) == 4
            raise RuntimeError("boom")
    assert len(stored_points(tmp_path)) == 8  # the second grid's, when the context ended


def test_without_deferral_run_grid_returns_with_its_points_stored(tmp_path):
    run_grid(GRID[:4], _rows, store=tmp_path)
    assert len(stored_points(tmp_path)) == 4
