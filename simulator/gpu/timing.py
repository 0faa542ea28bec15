"""Latencies in clock cycles and the fast engine's per-kernel bottleneck model.

Kernels run one after another; a kernel's cycles are the slowest of its three resources plus one round trip::

    cycles = max(issue, l2, dram) + latency
    issue  = max over SMs of the SM's accesses           (one request per core cycle per SM)
    l2     = max over slices of (reads + write-backs) x t_read + (writes + fills) x t_write
             (t in L2-clock cycles, ceil(latency_ns x l2_MHz / 1000), converted to core cycles): a slice is
             busy for the whole array access, so a 9 ns STT-MRAM write holds its slice for 14 cycles at 1481 MHz
    dram   = max over channels of bytes moved / (bandwidth / channels)
    latency = l1 hit latency + rop latency + max(t_read, t_write) + dram latency (if the kernel touched DRAM)

The L1 hit latency is on the path only when accesses go through the L1s (not with ``l1.enabled = false`` or
``l1.skip_global_loads``: GPGPU-Sim sends a bypassing access straight to the interconnect and its reply straight
back to the warp).  Issue counts every SM access either way: one request per SM per core cycle.
"""

from __future__ import annotations

import math

import numpy as np

from models.tech_row import TechRow
from simulator.gpu.chip import GpuChip
from simulator.gpu.counts import dram_requests, slice_accesses


def lat_cycles(ns: float, mhz: float) -> int:
    """A latency in whole cycles of a clock (at least one)."""
    return max(1, math.ceil(ns * mhz / 1000.0 - 1e-9))


def l1_path_latency(chip: GpuChip) -> int:
    """Core cycles the L1 adds to an L2 access: its hit latency, or 0 when accesses bypass it."""
    return 0 if chip.l1_bypassed else chip.l1.hit_latency_cycles


def slice_busy(l2s: np.ndarray, rd, wr) -> np.ndarray:
    """Cycles each slice's array is busy: its reads at ``rd`` and writes at ``wr`` cycles each."""
    reads, writes = slice_accesses(l2s)
    return (reads * rd + writes * wr).astype(np.float64)


def l2_cycles(chip: GpuChip, tech: TechRow) -> tuple[int, int, float]:
    """``(read, write)`` latency in L2-clock cycles and the core cycles per L2 cycle."""
    rd = lat_cycles(tech.read_latency_ns, chip.clocks.l2_MHz)
    wr = lat_cycles(tech.write_latency_ns, chip.clocks.l2_MHz)
    return rd, wr, chip.clocks.core_MHz / chip.clocks.l2_MHz


def kernel_cycles(issue_sm: np.ndarray, l2s: np.ndarray, chip: GpuChip, tech: TechRow) -> np.ndarray:
    """Cycles of each kernel by the bottleneck model (module docstring), vectorised over kernels.

    ``issue_sm`` ``[kernels, n_sms]`` accesses per SM; ``l2s`` ``[kernels, slices, N_STATS]``.
    """
    k = len(l2s)
    rd, wr, core_per_l2 = l2_cycles(chip, tech)
    issue = issue_sm.max(axis=1).astype(np.float64) if chip.n_sms else np.zeros(k)
    busy = (slice_busy(l2s, rd, wr) * core_per_l2).max(axis=1) if k else np.zeros(0)
    grain = chip.sector_B or chip.l2.line_B
    per_ch = dram_requests(l2s).reshape(k, chip.l2.channels, -1).sum(axis=2)
    bw_ch = chip.dram.bandwidth_GBps / chip.l2.channels
    dram = (per_ch.max(axis=1).astype(np.float64) * grain / bw_ch * chip.clocks.core_MHz / 1000.0
            if k else np.zeros(0))
    latency = l1_path_latency(chip) + chip.l2.rop_latency_cycles + max(rd, wr) * core_per_l2
    latency_dram = latency + chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
    lat = np.where(per_ch.sum(axis=1) > 0, latency_dram, latency)
    cycles = np.ceil(np.maximum(np.maximum(issue, busy), dram) + lat).astype(np.int64)
    idle = (l2s.sum(axis=(1, 2)) == 0) & (issue == 0)
    cycles[idle] = 0
    return cycles
