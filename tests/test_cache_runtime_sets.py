"""The set count as a runtime argument of the lookup kernels, and the recycled stream arrays.

(1) The reciprocal modulo the kernels use (Lemire, Kaser & Kurz, "Faster remainder by direct computation", Software:
Practice and Experience 2019: ``a mod d = mulhi(ceil(2**64 / d) * a mod 2**64, d)`` for every 32-bit ``a``) equals
``%`` on edge and random values for many divisors; (2) one compilation serves every set count; (3) set keys of 32
bits or more (the division path) and lines above ``2**32`` (64-bit tags) give what the pure-Python reference gives;
(4) a stream still held is never overwritten by later calls, which reuse the arrays of streams no longer held.
"""

import numpy as np
import pytest
from numba import njit

from models.errors import ConfigError
from simulator.gpu.cache import Cache
from simulator.gpu.kernels import lookup
from simulator.gpu.kernels.simd import divmod_by, mul_high
from tests.cache_reference import counts


@njit(cache=True)
def _reciprocal_mod(a, d, m):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = mul_high(m * a[i], d)
    return out


@pytest.mark.parametrize("sets", [1, 2, 3, 7, 64, 1536, 3072, 6144, 12288, 24576, 99991, 2**31 - 1, 2**31,
                                  2**32 - 1])
def test_reciprocal_modulo_is_exact(sets):
    rng = np.random.default_rng(sets)
    edge = [0, 1, sets - 1, sets, sets + 1, 2 * sets - 1, 2**30 - 1, 2**31, 2**32 - 2, 2**32 - 1]
    a = np.array([x for x in edge if 0 <= x < 2**32] + rng.integers(0, 2**32, 20000).tolist(), dtype=np.uint64)
    got = _reciprocal_mod(a, np.uint64(sets), lookup.reciprocal(sets))
    assert got.tolist() == (a % np.uint64(sets)).tolist()


@njit(cache=True)
def _divmods(a, d, m):
    q, r = np.empty_like(a), np.empty_like(a)
    for i in range(a.shape[0]):
        q[i], r[i] = divmod_by(a[i], d, m)
    return q, r


