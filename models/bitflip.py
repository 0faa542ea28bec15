"""Write-error injection into IEEE-754 single-precision words.

An STT-MRAM write with a relaxed write setting leaves each written bit in the
wrong state with probability WER (seed paper ``stt_mram_scratchpad_training``,
§V-A eq. 2 and §V-D). Here a tensor of float32 values is "written": each bit
of each 32-bit word flips independently with the rate configured for its bit
position, so the sign (bit 31), the exponent (bits 30..23) and the mantissa
(bits 22..0) can sit on arrays with different write settings (§V-D, Fig. 15).

Flips are drawn without a random number per bit when the rate is small: the
number of flipped bits among the ``n`` candidate bits is Binomial(n, p) and
their positions are a uniform subset of that size, which is exactly the same
distribution as ``n`` independent Bernoulli(p) draws. Above ``DENSE_RATE``
a per-bit draw is cheaper and is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from models.errors import ConfigError

WORD_BITS = 32
SIGN_BITS = (31,)
EXPONENT_BITS = tuple(range(23, 31))
MANTISSA_BITS = tuple(range(0, 23))
FIELDS = {"sign": SIGN_BITS, "exponent": EXPONENT_BITS, "mantissa": MANTISSA_BITS}

DENSE_RATE = 0.04
"""Per-bit rates at or above this use one uniform draw per candidate bit (sparse sampling gains nothing there)."""
DENSE_CHUNK = 1 << 16
"""Words per block of per-bit draws on the dense path (bounds its temporary memory)."""


@njit(cache=True)
def _xor_bits(words, elem, bit):
    """Flip bit ``bit[i]`` of ``words[elem[i]]`` for every i (positions are distinct)."""
    one = np.uint32(1)
    for i in range(elem.size):
        words[elem[i]] ^= one << np.uint32(bit[i])
    return words


@dataclass(frozen=True)
class BitErrorRates:
    """Per-bit write-error rate of a 32-bit word; ``rates[b]`` is for bit b (0 = mantissa LSB, 31 = sign)."""

    rates: tuple[float, ...]

    def __post_init__(self):
        if len(self.rates) != WORD_BITS:
            raise ConfigError("rates", f"must give {WORD_BITS} per-bit rates, got {len(self.rates)}")
        for b, p in enumerate(self.rates):
            if not (0.0 <= float(p) <= 1.0):
                raise ConfigError(f"rates[{b}]", f"must be a probability in [0, 1], got {p}")

    @classmethod
    def none(cls) -> BitErrorRates:
        return cls((0.0,) * WORD_BITS)

    @classmethod
    def of_bits(cls, bits, wer: float) -> BitErrorRates:
        """Rate ``wer`` on the listed bit positions, 0 elsewhere."""
        r = [0.0] * WORD_BITS
        for b in bits:
            if not 0 <= int(b) < WORD_BITS:
                raise ConfigError("bits", f"bit positions must be in 0..31, got {b}")
            r[int(b)] = float(wer)
        return cls(tuple(r))

    @classmethod
    def of_fields(cls, sign: float = 0.0, exponent: float = 0.0, mantissa: float = 0.0) -> BitErrorRates:
        """Independent rates for the sign, exponent and mantissa fields."""
        r = [0.0] * WORD_BITS
        for bits, p in ((SIGN_BITS, sign), (EXPONENT_BITS, exponent), (MANTISSA_BITS, mantissa)):
            for b in bits:
                r[b] = float(p)
        return cls(tuple(r))

    @classmethod
    def parse(cls, wer: float, bits: str) -> BitErrorRates:
        """Rate ``wer`` on a bit choice.

        ``bits`` is ``all``, ``low:N`` (the N least-significant mantissa bits), or fields joined by ``+``
        from ``sign``, ``exponent``, ``mantissa`` (e.g. ``sign+exponent``).
        """
        text = str(bits).strip().lower()
        if not (0.0 <= float(wer) <= 1.0):
            raise ConfigError("wer", f"must be a probability in [0, 1], got {wer}")
        if text == "all":
            return cls.of_bits(range(WORD_BITS), wer)
        if text.startswith("low:"):
            try:
                n = int(text[4:])
            except ValueError:
                raise ConfigError("bits", f"low:N needs an integer N, got {bits!r}") from None
            if not 1 <= n <= len(MANTISSA_BITS):
                raise ConfigError("bits", f"low:N needs 1 <= N <= 23 (mantissa bits), got {n}")
            return cls.of_bits(range(n), wer)
        chosen: list[int] = []
        for part in text.split("+"):
            if part not in FIELDS:
                raise ConfigError(
                    "bits", f"unknown bit choice {part!r}; valid: all, low:N, or {'+'.join(FIELDS)} joined by '+'"
                )
            chosen.extend(FIELDS[part])
        return cls.of_bits(chosen, wer)

    @property
    def is_zero(self) -> bool:
        return not any(self.rates)

    def expected_flips_per_word(self) -> float:
        return float(sum(self.rates))

    def groups(self) -> list[tuple[float, np.ndarray]]:
        """Distinct non-zero rates with the bit positions that share them."""
        out: dict[float, list[int]] = {}
        for b, p in enumerate(self.rates):
            if p > 0.0:
                out.setdefault(float(p), []).append(b)
        return [(p, np.asarray(bits, dtype=np.uint32)) for p, bits in sorted(out.items())]


def _flip_positions(n_words: int, n_bits: int, p: float, rng: np.random.Generator):
    """Word index and column (into the group's bit list) of every flipped candidate bit."""
    if p >= DENSE_RATE:
        elems, cols = [], []
        for lo in range(0, n_words, DENSE_CHUNK):  # bounded memory: one chunk of per-bit draws at a time
            m = min(DENSE_CHUNK, n_words - lo)
            hit = rng.random((m, n_bits), dtype=np.float32) < p if p < 1.0 else np.ones((m, n_bits), bool)
            e, c = np.nonzero(hit)
            elems.append(e.astype(np.int64) + lo)
            cols.append(c.astype(np.int64))
        return np.concatenate(elems), np.concatenate(cols)
    n = n_words * n_bits
    count = int(rng.binomial(n, p))
    if count == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    t = rng.choice(n, size=count, replace=False, shuffle=False).astype(np.int64)
    return t // n_bits, t % n_bits


def flip_bits(x: np.ndarray, rates: BitErrorRates, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Return a float32 copy of ``x`` as read back after an error-prone write, and the number of bits flipped.

    Parameters
    ----------
    x : array of any shape, converted to float32 (the scratchpad word format).
    rates : per-bit write-error rates.
    rng : numpy Generator; the only source of randomness, so a seed fixes the result.
    """
    y = np.array(x, dtype=np.float32, copy=True, order="C")
    if rates.is_zero or y.size == 0:
        return y, 0
    words = y.reshape(-1).view(np.uint32)
    total = 0
    for p, bits in rates.groups():
        elem, col = _flip_positions(words.size, bits.size, p, rng)
        if elem.size:
            _xor_bits(words, elem, bits[col])
            total += int(elem.size)
    return y, total
