"""Set sampling (``simulate_gpu(..., sample_sets=K)``): the subset, the scaled counts and their error estimate.

Oracle: the full simulation of the same trace (set sampling estimates it; the classic method of Kessler, Hill and
Wood, "A comparison of trace-sampling techniques for multi-megabyte caches", IEEE TC 1994) and the arithmetic of the
subset.
"""

import numpy as np
import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.cli import main
from simulator.gpu import simulate_gpu
from simulator.gpu.fast import REPLICATES, sample_table
from tests.support import small_chip, trace
from traces.synthetic import synthetic_chunks


def test_exactly_one_pair_in_k_is_sampled_in_equal_replicates():
    table, scale = sample_table(24, 64, 8)
    kept = table[table >= 0]
    assert len(table) == 24 * 64 and len(kept) == 24 * 64 // 8 and scale == 8.0
    assert np.bincount(kept).tolist() == [len(kept) // REPLICATES] * REPLICATES
    again, _ = sample_table(24, 64, 8)
    assert np.array_equal(table, again)  # a fixed subset: every run samples the same sets
    odd, scale = sample_table(24, 149, 8)  # 7 MB: 3576 pairs, 447 sampled
    assert (odd >= 0).sum() == 447 and scale == pytest.approx(3576 / 447)
    with pytest.raises(ConfigError, match="sample_sets"):
        sample_table(2, 4, 2)  # 4 sampled pairs: fewer than the replicate groups


@pytest.mark.parametrize("l2", [{}, {"write_policy": "write-through", "write_allocate": False}],
                         ids=["write-back", "write-through"])
def test_sampled_dram_accesses_estimate_the_full_run_within_their_error(l2):
    """(A write-through L2 forwards its write hits: their sampling error is part of the estimate's.)"""
    chip = small_chip(l2={"sets_per_slice": 128, "ways": 4, "channels": 2, **l2})
    chunks = trace(120_000, seed=3, footprint=4 * 2**20, chunk=30_000, kernels=2)
    full = simulate_gpu(chunks, chip, l2_MB=[0.25, 0.5]).totals
    sampled = simulate_gpu(chunks, chip, l2_MB=[0.25, 0.5], sample_sets=4)
    t = sampled.totals
    assert (t.sample_sets == 4).all() and (sampled.kernels.sample_sets == 4).all()
    f = (full.dram_reads + full.dram_writes).to_numpy(float)
    s = (t.dram_reads + t.dram_writes).to_numpy(float)
    rse = t.dram_accesses_rse.to_numpy()
    assert (rse > 0).all() and (rse < 0.05).all()
    assert np.all(np.abs(s / f - 1) <= 4 * rse + 1e-3), (s / f - 1, rse)
    # L1 counts are never sampled; every kernel row carries its own error estimate
    assert (t.l1_reads.to_numpy() == full.l1_reads.to_numpy()).all()
    assert sampled.kernels.dram_accesses_rse.notna().all()


def test_no_sampling_leaves_the_result_as_it_was():
    chip = small_chip()
    plain = simulate_gpu(trace(5000), chip)
    one = simulate_gpu(trace(5000), chip, sample_sets=1)
    assert list(one.totals.columns) == list(plain.totals.columns)
    assert "sample_sets" not in plain.totals.columns
    assert one.totals.equals(plain.totals)


def test_sampling_refuses_timed_mode_and_bad_factors(capsys):
    with pytest.raises(ConfigError, match="sample_sets"):
        simulate_gpu(trace(1000), small_chip(), mode="timed", sample_sets=8)
    with pytest.raises(ConfigError, match="sample_sets"):
        simulate_gpu(trace(1000), small_chip(), sample_sets=0)
    assert main(["simulate", "--pattern", "random", "--accesses", "1000", "--sample-sets", "2/8"]) == 2
    assert "1/K" in capsys.readouterr().err


def test_first_touches_are_the_first_occurrence_of_each_granule_across_calls():
    """The first-touch tracker against numpy's first occurrences (``np.unique(..., return_index=True)``), over
    calls that split the trace, addresses far apart (pages created and the table rehashed) and per-cell counts."""
    from simulator.gpu.kernels.first_touch import FirstTouch

    rng = np.random.default_rng(5)
    addr = np.concatenate([rng.integers(0, 1 << 40, 30_000), rng.integers(0, 1 << 16, 40_000),
                           np.arange(0, 1 << 20, 32)]).astype(np.uint64)
    rng.shuffle(addr)
    group, slice_, w = rng.integers(0, 3, len(addr)), rng.integers(0, 5, len(addr)), rng.random(len(addr)) < 0.3
    ft = FirstTouch(32, pages=1)
    parts = [ft.mark(addr[s], group[s], slice_[s], w[s], 3, 5) for s in np.array_split(np.arange(len(addr)), 9)]
    first = np.concatenate([p[0] for p in parts])
    _, idx = np.unique(addr >> np.uint64(5), return_index=True)
    want = np.zeros(len(addr), bool)
    want[idx] = True
    assert np.array_equal(first, want)
    counts = np.zeros((3, 5, 2), np.int64)
    np.add.at(counts, (group[want], slice_[want], w[want].astype(int)), 1)
    assert np.array_equal(sum(p[1] for p in parts), counts)
    again = FirstTouch(32)
    again.restore(ft.state())  # a checkpoint's arrays: everything is seen already
    assert not again.mark(addr)[0].any()
    with pytest.raises(ValueError, match="granule_B"):
        FirstTouch(48)


def test_compulsory_traffic_is_estimated_exactly():
    """A trace that touches each line once: every L2 miss is a first touch, which the sampled run counts exactly
    for all sets, so its DRAM accesses equal the full run's at every capacity and sampling factor, with no error
    left to estimate (scaling the sampled misses alone is off by the sample's luck: the check fails that way)."""
    chip = small_chip(l2={"sets_per_slice": 128, "ways": 4, "channels": 2})
    chunks = list(synthetic_chunks("streaming", 60_000, n_sms=4, write_fraction=0.25, footprint_B=64 * 2**20,
                                   seed=2, chunk_size=20_000))
    full = simulate_gpu(chunks, chip, l2_MB=[0.25, 1.0]).totals
    for k in (4, 16):
        t = simulate_gpu(chunks, chip, l2_MB=[0.25, 1.0], sample_sets=k).totals
        assert (t.dram_reads.to_numpy() == full.dram_reads.to_numpy()).all()
        assert (t.l2_read_misses.to_numpy() == full.l2_read_misses.to_numpy()).all()
        assert (t.dram_accesses_rse == 0).all()


def test_a_killed_sampled_pass_resumes_with_identical_counts(tmp_path):
    """The first touches seen before a checkpoint are part of it: a resumed sampled pass gives exactly the
    uninterrupted pass's counts and error estimates."""
    from simulator.output import Checkpoint

    chip = small_chip(l2={"sets_per_slice": 128, "ways": 4, "channels": 2})
    chunks = trace(80_000, seed=4, footprint=4 * 2**20, chunk=8_000, kernels=2)
    whole = simulate_gpu(chunks, chip, l2_MB=[0.25, 0.5], sample_sets=4)

    def killed():
        for i, ch in enumerate(chunks):
            if i == 5:
                raise KeyboardInterrupt("killed")
            yield ch

    ckpt = Checkpoint(tmp_path / "pass.npz", interval_s=1e-9)
    with pytest.raises(KeyboardInterrupt):
        simulate_gpu(killed(), chip, l2_MB=[0.25, 0.5], sample_sets=4, checkpoint=ckpt)
    resumed = simulate_gpu(chunks, chip, l2_MB=[0.25, 0.5], sample_sets=4, checkpoint=Checkpoint(ckpt.path, 1e9))
    pd.testing.assert_frame_equal(resumed.totals, whole.totals)
    pd.testing.assert_frame_equal(resumed.kernels, whole.kernels)


@pytest.mark.parametrize("set_index,sets", [("modulo", 70), ("fold", 149), ("xor", 64), ("ipoly", 32)])
def test_gathered_requests_are_those_of_the_sampled_sets_with_their_first_touches(set_index, sets):
    """The one-pass gather against the same selection written out in NumPy: the sampled (slice, set) pairs, each
    request's statistics row, and the first touches per (kernel, slice) and per (kernel, replicate); keys at and
    above 2**32 take the division the fast modulo does not cover."""
    from simulator.gpu.kernels.sampling import gather_sampled
    from simulator.gpu.kernels.simd import reciprocal
    from simulator.gpu.l2map import set_key_params, set_keys_for

    rng = np.random.default_rng(5)
    n, slices, kernels = 50_000, 6, 3
    l2 = small_chip(l2={"channels": 3, "slices_per_channel": 2, "sets_per_slice": sets, "set_index": set_index}).l2
    slice_ = rng.integers(0, slices, n)
    key = np.where(rng.random(n) < 0.1, rng.integers(2**32, 2**40, n), rng.integers(0, 2**22, n))
    addr = rng.integers(0, 2**40, n).astype(np.uint64)
    w = rng.random(n) < 0.3
    group = rng.integers(0, kernels, n)
    first = rng.random(n) < 0.2
    table, _ = sample_table(slices, sets, 4)

    hashed = set_keys_for(key, l2)
    rep = table[slice_ * sets + hashed % sets]
    take = rep >= 0
    row = group * REPLICATES + rep
    xs_ref = np.zeros((kernels, slices, 2), np.int64)
    np.add.at(xs_ref, (group[take & first], slice_[take & first], w[take & first].astype(int)), 1)
    xrep_ref = np.zeros((kernels * REPLICATES, 2), np.int64)
    np.add.at(xrep_ref, (row[take & first], w[take & first].astype(int)), 1)

    outs = (np.empty(n, np.uint64), np.empty(n, np.bool_), np.empty(n, np.int64), np.empty(n, np.int64),
            np.empty(n, np.int64))
    xs, xrep = np.zeros((kernels, slices, 2), np.int64), np.zeros((kernels * REPLICATES, 2), np.int64)
    k = gather_sampled(slice_, key, set_key_params(l2), sets, reciprocal(sets), table, REPLICATES, addr, w, group,
                       first, *outs, xs, xrep)
    assert 0 < k < n and k == take.sum()
    for got, want in zip(outs, (addr, w, slice_, hashed, row), strict=True):
        assert np.array_equal(got[:k], want[take])
    assert np.array_equal(xs, xs_ref) and np.array_equal(xrep, xrep_ref)


def test_gather_kernel_is_keyed_on_the_helpers_it_inlines(tmp_path):
    """Numba keys a cached kernel on its own file and closure values only: the gather captures the revision of
    address.py and simd.py (whose helpers it inlines), so an edit there compiles it again instead of loading
    stale code."""
    from simulator.gpu.kernels import address, sampling, simd

    kernel = sampling._build()
    captured = [c.cell_contents for c in kernel.py_func.__closure__]
    assert simd.source_revision(address.__file__, simd.__file__) in captured
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    before = simd.source_revision(a, b)
    b.write_text("y = 3\n")
    assert simd.source_revision(a, b) != before
    assert simd.source_revision(a) != simd.source_revision(b)