@pytest.mark.parametrize("d", [1, 2, 3, 7, 12, 24, 64, 1536, 65521, 2**31 - 1, 2**32 - 1])
def test_divmod_by_reciprocal_is_exact_up_to_the_reciprocal(d):
    """The same theorem read for the quotient, ``a // d = mulhi(m, a)``, and both exact for every ``a < m``
    (``e * a < 2**64`` with ``e = m * d - 2**64 < d``): the address map divides byte addresses of any width by the
    channel count this way; above ``m`` (and for ``d = 1``, where ``m`` wraps to 0) it divides."""
    rng = np.random.default_rng(d)
    m = int(lookup.reciprocal(d))
    edge = [0, 1, d - 1, d, d + 1, 2**32 - 1, 2**32, 2**48 + 5, 2**63, 2**64 - 1]
    edge += [x for x in (m - 2, m - 1, m, m + 1) if 0 <= x < 2**64]
    a = np.array(edge + rng.integers(0, 2**64, 20000, dtype=np.uint64).tolist()
                 + rng.integers(0, 2**40, 20000, dtype=np.uint64).tolist(), dtype=np.uint64)
    q, r = _divmods(a, np.uint64(d), np.uint64(m))
    assert q.tolist() == (a // np.uint64(d)).tolist()
    assert r.tolist() == (a % np.uint64(d)).tolist()


def test_one_compilation_serves_every_set_count(monkeypatch):
    """Capacities of a sweep (sets 1536 ... 12288, 16 ways) build their kernels once (13 ways: built by no other
    test); each set count still gets its own bound pair."""
    built = []
    real = lookup._build
    monkeypatch.setattr(lookup, "_build", lambda *code: built.append(code) or real(*code))
    pairs = [lookup.get_kernels(sets, 13, 7, 7, True, True, True) for sets in (1536, 3072, 6144, 12288)]
    assert len(built) == 1 and built[0][0] == 13
    assert len({id(p) for p in pairs}) == 4
    with pytest.raises(ValueError, match="sets"):
        lookup.get_kernels(2**32, 16, 7, 7, True, True, True)


@pytest.mark.parametrize("policy", ["lru", "fifo"])
def test_wide_set_keys_and_lines_agree_with_reference(ref_cache, policy):
    """Lines from 2**40 up (64-bit tags, line mod sets by division): the reference's counts, stream, contents."""
    rng = np.random.default_rng(5)
    sets, ways, n = 6, 4, 5000
    lines = np.uint64(2**40) + rng.integers(0, 3 * sets * ways, n).astype(np.uint64) * np.uint64(2**33 + 1)
    addr = lines * np.uint64(128)
    w = rng.random(n) < 0.3
    c = Cache(sets=sets, ways=ways, policy=policy)
    s = c.access(addr, w)
    ref = ref_cache(policy, sets, ways).run(addr, w)
    assert counts(s) == ref.c
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == ref.stream
    assert c.contents() == ref.contents()


def test_banked_wide_set_keys_equal_reduced_keys():
    """A banked cache picks set ``key % sets``: keys above 2**32 (division) and the same keys reduced (reciprocal)
    give identical counts and streams."""
    rng = np.random.default_rng(9)
    sets, ways, banks, n = 6, 4, 3, 6000
    addr = (rng.integers(0, 400, n) * 128).astype(np.uint64)
    w = rng.random(n) < 0.3
    bank = rng.integers(-1, banks, n).astype(np.int64)
    key = (addr >> np.uint64(7)).astype(np.int64) + rng.integers(0, 2**20, n) * sets * 2**20
    assert key.max() >= 2**32
    group = np.zeros(n, dtype=np.int64)
    fn = lookup.get_kernels(sets, ways, 7, 7, True, True, True)[1]
    results = []
    for k in (key, key % sets):
        state = lookup.new_state(banks, sets, ways, sectors=1)
        stats = np.zeros(banks * 8, dtype=np.int64)
        cap = lookup.out_capacity(n, 7, 7)
        out = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        m = fn(state, addr, w, bank, k, group, stats, *out)
        results.append((stats.tolist(), [o[:m].tolist() for o in out], state.tags.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("sector", [None, 32])
def test_held_stream_is_never_overwritten(sector):
    rng = np.random.default_rng(1)
    a1 = (rng.integers(0, 1 << 16, 50000) * 32).astype(np.uint64)
    a2 = (rng.integers(0, 1 << 16, 50000) * 32).astype(np.uint64)
    c = Cache(64 * 1024, ways=4, sector_B=sector)
    c.access(a1, rng.random(len(a1)) < 0.3)
    held = c.stream
    kept = [x.copy() for x in (held.addr, held.is_write, held.src)]
    for _ in range(3):  # later calls, of this cache and another, while the stream is held
        c.access(a2, rng.random(len(a2)) < 0.3)
        Cache(32 * 1024, ways=8, sector_B=sector).access(a1)
    assert all(np.array_equal(x, y) for x, y in zip((held.addr, held.is_write, held.src), kept, strict=True))
    # a stream not held any more is the next call's arrays: the results are still those of a fresh cache
    fresh = Cache(64 * 1024, ways=4, sector_B=sector)
    fresh.access(a2)
    ref = [x.copy() for x in (fresh.stream.addr, fresh.stream.is_write, fresh.stream.src)]
    again = Cache(64 * 1024, ways=4, sector_B=sector)
    again.access(a2)
    assert all(np.array_equal(x, y) for x, y in
               zip((again.stream.addr, again.stream.is_write, again.stream.src), ref, strict=True))


def test_too_many_sets_is_refused_naming_the_field():
    with pytest.raises(ConfigError, match=r"cache\.sets"):
        Cache(sets=2**32, ways=1, line_B=1)
