"""The timed engine: the SimPy environment is the clock (core cycles) and technology latencies shape the traffic.

Each SM is a process that issues its accesses in batches of :data:`BATCH` (one access per cycle), looks each batch
up in its L1 and then in the L2 (Numba, at the simulated time of issue), and hands each touched L2 slice a job:
the slice (a ``simpy.Resource``) is held for the batch's service time from the technology's latencies, then the
DRAM channel behind it for the bytes moved, then the DRAM latency passes.  An SM keeps at most
:data:`MAX_OUTSTANDING` batches in flight.  Slow writes therefore delay SMs and reorder later L2 traffic: counts
depend on the technology, and each (capacity, technology) pair is its own simulation (all fed from the same
single pass over the chunks).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from models.tech_row import TechRow
from simulator.gpu.chip import GpuChip
from simulator.gpu.counts import count_columns, dram_requests
from simulator.gpu.kernels.stats import N_STATS
from simulator.gpu.l2map import map_l2, set_keys_for
from simulator.gpu.levels import make_l1, make_l2
from simulator.gpu.timing import l1_path_latency, l2_cycles, slice_busy
from simulator.progress import progress

BATCH = 512
"""Accesses per SM batch (one SimPy step per batch, not per access)."""
MAX_OUTSTANDING = 4
"""Batches an SM may have in flight before it stalls (its warps' memory-level parallelism)."""


class KernelCounts:
    """One kernel's accumulators in one simulation: issue per SM, L1 per SM, L2 per slice, cycles."""

    def __init__(self, chip: GpuChip):
        self.issue = np.zeros(chip.n_sms + 1, dtype=np.int64)  # last slot: accesses with no SM
        self.l1 = np.zeros((chip.n_sms, N_STATS), dtype=np.int64)
        self.l2 = np.zeros((chip.l2.slices, N_STATS), dtype=np.int64)
        self.cycles = 0


class TimedSim:
    """One (capacity, technology) simulation: its own SimPy environment, caches and resources."""

    def __init__(self, chip: GpuChip, tech: TechRow):
        self.chip, self.tech = chip, tech
        self.env = simpy.Environment()
        self.l1 = make_l1(chip)
        self.l2 = make_l2(chip)
        self.slices = [simpy.Resource(self.env, capacity=1) for _ in range(chip.l2.slices)]
        self.channels = [simpy.Resource(self.env, capacity=1) for _ in range(chip.l2.channels)]
        rd, wr, core_per_l2 = l2_cycles(chip, tech)
        self.rd = rd * core_per_l2
        self.wr = wr * core_per_l2
        grain = chip.sector_B or chip.l2.line_B
        self.dram_per_req = grain / (chip.dram.bandwidth_GBps / chip.l2.channels) * chip.clocks.core_MHz / 1000.0
        self.dram_lat = chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
        self.fixed_lat = l1_path_latency(chip) + chip.l2.rop_latency_cycles
        self.kernels: dict[int, KernelCounts] = {}

    def run_segment(self, kid: int, addr, w, sm):
        """Simulate one kernel's accesses from one chunk to completion; add its counts and cycles."""
        chip = self.chip
        kc = self.kernels.get(kid)
        if kc is None:
            kc = self.kernels[kid] = KernelCounts(chip)
        slot = np.where(sm < 0, chip.n_sms, sm.astype(np.int64) % chip.n_sms)
        kc.issue += np.bincount(slot, minlength=chip.n_sms + 1)
        order = np.argsort(slot, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(slot, minlength=chip.n_sms + 1))])
        start = self.env.now
        procs = []
        for s in range(chip.n_sms + 1):
            idx = order[bounds[s]:bounds[s + 1]]
            if len(idx):
                procs.append(self.env.process(self._sm(s, addr[idx], w[idx], kc)))
        done = simpy.AllOf(self.env, procs)
        self.env.run(until=done)
        kc.cycles += int(math.ceil(self.env.now - start))

    def _sm(self, s, addr, w, kc):
        env, chip = self.env, self.chip
        outstanding = []
        n = len(addr)
        no_sm = s == chip.n_sms
        bypass = no_sm or chip.l1_bypassed
        for b0 in range(0, n, BATCH):
            a = addr[b0:b0 + BATCH]
            ww = w[b0:b0 + BATCH]
            m = len(a)
            if bypass:
                a2, w2 = a, ww
            else:
                bank = np.full(m, s, dtype=np.int64)
                key = (a >> np.uint64(self.l1.lshift)).astype(np.int64)
                st1, a2, w2, _ = self.l1.run(a, ww, bank, key, np.zeros(m, np.int64), 1)
                kc.l1 += st1[0]
            if len(a2):
                slice_, key2 = map_l2(a2, chip.l2)
                st2 = self.l2.run(a2, w2, slice_, set_keys_for(key2, chip.l2), np.zeros(len(a2), np.int64), 1)[0][0]
                kc.l2 += st2
                outstanding.append(env.process(self._memory(st2)))
            if not no_sm:
                yield env.timeout(m)  # issue: one request per core cycle (to the L1, or past it to the L2)
            while len(outstanding) > MAX_OUTSTANDING or (outstanding and outstanding[0].triggered):
                yield outstanding.pop(0)
        if outstanding:
            yield simpy.AllOf(env, outstanding)

    def _memory(self, st2):
        busy = slice_busy(st2, 1, 0) * self.rd + slice_busy(st2, 0, 1) * self.wr
        dram_req = dram_requests(st2)
        jobs = [self.env.process(self._slice_job(i, busy[i], int(dram_req[i]))) for i in np.flatnonzero(busy)]
        yield simpy.AllOf(self.env, jobs)

    def _slice_job(self, i, busy, n_dram):
        env = self.env
        with self.slices[i].request() as req:
            yield req
            yield env.timeout(busy)
        lat = self.fixed_lat
        if n_dram:
            ch = self.channels[i // self.chip.l2.slices_per_channel]
            with ch.request() as req:
                yield req
                yield env.timeout(n_dram * self.dram_per_req)
            lat += self.dram_lat
        yield env.timeout(lat)

    def rows(self, mb: float) -> list[dict]:
        """One row per kernel, in order of first appearance."""
        chip = self.chip
        grain = chip.sector_B or chip.l2.line_B
        atoms = max(grain // chip.dram.atom_B, 1)
        out = []
        for kid, kc in self.kernels.items():
            counts = count_columns(kc.l1.sum(axis=0), kc.l2.sum(axis=0), atoms)
            out.append({"l2_MB": mb, "l2_capacity_B": chip.l2.capacity_B, "technology": self.tech.technology,
                        "mode": "timed", "kernel": kid, **{k: int(v) for k, v in counts.items()},
                        "cycles": kc.cycles, "time_ns": kc.cycles * 1000.0 / chip.clocks.core_MHz})
        return out


def _segments(kernel: np.ndarray):
    """(start, stop, kernel id) runs of equal kernel id, in order."""
    if len(kernel) == 0:
        return []
    cut = np.flatnonzero(kernel[1:] != kernel[:-1]) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(kernel)]])
    return [(int(a), int(b), int(kernel[a])) for a, b in zip(starts, stops, strict=True)]


def run_timed(chunks, chips: list[GpuChip], techs: list[list[TechRow]], show: bool) -> list[list[TimedSim]]:
    """One simulation per (capacity, technology), all fed from one pass over the chunks."""
    sims = [[TimedSim(c, t) for t in techs[i]] for i, c in enumerate(chips)]
    total = getattr(chunks, "n_accesses", None)
    with progress(total=total, desc="simulate (timed)", enabled=None if show else False, unit="req",
                  unit_scale=True) as bar:
        for ch in chunks:
            for a, b, kid in _segments(ch.kernel):
                for row in sims:
                    for sim in row:
                        sim.run_segment(kid, ch.addr[a:b], ch.is_write[a:b], ch.sm[a:b])
            bar.update(len(ch))
    return sims
