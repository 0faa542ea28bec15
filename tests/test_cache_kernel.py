"""The lookup kernel itself, for every replacement policy: against the pure-Python reference models, the banked
form against separate caches, threads, loop modes and sets wider than one vector block.

(1) Random traces through every loop mode give exactly the reference model's counts, next-level stream and
contents (tests/cache_reference.py, through the ``ref_cache`` fixture), for LRU and FIFO, both write policies,
sectored and whole lines, and several geometries; (2) the banked kernel (per-SM L1s, L2 slices) gives, bank by
bank, exactly what one cache per bank gives, bypassed accesses pass through in order, and statistics groups add
up; (3) sets of more than 64 ways (the vector search works in blocks of 64 lanes) and of 256 or more ways (ages
wider than a byte) agree with the reference.
"""

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.gpu.cache import Cache
from simulator.gpu.kernels import lookup
from simulator.gpu.kernels import stats as layout
from simulator.gpu.policies import get_policy
from tests.cache_reference import STAT_KEYS, counts

SETS, WAYS, LSHIFT = 6, 4, 7  # 6 sets: not a power of two
POLICIES = ("lru", "fifo")
MODES = ("adaptive", "branches", "predicated")


def _kernels(*args, policy="lru", naive=False):
    """The lookup kernels compiled for a replacement policy given by name (and the naive write-allocate)."""
    return lookup.get_kernels(*args, hit_promotes=get_policy(policy).hit_promotes, naive=naive)


