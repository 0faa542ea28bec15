"""Numba kernels: byte address -> (L2 slice, set key), and the set-index hashes applied to the set key.

See :mod:`simulator.gpu.l2map` for the rules in words and their sources (GPGPU-Sim's ``addrdec.cc``,
``hashing.cc`` and ``gpu-cache.cc``).  Everything here is numeric: modes arrive as the integer codes below.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulator.gpu.kernels.simd import divmod_by, mod_by, parity64, reciprocal, simd_revision

#: ``l2.channel_hash`` codes (GPGPU-Sim's ``-gpgpu_memory_partition_indexing`` 0, 1, 2 and 4, and nvmsim's fold).
HASH_LINEAR, HASH_XOR, HASH_IPOLY, HASH_RANDOM, HASH_FOLD = 0, 1, 2, 3, 4

#: The bank bits of GPGPU-Sim's Pascal address map (``...RBBBCCCC.BCCSSSSS``: bits 7, 12, 13, 14 of the address
#: with the channel bits removed), as offsets from the line bit (7 for 128 B lines).  The sub-partition (slice
#: within a channel) is the lowest log2(slices_per_channel) of them.
SUB_BIT_OFFSETS = (0, 5, 6, 7)


def _masks(rows):
    """One mask of the high-address bits per output bit, from lists of bit positions."""
    return np.array([sum(1 << b for b in row) for row in rows], dtype=np.uint64)


# IPOLY set index (Rau's irreducible-polynomial hash as GPGPU-Sim tabulates it for 16, 32 and 64 sets): output
# bit i = parity(high & mask[i]) XOR index bit i, where ``index`` = the low log2(sets) line bits and ``high`` = the
# line bits above them.  Bit lists from GPGPU-Sim 4.2 hashing.cc (ipoly_hash_function), checked bit-exact against
# its compiled code in tests/test_l2map.py.
IPOLY_MASKS = {
    16: _masks([(11, 10, 9, 8, 6, 4, 3, 0), (12, 8, 7, 6, 5, 3, 1, 0), (9, 8, 7, 6, 4, 2, 1),
                (10, 9, 8, 7, 5, 3, 2)]),
    32: _masks([(13, 12, 11, 10, 9, 6, 5, 3, 0), (14, 13, 12, 11, 10, 7, 6, 4, 1), (14, 10, 9, 8, 7, 6, 3, 2, 0),
                (11, 10, 9, 8, 7, 4, 3, 1), (12, 11, 10, 9, 8, 5, 4, 2)]),
    64: _masks([(18, 17, 16, 15, 12, 10, 6, 5, 0), (15, 13, 12, 11, 10, 7, 5, 1, 0),
                (16, 14, 13, 12, 11, 8, 6, 2, 1), (17, 15, 14, 13, 12, 9, 7, 3, 2),
                (18, 16, 15, 14, 13, 10, 8, 4, 3), (17, 16, 15, 14, 11, 9, 5, 4)]),
}
IPOLY_SETS = tuple(sorted(IPOLY_MASKS))


@njit(cache=True, nogil=True, no_cpython_wrapper=True)
def _ipoly(high, index, masks):
    """IPOLY hash of ``index`` (``len(masks)`` bits) with the ``high`` bits (both uint64)."""
    out = np.uint64(0)
    for b in range(masks.shape[0]):
        bit = parity64(high & masks[b]) ^ ((index >> np.uint64(b)) & np.uint64(1))
        out |= bit << np.uint64(b)
    return out


@njit(cache=True, nogil=True, no_cpython_wrapper=True)
def _fold(rest):
    # XOR-fold of the address bits above the channel index (nvmsim's "fold" channel hash: cheap, fixed)
    return rest ^ (rest >> np.uint64(5)) ^ (rest >> np.uint64(11)) ^ (rest >> np.uint64(17)) ^ (rest >> np.uint64(23))


@njit(cache=True, nogil=True, no_cpython_wrapper=True)
def _mix(z):
    """SplitMix64's finaliser: a bijection of uint64 whose output bits each depend on every input bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True, no_cpython_wrapper=True)
def _remove_bit(x, p):
    """``x`` with bit ``p`` taken out (the bits above move down one)."""
    low = x & ((np.uint64(1) << p) - np.uint64(1))
    return ((x >> (p + np.uint64(1))) << p) | low


