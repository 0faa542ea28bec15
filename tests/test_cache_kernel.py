"""The LRU kernel itself: the banked form against separate caches, and sets wider than one vector block.

The single-cache kernel is checked against pycachesim and a pure-Python textbook LRU (tests/test_cache*.py).
Here: (1) the banked kernel (per-SM L1s, L2 slices) gives, bank by bank, exactly what one cache per bank gives,
bypassed accesses pass through in order, and statistics groups add up; (2) sets of more than 64 ways (the vector
search works in blocks of 64 lanes) and of 256 or more ways (ages wider than a byte) agree with the reference
model of tests/test_cache.py.
"""

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.gpu.cache import Cache
from simulator.gpu.kernels import lookup
from simulator.gpu.kernels import stats as layout
from tests.test_cache import RefLRU, _counts

SETS, WAYS, LSHIFT = 6, 4, 7  # 6 sets: not a power of two


def _banked(wb, wa, addr, w, bank, set_key, group, banks, groups):
    fn = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, wb, wa, True)[1]
    state = lookup.new_state(banks, SETS, WAYS)
    stats = np.zeros(groups * banks * layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(len(addr), LSHIFT, LSHIFT)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    outs = []
    for lo in range(0, len(addr), 700):  # several calls: state carried across chunks
        sl = slice(lo, lo + 700)
        n = fn(state, addr[sl], w[sl], bank[sl], set_key[sl], group[sl], stats, oa, ow, osrc)
        outs.append(np.stack([oa[:n].astype(np.int64), ow[:n], osrc[:n] + lo]))
    return stats.reshape(groups, banks, layout.N_STATS), np.concatenate(outs, axis=1)


@pytest.mark.parametrize("wb,wa", [(True, True), (False, False)])
def test_banked_kernel_is_one_cache_per_bank(wb, wa):
    rng = np.random.default_rng(7)
    n = 3000
    banks, groups = 3, 2
    addr = (rng.integers(0, 60, n) * 128 + rng.integers(0, 128, n)).astype(np.uint64)
    w = rng.random(n) < 0.4
    bank = rng.integers(-1, banks, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)  # set = line mod SETS, as in a single cache
    group = rng.integers(0, groups, n).astype(np.int64)
    stats, out = _banked(wb, wa, addr, w, bank, key, group, banks, groups)
    assert stats[..., layout.ST_READ_HITS].sum() > 0 and stats[..., layout.ST_EVICTIONS].sum() > 0
    for b in range(banks):
        sel = np.flatnonzero(bank == b)
        c = Cache(sets=SETS, ways=WAYS, write_back=wb, write_allocate=wa)
        s = c.access(addr[sel], w[sel])
        total = stats[:, b, :].sum(axis=0)
        assert total[:6].tolist() == [s.read_hits, s.read_misses, s.write_hits, s.write_misses, s.evictions,
                                      s.writebacks]
        mine = out[:, np.isin(out[2], sel)]
        assert mine[0].tolist() == c.stream.addr.astype(np.int64).tolist()
        assert mine[1].astype(bool).tolist() == c.stream.is_write.tolist()
        assert mine[2].tolist() == sel[c.stream.src].tolist()
        # statistics groups split the same counts
        for g in range(groups):
            gs = sel[group[sel] == g]
            assert stats[g, b, layout.ST_READ_HITS] + stats[g, b, layout.ST_READ_MISSES] == int((~w[gs]).sum())
    byp = np.flatnonzero(bank < 0)
    fwd = out[:, np.isin(out[2], byp)]
    assert fwd[2].tolist() == byp.tolist() and fwd[0].tolist() == addr[byp].astype(np.int64).tolist()


@pytest.mark.parametrize("ways", [100, 300])
def test_wide_sets_agree_with_reference(ways):
    rng = np.random.default_rng(ways)
    n = 4000
    lines = 2 * 3 * ways  # twice the capacity of 3 sets: hits and evictions both
    addr = (rng.integers(0, lines, n) * 128).astype(np.uint64)
    w = rng.random(n) < 0.3
    c = Cache(sets=3, ways=ways)
    s = c.access(addr, w)
    ref = RefLRU(3, ways)
    for a, ww in zip(addr.tolist(), w.tolist(), strict=True):
        ref.access(a, ww)
    assert _counts(s) == ref.c
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == ref.stream
    assert c.contents() == [[x[0] for x in st] for st in ref.data]  # most recent first


@pytest.mark.parametrize("sector", [None, 32])
def test_threads_split_sets_exactly(sector):
    """Sets are independent: two threads owning alternate sets give the one-thread counts and stream."""
    rng = np.random.default_rng(5)
    n = 3 * Cache.PARALLEL_MIN  # long enough to take the threaded path
    addr = np.where(rng.random(n) < 0.5, rng.integers(0, 96 * 128, n), rng.integers(0, 1 << 22, n)).astype(np.uint64)
    w = rng.random(n) < 0.3
    one = Cache(sets=64, ways=4, sector_B=sector)
    two = Cache(sets=64, ways=4, sector_B=sector, threads=2)
    for lo in (0, n // 2):  # state carried across calls
        a, b = one.access(addr[lo:lo + n // 2], w[lo:lo + n // 2]), two.access(addr[lo:lo + n // 2], w[lo:lo + n // 2])
        assert a == b and a.writebacks > 0 and a.read_hits > 0
        for x, y in zip((one.stream.addr, one.stream.is_write, one.stream.src),
                        (two.stream.addr, two.stream.is_write, two.stream.src), strict=True):
            assert (x == y).all()
    assert one.contents() == two.contents()


def test_threads_must_be_positive():
    with pytest.raises(ConfigError, match="threads"):
        Cache(sets=64, ways=4, threads=0)


def test_banked_index_lists_match_one_pass():
    """The banked kernel run over two disjoint index lists (owners of two ranges of sets; bypasses in the first)
    gives, summed and merged by source, the counts and stream of one pass."""
    rng = np.random.default_rng(9)
    n, banks = 4000, 3
    addr = (rng.integers(0, 90, n) * 128).astype(np.uint64)
    w = rng.random(n) < 0.4
    bank = rng.integers(-1, banks, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = np.zeros(n, dtype=np.int64)
    stats, out = _banked(True, True, addr, w, bank, key, group, banks, 1)
    fn = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True)[1]
    state = lookup.new_state(banks, SETS, WAYS)
    cap = lookup.out_capacity(n, LSHIFT, LSHIFT)
    g = bank * SETS + key % SETS
    owner = np.where(bank < 0, 0, g >= banks * SETS // 2)
    total = np.zeros(banks * layout.N_STATS, dtype=np.int64)
    streams = []
    for part in range(2):
        st = np.zeros_like(total)
        oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        k = fn(state, addr, w, bank, key, group, st, oa, ow, osrc, np.flatnonzero(owner == part).astype(np.int32))
        total += st
        streams.append(np.stack([oa[:k].astype(np.int64), ow[:k], osrc[:k]]))
    merged = np.concatenate(streams, axis=1)
    merged = merged[:, np.argsort(merged[2], kind="stable")]
    assert (total.reshape(1, banks, -1) == stats).all()
    assert (merged == out).all()


def test_splitter_sorts_by_owner_in_order():
    split = lookup.get_splitter(10, LSHIFT)
    addr = (np.arange(37, dtype=np.uint64) * 7 % 23) * np.uint64(128)
    bounds = np.array([3, 7], dtype=np.int64)
    idx, counts = np.empty((3, 30), dtype=np.int32), np.zeros(3, dtype=np.int64)
    split(addr, 5, 35, bounds, idx, counts)
    sets = (addr >> np.uint64(LSHIFT)) % np.uint64(10)
    for p, (lo, hi) in enumerate([(0, 3), (3, 7), (7, 10)]):
        want = [k for k in range(5, 35) if lo <= sets[k] < hi]
        assert idx[p, :counts[p]].tolist() == want


def _phased_trace(n, lines, seed):
    """Phases that drive the adaptive loop both ways: a stream (all misses), a hot set (all hits), random lines
    with random writes (unpredictable), and reads only."""
    rng = np.random.default_rng(seed)
    q = n // 4
    addr = np.concatenate([np.arange(q) + 10 * lines, rng.integers(0, 3, q), rng.integers(0, lines, q),
                           rng.integers(0, lines, n - 3 * q)]).astype(np.uint64) * np.uint64(128)
    w = np.concatenate([np.zeros(q, bool), rng.random(q) < 0.5, rng.random(q) < 0.4, np.zeros(n - 3 * q, bool)])
    return addr, w


def _single(mode, sets, ways, wb, wa, addr, w, chunk=2500):
    fn = lookup.get_kernels(sets, ways, LSHIFT, LSHIFT, wb, wa, True, mode)[0]
    state = lookup.new_state(1, sets, ways)
    stats = np.zeros(layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(chunk, LSHIFT, LSHIFT)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    stream = []
    for lo in range(0, len(addr), chunk):
        k = fn(state, addr[lo:lo + chunk], w[lo:lo + chunk], stats, oa, ow, osrc)
        stream += list(zip(oa[:k].tolist(), ow[:k].tolist(), strict=True))
    return stats, stream, state


@pytest.mark.parametrize("wb,wa,ways", [(True, True, 4), (True, False, 4), (False, True, 4), (False, False, 4),
                                        (True, True, 40)])
def test_branchy_and_predicated_loops_agree_with_reference(wb, wa, ways):
    """Both lookup loops (the adaptive default switches between them block by block) give the reference model's
    counts, next-level stream and final state, for every write policy; 40 ways take the wide-set search."""
    addr, w = _phased_trace(12000, 8 * SETS * ways // 4, ways)
    ref = RefLRU(SETS, ways, write_back=wb, write_allocate=wa)
    for a, ww in zip(addr.tolist(), w.tolist(), strict=True):
        ref.access(a, ww)
    results = {mode: _single(mode, SETS, ways, wb, wa, addr, w) for mode in ("branches", "predicated")}
    for mode, (stats, stream, _) in results.items():
        assert dict(zip(_counts_keys, stats[:6].tolist(), strict=True)) == ref.c, mode
        assert stream == ref.stream, mode
    (_, _, s1), (_, _, s2) = results.values()
    for field in ("tags", "dirty", "valid", "ages"):
        assert (getattr(s1, field) == getattr(s2, field)).all()
    assert ref.c["read_hits"] > 0 and ref.c["evictions"] > 0 and (ref.c["writebacks"] > 0 or not wb)


_counts_keys = ("read_hits", "read_misses", "write_hits", "write_misses", "evictions", "writebacks")


def test_adaptive_loop_and_read_only_calls_match():
    """The adaptive default (through ``Cache``) and a read-only call (``is_write`` given as one bool) give what the
    branchy loop gives."""
    addr, _ = _phased_trace(12000, 8 * SETS * WAYS // 4, 3)
    w = np.zeros(len(addr), dtype=bool)
    stats, stream, _ = _single("branches", SETS, WAYS, True, True, addr, w)
    c = Cache(sets=SETS, ways=WAYS)
    s = c.access(addr, False)
    assert [getattr(s, k) for k in _counts_keys] == stats[:6].tolist()
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == stream


@pytest.mark.parametrize("wb,wa", [(True, True), (False, False)])
def test_banked_loops_agree(wb, wa):
    """The banked kernel's two loops: the same counts per bank and group, and the same stream (bypasses included)."""
    rng = np.random.default_rng(11)
    n, banks, groups = 8000, 3, 2
    addr, w = _phased_trace(n, 60, 5)
    bank = np.where(rng.random(n) < 0.05, -1, rng.integers(0, banks, n)).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = rng.integers(0, groups, n).astype(np.int64)
    out = {}
    for mode in ("branches", "predicated"):
        fn = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, wb, wa, True, mode)[1]
        state = lookup.new_state(banks, SETS, WAYS)
        stats = np.zeros(groups * banks * layout.N_STATS, dtype=np.int64)
        cap = lookup.out_capacity(n, LSHIFT, LSHIFT)
        oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        k = fn(state, addr, w, bank, key, group, stats, oa, ow, osrc)
        out[mode] = (stats, oa[:k].copy(), ow[:k].copy(), osrc[:k].copy())
    for x, y in zip(*out.values(), strict=True):
        assert (x == y).all()
    assert out["branches"][0].reshape(groups, banks, -1)[..., layout.ST_READ_HITS].sum() > 0


def test_unknown_loop_mode():
    with pytest.raises(ValueError, match="mode"):
        lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, "fastest")


@pytest.mark.parametrize("mode", ["branches", "predicated"])
def test_tags_widen_when_a_line_needs_more_than_30_bits(mode):
    """States start with 32-bit tags; a line at or above 2**30 (byte address 2**37 with 128 B lines) part-way
    through a call widens them and the call goes on: counts, stream and contents as with 64-bit tags throughout
    and as the reference model."""
    addr, w = _phased_trace(6000, 8 * SETS * WAYS // 4, 9)
    high = np.uint64(((1 << 30) + 5) << LSHIFT)
    addr[4000:] += high  # the second part lives above the narrow range
    ref = RefLRU(SETS, WAYS)
    for a, ww in zip(addr.tolist(), w.tolist(), strict=True):
        ref.access(a, ww)
    stats, stream, state = _single(mode, SETS, WAYS, True, True, addr, w)
    assert state.tags.dtype == np.int64
    assert dict(zip(_counts_keys, stats[:6].tolist(), strict=True)) == ref.c
    assert stream == ref.stream
    wide = lookup.new_state(1, SETS, WAYS, wide=True)
    fn = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, mode)[0]
    st2 = np.zeros(layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(len(addr), LSHIFT, LSHIFT)
    fn(wide, addr, w, st2, np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64))
    assert (st2 == stats).all() and (wide.tags == state.tags).all() and (wide.ages == state.ages).all()


def test_threads_widen_before_sharing_the_state():
    rng = np.random.default_rng(3)
    n = 2 * Cache.PARALLEL_MIN
    addr = (rng.integers(0, 400, n).astype(np.uint64) + np.uint64(1 << 31)) * np.uint64(128)
    w = rng.random(n) < 0.3
    one, two = Cache(sets=64, ways=4), Cache(sets=64, ways=4, threads=2)
    a, b = one.access(addr, w), two.access(addr, w)
    assert two._state.tags.dtype == np.int64
    assert a == b and a.read_hits > 0 and a.writebacks > 0
    assert (one.stream.addr == two.stream.addr).all() and one.contents() == two.contents()


def test_banked_tags_widen_like_a_wide_state():
    """L2 slices fed GPU virtual addresses (e.g. 0x7f... from Accel-Sim traces) widen their tags part-way through a
    call; the counts and stream equal those of a state that was 64-bit from the start."""
    rng = np.random.default_rng(13)
    n, banks = 6000, 3
    addr, w = _phased_trace(n, 60, 21)
    addr[n // 2:] += np.uint64(0x7F00_0000_0000)
    bank = rng.integers(0, banks, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = np.zeros(n, dtype=np.int64)
    fn = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True)[1]
    cap = lookup.out_capacity(n, LSHIFT, LSHIFT)
    runs = []
    for wide in (False, True):
        state = lookup.new_state(banks, SETS, WAYS, wide=wide)
        stats = np.zeros(banks * layout.N_STATS, dtype=np.int64)
        oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        k = fn(state, addr, w, bank, key, group, stats, oa, ow, osrc)
        assert state.tags.dtype == np.int64
        runs.append((stats, oa[:k].copy(), ow[:k].copy(), osrc[:k].copy(), state.tags.copy()))
    for x, y in zip(*runs, strict=True):
        assert (x == y).all()
    assert runs[0][0].reshape(banks, -1)[:, layout.ST_WRITEBACKS].sum() > 0
