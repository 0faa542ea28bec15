"""Numba kernel: byte address -> (L2 slice, set key), GPGPU-Sim's linear mapping plus an optional hash.

See :mod:`simulator.gpu.l2map` for the rule in words.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _fold(rest):
    # XOR-fold of the address bits above the channel index (a cheap, fixed hash)
    return rest ^ (rest >> np.uint64(5)) ^ (rest >> np.uint64(11)) ^ (rest >> np.uint64(17)) ^ (rest >> np.uint64(23))


@njit(cache=True, nogil=True)
def map_addresses(addr, n_channels, n_sub, chunk_shift, line_shift, hashed, slice_out, key_out):
    """Fill ``slice_out`` (int64 slice id) and ``key_out`` (int64 channel-compacted line, sub bits removed)."""
    nch = np.uint64(n_channels)
    nsub = np.uint64(n_sub)
    lpc_mask = np.uint64((1 << (chunk_shift - line_shift)) - 1)
    cs = np.uint64(chunk_shift)
    ls = np.uint64(line_shift)
    lpc_shift = np.uint64(chunk_shift - line_shift)
    for i in range(addr.shape[0]):
        a = addr[i]
        chunk = a >> cs
        ch = chunk % nch
        rest = chunk // nch
        if hashed:
            ch = (ch + _fold(rest)) % nch
        cline = (rest << lpc_shift) | ((a >> ls) & lpc_mask)
        slice_out[i] = np.int64(ch * nsub + cline % nsub)
        key_out[i] = np.int64(cline // nsub)


@njit(cache=True, nogil=True)
def xor_set_keys(key, set_bits, out):
    """Set index hash for power-of-two sets: low ``set_bits`` of the key XOR the next ``set_bits``."""
    sb = np.int64(set_bits)
    for i in range(key.shape[0]):
        k = key[i]
        out[i] = k ^ ((k >> sb) & ((np.int64(1) << sb) - 1))


@njit(cache=True, nogil=True)
def fold_set_keys(key, set_bits, out):
    """Set index hash for any set count: XOR-fold the key's higher bits into its low ``set_bits``.

    The cache then takes ``out mod sets``; folding first stops power-of-two strides (tensor rows, weight
    columns) from landing in a few sets when the set count shares their power-of-two factors.
    """
    sb = np.int64(set_bits)
    mask = (np.int64(1) << sb) - 1
    for i in range(key.shape[0]):
        k = key[i]
        h = k >> sb
        f = np.int64(0)
        while h:
            f ^= h & mask
            h >>= sb
        out[i] = k ^ f
