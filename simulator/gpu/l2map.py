"""Where an address lives in a sliced GPU L2: channel, slice, and set.

The rule follows GPGPU-Sim's linear address decoding (``dramid@8`` in the
Pascal configs; ``addrdec.cc`` "gap" case for non-power-of-two channel counts):

1. ``chunk = addr >> log2(chunk_B)`` (256 B chunks); ``channel = chunk mod channels``,
   ``rest = chunk div channels`` -- consecutive chunks go round-robin over the channels.
2. The channel-compacted line is ``cline = rest * (chunk_B / line_B) + (line within the chunk)``,
   i.e. the address with the channel index squeezed out.
3. ``sub = cline mod slices_per_channel`` (for 2 slices: address bit 7, GPGPU-Sim's lowest bank bit, so the two
   slices of a channel alternate every 128 B line); ``slice = channel * slices_per_channel + sub``.
4. The set key is ``cline div slices_per_channel`` (sub bits removed too, so lines of one slice spread over all its
   sets rather than "set camping"); the cache takes ``set = key mod sets_per_slice``.  For the GTX 1080 config this
   is GPGPU-Sim's ``set = ((addr >> 8) / 11) mod 64``.

Options: ``channel_hash = "xor"`` rotates the channel by an XOR-fold of ``rest`` (``channel = (chunk mod n +
fold(rest)) mod n``): any channel count, still a permutation within each row of chunks, so streaming stays
perfectly even while power-of-two strides stop hitting one channel.  ``set_index = "xor"`` XORs the set bits
with the next higher bits (power-of-two sets only); ``set_index = "fold"`` XOR-folds all higher key bits into the
low ``ceil(log2(sets))`` bits before the modulo, for any set count (the ``gtx1080ti-deepnvm`` default: with the
plain modulo, power-of-two strides camp in a few sets and DRAM accesses stop falling monotonically with capacity).
The tag stays the full line address, so hashing is safe.
"""

from __future__ import annotations

import numpy as np

from simulator.gpu.chip import L2Config
from simulator.gpu.kernels.address import fold_set_keys, map_addresses, xor_set_keys


def map_l2(addr: np.ndarray, l2: L2Config) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(slice, set_key)`` int64 arrays for uint64 byte addresses ``addr``."""
    addr = np.ascontiguousarray(addr, dtype=np.uint64)
    slice_ = np.empty(addr.shape[0], dtype=np.int64)
    key = np.empty(addr.shape[0], dtype=np.int64)
    map_addresses(addr, l2.channels, l2.slices_per_channel, l2.chunk_B.bit_length() - 1,
                  l2.line_B.bit_length() - 1, l2.channel_hash == "xor", slice_, key)
    return slice_, key


def set_keys_for(key: np.ndarray, l2: L2Config) -> np.ndarray:
    """Keys whose value mod ``l2.sets_per_slice`` is the set; identity for ``set_index == "modulo"``."""
    if l2.set_index == "modulo" or l2.sets_per_slice == 1:
        return key
    out = np.empty_like(key)
    if l2.set_index == "xor":
        xor_set_keys(key, l2.sets_per_slice.bit_length() - 1, out)
    else:  # "fold": any set count
        fold_set_keys(key, (l2.sets_per_slice - 1).bit_length(), out)
    return out


def channel_of_slice(slice_: np.ndarray | int, l2: L2Config):
    """The DRAM channel behind an L2 slice (slices of a channel are numbered consecutively)."""
    return slice_ // l2.slices_per_channel


def set_of(addr: np.ndarray, l2: L2Config) -> np.ndarray:
    """The set within its slice (for inspection and tests)."""
    _, key = map_l2(addr, l2)
    return set_keys_for(key, l2) % l2.sets_per_slice
