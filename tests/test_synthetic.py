"""Synthetic trace patterns: shapes, determinism, analytic properties of each pattern."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from traces.synthetic import GEMM_TILE, synthetic_chunks


def _cat(chunks):
    chunks = list(chunks)
    return (np.concatenate([c.addr for c in chunks]), np.concatenate([c.is_write for c in chunks]),
            np.concatenate([c.sm for c in chunks]), np.concatenate([c.kernel for c in chunks]))


@pytest.mark.parametrize("pattern", ["streaming", "random", "strided", "gemm"])
def test_lengths_chunks_and_determinism(pattern):
    a = list(synthetic_chunks(pattern, 25_000, chunk_size=10_000, write_fraction=0.25, footprint_B=1 << 20, seed=3))
    b = list(synthetic_chunks(pattern, 25_000, chunk_size=10_000, write_fraction=0.25, footprint_B=1 << 20, seed=3))
    assert [len(c) for c in a] == [10_000, 10_000, 5_000]
    for x, y in zip(_cat(a), _cat(b), strict=True):
        assert np.array_equal(x, y)
    addr, w, sm, kernel = _cat(a)
    assert (addr % 128 == 0).all() and sm.min() >= 0 and sm.max() < 28 and (kernel == 0).all()


def test_streaming_is_consecutive_and_write_fraction():
    addr, w, _, _ = _cat(synthetic_chunks("streaming", 40_000, write_fraction=0.25, footprint_B=1 << 30, seed=1))
    assert abs(w.mean() - 0.25) < 0.01
    reads = addr[~w]
    assert np.array_equal(reads, np.arange(len(reads), dtype=np.uint64) * 128)  # reads walk the input array
    writes = addr[w]
    assert np.array_equal(writes - writes[0], np.arange(len(writes), dtype=np.uint64) * 128)
    assert writes[0] == (1 << 29)  # outputs live in the second half of the footprint


def test_random_stays_in_footprint_and_differs_by_seed():
    a, _, sm, _ = _cat(synthetic_chunks("random", 50_000, footprint_B=1 << 16, seed=1))
    b, _, _, _ = _cat(synthetic_chunks("random", 50_000, footprint_B=1 << 16, seed=2))
    assert a.max() < (1 << 16) and len(np.unique(a)) == 512 and not np.array_equal(a, b)
    assert len(np.unique(sm)) == 28


def test_strided_and_kernels():
    addr, _, _, kernel = _cat(synthetic_chunks("strided", 1000, stride_B=4096, footprint_B=1 << 20, n_kernels=4))
    assert np.array_equal(addr, (np.arange(1000, dtype=np.uint64) * 4096) % (1 << 20))
    assert np.bincount(kernel).tolist() == [250, 250, 250, 250]


def test_gemm_reads_operand_tiles_then_writes_output():
    # footprint 3 x 256 x 256 fp32 -> n = 256, 4 x 4 tiles; 16 CTAs in one wave of 28 SMs
    n = 256
    fp = 3 * n * n * 4
    tiles = n // GEMM_TILE
    per_cta_reads = tiles * 2 * GEMM_TILE * 2  # K steps x (A + B tile) x 64 rows x 2 lines per 256 B row
    total = 16 * per_cta_reads + 16 * GEMM_TILE * 2
    addr, w, sm, _ = _cat(synthetic_chunks("gemm", total, footprint_B=fp, chunk_size=5000))
    assert w.sum() == 16 * GEMM_TILE * 2 and not w[:-w.sum()].any()
    out = addr[w]
    assert out.min() >= 2 * n * n * 4 and len(np.unique(out)) == n * n * 4 // 128  # C written once, whole
    assert len(np.unique(addr[~w])) == 2 * n * n * 4 // 128  # every line of A and B read
    assert len(np.unique(sm)) == 16


def test_bad_arguments():
    with pytest.raises(ConfigError, match="pattern"):
        next(synthetic_chunks("zigzag", 10))
    with pytest.raises(ConfigError, match="write_fraction"):
        next(synthetic_chunks("random", 10, write_fraction=1.5))
    with pytest.raises(ConfigError, match="n_accesses"):
        next(synthetic_chunks("random", 0))
