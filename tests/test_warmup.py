"""The kernel warm-up helper (simulator.gpu.warmup): a helper run leaves every kernel a fast run of its chip needs
in Numba's cache (a later run compiles none of them), stamps it so that a warm command starts no helper, and is
never started where it cannot gain or is turned off."""

import os
import pickle
import subprocess
import sys
import types
from pathlib import Path

import pytest

from simulator.cli.studies import _warm_kernels
from simulator.gpu import warmup
from tests.support import small_chip

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty Numba cache of this test's own, with helpers allowed (the session turns them off)."""
    monkeypatch.delenv("NVMSIM_WARMUP", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    return tmp_path / "numba"


def test_helper_caches_every_kernel_of_a_fast_run_and_stamps_it(cache):
    chip = small_chip()
    proc = warmup.start(chip, force=True)
    assert proc is not None and proc.wait(timeout=600) == 0
    stamp = warmup.stamp_path(chip)
    assert stamp.exists() and stamp.parent == cache
    assert warmup.start(chip) is None  # warmed: a command of this chip starts no helper
    # another fast run of this chip (another trace, two other capacities) in a new process compiles nothing
    code = ("import pickle, sys; from simulator.gpu import simulate_gpu; from tests.support import trace; "
            "chip = pickle.loads(sys.stdin.buffer.read()); mb = chip.l2.capacity_B / 2**20; "
            "simulate_gpu(trace(kernels=3), chip, l2_MB=[mb / 2, 2 * mb])")
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(chip), capture_output=True, env=env,
                         timeout=600, check=True, cwd=ROOT).stdout.decode()
    assert "data loaded from" in out
    assert "data saved to" not in out, [line for line in out.splitlines() if "saved" in line]


def test_a_command_waits_for_its_helper_instead_of_compiling_the_same_kernels(cache):
    # The command reaches its lookups at once (a trace of arrays: no generator to compile first) while its helper
    # compiles them: it waits and loads them, compiling none itself (the helper's own output is not captured here).
    code = ("import pickle, sys; from simulator.gpu import simulate_gpu, warmup; from tests.support import trace; "
            "chip = pickle.loads(sys.stdin.buffer.read()); warmup.WAIT_S = 600; "  # a slow machine still waits
            "assert warmup.start(chip, force=True) is not None; "
            "simulate_gpu(trace(kernels=2), chip, l2_MB=[chip.l2.capacity_B / 2**20]); "
            "assert not warmup._RUNNING")
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(small_chip()), capture_output=True,
                         env=env, timeout=600, check=True, cwd=ROOT).stdout.decode()
    assert "data loaded from" in out
    assert "data saved to" not in out, [line for line in out.splitlines() if "saved" in line]


def test_waiting_for_a_helper_is_bounded(cache, monkeypatch):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(warmup, "_RUNNING", [proc])
    try:
        warmup.await_helpers(timeout_s=0.2)  # a helper that hangs: the command goes on (and compiles for itself)
        assert proc.poll() is None and warmup._RUNNING == []
    finally:
        warmup.stop(proc)


def test_stamp_follows_the_chip_and_the_sampling(cache):
    a = warmup.stamp_path(small_chip())
    assert a == warmup.stamp_path(small_chip())
    assert a != warmup.stamp_path(small_chip(l2={"ways": 8}))
    assert a != warmup.stamp_path(small_chip(), sample_sets=8)


def test_no_helper_where_turned_off_or_the_cache_cannot_be_written(cache, monkeypatch, tmp_path):
    chip = small_chip()
    monkeypatch.setenv("NVMSIM_WARMUP", "0")
    assert warmup.start(chip, force=True) is None
    monkeypatch.delenv("NVMSIM_WARMUP")
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "numba"))  # below a file: no folder can be made there
    assert warmup.stamp_path(chip) is None and warmup.start(chip, force=True) is None


def test_stop_ends_a_running_helper(cache):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    warmup.stop(proc)
    assert proc.poll() is not None
    warmup.stop(None)  # nothing started: nothing to do


def test_studies_start_none_in_timed_mode_or_for_a_chip_that_does_not_load(cache):
    args = types.SimpleNamespace(mode="timed", chip="gtx1080ti-deepnvm", sample_sets=1)
    assert _warm_kernels(args) is None
    args = types.SimpleNamespace(mode="fast", chip="no-such-chip", sample_sets=1)
    assert _warm_kernels(args) is None


@pytest.mark.parametrize("argv, warms", [
    (["simulate", "--network", "lenet5", "--batch", "1", "--l2", "3"], True),
    (["simulate", "--network", "lenet5", "--batch", "1", "--l2", "3", "--mode", "timed"], False),
    (["simulate", "--pattern", "random", "--accesses", "2000", "--l2", "3"], False),
    (["sweep-l2", "--network", "lenet5", "--batch", "1", "--l2", "3,6", "--tech", "sram"], True),
    (["sweep-l2", "--network", "lenet5", "--batch", "1", "--l2", "3,6", "--tech", "sram", "--mode", "timed"], False),
])
def test_verbs_warm_a_network_trace_in_fast_mode_only(monkeypatch, capsys, argv, warms):
    """A network's trace compiles its generators first, beside which the helper gains; a timed run's kernels are
    others, and a pattern or file reaches the L2 kernels at once."""
    from simulator.cli import main

    started = []
    monkeypatch.setattr(warmup, "start", lambda chip, sample_sets=1, **kw: started.append(chip.name))
    assert main([*argv, "--quiet"]) == 0
    assert started == (["gtx1080ti-deepnvm"] if warms else [])


def test_helpers_need_two_cpus_unless_forced_and_stay_off_when_turned_off(monkeypatch):
    from simulator import helper_process
    from simulator.helper_process import helper_allowed

    monkeypatch.setenv("NVMSIM_SOME_HELPER", "1")
    monkeypatch.setattr(helper_process.os, "cpu_count", lambda: 1)
    assert not helper_allowed("NVMSIM_SOME_HELPER") and helper_allowed("NVMSIM_SOME_HELPER", True)
    monkeypatch.setattr(helper_process.os, "cpu_count", lambda: 2)
    assert helper_allowed("NVMSIM_SOME_HELPER")
    monkeypatch.setenv("NVMSIM_SOME_HELPER", "0")
    assert not helper_allowed("NVMSIM_SOME_HELPER", True)