def _banked(wb, wa, addr, w, bank, set_key, group, banks, groups, policy="lru"):
    """``wa`` is a bool or "naive"."""
    naive = wa == "naive"
    fn = _kernels(SETS, WAYS, LSHIFT, LSHIFT, wb, bool(wa), True, policy=policy, naive=naive)[1]
    state = lookup.new_state(banks, SETS, WAYS, sectors=1)
    stats = np.zeros(groups * banks * layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(len(addr), LSHIFT, LSHIFT)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    outs = []
    for lo in range(0, len(addr), 700):  # several calls: state carried across chunks
        sl = slice(lo, lo + 700)
        n = fn(state, addr[sl], w[sl], bank[sl], set_key[sl], group[sl], stats, oa, ow, osrc)
        outs.append(np.stack([oa[:n].astype(np.int64), ow[:n], osrc[:n] + lo]))
    return stats.reshape(groups, banks, layout.N_STATS), np.concatenate(outs, axis=1)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("wb,wa", [(True, True), (False, False), (True, "naive")])
def test_banked_kernel_is_one_cache_per_bank(wb, wa, policy):
    rng = np.random.default_rng(7)
    n = 3000
    banks, groups = 3, 2
    addr = (rng.integers(0, 60, n) * 128 + rng.integers(0, 128, n)).astype(np.uint64)
    w = rng.random(n) < 0.4
    bank = rng.integers(-1, banks, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)  # set = line mod SETS, as in a single cache
    group = rng.integers(0, groups, n).astype(np.int64)
    stats, out = _banked(wb, wa, addr, w, bank, key, group, banks, groups, policy)
    assert stats[..., layout.ST_READ_HITS].sum() > 0 and stats[..., layout.ST_EVICTIONS].sum() > 0
    for b in range(banks):
        sel = np.flatnonzero(bank == b)
        c = Cache(sets=SETS, ways=WAYS, write_back=wb, write_allocate=wa, policy=policy)
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


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("ways", [100, 300])
def test_wide_sets_agree_with_reference(ref_cache, ways, policy):
    rng = np.random.default_rng(ways)
    n = 4000
    lines = 2 * 3 * ways  # twice the capacity of 3 sets: hits and evictions both
    addr = (rng.integers(0, lines, n) * 128).astype(np.uint64)
    w = rng.random(n) < 0.3
    c = Cache(sets=3, ways=ways, policy=policy)
    s = c.access(addr, w)
    ref = ref_cache(policy, 3, ways).run(addr, w)
    assert counts(s) == ref.c
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == ref.stream
    assert c.contents() == ref.contents()  # youngest first


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("sector", [None, 32])
def test_threads_split_sets_exactly(sector, policy):
    """Sets are independent: two threads owning alternate sets give the one-thread counts and stream."""
    rng = np.random.default_rng(5)
    n = 3 * Cache.PARALLEL_MIN  # long enough to take the threaded path
    addr = np.where(rng.random(n) < 0.5, rng.integers(0, 96 * 128, n), rng.integers(0, 1 << 22, n)).astype(np.uint64)
    w = rng.random(n) < 0.3
    one = Cache(sets=64, ways=4, sector_B=sector, policy=policy)
    two = Cache(sets=64, ways=4, sector_B=sector, threads=2, policy=policy)
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


@pytest.mark.parametrize("policy", POLICIES)
def test_banked_index_lists_match_one_pass(policy):
    """The banked kernel run over two disjoint index lists (owners of two ranges of sets; bypasses in the first)
    gives, summed and merged by source, the counts and stream of one pass."""
    rng = np.random.default_rng(9)
    n, banks = 4000, 3
    addr = (rng.integers(0, 90, n) * 128).astype(np.uint64)
    w = rng.random(n) < 0.4
    bank = rng.integers(-1, banks, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = np.zeros(n, dtype=np.int64)
    stats, out = _banked(True, True, addr, w, bank, key, group, banks, 1, policy)
    fn = _kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, policy=policy)[1]
    state = lookup.new_state(banks, SETS, WAYS, sectors=1)
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


def _single(mode, sets, ways, wb, wa, addr, w, chunk=2500, policy="lru", sshift=LSHIFT, naive=False):
    fn = _kernels(sets, ways, LSHIFT, sshift, wb, wa, True, mode, policy=policy, naive=naive)[0]
    state = lookup.new_state(1, sets, ways, sectors=1 << (LSHIFT - sshift))
    stats = np.zeros(layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(chunk, LSHIFT, sshift)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    stream = []
    for lo in range(0, len(addr), chunk):
        k = fn(state, addr[lo:lo + chunk], w[lo:lo + chunk], stats, oa, ow, osrc)
        stream += list(zip(oa[:k].tolist(), ow[:k].tolist(), strict=True))
    return stats, stream, state


def _assert_as_reference(stats, stream, state, ref, sets, ways):
    """The kernel's counts, next-level stream and contents (youngest first, from its ages) are the reference's."""
    assert dict(zip(STAT_KEYS, stats[:6].tolist(), strict=True)) == ref.c
    assert stream == ref.stream
    for s in range(sets):
        row = slice(s * ways, (s + 1) * ways)
        order = np.argsort(state.ages[row], kind="stable")
        assert [int(t) >> 1 for t in state.tags[row][order] if t >= 0] == ref.contents()[s]


# (sets, ways, write_back, write_allocate, sector_B): every write policy; sets not a power of two; 1, 16 (the
# presets' L2), 40 (the predicated loop's two-search path above 32 ways) and 72 ways (two 64-lane blocks);
# sectored caches (which always take the branchy loop, whatever the mode)
GEOMETRIES = [(6, 4, True, True, None), (6, 4, True, False, None), (6, 4, False, True, None),
              (6, 4, False, False, None), (7, 1, True, True, None), (12, 16, True, True, None),
              (6, 40, True, True, None), (3, 72, False, False, None), (64, 4, True, True, 32), (5, 3, False, False, 32)]


def _mixed_trace(n, lines, seed, sector_B):
    """The phased trace (both loops of the adaptive mode get blocks) with random offsets within the line, so that
    sectored caches see sector misses in present lines."""
    addr, w = _phased_trace(n, lines, seed)
    if sector_B:
        addr += (np.random.default_rng(seed + 1).integers(0, 128 // sector_B, n) * sector_B).astype(np.uint64)
    return addr, w


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: "{}x{}-{}{}-{}".format(
    g[0], g[1], "wb" if g[2] else "wt", "wa" if g[3] else "nwa", f"s{g[4]}" if g[4] else "line"))
@pytest.mark.parametrize("policy", POLICIES)
def test_every_loop_mode_matches_the_reference(ref_cache, policy, geometry, mode):
    """Every loop mode gives exactly the reference model's counts, next-level stream and contents, for each
    policy, write policy and geometry (the adaptive default switches loops block by block)."""
    sets, ways, wb, wa, sector = geometry
    addr, w = _mixed_trace(8000, 2 * sets * ways + 3, sets * 100 + ways, sector)
    ref = ref_cache(policy, sets, ways, write_back=wb, write_allocate=wa, sector_B=sector).run(addr, w)
    sshift = (sector or 128).bit_length() - 1
    stats, stream, state = _single(mode, sets, ways, wb, wa, addr, w, policy=policy, sshift=sshift)
    _assert_as_reference(stats, stream, state, ref, sets, ways)
    assert ref.c["read_hits"] > 0 and ref.c["evictions"] > 0 and (ref.c["writebacks"] > 0 or not wb)
    assert ref.sector_misses > 0 or not sector


# (sets, ways, write_back, sector_B) for the naive write-allocate: write-back and write-through, whole lines (both
# loops) and sectors (a write to a missing sector of a present line is a naive miss too), narrow and wide sets
NAIVE_GEOMETRIES = [(6, 4, True, None), (6, 4, False, None), (12, 16, True, None), (6, 40, True, None),
                    (64, 4, True, 32), (5, 3, False, 32)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geometry", NAIVE_GEOMETRIES, ids=lambda g: "{}x{}-{}-{}".format(
    g[0], g[1], "wb" if g[2] else "wt", f"s{g[3]}" if g[3] else "line"))
@pytest.mark.parametrize("policy", POLICIES)
def test_naive_write_allocate_matches_the_reference(ref_cache, policy, geometry, mode):
    """GPGPU-Sim's naive write-allocate (``W``, gpu-cache.cc ``wr_miss_wa_naive``) in every loop mode: counts,
    stream and contents exactly the reference's (tests/cache_reference.py, ``naive=True``): a write miss sends the
    write down and fetches its line (sector), which stays clean; and the next-level counts the statistics imply
    (``fill_next_level``) are the stream's."""
    sets, ways, wb, sector = geometry
    addr, w = _mixed_trace(8000, 2 * sets * ways + 3, sets * 100 + ways + 1, sector)
    ref = ref_cache(policy, sets, ways, write_back=wb, write_allocate=True, sector_B=sector, naive=True).run(addr, w)
    sshift = (sector or 128).bit_length() - 1
    stats, stream, state = _single(mode, sets, ways, wb, True, addr, w, policy=policy, sshift=sshift, naive=True)
    _assert_as_reference(stats, stream, state, ref, sets, ways)
    layout.fill_next_level(stats, sector is not None, wb, True, True)
    assert stats[layout.ST_NEXT_READS] == sum(not x for _, x in stream)
    assert stats[layout.ST_NEXT_WRITES] == sum(x for _, x in stream)
    assert ref.c["write_misses"] > 0 and ref.c["evictions"] > 0 and (ref.c["writebacks"] > 0 or not wb)
    assert ref.sector_misses > 0 or not sector
    # a naive write miss writes through and fetches: more next-level traffic than fetch-on-write / lazy, except on
    # a write-through whole-line cache, where fetch-on-write already forwards and fetches
    plain = ref_cache(policy, sets, ways, write_back=wb, write_allocate=True, sector_B=sector).run(addr, w)
    if wb or sector:
        assert len(ref.stream) > len(plain.stream)
    else:
        assert ref.stream == plain.stream


def test_naive_write_allocate_through_cache_and_its_errors():
    """``Cache(write_allocate="naive")``: one write miss = a forwarded write and a fill, the line clean (so its
    eviction writes nothing back); a later write hit dirties it.  ``"lazy"`` needs sectors."""
    c = Cache(sets=1, ways=1, write_allocate="naive")
    s = c.access(np.array([0, 0, 128], np.uint64), np.array([True, False, False]))
    assert (s.write_misses, s.read_hits, s.read_misses, s.writebacks) == (1, 1, 1, 0)
    assert (s.next_reads, s.next_writes) == (2, 1)
    s = c.access(np.array([128, 0], np.uint64), True)
    assert (s.write_hits, s.write_misses, s.writebacks, s.next_writes, s.next_reads) == (1, 2, 1, 3, 3)
    assert "naive" in repr(c)
    assert Cache(sets=4, ways=2, sector_B=32, write_allocate="lazy").write_allocate_mode == "lazy"
    with pytest.raises(ConfigError, match=r"^write_allocate: 'lazy'.*sectored"):
        Cache(sets=4, ways=2, write_allocate="lazy")
    with pytest.raises(ConfigError, match=r"^write_allocate: must be"):
        Cache(sets=4, ways=2, write_allocate="eager")
    with pytest.raises(ValueError, match="naive"):
        lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, False, True, naive=True)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("wb,wa", [(True, True), (False, False)])
def test_loops_leave_the_same_state(wb, wa, policy):
    """The branchy and predicated loops end in the same tags, dirty bits and ages, not only the same counts."""
    addr, w = _phased_trace(12000, 8 * SETS * WAYS // 4, 4)
    states = [_single(mode, SETS, WAYS, wb, wa, addr, w, policy=policy)[2] for mode in ("branches", "predicated")]
    for field in ("tags", "dirty", "valid", "ages"):
        assert (getattr(states[0], field) == getattr(states[1], field)).all()


def test_adaptive_loop_and_read_only_calls_match():
    """The adaptive default (through ``Cache``) and a read-only call (``is_write`` given as one bool) give what the
    branchy loop gives."""
    addr, _ = _phased_trace(12000, 8 * SETS * WAYS // 4, 3)
    w = np.zeros(len(addr), dtype=bool)
    stats, stream, _ = _single("branches", SETS, WAYS, True, True, addr, w)
    c = Cache(sets=SETS, ways=WAYS)
    s = c.access(addr, False)
    assert [getattr(s, k) for k in STAT_KEYS] == stats[:6].tolist()
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == stream


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("wb,wa", [(True, True), (False, False)])
def test_banked_loops_agree(wb, wa, policy):
    """The banked kernel's two loops: the same counts per bank and group, and the same stream (bypasses included)."""
    rng = np.random.default_rng(11)
    n, banks, groups = 8000, 3, 2
    addr, w = _phased_trace(n, 60, 5)
    bank = np.where(rng.random(n) < 0.05, -1, rng.integers(0, banks, n)).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = rng.integers(0, groups, n).astype(np.int64)
    out = {}
    for mode in ("branches", "predicated"):
        fn = _kernels(SETS, WAYS, LSHIFT, LSHIFT, wb, wa, True, mode, policy=policy)[1]
        state = lookup.new_state(banks, SETS, WAYS, sectors=1)
        stats = np.zeros(groups * banks * layout.N_STATS, dtype=np.int64)
        cap = lookup.out_capacity(n, LSHIFT, LSHIFT)
        oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        k = fn(state, addr, w, bank, key, group, stats, oa, ow, osrc)
        out[mode] = (stats, oa[:k].copy(), ow[:k].copy(), osrc[:k].copy())
    for x, y in zip(*out.values(), strict=True):
        assert (x == y).all()
    assert out["branches"][0].reshape(groups, banks, -1)[..., layout.ST_READ_HITS].sum() > 0


def test_unknown_loop_mode_and_policy():
    with pytest.raises(ValueError, match="mode"):
        lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, "fastest")
    with pytest.raises(ConfigError, match=r"^policy: .*'random'.*valid: fifo, lru"):
        get_policy("random")


def test_policy_is_part_of_the_kernel_key():
    """Each policy compiles its own kernels (and Numba's on-disk cache entry: the policy is a closure value)."""
    lru_k = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, hit_promotes=True)
    fifo_k = lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, hit_promotes=False)
    assert lru_k is not fifo_k
    assert lru_k is lookup.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True)  # LRU is the default


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("mode", ["branches", "predicated"])
def test_tags_widen_when_a_line_needs_more_than_30_bits(ref_cache, mode, policy):
    """States start with 32-bit tags; a line at or above 2**30 (byte address 2**37 with 128 B lines) part-way
    through a call widens them and the call goes on: counts, stream and contents as with 64-bit tags throughout
    and as the reference model."""
    addr, w = _phased_trace(6000, 8 * SETS * WAYS // 4, 9)
    high = np.uint64(((1 << 30) + 5) << LSHIFT)
    addr[4000:] += high  # the second part lives above the narrow range
    ref = ref_cache(policy, SETS, WAYS).run(addr, w)
    stats, stream, state = _single(mode, SETS, WAYS, True, True, addr, w, policy=policy)
    assert state.tags.dtype == np.int64
    assert dict(zip(STAT_KEYS, stats[:6].tolist(), strict=True)) == ref.c
    assert stream == ref.stream
    wide = lookup.new_state(1, SETS, WAYS, wide=True, sectors=1)
    fn = _kernels(SETS, WAYS, LSHIFT, LSHIFT, True, True, True, mode, policy=policy)[0]
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
        state = lookup.new_state(banks, SETS, WAYS, wide=wide, sectors=1)
        stats = np.zeros(banks * layout.N_STATS, dtype=np.int64)
        oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
        k = fn(state, addr, w, bank, key, group, stats, oa, ow, osrc)
        assert state.tags.dtype == np.int64
        runs.append((stats, oa[:k].copy(), ow[:k].copy(), osrc[:k].copy(), state.tags.copy()))
    for x, y in zip(*runs, strict=True):
        assert (x == y).all()
    assert runs[0][0].reshape(banks, -1)[:, layout.ST_WRITEBACKS].sum() > 0


def _coalesced_trace(n, lines, seed, sector_B):
    """Warp-like requests: each picks a line and touches 1 to all of its sectors one after another (in a random
    order, each a read or a write), the pattern of a sectored L2's stream where the kernel keeps the line of the
    last lookup open (``lookup._build``): runs of one line, mixed kinds within a run, and evictions between runs."""
    rng = np.random.default_rng(seed)
    nsect = 128 // sector_B
    addr, w = [], []
    while len(addr) < n:
        line = int(rng.integers(0, lines))
        sects = rng.permutation(nsect)[:int(rng.integers(1, nsect + 1))]
        if rng.random() < 0.3:
            sects = np.concatenate([sects, sects[:1]])  # the same sector again within the run
        write = rng.random() < 0.35
        for s in sects:
            addr.append(line * 128 + int(s) * sector_B)
            w.append(bool(write) if rng.random() < 0.8 else bool(rng.random() < 0.5))
    return np.array(addr[:n], dtype=np.uint64), np.array(w[:n])


# (sets, ways, write_back, write_allocate) of sectored caches: every write policy, naive included
SECTOR_POLICIES = [(8, 4, True, True), (8, 4, True, False), (8, 4, False, True), (5, 3, False, False),
                   (8, 4, True, "naive"), (5, 3, False, "naive")]


@pytest.mark.parametrize("geometry", SECTOR_POLICIES, ids=lambda g: "{}x{}-{}-{}".format(
    g[0], g[1], "wb" if g[2] else "wt", g[3] if isinstance(g[3], str) else ("wa" if g[3] else "nwa")))
@pytest.mark.parametrize("policy", POLICIES)
def test_runs_of_one_line_match_the_reference(ref_cache, policy, geometry):
    """Sectored caches on runs of accesses to one line (the open-line path, which skips the way search): counts,
    next-level stream and contents exactly the reference's, for every write policy and both replacement
    policies, in calls that end inside a run."""
    sets, ways, wb, wa = geometry
    naive = wa == "naive"
    addr, w = _coalesced_trace(9000, 3 * sets * ways, sets * 10 + ways + 2 * wb, 32)
    assert np.mean(addr[1:] >> 7 == addr[:-1] >> 7) > 0.5  # mostly runs
    ref = ref_cache(policy, sets, ways, write_back=wb, write_allocate=bool(wa), sector_B=32, naive=naive).run(addr, w)
    stats, stream, state = _single("adaptive", sets, ways, wb, bool(wa), addr, w, chunk=997, policy=policy,
                                   sshift=5, naive=naive)
    _assert_as_reference(stats, stream, state, ref, sets, ways)
    assert ref.c["evictions"] > 0 and ref.sector_misses > 0 and ref.c["read_hits"] > 0 and ref.c["write_hits"] > 0


@pytest.mark.parametrize("policy", POLICIES)
def test_banked_runs_of_one_line_in_two_banks(policy):
    """The same line sent to two banks in turn (the banked kernel's caller picks the bank): the open line is one
    bank's, so the other bank's access must search its own set; bank by bank the counts are one cache's."""
    rng = np.random.default_rng(11)
    addr, w = _coalesced_trace(4000, 40, 5, 32)
    bank = (rng.random(len(addr)) < 0.5).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    fn = _kernels(SETS, WAYS, LSHIFT, 5, True, True, True, policy=policy)[1]
    state = lookup.new_state(2, SETS, WAYS, sectors=1 << (LSHIFT - 5))
    stats = np.zeros(2 * layout.N_STATS, dtype=np.int64)
    cap = lookup.out_capacity(len(addr), LSHIFT, 5)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    fn(state, addr, w, bank, key, np.zeros(len(addr), np.int64), stats, oa, ow, osrc)
    for b in range(2):
        sel = np.flatnonzero(bank == b)
        s = Cache(sets=SETS, ways=WAYS, sector_B=32, policy=policy).access(addr[sel], w[sel])
        assert stats.reshape(2, -1)[b, :6].tolist() == [s.read_hits, s.read_misses, s.write_hits, s.write_misses,
                                                         s.evictions, s.writebacks]
