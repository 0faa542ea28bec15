"""The timed engine: GPGPU-Sim's memory pipeline in next-free-time arithmetic, with SimPy as the kernel clock.

**Clock.** Each (capacity, technology) has its own ``simpy.Environment`` in core cycles.  SimPy's events are
coarse: a kernel is one process that waits out the launch latency (``timing.kernel_launch_latency_cycles``,
GPGPU-Sim's ``-gpgpu_kernel_launch_latency``: kernels of one stream run one after another) and then its body,
whose length the Numba core (:mod:`simulator.gpu.kernels.timeline`) computes request by request.

**A request's trip** (GPGPU-Sim 4.2, ``src/gpgpu-sim/``; SM6_TITANX values in the preset):

1. the SM's memory port books one slot per cycle (``-gpgpu_mem_unit_ports 1``: one ``mem_fetch`` per SM per
   cycle, shader.cc ``ldst_unit::memory_cycle``); a store waits for its run's earlier loads (its data), a CTA's
   next step after a ``__syncthreads`` waits for the previous step, a CTA waits for a free context on its SM;
2. the SM pipeline (``timing.sm_pipeline_cycles``), the L1 when accesses go through it, the interconnect
   (``timing.icnt_latency_cycles``) and the ROP delay queue (``l2.rop_latency_cycles``, l2cache.cc) bring it to
   its L2 slice, which serves one access per L2 cycle, held for the technology's read or write latency;
3. a hit (or a write: the L2 acknowledges at once) goes back over the interconnect; a hit on a sector whose fill
   is still coming (GPGPU-Sim's HIT_RESERVED, an MSHR merge) waits for that fill; a slice pushes one reply per
   cycle into the interconnect (gpu-sim.cc: one ``top()`` per sub-partition per cycle) and replies enter their SM
   one per cycle (shader.cc ``simt_core_cluster::icnt_cycle``: one ``icnt_pop`` per cycle), so the replies a fill
   releases at once queue there;
4. a miss waits the DRAM latency queue (``dram.latency_ns``, ``-dram_latency``), a slot of its channel's data bus
   (``dram.bandwidth_GBps`` / channels per 32 B), CL (``timing.dram_cl_cycles``), the fill, and the way back.
   DRAM banks are not modelled: no row activations (tRRD, tRCD, tRP, tRC) and no FR-FCFS reordering -- a bank
   state kept in the stream's processing order, not in time order, gave artefacts worse than leaving it out
   (tests/test_accelsim_cycles.py says where that shows).

**Counts.** The L1s and the L2 of each capacity look the trace up in its own order, once per capacity -- exactly
the fast engine's lookups, so the timed mode's counts equal the fast mode's and do not depend on the technology:
latencies change when requests reach the L2, not which of them hit.  (GPGPU-Sim's L2, fed its own access order,
hits exactly where nvmsim's does -- tests/test_accelsim_counts.py -- and the fast mode's wave order is the order
those tests validate.)  What the technology changes is the time: a slice is held for its read or write latency.

**Structure from the trace.** With the trace's kernel table (``GpuTrace.kernels``: ctas, ctas_per_sm, steps,
step_sync, threads_per_cta) the engine knows each run of one SM's requests is one step of one CTA and applies
the dependencies above; without it every request is ready at its kernel's start and only the resources and
latencies shape the time.  CTA contexts per SM: the trace's occupancy, capped by ``timing.max_threads_per_sm`` /
threads per CTA and ``timing.max_ctas_per_sm`` (GPGPU-Sim's ``shader_core_config::max_cta``).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import simpy

from models.tech_row import TechRow
from simulator.gpu.chip import GpuChip
from simulator.gpu.counts import count_columns
from simulator.gpu.kernels import timeline as T
from simulator.gpu.kernels.stats import N_STATS
from simulator.gpu.l2map import map_l2, set_keys_for
from simulator.gpu.levels import BankedCache, make_l1, sm_index
from simulator.gpu.timing import l1_path_latency, l2_cycles
from simulator.progress import progress

KERNEL_COLUMNS = ("ctas", "ctas_per_sm", "steps", "step_sync", "threads_per_cta")
"""Columns of a trace's kernel table the timed engine uses (see :class:`traces.gpu_trace.GpuTrace`)."""


