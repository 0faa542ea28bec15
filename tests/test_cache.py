"""The Numba cache (LRU and FIFO): hand-checked traces, invariants and the pure-Python reference models
(tests/cache_reference.py, through the ``ref_cache`` fixture); pycachesim in test_cache_pycachesim.py.

Geometries are reused across tests (each new one costs a Numba compile).
"""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.gpu.cache import Cache
from simulator.gpu.policies import policy_names
from tests.cache_reference import counts

POLICIES = ("lru", "fifo")


def test_hand_checked_trace_two_ways_one_set():
    # 1 set x 2 ways x 128 B, write-back/allocate.  Lines A=0, B=1, C=2.
    c = Cache(sets=1, ways=2, line_B=128)
    A, B, C = 0, 128, 256
    s = c.access([A, B, A, C, B, A + 4], [False, True, False, False, False, False])
    # A miss; B write miss (allocate, dirty); A hit (A most recent); C miss evicts B (dirty -> write-back);
    # B miss evicts A (clean); A miss evicts C.
    assert (s.read_hits, s.read_misses, s.write_hits, s.write_misses) == (1, 4, 0, 1)
    assert (s.evictions, s.writebacks) == (3, 1)
    assert s.hits + s.misses == s.accesses == 6
    st = c.stream
    # fills and write-backs, in order: A, B (fetch-on-write), C with B's write-back first, B, A
    assert list(zip(st.addr.tolist(), st.is_write.tolist(), strict=True)) == [
        (A, False), (B, False), (B, True), (C, False), (B, False), (A, False)]
    assert st.src.tolist() == [0, 1, 3, 3, 4, 5]


def test_write_hit_refreshes_recency():
    # A then B, then a *write* hit on A: A becomes most recent, so C evicts B, not A.
    c = Cache(sets=1, ways=2, line_B=128)
    c.access([0, 128], False)
    c.access([0], True)
    c.access([256], False)
    assert c.contents() == [[2, 0]]
    s = c.access([0], False)
    assert s.read_hits == 1


def test_write_through_no_allocate_forwards_every_write():
    c = Cache(sets=1, ways=2, line_B=128, write_back=False, write_allocate=False)
    s = c.access([0, 0, 128, 0], [True, False, False, True])
    # write miss: forwarded, not allocated; read miss fills; read miss B; write hit A forwarded
    assert (s.write_misses, s.read_misses, s.write_hits, s.writebacks) == (1, 2, 1, 0)
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == [
        (0, True), (0, False), (128, False), (0, True)]


def test_state_persists_across_chunks_and_reset_clears():
    rng = np.random.default_rng(3)
    addr = rng.integers(0, 1 << 16, 5000).astype(np.uint64)
    w = rng.random(5000) < 0.3
    one = Cache(sets=64, ways=4)
    s1 = one.access(addr, w)
    two = Cache(sets=64, ways=4)
    for part in np.array_split(np.arange(5000), 7):
        s2 = two.access(addr[part], w[part])
    assert s1 == s2
    two.reset()
    assert two.stats.accesses == 0 and all(not row for row in two.contents())


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("sets,ways,wb,wa,sector", [
    (64, 4, True, True, None),
    (64, 4, False, False, None),
    (5, 3, True, True, None),  # sets not a power of two: index = line mod 5
    (64, 4, True, True, 32),   # sectored (uint8 sector masks: lookup.mask_dtype)
])
def test_agrees_with_reference_model(ref_cache, policy, sets, ways, wb, wa, sector):
    rng = np.random.default_rng(sets * 7 + ways)
    n = 6000
    # a mix of reuse and streaming so that hits, dirty evictions and sector misses all occur
    addr = np.where(rng.random(n) < 0.6, rng.integers(0, 96 * 128, n), rng.integers(0, 1 << 20, n)).astype(np.uint64)
    w = rng.random(n) < 0.35
    c = Cache(sets=sets, ways=ways, write_back=wb, write_allocate=wa, sector_B=sector, policy=policy)
    s = c.access(addr, w)
    ref = ref_cache(policy, sets, ways, write_back=wb, write_allocate=wa, sector_B=sector).run(addr, w)
    assert counts(s) == ref.c
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == ref.stream
    assert s.next_reads == sum(1 for _, x in ref.stream if not x)
    assert s.writebacks > 0 or not wb
    assert c.contents() == ref.contents()


