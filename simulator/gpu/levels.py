"""Banks of caches of one geometry (the per-SM L1s, the L2 slices) over the compiled lookup kernels.

The engines build their levels here from the chip (:func:`make_l1`, :func:`make_l2`), so they never see which
replacement policy runs: the chip's ``l1.policy`` / ``l2.policy`` name goes straight to the kernel factory.
"""

from __future__ import annotations

import numpy as np

from simulator.gpu import policies
from simulator.gpu.chip import GpuChip
from simulator.gpu.kernels import lookup
from simulator.gpu.kernels.stats import N_STATS, fill_next_level
from simulator.gpu.write_allocate import kernel_flags, write_allocate_mode


class BankedCache:
    """Banked cache state plus its compiled kernel; ``run`` looks a chunk up and returns counts and stream.

    ``policy`` is a replacement policy name (:mod:`simulator.gpu.policies`); ``write_allocate`` a bool or a
    write-allocate mode name (:mod:`simulator.gpu.write_allocate`).
    """

    def __init__(self, banks, sets, ways, line_B, sector_B, write_back, write_allocate, emit,
                 policy=policies.DEFAULT_POLICY):
        self.banks, self.sets, self.ways = banks, sets, ways
        self.lshift = line_B.bit_length() - 1
        self.sshift = (sector_B or line_B).bit_length() - 1
        self.policy = policies.get_policy(policy).name
        mode = write_allocate if isinstance(write_allocate, str) else write_allocate_mode(
            bool(write_allocate), self.sshift < self.lshift)
        wa, naive = kernel_flags(mode)
        self.next_level_rule = (self.sshift < self.lshift, write_back, wa, naive)  # for fill_next_level
        self.emit = emit
        _, self.kernel = lookup.get_kernels(sets, ways, self.lshift, self.sshift, write_back, wa, emit,
                                            hit_promotes=policies.get_policy(self.policy).hit_promotes, naive=naive)
        self.state = lookup.new_state(banks, sets, ways, sectors=1 << (self.lshift - self.sshift))

    def run(self, addr, w, bank, set_key, group, n_groups):
        """Look up a chunk: ``bank`` per access (negative: bypass), ``set_key`` mod sets the set, ``group`` the
        statistics row.  Returns ``(stats[n_groups, banks, N_STATS], addr, is_write, src)`` of the next level."""
        stats = np.zeros(n_groups * self.banks * N_STATS, dtype=np.int64)
        cap = lookup.out_capacity(len(addr), self.lshift, self.sshift) if self.emit else 0
        oa = np.empty(cap, dtype=np.uint64)
        ow = np.empty(cap, dtype=np.bool_)
        osrc = np.empty(cap, dtype=np.int64)
        n = self.kernel(self.state, addr, w, bank, set_key, group, stats, oa, ow, osrc)
        stats = stats.reshape(n_groups, self.banks, N_STATS)
        fill_next_level(stats, *self.next_level_rule)
        return stats, oa[:n], ow[:n], osrc[:n]


def make_l1(chip: GpuChip) -> BankedCache:
    """The chip's per-SM L1s (emitting the stream the L2 sees)."""
    l1 = chip.l1
    return BankedCache(chip.n_sms, l1.sets, l1.ways, l1.line_B, chip.sector_B, l1.write_back,
                       l1.write_allocate_mode, True, l1.policy)


def make_l2(chip: GpuChip) -> BankedCache:
    """The chip's L2 slices (counting only: DRAM traffic follows from the counts)."""
    l2 = chip.l2
    return BankedCache(l2.slices, l2.sets_per_slice, l2.ways, l2.line_B, chip.sector_B, l2.write_back,
                       l2.write_allocate_mode, False, l2.policy)


def sm_index(sm: np.ndarray, chip: GpuChip) -> np.ndarray:
    """SM per access folded into the chip (int64), or -1 for none.

    Traces normally hold SMs in ``[-1, n_sms)`` already: then one conversion, no ``where`` or modulo (measured
    0.08 -> 0.02 s per 13.8 M accesses).
    """
    if len(sm) and int(sm.min()) >= -1 and int(sm.max()) < chip.n_sms:
        return sm.astype(np.int64)
    s = sm.astype(np.int64)
    return np.where(s < 0, -1, s % chip.n_sms)