class KernelCounts:
    """One kernel's count accumulators at one capacity: issue per SM, L1 per SM, L2 per slice."""

    def __init__(self, chip: GpuChip):
        self.issue = np.zeros(chip.n_sms + 1, dtype=np.int64)  # last slot: accesses with no SM
        self.l1 = np.zeros((chip.n_sms, N_STATS), dtype=np.int64)
        self.l2 = np.zeros((chip.l2.slices, N_STATS), dtype=np.int64)


def _make_l2_emitting(chip: GpuChip) -> BankedCache:
    """The chip's L2 slices, emitting their DRAM requests so that each can be charged to the request that caused
    it (the counts are those of :func:`simulator.gpu.levels.make_l2`)."""
    l2 = chip.l2
    return BankedCache(l2.slices, l2.sets_per_slice, l2.ways, l2.line_B, chip.sector_B, l2.write_back,
                       l2.write_allocate_mode, True, l2.policy)


def latencies(chip: GpuChip, tech: TechRow) -> np.ndarray:
    """The timeline's latency vector (core cycles) for one chip and technology."""
    t = chip.timing
    rd, wr, core_per_l2 = l2_cycles(chip, tech)
    core_per_dram = chip.clocks.core_MHz / chip.clocks.dram_MHz
    grain = chip.sector_B or chip.l2.line_B
    lat = np.zeros(T.N_LAT)
    lat[T.LT_TO_L2] = t.sm_pipeline_cycles + l1_path_latency(chip) + t.icnt_latency_cycles + 1 + \
        chip.l2.rop_latency_cycles
    lat[T.LT_FROM_L2] = 1 + t.icnt_latency_cycles + t.sm_pipeline_cycles
    lat[T.LT_L1] = chip.l1.hit_latency_cycles
    lat[T.LT_RD] = max(1, math.ceil(rd * core_per_l2 - 1e-9))
    lat[T.LT_WR] = max(1, math.ceil(wr * core_per_l2 - 1e-9))
    lat[T.LT_DRAM] = round(chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0)
    lat[T.LT_BURST] = grain / (chip.dram.bandwidth_GBps / chip.l2.channels) * chip.clocks.core_MHz / 1000.0
    lat[T.LT_CL] = math.ceil(t.dram_cl_cycles * core_per_dram)
    return lat


