"""Numba kernel of set sampling: which L2 requests fall into the sampled subset of (slice, set) pairs, and into
which replicate group.

The subset itself is chosen outside (:func:`simulator.gpu.fast.sample_table`): exactly one pair in K, picked by a
seeded permutation rather than a fixed stride (every 8th set would alias with the power-of-two strides of tensor
rows), the same for every chunk, kernel and run.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sampled_requests(slice_, set_key, sets, table, idx_out, rep_out):
    """Write the indices of the requests whose (slice, set) pair is sampled (``table[pair] >= 0``, ``pair =
    slice x sets + set``) to ``idx_out`` and the pair's replicate group ``table[pair]`` to ``rep_out``; return how
    many."""
    n = 0
    s_u = np.uint64(sets)
    for i in range(slice_.shape[0]):
        pair = np.uint64(slice_[i]) * s_u + np.uint64(set_key[i]) % s_u
        r = table[pair]
        if r >= 0:
            idx_out[n] = i
            rep_out[n] = r
            n += 1
    return n
