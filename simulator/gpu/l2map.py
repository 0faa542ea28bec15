"""Where an address lives in a sliced GPU L2: channel, slice, and set -- GPGPU-Sim's rules, options by name.

Sources: GPGPU-Sim 4.2 (accel-sim/gpgpu-sim_distribution ``dev``) ``addrdec.cc`` (address decoding, partition
indexing, ``partition_address``), ``hashing.cc`` and ``gpu-cache.cc`` (set index functions), with the Pascal
address map ``dramid@8;...RBBBCCCC.BCCSSSSS`` of its SM6_TITANX and SM6_GTX1080 configs.  Every deterministic
rule below is checked bit-exact against GPGPU-Sim's compiled code (``tests/data/accelsim``, ``tests/test_l2map.py``).

1. ``chunk = addr >> log2(chunk_B)`` (256 B chunks: ``dramid@8``); ``channel = chunk mod channels``,
   ``rest = chunk div channels``: consecutive chunks go round-robin over the channels (GPGPU-Sim's "gap" decoding
   for a channel count that is not a power of two; for a power of two it is the same as taking the channel bits).
2. ``r = rest << log2(chunk_B) | (addr mod chunk_B)``: the address with the channel index squeezed out.
3. The sub-partition (slice within the channel) is read from the lowest ``log2(slices_per_channel)`` bank bits of
   ``r``: bits 7, 12, 13, 14 (for 2 slices: bit 7, so the two slices of a channel alternate every 128 B line).
   ``slices_per_channel`` is therefore a power of two, at most 16.  ``slice = channel * slices_per_channel + sub``.
4. The set key is ``r`` with those bits removed, shifted down by the line: GPGPU-Sim's
   ``partition_address(addr) >> 7``, the address its L2 set index functions take.  The cache takes
   ``set = set_key mod sets_per_slice`` (the tag stays the full line address, so hashed sets alias harmlessly).

``l2.channel_hash`` (which slice; the set key never depends on it, as in GPGPU-Sim):

- ``"linear"``: step 3 as it stands (``-gpgpu_memory_partition_indexing 0``, CONSECUTIVE).
- ``"xor"``: ``channel ^= high mod channels`` with ``high = rest >> log2(slices_per_channel)`` (1, BITWISE
  PERMUTATION; power-of-two channel counts only, as GPGPU-Sim asserts).
- ``"ipoly"``: the consecutive slice id hashed by IPOLY over ``next_pow2(channels) * slices_per_channel`` slices
  (which must be 16, 32 or 64) with the higher bits (``rest``, or ``rest >> log2(slices_per_channel)`` for a
  power-of-two channel count), then taken mod the slice count (2, IPOLY).
- ``"random"``: one uniform, independent choice of slice per ``chunk_B / slices_per_channel`` bytes (128 B on the
  Pascal configs), from a hash of that chunk's address and ``l2.hash_seed`` (4, RANDOM).  GPGPU-Sim draws glibc
  ``rand()`` the first time it decodes each chunk, so its table depends on the order of first use, including
  instruction fetches and memcpy replays; nvmsim keeps the distribution (uniform, independent per chunk, fixed
  per chunk) but not the draw order, so a run is deterministic per seed and independent of chunking.
- ``"fold"``: nvmsim's own: the channel rotated by an XOR-fold of ``rest``, ``channel = (chunk mod n + fold(rest))
  mod n``: any channel count, still a permutation within each row of chunks, so streaming stays perfectly even
  while power-of-two strides stop hitting one channel.  (Before GPGPU-Sim's modes were added this was called
  ``"xor"``.)

``l2.set_index`` (which set of the slice, from the set key; GPGPU-Sim's set-index letter of ``-gpgpu_cache:dl2``):

- ``"modulo"`` (``L``): ``key mod sets``, any set count.
- ``"xor"`` (``X``): the low log2(sets) key bits XOR the next log2(sets) bits; power-of-two sets.
- ``"ipoly"`` (``P``): IPOLY of the low bits with the higher ones; 16, 32 or 64 sets (GPGPU-Sim supports no other).
- ``"fermi"`` (``H``): the Fermi hash of the byte address; 32 or 64 sets.
- ``"fold"``: nvmsim's own: all higher key bits XOR-folded into the low ``ceil(log2(sets))`` bits before the modulo,
  for any set count (the ``gtx1080ti-deepnvm`` default: with the plain modulo, power-of-two strides camp in a few
  sets and DRAM accesses stop falling monotonically with capacity).
"""