@pytest.mark.parametrize("sets,sector", [
    (64, 16),  # 8 sectors a line: the uint8 masks full
    (64, 8),   # 16 sectors: uint16 masks
    (16, 4),   # 32 sectors: uint32 masks
])
def test_sector_masks_of_every_width_agree_with_reference_model(ref_cache, sets, sector):
    """The sector masks are as narrow as the sectors allow (lookup.mask_dtype); a width too narrow loses bits."""
    test_agrees_with_reference_model(ref_cache, "lru", sets, 4, True, True, sector)


def test_invariants_hits_plus_misses_and_ways_monotone():
    rng = np.random.default_rng(11)
    addr = rng.integers(0, 64 * 8 * 128 * 3, 20000).astype(np.uint64)
    misses = []
    for ways in (1, 2, 4):
        c = Cache(sets=64, ways=ways)
        s = c.access(addr, False)
        assert s.hits + s.misses == s.accesses == len(addr)
        assert s.reads == len(addr) and s.writes == 0
        misses.append(s.misses)
    # LRU is a stack algorithm: at a fixed number of sets, more ways never add misses (FIFO is not: Belady)
    assert misses[0] >= misses[1] >= misses[2]
    assert misses[0] > misses[2]


def test_fifo_and_lru_differ_by_hand():
    """1 set x 2 ways, reads A, B, A, C: the hit on A refreshes it under LRU, so C evicts B; under FIFO A is still
    the oldest allocation, so C evicts A (GPGPU-Sim's F orders by allocation time)."""
    A, B, C = 0, 128, 256
    lru, fifo = Cache(sets=1, ways=2, policy="lru"), Cache(sets=1, ways=2, policy="fifo")
    for c in (lru, fifo):
        s = c.access([A, B, A, C], False)
        assert (s.read_hits, s.read_misses, s.evictions) == (1, 3, 1)
    assert lru.contents() == [[2, 0]]   # C, A: B was evicted
    assert fifo.contents() == [[2, 1]]  # C, B: A was evicted
    # the next access to A tells them apart: a hit under LRU, a miss under FIFO (which then evicts B)
    assert lru.access([A], False).read_hits == 2
    assert fifo.access([A], False).read_misses == 4
    assert fifo.contents() == [[0, 2]]
    assert list(fifo.stream.addr) == [A]


def test_fifo_write_hit_and_sector_fill_do_not_refresh():
    """Under FIFO no access to a present line moves it: not a write hit, not a sector miss that fills another
    sector of it; under LRU both do (then B is the victim)."""
    A, B, C = 0, 128, 256
    for policy, survivor in (("fifo", 1), ("lru", 0)):
        c = Cache(sets=1, ways=2, policy=policy)
        c.access([A, B, A, C], [False, False, True, False])  # A is written (a write hit)
        assert c.contents()[0] == [2, survivor], policy
        s = Cache(sets=1, ways=2, sector_B=32, policy=policy)
        s.access([A, B, A + 32, C], False)  # A's second sector is filled: a sector miss in a present line
        assert s.contents()[0] == [2, survivor], policy


def test_unknown_policy_lists_the_valid_names():
    with pytest.raises(ConfigError, match=r"^policy: unknown replacement policy 'plru' \(valid: fifo, lru\)"):
        Cache(sets=4, ways=2, policy="plru")
    assert set(policy_names()) >= {"lru", "fifo"}
    assert Cache(sets=4, ways=2).policy == "lru" and "fifo" in repr(Cache(sets=4, ways=2, policy="fifo"))


def test_capacity_and_sets_rules():
    assert Cache(3 * 2**20, line_B=128, ways=16).sets == 1536  # 3 MB: 1536 sets, not a power of two
    assert Cache(7 * 128 * 16, ways=16).sets == 7
    with pytest.raises(ConfigError, match="capacity_B"):
        Cache(1000, line_B=128, ways=16)
    with pytest.raises(ConfigError, match="line_B"):
        Cache(3 * 2**20, line_B=96, ways=16)
    with pytest.raises(ConfigError, match="ways"):
        Cache(3 * 2**20, ways=0)
    with pytest.raises(ConfigError, match="sets"):
        Cache(sets=0, ways=4)
    with pytest.raises(ConfigError, match="sector_B"):
        Cache(sets=4, ways=4, sector_B=48)
    with pytest.raises(ConfigError, match="is_write"):
        Cache(sets=64, ways=4).access(np.zeros(3, np.uint64), np.zeros(2, bool))
