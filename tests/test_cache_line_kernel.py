"""The whole-line kernel (the fast path for unsectored caches) against the general kernel.

The general kernel is itself checked against pycachesim and a pure-Python LRU model (tests/test_cache*.py);
here the specialised one must give the same counts, the same next-level stream and the same final state.
"""

import numpy as np
import pytest

from simulator.kernels import lru

SETS, WAYS, LSHIFT = 6, 4, 7  # 6 sets: not a power of two


def _run(single, generic, wb, wa, addr, w, bank=None, set_key=None, group=None, banks=1, groups=1):
    fn = lru.get_kernels(SETS, WAYS, LSHIFT, LSHIFT, wb, wa, True, generic)[1 if bank is not None else 0]
    state = lru.new_state(banks, SETS, WAYS)
    stats = np.zeros(groups * banks * lru.N_STATS, dtype=np.int64)
    cap = lru.out_capacity(len(addr), LSHIFT, LSHIFT)
    oa, ow, osrc = np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int64)
    outs = []
    for lo in range(0, len(addr), 700):  # several calls: state carried across chunks
        sl = slice(lo, lo + 700)
        if bank is None:
            n = fn(*state, addr[sl], w[sl], stats, oa, ow, osrc)
        else:
            n = fn(*state, addr[sl], w[sl], bank[sl], set_key[sl], group[sl], stats, oa, ow, osrc)
        outs.append((oa[:n].copy(), ow[:n].copy(), osrc[:n].copy()))
    return stats, state, outs


@pytest.mark.parametrize("wb,wa", [(True, True), (False, False)])
def test_line_kernel_matches_general_kernel(wb, wa):
    rng = np.random.default_rng(7)
    n = 3000
    addr = (rng.integers(0, 60, n) * 128 + rng.integers(0, 128, n)).astype(np.uint64)
    w = rng.random(n) < 0.4
    a = _run(True, True, wb, wa, addr, w)
    b = _run(True, False, wb, wa, addr, w)
    assert (a[0] == b[0]).all()
    assert a[0][lru.ST_READ_HITS] > 0 and a[0][lru.ST_EVICTIONS] > 0
    for x, y in zip(a[1], b[1], strict=True):
        assert (x == y).all()
    for x, y in zip(a[2], b[2], strict=True):
        assert all((p == q).all() for p, q in zip(x, y, strict=True))
    # banked: 3 caches plus bypassed accesses (bank -1), 2 statistics groups
    bank = rng.integers(-1, 3, n).astype(np.int64)
    key = (addr >> np.uint64(LSHIFT)).astype(np.int64)
    group = rng.integers(0, 2, n).astype(np.int64)
    a = _run(False, True, wb, wa, addr, w, bank, key, group, banks=3, groups=2)
    b = _run(False, False, wb, wa, addr, w, bank, key, group, banks=3, groups=2)
    assert (a[0] == b[0]).all()
    for x, y in zip(a[1], b[1], strict=True):
        assert (x == y).all()
    for x, y in zip(a[2], b[2], strict=True):
        assert all((p == q).all() for p, q in zip(x, y, strict=True))