from __future__ import annotations

import numpy as np

from simulator.gpu.chip import L2Config
from simulator.gpu.kernels.address import (
    HASH_FOLD,
    HASH_IPOLY,
    HASH_LINEAR,
    HASH_RANDOM,
    HASH_XOR,
    IPOLY_MASKS,
    SET_FERMI,
    SET_FOLD,
    SET_IPOLY,
    SET_MODULO,
    SET_XOR,
    map_addresses,
    set_keys,
)

_SET_CODES = {"modulo": SET_MODULO, "xor": SET_XOR, "ipoly": SET_IPOLY, "fermi": SET_FERMI, "fold": SET_FOLD}
_HASH_CODES = {"linear": HASH_LINEAR, "xor": HASH_XOR, "ipoly": HASH_IPOLY, "random": HASH_RANDOM, "fold": HASH_FOLD}
_NO_MASKS = np.zeros(0, dtype=np.uint64)


def _next_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


def ipoly_slices(l2: L2Config) -> int:
    """The slice count IPOLY partition indexing hashes over: ``next_pow2(channels) * slices_per_channel``."""
    return _next_pow2(l2.channels) * l2.slices_per_channel


def map_l2(addr: np.ndarray, l2: L2Config, out: tuple[np.ndarray, np.ndarray] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(slice, set_key)`` int64 arrays for uint64 byte addresses ``addr`` (written into ``out``, two
    contiguous int64 arrays of ``addr``'s length, when given)."""
    addr = np.ascontiguousarray(addr, dtype=np.uint64)
    if out is None:
        out = (np.empty(addr.shape[0], dtype=np.int64), np.empty(addr.shape[0], dtype=np.int64))
    slice_, key = out
    masks = IPOLY_MASKS[ipoly_slices(l2)] if l2.channel_hash == "ipoly" else _NO_MASKS
    map_addresses(addr, l2.channels, l2.slices_per_channel, l2.chunk_B.bit_length() - 1,
                  l2.line_B.bit_length() - 1, _HASH_CODES[l2.channel_hash], l2.hash_seed, masks, slice_, key)
    return slice_, key


def set_key_params(l2: L2Config) -> tuple:
    """``(mode, set_bits, masks, line_shift)``: the arguments :func:`~simulator.gpu.kernels.address.set_key_of`
    takes for ``l2``'s set index."""
    sets = l2.sets_per_slice
    mode = SET_MODULO if sets == 1 else _SET_CODES[l2.set_index]
    bits = (sets - 1).bit_length() if l2.set_index == "fold" else sets.bit_length() - 1
    masks = IPOLY_MASKS[sets] if mode == SET_IPOLY else _NO_MASKS
    return mode, bits, masks, l2.line_B.bit_length() - 1


def set_keys_for(key: np.ndarray, l2: L2Config) -> np.ndarray:
    """Keys whose value mod ``l2.sets_per_slice`` is the set; identity for ``set_index == "modulo"``."""
    params = set_key_params(l2)
    if params[0] == SET_MODULO:
        return key
    out = np.empty_like(key)
    set_keys(key, *params, out)
    return out


def channel_of_slice(slice_: np.ndarray | int, l2: L2Config):
    """The DRAM channel behind an L2 slice (slices of a channel are numbered consecutively)."""
    return slice_ // l2.slices_per_channel


def set_of(addr: np.ndarray, l2: L2Config) -> np.ndarray:
    """The set within its slice (for inspection and tests)."""
    _, key = map_l2(addr, l2)
    return set_keys_for(key, l2) % l2.sets_per_slice