def map_addresses(addr, n_channels, n_sub, chunk_shift, line_shift, mode, seed, ipoly_masks, slice_out, key_out):
    """Fill ``slice_out`` (int64 slice id) and ``key_out`` (int64 line address with the channel and sub-partition
    bits removed: GPGPU-Sim's ``partition_address >> line_shift``).

    ``n_sub`` is a power of two (at most 16); ``mode`` a ``HASH_*`` code; ``seed`` the random hash's seed;
    ``ipoly_masks`` the IPOLY masks for ``next_pow2(n_channels) * n_sub`` slices (only read by ``HASH_IPOLY``).
    """
    recips = (reciprocal(n_channels), reciprocal(n_channels * n_sub))  # of the channel and slice counts
    geometry = (n_channels, n_sub, chunk_shift, line_shift, seed, *recips)
    _per_mode(_MAP, mode)(addr, geometry, ipoly_masks, slice_out, key_out)


def _per_mode(loop: int, mode: int):
    """The kernel running ``loop`` (:data:`_MAP` or :data:`_SET`) in ``mode``, built on first use.  Each mode is
    its own compilation with the mode a constant: a mode tested per element ran the loops 2-3x slower, and one
    function holding every mode's loop made a fresh install compile them all (the address map and the set keys:
    2.5 s and 4 s of its first run)."""
    kernel = _KERNELS.get((loop, mode))
    if kernel is None:  # (setdefault: L2 jobs asking at once all get the first dispatcher, compiled once)
        kernel = _KERNELS.setdefault((loop, mode), _build(loop, int(mode)))
    return kernel


_MAP, _SET = 0, 1
_KERNELS: dict = {}


def _build(LOOP, MODE):
    # only ints in the closure, so that Numba's on-disk cache keys it by their values; REV ties the cached code
    # to simd.py's intrinsics, which Numba does not track (as the lookup kernels do)
    REV = simd_revision()

    @njit(cache=True, nogil=True)
    def kernel(a, b, c, d, e):
        _ = REV
        if LOOP == _MAP:
            _map_as(a, MODE, b, c, d, e)
        else:
            _set_keys_as(a, MODE, b, c, d, e)

    return kernel


@njit(inline="always")
def _map_as(addr, mode, geometry, ipoly_masks, slice_out, key_out):
    n_channels, n_sub, chunk_shift, line_shift, seed, recip_ch, recip_sl = geometry  # (reciprocals: simd.mod_by)
    nch = np.uint64(n_channels)
    nsub = np.uint64(n_sub)
    sub_bits = 0
    while (1 << sub_bits) < n_sub:
        sub_bits += 1
    ch_bits = 0
    while (1 << ch_bits) < n_channels:
        ch_bits += 1
    gap = (1 << ch_bits) != n_channels
    cs = np.uint64(chunk_shift)
    ls = np.uint64(line_shift)
    low_mask = (np.uint64(1) << cs) - np.uint64(1)
    rand_shift = np.uint64(max(chunk_shift - sub_bits, 0))
    seed_mix = _mix(np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15))
    n_slices = nch * nsub
    sub_pos = np.empty(len(SUB_BIT_OFFSETS), dtype=np.uint64)  # the sub-partition bits' positions
    for k in range(sub_pos.shape[0]):
        sub_pos[k] = ls + np.uint64(SUB_BIT_OFFSETS[k])
    for i in range(addr.shape[0]):
        a = addr[i]
        rest, ch = divmod_by(a >> cs, nch, recip_ch)
        r = (rest << cs) | (a & low_mask)  # the address with the channel bits squeezed out
        sub = np.uint64(0)
        pa = r
        for k in range(sub_bits - 1, -1, -1):  # highest first, so lower positions stay put
            p = sub_pos[k]
            sub |= ((r >> p) & np.uint64(1)) << np.uint64(k)
            pa = _remove_bit(pa, p)
        key_out[i] = np.int64(pa >> ls)
        if mode == HASH_LINEAR:
            s = ch * nsub + sub
        elif mode == HASH_XOR:  # power-of-two channel counts only (checked by the config)
            high = rest >> np.uint64(sub_bits)
            s = (ch ^ (high & (nch - np.uint64(1)))) * nsub + sub
        elif mode == HASH_IPOLY:
            high = rest if gap else rest >> np.uint64(sub_bits)
            s = _ipoly(high, ch * nsub + sub, ipoly_masks)
            if gap:
                s = mod_by(s, n_slices, recip_sl)
        elif mode == HASH_RANDOM:
            s = _mix((a >> rand_shift) ^ seed_mix) % n_slices  # (one division: 1.5x faster than three multiplies)
        else:  # HASH_FOLD
            s = mod_by(ch + _fold(rest), nch, recip_ch) * nsub + sub
        slice_out[i] = np.int64(s)


