"""Set sampling (``simulate_gpu(..., sample_sets=K)``): the subset, the scaled counts and their error estimate.

Oracle: the full simulation of the same trace (set sampling estimates it; the classic method of Kessler, Hill and
Wood, "A comparison of trace-sampling techniques for multi-megabyte caches", IEEE TC 1994) and the arithmetic of the
subset.
"""

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.cli import main
from simulator.gpu import simulate_gpu
from simulator.gpu.fast import REPLICATES, sample_table
from tests.support import small_chip, trace


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


def test_sampled_dram_accesses_estimate_the_full_run_within_their_error():
    chip = small_chip(l2={"sets_per_slice": 128, "ways": 4, "channels": 2})
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
