"""Bit-error injector: per-field rates (binomial statistics), untouched fields, determinism, exact IEEE-754 effects.

Oracles: the Binomial(n, p) mean and variance of independent Bernoulli flips, and the IEEE-754 binary32
layout (bit 31 sign, bits 30..23 biased exponent, bits 22..0 mantissa; IEEE Std 754-2008 §3.4).
"""

import numpy as np
import pytest

from models.bitflip import (
    EXPONENT_BITS,
    MANTISSA_BITS,
    BitErrorRates,
    _xor_bits,
    flip_bits,
)
from models.errors import ConfigError

SIGN_MASK = np.uint32(1 << 31)
EXP_MASK = np.uint32(0xFF << 23)
MANT_MASK = np.uint32((1 << 23) - 1)


def _words(n=100_000, seed=1):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def _popcount(u):
    u = u.astype(np.uint64)
    return int(sum(((u >> np.uint64(b)) & np.uint64(1)).sum() for b in range(32)))


@pytest.mark.parametrize("sign,exponent,mantissa", [(0.05, 1e-3, 2e-4), (0.0, 0.2, 3e-3)])
def test_rate_per_field_matches_binomial(sign, exponent, mantissa):
    x = _words()
    y, n = flip_bits(x, BitErrorRates.of_fields(sign, exponent, mantissa), np.random.default_rng(7))
    diff = x.view(np.uint32) ^ y.view(np.uint32)
    total = 0
    for mask, bits, p in ((SIGN_MASK, 1, sign), (EXP_MASK, 8, exponent), (MANT_MASK, 23, mantissa)):
        got = _popcount(diff & mask)
        trials = x.size * bits
        mean, sd = trials * p, np.sqrt(trials * p * (1 - p))
        assert abs(got - mean) <= 5 * sd + 1e-9, (got, mean, sd)
        total += got
    assert n == total


def test_every_chosen_bit_position_is_hit_uniformly():
    x = _words(50_000)
    y, _ = flip_bits(x, BitErrorRates.parse(4e-3, "exponent"), np.random.default_rng(3))
    diff = (x.view(np.uint32) ^ y.view(np.uint32)).astype(np.uint64)
    counts = np.array([((diff >> np.uint64(b)) & np.uint64(1)).sum() for b in EXPONENT_BITS])
    mean, sd = 50_000 * 4e-3, np.sqrt(50_000 * 4e-3)
    assert np.all(np.abs(counts - mean) < 5 * sd)


@pytest.mark.parametrize("bits,touched", [
    ("mantissa", MANT_MASK), ("sign", SIGN_MASK), ("exponent", EXP_MASK),
    ("sign+exponent", SIGN_MASK | EXP_MASK), ("low:4", np.uint32(0xF)),
])
def test_untouched_fields_stay_untouched(bits, touched):
    x = _words(20_000)
    y, n = flip_bits(x, BitErrorRates.parse(0.1, bits), np.random.default_rng(0))
    diff = x.view(np.uint32) ^ y.view(np.uint32)
    assert n > 0
    assert not np.any(diff & ~touched)


def test_deterministic_per_seed_and_input_unchanged():
    x = _words(10_000)
    before = x.copy()
    r = BitErrorRates.parse(1e-3, "all")
    a, na = flip_bits(x, r, np.random.default_rng(42))
    b, nb = flip_bits(x, r, np.random.default_rng(42))
    c, _ = flip_bits(x, r, np.random.default_rng(43))
    assert na == nb and np.array_equal(a.view(np.uint32), b.view(np.uint32))
    assert not np.array_equal(a.view(np.uint32), c.view(np.uint32))
    assert np.array_equal(x.view(np.uint32), before.view(np.uint32))


def test_sign_flip_negates_exactly():
    x = _words(1000)
    y, n = flip_bits(x, BitErrorRates.parse(1.0, "sign"), np.random.default_rng(0))
    assert n == x.size
    assert np.array_equal(y, -x)


@pytest.mark.parametrize("bit,power", [(23, 1), (24, 2), (26, 8)])
def test_exponent_flip_scales_by_power_of_two(bit, power):
    # values with biased exponents 100..150: flipping exponent bit k changes it by ±2^(k-23), staying normal
    rng = np.random.default_rng(5)
    x = (rng.uniform(1, 2, 2000) * 2.0 ** rng.integers(-27, 23, 2000)).astype(np.float32)
    y, _ = flip_bits(x, BitErrorRates.of_bits([bit], 1.0), np.random.default_rng(0))
    was_set = (x.view(np.uint32) >> np.uint32(bit)) & np.uint32(1)
    expect = np.where(was_set == 1, x.astype(np.float64) / 2.0**power, x.astype(np.float64) * 2.0**power)
    assert np.array_equal(y.astype(np.float64), expect)


def test_low_rate_path_and_zero_rate():
    x = _words(1000)
    y, n = flip_bits(x, BitErrorRates.none(), np.random.default_rng(0))
    assert n == 0 and np.array_equal(y, x)
    # 1e-7 over 3.2e7 bits: Binomial(3.2e7, 1e-7) has mean 3.2; sparse path must not allocate per-bit draws
    big = np.zeros(1_000_000, np.float32)
    _, n = flip_bits(big, BitErrorRates.parse(1e-7, "all"), np.random.default_rng(0))
    assert 0 <= n < 20


def test_xor_kernel_matches_numpy_twin():
    rng = np.random.default_rng(0)
    words = rng.integers(0, 2**32, 100, dtype=np.uint32)
    elem = rng.permutation(100)[:40].astype(np.int64)
    bit = rng.integers(0, 32, 40).astype(np.uint32)
    ref = words.copy()
    np.bitwise_xor.at(ref, elem, (np.uint32(1) << bit).astype(np.uint32))
    assert np.array_equal(_xor_bits(words.copy(), elem, bit), ref)


def test_parse_and_errors():
    assert BitErrorRates.parse(0.5, "low:3").rates[:4] == (0.5, 0.5, 0.5, 0.0)
    assert sum(1 for p in BitErrorRates.parse(0.1, "mantissa").rates if p) == len(MANTISSA_BITS)
    assert BitErrorRates.parse(0.1, "all").expected_flips_per_word() == pytest.approx(3.2)
    for bad in ("bogus", "low:0", "low:24", "low:x", "sign+nope"):
        with pytest.raises(ConfigError, match="bits"):
            BitErrorRates.parse(1e-3, bad)
    with pytest.raises(ConfigError, match="wer"):
        BitErrorRates.parse(2.0, "all")
    with pytest.raises(ConfigError):
        BitErrorRates((0.0,) * 31)