#: ``l2.set_index`` codes: which hash turns a set key into the key whose value mod the set count is the set.
SET_MODULO, SET_XOR, SET_IPOLY, SET_FERMI, SET_FOLD = 0, 1, 2, 3, 4


@njit(inline="always")
def set_key_of(k, mode, set_bits, masks, line_shift):
    """The hashed set key of set key ``k`` (int64 >= 0); the set is its value mod the set count.

    ``SET_MODULO``: ``k`` itself.  ``SET_XOR`` (GPGPU-Sim's ``X``, power-of-two sets): the low ``set_bits`` of the
    key XOR the next ``set_bits``.  ``SET_IPOLY`` (``P``; 16, 32 or 64 sets, ``masks`` from :data:`IPOLY_MASKS`):
    IPOLY of the low bits with the higher ones.  ``SET_FERMI`` (``H``, 32 or 64 sets): on the byte address ``a =
    k << line_shift``, the low five line bits XOR address bits 13, 14, 15, 17 and 19; with 64 sets, address bit 12
    becomes set bit 5.  ``SET_FOLD`` (nvmsim's, any set count): all higher key bits XOR-folded into the low
    ``set_bits``, so that power-of-two strides (tensor rows, weight columns) do not land in a few sets when the set
    count shares their power-of-two factors.  The hashed bits replace the low ones; the key above them stays.
    """
    if mode == SET_XOR:
        sb = np.int64(set_bits)
        return k ^ ((k >> sb) & ((np.int64(1) << sb) - 1))
    if mode == SET_IPOLY:
        sb = np.uint64(masks.shape[0])
        low = (np.uint64(1) << sb) - np.uint64(1)
        u = np.uint64(k)
        return np.int64((u & ~low) | _ipoly(u >> sb, u & low, masks))
    if mode == SET_FERMI:
        sb = np.uint64(set_bits)
        low = (np.uint64(1) << sb) - np.uint64(1)
        u = np.uint64(k)
        a = u << np.uint64(line_shift)
        upper = ((a >> np.uint64(13)) & np.uint64(7)) | (((a >> np.uint64(17)) & np.uint64(1)) << np.uint64(3)) \
            | (((a >> np.uint64(19)) & np.uint64(1)) << np.uint64(4))
        s = (u & np.uint64(0x1F)) ^ upper
        if set_bits == 6:
            s |= ((a >> np.uint64(12)) & np.uint64(1)) << np.uint64(5)
        return np.int64((u & ~low) | s)
    if mode == SET_FOLD:
        # the XOR of the key's set_bits-wide chunks above the lowest, in log steps (chunk j ^= chunk j + 2**t): no
        # data-dependent loop, and the same steps for every key
        sb = np.uint64(set_bits)
        x = np.uint64(k) >> sb
        for t in range(6):
            s = sb << np.uint64(t)
            if s < np.uint64(64):
                x ^= x >> s
        return k ^ np.int64(x & ((np.uint64(1) << sb) - np.uint64(1)))
    return k


@njit(inline="always")
def _set_keys_as(key, mode, set_bits, masks, line_shift, out):
    for i in range(key.shape[0]):
        out[i] = set_key_of(key[i], mode, set_bits, masks, line_shift)


def set_keys(key, mode, set_bits, masks, line_shift, out):
    """:func:`set_key_of` of every key into ``out`` (one compiled loop per mode, :func:`_per_mode`)."""
    if mode == SET_MODULO:
        out[:] = key
        return
    _per_mode(_SET, mode)(key, set_bits, masks, line_shift, out)
