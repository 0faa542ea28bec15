"""Fast mode's totals (simulator.gpu.simulate._frames with blocks): the same numbers as pandas' group-by sum of the
per-kernel rows, to the last bit (integers exactly, floats by the same compensated sum)."""

import numpy as np
import pandas as pd
import pytest

from simulator.gpu.counts import COUNT_COLUMNS
from simulator.gpu.simulate import _frames


def _rows(rng, blocks, k, floats):
    n = blocks * k
    rows = {"l2_MB": np.repeat(rng.choice([1.5, 3.0, 6.0, 24.0], blocks), k),
            "l2_capacity_B": np.repeat(rng.integers(1, 1 << 30, blocks), k),
            "technology": np.repeat(np.array([f"t{i % 3}" for i in range(blocks)], dtype=object), k),
            "mode": np.full(n, "fast", dtype=object), "kernel": np.tile(np.arange(k), blocks)}
    for c in COUNT_COLUMNS:
        rows[c] = rng.integers(0, 1 << 40, n)
    rows["cycles"] = rng.integers(0, 1 << 40, n)
    rows["time_ns"] = floats(n)
    return rows


FLOATS = {
    "cycles at a clock": lambda rng: lambda n: rng.integers(1, 10**9, n) * 1000.0 / 1481.0,
    "wide magnitudes": lambda rng: lambda n: rng.random(n) * 10.0 ** rng.integers(-12, 12, n),
    "signed, cancelling": lambda rng: lambda n: rng.normal(0, 1, n) * 10.0 ** rng.integers(0, 16, n),
    "with inf and nan": lambda rng: lambda n: np.where(rng.random(n) < 0.1, np.inf,
                                                        np.where(rng.random(n) < 0.1, np.nan, rng.random(n))),
}


@pytest.mark.parametrize("kind", FLOATS)
@pytest.mark.parametrize(("blocks", "k"), [(1, 1), (3, 7), (12, 61), (5, 200)])
def test_block_sums_equal_pandas_groupby(kind, blocks, k):
    rng = np.random.default_rng(blocks * 1000 + k)
    rows = _rows(rng, blocks, k, FLOATS[kind](rng))
    # distinct keys per block, as fast mode's (capacity, technology) blocks have
    rows["l2_capacity_B"] = np.repeat(np.arange(blocks) + 1, k)
    by_pandas, kdf = _frames(rows)
    by_blocks, kdf2 = _frames(rows, blocks)
    pd.testing.assert_frame_equal(by_blocks, by_pandas, check_exact=True)
    pd.testing.assert_frame_equal(kdf2, kdf, check_exact=True)


def test_unequal_blocks_are_refused():
    rows = _rows(np.random.default_rng(0), 2, 3, lambda n: np.ones(n))
    with pytest.raises(ValueError, match="equal blocks"):
        _frames(rows, 4)
