"""Numba kernel of set sampling: the L2 requests that fall into the sampled subset of (slice, set) pairs, gathered
with their replicate group, and the first touches among them counted.

The subset itself is chosen outside (:func:`simulator.gpu.fast.sample_table`): exactly one pair in K, picked by a
seeded permutation rather than a fixed stride (every 8th set would alias with the power-of-two strides of tensor
rows), the same for every chunk, kernel and run.

Why one kernel: hashing the set keys, selecting, gathering and counting in separate passes cost seven times the
sampled L2's own lookups (each a full pass over the chunk, per capacity), so a sampled run took longer than the
full one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.gpu.kernels import address, simd
from simulator.gpu.kernels.address import set_key_of
from simulator.gpu.kernels.simd import mod_by

_KERNEL: list = []


def gather_sampled(*args):
    """``gather_sampled(slice_, key, set_index, sets, recip, table, replicates, addr, is_write, group, first,
    addr_out, w_out, slice_out, key_out, group_out, first_by_slice, first_by_rep)``.

    Copy the requests whose (slice, set) pair is sampled (``table[slice x sets + set key mod sets] >= 0``), in
    order, to the ``*_out`` arrays, each with its set key (``key`` hashed by ``set_index``, the arguments of
    :func:`~simulator.gpu.kernels.address.set_key_of` after the key) and its statistics row ``group x replicates +
    table[pair]``; return how many.  ``recip``: :func:`~simulator.gpu.kernels.simd.reciprocal` of ``sets``, for
    the modulo the cache kernels take (a division per request took this loop three times as long).

    Of those, the first touches (``first``) are counted as reads / writes in ``first_by_slice[group, slice,
    is_write]`` and ``first_by_rep[group x replicates + replicate, is_write]``.
    """
    if not _KERNEL:
        _KERNEL.append(_build())
    return _KERNEL[0](*args)


def _build():
    # REV ties the on-disk cached code to the compiled helpers it inlines from address.py and simd.py, which
    # Numba does not track (see simd.source_revision)
    REV = simd.source_revision(address.__file__, simd.__file__)

    @njit(cache=True, nogil=True)
    def gather(slice_, key, set_index, sets, recip, table, replicates, addr, is_write, group, first,
               addr_out, w_out, slice_out, key_out, group_out, first_by_slice, first_by_rep):
        _ = REV
        n = 0
        mode, set_bits, masks, line_shift = set_index
        u_sets = np.uint64(sets)
        for i in range(slice_.shape[0]):
            k = set_key_of(key[i], mode, set_bits, masks, line_shift)  # >= 0
            u = np.uint64(k)
            s = slice_[i]
            r = table[s * sets + np.int64(mod_by(u, u_sets, recip))]
            # written whether sampled or not (the next request overwrites what was not): one in K taken at random
            # is a branch mispredicted too often
            row = group[i] * replicates + r
            addr_out[n] = addr[i]
            w_out[n] = is_write[i]
            slice_out[n] = s
            key_out[n] = k
            group_out[n] = row
            taken = r >= 0
            if first[i] and taken:
                w = np.int64(is_write[i])
                first_by_slice[group[i], s, w] += 1
                first_by_rep[row, w] += 1
            n += np.int64(taken)
        return n

    return gather