class KernelTable:
    """The trace's kernel table, indexed by kernel id (or empty: no structure known)."""

    def __init__(self, kernels: pd.DataFrame | None):
        self.rows: dict[int, tuple] = {}
        if kernels is not None and all(c in kernels.columns for c in ("kernel", *KERNEL_COLUMNS)):
            for r in kernels[["kernel", *KERNEL_COLUMNS]].itertuples(index=False):
                self.rows[int(r[0])] = tuple(int(x) for x in r[1:])

    def info(self, kid: int, chip: GpuChip) -> np.ndarray:
        ki = np.zeros(T.N_KI, np.int64)
        ki[T.KI_NSMS] = chip.n_sms
        row = self.rows.get(kid)
        if row is None or chip.n_sms == 0:
            ki[T.KI_PER_SM] = ki[T.KI_CONTEXTS] = 1
            return ki
        ctas, per_sm, steps, sync, threads = row
        ctx = per_sm
        if chip.timing.max_threads_per_sm and threads:
            ctx = min(ctx, max(chip.timing.max_threads_per_sm // threads, 1))
        if chip.timing.max_ctas_per_sm:
            ctx = min(ctx, chip.timing.max_ctas_per_sm)
        ki[T.KI_TABLE], ki[T.KI_CTAS], ki[T.KI_PER_SM] = 1, max(ctas, 1), max(per_sm, 1)
        ki[T.KI_STEPS], ki[T.KI_SYNC], ki[T.KI_CONTEXTS] = max(steps, 1), sync, max(ctx, 1)
        return ki


class Timeline:
    """One (capacity, technology)'s resources and clock: SimPy between kernels, the Numba core inside them."""

    def __init__(self, chip: GpuChip, tech: TechRow):
        self.chip, self.tech = chip, tech
        self.env = simpy.Environment()
        self.lat = latencies(chip, tech)
        nw = T.WINDOW_WORDS
        n_ch = chip.l2.channels
        self.port = (np.zeros((chip.n_sms + 1, nw), np.uint64), np.zeros(chip.n_sms + 1, np.int64))
        self.eject = (np.zeros((chip.n_sms + 1, nw), np.uint64), np.zeros(chip.n_sms + 1, np.int64))
        self.slice = (np.zeros((chip.l2.slices, nw), np.uint64), np.zeros(chip.l2.slices, np.int64))
        self.out = (np.zeros((chip.l2.slices, nw), np.uint64), np.zeros(chip.l2.slices, np.int64))
        # bus slots shorter than a cycle (a very wide DRAM) need a longer ring to span the same time
        chan_words = nw << max(0, math.ceil(math.log2(1.0 / self.lat[T.LT_BURST])))
        self.chan = (np.zeros((n_ch, chan_words), np.uint64), np.zeros(n_ch, np.int64))
        self.lmax = np.zeros(T.LANES, np.int64)
        self.prev = np.zeros(T.LANES, np.int64)
        self.pend = np.zeros((1 << T.PEND_BITS, 2), np.int64)  # (sector, fill time) per entry
        self.pend[:, 0] = -1
        self.cycles: dict[int, int] = {}
        self.kid: int | None = None

    def start(self, kid: int, ki: np.ndarray) -> None:
        """Launch kernel ``kid``: its launch latency passes on the SimPy clock, then its body starts."""
        self.kid, self.ki = kid, ki
        launch = self.chip.timing.kernel_launch_latency_cycles
        self.env.run(until=self.env.process(self._wait(launch)))
        self.ks = np.zeros(T.N_KS, np.int64)
        self.ks[T.KS_T0] = self.ks[T.KS_END] = int(self.env.now)
        self.ks[T.KS_SLOT] = -1
        n_slots = int(ki[T.KI_PER_SM] * ki[T.KI_NSMS]) if ki[T.KI_TABLE] else 1
        ctx = int(ki[T.KI_CONTEXTS])
        j = np.arange(n_slots, dtype=np.int64)
        n = max(int(ki[T.KI_NSMS]), 1)
        self.slot_ctx = (j % n) * ctx + (j // n) % ctx
        self.slot_units = np.zeros(n_slots, np.int64)
        self.slot_ready = np.zeros(n_slots, np.int64)
        self.ctx_free = np.full(n * ctx, int(self.env.now), np.int64)

    def _wait(self, cycles):
        yield self.env.timeout(cycles)

    def run(self, seg: Segment, req: tuple) -> None:
        """Time one run of the current kernel's requests: ``seg`` its trace arrays and issue order, ``req`` this
        capacity's ``(slice, channel, reaches L2, DRAM reads, DRAM writes)``, in trace order."""
        slice_, chan, to_l2, n_rd, n_wb = req
        T.run_requests(seg.order, seg.sm, seg.w, seg.lane, slice_, chan, seg.sector, to_l2, n_rd, n_wb, self.ki,
                       self.lat, self.ks, *self.port, *self.eject, *self.slice, *self.out, *self.chan, self.pend,
                       self.slot_units, self.slot_ready, self.ctx_free, self.slot_ctx, self.lmax,
                       self.prev)

    def finish(self) -> None:
        """The current kernel's body ends with its last reply; the SimPy clock moves there."""
        if self.kid is None:
            return
        body = int(self.ks[T.KS_END] - self.ks[T.KS_T0])
        self.env.run(until=self.env.process(self._wait(body)))
        launch = self.chip.timing.kernel_launch_latency_cycles
        self.cycles[self.kid] = self.cycles.get(self.kid, 0) + launch + body
        self.kid = None


class Segment:
    """One run of a kernel's trace requests, prepared once for every capacity and technology: folded SMs, each
    request's warp (``lane``), the order they reach the SMs' memory ports, and their sector (from the request's
    own address: an L1 miss asks the L2 for that same sector)."""

    def __init__(self, addr, w, sm, ki: np.ndarray, chip: GpuChip):
        self.sm = sm_index(sm, chip)
        self.w = w
        run_pos, run_len = _runs(self.sm)
        if ki[T.KI_SYNC]:  # a step is the whole CTA: its requests are dealt to the warps in order
            self.lane = run_pos * T.LANES // run_len
        elif ki[T.KI_TABLE] and ki[T.KI_CTAS] == 1:  # one CTA: its warps' runs meet on one SM and merge
            self.lane = run_pos * min(int(ki[T.KI_STEPS]), T.LANES) // run_len
        else:  # a run is one warp
            self.lane = np.zeros(len(addr), np.int64)
        n_sched = chip.timing.warp_schedulers_per_sm
        if n_sched > 1 and self.lane.any():
            self.order = T.issue_order(self.sm, self.lane, n_sched)
        else:
            self.order = np.arange(len(addr), dtype=np.int64)
        gshift = (chip.sector_B or chip.l2.line_B).bit_length() - 1
        self.sector = (addr >> np.uint64(gshift)).astype(np.int64)
        self.issue = np.bincount(np.where(self.sm < 0, chip.n_sms, self.sm), minlength=chip.n_sms + 1)
        self.l2_map = None
        if chip.l1_bypassed:  # the slice and set key of each request: the same at every capacity
            slice_, key = map_l2(addr, chip.l2)
            slice_ = slice_.astype(np.int64)
            self.l2_map = (slice_, key, slice_ // chip.l2.slices_per_channel)


class CapacitySim:
    """One capacity: its caches (shared by every technology: counts do not depend on it) and per-kernel counts."""

    def __init__(self, chip: GpuChip):
        self.chip = chip
        self.l1 = make_l1(chip)
        self.l2 = _make_l2_emitting(chip)
        self.kernels: dict[int, KernelCounts] = {}

    def requests(self, kid: int, addr, w, seg: Segment) -> tuple:
        """Look one run of kernel ``kid`` up in the trace's order (adding its counts) and return this capacity's
        per-request arrays for the timeline."""
        chip = self.chip
        kc = self.kernels.get(kid)
        if kc is None:
            kc = self.kernels[kid] = KernelCounts(chip)
        s = seg.sm
        kc.issue += seg.issue
        n = len(addr)
        if seg.l2_map is not None:
            a2, w2, src = addr, w, None
            slice_, key2, chan = seg.l2_map
        else:
            key = (addr >> np.uint64(self.l1.lshift)).astype(np.int64)
            st1, a2, w2, src = self.l1.run(addr, w, s, key, np.zeros(n, np.int64), 1)
            kc.l1 += st1[0]
            slice_, key2 = map_l2(a2, chip.l2)
        st2, _, ow, osrc = self.l2.run(a2, w2, slice_, set_keys_for(key2, chip.l2), np.zeros(len(a2), np.int64), 1)
        kc.l2 += st2[0]
        n_rd = np.bincount(osrc[~ow], minlength=len(a2))
        n_wb = np.bincount(osrc[ow], minlength=len(a2))
        if src is None:
            return slice_, chan, np.ones(n, np.bool_), n_rd, n_wb
        # back to the trace's requests: an L1 miss or write-through reaches the L2 (its first L2 request)
        to_l2 = np.zeros(n, np.bool_)
        to_l2[src] = True
        n_rd = np.bincount(src, weights=n_rd, minlength=n).astype(np.int64)
        n_wb = np.bincount(src, weights=n_wb, minlength=n).astype(np.int64)
        first = np.zeros(n, np.int64)
        uniq, at = np.unique(src, return_index=True)
        first[uniq] = at
        slice_ = slice_[first].astype(np.int64) if len(a2) else np.zeros(n, np.int64)
        chan = slice_ // chip.l2.slices_per_channel
        return slice_, chan, to_l2, n_rd, n_wb

    def rows(self, mb: float, tl: Timeline) -> list[dict]:
        """One row per kernel, in order of first appearance, with ``tl``'s technology and cycles."""
        chip = self.chip
        grain = chip.sector_B or chip.l2.line_B
        atoms = max(grain // chip.dram.atom_B, 1)
        out = []
        for kid, kc in self.kernels.items():
            counts = count_columns(kc.l1.sum(axis=0), kc.l2.sum(axis=0), atoms)
            cycles = tl.cycles.get(kid, 0)
            out.append({"l2_MB": mb, "l2_capacity_B": chip.l2.capacity_B, "technology": tl.tech.technology,
                        "mode": "timed", "kernel": kid, **{k: int(v) for k, v in counts.items()},
                        "cycles": cycles, "time_ns": cycles * 1000.0 / chip.clocks.core_MHz})
        return out


def _runs(sm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each request's position in its run of one SM's requests, and that run's length (within this chunk)."""
    n = len(sm)
    start = np.flatnonzero(np.concatenate([[True], sm[1:] != sm[:-1]])) if n else np.zeros(0, np.int64)
    length = np.diff(np.append(start, n))
    first = np.repeat(start, length)
    return np.arange(n, dtype=np.int64) - first, np.repeat(length, length).astype(np.int64)


def _segments(kernel: np.ndarray):
    """(start, stop, kernel id) runs of equal kernel id, in order."""
    if len(kernel) == 0:
        return []
    cut = np.flatnonzero(kernel[1:] != kernel[:-1]) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [len(kernel)]])
    return [(int(a), int(b), int(kernel[a])) for a, b in zip(starts, stops, strict=True)]


def run_timed(chunks, chips: list[GpuChip], techs: list[list[TechRow]], show: bool,
              kernels: pd.DataFrame | None = None) -> list[tuple[CapacitySim, list[Timeline]]]:
    """Per capacity its counts and one timeline per technology, all fed from one pass over the chunks.

    A kernel id that comes back after another kernel is a new launch of it (its cycles add up)."""
    table = KernelTable(kernels)
    sims = [(CapacitySim(c), [Timeline(c, t) for t in techs[i]]) for i, c in enumerate(chips)]
    total = getattr(chunks, "n_accesses", None)
    current = None

    def one_capacity(cap, tls, kid, ki, addr, w, seg, new_kernel):
        req = cap.requests(kid, addr, w, seg)
        for tl in tls:
            if new_kernel:
                tl.finish()
                tl.start(kid, ki)
            tl.run(seg, req)

    # capacities are independent (own caches, timelines and SimPy clocks), and their lookups and timelines are
    # Numba code that releases the GIL: one thread per core runs them side by side, segment by segment
    workers = max(1, min(len(sims), os.cpu_count() or 1))
    with progress(total=total, desc="simulate (timed)", enabled=None if show else False, unit="req",
                  unit_scale=True) as bar, ThreadPoolExecutor(max_workers=workers) as pool:
        for ch in chunks:
            for a, b, kid in _segments(ch.kernel):
                ki = table.info(kid, chips[0])
                addr, w = ch.addr[a:b], ch.is_write[a:b]
                seg = Segment(addr, w, ch.sm[a:b], ki, chips[0])
                jobs = [pool.submit(one_capacity, cap, tls, kid, ki, addr, w, seg, kid != current)
                        for cap, tls in sims]
                for job in jobs:
                    job.result()
                current = kid
            bar.update(len(ch))
    for _, tls in sims:
        for tl in tls:
            tl.finish()
    return sims
