"""The Numba LRU cache: hand-checked traces, invariants, a pure-Python reference model and pycachesim.

Geometries are reused across tests (each new one costs a Numba compile).
"""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from simulator.gpu.cache import Cache


class RefLRU:
    """Textbook LRU cache in plain Python: the slow twin of the kernel (same documented policy)."""

    def __init__(self, sets, ways, line_B=128, write_back=True, write_allocate=True, sector_B=None):
        self.sets, self.ways, self.line_B = sets, ways, line_B
        self.sector_B = sector_B or line_B
        self.wb, self.wa = write_back, write_allocate
        self.data = [[] for _ in range(sets)]  # per set: [line, valid_set, dirty_set], most recent first
        self.c = dict(read_hits=0, read_misses=0, write_hits=0, write_misses=0, evictions=0, writebacks=0)
        self.stream = []

    def access(self, a, w):
        line = a // self.line_B
        sect = (a % self.line_B) // self.sector_B
        sectored = self.sector_B < self.line_B
        s = self.data[line % self.sets]
        req = line * self.line_B + sect * self.sector_B
        ent = next((e for e in s if e[0] == line), None)
        kind = "write" if w else "read"
        if ent is not None and sect in ent[1]:
            self.c[f"{kind}_hits"] += 1
            if w:
                if self.wb:
                    ent[2].add(sect)
                else:
                    self.stream.append((req, True))
            s.remove(ent)
            s.insert(0, ent)
            return
        self.c[f"{kind}_misses"] += 1
        if ent is not None:  # sector miss in a present line
            if w and not self.wa:
                self.stream.append((req, True))
                return
            ent[1].add(sect)
            if w:
                if self.wb:
                    ent[2].add(sect)
                else:
                    self.stream.append((req, True))
            else:
                self.stream.append((req, False))
            s.remove(ent)
            s.insert(0, ent)
            return
        if w and not self.wa:
            self.stream.append((req, True))
            return
        if len(s) == self.ways:
            victim = s.pop()
            self.c["evictions"] += 1
            for d in sorted(victim[2]):
                self.c["writebacks"] += 1
                self.stream.append((victim[0] * self.line_B + (d * self.sector_B if sectored else 0), True))
        ent = [line, {sect}, set()]
        s.insert(0, ent)
        if w:
            if self.wb:
                ent[2].add(sect)
            else:
                self.stream.append((req, True))
            if not sectored:
                self.stream.append((req, False))
        else:
            self.stream.append((req, False))


def _counts(stats):
    return {k: getattr(stats, k) for k in ("read_hits", "read_misses", "write_hits", "write_misses", "evictions",
                                           "writebacks")}


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


@pytest.mark.parametrize("sets,ways,wb,wa,sector", [
    (64, 4, True, True, None),
    (64, 4, False, False, None),
    (5, 3, True, True, None),  # sets not a power of two: index = line mod 5
    (64, 4, True, True, 32),   # sectored
])
def test_agrees_with_reference_model(sets, ways, wb, wa, sector):
    rng = np.random.default_rng(sets * 7 + ways)
    n = 6000
    # a mix of reuse and streaming so that hits, dirty evictions and sector misses all occur
    addr = np.where(rng.random(n) < 0.6, rng.integers(0, 96 * 128, n), rng.integers(0, 1 << 20, n)).astype(np.uint64)
    w = rng.random(n) < 0.35
    c = Cache(sets=sets, ways=ways, write_back=wb, write_allocate=wa, sector_B=sector)
    s = c.access(addr, w)
    ref = RefLRU(sets, ways, write_back=wb, write_allocate=wa, sector_B=sector)
    for a, ww in zip(addr.tolist(), w.tolist(), strict=True):
        ref.access(a, ww)
    assert _counts(s) == ref.c
    assert list(zip(c.stream.addr.tolist(), c.stream.is_write.tolist(), strict=True)) == ref.stream
    assert s.next_reads == sum(1 for _, x in ref.stream if not x)
    assert s.writebacks > 0 or not wb


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
    # LRU is a stack algorithm: at a fixed number of sets, more ways never add misses
    assert misses[0] >= misses[1] >= misses[2]
    assert misses[0] > misses[2]


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
